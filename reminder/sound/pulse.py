"""Playback through a PulseAudio-protocol server (PulseAudio, or PipeWire's
pulse socket), with libpulse-simple through ctypes.

libpulse-simple (Debian libpulse0) is on every desktop that runs either
server, so this costs no Python dependency. It gives what timing needs: the
stream's latency (how long until a sample written now is heard, including
the server's and the sink's buffers, interpolated between updates) and a
flush that drops everything not yet played, for an immediate pause or stop.

Only the player process loads this module.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from reminder.sound.output import OutputError
from reminder.sound.synth import RATE

PA_STREAM_PLAYBACK: Final = 1
PA_SAMPLE_S16LE: Final = 3
PA_SAMPLE_S16BE: Final = 4
CHUNK_SECONDS: Final = 0.05
"""How much is written at once; also the server's minimum request."""
TARGET_SECONDS: Final = 0.25
"""The stream's buffer: enough that a busy machine never runs it dry."""


class PulseError(OutputError):
    """The server could not be reached, or went away; the message says which."""


class _SampleSpec(ctypes.Structure):
    _fields_ = (
        ("format", ctypes.c_int),
        ("rate", ctypes.c_uint32),
        ("channels", ctypes.c_uint8),
    )


class _BufferAttr(ctypes.Structure):
    _fields_ = (
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    )


def _load(name: str, soname: str) -> Any:
    try:
        return ctypes.CDLL(soname)  # the stable soname: no ldconfig run at start-up
    except OSError:
        pass
    from ctypes.util import find_library

    found = find_library(name)
    try:
        return ctypes.CDLL(found or soname)
    except OSError:
        raise PulseError(
            f"{soname} is not installed, so reminder cannot reach the sound server; "
            "install libpulse0 (it comes with PulseAudio and PipeWire desktops)."
        ) from None


def server_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The server to connect to: ``PULSE_SERVER``, else the socket a desktop's
    PulseAudio or PipeWire puts at ``$XDG_RUNTIME_DIR/pulse/native``. None
    leaves it to libpulse's own search (client.conf, X11), which may also
    start a PulseAudio if the user's client.conf allows it."""
    env = os.environ if environ is None else environ
    if server := env.get("PULSE_SERVER"):
        return server
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "pulse", "native").exists():
        return f"unix:{Path(runtime, 'pulse', 'native')}"
    return None


class PulseStream:
    """One playback stream: mono 16-bit at ``RATE``."""

    def __init__(self, app_name: str = "reminder", stream_name: str = "exercise cues") -> None:
        self._simple = _load("pulse-simple", "libpulse-simple.so.0")
        self._pulse = _load("pulse", "libpulse.so.0")
        simple, pulse = self._simple, self._pulse
        simple.pa_simple_new.restype = ctypes.c_void_p
        simple.pa_simple_new.argtypes = (
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.POINTER(_SampleSpec),
            ctypes.c_void_p,
            ctypes.POINTER(_BufferAttr),
            ctypes.POINTER(ctypes.c_int),
        )
        for function in ("pa_simple_write",):
            getattr(simple, function).argtypes = (
                ctypes.c_void_p,
                ctypes.c_void_p,
                ctypes.c_size_t,
                ctypes.POINTER(ctypes.c_int),
            )
            getattr(simple, function).restype = ctypes.c_int
        for function in ("pa_simple_flush", "pa_simple_drain"):
            getattr(simple, function).argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
            getattr(simple, function).restype = ctypes.c_int
        simple.pa_simple_get_latency.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
        simple.pa_simple_get_latency.restype = ctypes.c_uint64
        simple.pa_simple_free.argtypes = (ctypes.c_void_p,)
        simple.pa_simple_free.restype = None
        pulse.pa_strerror.argtypes = (ctypes.c_int,)
        pulse.pa_strerror.restype = ctypes.c_char_p
        pulse.pa_get_library_version.restype = ctypes.c_char_p

        little = sys.byteorder == "little"
        spec = _SampleSpec(PA_SAMPLE_S16LE if little else PA_SAMPLE_S16BE, RATE, 1)
        frame = 2
        chunk = int(CHUNK_SECONDS * RATE) * frame
        attr = _BufferAttr(
            maxlength=0xFFFFFFFF,
            tlength=int(TARGET_SECONDS * RATE) * frame,
            prebuf=chunk,  # start playing as soon as one chunk is there
            minreq=chunk,
            fragsize=0xFFFFFFFF,
        )
        address = server_address()
        self.server = address or "the default PulseAudio server"
        error = ctypes.c_int(0)
        self._handle = simple.pa_simple_new(
            address.encode() if address else None,
            app_name.encode(),
            PA_STREAM_PLAYBACK,
            None,
            stream_name.encode(),
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(error),
        )
        if not self._handle:
            raise PulseError(f"no sound server answered at {self.server} ({self._reason(error)})")
        version = pulse.pa_get_library_version()
        self.name = f"PulseAudio protocol at {self.server} (libpulse {version.decode()})"

    def _reason(self, error: ctypes.c_int) -> str:
        text = self._pulse.pa_strerror(error.value)
        return text.decode() if text else f"error {error.value}"

    def _check(self, result: int, error: ctypes.c_int, what: str) -> None:
        if result < 0:
            raise PulseError(
                f"the sound server stopped answering while {what} ({self._reason(error)})"
            )

    def latency(self) -> float:
        """Seconds until a sample written now is heard."""
        error = ctypes.c_int(0)
        usec = self._simple.pa_simple_get_latency(self._handle, ctypes.byref(error))
        if usec == 0xFFFFFFFFFFFFFFFF:  # (pa_usec_t) -1
            self._check(-1, error, "timing the stream")
        return float(usec) / 1e6

    def write(self, data: bytes) -> None:
        error = ctypes.c_int(0)
        result = self._simple.pa_simple_write(self._handle, data, len(data), ctypes.byref(error))
        self._check(result, error, "playing")

    def flush(self) -> None:
        """Drop everything written but not yet heard."""
        error = ctypes.c_int(0)
        self._check(
            self._simple.pa_simple_flush(self._handle, ctypes.byref(error)), error, "stopping"
        )

    def drain(self) -> None:
        """Wait until everything written has been heard."""
        error = ctypes.c_int(0)
        self._check(
            self._simple.pa_simple_drain(self._handle, ctypes.byref(error)), error, "finishing"
        )

    def close(self) -> None:
        if self._handle:
            self._simple.pa_simple_free(self._handle)
            self._handle = None
