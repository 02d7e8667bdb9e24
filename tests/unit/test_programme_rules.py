"""The programme's rules with a hand-cranked clock and a hand-written history.

Turns: a routine's groups alternate over its sessions that ran (completed or
partial), never over skipped, missed, stopped or interrupted ones. Levels
(DESIGN.md): up after two `easy` sessions with no `worse`, at most one step a
week; down after two `hard`, two `worse` or a 14-day break; a check-in of 7 or
more holds everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from support.routines import routine_toml

from reminder.progress.history import Checkin, Entry
from reminder.progress.programme import (
    Change,
    Decision,
    Ran,
    Standing,
    break_decision,
    change_text,
    judge,
    next_group,
    next_time,
    pain_hold,
    sessions_ran,
    standings,
    upcoming_group,
    worse_sessions,
)
from reminder.routines.model import Routine

UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 2, 10, 30, tzinfo=UTC)

PROGRAMME = """\
title = "Hips"

[[release]]
exercise = "Ball"
hold = "30s"

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Clamshells"
reps = 10
sets = 2
group = "A"
levels = [{ reps = 12 }, { reps = 15 }, { sets = 3, reps = 12 }]

[[strengthen]]
exercise = "Fire hydrants"
reps = 10
sets = 2
group = "B"
levels = [{ reps = 12 }]

