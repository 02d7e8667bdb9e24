"""The player's mixer: each sound starts at the sample of its instant, late
ones start at once or not at all, a new phrase cuts the last one short, and a
pause is silence. Driven with made-up instants; no sound server."""

from __future__ import annotations

from array import array

from reminder.sound.mixer import CUT_FADE, LATE_LIMIT, Mixer, Scheduled
from reminder.sound.synth import RATE

T0 = 1_800_000_000.0
"""A wall-clock instant (seconds since the epoch) where the tests' chunks start."""


def tone(value: int, length: int) -> array[int]:
    return array("h", [value] * length)


SOUNDS = {"go": tone(1000, 100), "tick": tone(500, 10)}


def samples(data: bytes) -> array[int]:
    out = array("h")
    out.frombytes(data)
    return out


def first_sound(data: bytes) -> int | None:
    return next((i for i, v in enumerate(samples(data)) if v), None)


class Phrases:
    """Phrases rendered or not, as the speech thread would leave them."""

    def __init__(self) -> None:
        self.ready: dict[str, array[int]] = {}

    def lookup(self, event: Scheduled) -> array[int] | None:
        if event.cue is not None:
            return SOUNDS[event.cue]
        assert event.say is not None
        return self.ready.get(event.say)


def test_a_cue_starts_at_the_sample_of_its_instant() -> None:
    heard: list[tuple[str | None, float]] = []
    mixer = Mixer(Phrases().lookup, lambda event, instant: heard.append((event.cue, instant)))
    mixer.replace([Scheduled(T0 + 0.01, "go")])
    data = mixer.render(1000, T0)
    offset = round(0.01 * RATE)  # 220.5 → 220 or 221
    assert first_sound(data) == offset
    assert samples(data)[offset : offset + 100] == SOUNDS["go"]
    assert heard == [("go", T0 + offset / RATE)]


def test_a_sound_that_spans_chunks_continues_sample_for_sample() -> None:
    mixer = Mixer(Phrases().lookup)
    mixer.replace([Scheduled(T0 + 60 / RATE, "go")])
    first = samples(mixer.render(100, T0))
    second = samples(mixer.render(100, T0 + 100 / RATE))
    assert first[60:] == SOUNDS["go"][:40]
    assert second[:60] == SOUNDS["go"][40:]
    assert not any(second[60:])
    assert mixer.idle()


def test_a_cue_a_little_late_starts_at_once_and_a_very_late_one_is_dropped() -> None:
    mixer = Mixer(Phrases().lookup)
    slightly = Scheduled(T0 - 0.2, "go")
    very = Scheduled(T0 - LATE_LIMIT - 0.1, "tick")
    mixer.replace([very, slightly])
    data = samples(mixer.render(200, T0))
    assert data[:100] == SOUNDS["go"]  # the tick would have added 500 to the first 10
    assert mixer.dropped == [very]


def test_overlapping_sounds_add_up_and_clip() -> None:
    loud = {"go": tone(30000, 50), "tick": tone(30000, 50)}
    mixer = Mixer(lambda event: loud[event.cue or ""])
    mixer.replace([Scheduled(T0, "go"), Scheduled(T0, "tick")])
    assert set(samples(mixer.render(50, T0))) == {32767}


def test_a_phrase_still_being_rendered_plays_as_soon_as_it_is_ready() -> None:
    phrases = Phrases()
    mixer = Mixer(phrases.lookup)
    mixer.replace([Scheduled(T0, say="Hold ninety seconds.")])
    assert first_sound(mixer.render(100, T0)) is None
    phrases.ready["Hold ninety seconds."] = tone(700, 30)
    assert samples(mixer.render(100, T0 + 100 / RATE))[:30] == tone(700, 30)


def test_a_new_phrase_cuts_the_one_still_speaking_short() -> None:
    phrases = Phrases()
    phrases.ready = {"long": tone(700, 10_000), "short": tone(-300, 1000)}
    mixer = Mixer(phrases.lookup)
    mixer.replace([Scheduled(T0, say="long"), Scheduled(T0 + 500 / RATE, say="short")])
    data = samples(mixer.render(2000, T0))
    assert data[:500] == tone(700, 500)
    # From sample 500 the long phrase fades out over CUT_FADE samples under the short one.
    assert data[500] == 700 - 300
    assert data[500 + CUT_FADE + 50] == -300
    assert not any(data[1500:])  # the short one is over, and nothing is left of the long


def test_clear_is_silence_at_once_and_forgets_what_was_due() -> None:
    mixer = Mixer(Phrases().lookup)
    mixer.replace([Scheduled(T0, "go"), Scheduled(T0 + 1, "tick")])
    mixer.render(50, T0)
    mixer.clear()
    assert not any(samples(mixer.render(RATE * 2, T0 + 50 / RATE)))
    assert mixer.idle()


def test_replace_drops_what_was_due_and_what_was_sounding() -> None:
    mixer = Mixer(Phrases().lookup)
    mixer.replace([Scheduled(T0, "go"), Scheduled(T0 + 0.5, "go")])
    mixer.render(50, T0)
    mixer.replace([Scheduled(T0 + 0.1, "tick")])
    data = samples(mixer.render(RATE, T0 + 50 / RATE))
    assert [v for v in data if v] == list(SOUNDS["tick"])


def test_finish_keeps_what_is_due_soon_and_drops_the_rest() -> None:
    mixer = Mixer(Phrases().lookup)
    mixer.replace([Scheduled(T0 + 1, "go"), Scheduled(T0 + 60, "tick")])
    mixer.drop_after(T0 + 5)
    assert [e.cue for e in mixer.pending] == ["go"]
    assert mixer.next_due() == T0 + 1
