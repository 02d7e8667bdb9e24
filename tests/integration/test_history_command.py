"""`reminder history`: what was done, as the user reads it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from support.history import record_completed

from reminder.progress.history import History

UTC = dt.timezone.utc


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[settings]\ntimezone = "Europe/Berlin"\n[[schedule]]\nroutine = "psoas"\nat = ["10:30"]\n',
        encoding="utf-8",
    )
    return config


def _fill(state: Path) -> None:
    history = History(state / "reminder" / "history.sqlite3")
    start = dt.datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
    record_completed(history, "psoas", start, took=dt.timedelta(minutes=17), seconds_done=1010)
    history.not_run(
        "psoas", "missed", scheduled_at=start + dt.timedelta(days=1), schedule=0, reason="late"
    )
    row = history.started("desk-break", start + dt.timedelta(days=2))
    history.ended(
        row,
        start + dt.timedelta(days=2, minutes=3),
        "partial",
        reason="stopped by you",
        phases_done=("release",),
        seconds_done=135,
    )
    history.close()


def test_history_lists_every_session_in_the_config_time_zone(
    run_cli: Callable[..., Result], tmp_path: Path, xdg_state_home: Path
) -> None:
    _fill(xdg_state_home)
    result = run_cli("history", "--config", str(_config(tmp_path)))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2026-11-30 Mon 10:30  psoas       done          16 min 50 s",
        "2026-12-01 Tue 10:30  psoas       missed                      late",
        "2026-12-02 Wed 10:30  desk-break  partly done   2 min 15 s    did release",
    ]


def test_history_since_a_day_and_as_json(
    run_cli: Callable[..., Result], tmp_path: Path, xdg_state_home: Path
) -> None:
    _fill(xdg_state_home)
    result = run_cli(
        "history", "--since", "2026-12-01", "--json", "--config", str(_config(tmp_path))
    )
    assert result.exit_code == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [(e["routine"], e["outcome"], e["reason"]) for e in entries] == [
        ("psoas", "missed", "late"),
        ("desk-break", "partial", "stopped by you"),
    ]
    assert entries[0]["scheduled_at"] == "2026-12-01T09:30:00+00:00"
    assert entries[1]["phases_done"] == ["release"]


def test_history_with_nothing_recorded_and_a_bad_date(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    config = str(_config(tmp_path))
    empty = run_cli("history", "--config", config)
    assert (empty.exit_code, empty.stdout.strip()) == (0, "No sessions recorded yet.")
    bad = run_cli("history", "--since", "yesterday", "--config", config)
    assert bad.exit_code == 2
    assert "is not a date like 2026-11-30" in bad.stderr


def test_checkin_records_a_score_and_a_note(
    run_cli: Callable[..., Result], xdg_state_home: Path
) -> None:
    moment = dt.datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    result = run_cli("checkin", "3", "--note", "after a long drive", now=moment)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Recorded: pain 3/10 (after a long drive)."
    (checkin,) = History(xdg_state_home / "reminder" / "history.sqlite3").checkins()
    assert (checkin.at, checkin.score, checkin.note) == (moment, 3, "after a long drive")


def test_checkin_refuses_a_score_out_of_range(run_cli: Callable[..., Result]) -> None:
    result = run_cli("checkin", "11")
    assert result.exit_code == 2
    assert "11 is out of range; use 0 to 10" in result.stderr.replace("'", "")
