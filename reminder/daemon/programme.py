"""A programme session in the daemon: the session a routine runs next (its
group, each exercise at its level), and the questions after it — effort,
then pain — whose answers move the levels, said in the last notification.

The history is read when a session starts and written when an answer comes;
a history that cannot be used never stops a session (it runs the first
group at level 1) and never loses an answer silently (the error is logged
and shown in status)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from reminder.daemon import messages
from reminder.progress.records import HistoryError

if TYPE_CHECKING:
    from collections.abc import Callable

    from reminder.config.load import Config
    from reminder.daemon.events import EventLog
    from reminder.notify.base import Message
    from reminder.paths import Paths
    from reminder.progress.programme_store import NextSession
    from reminder.routines.model import Routine
    from reminder.routines.plan import Plan

EFFORTS = ("easy", "right", "hard")
JUDGE_AFTER = dt.timedelta(seconds=1)
"""After the pain answer: time for its queued write to reach the history
before the rules read it."""


class ProgrammeHost(Protocol):
    """What the programme's questions need of the daemon."""

    paths: Paths
    config: Config
    log: EventLog
    clock: Callable[[], dt.datetime]

    def at(self, key: str, when: dt.datetime, function: Callable[[], object]) -> None: ...
    def cancel(self, key: str) -> None: ...
    def show(self, tag: str, message: Message) -> None: ...


def is_programme(plan: Plan) -> bool:
    return plan.group is not None or any(step.level is not None for step in plan.steps)


class ProgrammeAnswers:
    def __init__(self, daemon: ProgrammeHost) -> None:
        self.daemon = daemon
        self._waiting: dict[str, tuple[Routine, str]] = {}
        """Programme sessions whose questions are open: tag -> (the routine as
        written, the session's history key)."""

    def next_session(self, routine: Routine) -> NextSession:
        # Loaded when the first session starts: the idle daemon keeps no
        # programme code in memory.
        from reminder.progress.programme_store import next_session

        daemon = self.daemon
        found = next_session(daemon.paths.history_db, routine, daemon.clock())
        if found.error is not None:
            daemon.log(
                "history-error",
                f"{found.error} Running the first group at level 1.",
                error=found.error,
            )
        return found

    def ended(self, tag: str, routine: Routine, key: str | None) -> None:
        """A programme session reached its end and its notification asks how hard it was."""
        if key is not None:
            self._waiting[tag] = (routine, key)

    def effort(self, tag: str, effort: str) -> bool:
        """Easy / About right / Too hard pressed; False when ``tag`` asked nothing."""
        daemon = self.daemon
        if tag not in self._waiting:
            return False
        from reminder.progress.programme_store import rate_session, session_id_for_key

        routine, key = self._waiting[tag]
        now = daemon.clock()
        try:
            row = session_id_for_key(daemon.paths.history_db, key)
            if row is not None:
                rate_session(daemon.paths.history_db, row, routine.name, effort, now)
        except HistoryError as error:
            daemon.log("history-error", f"{error} The rating is lost.", error=str(error))
        daemon.log("rated", f"Effort: {effort}.", routine=routine.name, effort=effort)
        daemon.show(tag, messages.pain_message(routine, effort))
        when = now + dt.timedelta(seconds=messages.ANSWER_TIMEOUT)
        daemon.at(f"judge-{tag}", when, lambda: self.judge(tag, None))
        return True

    def answered(self, tag: str, feeling: str) -> bool:
        """The pain answer (already recorded as a check-in) to a programme
        session's question; False when ``tag`` asked no effort first."""
        if tag not in self._waiting:
            return False
        self.daemon.at(
            f"judge-{tag}", self.daemon.clock() + JUDGE_AFTER, lambda: self.judge(tag, feeling)
        )
        return True

    def judge(self, tag: str, feeling: str | None) -> bool:
        """The answers are in (pain, or its question timed out): apply the
        rules, record the changes, say what changes next time."""
        daemon = self.daemon
        waiting = self._waiting.pop(tag, None)
        if waiting is None:
            return False
        daemon.cancel(f"judge-{tag}")
        from reminder.progress.programme_store import judge_after_session, session_id_for_key

        routine, key = waiting
        now = daemon.clock()
        try:
            row = session_id_for_key(daemon.paths.history_db, key)
            if row is None:
                return True
            judged = judge_after_session(daemon.paths.history_db, routine, row, now)
        except HistoryError as error:
            daemon.log("history-error", f"{error} Levels stay as they were.", error=str(error))
            return True
        for change in judged.changes:
            daemon.log(
                "level-change",
                f"{change.exercise.name}: level {change.level} ({change.reason}).",
                routine=routine.name,
                exercise=change.exercise.name,
                level=change.level,
                reason=change.reason,
            )
        daemon.show(
            tag, messages.next_time_message(feeling, judged.next_time, held_by=judged.held_by)
        )
        return True
