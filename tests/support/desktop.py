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

The bus, the mock server and Xvfb themselves live in
bench/desktop_components.py, which the benchmarks use without pytest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from desktop_components import (
    BUS_NAME,
    CALL_TIMEOUT,
    SYSTEM_PYTHON,
    MockServer,
    NotifyCall,
    SessionBus,
    start_xvfb,
    stop_process,
)

__all__ = [
    "BUS_NAME",
    "CALL_TIMEOUT",
    "SYSTEM_PYTHON",
    "Dunst",
    "MockServer",
    "NotifyCall",
    "SessionBus",
    "require",
    "start_xvfb",
    "stop_process",
]


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
