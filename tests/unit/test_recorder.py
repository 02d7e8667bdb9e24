"""History writes that never block and are never lost: the write queue on a
hand-cranked clock (seconds passed to ``attempt``), on a real SQLite file
locked by a real second connection, and a journal on a real disk."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reminder.progress import ops
from reminder.progress.history import History
from reminder.progress.writer import JOURNAL_AFTER, RETRY_MOST, Journal, WriteQueue

T0 = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.timezone.utc)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another program holds the history file's write lock (a backup tool,
    another reminder command)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def session_ops(key: str, at: dt.datetime) -> list[ops.Op]:
    return [
        ops.started(key, "tiny", at, schedule=0, scheduled_at=at),
        ops.ended(
            key,
            at + dt.timedelta(minutes=6),
            "completed",
            reason=None,
            phases_done=["release", "stretch", "strengthen"],
            seconds_done=360,
        ),
    ]


class Recorded:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.recovered = 0
        self.journalled: list[int] = []
        self.lost: list[tuple[list[ops.Op], str]] = []


def make_queue(path: Path) -> tuple[WriteQueue, Recorded]:
    seen = Recorded()
    History(path).close()
    History(path).entries()  # the file exists, schema made
    queue = WriteQueue(
        History(path, timeout=0.01),
        on_error=seen.errors.append,
        on_recovered=lambda: setattr(seen, "recovered", seen.recovered + 1),
        on_journal=seen.journalled.append,
        on_lost=lambda lost, why: seen.lost.append((lost, why)),
    )
    return queue, seen


def outcomes(path: Path) -> list[tuple[str, str]]:
    return [(e.routine, e.outcome) for e in History(path).entries()]


def test_a_locked_history_keeps_the_writes_says_why_and_writes_them_in_order_later(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    queue, seen = make_queue(path)
    with locked(path):
        for op in session_ops("a", T0):
            queue.submit(op)
        retry = queue.attempt(0.0)
        assert retry is not None
        assert queue.error is not None
        assert "locked" in queue.error
        assert queue.waiting == 2
        assert queue.attempt(retry) is not None  # still locked: tried again, still kept
        assert len(seen.errors) == 1  # said once
    assert queue.attempt(1.0) is None
    assert queue.error is None
    assert seen.recovered == 1
    assert outcomes(path) == [("tiny", "completed")]  # never left "running"


def test_retries_wait_longer_each_time_up_to_a_limit(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    queue, _ = make_queue(path)
    # The journal cannot be written either (a folder in its place), so the
    # writes stay in memory and every attempt fails.
    Journal(History(path).journal_path).path.mkdir()
    with locked(path):
        queue.submit(session_ops("a", T0)[0])
        now, delays = 0.0, []
        for _ in range(8):
            delay = queue.attempt(now)
            assert delay is not None
            delays.append(delay)
            now += delay
    assert delays[:3] == [0.25, 0.5, 1.0]
    assert max(delays) == RETRY_MOST
    assert queue.waiting == 1


def test_writes_go_to_the_journal_when_the_history_stays_unavailable_and_replay_in_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    queue, seen = make_queue(path)
    with locked(path):
        first = ops.not_run("tiny", "missed", scheduled_at=T0, schedule=0, reason="late", at=T0)
        queue.submit(first)
        queue.attempt(0.0)
        assert seen.journalled == []  # not yet: kept in memory a while
        queue.attempt(JOURNAL_AFTER)
        assert seen.journalled == [1]
        assert queue.waiting == 0
        for op in session_ops("b", T0 + dt.timedelta(hours=6)):
            queue.submit(op)
        queue.attempt(JOURNAL_AFTER + 1)  # newer writes wait behind the journal
        assert queue.error is not None
    assert queue.attempt(JOURNAL_AFTER + 2) is None
    assert outcomes(path) == [("tiny", "missed"), ("tiny", "completed")]
    assert not Journal(History(path).journal_path).has_ops()
    assert queue.error is None


def test_a_journal_left_by_a_daemon_that_stopped_is_replayed_before_anything_new(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    journal = Journal(History(path).journal_path)
    journal.append(session_ops("a", T0))
    with journal.path.open("a", encoding="utf-8") as file:
        file.write('{"op": "ended", "key"')  # torn by a crash mid-append
    queue, _ = make_queue(path)
    queue.submit(ops.recover(T0 + dt.timedelta(days=1)))
    assert queue.attempt(0.0) is None
    # The journalled end came first, so the session is not "interrupted".
    assert outcomes(path) == [("tiny", "completed")]


def test_stopping_journals_what_could_not_be_written_at_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    queue, seen = make_queue(path)
    with locked(path):
        for op in session_ops("a", T0):
            queue.submit(op)
        queue.attempt(0.0, final=True)
    assert seen.journalled == [2]
    assert [op["op"] for op in Journal(History(path).journal_path).read()] == ["started", "ended"]


@contextmanager
def nowhere_to_write(path: Path) -> Iterator[tuple[WriteQueue, Recorded, Journal]]:
    """A session's writes tried for longer than ``JOURNAL_AFTER`` while
    neither the history (locked) nor its journal (a folder in its place, as
    a full disk refuses it) takes them; the lock held until the block ends."""
    queue, seen = make_queue(path)
    journal = Journal(History(path).journal_path)
    journal.path.mkdir()
    with locked(path):
        for op in session_ops("a", T0):
            queue.submit(op)
        queue.attempt(0.0)
        queue.attempt(JOURNAL_AFTER + 1)
        yield queue, seen, journal


def test_a_full_disk_keeps_the_writes_in_memory_until_there_is_room(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with nowhere_to_write(path) as (queue, seen, journal):
        assert seen.journalled == []
        assert queue.waiting == 2
        assert queue.error is not None
    journal.path.rmdir()
    assert queue.attempt(JOURNAL_AFTER + 2) is None
    assert outcomes(path) == [("tiny", "completed")]


def test_stopping_with_neither_the_history_nor_the_journal_hands_the_writes_over(
    tmp_path: Path,
) -> None:
    with nowhere_to_write(tmp_path / "history.sqlite3") as (queue, seen, journal):
        assert seen.lost == []  # while running they wait in memory
        queue.attempt(JOURNAL_AFTER + 2, final=True)
    ((lost, why),) = seen.lost
    assert [op["op"] for op in lost] == ["started", "ended"]
    assert why == os.strerror(errno.EISDIR)
    assert queue.waiting == 0
    # The lines as handed over are what the journal reads back.
    journal.path.rmdir()
    journal.path.write_text(Journal.lines(lost), encoding="utf-8")
    assert journal.read() == lost
