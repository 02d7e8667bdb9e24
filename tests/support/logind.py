"""A stand-in system bus with python-dbusmock's logind on it, to send the
daemon logind's PrepareForSleep signal as a suspend and resume would.

Registered as a pytest plugin by tests/conftest.py (the ``logind`` fixture).
Point the daemon at it with ``DBUS_SYSTEM_BUS_ADDRESS=logind.address``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.desktop import SYSTEM_PYTHON, SessionBus, stop_process

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"


class Logind:
    """dbusmock's logind template on a private bus of its own."""

    def __init__(self, bus: SessionBus) -> None:
        self.bus = bus
        self.address = bus.address
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, "-m", "dbusmock", "--system", "--template", "logind"],
            env=self.bus.env(DBUS_SYSTEM_BUS_ADDRESS=self.bus.address),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.bus.wait_for_name(LOGIND, owned=True)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def prepare_for_sleep(self, going_to_sleep: bool) -> None:
        """logind's signal: True just before a suspend, False on waking."""
        from jeepney import DBusAddress, new_method_call

        mock = DBusAddress(LOGIND_PATH, bus_name=LOGIND, interface="org.freedesktop.DBus.Mock")
        self.bus.call(
            new_method_call(
                mock,
                "EmitSignal",
                "sssav",
                (
                    "org.freedesktop.login1.Manager",
                    "PrepareForSleep",
                    "b",
                    [("b", going_to_sleep)],
                ),
            )
        )


@pytest.fixture
def logind(dbusmock_installed: None) -> Iterator[Logind]:
    """logind (dbusmock) on a private bus standing in for the system bus."""
    folder = Path(tempfile.mkdtemp(prefix="reminder-system-"))
    bus = SessionBus(folder)
    service = Logind(bus)
    try:
        bus.start()
        service.start()
        yield service
    finally:
        service.stop()
        bus.stop()
        shutil.rmtree(folder, ignore_errors=True)
