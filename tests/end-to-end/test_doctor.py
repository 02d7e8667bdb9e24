"""`reminder doctor` as a user runs it: on the test desktop (a session bus
with dbusmock's notification server, or dunst under Xvfb, and the daemon
running), and with each piece missing. Exit 0 means a session would show
and keep time; each ✗ names its cause."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result
from support.routines import IDLE_ROUTINE, config_text, write_config

from reminder.cli import doctor

if TYPE_CHECKING:
    from conftest import RunCli, RunReminder
    from support.audio import PulseServer, Recorder
    from support.daemon_process import Launch
    from support.desktop import Dunst, MockServer, SessionBus

TEST_SUMMARY = "reminder doctor: this is a test"


@pytest.fixture
def no_system_bus(tmp_path: Path) -> dict[str, str]:
    """No logind: the tests never read the machine's own system bus."""
    return {"DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-system-bus"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, config_text(IDLE_ROUTINE, at=("03:00",)))


def lines_of(output: str) -> dict[str, str]:
    """Each check's line by its name: ``{"daemon": "✓ daemon  running …"}``."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        if line[:1] in doctor.MARKS.values() and line[1:2] == " ":
            for name in (
                "config",
                "time zone",
                "session bus",
                "notification server",
                "test notification",
                "sound",
                "away, lock, DND",
                "login start",
                "daemon",
                "history",
            ):
                if line[2:].startswith(name + " "):
                    found.setdefault(name, line)
    return found


def checks_of(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    answer = json.loads(result.stdout)
    return {check["name"]: check for check in answer["checks"]}


def test_on_the_test_desktop_every_check_passes(
    mock_server: MockServer,
    session_bus: SessionBus,
    config: Path,
    launch: Launch,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
) -> None:
    daemon = launch(config)
    daemon.wait_for("daemon-start")
    env = session_bus.env(**no_system_bus)

    result = run_reminder("doctor", "--config", str(config), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    shown = lines_of(result.stdout)
    for name in ("config", "time zone", "session bus", "notification server", "daemon"):
        assert shown[name].startswith("✓"), shown[name]
    assert "mock-notify 1.0 by test vendor (spec 1.1)" in shown["notification server"]
    assert "buttons: yes" in shown["notification server"]
    assert shown["test notification"].startswith("✓")
    assert f"running (pid {daemon.pid})" in shown["daemon"]
    assert str(config) in shown["config"]
    sent = [c for c in mock_server.notify_calls() if c.summary == TEST_SUMMARY]
    assert len(sent) == 1
    assert sent[0].app_name == "reminder"
    assert sent[0].expire_timeout > 0  # it goes away by itself
    assert result.stdout.splitlines()[-1].startswith("Sessions will show and keep time")
    assert daemon.stop() == 0


def test_json_gives_every_finding_with_the_server_details(
    mock_server: MockServer,
    session_bus: SessionBus,
    config: Path,
    launch: Launch,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
) -> None:
    daemon = launch(config)
    daemon.wait_for("daemon-start")
    result = run_reminder(
        "doctor",
        "--json",
        "--no-test",
        "--config",
        str(config),
        env=session_bus.env(**no_system_bus),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["ok"] is True
    checks = checks_of(result)
    server = checks["notification server"]["details"]
    assert (server["name"], server["vendor"], server["version"]) == (
        "mock-notify",
        "test vendor",
        "1.0",
    )
    assert "actions" in server["capabilities"]
    assert checks["test notification"]["status"] == "skip"
    assert checks["daemon"]["details"]["pid"] == daemon.pid
    assert checks["history"]["details"]["path"].endswith("history.sqlite3")
    assert TEST_SUMMARY not in [c.summary for c in mock_server.notify_calls()]
    assert daemon.stop() == 0


def test_with_dunst_under_xvfb_it_names_dunst_and_hears_its_pause(
    dunst: Dunst, config: Path, launch: Launch, run_reminder: RunReminder, tmp_path: Path
) -> None:
    env = dunst.bus.env(
        DISPLAY=dunst.display, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-system-bus"
    )
    daemon = launch(config, DISPLAY=dunst.display)
    daemon.wait_for("daemon-start")

    result = run_reminder("doctor", "--config", str(config), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    shown = lines_of(result.stdout)
    assert shown["notification server"].startswith("✓")
    assert " dunst " in shown["notification server"]
    assert shown["away, lock, DND"].startswith("✓")
    assert "dunst" in shown["away, lock, DND"]
    subprocess.run(["dunstctl", "close-all"], env=dunst.bus.env(), check=True, timeout=10)
    assert TEST_SUMMARY in [entry["summary"] for entry in dunst.history()]

    subprocess.run(["dunstctl", "set-paused", "true"], env=dunst.bus.env(), check=True, timeout=10)
    paused = run_reminder("doctor", "--no-test", "--config", str(config), env=env)
    assert paused.returncode == 0  # sessions wait, and come when it is off
    assert "do not disturb" in lines_of(paused.stdout)["away, lock, DND"]
    assert daemon.stop() == 0


def test_without_a_notification_server_it_fails_naming_the_server(
    session_bus: SessionBus,
    config: Path,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
) -> None:
    result = run_reminder("doctor", "--config", str(config), env=session_bus.env(**no_system_bus))

    assert result.returncode == 1
    shown = lines_of(result.stdout)
    assert shown["session bus"].startswith("✓")
    assert shown["notification server"].startswith("✗")
    assert "none answers on the session bus" in shown["notification server"]
    assert "dunst, mako or swaync" in result.stdout  # what to do about it
    assert shown["test notification"].startswith("–")
    checks = checks_of(
        run_reminder(
            "doctor", "--json", "--config", str(config), env=session_bus.env(**no_system_bus)
        )
    )
    assert checks["notification server"]["status"] == "fail"


def test_without_a_session_bus_it_fails_naming_the_bus(
    config: Path, run_reminder: RunReminder, tmp_path: Path, no_system_bus: dict[str, str]
) -> None:
    empty_runtime = tmp_path / "run"
    empty_runtime.mkdir(mode=0o700)
    env = {"DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": str(empty_runtime), **no_system_bus}

    result = run_reminder("doctor", "--config", str(config), env=env)

    assert result.returncode == 1
    shown = lines_of(result.stdout)
    assert shown["session bus"].startswith("✗")
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in shown["session bus"]
    assert shown["notification server"].startswith("–")


def test_with_notifier_console_the_desktop_is_not_needed(
    tmp_path: Path, launch: Launch, run_reminder: RunReminder, no_system_bus: dict[str, str]
) -> None:
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=("03:00",), notifier="console"))
    daemon = launch(config)
    daemon.wait_for("daemon-start")
    empty_runtime = tmp_path / "run"
    empty_runtime.mkdir(mode=0o700)
    env = {"DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": str(empty_runtime), **no_system_bus}

    result = run_reminder("doctor", "--config", str(config), env=env)

    shown = lines_of(result.stdout)
    assert shown["session bus"].startswith("–"), result.stdout
    assert 'notifier = "console"' in shown["session bus"]
    assert daemon.stop() == 0


def test_a_broken_config_fails_and_points_to_validate(
    tmp_path: Path, run_reminder: RunReminder, no_system_bus: dict[str, str]
) -> None:
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=("25:00",)))
    result = run_reminder("doctor", "--no-test", "--config", str(config), env=no_system_bus)
    assert result.returncode == 1
    shown = lines_of(result.stdout)
    assert shown["config"].startswith("✗")
    assert "25:00" in shown["config"]
    assert "reminder validate" in result.stdout
    assert shown["time zone"].startswith("–")


def test_a_named_pipe_where_the_history_goes_is_a_warning_that_says_what_to_do(
    config: Path, run_reminder: RunReminder, no_system_bus: dict[str, str]
) -> None:
    paths = json.loads(run_reminder("paths", "--json", "--config", str(config)).stdout)
    history = Path(paths["history"])
    history.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(history, 0o600)
    result = run_reminder("doctor", "--no-test", "--config", str(config), env=no_system_bus)
    shown = lines_of(result.stdout)
    assert shown["history"].startswith("!"), result.stdout
    assert "named pipe (FIFO), not a regular file" in shown["history"]
    assert "none is recorded" in shown["history"]
    assert "Move it away" in result.stdout


def test_a_daemon_in_another_time_zone_fails_the_time_zone_check(
    tmp_path: Path, launch: Launch, run_reminder: RunReminder, no_system_bus: dict[str, str]
) -> None:
    """timezone = "local", and the daemon was started with another TZ than
    this shell's (as a login service can be): its sessions come at other times."""
    text = config_text(IDLE_ROUTINE, at=("03:00",), notifier="console").replace(
        'timezone = "UTC"', 'timezone = "local"'
    )
    config = write_config(tmp_path, text)
    daemon = launch(config, TZ="America/New_York")
    daemon.wait_for("daemon-start")

    result = run_reminder("doctor", "--no-test", "--config", str(config), env=no_system_bus)

    assert result.returncode == 1
    shown = lines_of(result.stdout)
    assert shown["time zone"].startswith("✗"), result.stdout
    assert "another zone" in shown["time zone"]
    assert daemon.stop() == 0


