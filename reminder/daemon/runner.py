"""The session that is running: its steps on time, Next, Pause, Resume, Stop,
and re-timing after sleep or a clock set.

Each step starts at an absolute instant (``Session.step_start``), so no
delay accumulates. A step found late by more than ``RETIME_AFTER`` means the
computer lost time (asleep): the session carries on from that step, now,
instead of rushing through the ones that were missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from reminder.daemon import failsafe, messages
from reminder.daemon.agenda import utc
from reminder.daemon.programme import is_programme
from reminder.daemon.session import Session
from reminder.daemon.state import State
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from reminder.config.calendar import Occurrence
    from reminder.config.load import Config
    from reminder.daemon.events import EventLog
    from reminder.daemon.programme import ProgrammeAnswers
    from reminder.daemon.recorder import Recorder
    from reminder.daemon.session_sound import SessionSound
    from reminder.notify.base import Message, Notifier
    from reminder.paths import Paths
    from reminder.progress.programme_store import NextSession
    from reminder.routines.model import Routine

RETIME_AFTER = dt.timedelta(seconds=2)
"""A step this late means the computer lost time (asleep): restart the step
from now instead of rushing through the ones that were missed."""
STEP_EARLY = dt.timedelta(milliseconds=50)
PROGRESS_MIN = 15
"""Seconds: a step at least this long shows its progress (a shorter one is
over before a bar would tell anything)."""
"""A step timer this much before the step's end fired for an old clock."""


class RunnerHost(Protocol):
    """What the session runner needs of the daemon that owns it."""

    paths: Paths
    config: Config
    notifier: Notifier
    log: EventLog
    recorder: Recorder
    clock: Callable[[], dt.datetime]

    def at(self, key: str, when: dt.datetime, function: Callable[[], object]) -> None: ...
    def cancel(self, key: str) -> None: ...
    def show(self, tag: str, message: Message) -> None: ...
    def enter(self, state: State) -> None: ...
    def session_ended(self) -> None: ...

    @property
    def programme(self) -> ProgrammeAnswers: ...

    @property
    def sound(self) -> SessionSound: ...


