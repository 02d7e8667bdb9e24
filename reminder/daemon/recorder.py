"""Every history write the daemon makes, and the events that say what was
recorded.

Writes are ops (``progress/ops.py``) handed to a writer
(``progress/writer.py``): queued in microseconds, written in order by one
writer, retried and journalled while the file cannot be written, so a
locked or full disk neither delays a step nor loses a record. ``error``
(shown by ``status``) says why writes are waiting, until all are written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from reminder.config.calendar import Occurrence
from reminder.daemon.agenda import utc
from reminder.daemon.events import EventLog
from reminder.errors import ConfigError
from reminder.notify.base import Message
from reminder.progress import ops
from reminder.progress.records import HistoryError, journal_path
from reminder.progress.stored import Stored, add_journal
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from pathlib import Path

    from reminder.config.load import Config
    from reminder.daemon.session import Session
    from reminder.paths import Paths
    from reminder.progress.advice import Advice
    from reminder.progress.history import History
    from reminder.progress.writer import Done, Writer
    from reminder.routines.model import Routine

MISSED_REASONS = {
    "off": "the computer was off or reminder was not running",
    "late": "the computer was asleep or busy (it woke {late} late)",
    "superseded": "a later session came due first",
    "no-answer": "nobody answered the start notification",
    "paused": "reminders were paused",
    "quiet-hours": "it falls in quiet hours",
    "away": "you were away or the screen was locked",
    "dnd": "notifications were paused (do not disturb)",
}
SETTLE = 0.25
"""Seconds the daemon's thread waits, at most, for a session's start to be
written, after its first step is shown. Usually a few ms; the first
session after the start also opens the history (``Recorder.writer``),
which on a busy machine can take longer."""
FINISHED_MEMORY = 5
"""Finished sessions whose done notification may still be answered."""
Post = Callable[[Callable[[], None]], None]
"""Runs a function on the daemon's thread (``Daemon.soon``)."""


