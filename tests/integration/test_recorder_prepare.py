"""When a session is due, the daemon has the history opened ahead
(``Recorder.prepare``), while it looks whether the person is there and asks
them: the session's first write, which its first step briefly waits for, is
then quick. Before this, the idle daemon's first session loaded SQLite and
opened the file between its first two steps, and with a hung notification
server that made the second step more than a second late
(tests/reliability/test_dbus_faults.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from support.harness import EventSink

from reminder.daemon.events import EventLog
from reminder.daemon.recorder import Recorder


def user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


def test_a_session_about_to_begin_has_the_history_opened_before_anything_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state" / "history.sqlite3"
    recorder = Recorder(path, EventLog(EventSink(), json_lines=True), threaded=True)
    recorder.prepare()
    writer = recorder.writer
    assert writer is not None
    assert writer.settle(10)
    try:
        assert path.is_file()  # made, its schema in place
        assert user_version(path) > 0
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        finally:
            connection.close()
    finally:
        recorder.close()


def test_a_history_that_cannot_be_used_is_said_when_the_session_is_due(tmp_path: Path) -> None:
    """Written by a newer reminder: said once, as the session begins; the
    session's own writes are kept, not lost (tests/reliability cover that)."""
    path = tmp_path / "history.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    sink = EventSink()
    recorder = Recorder(path, EventLog(sink, json_lines=True), threaded=True)
    recorder.prepare()
    writer = recorder.writer
    assert writer is not None
    try:
        assert not writer.settle(10)  # False at once: failing
        errors = sink.events("history-error")
        assert len(errors) == 1
        assert "newer reminder" in errors[0]["error"]
        assert str(path) in errors[0]["error"]
    finally:
        recorder.close()
