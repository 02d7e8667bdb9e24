"""Fixtures of the notification backend tests; the bus and servers they run
on come from tests/support/desktop.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from support.desktop import CALL_TIMEOUT, SessionBus

from reminder.notify.freedesktop import FreedesktopNotifier


@dataclass
class EventRecorder:
    """The daemon's ``log(event, fields)``, keeping what it was given."""

    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    def __call__(self, event: str, fields: dict[str, object]) -> None:
        self.events.append((event, fields))

    def named(self, event: str) -> list[dict[str, object]]:
        return [fields for name, fields in self.events if name == event]


class Presses:
    """An action handler that records ``(tag, key)`` and lets a test wait for them."""

    def __init__(self) -> None:
        self.presses: list[tuple[str, str]] = []
        self._changed = threading.Condition()

    def __call__(self, tag: str, key: str) -> None:
        with self._changed:
            self.presses.append((tag, key))
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = CALL_TIMEOUT) -> list[tuple[str, str]]:
        """The presses once there are ``count`` of them; fails after ``timeout`` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.presses) >= count, timeout):
                pytest.fail(
                    f"expected {count} button presses within {timeout:g} s, got {self.presses}"
                )
            return list(self.presses)


@pytest.fixture
def presses() -> Presses:
    return Presses()


@pytest.fixture
def notifier(session_bus: SessionBus) -> Iterator[FreedesktopNotifier]:
    """The freedesktop backend on the test bus, found through DBUS_SESSION_BUS_ADDRESS."""
    backend = FreedesktopNotifier()
    yield backend
    backend.shutdown()


@pytest.fixture
def events() -> EventRecorder:
    return EventRecorder()
