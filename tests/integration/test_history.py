"""The history store on a real SQLite file: outcomes, recovery of sessions a
dead daemon left running, schema versions, and surviving kill -9."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reminder.progress.history import History, HistoryError

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_a_session_is_recorded_from_start_to_end(tmp_path: Path) -> None:
    history = History(tmp_path / "state" / "history.sqlite3")
    row = history.started("gluteus-medius", T0, schedule=0, scheduled_at=T0)
    (running,) = history.entries()
    assert (running.outcome, running.started_at) == ("running", T0)
    history.ended(
        row,
        T0 + dt.timedelta(minutes=20),
        "completed",
        phases_done=("release", "stretch", "strengthen"),
        seconds_done=1195,
    )
    (done,) = history.entries()
    assert done.outcome == "completed"
    assert done.phases_done == ("release", "stretch", "strengthen")
    assert done.seconds_done == 1195
    assert done.ended_at == T0 + dt.timedelta(minutes=20)
    assert done.to_json()["scheduled_at"] == "2026-11-30T09:30:00+00:00"


def test_sessions_a_dead_daemon_left_running_are_recovered_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).started("psoas", T0)
    later = History(path)
    assert later.recover(T0 + dt.timedelta(hours=1)) == 1
    (entry,) = later.entries()
    assert (entry.outcome, entry.reason) == ("interrupted", "the daemon stopped")
    assert later.recover(T0 + dt.timedelta(hours=2)) == 0


def test_entries_since_a_moment_and_in_time_order(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    history.not_run("iliacus", "missed", scheduled_at=T0 + dt.timedelta(days=1), reason="late")
    history.not_run("psoas", "skipped", scheduled_at=T0)
    assert [e.routine for e in history.entries()] == ["psoas", "iliacus"]
    assert [e.routine for e in history.entries(since=T0 + dt.timedelta(hours=1))] == ["iliacus"]


def test_the_file_uses_wal_and_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).not_run("psoas", "skipped", scheduled_at=T0)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_file_from_a_newer_reminder_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError, match="newer reminder"):
        History(path).entries()


def test_an_unwritable_history_raises_history_error_not_sqlite_errors(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "history.sqlite3").mkdir()  # a folder where the file should be
    with pytest.raises(HistoryError, match="history file"):
        History(folder / "history.sqlite3").started("psoas", T0)


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from reminder.progress.history import History
    history = History(__import__("pathlib").Path(sys.argv[1]))
    moment = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    print("ready", flush=True)
    while True:
        row = history.started("psoas", moment)
        history.ended(row, moment, "completed", phases_done=("release",), seconds_done=60)
    """
)


def test_kill_9_at_any_moment_leaves_the_file_consistent(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    for _ in range(10):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    history = History(path)
    history.recover(dt.datetime(2026, 12, 1, tzinfo=UTC))
    outcomes = {e.outcome for e in history.entries()}
    assert outcomes <= {"completed", "interrupted"}
