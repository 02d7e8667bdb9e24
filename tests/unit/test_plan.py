"""A routine expanded into timed steps, exactly as DESIGN.md's plan semantics say.

Every expected offset and duration below is worked out by hand from the
exercise's fields; the comments show the arithmetic.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.routines import routine_toml

from reminder.routines.model import (
    PHASES,
    Exercise,
    Phase,
    Routine,
    Sides,
    exercise_size,
)
from reminder.routines.plan import Plan, build_plan

Row = tuple[str, str | None, int | None, int | None, int, int]
"""(kind, side, set, reps, offset, duration) of one step."""


def make_exercise(
    name: str = "Exercise",
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
    return Exercise(
        name=name,
        how=None,
        hold=hold,
        reps=reps,
        sets=sets,
        rep_time=rep_time,
        rest=rest,
        sides=sides,
        switch=switch,
        ready=ready,
    )


def make_routine(
    release: tuple[Exercise, ...] = (),
    stretch: tuple[Exercise, ...] = (),
    strengthen: tuple[Exercise, ...] = (),
) -> Routine:
    phases: dict[Phase, tuple[Exercise, ...]] = {
        "release": release,
        "stretch": stretch,
        "strengthen": strengthen,
    }
    return Routine(
        name="test-routine",
        title="Test routine",
        muscle=None,
        about=None,
        see_also=(),
        phases=phases,
        source="config",
    )


def rows(plan: Plan) -> list[Row]:
    return [(s.kind, s.side, s.set, s.reps, s.offset, s.duration) for s in plan.steps]


def test_hold_on_both_sides_with_sets_and_rest() -> None:
    figure_4 = make_exercise(hold=30, sets=2, rest=10, sides="both", switch=5, ready=10)

    plan = build_plan(make_routine(stretch=(figure_4,)))

    assert rows(plan) == [
        ("ready", None, None, None, 0, 10),
        ("work", "left", 1, None, 10, 30),
        ("switch", "right", 1, None, 40, 5),
        ("work", "right", 1, None, 45, 30),
        ("rest", None, 1, None, 75, 10),
        ("work", "left", 2, None, 85, 30),
        ("switch", "right", 2, None, 115, 5),
        ("work", "right", 2, None, 120, 30),
    ]
    # 10 + 2 × (2 × 30 + 1 × 5) + 1 × 10
    assert plan.total_seconds == 150


def test_reps_work_lasts_reps_times_rep_time_and_carries_the_reps() -> None:
    abduction = make_exercise(
        reps=10, rep_time=3, sets=3, rest=45, sides="both", switch=10, ready=10
    )

    plan = build_plan(make_routine(strengthen=(abduction,)))

    assert rows(plan) == [
        ("ready", None, None, None, 0, 10),
        ("work", "left", 1, 10, 10, 30),
        ("switch", "right", 1, None, 40, 10),
        ("work", "right", 1, 10, 50, 30),
        ("rest", None, 1, None, 80, 45),
        ("work", "left", 2, 10, 125, 30),
        ("switch", "right", 2, None, 155, 10),
        ("work", "right", 2, 10, 165, 30),
        ("rest", None, 2, None, 195, 45),
        ("work", "left", 3, 10, 240, 30),
        ("switch", "right", 3, None, 270, 10),
        ("work", "right", 3, 10, 280, 30),
    ]
    # 10 + 3 × (2 × 30 + 1 × 10) + 2 × 45
    assert plan.total_seconds == 310


@pytest.mark.parametrize(("sides", "side"), [("left", "left"), ("right", "right"), ("none", None)])
def test_one_sided_exercise_has_no_switch(sides: Sides, side: str | None) -> None:
    exercise = make_exercise(hold=20, sets=2, rest=15, sides=sides, switch=5, ready=10)

    plan = build_plan(make_routine(release=(exercise,)))

    assert rows(plan) == [
        ("ready", None, None, None, 0, 10),
        ("work", side, 1, None, 10, 20),
        ("rest", None, 1, None, 30, 15),
        ("work", side, 2, None, 45, 20),
    ]
    # 10 + 2 × (1 × 20 + 0 × 5) + 1 × 15
    assert plan.total_seconds == 65


def test_single_set_has_no_rest_even_when_rest_is_given() -> None:
    exercise = make_exercise(hold=60, sets=1, rest=30, sides="both", switch=5, ready=10)

    plan = build_plan(make_routine(release=(exercise,)))

    assert [row[0] for row in rows(plan)] == ["ready", "work", "switch", "work"]
    # 10 + 1 × (2 × 60 + 5) + 0 × 30
    assert plan.total_seconds == 135


def test_zero_duration_ready_rest_and_switch_are_left_out() -> None:
    exercise = make_exercise(hold=30, sets=2, rest=0, sides="both", switch=0, ready=0)

    plan = build_plan(make_routine(release=(exercise,)))

    assert rows(plan) == [
        ("work", "left", 1, None, 0, 30),
        ("work", "right", 1, None, 30, 30),
        ("work", "left", 2, None, 60, 30),
        ("work", "right", 2, None, 90, 30),
    ]
    assert plan.total_seconds == 120


def test_steps_of_consecutive_exercises_and_phases_are_back_to_back() -> None:
    release = make_exercise("Ball", hold=90, sides="right", ready=10)  # 0..100
    stretch = make_exercise("Lunge", hold=30, sides="none", ready=5)  # 100..135
    strengthen = make_exercise("Bridge", reps=4, rep_time=2, ready=0)  # 135..143

    plan = build_plan(
        make_routine(release=(release,), stretch=(stretch,), strengthen=(strengthen,))
    )

    assert [(s.phase, s.exercise, s.kind, s.offset, s.duration) for s in plan.steps] == [
        ("release", "Ball", "ready", 0, 10),
        ("release", "Ball", "work", 10, 90),
        ("stretch", "Lunge", "ready", 100, 5),
        ("stretch", "Lunge", "work", 105, 30),
        ("strengthen", "Bridge", "work", 135, 8),
    ]
    assert plan.total_seconds == 143
    assert plan.phase_seconds("release") == 100
    assert plan.phase_seconds("stretch") == 35
    assert plan.phase_seconds("strengthen") == 8


def test_phases_run_release_stretch_strengthen_whatever_the_file_order() -> None:
    routine = routine_toml(
        """\
