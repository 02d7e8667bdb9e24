"""A due session held back while the person is away (idle, screen locked)
or in do-not-disturb: it starts when they are back, at most until grace runs
out, then it is missed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from reminder.daemon.agenda import utc
from reminder.daemon.state import State

if TYPE_CHECKING:
    from reminder.config.calendar import Occurrence
    from reminder.daemon.coordinator import Daemon
    from reminder.daemon.presence import Presence


class AwayHold:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def hold(self, occurrence: Occurrence, presence: Presence) -> None:
        """Wait for the user to come back, at most until grace runs out."""
        daemon = self.daemon
        superseded = daemon.agenda.hold(occurrence)
        if superseded is not None:
            daemon.missed(superseded, "superseded")
        daemon.enter(State.HELD)
        reason = "dnd" if not presence.away else "away"
        text = {
            "locked": "the screen is locked",
            "idle": "you seem to be away",
            "dnd": "notifications are paused (do not disturb)",
        }.get(presence.why or reason, "you seem to be away")
        daemon.log(
            "held",
            f"{occurrence.routine} waits: {text}. It starts when you are back.",
            routine=occurrence.routine,
            why=presence.why or reason,
        )
        deadline = utc(occurrence.at) + dt.timedelta(seconds=daemon.config.settings.misfire_grace)
        daemon.at("held", max(deadline, daemon.clock()), lambda: self._expired(reason))

    def _expired(self, reason: str) -> None:
        daemon = self.daemon
        held = daemon.agenda.take_held()
        if held is not None:
            daemon.leave(State.HELD)
            daemon.missed(held, reason)

    def changed(self, presence: Presence) -> None:
        """The user came back (or went): a held session may start now."""
        daemon = self.daemon
        if daemon.agenda.held is None or presence.away or presence.dnd:
            return
        held = daemon.agenda.take_held()
        assert held is not None
        daemon.leave(State.HELD)
        daemon.timers.cancel("held")
        if not daemon.agenda.still_due(held, daemon.clock()):
            daemon.missed(held, "away")
        else:
            daemon.log("back", "Welcome back.", routine=held.routine)
            daemon.begin(held)
