"""``reminder run``: the background process that walks people through their
routines at the times their config chooses.

Everything that changes the daemon's state runs on the timer worker thread
(see ``scheduler.Timers``), one callback at a time: timers, notification
actions, config edits, clock changes and signals are all turned into
callbacks there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from reminder import __version__
from reminder.config.calendar import Occurrence, occurrences
from reminder.config.load import Config, load_config
from reminder.daemon import messages
from reminder.daemon.events import EventLog
from reminder.daemon.session import Session, due_sessions
from reminder.errors import ConfigError, ExitStatus, ReminderError
from reminder.notify.base import Message
from reminder.paths import Paths
from reminder.progress.history import History, HistoryError
from reminder.routines.model import Routine
from reminder.routines.plan import build_plan
from reminder.schema.fields import format_seconds

if TYPE_CHECKING:
    from reminder.daemon.presence import Presence
    from reminder.notify.base import Notifier

_UTC = dt.timezone.utc
CLOCK_SET_MIN = 1.0
"""Seconds: a smaller change of wall clock minus boot time is no clock set."""
RETIME_AFTER = dt.timedelta(seconds=2)
"""A step this late means the computer lost time (asleep): restart the step
from now instead of rushing through the ones that were missed."""
STEP_EARLY = dt.timedelta(milliseconds=50)
"""A step timer this much before the step's end fired for an old clock."""
MIN_ASK_WINDOW = 60
RELOAD_SETTLE = dt.timedelta(milliseconds=150)
HANDLED_MEMORY = dt.timedelta(days=2)


class PresenceSource(Protocol):
    """What the daemon needs of ``presence.PresenceWatcher`` (tests pass their own)."""

    def refresh(self) -> Presence: ...


class TimerWheel(Protocol):
    """What the daemon needs of ``scheduler.Timers`` (tests drive their own)."""

    def call_at(self, key: str, when: dt.datetime, function: Callable[[], None]) -> None: ...
    def call_soon(self, function: Callable[[], None]) -> None: ...
    def cancel(self, key: str) -> None: ...
    def next_wakeup(self) -> dt.datetime | None: ...
    def wakeup(self) -> None: ...
    def stop(self) -> None: ...


def _utc_now() -> dt.datetime:
    return dt.datetime.now(_UTC)


# Datetimes that share a ZoneInfo compare and add by wall clock, ignoring
# fold: in the hour that repeats when clocks go back, 02:15 (first) and 02:15
# (second) look equal, and adding time to the second gives a time in the
# first. Instants are compared and moved in UTC.


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(_UTC)


def _same(first: dt.datetime, second: dt.datetime) -> bool:
    return first.timestamp() == second.timestamp()


def _key(occurrence: Occurrence) -> tuple[float, int]:
    return (occurrence.at.timestamp(), occurrence.schedule)


