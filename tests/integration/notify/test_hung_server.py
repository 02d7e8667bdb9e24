"""A notification server that hangs (SIGSTOP on dbusmock's process), on a real
session bus: capabilities are asked once per connection, not at every
notification, and the notifier the daemon uses hands the work to a thread of
its own, so nobody waits for the server's timeout."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from reminder.notify import Message, NotifierError, select_notifier
from reminder.notify.background import WAIT
from reminder.notify.freedesktop import FreedesktopNotifier

if TYPE_CHECKING:
    from support.desktop import MockServer, SessionBus

    from notify.conftest import EventRecorder

SHORT_TIMEOUT = 1.0

pytestmark = pytest.mark.timeout(60)


def step(number: int) -> Message:
    return Message(summary=f"Step {number}", body=f"Hold {number} s", timeout=30.0)


@pytest.fixture
def hang(mock_server: MockServer) -> Iterator[Callable[[], None]]:
    """Stops the server until the test ends (or ``resume`` is called)."""
    assert mock_server.process is not None
    pid = mock_server.process.pid
    stopped = []

    def stop() -> None:
        os.kill(pid, signal.SIGSTOP)
        stopped.append(pid)

    yield stop
    if stopped:
        os.kill(pid, signal.SIGCONT)  # never leave the server stopped


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never became true"
        time.sleep(0.05)


def test_capabilities_unanswered_are_not_asked_again_at_every_step(
    mock_server: MockServer, session_bus: SessionBus, hang: Callable[[], None]
) -> None:
    notifier = FreedesktopNotifier(call_timeout=SHORT_TIMEOUT)
    try:
        notifier._ensure_link()  # connected while the server still answers
        hang()
        for number in range(3):
            started = time.monotonic()
            with pytest.raises(NotifierError, match="did not answer"):
                notifier.show("session", step(number))
            # GetCapabilities once (the first time), then only the Notify.
            assert time.monotonic() - started < SHORT_TIMEOUT * (2.5 if number == 0 else 1.5)
        assert notifier.supports_actions() is False  # without asking a hung server again
        assert mock_server.process is not None
        os.kill(mock_server.process.pid, signal.SIGCONT)
        # The first step waited on GetCapabilities; the next two on Notify alone.
        wait_until(lambda: len(mock_server.notify_calls()) == 2)
        assert len(mock_server.method_calls("GetCapabilities")) == 1
        # It answers again: asked again, and buttons come back.
        notifier.show("session", step(4))
        assert notifier.supports_actions() is True
        assert len(mock_server.method_calls("GetCapabilities")) == 2
    finally:
        notifier.shutdown()


def test_the_daemons_notifier_never_waits_on_a_hung_server(
    mock_server: MockServer,
    session_bus: SessionBus,
    hang: Callable[[], None],
    events: EventRecorder,
) -> None:
    notifier = select_notifier(
        "freedesktop", log=events, environ={"DBUS_SESSION_BUS_ADDRESS": session_bus.address}
    )
    try:
        notifier.show("welcome", step(0))  # connected, capabilities known
        assert [c.summary for c in mock_server.notify_calls()] == ["Step 0"]
        hang()
        took = []
        for number in range(1, 9):
            started = time.monotonic()
            notifier.show("session", step(number))
            took.append(time.monotonic() - started)
        assert max(took) <= WAIT + 0.3, took  # never the 5 s call timeout
        assert sum(took) <= 2 * WAIT + 1, took
        started = time.monotonic()
        notifier.supports_actions()  # the last answer, without waiting
        assert time.monotonic() - started < 0.1
        assert mock_server.process is not None
        os.kill(mock_server.process.pid, signal.SIGCONT)
        # The newest step gets through; stale ones it replaced may be skipped.
        wait_until(lambda: mock_server.notify_calls()[-1].summary == "Step 8")
    finally:
        notifier.shutdown()
