"""Where the player's audio goes: one stream to the desktop's sound server.

- ``pulse``: the PulseAudio protocol (PulseAudio, or PipeWire's pulse socket),
  through libpulse-simple; the Linux default.
- ``miniaudio``: CoreAudio on macOS, WASAPI on Windows (and any backend
  miniaudio finds elsewhere), through the miniaudio package.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Protocol


class OutputError(Exception):
    """The output cannot play; the message completes "Sound unavailable: …"."""


class Stream(Protocol):
    name: str
    """What a person reads: the server or device and the library."""

    def latency(self) -> float:
        """Seconds until a sample written now is heard."""
        ...

    def write(self, data: bytes) -> None:
        """16-bit mono samples at ``synth.RATE``; raises OutputError."""
        ...

    def flush(self) -> None:
        """Drop what was written and not yet heard."""
        ...

    def drain(self) -> None:
        """Wait until what was written has been heard."""
        ...

    def close(self) -> None: ...


OUTPUTS = ("pulse", "miniaudio")


def default_output() -> str:
    return "pulse" if sys.platform.startswith("linux") else "miniaudio"


def open_output(kind: str) -> Callable[[], Stream]:
    """A function that opens a new stream of this kind; raises OutputError."""
    if kind == "pulse":
        from reminder.sound.pulse import PulseStream

        return PulseStream
    if kind == "miniaudio":
        from reminder.sound.mini import MiniaudioStream

        return MiniaudioStream
    raise OutputError(f"there is no sound output called {kind!r}; use pulse or miniaudio")


class Connecting:
    """A stream being opened in a thread of its own, while the player's
    other modules load: start-up counts against the first cue."""

    def __init__(self, opener: Callable[[], Stream]) -> None:
        self.opener = opener
        self._stream: Stream | None = None
        self._error: OutputError | None = None
        self._thread = threading.Thread(target=self._open, args=(opener,), daemon=True)
        self._thread.start()

    def _open(self, opener: Callable[[], Stream]) -> None:
        try:
            self._stream = opener()
        except OutputError as error:
            self._error = error

    def result(self) -> Stream:
        """The stream, once open; raises OutputError."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._stream is not None
        return self._stream
