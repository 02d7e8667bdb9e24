"""Two weeks of the gluteus medius programme as a person lives them: one
terminal session a day, each a whole `reminder now gluteus-medius --terminal`
process without a TTY on a clock moved to that day (libfaketime, sped up so
a 17-minute session takes seconds), rated with a `reminder rate` process.

Levels go up and down exactly as DESIGN.md's rules say; the expected levels
below are worked out by hand from them. Each day the terminal walks the
session `plan --json` showed for it, and `plan --json` and `progress --json`
agree on every level.

Until the terminal records its own sessions (issue 13, honest records), a
session it did not record is written into the history through the history's
API, as the daemon writes one; once it does, the test takes its row as is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from support.history import record_completed

from reminder.paths import find_paths
from reminder.progress.history import History

UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 2, 18, 0, tzinfo=UTC)
SPEED = 300
"""How much faster than real time the clock runs during a walk."""

AB, CL, FH, SL, ST = (
    "Side-lying hip abduction",
    "Clamshells",
    "Fire hydrants",
    "Single-leg deadlift",
    "Single-leg stance",
)
GROUP_A = {AB, CL, ST}
GROUP_B = {FH, SL, ST}

# (day, group, effort, levels after the rating: AB, CL, FH, SL, ST), by hand:
# - day 1: the stance was in both sessions, both easy: up.
# - day 2: A's exercises, easy on days 0 and 2: up. Day 3: B's likewise; the
#   stance, easy on days 2 and 3 since its change, waits: it changed this week.
# - day 5: the stance, too hard on days 4 and 5: down. Day 6: A's, too hard on
#   days 4 and 6 (their sessions since they went up): down.
# - day 9: B's, easy on days 7 and 9, wait: they changed six days ago. Day 11:
#   easy on 9 and 11, eight days after: up. Day 12: the stance, easy on days
#   11 and 12, seven days after its step down (rated a minute later each day):
#   up.
DAYS: list[tuple[int, str, str, tuple[int, int, int, int, int]]] = [
    (0, "A", "easy", (1, 1, 1, 1, 1)),
    (1, "B", "easy", (1, 1, 1, 1, 2)),
    (2, "A", "easy", (2, 2, 1, 1, 2)),
    (3, "B", "easy", (2, 2, 2, 2, 2)),
    (4, "A", "hard", (2, 2, 2, 2, 2)),
    (5, "B", "hard", (2, 2, 2, 2, 1)),
    (6, "A", "hard", (1, 1, 2, 2, 1)),
    (7, "B", "easy", (1, 1, 2, 2, 1)),
    (8, "A", "easy", (1, 1, 2, 2, 1)),
    (9, "B", "easy", (1, 1, 2, 2, 1)),
    (10, "A", "easy", (1, 1, 2, 2, 1)),
    (11, "B", "easy", (1, 1, 3, 3, 1)),
    (12, "A", "easy", (1, 1, 3, 3, 2)),
    (13, "B", "easy", (1, 1, 3, 3, 2)),
]
AFTER_A_BREAK = (1, 1, 2, 2, 1)
"""Fifteen days after the last session: every level above 1 one step down."""


def libfaketime() -> str:
    library = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
    if library is None:
        pytest.fail("libfaketime is not installed (Debian package faketime)", pytrace=False)
    return str(library)


class Person:
    """Runs the installed reminder as whole processes on a moved clock."""

    def __init__(self, exe: Path, env: dict[str, str]) -> None:
        self.exe = exe
        self.env = dict(env, LD_PRELOAD=libfaketime())
        paths = find_paths(None)
        self.history = History(paths.history_db)
        # Silent walks: this is about levels, and a sound player on a clock
        # sped up 300 times has nothing real to keep time with.
        paths.config_file.parent.mkdir(parents=True, exist_ok=True)
        paths.config_file.write_text(
            '[sound]\ncues = false\n\n[[schedule]]\nroutine = "gluteus-medius"\nat = ["03:00"]\n',
            encoding="utf-8",
        )

    def run(self, at: dt.datetime, *args: str, speed: int = 1) -> str:
        clock = f"@{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}" + (f" x{speed}" if speed > 1 else "")
        result = subprocess.run(
            [str(self.exe), *args],
            env=dict(self.env, FAKETIME=clock),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return result.stdout

    def json(self, at: dt.datetime, *args: str) -> Any:
        return json.loads(self.run(at, *args, "--json"))

    def walk(self, at: dt.datetime, plan: dict[str, Any]) -> list[str]:
        """A terminal session at ``at``; its step lines. Recorded in the history
        by the terminal, or here when the terminal does not yet."""
        lines = self.run(at, "now", "gluteus-medius", "--terminal", speed=SPEED).splitlines()
        assert lines[-1].startswith("Done: Gluteus medius"), lines[-1]
        recorded = [
            e
            for e in self.history.entries(since=at)
            if e.routine == "gluteus-medius" and e.outcome == "completed"
        ]
        if not recorded:
            took = dt.timedelta(seconds=plan["total_seconds"])
            work = sum(s["duration"] for s in plan["steps"] if s["kind"] == "work")
            record_completed(self.history, "gluteus-medius", at, took=took, seconds_done=work)
        self.history.close()
        return lines[:-1]


def levels_in(progress: dict[str, Any]) -> tuple[int, ...]:
    exercises = progress["routines"]["gluteus-medius"]["exercises"]
    return tuple(exercises[name]["level"] for name in (AB, CL, FH, SL, ST))


def plan_levels(plan: dict[str, Any], progress: dict[str, Any]) -> dict[str, int]:
    """The level of each exercise with levels in the plan (none climbs to a
    harder variant's name in these two weeks)."""
    exercises = progress["routines"]["gluteus-medius"]["exercises"]
    return {s["exercise"]: s["level"] for s in plan["steps"] if s["exercise"] in exercises}


def assert_walked(lines: Sequence[str], plan: dict[str, Any], day: int) -> None:
    """The terminal printed one line a planned step, at its start, naming its exercise."""
    assert len(lines) == len(plan["steps"]), f"day {day}: {len(lines)} lines"
    for line, step in zip(lines, plan["steps"], strict=True):
        start = f"{step['offset'] // 60}:{step['offset'] % 60:02d} "
        assert line.startswith(start), f"day {day}: {line!r} does not start at {start}"
        assert f"· {step['exercise']} —" in line, f"day {day}: {line!r} is not {step['exercise']}"


@pytest.mark.timeout(900)
def test_two_weeks_of_terminal_sessions_move_the_levels_as_the_rules_say(
    reminder_exe: Path, subprocess_env: dict[str, str]
) -> None:
    if "LD_PRELOAD" in os.environ:
        pytest.skip("the test preloads libfaketime itself")
    person = Person(reminder_exe, subprocess_env)
    for day, group, effort, expected in DAYS:
        start = MONDAY + dt.timedelta(days=day)
        before = start - dt.timedelta(minutes=5)
        plan = person.json(before, "plan", "gluteus-medius")
        progress = person.json(before, "progress")
        assert plan["group"] == group, f"day {day}"
        assert progress["routines"]["gluteus-medius"]["next_group"] == group
        levels = progress["routines"]["gluteus-medius"]["exercises"]
        assert plan_levels(plan, progress) == {
            name: levels[name]["level"] for name in (GROUP_A if group == "A" else GROUP_B)
        }, f"day {day}: plan and progress disagree"

        lines = person.walk(start, plan)
        assert_walked(lines, plan, day)

        # Rated a minute later each day, so a week after a change is never a
        # few milliseconds short of a week.
        rated_at = start + dt.timedelta(minutes=25 + day)
        said = person.run(rated_at, "rate", effort)
        assert said.startswith("Rated Gluteus medius of"), said
        after = levels_in(person.json(rated_at + dt.timedelta(minutes=1), "progress"))
        assert after == expected, f"day {day} ({group}, {effort}): {after} != {expected}"

    holds = [line for line in lines if "Single-leg stance —" in line and "hold" in line]
    assert holds, lines
    assert all(
        line.endswith(("hold 25 s (set 1 of 2)", "hold 25 s (set 2 of 2)")) for line in holds
    )

    later = MONDAY + dt.timedelta(days=13 + 15)
    progress = person.json(later, "progress")
    assert levels_in(progress) == AFTER_A_BREAK
    hydrants = progress["routines"]["gluteus-medius"]["exercises"][FH]
    assert "14 days" in hydrants["reason"]
    reached = dt.datetime.fromisoformat(hydrants["changed_at"])
    assert abs(reached - (MONDAY + dt.timedelta(days=13 + 14))) < dt.timedelta(minutes=5)
    plan = person.json(later, "plan", "gluteus-medius")
    assert plan_levels(plan, progress) == {
        name: progress["routines"]["gluteus-medius"]["exercises"][name]["level"] for name in GROUP_A
    }
