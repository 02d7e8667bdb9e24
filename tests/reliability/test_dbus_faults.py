"""The session bus and the notification server misbehaving under a running
daemon, on a real dbus-daemon with python-dbusmock's notification server:
no bus at all at login (it comes later), a server without buttons, and a
server that stops answering for a while. The daemon never stops reminding,
and its steps keep to the plan's clock. Everything waits on events.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemon_process import Launch, session_calls
from support.desktop import MockServer, SessionBus
from support.routines import (
    DUE,
    QUICK_ROUTINE,
    TINY_ROUTINE,
    TWO_SECONDS_BEFORE,
    config_text,
    write_config,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# 17 s, ten steps: ready 1, hold 3; left 2, switch 1, right 2, rest 1, left 2,
# switch 1, right 2; two 1 s reps.
LONG_ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "3s"
ready = "1s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "2s"
sets = 2
rest = "1s"
sides = "both"
switch = "1s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 2
rep_time = "1s"
ready = "0s"
"""

# TINY_ROUTINE's steps start at these seconds (its docstring, worked out by hand).
TINY_OFFSETS = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10]


pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def late_bus(runtime_dir: Path) -> Iterator[SessionBus]:
    """A session bus not started yet: its address leads nowhere until ``start()``."""
    bus = SessionBus(runtime_dir)
    yield bus
    bus.stop()


def test_a_session_bus_that_appears_after_login_is_picked_up_mid_session(
    late_bus: SessionBus,
    dbusmock_installed: None,
    tmp_path: Path,
    launch: Launch,
) -> None:
    config = write_config(tmp_path, config_text(LONG_ROUTINE))
    assert not late_bus.socket.exists()
    daemon = launch(
        config,
        faketime=TWO_SECONDS_BEFORE,
        DBUS_SESSION_BUS_ADDRESS=late_bus.address,
    )
    # No bus: the first steps show on the console, and the daemon says why.
    daemon.wait_for("session-start", timeout=15)
    daemon.wait_for_stdout("Release · Ball", timeout=15)
    daemon.wait_for("notify-error", timeout=15)
    assert daemon.named("notify-recovered") == []

    late_bus.start()
    server = MockServer(late_bus, "body actions", tmp_path / "dbusmock.log")
    try:
        server.start()
        recovered = daemon.wait_for("notify-recovered", timeout=20)
        assert recovered["backend"] == "freedesktop"
        end = daemon.wait_for("session-end", timeout=25)
        assert end["outcome"] == "completed"

        calls = session_calls(server)
        summaries = [c.summary for c in calls]
        assert summaries, "no step reached the notification server once it was up"
        assert summaries[-2:] == ["Strengthen · Clamshell", "Done · Tiny"]
        assert {c.app_name for c in calls} == {"reminder"}
    finally:
        server.stop()
    # The steps before the bus came went to the console, not into the void.
    assert any("Release · Ball" in line for line in daemon.stdout_lines)
    assert daemon.stop() == 0


def test_a_server_without_buttons_gets_no_actions_and_ask_starts_at_once(
    start_mock: Callable[[str], MockServer],
    session_bus: SessionBus,
    tmp_path: Path,
    launch: Launch,
) -> None:
    server = start_mock("body")
    config = write_config(tmp_path, config_text(QUICK_ROUTINE, start="ask"))
    daemon = launch(
        config,
        faketime=TWO_SECONDS_BEFORE,
        DBUS_SESSION_BUS_ADDRESS=session_bus.address,
    )
    started = daemon.wait_for("session-start", timeout=15)
    # Nobody could press Start: the session begins when it is due, without asking.
    assert daemon.named("ask") == []
    assert dt.datetime.fromisoformat(started["ts"]) - DUE < dt.timedelta(seconds=5)
    end = daemon.wait_for("session-end", timeout=20)
    assert end["outcome"] == "completed"

    calls = server.notify_calls()
    assert [c.summary for c in session_calls(server)][-1] == "Done · Tiny"
    assert [(c.summary, c.actions) for c in calls if c.actions] == []
    assert daemon.stop() == 0


