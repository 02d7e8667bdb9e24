"""The daemon's start read and written by a process of its own
(``progress/starting.py``) says exactly what reading in the daemon says,
on a real history file, and writes nothing before it is told to (so a
daemon that must do it itself never takes its own start for the time it
last ran); when that process cannot read, it says so (None) and writes
nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reminder.progress import ops
from reminder.progress.history import History
from reminder.progress.starting import Started
from reminder.progress.stored import read_stored

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 30, 10, 29, tzinfo=UTC)
SINCE = NOW - dt.timedelta(days=2)


def rich_history(path: Path) -> None:
    """Two days of a user's history: sessions done and missed, one left
    running by a kill, a skip and a snooze decided ahead, a daemon that
    last wrote yesterday evening."""
    at = [NOW - dt.timedelta(days=1, hours=h) for h in (0, 3, 6)]
    history = History(path)
    history.apply_all(
        [
            ops.started("a", "tiny", at[2], schedule=0, scheduled_at=at[2]),
            ops.ended(
                "a", at[2], "completed", reason=None, phases_done=["release"], seconds_done=9
            ),
            ops.not_run("tiny", "missed", scheduled_at=at[1], schedule=1, reason="off", at=NOW),
            {
                **ops.started("b", "tiny", at[0], schedule=2, scheduled_at=at[0]),
                "seen": ops.iso(at[0]),
            },
            ops.decide(
                "skip",
                "tiny",
                schedule=0,
                scheduled_at=NOW + dt.timedelta(hours=1),
                until=None,
                decided_at=NOW - dt.timedelta(hours=1),
            ),
            ops.decide(
                "snooze",
                "tiny",
                schedule=1,
                scheduled_at=NOW - dt.timedelta(minutes=5),
                until=NOW + dt.timedelta(minutes=10),
                decided_at=NOW - dt.timedelta(minutes=5),
            ),
        ]
    )
    history.close()


def test_the_start_apart_reads_what_the_daemon_would_and_writes_the_start(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history.sqlite3"
    rich_history(path)
    expected = read_stored(History(path), SINCE)
    assert len(expected.decisions) == 2  # the setup took
    assert len(expected.recorded) == 3

    started = Started(path, SINCE)
    stored = started.read()

    assert stored == expected
    assert "first_start" not in History(path).daemon_state()  # read, nothing written yet
    changed = started.write([ops.mark("first_start", NOW), ops.recover(NOW)])
    assert changed is not None
    assert changed[1] == 1  # the session left running
    outcomes = {e.schedule: e.outcome for e in History(path).entries()}
    assert outcomes == {0: "completed", 1: "missed", 2: "interrupted"}
    assert History(path).daemon_state()["first_start"] == NOW


def test_a_history_that_is_not_sqlite_gets_no_answer_and_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"my notes, not a database\n" * 100)
    assert Started(path, SINCE).read() is None
    assert path.read_bytes() == b"my notes, not a database\n" * 100


def test_writes_whose_answer_is_lost_are_said_unknown(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    rich_history(path)
    started = Started(path, SINCE)
    assert started.read() is not None
    started.close()  # the process is gone before the writes reach it
    assert started.write([ops.recover(NOW)]) is None
    assert "interrupted" not in {e.outcome for e in History(path).entries()}


def test_a_reminder_package_in_the_current_folder_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon may have been started from a folder another user can write."""
    path = tmp_path / "history.sqlite3"
    rich_history(path)
    planted = tmp_path / "cwd" / "reminder" / "progress"
    planted.mkdir(parents=True)
    for folder in (planted.parent, planted):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (planted / "starting.py").write_text(
        "import pathlib, sys\npathlib.Path(sys.argv[0]).with_name('ran').touch()\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(planted.parent.parent)
    stored = Started(path, SINCE).read()
    assert stored == read_stored(History(path), SINCE)
    assert not (planted / "ran").exists()
