"""What a session sounds like and when: the schedule built from a plan and its
anchor. Every expected instant below is worked out by hand from the routine
(the comments show the arithmetic); the clock is passed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from reminder.routines.model import Exercise, Phase, Routine, Sides
from reminder.routines.plan import Plan, build_plan
from reminder.sound.schedule import (
    Event,
    duration_words,
    number_words,
    phrase,
    phrases,
    session_events,
    spoken_name,
)

ANCHOR = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Choices:
    cues: bool = True
    voice: bool = False
    rep_ticks: bool = False


def exercise(
    name: str,
    *,
    hold: int | None = None,
    reps: int | None = None,
    sets: int = 1,
    rep_time: int = 3,
    rest: int = 0,
    sides: Sides = "none",
    switch: int = 5,
    ready: int = 10,
) -> Exercise:
    return Exercise(name, None, hold, reps, sets, rep_time, rest, sides, switch, ready)


def plan_of(**phases: tuple[Exercise, ...]) -> Plan:
    by_phase: dict[Phase, tuple[Exercise, ...]] = {
        "release": phases.get("release", ()),
        "stretch": phases.get("stretch", ()),
        "strengthen": phases.get("strengthen", ()),
    }
    return build_plan(Routine("r", "R", None, None, (), by_phase, "config"))


PLAN = plan_of(
    # 0 ready 10 | 10 left 90 | 100 switch 10 | 110 right 90 | ends 200
    release=(exercise("Ball release", hold=90, sides="both", switch=10),),
    # 200 ready 10 | 210 L1 30 | 240 sw 5 | 245 R1 30 | 275 rest 10 | 285 L2 30 | 315 sw 5 | 320 R2 30
    stretch=(exercise("Seated figure-4", hold=30, sets=2, rest=10, sides="both"),),
    # 350 ready 5 | 355 set 1: 3 reps × 2 s | 361 rest 45 | 406 set 2 | ends 412
    strengthen=(exercise("Clamshells", reps=3, rep_time=2, sets=2, rest=45, ready=5),),
)


def at(seconds: float) -> dt.datetime:
    return ANCHOR + dt.timedelta(seconds=seconds)


def cues(events: list[Event]) -> list[tuple[float, str | None]]:
    return [((e.at - ANCHOR).total_seconds(), e.cue) for e in events if e.cue is not None]


def test_the_plan_is_the_one_the_comments_work_from() -> None:
    assert [(s.kind, s.offset, s.duration) for s in PLAN.steps] == [
        ("ready", 0, 10), ("work", 10, 90), ("switch", 100, 10), ("work", 110, 90),
        ("ready", 200, 10), ("work", 210, 30), ("switch", 240, 5), ("work", 245, 30),
        ("rest", 275, 10), ("work", 285, 30), ("switch", 315, 5), ("work", 320, 30),
        ("ready", 350, 5), ("work", 355, 6), ("rest", 361, 45), ("work", 406, 6),
    ]  # fmt: skip


def test_a_cue_at_every_step_by_kind_and_a_count_before_every_long_hold_rest_and_ready() -> None:
    events = session_events(PLAN, ANCHOR, Choices())

    def count(end: int) -> list[tuple[float, str]]:
        return [(end - 3, "tick"), (end - 2, "tick"), (end - 1, "tick")]

    assert cues(events) == [
        (0, "ready"), *count(10),      # get ready 10 s: counted into "go"
        (10, "go"), *count(100),       # hold 90 s
        (100, "switch"),               # switching sides is not counted
        (110, "go"), *count(200),
        (200, "next"), *count(210),    # the next exercise's get-ready
        (210, "go"), *count(240),      # hold 30 s
        (240, "switch"),
        (245, "go"), *count(275),
        (275, "rest"), *count(285),    # rest 10 s: just long enough
        (285, "go"), *count(315),
        (315, "switch"),
        (320, "go"), *count(350),
        (350, "next"),                 # get ready 5 s: too short to count
        (355, "go"),                   # reps are not counted down
        (361, "rest"), *count(406),    # rest 45 s
        (406, "go"),
        (412, "done"),                 # where the last step ends
    ]  # fmt: skip
    assert all(e.say is None for e in events)


def test_rep_ticks_mark_the_end_of_every_rep_but_the_last() -> None:
    events = session_events(PLAN, ANCHOR, Choices(rep_ticks=True))
    reps = [seconds for seconds, cue in cues(events) if cue == "rep"]
    # Set 1 starts at 355: reps end at 357, 359 (and 361, where the rest's cue is).
    assert reps == [357, 359, 408, 410]


def test_the_voice_says_each_step_in_plain_words_just_after_its_cue() -> None:
    events = session_events(PLAN, ANCHOR, Choices(voice=True))
    spoken = [((e.at - ANCHOR).total_seconds(), e.say) for e in events if e.say is not None]
    assert spoken == [
        (0.1, "Get ready: Ball release, left side first."),
        (10.1, "Ball release, left side. Hold ninety seconds."),
        (100.1, "Switch to the right side."),
        (110.1, "Hold ninety seconds."),
        (200.1, "Next exercise: Seated figure four, left side first."),
        (210.1, "Seated figure four, left side. Set one of two. Hold thirty seconds."),
        (240.1, "Switch to the right side."),
        (245.1, "Hold thirty seconds."),
        (275.1, "Rest ten seconds. Next: set two of two."),
        (285.1, "Set two of two. Left side. Hold thirty seconds."),
        (315.1, "Switch to the right side."),
        (320.1, "Hold thirty seconds."),
        (350.1, "Next exercise: Clamshells."),
        (355.1, "Clamshells. Set one of two. Three reps."),
        (361.1, "Rest forty-five seconds. Next: set two of two."),
        (406.1, "Set two of two. Three reps."),
        (412.1, "Done. Well done."),
    ]


def test_voice_without_cues_speaks_on_the_step_itself_and_counts_nothing() -> None:
    events = session_events(PLAN, ANCHOR, Choices(cues=False, voice=True))
    assert all(e.cue is None for e in events)
    assert events[0] == Event(ANCHOR, say="Get ready: Ball release, left side first.")
    assert events[-1] == Event(at(412), say="Done. Well done.")


def test_nothing_at_all_without_cues_or_voice() -> None:
    assert session_events(PLAN, ANCHOR, Choices(cues=False, voice=False)) == []


def test_a_session_started_a_little_late_announces_its_first_step_now() -> None:
    # The daemon keeps the scheduled start as the anchor when it starts up to 2 s late.
    now = at(1.5)
    events = session_events(PLAN, ANCHOR, Choices(voice=True), now=now)
    assert events[:2] == [
        Event(now, cue="ready"),
        Event(now + dt.timedelta(seconds=0.1), say="Get ready: Ball release, left side first."),
    ]
    assert cues(events)[1:4] == [(7, "tick"), (8, "tick"), (9, "tick")]  # still on the plan


def test_next_announces_the_new_step_at_once_and_shifts_the_rest() -> None:
    # Next pressed at 50 s into the session, in the first hold: step 2 starts
    # now, so the anchor moves to now - 100 s.
    now = at(50)
    anchor = now - dt.timedelta(seconds=100)
    events = session_events(PLAN, anchor, Choices(), index=2, now=now)
    assert [((e.at - now).total_seconds(), e.cue) for e in events[:3]] == [
        (0, "switch"),
        (10, "go"),
        (97, "tick"),
    ]


def test_resume_does_not_announce_the_step_again_but_keeps_its_count() -> None:
    # Paused 40 s into the 90 s hold (step 1), resumed 25 s later.
    now = at(75)
    anchor = ANCHOR + dt.timedelta(seconds=25)
    events = session_events(PLAN, anchor, Choices(voice=True), index=1, now=now, announce=False)
    assert [((e.at - anchor).total_seconds(), e.cue or e.say) for e in events[:5]] == [
        (97, "tick"),
        (98, "tick"),
        (99, "tick"),
        (100, "switch"),
        (100.1, "Switch to the right side."),
    ]


def test_the_phrases_come_in_the_order_they_are_due_each_once() -> None:
    events = session_events(PLAN, ANCHOR, Choices(voice=True))
    assert phrases(events)[:4] == [
        "Get ready: Ball release, left side first.",
        "Ball release, left side. Hold ninety seconds.",
        "Switch to the right side.",
        "Hold ninety seconds.",
    ]
    assert len(phrases(events)) == len(set(phrases(events)))


def test_events_travel_as_utc_instants() -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    event = Event(dt.datetime(2026, 11, 30, 11, 30, 0, 250000, tzinfo=berlin), cue="go")
    assert event.to_json() == {"at": "2026-11-30T10:30:00.250000+00:00", "cue": "go"}
    assert Event(ANCHOR, say="Done.").to_json() == {
        "at": "2026-11-30T10:30:00.000000+00:00",
        "say": "Done.",
    }


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (45, "forty-five"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (115, "one hundred fifteen"),
        (2000, "two thousand"),
        (3601, "three thousand six hundred one"),
    ],
)
def test_numbers_are_said_in_words(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "one second"),
        (45, "forty-five seconds"),
        (60, "sixty seconds"),
        (90, "ninety seconds"),
        (120, "two minutes"),
        (150, "two minutes thirty seconds"),
        (61 * 60, "one hour one minute"),
    ],
)
def test_durations_are_said_as_a_person_says_them(seconds: int, words: str) -> None:
    assert duration_words(seconds) == words


def test_digits_in_a_name_are_read_as_words() -> None:
    assert spoken_name("Seated figure-4") == "Seated figure four"
    assert spoken_name("90/90 stretch") == "ninety/ninety stretch"


def test_a_single_rep_and_a_single_set_read_naturally() -> None:
    plan = plan_of(
        release=(exercise("Ball", hold=60, ready=0),),
        stretch=(exercise("Reach", hold=20, ready=0),),
        strengthen=(exercise("Bridge", reps=1, rep_time=5, ready=0),),
    )
    assert [phrase(plan, i) for i in range(3)] == [
        "Ball. Hold sixty seconds.",
        "Reach. Hold twenty seconds.",
        "Bridge. One rep.",
    ]
