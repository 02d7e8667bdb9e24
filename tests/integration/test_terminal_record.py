"""A terminal session's record on a real SQLite history: written like a
daemon's session (source "terminal"), and kept in the journal when the file
is locked, for the next writer to replay."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from support.harness import TINY_ROUTINE

from reminder.cli.terminal import Outcome
from reminder.cli.terminal_record import record
from reminder.config.load import load_config
from reminder.paths import Paths
from reminder.progress import ops
from reminder.progress.history import History
from reminder.progress.writer import WriteQueue
from reminder.routines.model import Routine

T0 = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.timezone.utc)


def tiny(tmp_path: Path) -> Routine:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[[schedule]]\nroutine = "tiny"\nat = ["10:30"]\n' + TINY_ROUTINE, encoding="utf-8"
    )
    paths = Paths(
        config_file=config_file,
        config_from="--config",
        config_dir=tmp_path,
        routines_dir=tmp_path / "routines",
        state_dir=tmp_path / "state",
        runtime_dir=tmp_path / "run",
    )
    return load_config(paths).routines["tiny"]


def partial(seconds: int) -> Outcome:
    return Outcome(
        "completed",
        ("release",),
        recorded="partial",
        seconds_done=seconds,
        started_at=T0,
        ended_at=T0 + dt.timedelta(seconds=seconds),
    )


def test_a_terminal_session_is_recorded_with_its_answer(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    assert record(history, tiny(tmp_path), partial(40), "same") is None
    (entry,) = history.entries()
    assert (entry.source, entry.outcome, entry.phases_done, entry.seconds_done) == (
        "terminal",
        "partial",
        ("release",),
        40,
    )
    (checkin,) = history.checkins()
    assert (checkin.feeling, checkin.session_id) == ("same", entry.id)


def test_a_locked_history_keeps_the_terminal_session_in_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).apply(ops.recover(T0))  # the file and its schema exist
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        problem = record(History(path, timeout=0.05), tiny(tmp_path), partial(40), None)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert problem is not None
    assert "history-pending.jsonl" in problem
    assert History(path).entries() == []
    # The next writer (the daemon, or another command) replays it first.
    queue = WriteQueue(History(path))
    assert queue.attempt(0.0) is None
    assert [(e.source, e.outcome) for e in History(path).entries()] == [("terminal", "partial")]
