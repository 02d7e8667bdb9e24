"""History writes that never block the daemon and are never lost.

The daemon hands each write (an op, ``progress/ops.py``) to ``submit``,
which only appends it to a queue: microseconds, whatever the database is
doing. One writer applies them in order:

- a write that fails (the file locked by a backup tool or another
  ``reminder``, the disk full) is kept, and retried with a growing pause;
  ``error`` says why until everything waiting has been written;
- if the database stays unavailable for ``JOURNAL_AFTER`` seconds, the
  waiting writes are appended to a journal file beside it
  (``History.journal_path``), so a restart or a crash loses nothing; the
  journal is replayed, all of it in one transaction and before any newer
  write, as soon as the database can be written again; a daemon that
  starts replays a journal left by the last one;
- if the journal cannot be written either (the disk is full), the writes
  stay in memory and are tried again; should the daemon stop meanwhile,
  they are handed to ``on_lost`` (the daemon puts them in its log, as the
  journal's lines, for the person to keep), never dropped unsaid.

``WriteQueue`` is the logic, driven by ``attempt(now)`` with a monotonic
time passed in (tests crank it by hand); ``ThreadedWriter`` runs it on a
thread of its own, waking only while something waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from reminder.files import CLOEXEC
from reminder.progress import ops
from reminder.progress.records import HistoryError

if TYPE_CHECKING:
    from reminder.progress.history import History

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process writes at a time anyway
    fcntl = None  # type: ignore[assignment]

RETRY_FIRST: Final = 0.25
"""Seconds before the first retry; each later one waits twice as long..."""
RETRY_MOST: Final = 5.0
"""...up to this."""
JOURNAL_AFTER: Final = 2.0
"""Seconds of failing writes before the waiting ones go to the journal."""
BUSY_TIMEOUT: Final = 1.0
"""Seconds one attempt waits for a lock held by another connection."""
KEEP_OPEN: Final = 5.0
"""Seconds the writer keeps its connection after the last write: opening
one (and the checkpoint a close makes) costs milliseconds, a write on an
open one a tenth of one."""
BATCH: Final = 500
"""Ops written in one transaction at most."""

Task = Callable[["History"], object]
"""Work to do with the history after the writes before it (not journalled:
dropped if the history cannot be written)."""
Done = Callable[[object], None]
"""Told what an op or task returned, on the writer's thread."""


@dataclass
class _Item:
    op: ops.Op | None
    task: Task | None
    done: Done | None


class Writer(Protocol):
    """What the recorder needs of a writer."""

    @property
    def error(self) -> str | None: ...
    def submit(self, op: ops.Op, done: Done | None = None) -> None: ...
    def after(self, task: Task, done: Done | None = None) -> None: ...
    def settle(self, timeout: float) -> bool: ...
    def close(self, timeout: float = ...) -> None: ...


