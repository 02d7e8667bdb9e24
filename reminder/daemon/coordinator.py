"""The daemon's coordinator: turns what happens (a timer, a button, an edit,
a clock change, a command) into decisions of its parts and one state.

Everything that changes the daemon's state runs on the timer worker thread
(see ``timers.Timers``), one callback at a time: timers, notification
actions, config edits, clock changes and signals are all turned into
callbacks there.

Parts, one job each:

- ``agenda.Agenda``: which session is due, handled, missed, snoozed,
  postponed or held (pure);
- ``runner.SessionRunner``: the running session's steps;
- ``recorder.Recorder``: every history write;
- ``commands.Commands``: the control socket's commands and ``status``.

What only a session needs (the runner, the start question, the programme's
answers, the notification texts) is made, and its code imported, when the
first session or a command about one needs it: an idle daemon does not
carry it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from reminder.config.load import Config
from reminder.daemon import failsafe, reloading, startup, upgrade
from reminder.daemon.agenda import Agenda, utc
from reminder.daemon.away import AwayHold
from reminder.daemon.commands import Commands
from reminder.daemon.events import EventLog
from reminder.daemon.recorder import Recorder
from reminder.daemon.session_sound import SessionSound
from reminder.daemon.state import State
from reminder.paths import Paths
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from pathlib import Path

    from reminder.config.calendar import Occurrence
    from reminder.daemon.presence import Presence
    from reminder.daemon.programme import ProgrammeAnswers
    from reminder.daemon.question import Asking, StartQuestion
    from reminder.daemon.runner import SessionRunner
    from reminder.daemon.session import Session
    from reminder.daemon.session_sound import SoundFactory
    from reminder.daemon.upgrade import UpgradeWatch
    from reminder.notify.base import Message, Notifier
    from reminder.routines.model import Routine

_UTC = dt.timezone.utc
CLOCK_SET_MIN = 1.0
"""Seconds: a smaller change of wall clock minus boot time is no clock set."""
RELOAD_SETTLE = dt.timedelta(milliseconds=150)


class PresenceSource(Protocol):
    """What the daemon needs of ``presence.PresenceWatcher`` (tests pass their own)."""

    def refresh(self) -> Presence: ...


class TimerWheel(Protocol):
    """What the daemon needs of ``timers.Timers`` (tests drive their own)."""

    def call_at(self, key: str, when: dt.datetime, function: Callable[[], None]) -> None: ...
    def call_soon(self, function: Callable[[], None]) -> None: ...
    def cancel(self, key: str) -> None: ...
    def next_wakeup(self) -> dt.datetime | None: ...
    def wakeup(self) -> None: ...
    def stop(self) -> None: ...


def _utc_now() -> dt.datetime:
    return dt.datetime.now(_UTC)


class Daemon:
    def __init__(
        self,
        *,
        paths: Paths,
        config: Config,
        notifier: Notifier,
        timers: TimerWheel,
        log: EventLog,
        clock: Callable[[], dt.datetime] = _utc_now,
        notifier_factory: Callable[[str], Notifier] | None = None,
        history: Path | None = None,
        presence: PresenceSource | None = None,
        on_rearm: Callable[[dt.datetime | None], None] | None = None,
        on_config_files: Callable[[Config], None] | None = None,
        clock_offset: Callable[[], float] | None = None,
        threaded_writes: bool = False,
        internal_errors: Callable[..., None] | None = None,
        sound_factory: SoundFactory | None = None,
        upgrade: UpgradeWatch | None = None,
    ) -> None:
        self.paths = paths
        self.config = config
        self.notifier = notifier
        self.timers = timers
        self.log = log
        # Every instant the daemon adds to or subtracts from is in UTC: in a
        # zone, datetimes add by wall clock and a DST change would move a
        # snooze or a step by an hour.
        self.clock: Callable[[], dt.datetime] = lambda: clock().astimezone(_UTC)
        self.notifier_factory = notifier_factory
        self._on_rearm = on_rearm
        self.on_config_files = on_config_files
        self.presence = presence
        self.internal_errors = internal_errors or failsafe.InternalErrors(log)
        self.state = State.IDLE
        self.sound = SessionSound(
            config.settings.sound,
            report=lambda message: self.soon(lambda: self.log("sound-error", message)),
            **({"factory": sound_factory} if sound_factory is not None else {}),
        )
        self.agenda = Agenda(config, clock())
        self.recorder = Recorder(history, log, threaded=threaded_writes, post=self.soon)
        self.away = AwayHold(self)
        # Made at start, not on first use: `reminder status` must answer even
        # when the daemon is out of file descriptors (an import opens a file).
        self.commands = Commands(self)
        self.config_errors: list[str] = []
        self.paused = False
        """Reminders paused (``reminder pause``): no session starts."""
        self.paused_until: dt.datetime | None = None
        self._clock_offset = clock_offset
        """Wall clock minus time since boot (watchers.wall_minus_boot): it
        changes only when someone sets the clock, not with time or sleep."""
        self._offset = clock_offset() if clock_offset is not None else 0.0
        self._ids = itertools.count(1)
        self.stopped = threading.Event()
        self.upgrade = upgrade
        """Whether reminder was updated on disk (``upgrade.py``)."""
        self.restart_wanted = False
        """Stopped to run the updated reminder: the process executes itself again."""

    # -- parts made when first needed ------------------------------------------

    @cached_property
    def runner(self) -> SessionRunner:
        from reminder.daemon.runner import SessionRunner

        return SessionRunner(self)

    @cached_property
    def question(self) -> StartQuestion:
        from reminder.daemon.question import StartQuestion

        return StartQuestion(self)

    @cached_property
    def programme(self) -> ProgrammeAnswers:
        from reminder.daemon.programme import ProgrammeAnswers

        return ProgrammeAnswers(self)

    def _made(self, part: str) -> bool:
        """Whether a part made on first need exists yet (if not, it has
        nothing to say: no session ran, no question was asked)."""
        return part in self.__dict__

    # -- plumbing ------------------------------------------------------------

    def enter(self, state: State) -> None:
        self.state = state
        if state is State.IDLE and self.upgrade is not None and self.upgrade.wanted:
            self.soon(lambda: upgrade.restart_if_idle(self))

    def leave(self, *states: State) -> None:
        """The session, question or hold that made one of ``states`` is over."""
        if self.state in states:
            self.enter(State.PAUSED if self.paused else State.IDLE)

    def _callback(self, function: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            # Before anything reads the clock: a timer made overdue by a clock
            # set forward must see the session already moved with the clock.
            self._notice_clock_set()
            try:
                function()
            except Exception as error:  # noqa: BLE001 - a bug must not leave a session hanging
                session = self.session
                self.internal_errors(error, ended=session.id if session is not None else None)
                if session is not None:
                    self.runner.failed()
            self._rearm()

        return run

    def at(self, key: str, when: dt.datetime, function: Callable[[], object]) -> None:
        self.timers.call_at(key, when, self._callback(function))

    def cancel(self, key: str) -> None:
        self.timers.cancel(key)

    def soon(self, function: Callable[[], object]) -> None:
        """Run ``function`` on the daemon's thread: the way in from other threads."""
        self.timers.call_soon(self._callback(function))

    def _rearm(self) -> None:
        if self.stopped.is_set():
            return
        if self._on_rearm is not None:
            self._on_rearm(self.timers.next_wakeup())
        # Armed first, then looked: a clock set after arming cancels the timer
        # (the clock watcher hears of it); one since we last looked would
        # otherwise go unnoticed, the timer armed on the new clock.
        offset = self._clock_offset
        if offset is not None and abs(offset() - self._offset) >= CLOCK_SET_MIN:
            self.soon(self.clock_event)

    def show(self, tag: str, message: Message) -> None:
        self.notifier.show(tag, message)

    @property
    def session(self) -> Session | None:
        """The running session, or None."""
        return self.runner.session if self._made("runner") else None

    @property
    def asking(self) -> Asking | None:
        """The start question waiting for an answer, or None."""
        return self.question.asking if self._made("question") else None

    @property
    def history_error(self) -> str | None:
        return self.recorder.error

    def missed(self, occurrence: Occurrence, reason: str) -> None:
        self.recorder.missed(occurrence, self.clock(), reason, self.config.settings.timezone)

    # -- start and schedule -----------------------------------------------------

    def start(self) -> None:
        startup.announce(self)
        startup.take_up(self, self.clock())
        # Sessions due while reminder was not running: recorded missed, but
        # the latest one still within grace runs now.
        self.check(off=True)
        self.schedule_check(announce=True)
        self._rearm()

    def schedule_check(self, *, announce: bool = False) -> None:
        upcoming = self.agenda.next_scheduled()
        when = self.agenda.next_check()
        if when is None:
            self.timers.cancel("check")
        else:
            self.at("check", when, self.check)
        if upcoming is None:
            if announce:
                self.log("next", "No session is scheduled: every time falls in quiet hours.")
            return
        if announce:
            at = upcoming.at.astimezone(self.config.settings.timezone)
            self.log(
                "next",
                f"Next session: {upcoming.routine} at {at:%a %d %b %H:%M}",
                at=at,
                routine=upcoming.routine,
                schedule=upcoming.schedule,
            )

    def check(self, *, off: bool = False) -> None:
        """Sessions whose time has come: run at most one, record the rest
        missed (``off``: they came while reminder was not running)."""
        now = self.clock()
        arrivals = self.agenda.arrived(now, off=off)
        for occurrence in arrivals.skipped:
            self.recorder.skipped(occurrence, now, self.config.settings.timezone)
        for occurrence, reason in arrivals.missed:
            self.missed(occurrence, reason)
        if arrivals.run is not None:
            if self.paused:
                self.missed(arrivals.run, "paused")
            else:
                self.begin(arrivals.run)
        self.schedule_check()

    # -- beginning a session ----------------------------------------------------

    def begin(self, occurrence: Occurrence) -> None:
        if self.state in (State.IN_SESSION, State.SESSION_PAUSED, State.ASKING):
            superseded = self.agenda.postpone(occurrence)
            if superseded is not None:
                self.missed(superseded, "superseded")
            self.log(
                "postponed",
                f"{occurrence.routine} waits until the current session ends.",
                routine=occurrence.routine,
                at=occurrence.at.astimezone(self.config.settings.timezone),
            )
            return
        self.recorder.prepare()
        if self.presence is not None:
            presence = self.presence.refresh()
            if presence.away or presence.dnd:
                self.away.hold(occurrence, presence)
                return
        routine = self.config.routines[occurrence.routine]
        if self.config.settings.start == "ask" and self.notifier.supports_actions():
            self.question.ask(occurrence, routine, self._tag(routine))
        else:
            self.start_session(routine, occurrence)

    def start_session(
        self, routine: Routine, occurrence: Occurrence | None, asking: Asking | None = None
    ) -> None:
        if asking is None:
            self.runner.start(routine, occurrence, self._tag(routine))
        else:
            self.runner.start(routine, occurrence, asking.tag, asked=asking.session)

    def _tag(self, routine: Routine) -> str:
        return f"{routine.name}-{next(self._ids)}"

    def defer(self, occurrence: Occurrence, until: dt.datetime) -> None:
        """Hold a session back until ``until`` (a snooze)."""
        superseded = self.agenda.defer(occurrence, until)
        if superseded is not None:
            self.missed(superseded, "superseded")
        self.recorder.decided("snooze", occurrence, self.clock(), until)
        self.at("deferred", until, self.deferred_due)

    def deferred_due(self) -> None:
        deferred = self.agenda.deferred
        occurrence = self.agenda.take_deferred()
        if occurrence is None or deferred is None:
            return
        late = utc(self.clock()) - utc(deferred[0])
        if occurrence.routine not in self.config.routines:
            self.missed(occurrence, "removed from the config")
        elif late > dt.timedelta(seconds=self.config.settings.misfire_grace):
            self.missed(occurrence, "late")
        elif self.paused:
            self.missed(occurrence, "paused")
        else:
            self.begin(occurrence)

    def session_ended(self) -> None:
        """A session (or its question) is over: one that waited may go now."""
        self.leave(State.IN_SESSION, State.SESSION_PAUSED)
        occurrence = self.agenda.pending
        if occurrence is None or self.stopped.is_set():
            return
        self.agenda.take_pending()
        now = self.clock()
        if occurrence.routine not in self.config.routines:
            self.missed(occurrence, "removed from the config")
        elif not self.agenda.still_due(occurrence, now):
            self.missed(occurrence, "late")
        elif self.paused:
            self.missed(occurrence, "paused")
        else:
            self.begin(occurrence)

    # -- buttons -------------------------------------------------------------------

    def on_action(self, tag: str, key: str) -> None:
        """A button pressed on a notification (called on the daemon thread)."""
        from reminder.daemon.programme import EFFORTS

        if key in EFFORTS and self.programme.effort(tag, key):
            return
        if key in ("better", "same", "worse") and self.recorder.checkin(tag, key, self.clock()):
            if not self.programme.answered(tag, key):
                from reminder.daemon.messages import checkin_thanks

                self.show(tag, checkin_thanks(key))
            return
        if self.asking is not None and tag == self.asking.tag:
            if key in ("start", "snooze", "skip"):
                self.question.answer(key)
            return
        session = self.session
        if session is None or tag != session.id:
            return
        if key == "next":
            self.runner.next_step()
        elif key == "pause" and self.runner.pause():
            self.log("paused", "Paused.", session=session.id)
        elif key == "resume" and session.paused:
            self.log("resumed", "Resumed.", session=session.id)
            self.runner.resume()
        elif key == "stop":
            self.runner.end("stopped", reason="stopped by you")

    # -- the outside world changes -----------------------------------------------

    def reload(self, *, requested: bool = False) -> bool:
        """Read the config again; apply it if it is valid and different
        (``reloading.reload``). Returns whether a new config was applied."""
        return reloading.reload(self, requested=requested)

    def control(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        """One command from the control socket (on the daemon thread)."""
        return self.commands.run(command, args)

    def status(self) -> dict[str, Any]:
        return self.commands.status()

    def unpause(self) -> None:
        if self.paused:
            self.commands.resume()

    def reload_soon(self) -> None:
        """A config file changed (called from the file watcher's thread).
        Editors save in several steps; look once they have settled."""
        self.at("reload", self.clock() + RELOAD_SETTLE, self.reload)

    def clock_event(self) -> None:
        """The wall clock reached a deadline, or was set (the clock watcher)."""
        self._notice_clock_set()
        self.check()

    def _notice_clock_set(self) -> None:
        """If the wall clock was set since we last looked, keep the running
        session's steps in real time. Measured here, on the daemon's thread,
        whatever woke it: each change is applied once, before any timer acts
        on the new clock (the watcher's own report may come later)."""
        if self._clock_offset is None:
            return
        offset = self._clock_offset()
        jump, self._offset = offset - self._offset, offset
        if abs(jump) < CLOCK_SET_MIN:
            return  # NTP's gentle corrections, taken in as they come
        self.log(
            "clock-change",
            f"The clock was set {'forward' if jump > 0 else 'back'} by {format_seconds(int(abs(jump)))}.",
            jump_seconds=round(jump, 3),
        )
        # What was asked for a length of time keeps its real length: the
        # session's steps, `pause FOR` and `snooze FOR`. Scheduled times stay
        # wall-clock times.
        delta = dt.timedelta(seconds=jump)
        if self._made("runner"):
            self.runner.clock_set(delta)
        if self.paused_until is not None:
            self.paused_until += delta
            self.at("unpause", self.paused_until, self.unpause)
        self.agenda.clock_set(delta, self.clock())
        if self.agenda.deferred is not None:
            self.at("deferred", self.agenda.deferred[0], self.deferred_due)

    def presence_changed(self, presence: Presence) -> None:
        """The user came back (or went): a held session may start now."""
        self.away.changed(presence)

    def resumed(self) -> None:
        self.log("resume", "The computer woke from sleep.")
        self.check()

    def action_handler(self, tag: str, key: str) -> None:
        """For notifiers: called from their threads."""
        self.soon(lambda: self.on_action(tag, key))

    def shutdown(self, why: str) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        if self._made("runner"):
            self.runner.end("interrupted", reason=why)
        self.sound.ended(completed=False)
        if self._made("question"):
            asking = self.question.end()
            if asking is not None:
                self.notifier.close(asking.tag)
        # A snoozed or skipped session keeps its stored decision for the next start.
        self.log("daemon-stop", f"reminder stopped ({why}).", reason=why)
        self.recorder.close(self.clock())
        self.notifier.shutdown()
        self.timers.stop()
