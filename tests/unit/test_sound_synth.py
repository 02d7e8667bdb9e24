"""The cues as a person hears them: each one distinct in length and in the
way its pitch moves, soft ticks, no clicks, and the volume honoured. The
pitch is measured in the rendered samples (zero crossings), not read off the
definitions."""

from __future__ import annotations

import itertools
from array import array

import pytest

from reminder.sound.synth import CUES, RATE, STEP_CUES, render


def pitch(samples: array[int], start: float, end: float) -> float:
    """The dominant frequency between two instants (s), from zero crossings."""
    part = samples[int(start * RATE) : int(end * RATE)]
    crossings = sum(1 for a, b in itertools.pairwise(part) if (a < 0) != (b < 0))
    return crossings / 2 / (end - start)


def contour(samples: array[int], *instants: float) -> list[float]:
    """Pitch in a 40 ms window just after each instant (a note's attack)."""
    return [pitch(samples, t + 0.01, t + 0.05) for t in instants]


def length(samples: array[int]) -> float:
    return len(samples) / RATE


def test_get_ready_rises_a_fourth() -> None:
    low, high = contour(render("ready", 1.0), 0.0, 0.16)
    assert high / low == pytest.approx(4 / 3, rel=0.05)


def test_rest_falls() -> None:
    first, second = contour(render("rest", 1.0), 0.0, 0.3)
    assert second < first * 0.75


def test_switch_goes_high_low_high() -> None:
    first, second, third = contour(render("switch", 1.0), 0.0, 0.12, 0.24)
    assert second < first * 0.8
    assert third > second * 1.25


def test_next_exercise_and_done_climb_and_done_lasts_longest() -> None:
    a, b, c = contour(render("next", 1.0), 0.0, 0.15, 0.30)
    assert a < b < c
    d = contour(render("done", 1.0), 0.0, 0.12, 0.24, 0.36)
    assert d == sorted(d)
    assert length(render("done", 1.0)) == max(length(render(n, 1.0)) for n in STEP_CUES)


def test_the_ask_chime_is_a_falling_ding_dong() -> None:
    ding, dong = contour(render("chime", 1.0), 0.0, 0.42)
    assert dong < ding


def test_ticks_are_short_and_softer_than_step_cues_and_a_rep_is_lower_than_a_count() -> None:
    tick, rep = render("tick", 1.0), render("rep", 1.0)
    assert length(tick) <= 0.06
    assert length(rep) <= 0.06
    loudest_step = min(max(abs(v) for v in render(name, 1.0)) for name in STEP_CUES)
    assert max(abs(v) for v in tick) < 0.7 * loudest_step
    assert max(abs(v) for v in rep) < max(abs(v) for v in tick)
    assert pitch(rep, 0, 0.02) < pitch(tick, 0, 0.02)


def test_no_two_cues_sound_alike() -> None:
    """Told apart by length and by the pitch of their opening and closing notes."""
    shapes = set()
    for name in CUES:
        samples = render(name, 1.0)
        end = length(samples)
        shapes.add(
            (
                round(length(samples), 1),
                round(pitch(samples, 0.005, 0.02), -2),
                round(pitch(samples, max(0.005, end - 0.25), end - 0.1), -2) if end > 0.3 else 0,
            )
        )
    assert len(shapes) == len(CUES)


@pytest.mark.parametrize("name", CUES)
def test_each_cue_fades_in_and_out_without_a_click(name: str) -> None:
    samples = render(name, 1.0)
    assert abs(samples[0]) < 200
    assert abs(samples[-1]) < 200
    assert max(abs(v) for v in samples) > 5000


@pytest.mark.parametrize("name", CUES)
def test_volume_scales_every_cue_and_zero_is_silence(name: str) -> None:
    full = max(abs(v) for v in render(name, 1.0))
    half = max(abs(v) for v in render(name, 0.5))
    assert half == pytest.approx(full / 2, abs=2)
    assert not any(render(name, 0.0))
    assert full <= 32767
