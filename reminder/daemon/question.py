"""The question a session asks before it starts (``start = "ask"``): Start,
Snooze or Skip, waited for until grace runs out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reminder.daemon import messages
from reminder.daemon.state import State
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from reminder.config.calendar import Occurrence
    from reminder.daemon.coordinator import Daemon
    from reminder.progress.programme_store import NextSession
    from reminder.routines.model import Routine

MIN_ASK_WINDOW = 60
"""Seconds: the least time a question waits for its answer."""


@dataclass
class Asking:
    """A session's start notification, waiting for an answer."""

    occurrence: Occurrence
    routine: Routine
    tag: str
    session: NextSession
    """The session it asks about (its group and levels), run as announced."""


class StartQuestion:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.asking: Asking | None = None

    def ask(self, occurrence: Occurrence, routine: Routine, tag: str) -> None:
        daemon = self.daemon
        window = max(daemon.config.settings.misfire_grace, MIN_ASK_WINDOW)
        asking = Asking(occurrence, routine, tag, daemon.programme.next_session(routine))
        self.asking = asking
        daemon.enter(State.ASKING)
        plan = asking.session.plan
        daemon.sound.asking()
        daemon.show(
            asking.tag,
            messages.ask_message(routine, plan, window, own_sound=daemon.sound.own_chime),
        )
        daemon.log(
            "ask",
            f"Asked whether to start {routine.name} now.",
            routine=routine.name,
            at=occurrence.at.astimezone(daemon.config.settings.timezone),
            timeout=window,
        )
        daemon.at("ask", daemon.clock() + dt.timedelta(seconds=window), self._timed_out)

    def end(self, *, started: bool = False) -> Asking | None:
        """The start notification is answered (or given up): close it.
        ``started``: the session starts now (its sound goes on)."""
        daemon = self.daemon
        asking, self.asking = self.asking, None
        if asking is not None and not started:
            daemon.sound.not_started()
        if asking is not None:
            daemon.leave(State.ASKING)
            daemon.timers.cancel("ask")
        return asking

    def _timed_out(self) -> None:
        daemon = self.daemon
        asking = self.end()
        if asking is None:
            return
        daemon.notifier.close(asking.tag)
        daemon.missed(asking.occurrence, "no-answer")
        daemon.session_ended()

    def answer(self, key: str, snooze: int | None = None) -> None:
        daemon = self.daemon
        asking = self.end(started=key == "start")
        assert asking is not None
        routine = asking.routine
        if key == "start":
            daemon.start_session(routine, asking.occurrence, asking)
        elif key == "snooze":
            snooze = snooze or daemon.config.settings.snooze
            daemon.notifier.close(asking.tag)
            until = daemon.clock() + dt.timedelta(seconds=snooze)
            daemon.log(
                "snoozed",
                f"Snoozed {routine.name} for {format_seconds(snooze)}.",
                routine=routine.name,
                until=until.astimezone(daemon.config.settings.timezone),
            )
            daemon.defer(asking.occurrence, until)
            daemon.session_ended()  # a session waiting behind this one may go now
        elif key == "skip":
            daemon.notifier.close(asking.tag)
            daemon.recorder.skipped(
                asking.occurrence, daemon.clock(), daemon.config.settings.timezone
            )
            daemon.session_ended()
