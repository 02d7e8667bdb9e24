"""What the daemon does as it starts: says so (and, the first time, that it
is not medical advice), and takes up what the last run left: stored skips
and snoozes, and the sessions due while reminder was not running."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

from reminder.config.calendar import Occurrence

if TYPE_CHECKING:
    from reminder.daemon.coordinator import Daemon

CATCH_UP = dt.timedelta(days=7)
"""How far back a start looks for sessions missed while reminder was off."""


def announce(daemon: Daemon) -> None:
    config, settings = daemon.config, daemon.config.settings
    daemon.log(
        "daemon-start",
        f"reminder started (pid {os.getpid()}); config: {config.shown}; "
        f"notifications: {daemon.notifier.name}",
        pid=os.getpid(),
        config=config.shown,
        notifier=daemon.notifier.name,
        timezone=str(settings.timezone),
    )
    if config.is_default:
        daemon.log(
            "default-config",
            f"No config file at {daemon.paths.config_file}: running the built-in default "
            "(gluteus-medius on weekdays at 10:30 and 16:00). Run `reminder init` to make your own.",
            path=str(daemon.paths.config_file),
        )
    _welcome(daemon)


def _welcome(daemon: Daemon) -> None:
    marker = daemon.paths.state_dir / "welcomed"
    if marker.exists():
        return
    from reminder.daemon import messages

    daemon.log("welcome", messages.DISCLAIMER)
    daemon.show("welcome", messages.welcome_message(daemon.config.is_default))
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch(mode=0o600)  # private, as everything in the state folder
    except OSError as error:
        daemon.log("state-error", f"Could not write {marker}: {error.strerror}", path=str(marker))


def catch_up_from(last_ran: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """From when to look for sessions missed while reminder was not running:
    since it last ran, at most ``CATCH_UP`` back; on a first-ever start,
    nothing before it."""
    if last_ran is None:
        return now
    since = max(last_ran.timestamp(), (now - CATCH_UP).timestamp())
    return dt.datetime.fromtimestamp(min(since, now.timestamp()), dt.timezone.utc)


def take_up(daemon: Daemon, now: dt.datetime) -> None:
    """Stored skips and snoozes come back, and the agenda looks at arrivals
    from when reminder last ran (``Daemon.check(off=True)`` then records
    them). A session snoozed to a time that passed while reminder was off
    runs if that was within grace, else it is missed."""
    stored = daemon.recorder.start(now, now - CATCH_UP)
    agenda = daemon.agenda
    for superseded in agenda.restore(stored.decisions, stored.recorded, now):
        daemon.missed(superseded, "superseded")
    if agenda.deferred is not None:
        until, occurrence = agenda.deferred
        if not agenda.still_due(Occurrence(until, occurrence.schedule, occurrence.routine), now):
            agenda.take_deferred()
            daemon.missed(occurrence, "off")
        else:
            daemon.at("deferred", until, daemon.deferred_due)
    # A first start looks from when the daemon was made (the agenda's first
    # look), not from now: a session due while it was starting still comes.
    made = agenda.last_check
    agenda.last_check = min(catch_up_from(stored.last_ran, now), made, key=lambda t: t.timestamp())
