"""The wall clock jumping under a running daemon, and suspends across
scheduled sessions: the installed ``reminder run`` on a real session bus, with
dbusmock's notification server (what the user sees), dbusmock's logind on a
stand-in system bus (suspend and resume), and the daemon's own clock moved
by libfaketime while it runs (``DaemonProcess.jump``).

The promises (README "Missed sessions", docs/troubleshooting.md "Sessions
after suspend", DESIGN.md "The daemon"): of the sessions whose time has
come, at most one runs, the latest at most ``misfire_grace`` late; every
other is recorded missed with its reason (late, superseded); none runs twice,
even when the clock is set back; a running session's steps keep real time
when the clock is set.

How the daemon hears of a jump here: libfaketime moves only the daemon's
wall clock, and the kernel does not wake it as it would for a real clock
change (no TFD_TIMER_CANCEL_ON_SET). The daemon compares the wall clock with
CLOCK_BOOTTIME (not faked) whenever its wall-clock timer fires, so every
scenario has a timer due a few seconds after the jump.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_process import DaemonProcess, Event, Launch, reminder_json, session_calls
from support.routines import TWO_SECONDS_BEFORE, config_text, write_config

if TYPE_CHECKING:
    from support.desktop import MockServer
    from support.logind import Logind

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

# Three steps, 8 s: Ball hold 3 s, Figure-4 hold 3 s, Clamshell 2 reps of 1 s.
ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "3s"
ready = "0s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "3s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 2
rep_time = "1s"
ready = "0s"
"""
SESSION = ["Release · Ball", "Stretch · Figure-4", "Strengthen · Clamshell", "Done · Tiny"]

FIVE_SECONDS_BEFORE = "2026-11-30 10:29:55"
HOUR = 3600
TOMORROW_10_30 = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def run_daemon(
    mock_server: MockServer, tmp_path: Path, launch: Launch
) -> Callable[..., tuple[DaemonProcess, Path]]:
    """``run_daemon(start, misfire_grace=..., at=..., **env)``: a daemon whose
    wall clock starts at ``start`` and can jump; and its config file."""

    def run(
        start: str, *, misfire_grace: str, at: tuple[str, ...] = ("10:30",), **env: str
    ) -> tuple[DaemonProcess, Path]:
        config = write_config(tmp_path, config_text(ROUTINE, at=at, misfire_grace=misfire_grace))
        daemon = launch(config, faketime=start, clock_file=tmp_path / "faketime", **env)
        daemon.wait_for("next")
        return daemon, config

    return run


def jump(daemon: DaemonProcess, run_reminder: RunReminder, config: Path, seconds: int) -> None:
    """Set the daemon's clock once it is idle between events: a control round
    trip first, so the daemon has armed its timers for what it just did (a
    timer armed after the jump would be armed on the new clock, and the
    daemon would have no reason to look at the clock again)."""
    status(run_reminder, config)
    daemon.jump(seconds)


def moment(event: Event, key: str = "ts") -> dt.datetime:
    return dt.datetime.fromisoformat(str(event[key]))


def history(run_reminder: RunReminder, config: Path) -> list[tuple[Any, ...]]:
    """What `reminder history` shows: (scheduled at, outcome, reason) a session."""
    return [
        (entry["scheduled_at"], entry["outcome"], entry["reason"])
        for entry in reminder_json(run_reminder, config, "history")
    ]


def status(run_reminder: RunReminder, config: Path) -> dict[str, Any]:
    answer: dict[str, Any] = reminder_json(run_reminder, config, "status")
    return answer


def next_at(answer: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(answer["next"]["at"]))


def summaries(server: MockServer) -> list[str]:
    return [call.summary for call in session_calls(server)]


def test_clock_set_forward_past_a_session_beyond_grace_records_it_missed_late(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
) -> None:
    """Promise: a session found more than misfire_grace late is missed (reason
    "late"), never run late."""
    daemon, config = run_daemon(FIVE_SECONDS_BEFORE, misfire_grace="5m")
    jump(
        daemon, run_reminder, config, 3 * HOUR
    )  # 10:29:55 -> 13:29:55; the 10:30 timer fires 5 s later
    missed = daemon.wait_for("missed")
    assert (missed["at"], missed["reason"]) == ("2026-11-30T10:30:00+00:00", "late")
    assert daemon.wait_for("clock-change")["jump_seconds"] == pytest.approx(3 * HOUR, abs=1)

    answer = status(run_reminder, config)
    assert (answer["state"], next_at(answer)) == ("idle", TOMORROW_10_30)
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "missed", "late")]
    assert summaries(mock_server) == []
    assert daemon.named("session-start") == []
    assert daemon.stop() == 0


