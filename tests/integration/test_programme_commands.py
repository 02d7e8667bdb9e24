"""The programme as the commands show it: plan, next, rate, progress and
progress set, in-process with an injected clock over a real history file.

Sessions are written into the history as the daemon writes them (the
history's own API); the rules' outcome is worked out by hand from DESIGN.md.
With no config file, the built-in default runs gluteus-medius.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from support.history import record_completed

from reminder.paths import find_paths
from reminder.progress.history import History

RunCli = Callable[..., Result]
UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
TOOK = dt.timedelta(minutes=17)
GLUTEUS = {
    "Side-lying hip abduction": 6,
    "Clamshells": 6,
    "Fire hydrants": 6,
    "Single-leg deadlift": 6,
    "Single-leg stance": 7,
}


def day(n: int, hour: int = 10, minute: int = 30) -> dt.datetime:
    return MONDAY.replace(hour=hour, minute=minute) + dt.timedelta(days=n)


@pytest.fixture
def history() -> History:
    return History(find_paths(None).history_db)


def ran(history: History, at: dt.datetime, routine: str = "gluteus-medius") -> int:
    row = record_completed(history, routine, at, took=TOOK, seconds_done=1000)
    history.close()
    return row


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def plan(run_cli: RunCli, now: dt.datetime, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = as_json(run_cli("plan", "gluteus-medius", "--json", *args, now=now))
    return found


def progress(run_cli: RunCli, now: dt.datetime) -> dict[str, Any]:
    found: dict[str, Any] = as_json(run_cli("progress", "--json", now=now))
    return found


def step_levels(plan_json: dict[str, Any]) -> dict[str, int]:
    """Each exercise with levels in the plan, by its step's level."""
    return {s["exercise"]: s["level"] for s in plan_json["steps"] if s["level"] is not None}


# -- turns ------------------------------------------------------------------------------


def test_plan_shows_the_next_sessions_group(run_cli: RunCli, history: History) -> None:
    assert plan(run_cli, day(0, 9))["group"] == "A"
    ran(history, day(0))
    assert plan(run_cli, day(0, 12))["group"] == "B"
    history.not_run("gluteus-medius", "skipped", scheduled_at=day(0, 16), at=day(0, 16))
    history.not_run("gluteus-medius", "missed", scheduled_at=day(1), reason="late", at=day(1, 11))
    assert plan(run_cli, day(1, 12))["group"] == "B", "skipped and missed sessions do not count"
    row = history.started("gluteus-medius", day(1, 16), schedule=0, scheduled_at=day(1, 16))
    history.ended(row, day(1, 16, 40), "partial", phases_done=("release", "stretch"))
    assert plan(run_cli, day(1, 17))["group"] == "A", "a partial session takes its turn"


def test_plan_group_shows_another_groups_session(run_cli: RunCli) -> None:
    b = plan(run_cli, day(0), "--group", "B")
    assert b["group"] == "B"
    exercises = {s["exercise"] for s in b["steps"] if s["phase"] == "strengthen"}
    assert exercises == {"Fire hydrants", "Single-leg deadlift", "Single-leg stance"}


def test_plan_of_a_group_the_routine_does_not_have(run_cli: RunCli) -> None:
    result = run_cli("plan", "gluteus-medius", "--group", "C", now=day(0))
    assert result.exit_code == 2
    assert '"A", "B"' in result.stderr


def test_plan_as_text_names_the_group_and_the_levels(run_cli: RunCli) -> None:
    text = ok(run_cli("plan", "gluteus-medius", now=day(0))).stdout
    assert "group A" in text.splitlines()[0]
    assert "Clamshells (level 1)" in text


def test_next_says_whose_turn_each_session_is(run_cli: RunCli, history: History) -> None:
    sessions = as_json(run_cli("next", "--count", "4", "--json", now=day(0, 9)))
    assert [s["group"] for s in sessions] == ["A", "B", "A", "B"]
    ran(history, day(0))
    sessions = as_json(run_cli("next", "--count", "3", "--json", now=day(0, 12)))
    assert [s["group"] for s in sessions] == ["B", "A", "B"]
    text = ok(run_cli("next", "--count", "2", now=day(0, 12))).stdout
    lines = [line for line in text.splitlines() if "gluteus-medius" in line]
    assert lines[0].endswith("group B")
    assert lines[1].endswith("group A")


# -- rate -------------------------------------------------------------------------------


def test_rate_without_a_session_in_the_last_12_hours(run_cli: RunCli, history: History) -> None:
    result = run_cli("rate", "easy", now=day(0))
    assert result.exit_code == 1
    assert "nothing to rate" in result.stderr
    ran(history, day(0))
    late = day(0) + TOOK + dt.timedelta(hours=12, minutes=1)
    assert run_cli("rate", "easy", now=late).exit_code == 1


def test_rate_takes_only_easy_right_or_hard(run_cli: RunCli) -> None:
    result = run_cli("rate", "fine", now=day(0))
    assert result.exit_code == 2
    assert "easy" in result.stderr


