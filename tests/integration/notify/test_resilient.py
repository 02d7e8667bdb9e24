"""The Resilient wrapper: a missing or crashed notification server never loses a
message or stops the daemon; it goes to the console and comes back."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reminder.notify import (
    Message,
    NotifierError,
    notifier_status,
    select_notifier,
    shows_on_console,
)
from reminder.notify.base import ActionHandler
from reminder.notify.console import ConsoleNotifier
from reminder.notify.freedesktop import FreedesktopNotifier
from reminder.notify.resilient import Resilient

if TYPE_CHECKING:
    from support.desktop import MockServer

    from notify.conftest import EventRecorder, Presses

STEP = Message(
    "Stretch · Seated figure-4",
    "Left side — hold 30 s (set 1 of 2)",
    30.0,
    actions=(("next", "Next"), ("pause", "Pause"), ("stop", "Stop")),
)


def _console_lines(stream: io.StringIO) -> list[str]:
    return [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def resilient(
    notifier: FreedesktopNotifier, console: io.StringIO, events: EventRecorder
) -> Resilient:
    return Resilient(notifier, ConsoleNotifier(console), log=events)


def test_no_session_bus_shows_on_the_console(
    tmp_path: Path, events: EventRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_runtime_dir = tmp_path / "runtime"
    empty_runtime_dir.mkdir()
    environ = {"XDG_RUNTIME_DIR": str(empty_runtime_dir)}

    notifier = select_notifier("auto", log=events, environ=environ, platform="linux")
    assert notifier.name == "freedesktop"
    assert not notifier.supports_actions()
    notifier.show("session-1", STEP)
    notifier.close("session-1")
    notifier.shutdown()

    out = capsys.readouterr().out
    assert out.endswith("] Stretch · Seated figure-4 — Left side — hold 30 s (set 1 of 2)\n")
    (error,) = events.named("notify-error")
    assert error["backend"] == "freedesktop"
    assert error["tag"] == "session-1"
    assert "DBUS_SESSION_BUS_ADDRESS" in str(error["error"])
    assert "console" in str(error["message"])


def test_server_crash_falls_back_then_recovers(
    start_mock: Callable[[str], MockServer],
    resilient: Resilient,
    console: io.StringIO,
    events: EventRecorder,
) -> None:
    first = start_mock("body actions")
    resilient.show("session-1", STEP)
    assert resilient.supports_actions()
    assert console.getvalue() == ""

    first.kill()
    resilient.show("session-1", Message("Stretch · Seated figure-4", "Rest — 10 s", 20.0))
    assert resilient.degraded
    assert not resilient.supports_actions()
    assert _console_lines(console) == ["Stretch · Seated figure-4 — Rest — 10 s"]
    (error,) = events.named("notify-error")
    assert error["backend"] == "freedesktop"
    assert error["tag"] == "session-1"

    second = start_mock("body actions")
    resilient.show("session-1", STEP)
    resilient.show("session-1", STEP)

    assert not resilient.degraded
    assert resilient.supports_actions()
    assert len(second.notify_calls()) == 2
    assert len(_console_lines(console)) == 1  # nothing more on the console
    assert events.named("notify-recovered") == [
        {
            "message": "Notifications show through freedesktop again (1 shown on the console "
            "meanwhile).",
            "backend": "freedesktop",
            "tag": "session-1",
            "fallback_shows": 1,
        }
    ]


def test_the_fallback_is_logged_once_and_said_in_its_state(
    start_mock: Callable[[str], MockServer],
    resilient: Resilient,
    console: io.StringIO,
    events: EventRecorder,
) -> None:
    """No server for a whole session: one error line, then one console line a
    step; the wrapper says what it uses and what it retries until it recovers."""
    assert (resilient.in_use, resilient.retrying, resilient.describe()) == (
        "freedesktop",
        None,
        "freedesktop",
    )
    for step in range(3):
        resilient.show("session-1", Message(f"Step {step}", "Hold 30 s", 40.0))

    assert len(_console_lines(console)) == 3
    (error,) = events.named("notify-error")
    assert error["retrying"] is True
    assert "said once" in str(error["message"])
    assert resilient.in_use == "console"
    assert resilient.retrying == "freedesktop"
    assert resilient.describe() == "console (retrying freedesktop)"
    assert resilient.error is not None
    assert "notification server" in resilient.error

    start_mock("body actions")
    resilient.show("session-1", STEP)

    assert resilient.describe() == "freedesktop"
    assert resilient.error is None
    assert events.named("notify-recovered")[0]["fallback_shows"] == 3
    assert len(events.named("notify-error")) == 1


def test_notifier_status_reports_what_is_in_use_and_retried(
    tmp_path: Path, events: EventRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_runtime_dir = tmp_path / "runtime"
    empty_runtime_dir.mkdir()
    environ = {"XDG_RUNTIME_DIR": str(empty_runtime_dir)}
    notifier = select_notifier("auto", log=events, environ=environ, platform="linux")
    assert notifier_status(notifier) == {
        "notifier_in_use": "freedesktop",
        "notifier_retrying": None,
        "notifier_error": None,
    }
    assert not shows_on_console(notifier)

    notifier.show("session-1", STEP)

    state = notifier_status(notifier)
    assert state["notifier_in_use"] == "console"
    assert state["notifier_retrying"] == "freedesktop"
    assert "DBUS_SESSION_BUS_ADDRESS" in str(state["notifier_error"])
    assert shows_on_console(notifier)
    console = select_notifier("console", log=events, platform="linux")
    assert notifier_status(console)["notifier_in_use"] == "console"
    assert shows_on_console(console)
    capsys.readouterr()


def test_server_missing_at_start_is_picked_up_later(
    start_mock: Callable[[str], MockServer],
    resilient: Resilient,
    console: io.StringIO,
    events: EventRecorder,
) -> None:
    resilient.show("welcome", Message("reminder is running", "Not medical advice.", 30.0))
    assert _console_lines(console) == ["reminder is running — Not medical advice."]

    server = start_mock("body actions")
    resilient.show("session-1", STEP)

    assert [call.summary for call in server.notify_calls()] == ["Stretch · Seated figure-4"]
    assert len(events.named("notify-error")) == 1
    assert len(events.named("notify-recovered")) == 1


def test_buttons_reach_the_handler_through_the_wrapper(
    mock_server: MockServer, resilient: Resilient, presses: Presses
) -> None:
    resilient.set_action_handler(presses)
    resilient.show("session-1", STEP)

    mock_server.click(1, "stop")

    assert presses.wait_for(1) == [("session-1", "stop")]


class _Broken:
    """A backend with a bug: it raises something other than NotifierError."""

    name = "broken"

    def supports_actions(self) -> bool:
        raise RuntimeError("bug")

    def show(self, tag: str, message: Message) -> None:
        raise RuntimeError("bug in show")

    def close(self, tag: str) -> None:
        raise NotifierError("cannot close")

    def set_action_handler(self, handler: ActionHandler) -> None:
        pass

    def shutdown(self) -> None:
        raise RuntimeError("bug in shutdown")


def test_never_raises_even_when_both_backends_fail(events: EventRecorder) -> None:
    closed_console = io.StringIO()
    closed_console.close()
    resilient = Resilient(_Broken(), ConsoleNotifier(closed_console), log=events)

    assert resilient.name == "broken"
    assert not resilient.supports_actions()
    resilient.show("session-1", STEP)
    resilient.close("session-1")
    resilient.shutdown()

    backends = [(fields["backend"], fields["error"]) for fields in events.named("notify-error")]
    assert backends[:2] == [("broken", "bug in show"), ("console", backends[1][1])]
    assert ("broken", "cannot close") in backends
    assert ("broken", "bug in shutdown") in backends
