"""Choosing a backend from the ``notifier`` setting, the Message contract, and
start-up cost: importing the package must not import jeepney or plyer."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reminder.notify import (
    Background,
    ConsoleNotifier,
    FreedesktopNotifier,
    Message,
    PlyerNotifier,
    Resilient,
    select_notifier,
)

if TYPE_CHECKING:
    from support.desktop import MockServer, SessionBus

    from notify.conftest import EventRecorder


@pytest.fixture
def no_bus(tmp_path: Path) -> dict[str, str]:
    """An environment with no session bus at all."""
    runtime_dir = tmp_path / "empty-runtime"
    runtime_dir.mkdir()
    return {"XDG_RUNTIME_DIR": str(runtime_dir)}


@pytest.mark.parametrize(
    ("setting", "platform", "primary"),
    [
        ("freedesktop", "linux", FreedesktopNotifier),
        ("plyer", "linux", PlyerNotifier),
        ("auto", "linux", FreedesktopNotifier),  # even with no server yet: picked up later
        ("auto", "darwin", PlyerNotifier),
        ("auto", "win32", PlyerNotifier),
    ],
)
def test_backends_with_console_fallback(
    setting: str,
    platform: str,
    primary: type[object],
    no_bus: dict[str, str],
    events: EventRecorder,
) -> None:
    notifier = select_notifier(setting, log=events, environ=no_bus, platform=platform)

    # Sent from a thread of its own, falling back to the console.
    assert isinstance(notifier, Background)
    resilient = notifier.inner
    assert isinstance(resilient, Resilient)
    assert isinstance(resilient.primary, primary)
    assert isinstance(resilient.fallback, ConsoleNotifier)
    assert notifier.name == resilient.primary.name
    assert events.events == []  # choosing does no I/O and logs nothing


def test_console_setting(no_bus: dict[str, str], events: EventRecorder) -> None:
    notifier = select_notifier("console", log=events, environ=no_bus, platform="linux")

    assert isinstance(notifier, ConsoleNotifier)
    assert notifier.name == "console"


def test_auto_elsewhere_uses_freedesktop_only_when_a_server_answers(
    session_bus: SessionBus,
    start_mock: Callable[[str], MockServer],
    no_bus: dict[str, str],
    events: EventRecorder,
) -> None:
    assert isinstance(
        select_notifier("auto", log=events, environ=no_bus, platform="freebsd14"), ConsoleNotifier
    )

    start_mock("body actions")
    bus = {"DBUS_SESSION_BUS_ADDRESS": session_bus.address}
    notifier = select_notifier("auto", log=events, environ=bus, platform="freebsd14")
    assert isinstance(notifier, Background)
    assert isinstance(notifier.inner, Resilient)
    assert isinstance(notifier.inner.primary, FreedesktopNotifier)


def test_unknown_setting_is_refused(events: EventRecorder) -> None:
    with pytest.raises(ValueError, match="auto, freedesktop, plyer, console"):
        select_notifier("growl", log=events)


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, math.inf])
def test_message_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Message("Stretch", "Hold", timeout)


def test_message_actions_are_known_keys() -> None:
    Message("Time for Psoas", "Start now?", 60.0, (("start", "Start"), ("snooze", "Snooze")))
    with pytest.raises(ValueError, match="Unknown notification action dance"):
        Message("Stretch", "Hold", 30.0, (("dance", "Dance"),))
    with pytest.raises(ValueError, match="twice"):
        Message("Stretch", "Hold", 30.0, (("next", "Next"), ("next", "Next")))


def test_importing_the_package_imports_no_backend_library() -> None:
    code = (
        "import json, sys, reminder.notify, reminder.notify.freedesktop;"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('jeepney', 'plyer'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []
