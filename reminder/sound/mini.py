"""Playback through miniaudio: CoreAudio on macOS, WASAPI on Windows.

miniaudio bundles its C library (one wheel, no system packages) and plays
through each system's native API. Its device pulls audio from a callback; a
small buffer in between gives the player the same push interface as the
PulseAudio stream: ``write``, ``latency``, ``flush``, ``drain``.

miniaudio does not report the device's own latency, so ``latency`` counts
what waits in our buffer plus the device's periods (``PERIOD_MS`` × ``PERIODS``);
the figure for PulseAudio through miniaudio is in docs/performance.md.

Only the player process loads this module.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Generator
from typing import Any, Final

from reminder.sound.output import OutputError
from reminder.sound.synth import RATE

PERIOD_MS: Final = 10
PERIODS: Final = 3
DEVICE_LATENCY: Final = PERIOD_MS * (PERIODS - 1) / 1000
"""New audio waits behind the periods still queued: one is being played."""
BACKENDS: Final = {"darwin": "COREAUDIO", "win32": "WASAPI"}


class MiniaudioError(OutputError):
    """miniaudio is missing or found no device; the message says which."""


class MiniaudioStream:
    def __init__(self, app_name: str = "reminder", backend: str | None = None) -> None:
        try:
            import miniaudio
        except ImportError:
            raise MiniaudioError(
                "the miniaudio package is not installed; reinstall reminder to get it"
            ) from None
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._pulled_at = time.monotonic()
        chosen = backend or BACKENDS.get(sys.platform)
        backends = [miniaudio.Backend[chosen]] if chosen else None
        try:
            self._device: Any = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=RATE,
                buffersize_msec=PERIOD_MS,
                callback_periods=PERIODS,
                backends=backends,
                app_name=app_name,
            )
        except miniaudio.MiniaudioError as error:
            raise MiniaudioError(f"no sound device could be opened ({error})") from None
        self.name = f"{self._device.backend} through miniaudio"
        generator = self._pull()
        next(generator)
        try:
            self._device.start(generator)
        except miniaudio.MiniaudioError as error:
            self._device.close()
            raise MiniaudioError(f"the sound device would not start ({error})") from None

    def _pull(self) -> Generator[bytes, int, None]:
        frames = yield b""
        while True:
            wanted = 2 * frames
            with self._lock:
                data = bytes(self._buffer[:wanted])
                del self._buffer[:wanted]
                self._pulled_at = time.monotonic()
            frames = yield data + bytes(wanted - len(data))

    def _check(self) -> None:
        if self._device is None or not self._device.running:
            raise MiniaudioError("the sound device stopped")

    def latency(self) -> float:
        self._check()
        with self._lock:
            buffered = len(self._buffer) / 2 / RATE
        return buffered + DEVICE_LATENCY

    def write(self, data: bytes) -> None:
        self._check()
        with self._lock:
            self._buffer += data

    def flush(self) -> None:
        with self._lock:
            self._buffer.clear()

    def drain(self) -> None:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            self._check()
            with self._lock:
                left = len(self._buffer)
                stalled = time.monotonic() - self._pulled_at > 1.0
            if not left:
                break
            if stalled:
                raise MiniaudioError("the sound device stopped taking audio")
            time.sleep(left / 2 / RATE)
        time.sleep(DEVICE_LATENCY)

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None
