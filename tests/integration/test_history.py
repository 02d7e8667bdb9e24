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
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder.progress import ops
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
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 3


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


def test_a_history_from_before_keys_and_decisions_is_migrated_with_its_rows(
    tmp_path: Path,
) -> None:
    from reminder.progress.history import _MIGRATIONS

    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as connection:
        for script in _MIGRATIONS[:2]:
            connection.executescript(script)
        connection.execute(
            "INSERT INTO sessions (routine, started_at, outcome) VALUES ('psoas', ?, 'completed')",
            (T0.isoformat(),),
        )
        connection.execute("PRAGMA user_version = 2")
    history = History(path)
    (entry,) = history.entries()
    assert (entry.routine, entry.outcome, entry.source) == ("psoas", "completed", "daemon")
    assert history.decisions() == []
    assert history.first_use() == T0


def test_the_same_skip_applied_twice_writes_one_row(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    first = ops.not_run("psoas", "skipped", scheduled_at=T0, schedule=0, reason=None, at=T0)
    again = ops.not_run("psoas", "skipped", scheduled_at=T0, schedule=0, reason=None, at=T0)
    assert history.apply(first) == 1
    assert history.apply(again) == 0
    assert history.apply(first) == 0  # a replay of the journal
    assert [e.outcome for e in history.entries()] == ["skipped"]


def test_a_row_for_a_session_settles_what_was_decided_for_it(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    later = T0 + dt.timedelta(hours=6)
    history.apply(
        ops.decide("skip", "psoas", schedule=0, scheduled_at=T0, until=None, decided_at=T0)
    )
    history.apply(
        ops.decide(
            "snooze",
            "psoas",
            schedule=1,
            scheduled_at=later,
            until=later + dt.timedelta(minutes=10),
            decided_at=T0,
        )
    )
    assert [(d.kind, d.scheduled_at) for d in history.decisions()] == [
        ("skip", T0),
        ("snooze", later),
    ]
    history.apply(ops.not_run("psoas", "skipped", scheduled_at=T0, schedule=0, reason=None, at=T0))
    history.apply(ops.started("k", "psoas", later, schedule=1, scheduled_at=later))
    assert history.decisions() == []


def test_a_session_ends_by_its_key_and_its_checkin_points_at_its_row(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    history.apply(ops.started("abc", "psoas", T0, schedule=None, scheduled_at=None))
    ending = ops.ended(
        "abc",
        T0 + dt.timedelta(minutes=5),
        "partial",
        reason=None,
        phases_done=["release"],
        seconds_done=120,
    )
    history.apply(ending)
    history.apply(ending)
    history.apply(ops.checkin(T0, feeling="same", routine="psoas", session_key="abc"))
    (entry,) = history.entries()
    assert (entry.outcome, entry.phases_done, entry.seconds_done) == ("partial", ("release",), 120)
    (checkin,) = history.checkins()
    assert checkin.session_id == entry.id


def test_the_daemon_keeps_when_it_last_ran_with_each_write(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    op = ops.mark("first_start", T0)
    op["seen"] = ops.iso(T0)
    history.apply(op)
    later = ops.not_run("psoas", "missed", scheduled_at=T0, schedule=0, reason="late", at=T0)
    later["seen"] = ops.iso(T0 + dt.timedelta(hours=2))
    history.apply(later)
    history.apply(ops.mark("first_start", T0 + dt.timedelta(days=1)))  # kept once
    assert history.daemon_state() == {
        "first_start": T0,
        "last_seen": T0 + dt.timedelta(hours=2),
    }


@pytest.mark.parametrize(
    ("make", "kind"),
    [(os.mkfifo, "a named pipe (FIFO)"), (os.mkdir, "a folder")],
    ids=["fifo", "folder"],
)
def test_something_other_than_a_file_in_the_historys_place_is_named(
    tmp_path: Path, make: Callable[[Path], None], kind: str
) -> None:
    path = tmp_path / "history.sqlite3"
    make(path)
    with pytest.raises(HistoryError) as refused:
        History(path).entries()
    assert str(refused.value) == (
        f"Cannot use the history file {path}: it is {kind}, not a regular file. "
        "Move it away and reminder makes a new history there."
    )