class Recorder:
    """``history``: the history file (None: nothing is recorded).
    ``threaded``: the running daemon's way: writes on a thread of their own
    (``ThreadedWriter``), and the start's read and write in a short process
    of its own (``progress/starting.py``); otherwise (hand-cranked tests)
    all of it at once on the caller's thread. Either way SQLite is loaded
    with the first write after the start, not before: the idle daemon
    does without it."""

    def __init__(
        self,
        history: Path | None,
        log: EventLog,
        *,
        threaded: bool = False,
        post: Post | None = None,
    ) -> None:
        self.history = history
        self.log = log
        self._post: Post = post or (lambda function: function())
        self._threaded = threaded
        self._writer: Writer | None = None
        self._keys: dict[str, str] = {}
        """Running sessions: tag -> the key of their history row."""
        self._finished: dict[str, tuple[str, str | None]] = {}
        """Recently finished sessions whose notification asks for a check-in:
        tag -> (routine, key of the history row)."""

    @property
    def writer(self) -> Writer | None:
        """Made with the first write (None when nothing is recorded)."""
        if self._writer is None and self.history is not None:
            from reminder.progress.history import History
            from reminder.progress.writer import (
                BUSY_TIMEOUT,
                InlineWriter,
                ThreadedWriter,
                WriteQueue,
            )

            queue = WriteQueue(
                History(self.history, timeout=BUSY_TIMEOUT),
                on_error=self._failing,
                on_recovered=self._recovered,
                on_journal=self._journalled,
                on_lost=self._lost,
            )
            self._writer = ThreadedWriter(queue) if self._threaded else InlineWriter(queue)
        return self._writer

    @property
    def error(self) -> str | None:
        """Why writes are waiting (kept in memory or the journal), while any are."""
        return self._writer.error if self._writer is not None else None

    def _failing(self, why: str) -> None:
        self.log(
            "history-error",
            f"{why} Reminders go on; the record is kept and written when the file can be.",
            error=why,
        )

    def _journalled(self, count: int) -> None:
        assert self.history is not None
        path = journal_path(self.history)
        self.log(
            "history-journal",
            f"{count} record{'s' if count != 1 else ''} kept in {path} until the history file "
            "can be written.",
            records=count,
            path=str(path),
        )

    def _lost(self, lost: list[ops.Op], journal_error: str) -> None:
        """Stopping with records neither the history nor its journal would
        take (the disk full): they go in the log, where the person can
        still keep them, instead of vanishing unsaid."""
        from reminder.progress.writer import Journal

        assert self.history is not None
        path = journal_path(self.history)
        count = len(lost)
        them = "them" if count != 1 else "it"
        self.log(
            "history-lost",
            f"{count} record{'s' if count != 1 else ''} could not be written: {self.error} "
            f"Nor could reminder keep {them} in {path}: {journal_error}. To keep {them}, once "
            "there is room, add the lines below to that file; reminder writes them into the "
            "history when it next starts.\n" + Journal.lines(lost).rstrip("\n"),
            records=count,
            path=str(path),
            error=self.error,
        )

    def _recovered(self) -> None:
        self.log("history-recovered", "The history file can be written again; nothing was lost.")

    def submit(self, op: ops.Op, now: dt.datetime | None = None, done: Done | None = None) -> None:
        """Queue one write; ``now``: the daemon's clock, kept as when it last ran."""
        writer = self.writer
        if writer is None:
            return
        if now is not None:
            op["seen"] = ops.iso(now)
        writer.submit(op, done)

    def start(self, now: dt.datetime, since: dt.datetime) -> Stored:
        """The daemon starts: what the history says (see ``Stored``), read
        before any write; then its first start is kept (for stats), and
        sessions left running when it last stopped are recorded as
        interrupted."""
        if self.history is None:
            return Stored()
        first = ops.mark("first_start", now)
        first["seen"] = ops.iso(now)
        recover = ops.recover(now)
        stored: Stored | None = None
        if self._threaded:
            from reminder.progress.starting import Started

            started = Started(self.history, since)
            stored = started.read()
            if stored is not None:
                changed = started.write([first, recover])
                if changed is not None:
                    self._said_recovered(changed[1])
                    return stored
                # Written or not: written again below, to no effect the second time.
        if stored is None:
            # Locked, unreadable or a journal to replay first: read here,
            # where a failure is said; the writes are retried and journalled.
            stored = self._read(since)
        self.submit(first)
        self.submit(recover, None, self._said_recovered)
        return stored

    def _read(self, since: dt.datetime) -> Stored:
        assert self.history is not None
        from reminder.progress.history import History
        from reminder.progress.stored import read_stored
        from reminder.progress.writer import BUSY_TIMEOUT, Journal

        reader = History(self.history, timeout=BUSY_TIMEOUT)
        try:
            return read_stored(reader, since)
        except HistoryError as error:
            self.log("history-error", f"{error} Reminders go on.", error=str(error))
            stored = Stored()
            add_journal(stored, Journal(reader.journal_path).read())
            return stored
        finally:
            reader.close()

    def _said_recovered(self, recovered: object) -> None:
        if isinstance(recovered, int) and recovered:
            self.log(
                "recovered",
                f"{recovered} session{'s' if recovered != 1 else ''} were cut short when "
                "reminder last stopped; recorded as interrupted.",
                sessions=recovered,
            )

    def prepare(self) -> None:
        """A session is about to begin: load the writer and let it open the
        history now, while the daemon looks whether the person is there and
        asks them, so that the session's first write (which its first step
        waits for, briefly: ``settle``) is quick. The idle daemon has no
        SQLite loaded; its first session would otherwise pay for that, and
        for the file's opening, between its first two steps."""
        writer = self.writer
        if writer is not None:
            writer.after(_open)

    def settle(self) -> None:
        """Give the writer a moment (``SETTLE`` at most) to make what was
        queued durable: a session's start, so a kill right after its first
        step leaves it recorded as interrupted, not missed. Not at all while
        writes are failing."""
        if self._writer is not None:
            self._writer.settle(SETTLE)

    def started(self, session: Session, now: dt.datetime) -> None:
        occurrence = session.occurrence
        key = ops.new_key()
        self._keys[session.id] = key
        self.submit(
            ops.started(
                key,
                session.routine.name,
                now,
                schedule=occurrence.schedule if occurrence else None,
                scheduled_at=occurrence.at if occurrence else None,
            ),
            now,
        )

    def ended(
        self,
        session: Session,
        outcome: str,
        reason: str | None,
        now: dt.datetime,
        *,
        asks_checkin: bool,
    ) -> str | None:
        """Record the end; returns the session's history key (None: not recorded)."""
        key = self._keys.pop(session.id, None)
        if asks_checkin:
            self._finished[session.id] = (session.routine.name, key)
            while len(self._finished) > FINISHED_MEMORY:
                del self._finished[next(iter(self._finished))]
        if key is None:
            return None
        self.submit(
            ops.ended(
                key,
                now,
                outcome,
                reason=reason,
                phases_done=session.phases_done(),
                seconds_done=session.seconds_spent(),
            ),
            now,
        )
        return key

    def checkin(self, tag: str, feeling: str, now: dt.datetime) -> bool:
        """An answer to a done notification's question; False when ``tag`` is
        no session that asked."""
        if tag not in self._finished:
            return False
        routine, key = self._finished.pop(tag)
        self.submit(ops.checkin(now, feeling=feeling, routine=routine, session_key=key), now)
        self.log(
            "checkin", f"Pain compared with last time: {feeling}.", routine=routine, feeling=feeling
        )
        return True

    def missed(self, occurrence: Occurrence, now: dt.datetime, reason: str, tz: dt.tzinfo) -> None:
        at = occurrence.at.astimezone(tz)
        late = format_seconds(int((utc(now) - utc(occurrence.at)).total_seconds()) // 60 * 60)
        text = MISSED_REASONS.get(reason, reason).format(late=late)
        self.log(
            "missed",
            f"Missed {occurrence.routine} of {at:%a %H:%M}: {text}.",
            routine=occurrence.routine,
            at=at,
            schedule=occurrence.schedule,
            reason=reason,
        )
        self.not_run(occurrence, "missed", reason, now)

    def skipped(self, occurrence: Occurrence, now: dt.datetime, tz: dt.tzinfo) -> None:
        """A skipped session whose time has come: its one row."""
        at = occurrence.at.astimezone(tz)
        self.log(
            "skipped",
            f"Skipped {occurrence.routine} of {at:%a %H:%M}.",
            routine=occurrence.routine,
            at=at,
        )
        self.not_run(occurrence, "skipped", None, now)

    def not_run(
        self, occurrence: Occurrence, outcome: str, reason: str | None, at: dt.datetime
    ) -> None:
        """A scheduled session that did not run: its one row in the history,
        dated now (never ahead of its time)."""
        self.submit(
            ops.not_run(
                occurrence.routine,
                outcome,
                scheduled_at=occurrence.at,
                schedule=occurrence.schedule,
                reason=reason,
                at=max(at, occurrence.at, key=lambda t: t.timestamp()),
            ),
            at,
        )

    def decided(
        self, kind: str, occurrence: Occurrence, now: dt.datetime, until: dt.datetime | None = None
    ) -> None:
        """A skip or snooze decided ahead: stored, so it outlives a restart."""
        self.submit(
            ops.decide(
                kind,
                occurrence.routine,
                schedule=occurrence.schedule,
                scheduled_at=occurrence.at,
                until=until,
                decided_at=now,
            ),
            now,
        )

    def forget(self, occurrence: Occurrence, now: dt.datetime) -> None:
        """A decision that no longer stands."""
        self.submit(ops.forget(schedule=occurrence.schedule, scheduled_at=occurrence.at), now)

    def relief_advice(
        self,
        paths: Paths,
        config: Config,
        now: dt.datetime,
        show: Callable[[str, Message], None],
    ) -> None:
        """The protocol's rule, told once: release that brings no relief after
        several sessions points to another muscle. Worked out by the writer
        once the session's row is written; shown on the daemon's thread."""
        if self.history is None or config.settings.relief_check == 0:
            return
        from reminder.progress.advice import relief_advice
        from reminder.routines.library import routine_files

        def advise(history: History) -> Advice | None:
            known: dict[str, Routine] = {}
            for name, file in routine_files(paths).items():
                with contextlib.suppress(ConfigError):
                    known[name] = file.load()
            known.update(config.routines)
            advice = relief_advice(
                history.entries(), history.checkins(), config, now, routines=known
            )
            if advice is None or history.noticed(advice.key):
                return None
            history.apply(ops.notice(advice.key, now))
            return advice

        from reminder.progress.advice import Advice

        def tell(advice: object) -> None:
            if isinstance(advice, Advice):
                self._post(lambda: self._tell(advice, show))

        writer = self.writer
        assert writer is not None
        writer.after(advise, tell)

    def _tell(self, advice: Advice, show: Callable[[str, Message], None]) -> None:
        show(
            "relief",
            Message(
                summary="No relief yet? Try another muscle", body=advice.message, timeout=120.0
            ),
        )
        self.log(
            "relief-advice", advice.message, routine=advice.routine, see_also=list(advice.see_also)
        )

    def close(self, now: dt.datetime | None = None) -> None:
        """The daemon stops: a clean stop is kept, and every write waiting is
        written or journalled."""
        if now is not None:
            self.submit(ops.mark("clean_stop", now), now)
        if self._writer is not None:
            self._writer.close()


def _open(history: History) -> None:
    history.open()