def test_two_easy_sessions_step_up_and_every_command_shows_it(
    run_cli: RunCli, history: History
) -> None:
    ran(history, day(0))  # A
    first = ok(run_cli("rate", "easy", now=day(0, 11))).stdout
    assert "Rated Gluteus medius of Mon  2 Nov 10:30: easy." in first
    assert "Next time" not in first

    ran(history, day(1))  # B: the stance was in both
    second = ok(run_cli("rate", "easy", now=day(1, 11))).stdout
    assert "Next time: Single-leg stance 2 × 25 s, up from 2 × 20 s." in second
    assert "Fire hydrants" in second  # staying, and why

    found = progress(run_cli, day(1, 12))["routines"]["gluteus-medius"]
    stance = found["exercises"]["Single-leg stance"]
    assert stance["level"] == 2
    assert dt.datetime.fromisoformat(stance["changed_at"]) == day(1, 11)
    assert "easy" in stance["reason"]
    assert found["exercises"]["Clamshells"] == {
        "level": 1,
        "levels": 6,
        "changed_at": None,
        "reason": None,
    }
    next_plan = plan(run_cli, day(1, 12))
    assert found["next_group"] == next_plan["group"] == "A"
    assert step_levels(next_plan)["Single-leg stance"] == 2
    holds = [
        s["duration"]
        for s in next_plan["steps"]
        if s["exercise"] == "Single-leg stance" and s["kind"] == "work"
    ]
    assert holds == [25] * 4  # two sets, both sides


def test_a_check_in_of_7_holds_every_level_and_says_see_a_clinician(
    run_cli: RunCli, history: History
) -> None:
    ran(history, day(0))
    ok(run_cli("rate", "easy", now=day(0, 11)))
    ran(history, day(1))
    ok(run_cli("checkin", "7", now=day(1, 10, 50)))
    said = ok(run_cli("rate", "easy", now=day(1, 11))).stdout
    assert "7/10" in said
    assert "clinician" in said
    assert "Next time" not in said
    levels = progress(run_cli, day(1, 12))["routines"]["gluteus-medius"]["exercises"]
    assert {name: e["level"] for name, e in levels.items()} == dict.fromkeys(GLUTEUS, 1)
    assert "clinician" in ok(run_cli("progress", now=day(1, 12))).stdout


# -- progress ---------------------------------------------------------------------------


def test_progress_json_has_every_exercise_with_levels(run_cli: RunCli) -> None:
    found = progress(run_cli, day(0))
    assert set(found) == {"routines"}
    assert set(found["routines"]) == {"gluteus-medius"}
    routine = found["routines"]["gluteus-medius"]
    assert set(routine) == {"next_group", "exercises"}
    assert routine["next_group"] == "A"
    assert {name: e["levels"] for name, e in routine["exercises"].items()} == GLUTEUS
    for exercise in routine["exercises"].values():
        assert set(exercise) == {"level", "levels", "changed_at", "reason"}


def test_progress_set_moves_one_exercise_and_plan_follows(run_cli: RunCli) -> None:
    said = ok(run_cli("progress", "set", "gluteus-medius", "Clamshells", "6", now=day(0, 9))).stdout
    assert "Clamshells, pause open 2 × 10" in said
    exercises = progress(run_cli, day(0, 10))["routines"]["gluteus-medius"]["exercises"]
    assert exercises["Clamshells"]["level"] == 6
    assert exercises["Clamshells"]["reason"] == "set by hand"
    levels = step_levels(plan(run_cli, day(0, 10)))
    assert levels["Clamshells, pause open"] == 6
    text = ok(run_cli("progress", now=day(0, 10))).stdout
    line = next(line for line in text.splitlines() if "Clamshells" in line)
    assert "level 6 of 6" in line
    assert "set by hand" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("gluteus-medius", "Clamshell", "2"), '"Clamshells"'),
        (("gluteus-medius", "Pigeon stretch", "2"), "with levels"),
        (("gluteus-medius", "Clamshells", "7"), "from 1 to 6"),
        (("glutes", "Clamshells", "2"), "no routine named"),
    ],
)
def test_progress_set_refuses_what_does_not_exist(
    run_cli: RunCli, args: tuple[str, ...], says: str
) -> None:
    result = run_cli("progress", "set", *args, now=day(0))
    assert result.exit_code == 2, result.stdout
    assert says in result.stderr


def test_progress_set_level_0_is_a_usage_error(run_cli: RunCli) -> None:
    assert run_cli("progress", "set", "gluteus-medius", "Clamshells", "0").exit_code == 2


def test_progress_with_a_broken_config_says_what_to_fix(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[schedule]]\nroutine = "gluteus-medius"\nat = ["25:00"]\n')
    result = run_cli("progress", "--config", str(config), now=day(0))
    assert result.exit_code == 78
    assert "schedule[0].at[0]" in result.stderr
