"""The cues, synthesised in code: no sound files, nothing to license.

Each cue is a few soft bell-like notes (a sine with a little of its second and
third harmonic, a 4 ms attack so nothing clicks, an exponential decay) at
22 050 Hz, mono, 16-bit. They differ in shape as well as pitch, so a person on
the floor tells them apart without looking:

- ``ready``: two notes rising a fourth — get into position.
- ``go``: a quick bright rising triad — work starts now.
- ``switch``: high, low, high — change sides.
- ``rest``: two soft notes falling a fifth, slow to fade — rest.
- ``next``: three notes rising slowly — the next exercise; get ready.
- ``done``: a four-note arpeggio up to the octave, held — the session is over.
- ``chime``: a two-tone "ding-dong" bell — a session asks to start.
- ``tick``: a short, soft wood-block knock — the 3-2-1 count before a hold
  or rest ends.
- ``rep``: a softer, lower knock — the pace of one repetition.

Pure Python (``math`` and ``array``): rendering every cue takes a fraction of
a second, and the player renders each one before it is first due. No
dataclasses here or in the rest of the player: importing them (and
``inspect``) would cost the player's start-up ~10 ms.
"""

from __future__ import annotations

import math
from array import array
from typing import Final, NamedTuple

RATE: Final = 22050
"""Samples a second, of everything the player plays (espeak-ng's own rate)."""

ATTACK: Final = 0.004
FADE: Final = 0.012
"""Seconds of the linear fade at the very end of a cue, so it ends at zero."""


class Note(NamedTuple):
    at: float
    """Seconds from the cue's start."""
    frequency: float
    decay: float
    """Seconds for the note to fall to 1/e."""
    level: float = 1.0
    harmonics: tuple[float, ...] = (0.3, 0.08)
    """Levels of the 2nd, 3rd, … harmonic, relative to the fundamental."""


class Shape(NamedTuple):
    notes: tuple[Note, ...]
    length: float
    """Seconds."""
    gain: float
    """Peak level at volume 1.0, 0–1: ticks are softer than step cues."""


C5, D5, E5, F5, G5, A5, B5 = 523.25, 587.33, 659.26, 698.46, 783.99, 880.0, 987.77
C6, E6, G6 = 1046.5, 1318.51, 1567.98

_BELL: Final = (0.5, 0.25, 0.12)
_KNOCK: Final = (0.15,)

SHAPES: Final[dict[str, Shape]] = {
    "ready": Shape((Note(0.0, E5, 0.16), Note(0.16, A5, 0.22)), 0.6, 0.8),
    "go": Shape(
        (Note(0.0, C6, 0.07), Note(0.06, E6, 0.07), Note(0.12, G6, 0.16, 1.1)),
        0.45,
        0.85,
    ),
    "switch": Shape(
        (Note(0.0, A5, 0.08), Note(0.12, E5, 0.08), Note(0.24, A5, 0.14)),
        0.55,
        0.8,
    ),
    "rest": Shape((Note(0.0, G5, 0.3, 0.9), Note(0.22, C5, 0.45)), 1.0, 0.65),
    "next": Shape(
        (Note(0.0, C5, 0.12), Note(0.15, E5, 0.12), Note(0.30, G5, 0.25)),
        0.8,
        0.8,
    ),
    "done": Shape(
        (
            Note(0.0, C5, 0.2),
            Note(0.12, E5, 0.2),
            Note(0.24, G5, 0.2),
            Note(0.36, C6, 0.5, 1.1),
        ),
        1.4,
        0.85,
    ),
    "chime": Shape(
        (Note(0.0, E6 / 2, 0.45, 1.0, _BELL), Note(0.42, C5, 0.6, 1.0, _BELL)), 1.5, 0.8
    ),
    "tick": Shape((Note(0.0, 1400.0, 0.012, 1.0, _KNOCK),), 0.05, 0.4),
    "rep": Shape((Note(0.0, 950.0, 0.010, 1.0, _KNOCK),), 0.04, 0.28),
}
"""Every cue by name."""

STEP_CUES: Final = ("ready", "go", "switch", "rest", "next", "done")
COUNT_CUES: Final = ("tick", "rep")
CUES: Final = (*STEP_CUES, "chime", *COUNT_CUES)


def _note_samples(note: Note, count: int) -> list[float]:
    """One note's samples from its start, ``count`` long (it has decayed by then)."""
    step = 2 * math.pi * note.frequency / RATE
    fall = math.exp(-1.0 / (note.decay * RATE))
    attack = max(1, int(ATTACK * RATE))
    partials = [(1.0, 1)] + [
        (level, number)
        for number, level in enumerate(note.harmonics, start=2)
        if note.frequency * number < RATE / 2
    ]
    samples = [0.0] * count
    for level, number in partials:
        w = step * number
        # A partial's decay quickens with its pitch, as a struck bar's does.
        r = fall**number
        # The damped sine a * r^i * sin(w i) by its recurrence: a multiply-add a
        # sample instead of a sin() and an exp(), four times faster.
        c1, c2 = 2 * r * math.cos(w), r * r
        before, last = 0.0, level * note.level * r * math.sin(w)
        if count > 1:
            samples[1] += last
        for i in range(2, count):
            before, last = last, c1 * last - c2 * before
            samples[i] += last
    for i in range(min(attack, count)):
        samples[i] *= i / attack
    return samples


def render(name: str, volume: float) -> array[int]:
    """The cue ``name`` as signed 16-bit samples at ``RATE``, scaled by ``volume`` (0–1)."""
    shape = SHAPES[name]
    total = int(shape.length * RATE)
    mix = [0.0] * total
    for note in shape.notes:
        start = int(note.at * RATE)
        mix[start:] = map(float.__add__, mix[start:], _note_samples(note, total - start))
    fade = int(FADE * RATE)
    for i in range(fade):
        mix[total - 1 - i] *= i / fade
    peak = max(abs(max(mix)), abs(min(mix))) or 1.0
    scale = 32767 * shape.gain * max(0.0, min(1.0, volume)) / peak
    return array("h", map(int, map(scale.__mul__, mix)))
