"""Real desktop components, for the benchmarks and the tests alike: a private
session bus, dbusmock's notification server on it, and Xvfb.

Needs no test tools (the benchmarks run with reminder installed and nothing
else); tests/support/desktop.py builds its pytest fixtures on these.

- ``SessionBus``: a private dbus-daemon (package dbus-daemon). Its config
  lists no service folders, so nothing is bus-activated: a killed
  notification server stays gone (the system's dunst.service would otherwise
  be started on demand).
- ``MockServer``: python-dbusmock's notification_daemon template (package
  python3-dbusmock, for the system python3), which records every call; read
  through its org.freedesktop.DBus.Mock interface.
- ``start_xvfb``: an X server on a free display (package xvfb).

A missing program or a helper that does not come up raises ``Unavailable``
with what to install or what happened.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape


class Unavailable(RuntimeError):
    """A component is not installed, or did not start."""


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


def find_program(program: str, package: str) -> str:
    """The program's path; Unavailable naming the Debian package to install."""
    path = shutil.which(program)
    if path is None:
        raise Unavailable(
            f"{program} is not installed; install the Debian package {package} "
            "(scripts/test installs it)."
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
            raise Unavailable(f"{what} did not start within {timeout:g} s")
        chunk = os.read(stream.fileno(), 256)
        if not chunk:
            raise Unavailable(f"{what} exited before it was ready (output: {data!r})")
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
        daemon = find_program("dbus-daemon", "dbus-daemon")
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
                    raise Unavailable(f"{name} was not {state} within {timeout:g} s") from None
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