def test_clock_set_forward_past_a_session_within_grace_runs_it_once_late_in_real_time(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
) -> None:
    """Promise: a session at most misfire_grace late still runs, once, and
    walks its steps in real time from when it starts."""
    daemon, config = run_daemon(FIVE_SECONDS_BEFORE, misfire_grace="4h")
    jump(daemon, run_reminder, config, 3 * HOUR)
    started = daemon.wait_for("session-start")
    assert started["scheduled"] == "2026-11-30T10:30:00+00:00"
    assert moment(started) - moment(started, "scheduled") > dt.timedelta(hours=2, minutes=59)
    end = daemon.wait_for("session-end", timeout=15)  # 8 s of steps
    assert end["outcome"] == "completed"
    assert summaries(mock_server) == SESSION
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "completed", None)]
    assert len(daemon.named("session-start")) == 1
    assert daemon.stop() == 0


def test_clock_set_back_after_a_session_ran_never_runs_it_again(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
) -> None:
    """Promise: a session that ran is not run again when the clock is set
    back before its time (the clock will read 10:30 again in an hour)."""
    daemon, config = run_daemon(TWO_SECONDS_BEFORE, misfire_grace="15m")
    assert daemon.wait_for("session-end", timeout=20)["outcome"] == "completed"
    jump(daemon, run_reminder, config, -HOUR)  # 10:30:08 -> 09:30:08
    # Idle, the daemon's next timer is tomorrow's session. A one-second pause
    # arms a timer that fires at once, and the daemon sees the clock then, as
    # it would at once on a real clock change.
    paused = run_reminder("pause", "1s", "--config", str(config))
    assert paused.returncode == 0, paused.stderr
    change = daemon.wait_for("clock-change", timeout=10)
    assert change["jump_seconds"] == pytest.approx(-HOUR, abs=1)
    daemon.wait_for("resumed", timeout=10)

    answer = status(run_reminder, config)
    assert (answer["state"], next_at(answer)) == ("idle", TOMORROW_10_30)
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "completed", None)]
    assert summaries(mock_server) == SESSION
    assert len(daemon.named("session-start")) == 1
    assert daemon.named("missed") == []
    assert daemon.stop() == 0


def test_clock_set_forward_mid_session_keeps_the_remaining_steps_in_real_time(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
) -> None:
    """Promise: when the clock is set (not a sleep), the steps still to come
    keep their real-time spacing; the session completes, once."""
    daemon, config = run_daemon(TWO_SECONDS_BEFORE, misfire_grace="5m")
    daemon.wait_for("step", where=lambda e: e["index"] == 0)  # Ball, 10:30:00-10:30:03
    jump(daemon, run_reminder, config, 3 * HOUR)
    end = daemon.wait_for("session-end", timeout=15)
    assert end["outcome"] == "completed"
    steps = daemon.named("step")
    assert [s["exercise"] for s in steps] == ["Ball", "Figure-4", "Clamshell"]
    sent = [moment(s, "sent") for s in steps]
    # Real seconds between the notifications: 3 and 3, the jump taken out.
    gaps = [(sent[1] - sent[0]).total_seconds() - 3 * HOUR, (sent[2] - sent[1]).total_seconds()]
    assert gaps == [pytest.approx(3, abs=0.5), pytest.approx(3, abs=0.5)]
    assert summaries(mock_server) == SESSION
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "completed", None)]
    assert daemon.stop() == 0


def test_clock_set_back_mid_session_keeps_the_steps_in_real_time_and_records_it_once(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
) -> None:
    """Promise: when the clock is set back mid-session the steps keep real
    time, the session completes and is recorded once, and it does not come
    again when the clock reaches its time a second time."""
    daemon, config = run_daemon(TWO_SECONDS_BEFORE, misfire_grace="15m")
    daemon.wait_for("step", where=lambda e: e["index"] == 0)  # Ball, 10:30:00-10:30:03
    jump(daemon, run_reminder, config, -HOUR)
    end = daemon.wait_for("session-end", timeout=20)
    assert end["outcome"] == "completed"
    change = daemon.named("clock-change")
    assert [c["jump_seconds"] for c in change] == [pytest.approx(-HOUR, abs=1)]
    steps = daemon.named("step")
    assert [s["exercise"] for s in steps] == ["Ball", "Figure-4", "Clamshell"]
    sent = [moment(s, "sent") for s in steps]
    gaps = [(sent[1] - sent[0]).total_seconds() + HOUR, (sent[2] - sent[1]).total_seconds()]
    assert gaps == [pytest.approx(3, abs=0.5), pytest.approx(3, abs=0.5)]
    assert daemon.named("retimed") == []

    assert summaries(mock_server) == SESSION
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "completed", None)]
    answer = status(run_reminder, config)
    assert (answer["state"], next_at(answer)) == ("idle", TOMORROW_10_30)
    assert len(daemon.named("session-start")) == 1
    assert daemon.stop() == 0


