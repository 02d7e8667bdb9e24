"""Which samples sound when: the player's schedule turned into audio, a chunk
at a time. Pure apart from the sounds it is given; the output drivers call
``render`` with the wall-clock instant the chunk's first sample will be heard.

A sound starts at the sample of its instant within the chunk, so its onset
is as exact as the driver's latency figure. One due a little late (the
player had just started, a chunk was already on its way) starts at once; one
more than ``LATE_LIMIT`` late is dropped: a cue that late would mislead.
A new phrase cuts the one before it short, so the voice never falls behind.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable
from typing import Final

from reminder.sound.synth import RATE

LATE_LIMIT: Final = 0.6
"""Seconds a sound may start after its instant; later ones are left out."""
CUT_FADE: Final = int(0.015 * RATE)
"""Samples over which a phrase that is cut short fades out."""


class Scheduled:
    """One sound due at ``at`` (wall clock, seconds since the epoch): a cue by
    name or a phrase; ``planned`` is the instant as the client sent it (ISO
    8601), for reports. Ordered by instant."""

    __slots__ = ("at", "cue", "planned", "say")

    def __init__(
        self, at: float, cue: str | None = None, say: str | None = None, planned: str = ""
    ) -> None:
        self.at = at
        self.cue = cue
        self.say = say
        self.planned = planned

    def __lt__(self, other: Scheduled) -> bool:
        return self.at < other.at

    def __repr__(self) -> str:
        return f"Scheduled({self.at!r}, cue={self.cue!r}, say={self.say!r})"


class _Playing:
    __slots__ = ("position", "samples", "voice")

    def __init__(self, samples: array[int], position: int, voice: bool) -> None:
        self.samples = samples
        self.position = position
        """Index of the sample due at the next chunk's first frame; negative:
        that many frames of silence first."""
        self.voice = voice


Lookup = Callable[[Scheduled], "array[int] | None"]
"""A scheduled sound's samples; None while a phrase is still being rendered."""
Report = Callable[[Scheduled, float], None]
"""Told each sound as it starts, with the instant its first sample is heard."""


class Mixer:
    def __init__(self, lookup: Lookup, report: Report | None = None) -> None:
        self._lookup = lookup
        self._report = report
        self._pending: list[Scheduled] = []
        self._playing: list[_Playing] = []
        self.dropped: list[Scheduled] = []

    def replace(self, events: Iterable[Scheduled]) -> None:
        """A new schedule: what was due and what is sounding now are dropped."""
        self._pending = sorted(events)
        self._playing.clear()

    def add(self, event: Scheduled) -> None:
        bisect.insort(self._pending, event)

    def clear(self) -> None:
        """Silence: nothing sounding, nothing due."""
        self._pending.clear()
        self._playing.clear()

    def drop_after(self, instant: float) -> None:
        self._pending = [e for e in self._pending if e.at <= instant]

    @property
    def pending(self) -> list[Scheduled]:
        return list(self._pending)

    def next_due(self) -> float | None:
        return self._pending[0].at if self._pending else None

    def sounding(self) -> bool:
        return bool(self._playing)

    def idle(self) -> bool:
        return not self._pending and not self._playing

    def render(self, frames: int, start: float) -> bytes:
        """The ``frames`` samples heard from wall-clock instant ``start`` on."""
        end = start + frames / RATE
        waiting: list[Scheduled] = []
        while self._pending and self._pending[0].at < end:
            event = self._pending.pop(0)
            offset = round((event.at - start) * RATE)
            late = -offset / RATE
            if late > LATE_LIMIT:
                self.dropped.append(event)
                continue
            samples = self._lookup(event)
            if samples is None:
                waiting.append(event)  # a phrase not rendered yet: try again next chunk
                continue
            offset = max(0, offset)
            if event.say is not None:
                self._cut_voices(offset)
            self._playing.append(_Playing(samples, -offset, event.say is not None))
            if self._report is not None:
                self._report(event, start + offset / RATE)
        for event in waiting:
            bisect.insort(self._pending, event)
        if not self._playing:
            return bytes(2 * frames)
        mix = [0] * frames
        for sound in self._playing:
            first = max(0, -sound.position)
            begin = sound.position + first
            part = sound.samples[begin : begin + frames - first]
            for i, value in enumerate(part, start=first):
                mix[i] += value
            sound.position += frames
        self._playing = [s for s in self._playing if s.position < len(s.samples)]
        out = array("h", (32767 if v > 32767 else -32768 if v < -32768 else v for v in mix))
        return out.tobytes()

    def _cut_voices(self, at: int) -> None:
        """Fade out every phrase sounding at frame ``at`` of the coming chunk."""
        for sound in self._playing:
            if not sound.voice:
                continue
            begin = sound.position + at
            if begin < 0:
                sound.samples = array("h")
                continue
            tail = sound.samples[begin : begin + CUT_FADE]
            faded = array("h", (int(v * (1 - i / CUT_FADE)) for i, v in enumerate(tail)))
            sound.samples = sound.samples[:begin] + faded
