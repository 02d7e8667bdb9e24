"""What a programme session's notifications say: effort first (Easy, About
right, Too hard), then pain as before (Better, Same, Worse), then what changes
next time — short enough to read mid-stretch."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support.routines import routine_toml

from reminder.daemon import messages
from reminder.progress.programme import Decision, next_time, standings
from reminder.routines.model import Routine
from reminder.routines.plan import build_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gluteus() -> Routine:
    text = (ROOT / "schedules" / "gluteus-medius.toml").read_text(encoding="utf-8")
    return routine_toml(text, name="gluteus-medius")


def test_the_done_notification_asks_how_hard_it_was(gluteus: Routine) -> None:
    plan = build_plan(gluteus, group="A")
    done = messages.effort_message(gluteus, plan)
    assert done.summary == "Done · Gluteus medius"
    assert done.body == (
        "Well done: 16 min 50 s of release, stretch and strengthen. How hard was it?"
    )
    assert done.actions == (("easy", "Easy"), ("right", "About right"), ("hard", "Too hard"))
    assert done.timeout >= 60


@pytest.mark.parametrize(
    ("effort", "said"), [("easy", "easy"), ("right", "about right"), ("hard", "too hard")]
)
def test_then_it_asks_about_the_pain(gluteus: Routine, effort: str, said: str) -> None:
    asked = messages.pain_message(gluteus, effort)
    assert asked.summary == "Done · Gluteus medius"
    assert asked.body == f"Noted: {said}. How is the pain compared with last time?"
    assert asked.actions == (("better", "Better"), ("same", "Same"), ("worse", "Worse"))


def test_the_last_word_says_what_changes_next_time(gluteus: Routine) -> None:
    found = standings(gluteus, [])
    up = Decision(found["Clamshells"], 2, "two sessions in a row felt easy")
    hold = Decision(found["Single-leg stance"], 1, "it takes two sessions")
    said = messages.next_time_message("better", next_time([up, hold]))
    assert said.body == "Good to hear. Next time: Clamshells 2 × 12, up from 2 × 10."


def test_a_harder_variant_is_named_in_full(gluteus: Routine) -> None:
    found = standings(gluteus, [])
    variant = Decision(found["Side-lying hip abduction"], 6, "easy twice")
    assert next_time([variant]) == (
        "Next time: Side-lying abduction, pause at the top 2 × 10, "
        "up from Side-lying hip abduction 2 × 10."
    )


def test_a_step_down_and_a_worse_answer(gluteus: Routine) -> None:
    found = standings(gluteus, [])
    stance = found["Single-leg stance"]
    at_3 = replace(stance, level=3)
    down = Decision(at_3, 2, "two sessions in a row were too hard")
    said = messages.next_time_message("worse", next_time([down]))
    assert said.body == (
        "Noted; go gently. Levels do not go up after a worse session. "
        "Next time: Single-leg stance 2 × 25 s, down from 2 × 30 s."
    )


def test_nothing_changes_and_no_pain_answer() -> None:
    said = messages.next_time_message(None, None)
    assert said.body == "Next time: the same levels."


def test_a_score_of_7_holds_and_advises_a_clinician() -> None:
    said = messages.next_time_message("same", None, held_by=8)
    assert said.body.startswith("Noted. Your last check-in was 8/10")
    assert "clinician" in said.body


def test_the_start_question_names_the_group(gluteus: Routine) -> None:
    asked = messages.ask_message(gluteus, build_plan(gluteus, group="B"), 60.0)
    assert asked.body.startswith("Group B · 16 min 30 s: release")
    plain = routine_toml(
        (ROOT / "schedules" / "psoas.toml").read_text(encoding="utf-8"), name="psoas"
    )
    assert not messages.ask_message(plain, build_plan(plain), 60.0).body.startswith("Group")
    started = messages.start_message(gluteus, build_plan(gluteus, group="A"))
    assert started.body.startswith("Group A · 16 min 50 s")
