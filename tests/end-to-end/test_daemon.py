"""``reminder run`` end to end: the installed command as a real process, on a
real session bus, with python-dbusmock's notification server recording every
call (and dunst under Xvfb for the smoke test).

faketime starts the daemon's wall clock two seconds before a session is due,
so a scheduled session begins without waiting for a real 10:30.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemon_process import Launch, session_calls
from support.routines import DUE, TINY_ROUTINE, TWO_SECONDS_BEFORE, config_text, write_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import RunReminder
    from support.desktop import Dunst, MockServer
    from support.logind import Logind

# The notifications TINY_ROUTINE must produce, in order, worked out by hand
# from DESIGN.md's plan semantics: (summary, body, seconds from the start).
EXPECTED_STEPS = [
    ("Release · Ball", "Get ready — 1 s", 0),
    # A work step also says what comes next and where the session is (12 s in all).
    ("Release · Ball", "Hold 2 s\nNext: Figure-4 · step 2 of 10 · 11 s left", 1),
    (
        "Stretch · Figure-4",
        "Left side — hold 1 s (set 1 of 2)\nNext: switch sides · step 3 of 10 · 9 s left",
        3,
    ),
    ("Stretch · Figure-4", "Switch to the right side — 1 s", 4),
    (
        "Stretch · Figure-4",
        "Right side — hold 1 s (set 1 of 2)\nNext: rest 1 s · step 5 of 10 · 7 s left",
        5,
    ),
    ("Stretch · Figure-4", "Rest — 1 s (set 1 of 2 done)", 6),
    (
        "Stretch · Figure-4",
        "Left side — hold 1 s (set 2 of 2)\nNext: switch sides · step 7 of 10 · 5 s left",
        7,
    ),
    ("Stretch · Figure-4", "Switch to the right side — 1 s", 8),
    (
        "Stretch · Figure-4",
        "Right side — hold 1 s (set 2 of 2)\nNext: Clamshell · step 9 of 10 · 3 s left",
        9,
    ),
    ("Strengthen · Clamshell", "2 reps, 1 s each\nNext: done · step 10 of 10 · 2 s left", 10),
]
DONE = (
    "Done · Tiny",
    "Well done: 12 s of release, stretch and strengthen. How is the pain compared with last time?",
)
DONE_WITHOUT_BUTTONS = ("Done · Tiny", "Well done: 12 s of release, stretch and strengthen.")
SESSION_ACTIONS = ["next", "Next", "pause", "Pause", "stop", "Stop"]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path, config_text())


def new_notification_ids(server: MockServer) -> list[int]:
    """The ids the mock gave out: it numbers new notifications 1, 2, 3, ..."""
    fresh = [c for c in server.notify_calls() if c.replaces_id == 0]
    return list(range(1, len(fresh) + 1))


def test_a_scheduled_session_walks_every_step_in_one_updated_notification(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    end = daemon.wait_for("session-end", timeout=30)
    assert end["outcome"] == "completed"
    assert end["phases_done"] == ["release", "stretch", "strengthen"]

    calls = session_calls(mock_server)
    assert [(c.summary, c.body) for c in calls] == [(s, b) for s, b, _ in EXPECTED_STEPS] + [DONE]
    assert {c.app_name for c in calls} == {"reminder"}
    # One notification, updated in place: every update replaces the first.
    first_id = new_notification_ids(mock_server)[-1]
    assert calls[0].replaces_id == 0
    assert {c.replaces_id for c in calls[1:]} == {first_id}
    # Buttons during the session; every notification expires, a little after its step.
    for call in calls[: len(EXPECTED_STEPS)]:
        assert call.actions == SESSION_ACTIONS
    durations = [1, 2, 1, 1, 1, 1, 1, 1, 1, 2]
    for call, seconds in zip(calls, durations, strict=False):
        assert seconds * 1000 < call.expire_timeout <= (seconds + 60) * 1000
    assert calls[-1].expire_timeout > 0
    assert calls[-1].actions == ["better", "Better", "same", "Same", "worse", "Worse"]

    # The log's step events: each planned at the session start plus its offset.
    steps = daemon.named("step")
    start = dt.datetime.fromisoformat(steps[0]["planned"])
    assert start == DUE
    assert [(dt.datetime.fromisoformat(s["planned"]) - start).total_seconds() for s in steps] == [
        offset for _, _, offset in EXPECTED_STEPS
    ]
    for step in steps:
        assert dt.datetime.fromisoformat(step["sent"]) >= dt.datetime.fromisoformat(step["planned"])
    assert daemon.stop() == 0


def test_first_run_says_once_that_it_is_not_medical_advice(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    first = launch(config_file)
    first.wait_for("next")
    assert first.stop() == 0
    second = launch(config_file)
    second.wait_for("next")
    assert second.stop() == 0
    welcome = [c for c in mock_server.notify_calls() if c.summary == "reminder is running"]
    assert len(welcome) == 1
    assert "not medical advice" in welcome[0].body
    assert "clinician" in welcome[0].body


def test_everything_a_first_day_leaves_in_the_state_folder_is_private(
    mock_server: MockServer,
    config_file: Path,
    launch: Launch,
    run_reminder: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """Check-in notes are health data, and the rest says when someone
    exercises: nothing in the state folder may be readable by others,
    whatever the umask (the test's is 022)."""
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    assert daemon.wait_for("session-end", timeout=30)["outcome"] == "completed"
    assert daemon.stop() == 0
    paths = json.loads(run_reminder("paths", "--json", "--config", str(config_file)).stdout)
    state = Path(paths["history"]).parent
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in [state, *state.iterdir()]}
    assert {"welcomed", "history.sqlite3"} <= modes.keys()
    assert {name: mode for name, mode in modes.items() if int(mode, 8) & 0o077} == {}


