"""Real desktop components for tests: a session bus, notification servers.

Registered as a pytest plugin by tests/conftest.py, so every test can use
the fixtures; test modules import the classes for their annotations.


- ``session_bus``: a private dbus-daemon (package dbus-daemon), its address in
  DBUS_SESSION_BUS_ADDRESS. Its config lists no service folders, so nothing is
  bus-activated: a killed notification server stays gone (the system's
  dunst.service would otherwise be started on demand).
- ``start_mock`` / ``mock_server``: python-dbusmock's notification_daemon
  template (package python3-dbusmock, for the system python3), which records
  every call; read through its org.freedesktop.DBus.Mock interface.
- ``dunst``: a real notification server, dunst with an empty config under Xvfb
  (packages dunst, xvfb).

A missing component fails the test (it never skips): the test command installs
them, and in CI a missing component must be a failure.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
"""python3-dbusmock is a Debian package for the system Python, not the venv's."""
BUS_NAME = "org.freedesktop.Notifications"
MOCK_PATH = "/org/freedesktop/Notifications"
MOCK_INTERFACE = "org.freedesktop.DBus.Mock"
START_TIMEOUT = 15.0
"""Seconds a helper process may take to come up (generous for a loaded CI machine)."""
CALL_TIMEOUT = 5.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def require(program: str, package: str) -> str:
    """The program's path, or a failed test naming the Debian package to install."""
    path = shutil.which(program)
    if path is None:
        pytest.fail(
            f"{program} is not installed; these tests need the Debian package "
            f"{package} (scripts/test installs it).",
            pytrace=False,
        )
    return path


def stop_process(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_line(stream: IO[bytes], timeout: float, what: str) -> str:
    """The first line written to ``stream``, waiting for it at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([stream], [], [], max(remaining, 0))
        if not ready:
            pytest.fail(f"{what} did not start within {timeout:g} s", pytrace=False)
        chunk = os.read(stream.fileno(), 256)
        if not chunk:
            pytest.fail(f"{what} exited before it was ready (output: {data!r})", pytrace=False)
        data += chunk
    return data.decode().strip()


def start_xvfb(exe: str, log_path: Path, screen: str) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display (it writes the number to the -displayfd pipe when
    ready): the process and its DISPLAY. Stopped again if it never says."""
    read_end, write_end = os.pipe()
    with log_path.open("wb") as log:
        xvfb = subprocess.Popen(
            [exe, "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", screen],
            pass_fds=(write_end,),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as display_pipe:
            return xvfb, ":" + read_line(display_pipe, START_TIMEOUT, "Xvfb")
    except BaseException:
        stop_process(xvfb)
        raise


def _unwrap(value: Any) -> Any:
    """Python values from the (signature, value) pairs that jeepney makes of variants."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return _unwrap(value[1])
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class NotifyCall:
    """One Notify call as the server received it."""

    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    expire_timeout: int
    signatures: dict[str, str]
    """The D-Bus signature of each argument, and of each hint as ``hint:NAME``."""

    @classmethod
    def from_variants(cls, args: list[tuple[str, Any]]) -> NotifyCall:
        names = ("app_name", "replaces_id", "icon", "summary", "body", "actions", "hints")
        signatures = {name: signature for name, (signature, _) in zip(names, args, strict=False)}
        signatures["expire_timeout"] = args[7][0]
        raw_hints: dict[str, tuple[str, Any]] = args[6][1]
        signatures.update({f"hint:{key}": sig for key, (sig, _) in raw_hints.items()})
        app_name, replaces_id, icon, summary, body, actions, hints, expire_timeout = (
            _unwrap(value) for _, value in args
        )
        return cls(
            app_name=app_name,
            replaces_id=replaces_id,
            icon=icon,
            summary=summary,
            body=body,
            actions=actions,
            hints=hints,
            expire_timeout=expire_timeout,
            signatures=signatures,
        )


class SessionBus:
    """A private dbus-daemon listening on ``runtime_dir/bus``."""

    def __init__(self, runtime_dir: Path) -> None:
        self.runtime_dir = runtime_dir
        self.socket = runtime_dir / "bus"
        self.address = f"unix:path={self.socket}"
        self.process: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    def start(self) -> None:
        daemon = require("dbus-daemon", "dbus-daemon")
        config = self.runtime_dir / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=escape(str(self.socket))), encoding="utf-8")
        self.process = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        printed = read_line(self.process.stdout, START_TIMEOUT, "dbus-daemon")
        assert printed.startswith(self.address), printed

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.process is not None:
            stop_process(self.process)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        self.socket.unlink(missing_ok=True)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a process on this bus."""
        return {**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.address, **extra}

    def call(self, message: Any) -> Any:
        """Send a method call from the test's own connection; the reply's body."""
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        if self._client is None:
            self._client = open_dbus_connection(self.address)
        return unwrap_msg(self._client.send_and_get_reply(message, timeout=CALL_TIMEOUT))

    def wait_for_name(self, name: str, *, owned: bool, timeout: float = START_TIMEOUT) -> None:
        """Wait for ``name`` to gain (or lose) its owner: NameOwnerChanged, not polling."""
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        rule = MatchRule(
            type="signal",
            sender="org.freedesktop.DBus",
            interface="org.freedesktop.DBus",
            member="NameOwnerChanged",
            path="/org/freedesktop/DBus",
        )
        rule.add_arg_condition(0, name)
        deadline = time.monotonic() + timeout
        with open_dbus_connection(self.address) as conn, conn.filter(rule, bufsize=64) as changes:
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT)
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=CALL_TIMEOUT)
            has_owner = bool(reply.body[0])
            while has_owner != owned:
                remaining = deadline - time.monotonic()
                try:
                    change = conn.recv_until_filtered(changes, timeout=max(remaining, 0))
                except TimeoutError:
                    state = "owned" if owned else "released"
                    pytest.fail(f"{name} was not {state} within {timeout:g} s", pytrace=False)
                has_owner = bool(change.body[2])