[[strengthen]]
exercise = "Clamshells"
reps = 10

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Bridge"
reps = 5

[[release]]
exercise = "Ball release"
hold = "90s"

[[release]]
exercise = "Foam roller"
hold = "60s"
"""
    )

    plan = build_plan(routine)

    order: list[tuple[str, str]] = []
    for step in plan.steps:
        if (step.phase, step.exercise) not in order:
            order.append((step.phase, step.exercise))
    assert order == [
        ("release", "Ball release"),
        ("release", "Foam roller"),
        ("stretch", "Figure-4"),
        ("strengthen", "Clamshells"),
        ("strengthen", "Bridge"),
    ]


def test_defaults_from_a_routine_file() -> None:
    # Defaults: sets 1, rep_time 3s, rest 0s, sides none, switch 5s, ready 10s.
    routine = routine_toml(
        """\
[[release]]
exercise = "Ball release"
hold = "1m30s"

[[stretch]]
exercise = "Doorway stretch"
hold = 45
sides = "both"

[[strengthen]]
exercise = "Bridge"
reps = 12
"""
    )

    plan = build_plan(routine)

    assert [(s.phase, *row) for s, row in zip(plan.steps, rows(plan), strict=True)] == [
        ("release", "ready", None, None, None, 0, 10),
        ("release", "work", None, 1, None, 10, 90),
        ("stretch", "ready", None, None, None, 100, 10),
        ("stretch", "work", "left", 1, None, 110, 45),
        ("stretch", "switch", "right", 1, None, 155, 5),
        ("stretch", "work", "right", 1, None, 160, 45),
        ("strengthen", "ready", None, None, None, 205, 10),
        ("strengthen", "work", None, 1, 12, 215, 36),
    ]
    assert plan.total_seconds == 251


def test_plan_json_has_the_documented_shape() -> None:
    exercise = make_exercise("Ball", hold=30, sides="left", ready=10)
    plan = build_plan(make_routine(release=(exercise,)))

    assert plan.to_json() == {
        "routine": "test-routine",
        "title": "Test routine",
        "group": None,
        "total_seconds": 40,
        "steps": [
            {
                "phase": "release",
                "exercise": "Ball",
                "kind": "ready",
                "side": None,
                "set": None,
                "reps": None,
                "offset": 0,
                "duration": 10,
                "level": None,
            },
            {
                "phase": "release",
                "exercise": "Ball",
                "kind": "work",
                "side": "left",
                "set": 1,
                "reps": None,
                "offset": 10,
                "duration": 30,
                "level": None,
            },
        ],
    }


# The property: for any valid exercises, the plan's total is the documented
# formula and its steps are contiguous.


@st.composite
def exercises(draw: st.DrawFn) -> Exercise:
    is_hold = draw(st.booleans())
    return make_exercise(
        draw(st.sampled_from(["Ball", "Lunge", "Bridge"])),
        hold=draw(st.integers(1, 3600)) if is_hold else None,
        reps=None if is_hold else draw(st.integers(1, 500)),
        sets=draw(st.integers(1, 50)),
        rep_time=draw(st.integers(1, 300)),
        rest=draw(st.integers(0, 3600)),
        sides=draw(st.sampled_from(["both", "left", "right", "none"])),
        switch=draw(st.integers(0, 300)),
        ready=draw(st.integers(0, 300)),
    )


def formula_seconds(e: Exercise) -> int:
    n_sides = 2 if e.sides == "both" else 1
    work = e.hold if e.hold is not None else (e.reps or 0) * e.rep_time
    return e.ready + e.sets * (n_sides * work + (n_sides - 1) * e.switch) + (e.sets - 1) * e.rest


phase_lists = st.lists(exercises(), min_size=1, max_size=3).map(tuple)


@settings(max_examples=200, deadline=None)
@given(release=phase_lists, stretch=phase_lists, strengthen=phase_lists)
def test_total_is_the_formula_and_steps_are_contiguous(
    release: tuple[Exercise, ...],
    stretch: tuple[Exercise, ...],
    strengthen: tuple[Exercise, ...],
) -> None:
    plan = build_plan(make_routine(release, stretch, strengthen))

    expected_total = sum(formula_seconds(e) for e in (*release, *stretch, *strengthen))
    assert plan.total_seconds == expected_total
    assert plan.steps[0].offset == 0
    for before, after in zip(plan.steps, plan.steps[1:], strict=False):
        assert after.offset == before.offset + before.duration
    assert all(step.duration > 0 for step in plan.steps)
    phase_index = [PHASES.index(step.phase) for step in plan.steps]
    assert phase_index == sorted(phase_index)
    expected_work = sum(
        e.sets * (2 if e.sides == "both" else 1) for e in (*release, *stretch, *strengthen)
    )
    assert sum(1 for s in plan.steps if s.kind == "work") == expected_work


@settings(max_examples=200, deadline=None)
@given(release=phase_lists, stretch=phase_lists, strengthen=phase_lists)
def test_the_size_checked_before_planning_is_the_plans_size(
    release: tuple[Exercise, ...],
    stretch: tuple[Exercise, ...],
    strengthen: tuple[Exercise, ...],
) -> None:
    """The 4-hour and 2,000-step limits are checked without building the plan;
    the count they use must be the plan's."""
    plan = build_plan(make_routine(release, stretch, strengthen))
    sizes = [exercise_size(e) for e in (*release, *stretch, *strengthen)]
    assert sum(steps for steps, _ in sizes) == len(plan.steps)
    assert sum(seconds for _, seconds in sizes) == plan.total_seconds
