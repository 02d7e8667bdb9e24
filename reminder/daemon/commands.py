"""The control socket's commands (``reminder status``, ``pause``, ``skip`` …),
run on the daemon's thread. Each returns the reply's fields or raises a
ReminderError whose message the command line prints."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from reminder import __version__
from reminder.daemon.state import State
from reminder.errors import ConfigError, ExitStatus, ReminderError
from reminder.notify import notifier_status

if TYPE_CHECKING:
    from reminder.daemon.coordinator import Daemon
    from reminder.routines.model import Routine

MAX_SECONDS = 366 * 86400


class Commands:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def run(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        daemon = self.daemon
        seconds = args.get("seconds")
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 1 <= seconds <= MAX_SECONDS
        ):
            raise ReminderError("seconds must be a whole number from 1 to a year.")
        if command == "status":
            return self.status()
        if command == "now":
            return self.now(args.get("routine"))
        if command == "pause":
            return self.pause(seconds)
        if command == "resume":
            return self.resume()
        if command == "snooze":
            return self.snooze(seconds or daemon.config.settings.snooze)
        if command == "skip":
            return self.skip()
        if command == "stop":
            return self.stop()
        if command == "reload":
            changed = daemon.reload(requested=True)
            return {"changed": changed, "config_errors": daemon.config_errors}
        raise ReminderError(f"Unknown command {command!r}.")

    def status(self) -> dict[str, Any]:
        daemon = self.daemon
        now = daemon.clock()
        tz = daemon.config.settings.timezone
        upcoming = daemon.agenda.upcoming()
        held = daemon.agenda.held
        asking = daemon.asking
        return {
            "state": daemon.state.value,
            "pid": os.getpid(),
            "version": __version__,
            "config": daemon.config.shown,
            "config_errors": daemon.config_errors,
            "notifier": daemon.notifier.name,
            **notifier_status(daemon.notifier),
            "session": daemon.runner.info(now, tz) if daemon.session is not None else None,
            "asking": {"routine": asking.routine.name, "at": asking.occurrence.at.astimezone(tz)}
            if asking is not None
            else None,
            "next": {
                "at": upcoming.at.astimezone(tz),
                "routine": upcoming.routine,
                "schedule": upcoming.schedule,
            }
            if upcoming is not None
            else None,
            "paused": daemon.paused,
            "paused_until": daemon.paused_until.astimezone(tz) if daemon.paused_until else None,
            "held": {"routine": held.routine, "at": held.at.astimezone(tz)}
            if held is not None
            else None,
            "history": str(daemon.paths.history_db),
            "history_error": daemon.recorder.error,
            "sound": daemon.sound.status(),
        }

    def now(self, name: object) -> dict[str, Any]:
        daemon = self.daemon
        if daemon.state in (State.IN_SESSION, State.SESSION_PAUSED, State.ASKING):
            raise ReminderError("A session is already running; stop it first with `reminder stop`.")
        if name is None:
            upcoming = daemon.agenda.upcoming()
            if upcoming is None:
                raise ReminderError(
                    "No session is scheduled; name a routine: `reminder now ROUTINE`."
                )
            name = upcoming.routine
        if not isinstance(name, str):
            raise ReminderError("The routine must be a name.")
        routine = daemon.config.routines.get(name) or self._routine_by_name(name)
        daemon.log("now", f"Starting {routine.name} now, as asked.", routine=routine.name)
        daemon.start_session(routine, None)
        return {"routine": routine.name, "total_seconds": daemon.runner.planned_seconds()}

    def _routine_by_name(self, name: str) -> Routine:
        from reminder.routines.library import routine_files

        daemon = self.daemon
        files = routine_files(daemon.paths)
        if name not in files:
            available = ", ".join(sorted({*files, *daemon.config.routines}))
            raise ReminderError(f'There is no routine named "{name}". Available: {available}.')
        try:
            return files[name].load()
        except ConfigError as error:
            raise ReminderError(
                f'The routine "{name}" has mistakes:\n' + "\n".join(str(p) for p in error.problems),
                ExitStatus.CONFIG,
            ) from None

    def pause(self, seconds: int | None) -> dict[str, Any]:
        daemon = self.daemon
        now = daemon.clock()
        asking = daemon.question.end() if daemon.asking is not None else None
        if asking is not None:
            daemon.notifier.close(asking.tag)
            daemon.recorder.missed(
                asking.occurrence, now, "paused", daemon.config.settings.timezone
            )
        daemon.paused = True
        daemon.paused_until = now + dt.timedelta(seconds=seconds) if seconds else None
        if daemon.paused_until is not None:
            daemon.at("unpause", daemon.paused_until, daemon.unpause)
        else:
            daemon.cancel("unpause")
        if daemon.state is State.IDLE:
            daemon.enter(State.PAUSED)
        if daemon.session is not None:
            daemon.runner.pause()
        tz = daemon.config.settings.timezone
        until = daemon.paused_until.astimezone(tz) if daemon.paused_until else None
        daemon.log(
            "paused",
            f"Reminders paused until {until:%a %H:%M}."
            if until
            else "Reminders paused until resumed.",
            until=until,
        )
        return {"paused_until": until}

    def resume(self) -> dict[str, Any]:
        daemon = self.daemon
        session = daemon.session
        session_paused = session is not None and session.paused
        if not daemon.paused and not session_paused:
            raise ReminderError("Nothing is paused.")
        daemon.paused, daemon.paused_until = False, None
        daemon.cancel("unpause")
        if daemon.state is State.PAUSED:
            daemon.enter(State.IDLE)
        if session is not None:
            daemon.runner.resume()
        daemon.log("resumed", "Reminders resumed.")
        return {}

    def snooze(self, seconds: int) -> dict[str, Any]:
        daemon = self.daemon
        tz = daemon.config.settings.timezone
        if daemon.asking is not None:
            routine = daemon.asking.routine.name
            daemon.question.answer("snooze", seconds)
            return {
                "routine": routine,
                "until": (daemon.clock() + dt.timedelta(seconds=seconds)).astimezone(tz),
            }
        if daemon.session is not None:
            raise ReminderError(
                "A session is running; pause it with `reminder pause` or end it with `reminder stop`."
            )
        agenda = daemon.agenda
        upcoming = agenda.upcoming()
        if upcoming is None:
            raise ReminderError("No session is scheduled, so there is nothing to snooze.")
        if agenda.is_deferred(upcoming) and agenda.deferred is not None:
            original = agenda.deferred[1]
        else:
            agenda.mark_handled(upcoming, daemon.clock())
            original = upcoming
        until = upcoming.at.astimezone(dt.timezone.utc) + dt.timedelta(seconds=seconds)
        daemon.defer(original, until)
        daemon.schedule_check()
        daemon.log(
            "snoozed",
            f"Snoozed {upcoming.routine} to {until.astimezone(tz):%a %H:%M}.",
            routine=upcoming.routine,
            until=until.astimezone(tz),
        )
        return {"routine": upcoming.routine, "until": until.astimezone(tz)}

    def skip(self) -> dict[str, Any]:
        """Skip the session asking now, or the next one. Skipped ahead, it is
        stored (it outlives a restart) and recorded when its time comes."""
        daemon = self.daemon
        if daemon.asking is not None:
            routine = daemon.asking.routine.name
            daemon.question.answer("skip")
            return {"routine": routine}
        if daemon.session is not None:
            raise ReminderError(
                "A session is running, so nothing was skipped; end it with `reminder stop`."
            )
        agenda = daemon.agenda
        upcoming = agenda.upcoming()
        if upcoming is None:
            raise ReminderError("No session is scheduled, so there is nothing to skip.")
        now = daemon.clock()
        tz = daemon.config.settings.timezone
        session = upcoming
        if agenda.is_deferred(upcoming):
            session = agenda.take_deferred() or upcoming  # as scheduled, before the snooze
            daemon.cancel("deferred")
        if session.at.timestamp() <= now.timestamp():
            daemon.recorder.skipped(session, now, tz)  # its time has come already
        else:
            agenda.skip(session)
            daemon.recorder.decided("skip", session, now)
            daemon.log(
                "skip-decided",
                f"{session.routine} of {session.at.astimezone(tz):%a %H:%M} will be skipped.",
                routine=session.routine,
                at=session.at.astimezone(tz),
            )
        daemon.schedule_check()
        return {"routine": upcoming.routine, "at": upcoming.at.astimezone(tz)}

    def stop(self) -> dict[str, Any]:
        daemon = self.daemon
        if daemon.session is None and daemon.asking is not None:
            routine = daemon.asking.routine.name
            daemon.question.answer("skip")
            return {"skipped": routine}
        if daemon.session is None:
            raise ReminderError("No session is running, so there is nothing to stop.")
        daemon.runner.end("stopped", reason="stopped from the command line")
        return {}