def test_login_start_is_reported_once_installed(
    tmp_path: Path, config: Path, run_reminder: RunReminder, no_system_bus: dict[str, str]
) -> None:
    before = lines_of(
        run_reminder("doctor", "--no-test", "--config", str(config), env=no_system_bus).stdout
    )
    assert before["login start"].startswith("!")
    assert run_reminder("install", "--method", "xdg", "--config", str(config)).returncode == 0
    after = lines_of(
        run_reminder("doctor", "--no-test", "--config", str(config), env=no_system_bus).stdout
    )
    assert after["login start"].startswith("✓")
    assert "autostart/reminder.desktop" in after["login start"]


# The list of checks is open: another part of reminder (the sound) adds its own.


@pytest.fixture
def extra_checks(monkeypatch: pytest.MonkeyPatch) -> list[doctor.CheckFunction]:
    checks = list(doctor.CHECKS)
    monkeypatch.setattr(doctor, "CHECKS", checks)
    return checks


def test_a_check_added_to_the_list_is_run_and_reported(
    extra_checks: list[doctor.CheckFunction], run_cli: RunCli, config: Path
) -> None:
    def check_sound(ctx: doctor.Context) -> list[doctor.Check]:
        return [doctor.Check("sound", "fail", "no sound server answers", "Start PipeWire.")]

    extra_checks.insert(5, check_sound)
    result: Result = run_cli("doctor", "--no-test", "--config", str(config))
    assert result.exit_code == 1
    assert "✗ sound" in result.stdout
    assert "→ Start PipeWire." in result.stdout
    answer = json.loads(run_cli("doctor", "--json", "--no-test", "--config", str(config)).stdout)
    names = [check["name"] for check in answer["checks"]]
    assert names.index("test notification") < names.index("sound") < names.index("daemon")


