"""The timer wheel on the real APScheduler: order of work and clean stops."""

from __future__ import annotations

import datetime as dt
import threading

from reminder.daemon.timers import Timers

UTC = dt.timezone.utc


def test_work_handed_in_runs_before_timers_that_are_also_due() -> None:
    # After a clock change, the daemon's own correction must run before the
    # step timer that the jump made due, or the step would be cut short.
    timers = Timers()
    order: list[str] = []
    done = threading.Event()
    past = dt.datetime.now(UTC) - dt.timedelta(seconds=5)
    timers.call_at("step", past, lambda: order.append("step"))
    timers.call_soon(lambda: order.append("first"))
    timers.call_soon(lambda: order.append("second"))
    timers.call_at("last", past + dt.timedelta(seconds=1), done.set)
    runner = threading.Thread(target=timers.run, daemon=True)
    runner.start()
    assert done.wait(10)
    assert order == ["first", "second", "step"]
    timers.call_soon(timers.stop)
    runner.join(10)
    assert not runner.is_alive()


def test_queued_work_is_not_a_timer_to_wake_for() -> None:
    timers = Timers()
    at = dt.datetime.now(UTC) + dt.timedelta(hours=1)
    seen: list[dt.datetime | None] = []
    done = threading.Event()

    def probe() -> None:
        timers.call_soon(lambda: None)  # queued while we look
        seen.append(timers.next_wakeup())
        done.set()

    timers.call_at("check", at, lambda: None)
    timers.call_soon(probe)
    runner = threading.Thread(target=timers.run, daemon=True)
    runner.start()
    assert done.wait(10)
    assert seen == [at]
    timers.call_soon(timers.stop)
    runner.join(10)


def test_a_timer_set_again_while_it_runs_late_still_fires() -> None:
    # A step whose notification call is slow sets the next step's timer (same
    # key) after that timer's time: it must still run, not be dropped.
    timers = Timers()
    fired = threading.Event()
    slow_call = threading.Event()  # never set: stands for a notification call taking 0.5 s

    def slow_step() -> None:
        timers.call_at("step", dt.datetime.now(UTC) - dt.timedelta(seconds=1), fired.set)
        slow_call.wait(0.5)

    timers.call_at("step", dt.datetime.now(UTC), slow_step)
    runner = threading.Thread(target=timers.run, daemon=True)
    runner.start()
    assert fired.wait(10)
    timers.call_soon(timers.stop)
    runner.join(10)
