"""`reminder stats` and `reminder report` on a real history file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from click.testing import Result
from support.history import record_completed

from reminder.progress.history import History

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # a Monday


def _setup(tmp_path: Path, state: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[settings]\ntimezone = "UTC"\n[[schedule]]\nroutine = "psoas"\ndays = "daily"\nat = ["10:30"]\n',
        encoding="utf-8",
    )
    history = History(state / "reminder" / "history.sqlite3")
    # The last seven days: done on five, missed on two (asleep).
    for days_ago in range(7, 0, -1):
        start = dt.datetime(2026, 11, 30, 10, 30, tzinfo=UTC) - dt.timedelta(days=days_ago)
        if days_ago in (4, 2):
            history.not_run("psoas", "missed", scheduled_at=start, schedule=0, reason="late")
            continue
        record_completed(history, "psoas", start, took=dt.timedelta(minutes=17), seconds_done=1010)
        history.add_checkin(start + dt.timedelta(hours=1), score=5, routine="psoas")
    # Today's 10:30 session too.
    start = dt.datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    record_completed(history, "psoas", start, took=dt.timedelta(minutes=17), seconds_done=1010)
    history.close()
    return config


def test_stats_counts_what_was_done_and_missed(
    run_cli: Callable[..., Result], tmp_path: Path, xdg_state_home: Path
) -> None:
    config = _setup(tmp_path, xdg_state_home)
    result = run_cli("stats", "--json", "--config", str(config), now=NOW)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["streak"]["current"] == 2  # yesterday and today, after the miss two days ago
    assert data["streak"]["best"] == 3  # 24-26 Nov
    assert data["missed_by_reason"] == {"late": 2}
    assert data["totals"]["completed"] == 6
    assert data["advice"] is None
    text = run_cli("stats", "--config", str(config), now=NOW)
    assert text.exit_code == 0
    assert "not medical advice" in text.stdout.lower()


class _Svgs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.ids.update(value for name, value in attrs if name == "id" and value)


def test_report_writes_one_self_contained_html_file(
    run_cli: Callable[..., Result], tmp_path: Path, xdg_state_home: Path
) -> None:
    config = _setup(tmp_path, xdg_state_home)
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()  # a folder that does not exist is an error, not created
    result = run_cli("report", "--html", str(target), "--config", str(config), now=NOW)
    assert result.exit_code == 0, result.stderr
    page = target.read_text(encoding="utf-8")
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    parser = _Svgs()
    parser.feed(page)
    assert {"adherence-calendar", "pain-trend", "phase-minutes"} <= parser.ids


def test_report_needs_a_file(run_cli: Callable[..., Result]) -> None:
    result = run_cli("report")
    assert result.exit_code == 2
    assert "--html" in result.stderr
