"""One session of a programme: a group's exercises, each at its level.

Expected steps are worked out by hand from DESIGN.md's plan semantics and
the levels written in the routine here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from support.routines import routine_toml

from reminder.routines.plan import Step, build_plan

PROGRAMME = """\
title = "Hips"

[[release]]
exercise = "Ball"
hold = "30s"
ready = "0s"

[[stretch]]
exercise = "Figure-4"
hold = "20s"
ready = "0s"

[[strengthen]]
exercise = "Clamshells"
how = "Open the knee."
reps = 10
sets = 2
rest = "30s"
ready = "0s"
group = "A"
levels = [
  { reps = 12 },
  { sets = 3, reps = 12 },
  { exercise = "Clamshells with a band", how = "Band above the knees.", reps = 10, sets = 2, rep_time = "4s" },
]

[[strengthen]]
exercise = "Bridge"
reps = 10
ready = "0s"
group = "B"

[[strengthen]]
exercise = "Stance"
hold = "20s"
ready = "0s"
levels = [{ hold = "25s" }, { hold = "30s" }]
"""


def works(steps: Sequence[Step]) -> list[tuple[str, int | None, int | None, int, int | None]]:
    """(exercise, set, reps, duration, level) of every work step."""
    return [(s.exercise, s.set, s.reps, s.duration, s.level) for s in steps if s.kind == "work"]


def test_groups_are_in_the_order_they_first_appear() -> None:
    assert routine_toml(PROGRAMME).groups == ("A", "B")


def test_a_session_runs_its_group_and_the_exercises_in_every_session() -> None:
    routine = routine_toml(PROGRAMME)

    a = build_plan(routine, group="A")
    b = build_plan(routine, group="B")

    assert a.group == "A"
    assert b.group == "B"
    assert [s.exercise for s in a.steps if s.kind == "work"] == [
        "Ball",
        "Figure-4",
        "Clamshells",
        "Clamshells",
        "Stance",
    ]
    assert [s.exercise for s in b.steps if s.kind == "work"] == [
        "Ball",
        "Figure-4",
        "Bridge",
        "Stance",
    ]
    # B: 30 + 20 + 10 × 3 + 20
    assert b.total_seconds == 100


def test_without_a_group_the_plan_is_the_first_groups_session() -> None:
    routine = routine_toml(PROGRAMME)
    assert build_plan(routine).to_json() == build_plan(routine, group="A").to_json()


def test_a_group_the_routine_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="C"):
        build_plan(routine_toml(PROGRAMME), group="C")


def test_level_one_is_the_exercise_as_written() -> None:
    plan = build_plan(routine_toml(PROGRAMME), group="A")
    assert works(plan.steps) == [
        ("Ball", 1, None, 30, None),
        ("Figure-4", 1, None, 20, None),
        ("Clamshells", 1, 10, 30, 1),
        ("Clamshells", 2, 10, 30, 1),
        ("Stance", 1, None, 20, 1),
    ]


def test_each_exercise_runs_at_its_level() -> None:
    plan = build_plan(routine_toml(PROGRAMME), group="A", levels={"Clamshells": 3, "Stance": 2})
    assert works(plan.steps)[2:] == [
        ("Clamshells", 1, 12, 36, 3),
        ("Clamshells", 2, 12, 36, 3),
        ("Clamshells", 3, 12, 36, 3),
        ("Stance", 1, None, 25, 2),
    ]
    rests = [s for s in plan.steps if s.kind == "rest"]
    assert [r.duration for r in rests] == [30, 30]  # rest stays as written


def test_a_harder_variant_has_its_own_name_and_how() -> None:
    routine = routine_toml(PROGRAMME)
    session = routine.session("A", {"Clamshells": 4})
    clamshells = session.phases["strengthen"][0]
    assert clamshells.name == "Clamshells with a band"
    assert clamshells.how == "Band above the knees."
    assert clamshells.key == "Clamshells"  # its level is still kept under this
    assert (clamshells.sets, clamshells.reps, clamshells.rep_time) == (2, 10, 4)
    plan = build_plan(routine, group="A", levels={"Clamshells": 4})
    assert works(plan.steps)[2] == ("Clamshells with a band", 1, 10, 40, 4)


def test_a_level_past_the_top_runs_the_top_level() -> None:
    routine = routine_toml(PROGRAMME)
    top = build_plan(routine, group="B", levels={"Stance": 3})
    past = build_plan(routine, group="B", levels={"Stance": 9})
    assert past.to_json() == top.to_json()
    assert works(top.steps)[-1] == ("Stance", 1, None, 30, 3)


def test_a_level_that_gives_a_hold_turns_reps_into_a_hold() -> None:
    routine = routine_toml(PROGRAMME.replace("{ reps = 12 },", '{ hold = "40s" },', 1))
    clamshells = routine.session("A", {"Clamshells": 2}).phases["strengthen"][0]
    assert (clamshells.hold, clamshells.reps) == (40, None)


def test_the_plan_json_carries_the_group_and_each_steps_level() -> None:
    plan = build_plan(routine_toml(PROGRAMME), group="B", levels={"Stance": 2}).to_json()
    assert plan["group"] == "B"
    levels = {(s["exercise"], s["level"]) for s in plan["steps"]}
    assert levels == {("Ball", None), ("Figure-4", None), ("Bridge", None), ("Stance", 2)}


def test_a_routine_without_groups_runs_everything_and_has_no_group() -> None:
    routine = routine_toml(PROGRAMME.replace('group = "A"\n', "").replace('group = "B"\n', ""))
    plan = build_plan(routine)
    assert plan.group is None
    assert {s.exercise for s in plan.steps} == {
        "Ball",
        "Figure-4",
        "Clamshells",
        "Bridge",
        "Stance",
    }
