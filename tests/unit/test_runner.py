"""The session runner on its own, without the rest of the daemon: its steps
at their planned instants, Pause/Resume, Next, sleep and clock sets, and the
states it names. A small host stands in for the coordinator; time is a
hand-cranked clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from support.harness import (
    TINY_ROUTINE,
    TINY_SECONDS,
    TINY_STEP_STARTS,
    EventSink,
    FakeNotifier,
    ManualTimers,
    paths_with_config,
)
from support.sound import SoundRecorder

from reminder.config.calendar import Occurrence
from reminder.config.load import Config, load_config
from reminder.daemon.events import EventLog
from reminder.daemon.programme import ProgrammeAnswers
from reminder.daemon.recorder import Recorder
from reminder.daemon.runner import SessionRunner
from reminder.daemon.session_sound import SessionSound
from reminder.daemon.state import State
from reminder.notify.base import Message, Notifier

BERLIN = ZoneInfo("Europe/Berlin")
TEN_THIRTY = dt.datetime(2026, 11, 30, 10, 30, tzinfo=BERLIN)


class Host:
    """Just what ``runner.RunnerHost`` asks for, recording what it is told."""

    def __init__(self, tmp_path: Path, start: dt.datetime) -> None:
        self.paths = paths_with_config(
            tmp_path,
            '[settings]\ntimezone = "Europe/Berlin"\nmisfire_grace = "15m"\n'
            '[[schedule]]\nroutine = "tiny"\nat = ["10:30"]\n' + TINY_ROUTINE,
        )
        self.config: Config = load_config(self.paths)
        self.timers = ManualTimers(start)
        self.clock: Callable[[], dt.datetime] = self.timers.clock
        self.shown = FakeNotifier(actions=True, record=True, clock=self.timers.clock)
        self.notifier: Notifier = self.shown
        self.sink = EventSink()
        self.log = EventLog(self.sink, json_lines=True, clock=self.timers.clock)
        self.recorder = Recorder(None, self.log)
        self.programme = ProgrammeAnswers(self)
        self.sound = SessionSound(self.config.settings.sound, report=print, factory=SoundRecorder())
        self.states: list[State] = []
        self.ended = 0

    def at(self, key: str, when: dt.datetime, function: Callable[[], object]) -> None:
        def run() -> None:
            function()

        self.timers.call_at(key, when, run)

    def cancel(self, key: str) -> None:
        self.timers.cancel(key)

    def show(self, tag: str, message: Message) -> None:
        self.notifier.show(tag, message)

    def enter(self, state: State) -> None:
        self.states.append(state)

    def session_ended(self) -> None:
        self.ended += 1


def planned(host: Host) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(str(e["planned"])) for e in host.sink.events("step")]


def test_an_on_time_session_keeps_to_the_scheduled_start_even_if_begun_a_second_late(
    tmp_path: Path,
) -> None:
    host = Host(tmp_path, TEN_THIRTY + dt.timedelta(seconds=1))
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], Occurrence(TEN_THIRTY, 0, "tiny"), "tiny-1")
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(seconds=TINY_SECONDS + 1))
    assert planned(host) == [TEN_THIRTY + dt.timedelta(seconds=s) for s in TINY_STEP_STARTS]
    assert host.states == [State.IN_SESSION]
    assert host.ended == 1
    assert host.sink.events("session-end")[0]["outcome"] == "completed"


def test_a_session_begun_after_asking_starts_its_steps_from_now(tmp_path: Path) -> None:
    start = TEN_THIRTY + dt.timedelta(seconds=40)
    host = Host(tmp_path, start)
    runner = SessionRunner(host)
    occurrence = Occurrence(TEN_THIRTY, 0, "tiny")
    routine = host.config.routines["tiny"]
    asked = host.programme.next_session(routine)  # what the question announced
    runner.start(routine, occurrence, "tiny-1", asked=asked)
    host.timers.advance_to(start + dt.timedelta(seconds=6))
    assert planned(host) == [start, start + dt.timedelta(seconds=5)]


def test_pause_holds_the_step_and_resume_goes_on_with_what_was_left(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(seconds=10))  # 5 s into the 20 s hold
    assert runner.pause()
    assert not runner.pause()
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(minutes=3))  # nothing moves while paused
    assert len(host.sink.events("step")) == 2
    assert runner.resume()
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(minutes=3, seconds=16))
    # 15 s of the hold were left: the next step comes 15 s after resuming.
    assert planned(host)[2] == TEN_THIRTY + dt.timedelta(minutes=3, seconds=15)
    assert host.states == [State.IN_SESSION, State.SESSION_PAUSED, State.IN_SESSION]


def test_tapping_next_through_every_step_is_partial_not_completed(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    for _ in TINY_STEP_STARTS:
        host.timers.advance_to(host.timers.now + dt.timedelta(seconds=0.4))
        runner.next_step()
    assert runner.session is None
    end = host.sink.events("session-end")
    assert [(e["outcome"], e["phases_done"]) for e in end] == [("partial", [])]
    assert end[0]["seconds_done"] == 4  # ten steps of 0.4 s
    assert host.shown.shown[-1].message.summary == "Session over · Tiny"
    assert host.ended == 1


def test_next_after_two_thirds_of_each_work_step_completes_the_session(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    plan = runner.session.plan if runner.session else None
    assert plan is not None
    for step in plan.steps:
        # Each work step for 70% of its time, then Next; the rest at once.
        if step.kind == "work":
            host.timers.advance_to(host.timers.now + dt.timedelta(seconds=step.duration * 0.7))
        runner.next_step()
    end = host.sink.events("session-end")
    assert [(e["outcome"], e["phases_done"]) for e in end] == [
        ("completed", ["release", "stretch", "strengthen"])
    ]


def test_a_pause_does_not_count_as_time_spent(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(seconds=6))  # 1 s into the 20 s hold
    runner.pause()
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(minutes=10))
    runner.resume()
    for _ in TINY_STEP_STARTS[1:]:
        runner.next_step()
    end = host.sink.events("session-end")
    assert [(e["outcome"], e["phases_done"], e["seconds_done"]) for e in end] == [
        ("partial", [], 6)  # ready 5 s + 1 s of the hold; the 10 min paused count for nothing
    ]


def test_a_step_found_late_beyond_grace_ends_the_session_as_asleep(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    host.timers.sleep_until(TEN_THIRTY + dt.timedelta(minutes=30))
    host.timers.run_due()
    end = host.sink.events("session-end")
    assert [(e["outcome"], e["reason"]) for e in end] == [("interrupted", "asleep")]


def test_a_step_found_a_little_late_carries_on_from_now(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    woke = TEN_THIRTY + dt.timedelta(minutes=2)  # the ready step ended at 10:30:05
    host.timers.sleep_until(woke)
    host.timers.run_due()
    assert planned(host)[1] == woke
    assert len(host.sink.events("retimed")) == 1


def test_a_clock_set_forward_moves_the_steps_with_it(tmp_path: Path) -> None:
    host = Host(tmp_path, TEN_THIRTY)
    runner = SessionRunner(host)
    runner.start(host.config.routines["tiny"], None, "tiny-1")
    runner.clock_set(dt.timedelta(hours=1))
    host.timers.now = TEN_THIRTY + dt.timedelta(hours=1)
    host.timers.advance_to(TEN_THIRTY + dt.timedelta(hours=1, seconds=6))
    assert planned(host) == [TEN_THIRTY, TEN_THIRTY + dt.timedelta(hours=1, seconds=5)]