class MockServer:
    """dbusmock's notification_daemon on a SessionBus; records the calls it gets."""

    def __init__(self, bus: SessionBus, capabilities: str, log_path: Path) -> None:
        self.bus = bus
        self.capabilities = capabilities
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    SYSTEM_PYTHON,
                    "-m",
                    "dbusmock",
                    "--template",
                    "notification_daemon",
                    "-p",
                    json.dumps({"capabilities": self.capabilities}),
                ],
                env=self.bus.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.bus.wait_for_name(BUS_NAME, owned=True)

    def kill(self) -> None:
        """Kill the server as a crash would, and wait until the bus has noticed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.bus.wait_for_name(BUS_NAME, owned=False)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def _mock_call(
        self, method: str, signature: str | None = None, body: tuple[Any, ...] = ()
    ) -> Any:
        from jeepney import DBusAddress, new_method_call

        mock = DBusAddress(MOCK_PATH, bus_name=BUS_NAME, interface=MOCK_INTERFACE)
        return self.bus.call(new_method_call(mock, method, signature, body))

    def notify_calls(self) -> list[NotifyCall]:
        (calls,) = self._mock_call("GetMethodCalls", "s", ("Notify",))
        return [NotifyCall.from_variants(args) for _timestamp, args in calls]

    def method_calls(self, method: str) -> list[list[Any]]:
        (calls,) = self._mock_call("GetMethodCalls", "s", (method,))
        return [_unwrap(args) for _timestamp, args in calls]

    def clear_calls(self) -> None:
        self._mock_call("ClearCalls")

    def emit(self, name: str, signature: str, *args: tuple[str, Any]) -> None:
        """Emit a signal from the server, e.g. ``emit("ActionInvoked", "us", ("u", 1), ("s", "next"))``."""
        self._mock_call("EmitSignal", "sssav", ("", name, signature, list(args)))

    def click(self, notification_id: int, key: str) -> None:
        """What a user's click on a notification's button does."""
        self.emit("ActionInvoked", "us", ("u", notification_id), ("s", key))

    def closed(self, notification_id: int, reason: int = 2) -> None:
        """The notification went away (reason 1 expired, 2 dismissed by the user)."""
        self.emit("NotificationClosed", "uu", ("u", notification_id), ("u", reason))


@dataclass
class Dunst:
    bus: SessionBus
    display: str
    process: subprocess.Popen[bytes]

    def history(self) -> list[dict[str, Any]]:
        """What dunst has shown and closed, newest first (``dunstctl history``)."""
        result = subprocess.run(
            [require("dunstctl", "dunst"), "history"],
            env=self.bus.env(),
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT * 2,
            check=True,
        )
        entries: list[dict[str, Any]] = json.loads(result.stdout)["data"][0]
        return [{key: value["data"] for key, value in entry.items()} for entry in entries]

    def displayed(self) -> int:
        result = subprocess.run(
            [require("dunstctl", "dunst"), "count", "displayed"],
            env=self.bus.env(),
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT * 2,
            check=True,
        )
        return int(result.stdout.strip())


@pytest.fixture(scope="session")
def dbusmock_installed() -> None:
    """python3-dbusmock for the system python3, checked once."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail(
            f"{SYSTEM_PYTHON} is missing; install the Debian package python3.", pytrace=False
        )
    found = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import dbusmock.templates.notification_daemon"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if found.returncode != 0:
        pytest.fail(
            "python-dbusmock is not installed for the system python3; install the Debian "
            "package python3-dbusmock (scripts/test does).",
            pytrace=False,
        )


@pytest.fixture
def runtime_dir() -> Iterator[Path]:
    """A short private folder: a socket path must fit in 108 bytes, tmp_path may not."""
    folder = Path(tempfile.mkdtemp(prefix="reminder-notify-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def session_bus(runtime_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SessionBus]:
    bus = SessionBus(runtime_dir)
    bus.start()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime_dir))
    yield bus
    bus.stop()


@pytest.fixture
def start_mock(
    session_bus: SessionBus, dbusmock_installed: None, tmp_path: Path
) -> Iterator[Callable[[str], MockServer]]:
    """``start_mock(capabilities)`` starts a notification server with those capabilities."""
    servers: list[MockServer] = []

    def start(capabilities: str) -> MockServer:
        server = MockServer(session_bus, capabilities, tmp_path / f"dbusmock-{len(servers)}.log")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def mock_server(start_mock: Callable[[str], MockServer]) -> MockServer:
    """A notification server with buttons (the "actions" capability)."""
    return start_mock("body actions")


@pytest.fixture
def dunst(session_bus: SessionBus, tmp_path: Path) -> Iterator[Dunst]:
    """dunst, with an empty config, on an Xvfb display and the test bus."""
    xvfb_exe = require("Xvfb", "xvfb")
    dunst_exe = require("dunst", "dunst")
    require("dunstctl", "dunst")
    require("dbus-send", "dbus-bin")
    xvfb, display = start_xvfb(xvfb_exe, tmp_path / "xvfb.log", "640x480x24")
    try:
        config = tmp_path / "dunstrc"
        config.write_text("", encoding="utf-8")
        with (tmp_path / "dunst.log").open("wb") as log:
            process = subprocess.Popen(
                [dunst_exe, "-config", str(config)],
                env=session_bus.env(DISPLAY=display),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            session_bus.wait_for_name(BUS_NAME, owned=True)
            yield Dunst(session_bus, display, process)
        finally:
            stop_process(process)
    finally:
        stop_process(xvfb)