class SessionRunner:
    def __init__(self, host: RunnerHost) -> None:
        self.host = host
        self.session: Session | None = None
        self.written: Routine | None = None
        """The running programme session's routine as written (its levels and
        groups), for the rules after it; None for a plain routine."""

    def start(
        self,
        routine: Routine,
        occurrence: Occurrence | None,
        tag: str,
        *,
        asked: NextSession | None = None,
    ) -> None:
        """``asked``: the session the start question announced, run as it
        said (its group and levels are not read again)."""
        host = self.host
        found = asked if asked is not None else host.programme.next_session(routine)
        plan = found.plan
        self.written = routine if is_programme(plan) else None
        routine = found.routine
        now = host.clock()
        # On time (not asked first, not late): the steps keep to the
        # scheduled start, to the millisecond.
        on_time = (
            occurrence is not None
            and asked is None
            and utc(now) - utc(occurrence.at) <= RETIME_AFTER
        )
        session = Session(
            id=tag,
            routine=routine,
            plan=plan,
            anchor=utc(occurrence.at) if on_time and occurrence is not None else now,
            occurrence=occurrence,
        )
        self.session = session
        host.enter(State.IN_SESSION)
        host.recorder.started(session, now)
        host.log(
            "session-start",
            f"Starting {routine.title} ({format_seconds(plan.total_seconds)}).",
            session=session.id,
            routine=routine.name,
            scheduled=occurrence.at.astimezone(host.config.settings.timezone)
            if occurrence
            else None,
            total_seconds=plan.total_seconds,
            group=plan.group,
        )
        host.sound.started(session, now)
        self.show_step(settle=True)

    def show_step(self, *, settle: bool = False) -> None:
        """Show the current step; ``settle``: then let the session's start be
        written (briefly: see ``Recorder.settle``) before saying it was shown."""
        host, session = self.host, self.session
        assert session is not None
        step = session.step
        planned = session.step_start()
        host.show(session.id, self._step_message())
        sent = host.clock()
        if settle:
            host.recorder.settle()
        tz = host.config.settings.timezone
        host.log(
            "step",
            f"{messages.step_summary(step)}: {messages.step_body(step, session.routine).split('. ')[0]}",
            session=session.id,
            index=session.index,
            **step.to_json(),
            planned=planned.astimezone(tz),
            sent=sent.astimezone(tz),
        )
        self._arm()

    def _step_message(self, elapsed: float | None = None) -> Message:
        host, session = self.host, self.session
        assert session is not None
        if elapsed is None and session.step.duration >= PROGRESS_MIN:
            elapsed = 0.0
        return messages.step_message(
            session.step,
            session.routine,
            session.plan,
            own_sound=host.sound.own_sound,
            elapsed=elapsed,
        )

    def _arm_progress(self) -> None:
        """Steps of PROGRESS_MIN or more show how far they are, where the server
        draws a bar: the notification again every PROGRESS_EVERY seconds."""
        host, session = self.host, self.session
        if session is None or session.paused or session.step.duration < PROGRESS_MIN:
            host.cancel("progress")
            return
        start = session.step_start()
        every = dt.timedelta(seconds=messages.PROGRESS_EVERY)
        ticks = int((host.clock() - start) / every) + 1
        when = start + ticks * every
        if when <= session.step_end() - every / 2:
            host.at("progress", when, self._progress)
        else:
            host.cancel("progress")

    def _progress(self) -> None:
        host, session = self.host, self.session
        if session is None or session.paused:
            return
        elapsed = (host.clock() - session.step_start()).total_seconds()
        host.show(session.id, self._step_message(elapsed))
        self._arm_progress()

    def _arm(self) -> None:
        assert self.session is not None
        self.host.at("step", self.session.step_end(), self.step_ended)
        self._arm_progress()

    def step_ended(self) -> None:
        host, session = self.host, self.session
        if session is None or session.paused:
            return
        now = host.clock()
        late = now - session.step_end()
        if late < -STEP_EARLY:
            # A timer armed before the clock was set back, or before a set
            # forward moved the session: the step is not over yet.
            self._arm()
            return
        if late > dt.timedelta(seconds=host.config.settings.misfire_grace):
            self.end("interrupted", reason="asleep")
            return
        if not session.advance():
            self.end("completed")
            return
        if late > RETIME_AFTER:
            session.retime(now)
            host.sound.moved(session, now)
            host.log(
                "retimed",
                f"Woke {format_seconds(int(late.total_seconds()))} late; carrying on from this step.",
                session=session.id,
            )
        self.show_step()

    def next_step(self) -> None:
        """Next: end this step now; the rest keep their lengths."""
        session = self.session
        assert session is not None
        self.host.log("next-step", "Skipped to the next step.", session=session.id)
        now = self.host.clock()
        if session.skip_step(now):
            self.host.sound.moved(session, now)
            self.show_step()
        else:
            self.end("completed")

    def pause(self) -> bool:
        """Hold the step where it is; False when it was paused already."""
        host, session = self.host, self.session
        now = host.clock()
        if session is None or not session.pause(now):
            return False
        host.cancel("step")
        host.cancel("progress")
        host.sound.paused()
        host.show(session.id, messages.paused_message(session.step, session.remaining(now)))
        host.enter(State.SESSION_PAUSED)
        return True

    def resume(self) -> bool:
        """Go on from where the step was paused; False when it was not paused."""
        host, session = self.host, self.session
        now = host.clock()
        if session is None or not session.resume(now):
            return False
        host.enter(State.IN_SESSION)
        host.sound.resumed(session, now)
        host.show(session.id, self._step_message())
        self._arm()
        return True

    def end(self, outcome: str, reason: str | None = None) -> None:
        """The session is over: ``completed`` when it reached its end (recorded
        as completed or partial, by the time spent in each phase), or
        ``stopped`` / ``interrupted``."""
        host = self.host
        session, self.session = self.session, None
        if session is None:
            return
        host.cancel("step")
        host.cancel("progress")
        session.finish(host.clock())
        host.sound.ended(completed=outcome == "completed")
        if outcome == "completed":
            outcome = session.end_outcome()
        phases = session.phases_done()
        reached_end = outcome in ("completed", "partial")
        asks = reached_end and host.notifier.supports_actions()
        written, self.written = self.written, None
        rates = asks and written is not None
        if rates:
            host.show(session.id, messages.effort_message(session.routine, session.plan))
        elif reached_end:
            host.show(
                session.id,
                messages.done_message(
                    session.routine,
                    session.plan,
                    ask_checkin=asks,
                    phases_done=phases,
                    own_sound=host.sound.own_chime,
                ),
            )
        elif outcome == "stopped":
            host.show(session.id, messages.stopped_message(session.routine))
        else:
            host.notifier.close(session.id)
        key = host.recorder.ended(session, outcome, reason, host.clock(), asks_checkin=asks)
        if rates and written is not None:
            host.programme.ended(session.id, written, key)
        if outcome == "completed":
            host.recorder.relief_advice(host.paths, host.config, host.clock(), host.show)
        host.log(
            "session-end",
            f"{session.routine.title}: {outcome}"
            + (f" ({reason})" if reason else "")
            + (f"; phases done: {', '.join(phases) or 'none'}" if outcome != "completed" else "")
            + ".",
            session=session.id,
            routine=session.routine.name,
            outcome=outcome,
            reason=reason,
            phases_done=list(phases),
            seconds_done=session.seconds_spent(),
        )
        host.session_ended()

    def failed(self) -> None:
        """Something inside reminder raised: end the session as interrupted
        (error) and say so; the daemon carries on."""
        session = self.session
        if session is not None:
            self.end(failsafe.OUTCOME, reason=failsafe.REASON)
            self.host.show(session.id, messages.internal_error_message(session.routine))

    def planned_seconds(self) -> int:
        """How long the running session lasts as planned (0 when none runs)."""
        return self.session.plan.total_seconds if self.session is not None else 0

    def clock_set(self, delta: dt.timedelta) -> None:
        """The wall clock was set by ``delta``: the steps keep real time."""
        session = self.session
        if session is None:
            return
        session.shift(delta)
        if not session.paused:
            self.host.sound.resumed(session, self.host.clock())
            self._arm()

    def info(self, now: dt.datetime, tz: dt.tzinfo) -> dict[str, Any] | None:
        """The running session as ``status`` shows it."""
        session = self.session
        if session is None:
            return None
        step = session.step
        return {
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