class Journal:
    """The append-only file of writes waiting for the database: one JSON op
    a line, fsynced before it counts as kept."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Held while appending or replaying: the daemon and a command (a
        terminal session) may both use the journal; neither may remove ops
        the other is adding."""
        lock = self.path.with_name(self.path.name + ".lock")
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def has_ops(self) -> bool:
        try:
            status = self.path.stat()
        except OSError:
            return False
        return stat.S_ISREG(status.st_mode) and status.st_size > 0

    @staticmethod
    def lines(waiting: list[ops.Op]) -> str:
        """The ops as the journal keeps them: one JSON object a line."""
        return "".join(json.dumps(op, separators=(",", ":")) + "\n" for op in waiting)

    def append(self, waiting: list[ops.Op]) -> None:
        """Raises OSError (e.g. ENOSPC) when they could not all be kept."""
        data = self.lines(waiting)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        with self.locked():
            size = self.path.stat().st_size if self.path.exists() else 0
            descriptor = os.open(self.path, flags, 0o600)
            try:
                try:
                    os.write(descriptor, data.encode("utf-8"))
                    os.fsync(descriptor)
                except OSError:
                    # Half a batch would replay as a torn line: take it back.
                    with contextlib.suppress(OSError):
                        os.ftruncate(descriptor, size)
                    raise
            finally:
                os.close(descriptor)

    def read(self) -> list[ops.Op]:
        """The ops kept, in order; a torn last line (a crash mid-append) is
        left out. Anything but a regular file (a named pipe would block the
        read for ever) holds none."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | CLOEXEC
        try:
            descriptor = os.open(self.path, flags)
        except FileNotFoundError:
            return []
        with os.fdopen(descriptor, encoding="utf-8") as file:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return []
            text = file.read()
        kept = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                op = json.loads(line)
                if isinstance(op, dict) and op.get("op") in ops.APPLY:
                    kept.append(op)
        return kept

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class WriteQueue:
    """Writes in order, retried, journalled; see the module's docstring."""

    def __init__(
        self,
        history: History,
        *,
        on_error: Callable[[str], None] | None = None,
        on_recovered: Callable[[], None] | None = None,
        on_journal: Callable[[int], None] | None = None,
        on_lost: Callable[[list[ops.Op], str], None] | None = None,
    ) -> None:
        self.history = history
        self.journal = Journal(history.journal_path)
        self.intake: deque[_Item] = deque()
        """Filled by ``submit`` from any thread; emptied by ``attempt`` alone."""
        self._waiting: deque[_Item] = deque()
        self._failing_since: float | None = None
        self._delay = RETRY_FIRST
        self.error: str | None = None
        """Why writes are waiting, while any are (kept in memory or in the journal)."""
        self.journalled = 0
        """Ops that went to the journal, in all."""
        self._journalled_now = 0
        """Ops that went to the journal since the file was last written."""
        self.settled = 0
        """Items taken from the intake and done with: written, journalled or run."""
        self._on_error = on_error
        self._on_recovered = on_recovered
        self._on_journal = on_journal
        self._on_lost = on_lost
        self._journal_error = ""
        """Why the journal last refused ops (the system's words)."""

    def submit(self, op: ops.Op, done: Done | None = None) -> None:
        self.intake.append(_Item(op, None, done))

    def after(self, task: Task, done: Done | None = None) -> None:
        self.intake.append(_Item(None, task, done))

    @property
    def idle(self) -> bool:
        """Nothing waits anywhere."""
        return not self.intake and not self._waiting and not self.journal.has_ops()

    def attempt(self, now: float, *, final: bool = False) -> float | None:
        """Write what waits, in order. Returns the seconds until the next
        try when something is left, else None. ``final``: the daemon is
        stopping, so what cannot be written goes to the journal now."""
        while self.intake:
            self._waiting.append(self.intake.popleft())
        try:
            if self.journal.has_ops():
                self._replay()
            while self._waiting:
                self._write_next()
        except HistoryError as error:
            self.history.close()
            return self._failed(str(error), now, final=final)
        self._failing_since, self._delay = None, RETRY_FIRST
        self._journalled_now = 0
        if self.error is not None:
            self.error = None
            if self._on_recovered is not None:
                self._on_recovered()
        return None

    def _write_next(self) -> None:
        """The ops at the front, in one transaction; or the task there."""
        first = self._waiting[0]
        if first.task is not None:
            result = first.task(self.history)
            self._waiting.popleft()
            self.settled += 1
            if first.done is not None:
                first.done(result)
            return
        batch: list[_Item] = []
        for item in self._waiting:
            if item.op is None or len(batch) >= BATCH:
                break
            batch.append(item)
        results = self.history.apply_all([item.op for item in batch if item.op is not None])
        for item, result in zip(batch, results, strict=True):
            self._waiting.popleft()
            self.settled += 1
            if item.done is not None:
                item.done(result)

    def _replay(self) -> None:
        try:
            with self.journal.locked():
                self.history.apply_all(self.journal.read())
                # Written to the database now; were the removal to fail,
                # replaying it again would add nothing.
                self.journal.clear()
        except OSError as error:
            raise HistoryError(f"Cannot replay {self.journal.path}: {error.strerror}.") from None

    def _failed(self, why: str, now: float, *, final: bool) -> float:
        if self.error != why:
            self.error = why
            if self._on_error is not None:
                self._on_error(why)
        if self._failing_since is None:
            self._failing_since = now
        if final or now - self._failing_since >= JOURNAL_AFTER:
            self._to_journal()
        if final and self._waiting and self._on_lost is not None:
            # Stopping, and neither the file nor the journal takes them.
            lost = [item.op for item in self._waiting if item.op is not None]
            self.settled += len(self._waiting)
            self._waiting.clear()
            self._on_lost(lost, self._journal_error)
        delay, self._delay = self._delay, min(self._delay * 2, RETRY_MOST)
        return delay

    def _to_journal(self) -> None:
        waiting = [item.op for item in self._waiting if item.op is not None]
        if not waiting:
            self.settled += len(self._waiting)
            self._waiting.clear()  # tasks only: they cannot be kept
            return
        try:
            self.journal.append(waiting)
        except OSError as error:
            self._journal_error = error.strerror or str(error)
            return  # the disk is full too: they stay here and are tried again
        first = not self._journalled_now
        self.journalled += len(waiting)
        self._journalled_now += len(waiting)
        self.settled += len(self._waiting)
        self._waiting.clear()
        if first and self._on_journal is not None:
            self._on_journal(len(waiting))  # said once while the file stays unavailable

    @property
    def waiting(self) -> int:
        """Ops kept in memory, not yet written or journalled."""
        return len(self.intake) + sum(1 for item in self._waiting if item.op is not None)


