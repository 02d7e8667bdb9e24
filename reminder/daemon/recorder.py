"""Every history write the daemon makes, and the events that say what was
recorded. A failed write is logged once and shown in ``status``; it never
gets in the way of the reminders."""

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
from reminder.progress.history import History, HistoryError
from reminder.schema.fields import format_seconds

if TYPE_CHECKING:
    from reminder.config.load import Config
    from reminder.daemon.session import Session
    from reminder.paths import Paths
    from reminder.routines.model import Routine

MISSED_REASONS = {
    "late": "the computer was asleep or busy (it woke {late} late)",
    "superseded": "a later session came due first",
    "no-answer": "nobody answered the start notification",
    "paused": "reminders were paused",
    "quiet-hours": "it falls in quiet hours",
    "away": "you were away or the screen was locked",
    "dnd": "notifications were paused (do not disturb)",
}
FINISHED_MEMORY = 5
"""Finished sessions whose done notification may still be answered."""


class Recorder:
    def __init__(self, history: History | None, log: EventLog) -> None:
        self.history = history
        self.log = log
        self.error: str | None = None
        """The last write's failure, until a write succeeds again."""
        self._rows: dict[str, int] = {}
        """Running sessions: tag -> history row."""
        self._finished: dict[str, tuple[str, int | None]] = {}
        """Recently finished sessions whose notification asks for a check-in:
        tag -> (routine, history row)."""

    def write(self, write: Callable[[History], object]) -> object:
        """Write to the history; a failure is logged and kept for status."""
        if self.history is None:
            return None
        try:
            result = write(self.history)
        except HistoryError as error:
            self.history.close()
            if self.error != str(error):
                self.log("history-error", f"{error} Reminders go on.", error=str(error))
            self.error = str(error)
            return None
        # Writes are rare (a few a session): no need to keep SQLite's
        # connection and page cache in memory between them.
        self.history.close()
        if self.error is not None:
            self.log("history-recovered", "The history file can be written again.")
            self.error = None
        return result

    def recover(self, now: dt.datetime) -> None:
        """Sessions left running when reminder last stopped: interrupted."""
        recovered = self.write(lambda h: h.recover(now))
        if isinstance(recovered, int) and recovered:
            self.log(
                "recovered",
                f"{recovered} session{'s' if recovered != 1 else ''} were cut short when reminder "
                "last stopped; recorded as interrupted.",
                sessions=recovered,
            )

    def started(self, session: Session, now: dt.datetime) -> None:
        occurrence = session.occurrence
        row = self.write(
            lambda h: h.started(
                session.routine.name,
                now,
                schedule=occurrence.schedule if occurrence else None,
                scheduled_at=occurrence.at if occurrence else None,
            )
        )
        if isinstance(row, int):
            self._rows[session.id] = row

    def ended(
        self,
        session: Session,
        outcome: str,
        reason: str | None,
        now: dt.datetime,
        *,
        asks_checkin: bool,
    ) -> None:
        row = self._rows.pop(session.id, None)
        if asks_checkin:
            self._finished[session.id] = (session.routine.name, row)
            while len(self._finished) > FINISHED_MEMORY:
                del self._finished[next(iter(self._finished))]
        if row is None:
            return
        phases = session.phases_done()
        done = session.seconds_spent()
        self.write(
            lambda h: h.ended(
                row, now, outcome, reason=reason, phases_done=phases, seconds_done=done
            )
        )

    def checkin(self, tag: str, feeling: str, now: dt.datetime) -> bool:
        """An answer to a done notification's question; False when ``tag`` is
        no session that asked."""
        if tag not in self._finished:
            return False
        routine, row = self._finished.pop(tag)
        self.write(lambda h: h.add_checkin(now, feeling=feeling, routine=routine, session_id=row))
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
        """A scheduled session that did not run: its one row in the history."""
        self.write(
            lambda h: h.not_run(
                occurrence.routine,
                outcome,
                scheduled_at=occurrence.at,
                schedule=occurrence.schedule,
                reason=reason,
                at=at,
            )
        )

    def relief_advice(
        self,
        paths: Paths,
        config: Config,
        now: dt.datetime,
        show: Callable[[str, Message], None],
    ) -> None:
        """The protocol's rule, told once: release that brings no relief after
        several sessions points to another muscle."""
        if self.history is None or config.settings.relief_check == 0:
            return
        from reminder.progress.advice import relief_advice
        from reminder.routines.library import routine_files

        def advise(history: History) -> None:
            known: dict[str, Routine] = {}
            for name, file in routine_files(paths).items():
                with contextlib.suppress(ConfigError):
                    known[name] = file.load()
            known.update(config.routines)
            advice = relief_advice(
                history.entries(), history.checkins(), config, now, routines=known
            )
            if advice is None or history.noticed(advice.key):
                return
            show(
                "relief",
                Message(
                    summary="No relief yet? Try another muscle",
                    body=advice.message,
                    timeout=120.0,
                ),
            )
            self.log(
                "relief-advice",
                advice.message,
                routine=advice.routine,
                see_also=list(advice.see_also),
            )
            history.notice(advice.key, now)

        self.write(advise)

    def close(self) -> None:
        if self.history is not None:
            self.history.close()
