"""The freedesktop backend against a real session bus and dbusmock's notification server.

dbusmock numbers new notifications 1, 2, 3… and answers a replacing Notify
with the id it replaced, so the ids below are the ones the server returned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reminder.notify import Message, NotifierError
from reminder.notify.freedesktop import (
    FreedesktopNotifier,
    expire_timeout_ms,
    probe,
    session_bus_address,
)

if TYPE_CHECKING:
    from support.desktop import MockServer, SessionBus

    from notify.conftest import EventRecorder, Presses

STEP = Message(
    summary="Stretch · Seated figure-4",
    body="Left side — hold 30 s (set 1 of 2)",
    timeout=30.0,
    actions=(("next", "Next"), ("pause", "Pause"), ("stop", "Stop")),
)


def test_show_sends_what_the_user_reads(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", STEP)

    (call,) = mock_server.notify_calls()
    assert call.app_name == "reminder"
    assert call.replaces_id == 0
    assert call.summary == "Stretch · Seated figure-4"
    assert call.body == "Left side — hold 30 s (set 1 of 2)"
    assert call.expire_timeout == 30_000
    assert call.actions == ["next", "Next", "pause", "Pause", "stop", "Stop"]
    assert call.hints["urgency"] == 1
    assert call.signatures["hint:urgency"] == "y"
    assert call.signatures["expire_timeout"] == "i"
    # No float anywhere: plyer's float timeouts broke real servers (plyer #658).
    assert not any("d" in signature for signature in call.signatures.values())
    assert notifier.supports_actions()


@pytest.mark.parametrize(
    ("seconds", "expected_ms"),
    [(30.0, 30_000), (2.5, 2_500), (1.1, 1_100), (0.2, 1_000), (15 * 60, 900_000)],
)
def test_expire_timeout_is_positive_and_fitted(seconds: float, expected_ms: int) -> None:
    assert expire_timeout_ms(seconds) == expected_ms


def test_urgency_is_sent_as_a_byte(mock_server: MockServer, notifier: FreedesktopNotifier) -> None:
    notifier.show("low", Message("Done · Gluteus medius", "Well done.", 30.0, urgency="low"))
    notifier.show("critical", Message("Config not applied", "Fix it.", 60.0, urgency="critical"))

    assert [call.hints["urgency"] for call in mock_server.notify_calls()] == [0, 2]


def test_a_message_with_its_own_sound_asks_the_server_for_silence(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", STEP)
    notifier.show("session-1", Message(STEP.summary, STEP.body, 30.0, suppress_sound=True))

    plain, silent = mock_server.notify_calls()
    assert "suppress-sound" not in plain.hints
    assert silent.hints["suppress-sound"] is True
    assert silent.signatures["hint:suppress-sound"] == "b"


def test_a_step_in_progress_sends_its_progress_as_the_value_hint(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", STEP)
    notifier.show("session-1", Message(STEP.summary, STEP.body, 30.0, progress=40))

    without, with_progress = mock_server.notify_calls()
    assert "value" not in without.hints
    assert with_progress.hints["value"] == 40
    assert with_progress.signatures["hint:value"] == "i"


def test_one_notification_per_tag_updated_in_place(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", STEP)
    notifier.show("session-1", Message("Stretch · Seated figure-4", "Rest — 10 s", 20.0))
    notifier.show("session-2", STEP)
    notifier.show("session-1", STEP)

    calls = mock_server.notify_calls()
    assert [call.replaces_id for call in calls] == [0, 1, 0, 1]
    assert calls[1].body == "Rest — 10 s"
    assert calls[1].expire_timeout == 20_000


def test_no_buttons_without_the_actions_capability(
    start_mock: Callable[[str], MockServer], notifier: FreedesktopNotifier
) -> None:
    server = start_mock("body body-markup")

    notifier.show(
        "session-1", Message("Strengthen · Clamshell", "Hip & knee <bent>", 10.0, STEP.actions)
    )

    (call,) = server.notify_calls()
    assert call.actions == []
    assert not notifier.supports_actions()
    # A server with body markup would read "&" and "<" as markup.
    assert call.body == "Hip &amp; knee &lt;bent&gt;"


def test_body_is_plain_text_without_the_markup_capability(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", Message("Strengthen · Clamshell", "Hip & knee <bent>", 10.0))

    assert mock_server.notify_calls()[0].body == "Hip & knee <bent>"


def test_button_press_reaches_the_handler_with_its_tag(
    mock_server: MockServer, notifier: FreedesktopNotifier, presses: Presses
) -> None:
    notifier.set_action_handler(presses)
    notifier.show("ask-1", Message("Time for Gluteus medius", "Start now?", 60.0))
    notifier.show("session-7", STEP)

    mock_server.click(99, "next")  # not ours: ignored
    mock_server.click(1, "default")  # a click on the body, not a button we offered: ignored
    mock_server.click(2, "pause")
    mock_server.click(1, "start")

    # Signals arrive in order, so the ignored presses would have come first.
    assert presses.wait_for(2) == [("session-7", "pause"), ("ask-1", "start")]


def test_a_failing_handler_is_logged_and_later_presses_still_arrive(
    mock_server: MockServer, session_bus: SessionBus, events: EventRecorder, presses: Presses
) -> None:
    def handler(tag: str, key: str) -> None:
        if key == "pause":
            raise RuntimeError("daemon bug")
        presses(tag, key)

    backend = FreedesktopNotifier(log=events)
    try:
        backend.set_action_handler(handler)
        backend.show("session-1", STEP)
        mock_server.click(1, "pause")
        mock_server.click(1, "stop")

        assert presses.wait_for(1) == [("session-1", "stop")]
    finally:
        backend.shutdown()
    (error,) = events.named("notify-error")
    assert error["tag"] == "session-1"
    assert error["action"] == "pause"
    assert "daemon bug" in str(error["error"])


def test_a_closed_notification_is_shown_anew(
    mock_server: MockServer, notifier: FreedesktopNotifier, presses: Presses
) -> None:
    notifier.set_action_handler(presses)
    notifier.show("session-1", STEP)  # id 1
    notifier.show("session-2", STEP)  # id 2

    mock_server.closed(1)  # the user dismissed it
    mock_server.click(2, "next")  # comes after the close: once it is here, so is the close
    presses.wait_for(1)
    notifier.show("session-1", STEP)
    notifier.show("session-2", STEP)

    assert [call.replaces_id for call in mock_server.notify_calls()] == [0, 0, 0, 2]


def test_close_closes_and_the_next_show_is_new(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.close("never-shown")  # nothing to close: no call, no error
    notifier.show("session-1", STEP)
    notifier.close("session-1")
    notifier.close("session-1")  # already gone
    notifier.show("session-1", STEP)

    assert mock_server.method_calls("CloseNotification") == [[1]]
    assert [call.replaces_id for call in mock_server.notify_calls()] == [0, 0]


def test_server_killed_then_restarted(
    start_mock: Callable[[str], MockServer], notifier: FreedesktopNotifier
) -> None:
    first = start_mock("body actions")
    notifier.show("session-1", STEP)
    notifier.show("session-1", STEP)

    first.kill()
    with pytest.raises(NotifierError, match="No notification server"):
        notifier.show("session-1", STEP)
    notifier.close("session-1")  # gone with its server: no error

    second = start_mock("body")
    notifier.show("session-1", STEP)

    (call,) = second.notify_calls()
    assert call.replaces_id == 0  # the old server's id means nothing to the new one
    assert call.actions == []  # capabilities were asked again
    assert not notifier.supports_actions()


def test_server_restarted_between_shows(
    start_mock: Callable[[str], MockServer], notifier: FreedesktopNotifier
) -> None:
    second = start_mock("body actions")
    notifier.show("session-1", STEP)
    second.kill()
    third = start_mock("body")

    # Whether or not the restart's signal arrived before this show, the show
    # reaches the new server and from then on its capabilities apply.
    notifier.show("session-1", STEP)
    notifier.show("session-1", STEP)

    calls = third.notify_calls()
    assert len(calls) == 2
    assert calls[1].actions == []
    assert calls[1].replaces_id == 1
    assert not notifier.supports_actions()


def test_hung_server_times_out(mock_server: MockServer, session_bus: SessionBus) -> None:
    backend = FreedesktopNotifier(call_timeout=0.5)
    try:
        backend.show("session-1", STEP)
        assert mock_server.process is not None
        os.kill(mock_server.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(NotifierError, match=r"did not answer Notify within 0\.5 s"):
                backend.show("session-1", STEP)
            assert time.monotonic() - started < 3
        finally:
            os.kill(mock_server.process.pid, signal.SIGCONT)
        backend.show("session-1", STEP)  # answers again once it runs
    finally:
        backend.shutdown()


def test_bus_restarted_reconnects_from_scratch(
    session_bus: SessionBus,
    start_mock: Callable[[str], MockServer],
    notifier: FreedesktopNotifier,
) -> None:
    first = start_mock("body actions")
    notifier.show("session-1", STEP)

    first.stop()
    session_bus.stop()
    with pytest.raises(NotifierError, match="D-Bus"):
        notifier.show("session-1", STEP)

    session_bus.start()  # same address
    second = start_mock("body actions")
    notifier.show("session-1", STEP)

    (call,) = second.notify_calls()
    assert call.replaces_id == 0


def test_found_through_xdg_runtime_dir(
    mock_server: MockServer, session_bus: SessionBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    environ = {"XDG_RUNTIME_DIR": str(session_bus.runtime_dir)}
    assert session_bus_address(environ) == session_bus.address

    backend = FreedesktopNotifier()
    try:
        backend.show("session-1", STEP)
    finally:
        backend.shutdown()
    assert len(mock_server.notify_calls()) == 1


def test_no_session_bus(tmp_path: Path) -> None:
    empty_runtime_dir = tmp_path / "runtime"
    empty_runtime_dir.mkdir()
    environ = {"XDG_RUNTIME_DIR": str(empty_runtime_dir)}

    backend = FreedesktopNotifier(environ)  # never fails to construct
    assert not backend.supports_actions()
    with pytest.raises(NotifierError, match="DBUS_SESSION_BUS_ADDRESS is not set"):
        backend.show("session-1", STEP)
    backend.close("session-1")
    backend.shutdown()
    assert session_bus_address(environ) is None
    assert not probe(environ)


def test_probe_needs_a_server_that_answers(
    session_bus: SessionBus, start_mock: Callable[[str], MockServer]
) -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": session_bus.address}
    assert not probe(environ)  # a bus, but no server on it
    start_mock("body")
    assert probe(environ)


def test_shutdown_is_final_and_idempotent(
    mock_server: MockServer, notifier: FreedesktopNotifier
) -> None:
    notifier.show("session-1", STEP)
    notifier.shutdown()
    notifier.shutdown()

    with pytest.raises(NotifierError, match="shut down"):
        notifier.show("session-1", STEP)
    notifier.close("session-1")
    assert not notifier.supports_actions()


IDLE_CHILD = """
import sys
from reminder.notify.freedesktop import FreedesktopNotifier
from reminder.notify.base import Message
notifier = FreedesktopNotifier()
notifier.set_action_handler(lambda tag, key: None)
notifier.show("session-1", Message("Stretch", "Hold 30 s", 30.0, (("next", "Next"),)))
print("shown", flush=True)
sys.stdin.read()
notifier.shutdown()
"""


def _context_switches(pid: int) -> int:
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        for line in status.read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def _wait_until_quiet(pid: int, quiet: float = 0.2, timeout: float = 10.0) -> int:
    """Wait out the child's start-up tail (slow on a loaded machine).

    Nothing signals "all threads are blocked", so this samples: the first
    ``quiet`` seconds without a context switch end it.
    """
    deadline = time.monotonic() + timeout
    count = _context_switches(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        previous, count = count, _context_switches(pid)
        if count == previous:
            return count
    pytest.fail(f"the idle notifier never went {quiet:g} s without waking up")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_idle_connection_never_wakes_up(mock_server: MockServer, session_bus: SessionBus) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", IDLE_CHILD],
        env=session_bus.env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "shown\n"
        before = _wait_until_quiet(child.pid)
        # A measuring window, not a wait for an event: any timer or polling loop
        # in the receiver or signal thread would wake the process during it.
        time.sleep(1.0)
        after = _context_switches(child.pid)
        assert after == before
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