def test_a_server_that_stops_answering_for_a_while_delays_but_never_shifts_the_plan(
    mock_server: MockServer,
    session_bus: SessionBus,
    tmp_path: Path,
    launch: Launch,
) -> None:
    config = write_config(tmp_path, config_text(TINY_ROUTINE))
    daemon = launch(
        config,
        faketime=TWO_SECONDS_BEFORE,
        DBUS_SESSION_BUS_ADDRESS=session_bus.address,
    )
    assert mock_server.process is not None
    server_pid = mock_server.process.pid
    resume = threading.Timer(2.0, os.kill, (server_pid, signal.SIGCONT))

    def pause_mid_session() -> None:
        daemon.wait_for("step", timeout=20, where=lambda e: e["index"] == 2)
        os.kill(server_pid, signal.SIGSTOP)
        resume.start()

    pauser = threading.Thread(target=pause_mid_session, daemon=True)
    pauser.start()
    try:
        end = daemon.wait_for("session-end", timeout=25)
        pauser.join(timeout=5)
        assert not pauser.is_alive()
        resume.join(timeout=5)
    finally:
        resume.cancel()
        os.kill(server_pid, signal.SIGCONT)  # never leave the server stopped
    assert end["outcome"] == "completed"

    steps = daemon.named("step")
    planned = [dt.datetime.fromisoformat(s["planned"]) for s in steps]
    assert [(p - DUE).total_seconds() for p in planned] == TINY_OFFSETS
    for step, at in zip(steps, planned, strict=True):
        late = dt.datetime.fromisoformat(step["sent"]) - at
        # Sent from a thread of its own: the pause costs a step at most the
        # short wait for the sender, never the server's 5 s call timeout.
        assert dt.timedelta(0) <= late <= dt.timedelta(seconds=1), step
    # Once it answered again the server caught up: it shows the end. (Steps
    # that went stale while it was stopped may have been skipped.)
    assert session_calls(mock_server)[-1].summary == "Done · Tiny"
    assert daemon.stop() == 0


def test_a_server_hung_for_a_whole_session_keeps_no_step_waiting(
    mock_server: MockServer,
    session_bus: SessionBus,
    tmp_path: Path,
    launch: Launch,
) -> None:
    """Every call to a stopped server times out after 5 s; the steps do not wait
    for it, the session ends on time, and the console shows what the desktop
    could not."""
    config = write_config(tmp_path, config_text(TINY_ROUTINE))
    daemon = launch(
        config, faketime=TWO_SECONDS_BEFORE, DBUS_SESSION_BUS_ADDRESS=session_bus.address
    )
    assert mock_server.process is not None
    server_pid = mock_server.process.pid
    daemon.wait_for("next", timeout=15)
    os.kill(server_pid, signal.SIGSTOP)
    try:
        end = daemon.wait_for("session-end", timeout=30)
        daemon.wait_for_stdout("Clamshell", timeout=30)  # the fallback caught up
    finally:
        os.kill(server_pid, signal.SIGCONT)  # never leave the server stopped
    assert end["outcome"] == "completed"
    # Due at 10:30:00, 12 s long: the presence check waits at most 1 s for a
    # server that does not answer, and no step waits for it at all.
    started = daemon.named("session-start")[0]
    assert dt.datetime.fromisoformat(started["ts"]) - DUE <= dt.timedelta(seconds=1.5)
    assert dt.datetime.fromisoformat(end["ts"]) - DUE <= dt.timedelta(seconds=12 + 2)
    steps = daemon.named("step")
    assert len(steps) == len(TINY_OFFSETS)
    first = dt.datetime.fromisoformat(steps[0]["sent"]) - dt.datetime.fromisoformat(started["ts"])
    assert first <= dt.timedelta(seconds=1), steps[0]
    for step in steps[1:]:
        late = dt.datetime.fromisoformat(step["sent"]) - dt.datetime.fromisoformat(step["planned"])
        assert dt.timedelta(0) <= late <= dt.timedelta(seconds=1), step
    assert daemon.named("notify-error")  # said why the console showed them
    assert daemon.stop() == 0
