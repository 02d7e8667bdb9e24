"""What a step's notification says beyond the step itself: what comes next,
where the session is, which side starts. Expected texts written by hand from
the plan (the comments show it)."""

from __future__ import annotations

from reminder.daemon import messages
from reminder.routines.model import Exercise, Phase, Routine, Sides
from reminder.routines.plan import build_plan


def exercise(name: str, *, hold: int | None = None, reps: int | None = None, sets: int = 1,
             rest: int = 0, sides: Sides = "none", ready: int = 10) -> Exercise:  # fmt: skip
    return Exercise(name, None, hold, reps, sets, 3, rest, sides, 5, ready)


def routine(*phases: tuple[Exercise, ...]) -> Routine:
    by_phase: dict[Phase, tuple[Exercise, ...]] = dict(
        zip(("release", "stretch", "strengthen"), phases, strict=True)
    )
    return Routine("r", "R", None, None, (), by_phase, "config")


# 0 ready 10 | 10 L 90 | 100 switch 5 | 105 R 90 | 195 ready 10 | 205 set 1 (10 reps × 3 s)
# | 235 rest 45 | 280 set 2 | 310 set 3 (no rest: rest 0 was given to "Bridge") ...
ROUTINE = routine(
    (exercise("Ball release", hold=90, sides="both"),),
    (exercise("Clamshells", reps=10, sets=2, rest=45),),
    (
        exercise("Bridge", reps=5, sets=2, ready=0),
        exercise("Stance", hold=30, sides="right", ready=5),
    ),
)
PLAN = build_plan(ROUTINE)


def body(index: int) -> str:
    return messages.step_message(PLAN.steps[index], ROUTINE).body


def test_the_plan_is_the_one_the_texts_are_worked_from() -> None:
    assert [(s.kind, s.exercise, s.offset, s.duration) for s in PLAN.steps] == [
        ("ready", "Ball release", 0, 10),
        ("work", "Ball release", 10, 90),
        ("switch", "Ball release", 100, 5),
        ("work", "Ball release", 105, 90),
        ("ready", "Clamshells", 195, 10),
        ("work", "Clamshells", 205, 30),
        ("rest", "Clamshells", 235, 45),
        ("work", "Clamshells", 280, 30),
        ("work", "Bridge", 310, 15),
        ("work", "Bridge", 325, 15),
        ("ready", "Stance", 340, 5),
        ("work", "Stance", 345, 30),
    ]
    assert PLAN.total_seconds == 375


def test_a_work_step_says_what_comes_next_and_where_the_session_is() -> None:
    assert body(1) == "Left side — hold 1 min 30 s\nNext: switch sides · step 2 of 12 · 6 min left"
    assert body(3) == "Right side — hold 1 min 30 s\nNext: Clamshells · step 4 of 12 · 5 min left"
    assert body(5) == "10 reps, 3 s each (set 1 of 2)\nNext: rest 45 s · step 6 of 12 · 3 min left"
    assert body(7) == "10 reps, 3 s each (set 2 of 2)\nNext: Bridge · step 8 of 12 · 2 min left"
    # Two sets back to back, no rest between them.
    assert body(8) == "5 reps, 3 s each (set 1 of 2)\nNext: set 2 of 2 · step 9 of 12 · 1 min left"
    assert body(11) == "Right side — hold 30 s\nNext: done · step 12 of 12 · 30 s left"


def test_other_steps_say_only_themselves() -> None:
    assert body(2) == "Switch to the right side — 5 s"
    assert body(6) == "Rest — 45 s (set 1 of 2 done)"


def test_the_ready_step_names_the_side_that_starts() -> None:
    assert body(0).startswith("Get ready — 10 s, left side first")
    assert body(10).startswith("Get ready — 5 s, right side")  # sides = "right"
    assert body(4).startswith("Get ready — 10 s")  # no sides
    assert "side" not in body(4)


def test_a_message_reminder_sounds_itself_asks_the_server_for_quiet() -> None:
    step = PLAN.steps[1]
    assert not messages.step_message(step, ROUTINE).suppress_sound
    assert messages.step_message(step, ROUTINE, PLAN, own_sound=True).suppress_sound
    assert messages.ask_message(ROUTINE, PLAN, 60.0, own_sound=True).suppress_sound
    assert messages.done_message(ROUTINE, PLAN, own_sound=True).suppress_sound


def test_progress_is_how_far_the_step_is_and_never_past_its_ends() -> None:
    hold = PLAN.steps[1]  # 90 s
    assert messages.step_message(hold, ROUTINE).progress is None
    assert messages.step_message(hold, ROUTINE, elapsed=45).progress == 50
    assert messages.step_message(hold, ROUTINE, elapsed=0).progress == 0
    assert messages.step_message(hold, ROUTINE, elapsed=95).progress == 100