class InlineWriter:
    """Writes at once, on the caller's thread: for tests on a hand-cranked
    clock and for one-off commands. Failed writes wait for the next submit."""

    def __init__(self, queue: WriteQueue, clock: Callable[[], float] = time.monotonic) -> None:
        self.queue = queue
        self._clock = clock

    @property
    def error(self) -> str | None:
        return self.queue.error

    def submit(self, op: ops.Op, done: Done | None = None) -> None:
        self.queue.submit(op, done)
        self._attempt()

    def after(self, task: Task, done: Done | None = None) -> None:
        self.queue.after(task, done)
        self._attempt()

    def _attempt(self) -> None:
        self.queue.attempt(self._clock())
        self.queue.history.close()  # no connection or page cache kept between writes

    def settle(self, timeout: float) -> bool:
        """Written already, or waiting after a failure."""
        return self.queue.error is None

    def close(self, timeout: float = 0.0) -> None:
        self.queue.attempt(self._clock(), final=True)


class ThreadedWriter:
    """``WriteQueue`` on a thread of its own. ``submit`` only appends to a
    queue and sets an event: it never waits for a lock or the disk."""

    def __init__(self, queue: WriteQueue) -> None:
        self.queue = queue
        self._wake = threading.Event()
        self._written = threading.Condition()
        self._submitted = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    @property
    def error(self) -> str | None:
        return self.queue.error

    def submit(self, op: ops.Op, done: Done | None = None) -> None:
        self._submitted += 1
        self.queue.submit(op, done)
        self._wake.set()

    def after(self, task: Task, done: Done | None = None) -> None:
        self._submitted += 1
        self.queue.after(task, done)
        self._wake.set()

    def settle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for what was submitted so far to be
        written; at once False while writes are failing (they are kept)."""
        submitted = self._submitted
        with self._written:
            return self._written.wait_for(
                lambda: self.queue.settled >= submitted or self.queue.error is not None, timeout
            ) and (self.queue.error is None)

    def _run(self) -> None:
        retry_at: float | None = time.monotonic()  # a journal left behind is replayed at once
        open_until: float | None = None
        while True:
            if self._stopping:
                self.queue.attempt(time.monotonic(), final=True)
                self.queue.history.close()
                return
            now = time.monotonic()
            if retry_at is not None and now < retry_at:
                # Failing: the pause is waited out, whatever is submitted meanwhile.
                self._wake.wait(retry_at - now)
                self._wake.clear()
                continue
            if retry_at is None:
                timeout = None if open_until is None else max(0.0, open_until - now)
                if not self._wake.wait(timeout):
                    # Writes have stopped coming: no connection or page cache
                    # kept while the daemon idles; wait for the next one.
                    self.queue.history.close()
                    _give_back_memory()
                    open_until = None
                    continue
                self._wake.clear()
                if self._stopping:
                    continue
            delay = self.queue.attempt(time.monotonic())
            retry_at = None if delay is None else time.monotonic() + delay
            open_until = None if delay is not None else time.monotonic() + KEEP_OPEN
            with self._written:
                self._written.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for everything to be written."""
        with self._written:
            return self._written.wait_for(lambda: self.queue.idle, timeout)

    def close(self, timeout: float = 3.0) -> None:
        """Write what waits (up to ``timeout``), journal the rest, stop."""
        self.flush(timeout)
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout + BUSY_TIMEOUT + 1)


def _give_back_memory() -> None:
    """Hand the memory SQLite's page cache used back to the system (glibc
    keeps freed heap otherwise): the idle daemon stays small. Linux only."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import gc

    gc.collect()  # what the start left behind, freed before the heap is trimmed
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        ctypes.CDLL(None).malloc_trim(0)  # the process's own libc