[[strengthen]]
exercise = "Stance"
hold = "20s"
sets = 2
levels = [{ hold = "25s" }, { hold = "30s" }]
"""


@pytest.fixture
def routine() -> Routine:
    return routine_toml(PROGRAMME, name="hips")


def day(n: int, hour: int = 10) -> dt.datetime:
    """``n`` days after Monday 2 November 2026, at ``hour``:30 UTC."""
    return MONDAY.replace(hour=hour) + dt.timedelta(days=n)


def entry(
    row: int,
    at: dt.datetime,
    outcome: str = "completed",
    *,
    routine: str = "hips",
    phases: Sequence[str] = ("release", "stretch", "strengthen"),
) -> Entry:
    ran = outcome in ("completed", "partial", "stopped", "interrupted")
    return Entry(
        id=row,
        routine=routine,
        schedule=0,
        scheduled_at=at,
        started_at=at if ran else None,
        ended_at=at + dt.timedelta(minutes=20),
        outcome=outcome,
        reason=None,
        phases_done=tuple(phases) if outcome in ("completed", "partial") else (),
        seconds_done=1000,
    )


def checkin(
    row: int,
    at: dt.datetime,
    *,
    score: int | None = None,
    feeling: str | None = None,
    session: int | None = None,
) -> Checkin:
    return Checkin(row, at, score, feeling, None, "hips", session)


def standing(routine: Routine, name: str, changes: Sequence[Change] = ()) -> Standing:
    return standings(routine, changes)[name]


def change(name: str, level: int, at: dt.datetime, previous: int = 1) -> Change:
    return Change("hips", name, level, previous, at, "set by hand")


def ran_sessions(routine: Routine, *days: int) -> list[Ran]:
    """Completed sessions on these days, one a day: A, B, A, B…"""
    return sessions_ran([entry(i + 1, day(d)) for i, d in enumerate(days)], routine)


# -- turns ------------------------------------------------------------------------------


def test_the_first_session_is_the_first_groups(routine: Routine) -> None:
    assert next_group(routine, []) == "A"


def test_groups_alternate_over_sessions_that_ran(routine: Routine) -> None:
    entries = [
        entry(1, day(0)),  # A
        entry(2, day(1), "skipped"),
        entry(3, day(2), "partial", phases=("release", "stretch")),  # B: partial counts
        entry(4, day(3), "missed"),
        entry(5, day(4), "stopped"),
        entry(6, day(5), "interrupted"),
        entry(7, day(6), "snoozed"),
        entry(8, day(7)),  # A
        entry(9, day(8), routine="desk-break"),  # another routine's
    ]
    ran = sessions_ran(entries, routine)
    assert [(r.id, r.group) for r in ran] == [(1, "A"), (3, "B"), (8, "A")]
    assert next_group(routine, ran) == "B"
    assert [upcoming_group(routine, ran, ahead) for ahead in range(4)] == ["B", "A", "B", "A"]


def test_turns_follow_the_order_the_sessions_ran_not_the_rows(routine: Routine) -> None:
    # A terminal session written after a later daemon session still takes its turn by time.
    ran = sessions_ran([entry(2, day(1)), entry(1, day(0))], routine)
    assert [(r.id, r.group) for r in ran] == [(1, "A"), (2, "B")]


def test_a_routine_without_groups_has_no_turns() -> None:
    plain = routine_toml(PROGRAMME.replace('group = "A"\n', "").replace('group = "B"\n', ""))
    ran = sessions_ran([entry(1, day(0), routine="test-routine")], plain)
    assert ran[0].group is None
    assert next_group(plain, ran) is None


# -- levels as kept ---------------------------------------------------------------------


def test_every_exercise_with_levels_starts_at_level_1(routine: Routine) -> None:
    found = standings(routine, [])
    assert {name: s.level for name, s in found.items()} == {
        "Clamshells": 1,
        "Fire hydrants": 1,
        "Stance": 1,
    }
    assert all(s.changed is None for s in found.values())


def test_the_latest_change_is_the_level_and_a_level_past_the_top_is_the_top(
    routine: Routine,
) -> None:
    found = standings(
        routine,
        [
            change("Clamshells", 2, day(0)),
            change("Clamshells", 3, day(8), previous=2),
            change("Stance", 9, day(1)),
            Change("other", "Clamshells", 4, 1, day(9), "set by hand"),
        ],
    )
    assert found["Clamshells"].level == 3
    assert found["Clamshells"].changed is not None
    assert found["Clamshells"].changed.at == day(8)
    assert found["Stance"].level == 3  # it has three levels now


# -- up ---------------------------------------------------------------------------------


def test_up_after_its_last_two_sessions_were_easy(routine: Routine) -> None:
    ran = ran_sessions(routine, 0, 1, 2, 3)  # A B A B: Clamshells in 1 and 3
    clamshells = standing(routine, "Clamshells")
    decision = judge(clamshells, ran, {1: "easy", 3: "easy"}, set(), day(3))
    assert decision.level == 2
    assert decision.changed
    assert "easy" in decision.reason


def test_the_exercise_in_every_session_counts_every_session(routine: Routine) -> None:
    ran = ran_sessions(routine, 0, 1)
    stance = standing(routine, "Stance")
    assert judge(stance, ran, {1: "easy", 2: "easy"}, set(), day(1)).level == 2
    # Clamshells (group A) was only in session 1.
    clamshells = standing(routine, "Clamshells")
    assert judge(clamshells, ran, {1: "easy", 2: "easy"}, set(), day(1)).level == 1


@pytest.mark.parametrize(
    "efforts",
    [
        {1: "easy", 3: "right"},
        {1: "right", 3: "easy"},
        {3: "easy"},
        {1: "easy"},
        {1: "hard", 3: "easy"},
    ],
)
def test_no_step_up_unless_both_were_easy(routine: Routine, efforts: dict[int, str]) -> None:
    ran = ran_sessions(routine, 0, 1, 2, 3)
    assert judge(standing(routine, "Clamshells"), ran, efforts, set(), day(3)).level == 1


def test_one_easy_session_is_not_enough(routine: Routine) -> None:
    ran = ran_sessions(routine, 0)
    decision = judge(standing(routine, "Clamshells"), ran, {1: "easy"}, set(), day(0))
    assert not decision.changed


@pytest.mark.parametrize("worse", [{1}, {3}])
def test_no_step_up_when_either_had_a_worse_answer(routine: Routine, worse: set[int]) -> None:
    ran = ran_sessions(routine, 0, 1, 2, 3)
    decision = judge(standing(routine, "Clamshells"), ran, {1: "easy", 3: "easy"}, worse, day(3))
    assert decision.level == 1
    assert "worse" in decision.reason


def test_only_the_last_two_sessions_count(routine: Routine) -> None:
    ran = ran_sessions(routine, 0, 1, 2, 3, 4, 5)  # Clamshells in 1, 3, 5
    efforts = {1: "hard", 3: "easy", 5: "easy"}
    assert judge(standing(routine, "Clamshells"), ran, efforts, set(), day(5)).level == 2


def test_at_most_one_step_a_week(routine: Routine) -> None:
    # Clamshells went up on day 2; two more easy sessions by day 6 (days 4 and 6).
    stepped = [change("Clamshells", 2, day(2, hour=11))]
    ran = ran_sessions(routine, 0, 1, 2, 3, 4, 5, 6)  # Clamshells: 1, 3, 5, 7
    clamshells = standing(routine, "Clamshells", stepped)
    efforts = {5: "easy", 7: "easy"}

    held = judge(clamshells, ran, efforts, set(), day(6, hour=11))
    assert held.level == 2
    assert "less than a week" in held.reason
    # A week after the change, the same two sessions step it up.
    assert judge(clamshells, ran, efforts, set(), day(9, hour=11)).level == 3


def test_sessions_before_the_last_change_do_not_count(routine: Routine) -> None:
    stepped = [change("Clamshells", 2, day(2, hour=11))]
    ran = ran_sessions(routine, 0, 1, 2, 3, 4)  # Clamshells: 1, 3 (before); 5 (after)
    efforts = {3: "easy", 5: "easy"}
    decision = judge(standing(routine, "Clamshells", stepped), ran, efforts, set(), day(20))
    assert decision.level == 2
    assert "two sessions" in decision.reason


def test_no_step_past_the_top_level(routine: Routine) -> None:
    top = [change("Fire hydrants", 2, day(-30))]
    ran = ran_sessions(routine, 0, 1, 2, 3)  # Fire hydrants (B): 2, 4
    decision = judge(
        standing(routine, "Fire hydrants", top), ran, {2: "easy", 4: "easy"}, set(), day(3)
    )
    assert decision.level == 2
    assert not decision.changed


# -- down -------------------------------------------------------------------------------


def test_down_after_two_hard_sessions_even_within_the_week(routine: Routine) -> None:
    stepped = [change("Clamshells", 3, day(0, hour=11), previous=2)]
    ran = ran_sessions(routine, 0, 1, 2, 3, 4)  # Clamshells since the change: 3, 5
    decision = judge(
        standing(routine, "Clamshells", stepped), ran, {3: "hard", 5: "hard"}, set(), day(4)
    )
    assert decision.level == 2
    assert "too hard" in decision.reason


def test_down_after_two_worse_answers_whatever_the_effort(routine: Routine) -> None:
    stepped = [change("Stance", 2, day(-1))]
    ran = ran_sessions(routine, 0, 1)
    decision = judge(
        standing(routine, "Stance", stepped), ran, {1: "easy", 2: "easy"}, {1, 2}, day(1)
    )
    assert decision.level == 1
    assert "worse" in decision.reason


def test_one_hard_and_one_worse_holds(routine: Routine) -> None:
    stepped = [change("Stance", 2, day(-1))]
    ran = ran_sessions(routine, 0, 1)
    decision = judge(standing(routine, "Stance", stepped), ran, {1: "hard"}, {2}, day(1))
    assert decision.level == 2


def test_never_below_level_1(routine: Routine) -> None:
    ran = ran_sessions(routine, 0, 1)
    decision = judge(standing(routine, "Stance"), ran, {1: "hard", 2: "hard"}, set(), day(1))
    assert decision.level == 1
    assert not decision.changed


# -- the pain score ---------------------------------------------------------------------


@pytest.mark.parametrize(("score", "held"), [(7, 7), (9, 9), (6, None), (0, None)])
def test_the_last_score_of_7_or_more_holds(score: int, held: int | None) -> None:
    checkins = [checkin(1, day(0), score=9), checkin(2, day(1), feeling="better")]
    checkins.append(checkin(3, day(2), score=score))
    assert pain_hold(checkins) == held


def test_a_score_of_7_holds_a_step_up_and_a_step_down(routine: Routine) -> None:
    ran = ran_sessions(routine, 0, 1)
    stance = standing(routine, "Stance", [change("Stance", 2, day(-10))])
    up = judge(stance, ran, {1: "easy", 2: "easy"}, set(), day(1), held_by=7)
    down = judge(stance, ran, {1: "hard", 2: "hard"}, set(), day(1), held_by=8)
    assert (up.level, down.level) == (2, 2)
    assert "7/10" in up.reason
    assert break_decision(stance, ran, day(40), held_by=7) is None


def test_worse_answers_are_those_of_a_session() -> None:
    checkins = [
        checkin(1, day(0), feeling="worse", session=4),
        checkin(2, day(1), feeling="same", session=5),
        checkin(3, day(2), feeling="worse"),
    ]
    assert worse_sessions(checkins) == {4}


# -- the break --------------------------------------------------------------------------


def test_fourteen_days_without_a_session_steps_down_once(routine: Routine) -> None:
    stance = standing(routine, "Stance", [change("Stance", 3, day(-1), previous=2)])
    ran = ran_sessions(routine, 0)

    assert break_decision(stance, ran, day(13, hour=23)) is None
    found = break_decision(stance, ran, day(20))
    assert found is not None
    decision, reached = found
    assert decision.level == 2
    assert reached == day(14)  # dated when the break reached 14 days
    assert "14 days" in decision.reason
    # Recorded, it is not taken again for the same break.
    after = standing(
        routine, "Stance", [change("Stance", 3, day(-1)), decision.change("hips", reached)]
    )
    assert after.level == 2
    assert break_decision(after, ran, day(27)) is None


def test_a_break_between_two_sessions_counts_when_the_next_is_rated(routine: Routine) -> None:
    stance = standing(routine, "Stance", [change("Stance", 2, day(-1))])
    ran = ran_sessions(routine, 0, 16)
    found = break_decision(stance, ran, day(16))
    assert found is not None
    assert found[0].level == 1
    assert found[1] == day(14)


def test_no_break_step_at_level_1_or_without_sessions(routine: Routine) -> None:
    assert break_decision(standing(routine, "Stance"), ran_sessions(routine, 0), day(30)) is None
    stance = standing(routine, "Stance", [change("Stance", 2, day(-1))])
    assert break_decision(stance, [], day(30)) is None


def test_another_groups_sessions_keep_a_break_away(routine: Routine) -> None:
    # Fire hydrants (B) last ran on day 1, but the routine ran on days 2–12 (A and B).
    hydrants = standing(routine, "Fire hydrants", [change("Fire hydrants", 2, day(-1))])
    ran = ran_sessions(routine, 0, 1, 12)
    assert break_decision(hydrants, ran, day(20)) is None


# -- what the person reads ----------------------------------------------------------------


def test_the_change_says_the_new_dose_and_the_old(routine: Routine) -> None:
    clamshells = standing(routine, "Clamshells")
    assert change_text(Decision(clamshells, 2, "")) == "Clamshells 2 × 12, up from 2 × 10"
    stance = standing(routine, "Stance", [change("Stance", 3, day(0))])
    assert change_text(Decision(stance, 2, "")) == "Stance 2 × 25 s, down from 2 × 30 s"


def test_next_time_lists_only_changes(routine: Routine) -> None:
    clamshells = standing(routine, "Clamshells")
    stance = standing(routine, "Stance")
    assert next_time([Decision(stance, 1, "hold")]) is None
    assert next_time([Decision(clamshells, 2, ""), Decision(stance, 1, "")]) == (
        "Next time: Clamshells 2 × 12, up from 2 × 10."
    )