def test_a_check_that_breaks_is_a_failure_line_not_a_traceback(
    extra_checks: list[doctor.CheckFunction], run_cli: RunCli, config: Path
) -> None:
    def check_broken(ctx: doctor.Context) -> list[doctor.Check]:
        raise RuntimeError("bug in a check")

    extra_checks.append(check_broken)
    result = run_cli("doctor", "--no-test", "--config", str(config))
    assert result.exit_code == 1
    assert "✗ broken" in result.stdout
    assert "RuntimeError: bug in a check" in result.stdout
    assert "history" in result.stdout  # the others still ran


SYSTEMCTL = """#!/bin/sh
# A systemd user manager as `systemctl --user` shows it: the unit is {enabled}, {active}.
case "$*" in
  *is-enabled*) echo {enabled}; [ {enabled} = enabled ] ;;
  *is-active*) echo {active}; [ {active} = active ] ;;
  *) exit 0 ;;
esac
"""


@pytest.mark.parametrize(
    ("enabled", "active", "mark"),
    [("enabled", "active", "✓"), ("enabled", "failed", "!"), ("disabled", "inactive", "!")],
)
def test_login_start_as_a_systemd_service_says_what_systemd_says(
    tmp_path: Path,
    config: Path,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
    enabled: str,
    active: str,
    mark: str,
) -> None:
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(SYSTEMCTL.format(enabled=enabled, active=active), encoding="utf-8")
    systemctl.chmod(0o755)
    env = {**no_system_bus, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    installed = run_reminder("install", "--method", "systemd", "--config", str(config), env=env)
    assert installed.returncode == 0, installed.stderr

    result = run_reminder("doctor", "--no-test", "--config", str(config), env=env)

    line = lines_of(result.stdout)["login start"]
    assert line.startswith(mark), line
    assert f"reminder.service is {enabled} and {active}" in line
    if mark == "!":
        assert "journalctl --user -u reminder.service" in result.stdout


def test_a_login_entry_whose_program_is_gone_is_a_warning(
    run_cli: RunCli, config: Path, xdg_config_home: Path
) -> None:
    """reminder was installed from a folder since deleted (an old venv)."""
    from reminder import autostart

    gone = xdg_config_home.parent / "old-venv" / "bin" / "reminder"
    autostart.install("xdg", dry_run=False, command=[str(gone), "run"])
    result = run_cli("doctor", "--no-test", "--config", str(config))
    line = lines_of(result.stdout)["login start"]
    assert line.startswith("!"), line
    assert f"{gone}, which no longer exists" in line
    assert "Run `reminder install` again" in result.stdout


def test_a_daemon_that_cannot_reach_the_desktop_fails_the_daemon_check(
    mock_server: MockServer,
    session_bus: SessionBus,
    config: Path,
    launch: Launch,
    run_reminder: RunReminder,
    tmp_path: Path,
    no_system_bus: dict[str, str],
) -> None:
    """Started where there was no session bus (a login service before the
    desktop, say): its notifications print on its console while this shell's
    desktop has a server. The doctor's own desktop checks pass; the daemon's fails."""
    daemon = launch(config, DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus-here")
    daemon.wait_for("notify-error")  # the welcome went to its console

    result = run_reminder(
        "doctor", "--no-test", "--config", str(config), env=session_bus.env(**no_system_bus)
    )

    assert result.returncode == 1
    shown = lines_of(result.stdout)
    assert shown["notification server"].startswith("✓")
    assert shown["daemon"].startswith("✗"), shown["daemon"]
    assert "cannot reach freedesktop notifications" in shown["daemon"]
    assert daemon.stop() == 0


def test_sound_is_checked_with_a_test_tone_through_the_sound_server(
    mock_server: MockServer,
    session_bus: SessionBus,
    config: Path,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
    pulse_server: PulseServer,
    recorder: Recorder,
) -> None:
    env = session_bus.env(**no_system_bus, **pulse_server.env)
    result = run_reminder("doctor", "--config", str(config), env=env)
    line = lines_of(result.stdout)["sound"]
    assert line.startswith("✓"), result.stdout
    assert "played a test tone through" in line
    assert recorder.stop().sounds(), "the test tone never reached the sound server"


def test_no_sound_server_is_a_warning_not_a_failure(
    mock_server: MockServer,
    session_bus: SessionBus,
    config: Path,
    launch: Launch,
    run_reminder: RunReminder,
    no_system_bus: dict[str, str],
) -> None:
    daemon = launch(config)
    daemon.wait_for("daemon-start")
    # The tests' PULSE_SERVER names a socket nobody listens on.
    result = run_reminder("doctor", "--config", str(config), env=session_bus.env(**no_system_bus))
    line = lines_of(result.stdout)["sound"]
    assert line.startswith("!"), result.stdout
    assert "no sound" in line
    assert "reminder sound test" in result.stdout  # the fix says what to try
    assert result.returncode == 0  # sessions still show and keep time
    assert daemon.stop() == 0