def sleep_across(
    daemon: DaemonProcess, run_reminder: RunReminder, config: Path, logind: Logind, seconds: int
) -> None:
    """A suspend as the daemon sees it: PrepareForSleep(true), the wall clock
    ``seconds`` later, PrepareForSleep(false)."""
    logind.prepare_for_sleep(True)
    daemon.wait_for("sleep")
    jump(daemon, run_reminder, config, seconds)
    logind.prepare_for_sleep(False)
    daemon.wait_for("resume")


def test_a_suspend_across_one_session_runs_it_once_late_on_waking(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
    logind: Logind,
) -> None:
    """Promise: a session the computer slept through starts on waking if it is
    at most misfire_grace late, once."""
    daemon, config = run_daemon(
        FIVE_SECONDS_BEFORE, misfire_grace="15m", DBUS_SYSTEM_BUS_ADDRESS=logind.address
    )
    assert daemon.named("sleep-watch")[0]["listening"] is True
    sleep_across(daemon, run_reminder, config, logind, 5 * 60)  # 10:29:55 -> 10:34:55
    started = daemon.wait_for("session-start")
    assert started["scheduled"] == "2026-11-30T10:30:00+00:00"
    late = moment(started) - moment(started, "scheduled")
    assert dt.timedelta(minutes=4, seconds=50) < late < dt.timedelta(minutes=6)
    daemon.wait_for("step", where=lambda e: e["index"] == 0)

    answer = status(run_reminder, config)
    assert answer["state"] == "in-session"
    assert answer["session"]["routine"] == "tiny"
    assert next_at(answer) == TOMORROW_10_30
    assert history(run_reminder, config) == [("2026-11-30T10:30:00+00:00", "running", None)]
    assert summaries(mock_server)[0] == "Release · Ball"
    assert len(daemon.named("session-start")) == 1
    assert daemon.named("missed") == []
    assert daemon.stop() == 0


def test_a_suspend_across_several_sessions_runs_only_the_latest_within_grace(
    run_daemon: Callable[..., tuple[DaemonProcess, Path]],
    mock_server: MockServer,
    run_reminder: RunReminder,
    logind: Logind,
) -> None:
    """Promise: waking after several sessions runs at most one, the latest
    within misfire_grace; the others are missed with their reason (beyond
    grace: late; within it but not the latest: superseded); none twice; the
    next day's sessions are still scheduled."""
    daemon, config = run_daemon(
        FIVE_SECONDS_BEFORE,
        misfire_grace="10m",
        at=("10:30", "10:35", "10:40"),
        DBUS_SYSTEM_BUS_ADDRESS=logind.address,
    )
    # 10:29:55 -> about 10:44:25: 10:30 is 14.5 min late, 10:35 9.5, 10:40 4.5.
    sleep_across(daemon, run_reminder, config, logind, 14 * 60 + 30)
    started = daemon.wait_for("session-start")
    assert started["scheduled"] == "2026-11-30T10:40:00+00:00"
    daemon.wait_for("step", where=lambda e: e["index"] == 0)

    missed = [(e["at"], e["reason"]) for e in daemon.named("missed")]
    assert missed == [
        ("2026-11-30T10:30:00+00:00", "late"),
        ("2026-11-30T10:35:00+00:00", "superseded"),
    ]
    answer = status(run_reminder, config)
    assert answer["state"] == "in-session"
    assert next_at(answer) == TOMORROW_10_30
    assert history(run_reminder, config) == [
        ("2026-11-30T10:30:00+00:00", "missed", "late"),
        ("2026-11-30T10:35:00+00:00", "missed", "superseded"),
        ("2026-11-30T10:40:00+00:00", "running", None),
    ]
    assert summaries(mock_server)[0] == "Release · Ball"
    assert len(daemon.named("session-start")) == 1
    assert daemon.stop() == 0
