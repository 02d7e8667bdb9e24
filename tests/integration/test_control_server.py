"""The control server on a real Unix socket, with a stand-in for the daemon's
command handler: slow and greedy clients, JSON nested too deep, a handler
that fails, and the socket or its folder removed under it."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reminder.daemon.control import MAX_CLIENTS, READ_TIMEOUT, ControlServer
from reminder.errors import ReminderError

pytestmark = pytest.mark.timeout(60)


class Log:
    """The server's event log, waited on as events come."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self._changed = threading.Condition()

    def __call__(self, event: str, message: str = "", **fields: Any) -> None:
        with self._changed:
            self.events.append((event, message, fields))
            self._changed.notify_all()

    def names(self) -> list[str]:
        with self._changed:
            return [name for name, _, _ in self.events]

    def wait_for(self, name: str, timeout: float = 10) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(event == name for event, _, _ in self.events), timeout
            )
            assert found, f"no {name!r} event within {timeout} s; got {self.names()}"
            return next(message for event, message, _ in self.events if event == name)


def handler(command: str, args: dict[str, Any]) -> dict[str, Any]:
    if command == "stop":
        raise RuntimeError("a bug in a command")
    return {"ok": True, "state": "idle", "command": command}


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def sock(tmp_path: Path) -> Path:
    return tmp_path / "run" / "reminder" / "control.sock"


@pytest.fixture
def server(sock: Path, log: Log) -> Iterator[ControlServer]:
    control = ControlServer(sock, handler, log)
    control.start()
    yield control
    control.close()


def ask(path: Path, payload: bytes, timeout: float = 10) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        client.connect(str(path))
        client.sendall(payload)
        data = b""
        while not data.endswith(b"\n"):
            chunk = client.recv(65536)
            if not chunk:
                break
            data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


STATUS = b'{"v": 1, "cmd": "status"}\n'


class Trickler:
    """A client that sends its request a byte at a time, ``every`` seconds."""

    def __init__(self, path: Path, every: float) -> None:
        self.client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.client.connect(str(path))
        self.every = every
        self.sent = 0
        self.reply = b""
        self.replied_after: float | None = None
        self._started = time.monotonic()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        payload = b'{"v": 1, "cmd": "status"' + b" " * 1000
        self.client.settimeout(self.every)
        for byte in payload:
            try:
                self.client.send(bytes([byte]))
            except OSError:
                break
            with self._changed:
                self.sent += 1
                self._changed.notify_all()
            try:
                data = self.client.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            self.reply = data
            self.replied_after = time.monotonic() - self._started
            break
        with self._changed:
            self._changed.notify_all()

    def wait_sent(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.sent >= count, 10)

    def join(self) -> None:
        self._thread.join(timeout=15)
        self.client.close()


def test_a_trickling_client_gets_two_seconds_in_all(server: ControlServer, sock: Path) -> None:
    trickler = Trickler(sock, every=0.3)
    trickler.join()
    assert trickler.replied_after is not None, "the daemon never cut the trickling client off"
    assert trickler.replied_after < READ_TIMEOUT + 1.0
    assert b"in time" in trickler.reply


def test_eight_trickling_clients_leave_room_for_a_fresh_one(
    server: ControlServer, sock: Path
) -> None:
    tricklers = [Trickler(sock, every=0.1) for _ in range(MAX_CLIENTS)]
    for trickler in tricklers:
        trickler.wait_sent(4)  # each has held its slot for a while now
    started = time.monotonic()
    answer = ask(sock, STATUS)
    took = time.monotonic() - started
    assert answer == {"ok": True, "state": "idle", "command": "status"}
    assert took < 1.0
    for trickler in tricklers:
        trickler.join()


@pytest.mark.parametrize("depth", [101, 60_000])
def test_json_nested_too_deep_gets_an_error_reply(
    server: ControlServer, sock: Path, log: Log, depth: int, capfd: pytest.CaptureFixture[str]
) -> None:
    nested = b'{"v": 1, "cmd": "status", "args": {"x": ' + b"[" * depth + b"]" * depth + b"}}\n"
    if len(nested) > 64 * 1024:
        nested = b"[" * depth + b"\n"
    answer = ask(sock, nested)
    assert answer["ok"] is False
    assert "nests deeper than 100" in answer["error"]
    assert ask(sock, STATUS)["ok"] is True
    assert "Traceback" not in capfd.readouterr().err


def test_json_nested_a_hundred_deep_is_read(server: ControlServer, sock: Path) -> None:
    """Brackets inside strings do not count."""
    args = b'{"x": ' + b"[" * 98 + b"]" * 98 + b', "y": "[[[[[[[[[[[[[[[[[[[[[["}'
    answer = ask(sock, b'{"v": 1, "cmd": "status", "args": ' + args + b"}\n")
    assert answer["ok"] is True


def test_a_failing_command_gets_an_error_reply_and_one_log_event(
    server: ControlServer, sock: Path, log: Log, capfd: pytest.CaptureFixture[str]
) -> None:
    answer = ask(sock, b'{"v": 1, "cmd": "stop"}\n')
    assert answer == {"ok": False, "error": "Something went wrong inside reminder; see its log."}
    assert "a bug in a command" in log.wait_for("internal-error")
    assert capfd.readouterr().err == ""
    assert ask(sock, STATUS)["ok"] is True


def test_the_socket_is_made_again_when_its_folder_is_deleted(
    server: ControlServer, sock: Path, log: Log
) -> None:
    shutil.rmtree(sock.parent)
    log.wait_for("control-socket-recreated")
    assert ask(sock, STATUS)["ok"] is True
    assert (sock.parent.stat().st_mode & 0o777) == 0o700


def test_a_socket_someone_else_made_is_never_removed(
    server: ControlServer, sock: Path, log: Log
) -> None:
    sock.unlink()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
        other.bind(str(sock))
        other.listen(1)
        theirs = sock.stat().st_ino
        # It answers, so the server takes it for another daemon's and leaves it.
        assert "Another reminder daemon" in log.wait_for("control-socket-lost")
        server.close()
        assert sock.exists()
        assert sock.stat().st_ino == theirs


def test_a_stale_socket_is_replaced_and_a_live_one_refused(
    sock: Path, log: Log, tmp_path: Path
) -> None:
    sock.parent.mkdir(parents=True, mode=0o700)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(sock))  # bound, never listening: a daemon that died
    control = ControlServer(sock, handler, log)
    control.start()
    try:
        assert ask(sock, STATUS)["ok"] is True
        second = ControlServer(sock, handler, log)
        with pytest.raises(ReminderError, match="Another reminder daemon already answers"):
            second.start()
        assert ask(sock, STATUS)["ok"] is True
    finally:
        control.close()
    assert not sock.exists()


def test_a_planted_folder_link_is_refused(tmp_path: Path, log: Log) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / "reminder").symlink_to(elsewhere)
    control = ControlServer(run / "reminder" / "control.sock", handler, log)
    with pytest.raises(ReminderError, match="symbolic link"):
        control.start()
    assert list(elsewhere.iterdir()) == []
