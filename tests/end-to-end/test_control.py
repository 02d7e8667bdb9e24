"""Talking to the running daemon: ``status``, ``now``, ``pause``, ``resume``,
``snooze``, ``skip``, ``stop`` and ``reload`` as real processes against a real
``reminder run``, and a control socket that nobody else can use or break."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_process import DaemonProcess, Launch
from support.routines import IDLE_ROUTINE, config_text, write_config
from support.users import NOBODY, as_user

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

# Sessions at 03:00 and 15:00 UTC, a 10 minute snooze; steps of 30 s.
CONFIG = config_text(IDLE_ROUTINE, at=["03:00", "15:00"], snooze="10m")


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path, CONFIG)


@pytest.fixture
def daemon(mock_server: MockServer, config_file: Path, launch: Launch) -> DaemonProcess:
    process = launch(config_file)
    process.wait_for("next")
    return process


@pytest.fixture
def ctl(
    run_reminder: RunReminder, config_file: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a control command as the user would, against the test's daemon."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = run_reminder(*args, "--config", str(config_file))
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return run


def status(ctl: Callable[..., subprocess.CompletedProcess[str]]) -> dict[str, Any]:
    result = ctl("status", "--json")
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def next_scheduled(now: dt.datetime) -> dt.datetime:
    """03:00 or 15:00 UTC, whichever comes first after ``now``."""
    for day in (now.date(), now.date() + dt.timedelta(days=1)):
        for hour in (3, 15):
            moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc)
            if moment > now:
                return moment
    raise AssertionError("unreachable")


def test_with_no_daemon_every_control_command_says_how_to_start_it(
    ctl: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    for command in (
        ["status"],
        ["now"],
        ["pause"],
        ["resume"],
        ["snooze"],
        ["skip"],
        ["stop"],
        ["reload"],
    ):
        result = ctl(*command)
        assert result.returncode == 1, command
        assert "reminder is not running" in result.stderr
        assert "reminder run" in result.stderr


def test_status_tells_the_truth_when_idle(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]], config_file: Path
) -> None:
    answer = status(ctl)
    assert answer["state"] == "idle"
    assert answer["pid"] == daemon.pid
    assert answer["config"] == str(config_file)
    assert answer["config_errors"] == []
    assert answer["notifier"] == "freedesktop"
    assert answer["session"] is None
    expected = next_scheduled(dt.datetime.now(dt.timezone.utc))
    assert dt.datetime.fromisoformat(answer["next"]["at"]) == expected
    assert answer["next"]["routine"] == "tiny"

    text = ctl("status")
    assert text.returncode == 0
    assert f"pid {daemon.pid}" in text.stdout
    assert "Next: tiny at" in text.stdout


def test_now_pause_resume_and_stop_a_session(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    started = ctl("now", "tiny")
    assert started.returncode == 0
    assert "Started tiny" in started.stdout
    daemon.wait_for("step")
    answer = status(ctl)
    assert answer["state"] == "in-session"
    assert answer["session"]["routine"] == "tiny"
    assert answer["session"]["step"]["summary"] == "Release · Ball"
    assert answer["session"]["step"]["body"] == "Hold 30 s"
    assert 0 < answer["session"]["remaining_seconds"] <= 30
    assert "Now: Tiny, step 1 of 3: Release · Ball — Hold 30 s" in ctl("status").stdout

    again = ctl("now", "tiny")
    assert again.returncode == 1
    assert "already running" in again.stderr

    assert ctl("pause").returncode == 0
    paused = status(ctl)
    assert paused["state"] == "session-paused"
    assert paused["session"]["paused"] is True
    left = paused["session"]["remaining_seconds"]
    assert status(ctl)["session"]["remaining_seconds"] == left  # frozen while paused

    assert ctl("resume").returncode == 0
    assert status(ctl)["state"] == "in-session"

    assert ctl("stop").returncode == 0
    end = daemon.wait_for("session-end")
    assert end["outcome"] == "stopped"
    assert status(ctl)["state"] == "idle"
    nothing = ctl("stop")
    assert nothing.returncode == 1
    assert "No session is running" in nothing.stderr
    # The daemon wrote it down: stopped during the release, so no phase done.
    recorded = json.loads(ctl("history", "--json").stdout)
    assert [(e["routine"], e["outcome"], e["phases_done"]) for e in recorded] == [
        ("tiny", "stopped", [])
    ]


def test_now_without_a_name_runs_the_next_scheduled_routine(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    assert ctl("now").returncode == 0
    assert daemon.wait_for("session-start")["routine"] == "tiny"


def test_now_with_an_unknown_routine_lists_the_available_ones(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    result = ctl("now", "glutes")
    assert result.returncode == 1
    assert 'no routine named "glutes"' in result.stderr
    assert "gluteus-medius" in result.stderr
    bundled = ctl("now", "desk-break")  # not in the config, but bundled
    assert bundled.returncode == 0
    assert daemon.wait_for("session-start")["routine"] == "desk-break"


def test_pause_for_a_while_resumes_by_itself(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    before = dt.datetime.now(dt.timezone.utc)
    result = ctl("pause", "1s")
    assert result.returncode == 0
    assert "Paused until" in result.stdout
    paused = daemon.wait_for("paused")
    until = dt.datetime.fromisoformat(paused["until"])
    assert dt.timedelta(0) < until - before <= dt.timedelta(seconds=3)
    daemon.wait_for("resumed", timeout=10)
    assert status(ctl)["state"] == "idle"


def test_pause_until_resumed(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    assert ctl("pause").returncode == 0
    answer = status(ctl)
    assert answer["state"] == "paused"
    assert answer["paused_until"] is None
    assert "Paused until you run `reminder resume`" in ctl("status").stdout
    assert ctl("resume").returncode == 0
    assert status(ctl)["state"] == "idle"
    again = ctl("resume")
    assert again.returncode == 1
    assert "Nothing is paused" in again.stderr


def test_snooze_and_skip_move_the_next_session(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    first = next_scheduled(dt.datetime.now(dt.timezone.utc))
    second = next_scheduled(first)
    assert ctl("snooze", "30m").returncode == 0
    assert dt.datetime.fromisoformat(status(ctl)["next"]["at"]) == first + dt.timedelta(minutes=30)

    assert ctl("skip").returncode == 0  # skips the snoozed one
    assert dt.datetime.fromisoformat(status(ctl)["next"]["at"]) == second
    # Stored, to be recorded when its time comes, not now.
    decided = daemon.wait_for("skip-decided")
    assert dt.datetime.fromisoformat(decided["at"]) == first
    assert daemon.named("skipped") == []

    assert ctl("snooze").returncode == 0  # the config's 10 minutes
    assert dt.datetime.fromisoformat(status(ctl)["next"]["at"]) == second + dt.timedelta(minutes=10)


def test_reload_reports_a_broken_config_and_keeps_the_good_one(
    daemon: DaemonProcess, ctl: Callable[..., subprocess.CompletedProcess[str]], config_file: Path
) -> None:
    unchanged = ctl("reload")
    assert (unchanged.returncode, unchanged.stdout.strip()) == (0, "Config unchanged.")
    config_file.write_text(CONFIG.replace('"15:00"', '"25:00"'), encoding="utf-8")
    broken = ctl("reload")
    assert broken.returncode == 78
    assert 'schedule[0].at[1]: "25:00" is not a time of day' in broken.stderr
    assert "keeps the last good one" in broken.stderr
    answer = status(ctl)
    assert any("25:00" in line for line in answer["config_errors"])
    assert "has mistakes; the last good one is in force" in ctl("status").stdout


def _raw(path: Path, payload: bytes, *, close_write: bool = True) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(10)
        client.connect(str(path))
        client.sendall(payload)
        if close_write:
            client.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


def test_malformed_requests_get_an_error_and_the_daemon_carries_on(
    daemon: DaemonProcess,
    ctl: Callable[..., subprocess.CompletedProcess[str]],
    xdg_runtime_dir: Path,
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    cases = [
        (b"this is not json\n", "Not a JSON request"),
        (b"[1, 2]\n", "JSON object"),
        (b'{"v": 99, "cmd": "status"}\n', "Protocol version"),
        (b'{"v": 1, "cmd": "format-disk"}\n', "Unknown command"),
        (b'{"v": 1, "cmd": "pause", "args": []}\n', "args must be"),
        (b'{"v": 1, "cmd": "pause", "args": {"seconds": -5}}\n', "seconds must be"),
        (b"\xff\xfe\x00garbage\n", "Not a JSON request"),
        (b"x" * (70 * 1024), "too large"),
    ]
    for payload, words in cases:
        answer = _raw(sock, payload)
        assert answer["ok"] is False
        assert words in answer["error"], (payload[:40], answer)
    # A client that connects and says nothing is dropped after its time runs out.
    slow = _raw(sock, b'{"v": 1, "cmd": "sta', close_write=False)
    assert "in time" in slow["error"]
    assert status(ctl)["state"] == "idle"


def test_the_socket_is_private_and_other_users_are_refused(
    daemon: DaemonProcess, xdg_runtime_dir: Path, reminder_exe: Path, tmp_path: Path
) -> None:
    folder = xdg_runtime_dir / "reminder"
    sock = folder / "control.sock"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_ISSOCK(sock.stat().st_mode)
    # The system's Python, which nobody can start wherever the clone is.
    as_nobody = [*as_user(NOBODY), os.path.realpath(sys.executable)]
    probe = (
        "import json, socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect(sys.argv[1])\n"
        's.sendall(b\'{"v": 1, "cmd": "stop"}\\n\')\n'
        "print(s.recv(65536).decode())\n"
    )
    # With the file modes as they are, another user cannot even reach the socket...
    denied = subprocess.run(
        [*as_nobody, "-c", probe, str(sock)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert denied.returncode != 0
    assert "PermissionError" in denied.stderr, denied.stderr  # refused by connect()
    # ...and even if someone loosens them, the daemon checks who is asking.
    for parent in (xdg_runtime_dir, *xdg_runtime_dir.parents):
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o011)
    folder.chmod(0o711)
    sock.chmod(0o666)
    refused = subprocess.run(
        [*as_nobody, "-c", probe, str(sock)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert json.loads(refused.stdout) == {"ok": False, "error": "Permission denied."}
    assert daemon.wait_for("control-refused")["uid"] == NOBODY
