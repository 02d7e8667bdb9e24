"""`stats` and `report` show the programme: each exercise's level over time
(a line in stats, a step chart in the report) and the A/B rhythm in the
calendar — the same levels that `progress` and `plan` show.

Two weeks of gluteus-medius sessions (the built-in default: weekdays 10:30
and 16:00) are written into the history, and every session is rated easy with
the real `reminder rate`, in-process on an injected clock. Worked out by hand
from DESIGN.md's rules: the stance (in every session) steps up after the
second session, and again a week later; the A and B exercises, each in one
session a day, step up after their second session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from support.history import record_completed

from reminder.paths import find_paths
from reminder.progress.history import History

RunCli = Callable[..., Result]
UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 2, tzinfo=UTC)
TOOK = dt.timedelta(minutes=17)


def at(day: int, hour: int, minute: int = 30) -> dt.datetime:
    return MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def two_weeks(run_cli: RunCli) -> dt.datetime:
    """Weekdays of two weeks, both sessions done and rated easy; the moment after."""
    history = History(find_paths(None).history_db)
    for day in [d for d in range(14) if d % 7 < 5]:
        for hour in (10, 16):
            start = at(day, hour)
            record_completed(history, "gluteus-medius", start, took=TOOK, seconds_done=1000)
            history.close()
            result = run_cli("rate", "easy", now=start + TOOK + dt.timedelta(minutes=1))
            assert result.exit_code == 0, result.stderr
    return at(13, 20)


def json_of(run_cli: RunCli, now: dt.datetime, *args: str) -> Any:
    result = run_cli(*args, now=now)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_stats_json_has_each_exercises_steps_and_agrees_with_progress(
    run_cli: RunCli, two_weeks: dt.datetime
) -> None:
    found = json_of(run_cli, two_weeks, "stats", "--json")["programme"]
    exercises = found["routines"]["gluteus-medius"]["exercises"]
    progress = json_of(run_cli, two_weeks, "progress", "--json")["routines"]["gluteus-medius"]
    assert {n: e["level"] for n, e in exercises.items()} == {
        n: e["level"] for n, e in progress["exercises"].items()
    }
    stance = exercises["Single-leg stance"]
    # Up after Monday's second session; a week later (Monday 9 Nov, 16:48) again.
    assert [(s["level"], s["at"][:10]) for s in stance["steps"]] == [
        (2, "2026-11-02"),
        (3, "2026-11-09"),
    ]
    assert stance["start_level"] == 1
    clamshells = exercises["Clamshells"]
    # A sessions are the mornings: Mon and Tue 10:30 -> up on Tuesday; then a week later.
    assert [(s["level"], s["at"][:10]) for s in clamshells["steps"]] == [
        (2, "2026-11-03"),
        (3, "2026-11-10"),
    ]
    days = {d["date"]: d["groups"] for d in found["days"]}
    assert days["2026-11-02"] == ["A", "B"]
    assert "2026-11-07" not in days  # Saturday: nothing ran


def test_stats_text_has_a_line_for_each_level_and_the_group_calendar(
    run_cli: RunCli, two_weeks: dt.datetime
) -> None:
    result = run_cli("stats", now=two_weeks)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    line = next(row for row in text.splitlines() if row.strip().startswith("Clamshells:"))
    assert "level 1 → 2 (Tue 3 Nov) → 3 (Tue 10 Nov)" in line
    assert "now Clamshells 2 × 15" in line
    assert "Groups, taking turns:" in text
    calendar = text[text.index("Groups, taking turns:") :].splitlines()
    monday = next(row for row in calendar if row.startswith("Mon "))
    assert monday.split()[-2:] == ["AB", "AB"]  # both groups, both Mondays


class _Charts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.level_charts: list[str] = []
        self.changes: dict[str, list[int]] = {}
        self.group_texts: list[str] = []
        self._chart: str | None = None
        self._in_group = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg" and "level-chart" in (found.get("class") or ""):
            self._chart = found["id"] or ""
            self.level_charts.append(self._chart)
            self.changes[self._chart] = []
        if tag == "circle" and found.get("class") == "level-change" and self._chart:
            self.changes[self._chart].append(int(found["data-level"] or 0))
        self._in_group = tag == "text" and found.get("class") == "group"

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None
        self._in_group = False

    def handle_data(self, data: str) -> None:
        if self._in_group:
            self.group_texts.append(data)


def test_the_report_draws_a_step_chart_per_exercise_and_groups_on_the_calendar(
    run_cli: RunCli, two_weeks: dt.datetime, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    result = run_cli("report", "--html", str(page), now=two_weeks)
    assert result.exit_code == 0, result.stderr
    charts = _Charts()
    charts.feed(page.read_text(encoding="utf-8"))
    assert len(charts.level_charts) == 5
    assert charts.changes["levels-gluteus-medius-single-leg-stance"] == [2, 3]
    assert charts.changes["levels-gluteus-medius-fire-hydrants"] == [2, 3]
    assert charts.group_texts.count("AB") == 10  # every weekday of the two weeks
    assert re.search(r"Clamshells: level 1 → 2 \(Tue 3 Nov\) → 3", page.read_text())


def test_without_a_programme_nothing_is_added(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[schedule]]\nroutine = "psoas"\nat = ["10:30"]\n')
    result = run_cli("stats", "--config", str(config), now=at(3, 12))
    assert result.exit_code == 0, result.stderr
    assert "Levels:" not in result.stdout
    assert "Groups" not in result.stdout
    found = json_of(run_cli, at(3, 12), "stats", "--config", str(config), "--json")
    assert found["programme"] == {"routines": {}, "days": []}
