"""Shared folders, another user and a cleaner against the installed daemon.

Another uid (65534, through setpriv) plants a runtime folder or a link in a
world-writable ``$XDG_RUNTIME_DIR``; the runtime folder is deleted under a
running daemon; the daemon runs out of file descriptors (prlimit); a client
sends JSON nested 60,000 deep. reminder refuses what is not its own without
touching it, keeps one daemon, keeps answering, and its JSON log stays one
object a line.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.daemon_process import DaemonProcess, Launch
from support.routines import IDLE_ROUTINE, config_text, write_config
from support.users import NOBODY, as_user

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
PRECIOUS = "the only copy of my thesis\n"

pytestmark = pytest.mark.timeout(90)


def run_as_nobody(*command: str) -> None:
    subprocess.run([*as_user(NOBODY), *command], check=True, timeout=30)


@pytest.fixture
def shared_runtime() -> Iterator[Path]:
    """A world-writable, sticky folder like /tmp, that another user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="reminder-shared-", dir="/tmp"))
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    # Sessions far away, shown on the console: these tests are about files.
    return write_config(tmp_path, config_text(IDLE_ROUTINE, at=["03:00"], notifier="console"))


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "precious.txt"
    path.write_text(PRECIOUS, encoding="utf-8")
    return path


def test_a_runtime_folder_planted_by_another_user_is_refused_untouched(
    shared_runtime: Path, victim: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    planted = shared_runtime / "reminder"
    run_as_nobody("mkdir", "-m", "0777", str(planted))
    run_as_nobody("ln", "-s", str(victim), str(planted / "daemon.pid"))
    run_as_nobody("ln", "-s", str(victim), str(planted / "control.sock"))
    result = run_reminder(
        "run", "--config", str(config_file), env={"XDG_RUNTIME_DIR": str(shared_runtime)}
    )
    assert result.returncode == 1, result.stderr
    assert f"{planted} belongs to another user (uid {NOBODY})" in result.stderr
    assert "XDG_RUNTIME_DIR" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == PRECIOUS
    assert (planted / "daemon.pid").is_symlink()  # not ours to remove either


def test_a_link_planted_in_our_loose_runtime_folder_is_refused(
    shared_runtime: Path, victim: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    folder = shared_runtime / "reminder"
    folder.mkdir()
    folder.chmod(0o777)
    run_as_nobody("ln", "-s", str(victim), str(folder / "daemon.pid"))
    result = run_reminder(
        "run", "--config", str(config_file), env={"XDG_RUNTIME_DIR": str(shared_runtime)}
    )
    assert result.returncode == 1, result.stderr
    assert str(folder / "daemon.pid") in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == PRECIOUS
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # and nobody can plant more


def test_a_symlinked_runtime_folder_is_refused(
    tmp_path: Path, xdg_runtime_dir: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (xdg_runtime_dir / "reminder").symlink_to(elsewhere)
    result = run_reminder("run", "--config", str(config_file))
    assert result.returncode == 1
    assert f"{xdg_runtime_dir / 'reminder'} is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def daemon(config_file: Path, launch: Launch) -> DaemonProcess:
    process = launch(config_file)
    process.wait_for("next")
    return process


def status(run_reminder: RunReminder, config_file: Path) -> dict[str, Any]:
    result = run_reminder("status", "--json", "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_deleting_the_runtime_folder_lets_no_second_daemon_start(
    daemon: DaemonProcess, xdg_runtime_dir: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    folder = xdg_runtime_dir / "reminder"
    shutil.rmtree(folder)
    second = run_reminder("run", "--config", str(config_file))
    assert second.returncode == 1
    assert f"already running (pid {daemon.pid})" in second.stderr
    daemon.wait_for("control-socket-recreated")
    assert status(run_reminder, config_file)["pid"] == daemon.pid
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert daemon.stop() == 0
    assert not (folder / "control.sock").exists()


def test_the_daemon_never_removes_a_socket_it_did_not_make(
    daemon: DaemonProcess, xdg_runtime_dir: Path
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    sock.unlink()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
        other.bind(str(sock))
        other.listen(1)
        theirs = sock.stat().st_ino
        daemon.wait_for("control-socket-lost")
        assert daemon.stop() == 0
        assert sock.stat().st_ino == theirs


def open_fds(pid: int) -> list[int]:
    return sorted(int(entry.name) for entry in Path(f"/proc/{pid}/fd").iterdir())


def ask_status(sock: Path) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(30)
        client.connect(str(sock))
        client.sendall(b'{"v": 1, "cmd": "status"}\n')
        reply: dict[str, Any] = json.loads(client.makefile("rb").readline())
    return reply


def test_out_of_file_descriptors_the_daemon_backs_off_and_answers_again(
    daemon: DaemonProcess, xdg_runtime_dir: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    prlimit = shutil.which("prlimit")
    assert prlimit, "prlimit (Debian util-linux) is needed"
    used = open_fds(daemon.pid)
    lowest_free = next(n for n in range(len(used) + 1) if n not in used)
    # Any descriptor the daemon opens from now on is over the limit. (The
    # accept() already waiting holds its descriptor: it serves one more.)
    subprocess.run([prlimit, f"--pid={daemon.pid}", f"--nofile={lowest_free}:"], check=True)
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    assert ask_status(sock)["ok"] is True
    error = daemon.wait_for("control-accept-error")
    assert error["errno"] == "EMFILE"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(30)
        client.connect(str(sock))  # waits in the backlog while accept() fails
        client.sendall(b'{"v": 1, "cmd": "status"}\n')
        subprocess.run([prlimit, f"--pid={daemon.pid}", "--nofile=1024:"], check=True)
        reply = json.loads(client.makefile("rb").readline())
    assert reply["ok"] is True
    assert daemon.wait_for("control-accept-recovered")["failures"] >= 1
    assert status(run_reminder, config_file)["pid"] == daemon.pid


def test_json_nested_sixty_thousand_deep_gets_an_error_and_the_log_stays_json(
    daemon: DaemonProcess, xdg_runtime_dir: Path, config_file: Path, run_reminder: RunReminder
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    for payload in (b"[" * 60_000 + b"\n", b'{"v": 1, "cmd": "status", "args": ' + b"{" * 30_000):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(10)
            client.connect(str(sock))
            client.sendall(payload + b"\n")
            reply = json.loads(client.makefile("rb").readline())
        assert reply["ok"] is False
        assert "nests deeper than 100" in reply["error"]
    assert status(run_reminder, config_file)["state"] == "idle"
    daemon.signal(signal.SIGTERM)
    assert daemon.stop() == 0
    assert daemon.named("(not json)") == [], daemon.stderr_lines


def test_an_existing_history_open_to_others_is_made_private_once(
    config_file: Path, xdg_state_home: Path, run_reminder: RunReminder, launch: Launch
) -> None:
    state = xdg_state_home / "reminder"
    history = state / "history.sqlite3"
    assert (
        run_reminder("checkin", "3", "--note", "knee", "--config", str(config_file)).returncode == 0
    )
    assert stat.S_IMODE(history.stat().st_mode) == 0o600  # a new one is private
    history.chmod(0o644)
    state.chmod(0o755)
    first = launch(config_file)
    assert first.wait_for("history-tightened")["files"] == [str(history)]
    assert first.wait_for("state-folder-tightened")["folder"] == str(state)
    first.wait_for("next")
    assert first.stop() == 0
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    second = launch(config_file)
    second.wait_for("next")
    assert second.named("history-tightened") == []  # said once
    assert second.named("state-folder-tightened") == []
    assert second.stop() == 0