def test_ask_offers_start_snooze_skip_and_start_begins_the_session(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    config_file.write_text(config_text(start="ask"), encoding="utf-8")
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("ask")
    asked = session_calls(mock_server)[-1]
    assert asked.summary == "Time for Tiny"
    assert asked.actions == ["start", "Start", "snooze", "Snooze", "skip", "Skip"]
    assert asked.expire_timeout == 5 * 60 * 1000  # the ask waits out misfire_grace

    mock_server.click(new_notification_ids(mock_server)[-1], "start")
    daemon.wait_for("session-start")
    daemon.wait_for("step")
    latest = session_calls(mock_server)[-1]
    assert (latest.summary, latest.body) == EXPECTED_STEPS[0][:2]
    assert latest.replaces_id == new_notification_ids(mock_server)[-1]
    assert daemon.stop() == 0


@pytest.mark.parametrize("answer", ["skip", "snooze"])
def test_skip_and_snooze_start_nothing_now(
    mock_server: MockServer,
    config_file: Path,
    launch: Launch,
    answer: str,
) -> None:
    config_file.write_text(config_text(start="ask"), encoding="utf-8")
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("ask")
    asked_id = new_notification_ids(mock_server)[-1]
    mock_server.click(asked_id, answer)
    event = daemon.wait_for("skipped" if answer == "skip" else "snoozed")
    assert event["routine"] == "tiny"
    if answer == "snooze":
        until = dt.datetime.fromisoformat(event["until"])
        assert until - dt.datetime.fromisoformat(event["ts"]) == pytest.approx(
            dt.timedelta(minutes=1), abs=dt.timedelta(seconds=1)
        )
    closed = mock_server.method_calls("CloseNotification")
    assert [asked_id] in closed
    assert daemon.named("session-start") == []
    assert daemon.stop() == 0


def test_buttons_pause_resume_skip_ahead_and_stop_a_session(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("step")
    session_id = new_notification_ids(mock_server)[-1]

    mock_server.click(session_id, "pause")
    daemon.wait_for("paused")
    paused = session_calls(mock_server)[-1]
    assert paused.summary == "Paused · Ball"
    assert paused.actions == ["resume", "Resume", "stop", "Stop"]

    mock_server.click(session_id, "resume")
    daemon.wait_for("resumed")
    mock_server.click(session_id, "next")
    daemon.wait_for("next-step")
    after_next = daemon.wait_for("step", where=lambda e: e["index"] == 1)
    assert after_next["exercise"] == "Ball"
    assert after_next["kind"] == "work"

    mock_server.click(session_id, "stop")
    end = daemon.wait_for("session-end")
    assert end["outcome"] == "stopped"
    assert session_calls(mock_server)[-1].summary == "Stopped · Tiny"
    assert daemon.stop() == 0


def test_a_good_edit_applies_and_a_bad_one_keeps_the_last_good_config(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    daemon = launch(config_file)
    daemon.wait_for("next", where=lambda e: e["at"].endswith("10:30:00+00:00"))

    config_file.write_text(config_text(at=["11:45"]), encoding="utf-8")
    reload = daemon.wait_for("reload", timeout=5)
    assert reload["schedules"] == 1
    daemon.wait_for("next", where=lambda e: e["at"].endswith("11:45:00+00:00"))

    # An editor's save: write a new file, then rename it over the old one.
    broken = config_file.with_name(".config.toml.swp")
    broken.write_text(config_text(at=["25:00"]), encoding="utf-8")
    broken.replace(config_file)
    error = daemon.wait_for("config-error", timeout=5)
    assert any("schedule[0].at[0]" in p and "25:00" in p for p in error["problems"])
    note = session_calls(mock_server)[-1]
    assert note.summary == "Config not applied: it has a mistake"
    assert "25:00" in note.body
    assert len(daemon.named("reload")) == 1  # the broken config was not applied

    config_file.write_text(config_text(at=["12:15"]), encoding="utf-8")
    daemon.wait_for("next", where=lambda e: e["at"].endswith("12:15:00+00:00"))
    assert daemon.stop() == 0


def test_sighup_reloads_on_request(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    daemon = launch(config_file)
    daemon.wait_for("next")
    daemon.signal(signal.SIGHUP)
    reload = daemon.wait_for("reload", timeout=5)
    assert reload["changed"] is False
    assert daemon.named("config-error") == []
    assert daemon.stop() == 0


def test_starting_with_a_broken_config_exits_78_and_says_why(
    config_file: Path, run_reminder: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    config_file.write_text(config_text(at=["25:00"]), encoding="utf-8")
    result = run_reminder("run", "--config", str(config_file))
    assert result.returncode == 78
    assert 'schedule[0].at[0]: "25:00" is not a time of day' in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_daemon_is_refused_and_names_the_first(
    mock_server: MockServer,
    config_file: Path,
    launch: Launch,
    run_reminder: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    first = launch(config_file)
    first.wait_for("daemon-start")
    second = run_reminder("run", "--config", str(config_file))
    assert second.returncode == 1
    assert f"already running (pid {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.process is not None
    assert first.process.poll() is None
    assert first.stop() == 0


def test_sigterm_mid_session_ends_cleanly_and_records_it_interrupted(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("step", where=lambda e: e["index"] == 1)
    session_id = new_notification_ids(mock_server)[-1]
    assert daemon.stop(timeout=2) == 0
    end = daemon.named("session-end")
    assert [(e["outcome"], e["reason"]) for e in end] == [("interrupted", "SIGTERM")]
    assert [session_id] in mock_server.method_calls("CloseNotification")
    assert daemon.named("daemon-stop")


def test_a_notification_server_that_dies_and_returns_mid_session(
    start_mock: Callable[[str], MockServer],
    config_file: Path,
    launch: Launch,
) -> None:
    server = start_mock("body actions")
    # A longer last exercise (8 s), so the session outlasts the server's restart.
    longer = TINY_ROUTINE.replace("reps = 2\n", "reps = 8\n")
    config_file.write_text(config_text(longer), encoding="utf-8")
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("step", where=lambda e: e["index"] == 1)
    server.kill()
    # Steps go on, shown on the console while no server answers.
    daemon.wait_for("notify-error", timeout=10)
    daemon.wait_for_stdout("Stretch · Figure-4")
    replacement = start_mock("body actions")
    daemon.wait_for("notify-recovered", timeout=10)
    daemon.wait_for("session-end", timeout=30)
    shown = [c.summary for c in session_calls(replacement)]
    assert shown[-1] == DONE[0]
    assert daemon.named("session-end")[0]["outcome"] == "completed"
    assert daemon.stop() == 0


def test_with_no_session_bus_the_session_runs_on_the_console(
    config_file: Path, launch: Launch, tmp_path: Path
) -> None:
    empty_runtime = tmp_path / "run"
    empty_runtime.mkdir(mode=0o700)
    daemon = launch(
        config_file,
        faketime=TWO_SECONDS_BEFORE,
        DBUS_SESSION_BUS_ADDRESS="",
        XDG_RUNTIME_DIR=str(empty_runtime),
    )
    daemon.wait_for("session-end", timeout=30)
    for summary, body, _ in EXPECTED_STEPS:
        # The console prints a notification on one line, its lines joined by " / ".
        daemon.wait_for_stdout(f"{summary} — {body.replace(chr(10), ' / ')}")
    daemon.wait_for_stdout(f"{DONE_WITHOUT_BUTTONS[0]} — {DONE_WITHOUT_BUTTONS[1]}")
    # The fallback is said once, not at every step.
    (error,) = daemon.named("notify-error")
    assert error["retrying"] is True
    assert daemon.stop() == 0


def test_status_without_a_session_bus_says_the_console_stands_in(
    config_file: Path, launch: Launch, tmp_path: Path, run_reminder: RunReminder
) -> None:
    empty_runtime = tmp_path / "run"
    empty_runtime.mkdir(mode=0o700)
    no_desktop = {"DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": str(empty_runtime)}
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE, **no_desktop)
    daemon.wait_for("notify-error", timeout=15)
    shown = run_reminder("status", "--config", str(config_file), env=no_desktop)
    assert shown.returncode == 0, shown.stderr
    assert "notifications: console, retrying freedesktop at every notification" in shown.stdout
    answer = json.loads(
        run_reminder("status", "--json", "--config", str(config_file), env=no_desktop).stdout
    )
    assert answer["notifier"] == "freedesktop"  # what the config chose, as before
    assert (answer["notifier_in_use"], answer["notifier_retrying"]) == ("console", "freedesktop")
    assert daemon.stop() == 0


def test_the_text_log_of_a_session_without_a_desktop_is_one_line_a_step(
    config_file: Path, launch: Launch, tmp_path: Path
) -> None:
    empty_runtime = tmp_path / "run"
    empty_runtime.mkdir(mode=0o700)
    daemon = launch(
        config_file,
        faketime=TWO_SECONDS_BEFORE,
        log_format="text",
        DBUS_SESSION_BUS_ADDRESS="",
        XDG_RUNTIME_DIR=str(empty_runtime),
    )
    daemon.wait_for_stdout(DONE_WITHOUT_BUTTONS[0], timeout=30)
    assert daemon.stop() == 0
    log = daemon.stderr_lines
    assert sum(" notify-error: " in line for line in log) == 1, "\n".join(log)
    assert not [line for line in log if " step: " in line], "\n".join(log)
    steps = [line.split("] ", 1)[1] for line in daemon.stdout_lines if "] " in line]
    steps = [line for line in steps if not line.startswith(("reminder is running", "Done"))]
    # The console prints a body's lines on one line, joined by " / ".
    assert steps == [
        f"{summary} — {body.replace(chr(10), ' / ')}" for summary, body, _ in EXPECTED_STEPS
    ]


def test_a_real_session_shows_in_dunst(dunst: Dunst, config_file: Path, launch: Launch) -> None:
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE, DISPLAY=dunst.display)
    daemon.wait_for("session-end", timeout=30)
    assert dunst.displayed() >= 1
    subprocess.run(["dunstctl", "close-all"], env=dunst.bus.env(), check=True, timeout=10)
    shown = {(entry["appname"], entry["summary"], entry["body"]) for entry in dunst.history()}
    assert ("reminder", DONE[0], DONE[1]) in shown
    assert daemon.stop() == 0
    assert os.environ.get("DISPLAY") != dunst.display  # the test's own env untouched


def test_resume_from_suspend_is_heard_from_logind(
    mock_server: MockServer, config_file: Path, launch: Launch, logind: Logind
) -> None:
    daemon = launch(config_file, DBUS_SYSTEM_BUS_ADDRESS=logind.address)
    assert daemon.wait_for("sleep-watch")["listening"] is True
    daemon.wait_for("next")
    logind.prepare_for_sleep(True)
    logind.prepare_for_sleep(False)
    daemon.wait_for("sleep")
    daemon.wait_for("resume")
    # On resume it looks at the wall clock again: the same next session.
    assert daemon.named("next")[-1]["at"].endswith("10:30:00+00:00")
    assert daemon.stop() == 0


def test_without_logind_the_daemon_says_it_relies_on_the_clock(
    mock_server: MockServer, config_file: Path, launch: Launch, tmp_path: Path
) -> None:
    daemon = launch(config_file, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-such-bus")
    assert daemon.wait_for("sleep-watch")["listening"] is False
    assert daemon.stop() == 0


def test_with_no_config_file_the_built_in_default_runs_and_says_so(
    mock_server: MockServer, launch: Launch
) -> None:
    # The README's first command: `reminder run` before any config exists.
    process = launch(None)
    notice = process.wait_for("default-config")
    assert "built-in default" in notice["message"]
    assert "reminder init" in notice["message"]
    upcoming = process.wait_for("next")
    at = dt.datetime.fromisoformat(upcoming["at"])
    assert upcoming["routine"] == "gluteus-medius"
    assert at.weekday() < 5
    assert (at.hour, at.minute) in {(10, 30), (16, 0)}
    welcome = [c for c in mock_server.notify_calls() if c.summary == "reminder is running"]
    assert "reminder init" in welcome[0].body
    assert process.stop() == 0


def test_a_session_waits_while_dunst_is_paused_and_starts_when_it_resumes(
    dunst: Dunst, config_file: Path, launch: Launch
) -> None:
    subprocess.run(["dunstctl", "set-paused", "true"], env=dunst.bus.env(), check=True, timeout=10)
    daemon = launch(config_file, faketime=TWO_SECONDS_BEFORE, DISPLAY=dunst.display)
    assert "dunst" in daemon.wait_for("presence-watch")["sources"]
    held = daemon.wait_for("held")
    assert held["why"] == "dnd"
    assert daemon.named("session-start") == []
    subprocess.run(["dunstctl", "set-paused", "false"], env=dunst.bus.env(), check=True, timeout=10)
    daemon.wait_for("back")
    start = daemon.wait_for("session-start")
    assert start["routine"] == "tiny"
    assert daemon.stop() == 0


def test_a_system_bus_without_logind_is_tolerated(
    mock_server: MockServer, config_file: Path, launch: Launch
) -> None:
    import tempfile

    from support.desktop import SessionBus

    system = SessionBus(Path(tempfile.mkdtemp(prefix="reminder-system-")))
    system.start()
    try:
        daemon = launch(config_file, DBUS_SYSTEM_BUS_ADDRESS=system.address)
        assert daemon.wait_for("sleep-watch")["listening"] is False
        daemon.wait_for("next")
        assert daemon.stop() == 0
    finally:
        system.stop()