@dataclass
class _Asking:
    occurrence: Occurrence
    routine: Routine
    tag: str


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
        history: History | None = None,
        presence: PresenceSource | None = None,
        on_rearm: Callable[[dt.datetime | None], None] | None = None,
        on_config_files: Callable[[Config], None] | None = None,
        clock_offset: Callable[[], float] | None = None,
    ) -> None:
        self.paths = paths
        self.config = config
        self.notifier = notifier
        self.timers = timers
        self.log = log
        self.clock = clock
        self._notifier_factory = notifier_factory
        self._on_rearm = on_rearm
        self._on_config_files = on_config_files
        self.history = history
        self.presence = presence
        self.held: Occurrence | None = None
        """A due session held back while the user is away or in do-not-disturb."""
        self.history_error: str | None = None
        self._history_rows: dict[str, int] = {}
        self._finished: dict[str, tuple[str, int | None]] = {}
        """Recently finished sessions whose notification asks for a check-in:
        tag -> (routine, history row)."""
        self.session: Session | None = None
        self.asking: _Asking | None = None
        self.pending: Occurrence | None = None
        self.config_errors: list[str] = []
        self.paused = False
        self.paused_until: dt.datetime | None = None
        self.deferred: tuple[dt.datetime, Occurrence] | None = None
        """The next session, snoozed from the command line: when it comes instead."""
        self.last_check = clock()
        self._clock_offset = clock_offset
        """Wall clock minus time since boot (watchers.wall_minus_boot): it
        changes only when someone sets the clock, not with time or sleep."""
        self._offset = clock_offset() if clock_offset is not None else 0.0
        self._handled: dict[tuple[float, int], dt.datetime] = {}
        self._ids = itertools.count(1)
        self.stopped = threading.Event()

    # -- plumbing ------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self.clock().astimezone(self.config.settings.timezone)

    def _callback(self, function: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            # Before anything reads the clock: a timer made overdue by a clock
            # set forward must see the session already moved with the clock.
            self._notice_clock_set()
            function()
            self._rearm()

        return run

    def _at(self, key: str, when: dt.datetime, function: Callable[[], object]) -> None:
        self.timers.call_at(key, when, self._callback(function))

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

    def _record(self, write: Callable[[History], object]) -> object:
        """Write to the history; a failure is logged and shown in status,
        never in the way of the reminders."""
        if self.history is None:
            return None
        try:
            result = write(self.history)
        except HistoryError as error:
            self.history.close()
            if self.history_error != str(error):
                self.log("history-error", f"{error} Reminders go on.", error=str(error))
            self.history_error = str(error)
            return None
        # Writes are rare (a few a session): no need to keep SQLite's
        # connection and page cache in memory between them.
        self.history.close()
        if self.history_error is not None:
            self.log("history-recovered", "The history file can be written again.")
            self.history_error = None
        return result

    def _show(self, tag: str, message: Message) -> None:
        self.notifier.show(tag, message)

    # -- start and schedule -----------------------------------------------------

    def start(self) -> None:
        settings = self.config.settings
        self.log(
            "daemon-start",
            f"reminder started (pid {os.getpid()}); config: {self.config.shown}; "
            f"notifications: {self.notifier.name}",
            pid=os.getpid(),
            config=self.config.shown,
            notifier=self.notifier.name,
            timezone=str(settings.timezone),
        )
        if self.config.is_default:
            self.log(
                "default-config",
                f"No config file at {self.paths.config_file}: running the built-in default "
                "(gluteus-medius on weekdays at 10:30 and 16:00). Run `reminder init` to make your own.",
                path=str(self.paths.config_file),
            )
        self._welcome()
        recovered = self._record(lambda h: h.recover(self.clock()))
        if isinstance(recovered, int) and recovered:
            self.log(
                "recovered",
                f"{recovered} session{'s' if recovered != 1 else ''} were cut short when reminder "
                "last stopped; recorded as interrupted.",
                sessions=recovered,
            )
        self.last_check = self.clock()
        self._schedule_check(announce=True)
        self._rearm()

    def _welcome(self) -> None:
        marker = self.paths.state_dir / "welcomed"
        if marker.exists():
            return
        self.log("welcome", messages.DISCLAIMER)
        self._show("welcome", messages.welcome_message(self.config.is_default))
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError as error:
            self.log("state-error", f"Could not write {marker}: {error.strerror}", path=str(marker))

    def _next_occurrence(self) -> Occurrence | None:
        for occurrence in occurrences(self.config, self.last_check):
            if _key(occurrence) not in self._handled:
                return occurrence
        return None

    def _schedule_check(self, *, announce: bool = False) -> None:
        upcoming = self._next_occurrence()
        if upcoming is None:
            self.timers.cancel("check")
            if announce:
                self.log("next", "No session is scheduled: every time falls in quiet hours.")
            return
        self._at("check", upcoming.at, self.check)
        if announce:
            at = upcoming.at.astimezone(self.config.settings.timezone)
            self.log(
                "next",
                f"Next session: {upcoming.routine} at {at:%a %d %b %H:%M}",
                at=at,
                routine=upcoming.routine,
                schedule=upcoming.schedule,
            )

    def check(self) -> None:
        """Sessions whose time has come: run at most one, record the rest missed."""
        now = self.clock()
        arrived = []
        for occurrence in occurrences(self.config, self.last_check, include_quiet=True):
            if occurrence.at.timestamp() > now.timestamp():
                break
            if _key(occurrence) in self._handled:
                continue
            if occurrence.quiet:
                self._mark_handled(occurrence, now)
                self._missed(occurrence, now, "quiet-hours")
            else:
                arrived.append(occurrence)
        self.last_check = max(self.last_check, now)
        due = due_sessions(arrived, now, self.config.settings.misfire_grace)
        grace = dt.timedelta(seconds=self.config.settings.misfire_grace)
        for occurrence in due.missed:
            self._mark_handled(occurrence, now)
            self._missed(
                occurrence, now, "late" if _utc(now) - _utc(occurrence.at) > grace else "superseded"
            )
        if due.run is not None:
            self._mark_handled(due.run, now)
            if self.paused:
                self._missed(due.run, now, "paused")
            else:
                self._begin(due.run)
        self._schedule_check()

    def _mark_handled(self, occurrence: Occurrence, now: dt.datetime) -> None:
        self._handled[_key(occurrence)] = now
        for key, when in list(self._handled.items()):
            if now - when > HANDLED_MEMORY:
                del self._handled[key]

    def _missed(self, occurrence: Occurrence, now: dt.datetime, reason: str) -> None:
        at = occurrence.at.astimezone(self.config.settings.timezone)
        late = format_seconds(int((_utc(now) - _utc(occurrence.at)).total_seconds()) // 60 * 60)
        text = {
            "late": f"the computer was asleep or busy (it woke {late} late)",
            "superseded": "a later session came due first",
            "no-answer": "nobody answered the start notification",
            "paused": "reminders were paused",
            "quiet-hours": "it falls in quiet hours",
            "away": "you were away or the screen was locked",
            "dnd": "notifications were paused (do not disturb)",
        }.get(reason, reason)
        self.log(
            "missed",
            f"Missed {occurrence.routine} of {at:%a %H:%M}: {text}.",
            routine=occurrence.routine,
            at=at,
            schedule=occurrence.schedule,
            reason=reason,
        )
        self._record_not_run(occurrence, "missed", reason, now)

    # -- beginning a session ----------------------------------------------------

    def _begin(self, occurrence: Occurrence) -> None:
        if self.session is not None or self.asking is not None:
            if self.pending is not None:
                self._missed(self.pending, self.clock(), "superseded")
            self.pending = occurrence
            self.log(
                "postponed",
                f"{occurrence.routine} waits until the current session ends.",
                routine=occurrence.routine,
                at=occurrence.at.astimezone(self.config.settings.timezone),
            )
            return
        if self.presence is not None:
            presence = self.presence.refresh()
            if presence.away or presence.dnd:
                self._hold(occurrence, presence)
                return
        routine = self.config.routines[occurrence.routine]
        if self.config.settings.start == "ask" and self.notifier.supports_actions():
            self._ask(occurrence, routine)
        else:
            self._start_session(routine, occurrence)

    def _hold(self, occurrence: Occurrence, presence: Presence) -> None:
        """Wait for the user to come back, at most until grace runs out."""
        if self.held is not None and self.held != occurrence:
            self._missed(self.held, self.clock(), "superseded")
        self.held = occurrence
        reason = "dnd" if not presence.away else "away"
        text = {
            "locked": "the screen is locked",
            "idle": "you seem to be away",
            "dnd": "notifications are paused (do not disturb)",
        }.get(presence.why or reason, "you seem to be away")
        self.log(
            "held",
            f"{occurrence.routine} waits: {text}. It starts when you are back.",
            routine=occurrence.routine,
            why=presence.why or reason,
        )
        deadline = _utc(occurrence.at) + dt.timedelta(seconds=self.config.settings.misfire_grace)
        self._at("held", max(deadline, self.clock()), lambda: self._held_expired(reason))

    def _held_expired(self, reason: str) -> None:
        held, self.held = self.held, None
        if held is not None:
            self._missed(held, self.clock(), reason)

    def presence_changed(self, presence: Presence) -> None:
        """The user came back (or went): a held session may start now."""
        if self.held is None or presence.away or presence.dnd:
            return
        held, self.held = self.held, None
        self.timers.cancel("held")
        if due_sessions([held], self.clock(), self.config.settings.misfire_grace).run is None:
            self._missed(held, self.clock(), "away")
        else:
            self.log("back", "Welcome back.", routine=held.routine)
            self._begin(held)

    def _tag(self, routine: Routine) -> str:
        return f"{routine.name}-{next(self._ids)}"

    def _ask(self, occurrence: Occurrence, routine: Routine) -> None:
        window = max(self.config.settings.misfire_grace, MIN_ASK_WINDOW)
        asking = _Asking(occurrence, routine, self._tag(routine))
        self.asking = asking
        plan = build_plan(routine)
        self._show(asking.tag, messages.ask_message(routine, plan, window))
        self.log(
            "ask",
            f"Asked whether to start {routine.name} now.",
            routine=routine.name,
            at=occurrence.at.astimezone(self.config.settings.timezone),
            timeout=window,
        )
        self._at("ask", self.clock() + dt.timedelta(seconds=window), self._ask_timed_out)

    def _ask_timed_out(self) -> None:
        asking, self.asking = self.asking, None
        if asking is None:
            return
        self.notifier.close(asking.tag)
        self._missed(asking.occurrence, self.clock(), "no-answer")
        self._after_session()

    def _answer(self, key: str, snooze: int | None = None) -> None:
        asking, self.asking = self.asking, None
        assert asking is not None
        self.timers.cancel("ask")
        routine = asking.routine
        if key == "start":
            self._start_session(routine, asking.occurrence, tag=asking.tag)
        elif key == "snooze":
            snooze = snooze or self.config.settings.snooze
            self.notifier.close(asking.tag)
            until = self.clock() + dt.timedelta(seconds=snooze)
            self.log(
                "snoozed",
                f"Snoozed {routine.name} for {format_seconds(snooze)}.",
                routine=routine.name,
                until=until.astimezone(self.config.settings.timezone),
            )
            self._defer(asking.occurrence, until)
            self._after_session()  # a session waiting behind this one may go now
        elif key == "skip":
            self.notifier.close(asking.tag)
            self._skipped(asking.occurrence)
            self._after_session()

    # -- a session, step by step ---------------------------------------------------

    def _start_session(
        self, routine: Routine, occurrence: Occurrence | None, tag: str | None = None
    ) -> None:
        plan = build_plan(routine)
        now = self.clock()
        # On time: the steps keep to the scheduled start, to the millisecond.
        on_time = (
            occurrence is not None
            and tag is None
            and _utc(now) - _utc(occurrence.at) <= RETIME_AFTER
        )
        session = Session(
            id=tag or self._tag(routine),
            routine=routine,
            plan=plan,
            anchor=_utc(occurrence.at) if on_time and occurrence is not None else now,
            occurrence=occurrence,
        )
        self.session = session
        row = self._record(
            lambda h: h.started(
                routine.name,
                now,
                schedule=occurrence.schedule if occurrence else None,
                scheduled_at=occurrence.at if occurrence else None,
            )
        )
        if isinstance(row, int):
            self._history_rows[session.id] = row
        self.log(
            "session-start",
            f"Starting {routine.title} ({format_seconds(plan.total_seconds)}).",
            session=session.id,
            routine=routine.name,
            scheduled=occurrence.at.astimezone(self.config.settings.timezone)
            if occurrence
            else None,
            total_seconds=plan.total_seconds,
        )
        self._show_step()

    def _show_step(self) -> None:
        session = self.session
        assert session is not None
        step = session.step
        planned = session.step_start()
        self._show(session.id, messages.step_message(step, session.routine))
        sent = self.clock()
        tz = self.config.settings.timezone
        self.log(
            "step",
            f"{messages.step_summary(step)}: {messages.step_body(step, session.routine).split('. ')[0]}",
            session=session.id,
            index=session.index,
            **step.to_json(),
            planned=planned.astimezone(tz),
            sent=sent.astimezone(tz),
        )
        self._at("step", session.step_end(), self._step_ended)

    def _step_ended(self) -> None:
        session = self.session
        if session is None or session.paused:
            return
        now = self.clock()
        late = now - session.step_end()
        if late < -STEP_EARLY:
            # A timer armed before the clock was set back, or before a set
            # forward moved the session: the step is not over yet.
            self._at("step", session.step_end(), self._step_ended)
            return
        if late > dt.timedelta(seconds=self.config.settings.misfire_grace):
            self._end_session("interrupted", reason="asleep")
            return
        if not session.advance():
            self._end_session("completed")
            return
        if late > RETIME_AFTER:
            session.retime(now)
            self.log(
                "retimed",
                f"Woke {format_seconds(int(late.total_seconds()))} late; carrying on from this step.",
                session=session.id,
            )
        self._show_step()

    def _end_session(self, outcome: str, reason: str | None = None) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        self.timers.cancel("step")
        if outcome == "completed":
            asks = self.notifier.supports_actions()
            self._show(
                session.id,
                messages.done_message(session.routine, session.plan, ask_checkin=asks),
            )
            if asks:
                self._finished[session.id] = (
                    session.routine.name,
                    self._history_rows.get(session.id),
                )
                while len(self._finished) > 5:
                    del self._finished[next(iter(self._finished))]
        elif outcome == "stopped":
            self._show(session.id, messages.stopped_message(session.routine))
        else:
            self.notifier.close(session.id)
        phases = session.phases_done()
        row = self._history_rows.pop(session.id, None)
        if row is not None:
            recorded = outcome
            if outcome == "stopped":
                recorded = "partial" if phases else "stopped"
            done = sum(session.plan.steps[i].duration for i in session.done_steps)
            end = self.clock()
            self._record(
                lambda h: h.ended(
                    row, end, recorded, reason=reason, phases_done=phases, seconds_done=done
                )
            )
        if outcome == "completed":
            self._maybe_advise()
        self.log(
            "session-end",
            f"{session.routine.title}: {outcome}"
            + (f" ({reason})" if reason else "")
            + (f"; phases done: {', '.join(phases)}" if phases and outcome != "completed" else "")
            + ".",
            session=session.id,
            routine=session.routine.name,
            outcome=outcome,
            reason=reason,
            phases_done=list(phases),
        )
        self._after_session()

    def _maybe_advise(self) -> None:
        """The protocol's rule, told once: release that brings no relief after
        several sessions points to another muscle."""
        if self.history is None or self.config.settings.relief_check == 0:
            return
        from reminder.progress.advice import relief_advice
        from reminder.routines.library import routine_files

        def advise(history: History) -> None:
            now = self.clock()
            known: dict[str, Routine] = {}
            for name, file in routine_files(self.paths).items():
                with contextlib.suppress(ConfigError):
                    known[name] = file.load()
            known.update(self.config.routines)
            advice = relief_advice(
                history.entries(), history.checkins(), self.config, now, routines=known
            )
            if advice is None or history.noticed(advice.key):
                return
            self._show(
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

        self._record(advise)

    def _after_session(self) -> None:
        if self.pending is None or self.stopped.is_set():
            return
        occurrence, self.pending = self.pending, None
        now = self.clock()
        if occurrence.routine not in self.config.routines:
            self._missed(occurrence, now, "removed from the config")
        elif due_sessions([occurrence], now, self.config.settings.misfire_grace).run is None:
            self._missed(occurrence, now, "late")
        elif self.paused:
            self._missed(occurrence, now, "paused")
        else:
            self._begin(occurrence)

    def on_action(self, tag: str, key: str) -> None:
        """A button pressed on a notification (called on the daemon thread)."""
        if key in ("better", "same", "worse") and tag in self._finished:
            routine, row = self._finished.pop(tag)
            self._record(
                lambda h: h.add_checkin(self.clock(), feeling=key, routine=routine, session_id=row)
            )
            self.log(
                "checkin", f"Pain compared with last time: {key}.", routine=routine, feeling=key
            )
            self._show(tag, messages.checkin_thanks(key))
            return
        if self.asking is not None and tag == self.asking.tag:
            if key in ("start", "snooze", "skip"):
                self._answer(key)
            return
        session = self.session
        if session is None or tag != session.id:
            return
        now = self.clock()
        if key == "next":
            self.log("next-step", "Skipped to the next step.", session=session.id)
            if session.skip_step(now):
                self._show_step()
            else:
                self._end_session("completed")
        elif key == "pause" and session.pause(now):
            self.timers.cancel("step")
            self._show(session.id, messages.paused_message(session.step, session.remaining(now)))
            self.log("paused", "Paused.", session=session.id)
        elif key == "resume" and session.resume(now):
            self.log("resumed", "Resumed.", session=session.id)
            self._show(session.id, messages.step_message(session.step, session.routine))
            self._at("step", session.step_end(), self._step_ended)
        elif key == "stop":
            self._end_session("stopped", reason="stopped by you")

    # -- the outside world changes -----------------------------------------------

    def reload(self, *, requested: bool = False) -> bool:
        """Read the config again; apply it if it is valid and different.
        ``requested``: someone asked (SIGHUP), so say so even if nothing changed.
        Returns whether a new config was applied."""
        try:
            config = load_config(self.paths)
        except ConfigError as error:
            lines = [str(p) for p in error.problems]
            if lines == self.config_errors and not requested:
                return False
            self.config_errors = lines
            self._show("config", messages.config_error_message(str(self.paths.config_file), lines))
            self.log(
                "config-error",
                "The config has mistakes, so the last good one stays in force:\n  "
                + "\n  ".join(lines),
                problems=lines,
            )
            return False
        if config == self.config and not self.config_errors:
            if requested:
                self.log("reload", "Config unchanged.", config=config.shown, changed=False)
            return False
        self.notifier.close("config")
        old_notifier = self.config.settings.notifier
        self.config, self.config_errors = config, []
        if config.settings.notifier != old_notifier and self._notifier_factory is not None:
            self.notifier.shutdown()
            self.notifier = self._notifier_factory(config.settings.notifier)
            self.notifier.set_action_handler(self.action_handler)
        if self._on_config_files is not None:
            self._on_config_files(config)
        schedules = len(config.schedules)
        self.log(
            "reload",
            f"Config applied: {schedules} schedule{'s' if schedules != 1 else ''}.",
            config=config.shown,
            schedules=schedules,
            changed=True,
        )
        self._schedule_check(announce=True)
        return True

    # -- the control socket ----------------------------------------------------------

    def control(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        """One command from the control socket (on the daemon thread)."""
        seconds = args.get("seconds")
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 1 <= seconds <= 366 * 86400
        ):
            raise ReminderError("seconds must be a whole number from 1 to a year.")
        if command == "status":
            return self.status()
        if command == "now":
            return self._control_now(args.get("routine"))
        if command == "pause":
            return self._pause(seconds)
        if command == "resume":
            return self._resume()
        if command == "snooze":
            return self._snooze(seconds or self.config.settings.snooze)
        if command == "skip":
            return self._skip()
        if command == "stop":
            if self.session is None and self.asking is not None:
                routine = self.asking.routine.name
                self._answer("skip")
                return {"skipped": routine}
            if self.session is None:
                raise ReminderError("No session is running, so there is nothing to stop.")
            self._end_session("stopped", reason="stopped from the command line")
            return {}
        if command == "reload":
            changed = self.reload(requested=True)
            return {"changed": changed, "config_errors": self.config_errors}
        raise ReminderError(f"Unknown command {command!r}.")

    def status(self) -> dict[str, Any]:
        now = self.clock()
        tz = self.config.settings.timezone
        session_info: dict[str, Any] | None = None
        if self.session is not None:
            session = self.session
            step = session.step
            session_info = {
                "id": session.id,
                "routine": session.routine.name,
                "title": session.routine.title,
                "index": session.index,
                "steps": len(session.plan.steps),
                "step": {
                    **step.to_json(),
                    "summary": messages.step_summary(step),
                    "body": messages.step_body(step, session.routine),
                },
                "step_ends": None if session.paused else session.step_end().astimezone(tz),
                "remaining_seconds": session.remaining(now),
                "session_remaining_seconds": session.remaining(now)
                + session.plan.total_seconds
                - step.end,
                "paused": session.paused,
            }
        if self.session is not None:
            state = "session-paused" if self.session.paused else "in-session"
        elif self.asking is not None:
            state = "asking"
        elif self.held is not None:
            state = "held"
        elif self.paused:
            state = "paused"
        else:
            state = "idle"
        upcoming = self._upcoming()
        return {
            "state": state,
            "pid": os.getpid(),
            "version": __version__,
            "config": self.config.shown,
            "config_errors": self.config_errors,
            "notifier": self.notifier.name,
            "session": session_info,
            "asking": {
                "routine": self.asking.routine.name,
                "at": self.asking.occurrence.at.astimezone(tz),
            }
            if self.asking is not None
            else None,
            "next": {
                "at": upcoming.at.astimezone(tz),
                "routine": upcoming.routine,
                "schedule": upcoming.schedule,
            }
            if upcoming is not None
            else None,
            "paused": self.paused,
            "paused_until": self.paused_until.astimezone(tz) if self.paused_until else None,
            "held": {
                "routine": self.held.routine,
                "at": self.held.at.astimezone(tz),
            }
            if self.held is not None
            else None,
            "history": str(self.paths.history_db),
            "history_error": self.history_error,
        }

    def _upcoming(self) -> Occurrence | None:
        """The next session: a snoozed one, or the next scheduled one."""
        scheduled = self._next_occurrence()
        if self.deferred is not None:
            when, occurrence = self.deferred
            deferred = Occurrence(when, occurrence.schedule, occurrence.routine)
            if scheduled is None or deferred.at.timestamp() <= scheduled.at.timestamp():
                return deferred
        return scheduled

    def _control_now(self, name: object) -> dict[str, Any]:
        if self.session is not None or self.asking is not None:
            raise ReminderError("A session is already running; stop it first with `reminder stop`.")
        if name is None:
            upcoming = self._upcoming()
            if upcoming is None:
                raise ReminderError(
                    "No session is scheduled; name a routine: `reminder now ROUTINE`."
                )
            name = upcoming.routine
        if not isinstance(name, str):
            raise ReminderError("The routine must be a name.")
        routine = self.config.routines.get(name) or self._routine_by_name(name)
        self.log("now", f"Starting {routine.name} now, as asked.", routine=routine.name)
        self._start_session(routine, None)
        return {"routine": routine.name, "total_seconds": build_plan(routine).total_seconds}

    def _routine_by_name(self, name: str) -> Routine:
        from reminder.routines.library import routine_files

        files = routine_files(self.paths)
        if name not in files:
            available = ", ".join(sorted({*files, *self.config.routines}))
            raise ReminderError(f'There is no routine named "{name}". Available: {available}.')
        try:
            return files[name].load()
        except ConfigError as error:
            raise ReminderError(
                f'The routine "{name}" has mistakes:\n' + "\n".join(str(p) for p in error.problems),
                ExitStatus.CONFIG,
            ) from None

    def _pause(self, seconds: int | None) -> dict[str, Any]:
        now = self.clock()
        if self.asking is not None:
            asking, self.asking = self.asking, None
            self.timers.cancel("ask")
            self.notifier.close(asking.tag)
            self._missed(asking.occurrence, now, "paused")
        self.paused = True
        self.paused_until = now + dt.timedelta(seconds=seconds) if seconds else None
        if self.paused_until is not None:
            self._at("unpause", self.paused_until, self._unpause)
        else:
            self.timers.cancel("unpause")
        session = self.session
        if session is not None and session.pause(now):
            self.timers.cancel("step")
            self._show(session.id, messages.paused_message(session.step, session.remaining(now)))
        tz = self.config.settings.timezone
        until = self.paused_until.astimezone(tz) if self.paused_until else None
        self.log(
            "paused",
            f"Reminders paused until {until:%a %H:%M}."
            if until
            else "Reminders paused until resumed.",
            until=until,
        )
        return {"paused_until": until}

    def _unpause(self) -> None:
        if self.paused:
            self._resume()

    def _resume(self) -> dict[str, Any]:
        session = self.session
        session_paused = session is not None and session.paused
        if not self.paused and not session_paused:
            raise ReminderError("Nothing is paused.")
        self.paused, self.paused_until = False, None
        self.timers.cancel("unpause")
        if session is not None and session.resume(self.clock()):
            self._show(session.id, messages.step_message(session.step, session.routine))
            self._at("step", session.step_end(), self._step_ended)
        self.log("resumed", "Reminders resumed.")
        return {}

    def _snooze(self, seconds: int) -> dict[str, Any]:
        if self.asking is not None:
            routine = self.asking.routine.name
            self._answer("snooze", seconds)
            return {
                "routine": routine,
                "until": (self.clock() + dt.timedelta(seconds=seconds)).astimezone(
                    self.config.settings.timezone
                ),
            }
        if self.session is not None:
            raise ReminderError(
                "A session is running; pause it with `reminder pause` or end it with `reminder stop`."
            )
        upcoming = self._upcoming()
        if upcoming is None:
            raise ReminderError("No session is scheduled, so there is nothing to snooze.")
        is_deferred = self.deferred is not None and _same(upcoming.at, self.deferred[0])
        if is_deferred and self.deferred is not None:
            original = self.deferred[1]
        else:
            self._mark_handled(upcoming, self.clock())
            original = upcoming
        until = _utc(upcoming.at) + dt.timedelta(seconds=seconds)
        self._defer(original, until)
        self._schedule_check()
        tz = self.config.settings.timezone
        self.log(
            "snoozed",
            f"Snoozed {upcoming.routine} to {until.astimezone(tz):%a %H:%M}.",
            routine=upcoming.routine,
            until=until.astimezone(tz),
        )
        return {"routine": upcoming.routine, "until": until.astimezone(tz)}

    def _defer(self, occurrence: Occurrence, until: dt.datetime) -> None:
        """Hold a session back until ``until`` (a snooze). One at a time: a
        different session snoozed meanwhile makes the earlier one missed."""
        if self.deferred is not None and self.deferred[1] != occurrence:
            self._missed(self.deferred[1], self.clock(), "superseded")
        self.deferred = (until, occurrence)
        self._at("deferred", until, self._deferred_due)

    def _deferred_due(self) -> None:
        if self.deferred is None:
            return
        _, occurrence = self.deferred
        self.deferred = None
        if occurrence.routine not in self.config.routines:
            self._missed(occurrence, self.clock(), "removed from the config")
        elif self.paused:
            self._missed(occurrence, self.clock(), "paused")
        else:
            self._begin(occurrence)

    def _skip(self) -> dict[str, Any]:
        if self.asking is not None:
            routine = self.asking.routine.name
            self._answer("skip")
            return {"routine": routine}
        upcoming = self._upcoming()
        if upcoming is None:
            raise ReminderError("No session is scheduled, so there is nothing to skip.")
        if self.deferred is not None and _same(upcoming.at, self.deferred[0]):
            self.deferred = None
            self.timers.cancel("deferred")
        else:
            self._mark_handled(upcoming, self.clock())
        self._schedule_check()
        self._skipped(upcoming)
        return {
            "routine": upcoming.routine,
            "at": upcoming.at.astimezone(self.config.settings.timezone),
        }

    def _skipped(self, occurrence: Occurrence) -> None:
        at = occurrence.at.astimezone(self.config.settings.timezone)
        self.log(
            "skipped",
            f"Skipped {occurrence.routine} of {at:%a %H:%M}.",
            routine=occurrence.routine,
            at=at,
        )
        self._record_not_run(occurrence, "skipped", None, self.clock())

    def _record_not_run(
        self, occurrence: Occurrence, outcome: str, reason: str | None, at: dt.datetime
    ) -> None:
        """A scheduled session that did not run: its one row in the history."""
        self._record(
            lambda h: h.not_run(
                occurrence.routine,
                outcome,
                scheduled_at=occurrence.at,
                schedule=occurrence.schedule,
                reason=reason,
                at=at,
            )
        )

    def reload_soon(self) -> None:
        """A config file changed (called from the file watcher's thread).
        Editors save in several steps; look once they have settled."""
        self._at("reload", self.clock() + RELOAD_SETTLE, self.reload)

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
        if self.session is not None:
            self.session.shift(delta)
            if not self.session.paused:
                self._at("step", self.session.step_end(), self._step_ended)
        if self.paused_until is not None:
            self.paused_until += delta
            self._at("unpause", self.paused_until, self._unpause)
        if self.deferred is not None:
            until, occurrence = self.deferred
            self.deferred = (until + delta, occurrence)
            self._at("deferred", until + delta, self._deferred_due)
        if jump < 0:
            self.last_check = min(self.last_check, self.clock())

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
        if self.session is not None:
            self._end_session("interrupted", reason=why)
        if self.asking is not None:
            self.notifier.close(self.asking.tag)
            self.asking = None
        if self.deferred is not None:
            self._record_not_run(
                self.deferred[1],
                "snoozed",
                "reminder stopped before the snooze ended",
                self.clock(),
            )
        self.log("daemon-stop", f"reminder stopped ({why}).", reason=why)
        if self.history is not None:
            self.history.close()
        self.notifier.shutdown()
        self.timers.stop()


# -- running it ----------------------------------------------------------------------


class _Lock:
    """One daemon per user: an exclusive lock the kernel drops if we die."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = self.path.open("a+")
        try:
            if sys.platform == "win32":  # pragma: no cover
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            pid = handle.read().strip() or "unknown"
            handle.close()
            raise ReminderError(
                f"reminder is already running (pid {pid}); only one runs per user. "
                "Stop it first if you want to start it again.",
                ExitStatus.FAILURE,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle


def _control_handler(
    daemon: Daemon, internal_error: Callable[[BaseException], None]
) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Runs each control command on the daemon's thread and waits for its reply."""
    import concurrent.futures

    from reminder.daemon.control import REPLY_TIMEOUT

    def handle(command: str, args: dict[str, Any]) -> dict[str, Any]:
        reply: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()

        def run() -> None:
            try:
                reply.set_result({"ok": True, **daemon.control(command, args)})
            except ReminderError as error:
                reply.set_result({"ok": False, "error": error.message, "status": int(error.status)})
            except Exception as error:  # noqa: BLE001 - reported, and the daemon carries on
                internal_error(error)
                reply.set_result(
                    {"ok": False, "error": "Something went wrong inside reminder; see its log."}
                )

        daemon.soon(run)
        try:
            return reply.result(timeout=REPLY_TIMEOUT - 1)
        except concurrent.futures.TimeoutError:
            return {"ok": False, "error": "The daemon is busy; try again."}

    return handle


def _files_to_watch(paths: Paths, config: Config) -> tuple[list[Path], list[Path]]:
    files = [paths.config_file]
    files += [Path(r.path) for r in config.routines.values() if r.source == "file" and r.path]
    return files, [paths.routines_dir]


def run(paths: Paths, *, json_logs: bool = False) -> None:
    """Run the daemon in the foreground until SIGTERM or SIGINT."""
    from reminder.daemon.control import ControlServer
    from reminder.daemon.timers import Timers
    from reminder.daemon.watchers import ClockWatcher, FileWatcher, SleepWatcher, wall_minus_boot
    from reminder.notify import select_notifier

    stop_signals = {signal.SIGTERM, signal.SIGINT}
    all_signals = stop_signals | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())
    if hasattr(signal, "pthread_sigmask"):
        # Block them in every thread (threads inherit this mask), and take them
        # with sigwait on a thread of our own. A Python handler runs only on
        # the main thread, which sits blocked in APScheduler's wait: a signal
        # the kernel hands to another thread was then lost (seen in CI).
        signal.pthread_sigmask(signal.SIG_BLOCK, all_signals)
    log = EventLog(json_lines=json_logs)
    config = load_config(paths)  # a broken config at start: ConfigError, exit 78
    paths.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = _Lock(paths.runtime_dir / "daemon.pid")
    lock.acquire()

    def make_notifier(setting: str) -> Notifier:
        return select_notifier(setting, log=log.fields_logger())

    def internal_error(error: BaseException) -> None:
        import traceback

        log(
            "internal-error",
            "Something went wrong inside reminder; it carries on. Please report this:\n"
            + "".join(traceback.format_exception(error)),
            error=repr(error),
        )

    timers = Timers(on_error=internal_error)
    clock_watcher: ClockWatcher | None = None
    file_watcher: FileWatcher | None = None

    def rearm(when: dt.datetime | None) -> None:
        if clock_watcher is not None:
            clock_watcher.arm(when.timestamp() if when else None)

    def rewatch(new_config: Config) -> None:
        if file_watcher is not None:
            file_watcher.watch(*_files_to_watch(paths, new_config))

    from reminder.daemon.presence import PresenceWatcher

    presence_box: list[Daemon] = []

    def on_presence(presence: Presence) -> None:
        if presence_box:
            daemon_ = presence_box[0]
            daemon_.soon(lambda: daemon_.presence_changed(presence))

    presence = PresenceWatcher(on_presence)
    daemon = Daemon(
        presence=presence,
        history=History(paths.history_db),
        paths=paths,
        config=config,
        notifier=make_notifier(config.settings.notifier),
        timers=timers,
        log=log,
        notifier_factory=make_notifier,
        on_rearm=rearm,
        on_config_files=rewatch,
        clock_offset=wall_minus_boot,
    )
    daemon.notifier.set_action_handler(daemon.action_handler)
    presence_box.append(daemon)
    sources = presence.start()
    log(
        "presence-watch",
        "Holding sessions while you are away or in do-not-disturb, as told by: "
        + (", ".join(sources) if sources else "nothing here (sessions start regardless)")
        + ".",
        sources=sources,
    )

    def on_clock(why: str, jump: float) -> None:
        # The daemon measures the jump itself, on its own thread.
        timers.wakeup()
        daemon.soon(daemon.clock_event)

    clock_watcher = ClockWatcher(on_clock)
    clock_watcher.start()

    file_watcher = FileWatcher(daemon.reload_soon)
    file_watcher.watch(*_files_to_watch(paths, config))

    def on_resume() -> None:
        timers.wakeup()
        daemon.soon(daemon.resumed)

    listening = SleepWatcher(
        on_resume, lambda: daemon.soon(lambda: log("sleep", "The computer is going to sleep."))
    ).start()
    log(
        "sleep-watch",
        "Listening for suspend and resume (logind)."
        if listening
        else "No logind on the system bus: a resume is noticed by the clock instead.",
        listening=listening,
    )

    def handle(number: int) -> None:
        if number in stop_signals:
            why = "SIGTERM" if number == signal.SIGTERM else "SIGINT"
            daemon.soon(lambda: daemon.shutdown(why))
        else:
            daemon.soon(lambda: daemon.reload(requested=True))

    if hasattr(signal, "pthread_sigmask"):

        def take_signals() -> None:
            while True:
                handle(signal.sigwait(all_signals))

        threading.Thread(target=take_signals, name="signals", daemon=True).start()
    else:  # pragma: no cover - Windows: no sigwait; handlers hand the work on

        def on_signal(number: int, _frame: object) -> None:
            threading.Thread(target=handle, args=(number,), daemon=True).start()

        for number in all_signals:
            signal.signal(number, on_signal)

    control = ControlServer(paths.control_socket, _control_handler(daemon, internal_error), log)
    control.start()
    daemon.soon(daemon.start)
    try:
        timers.run()
    finally:
        control.close()
        clock_watcher.stop()
        presence.stop()
