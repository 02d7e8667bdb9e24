"""The console backend's lines, and the plyer backend against a recording plyer."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
import sys
import types
from typing import TYPE_CHECKING, Any

import pytest

from reminder.notify import Message, NotifierError, select_notifier
from reminder.notify.console import ConsoleNotifier
from reminder.notify.plyer_backend import PlyerNotifier

if TYPE_CHECKING:
    from notify.conftest import EventRecorder

STEP = Message(
    "Stretch · Seated figure-4",
    "Left side — hold 30 s (set 1 of 2)",
    30.0,
    actions=(("next", "Next"), ("pause", "Pause")),
)


class _FlushCounting(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_console_line_format() -> None:
    stream = _FlushCounting()
    at = dt.datetime(2025, 3, 10, 10, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    console = ConsoleNotifier(stream, clock=lambda: at)

    console.show("session-1", STEP)
    console.show("session-1", Message("Rest", "Rest — 10 s", 20.0))
    console.close("session-1")

    assert stream.getvalue() == (
        "[10:30:05] Stretch · Seated figure-4 — Left side — hold 30 s (set 1 of 2)\n"
        "[10:30:05] Rest — Rest — 10 s\n"
    )
    assert stream.flushes == 2  # each line is out at once, even through a pipe
    assert not console.supports_actions()
    assert console.name == "console"


def test_console_uses_local_time_and_one_line_per_show() -> None:
    stream = io.StringIO()
    before = dt.datetime.now(dt.timezone.utc).astimezone()

    ConsoleNotifier(stream).show(
        "config", Message("Config not applied", "Fix config.toml:\nline one\nline two", 60.0)
    )

    line = stream.getvalue()
    match = re.fullmatch(r"\[(\d\d):(\d\d):(\d\d)\] Config not applied — (.*)\n", line)
    assert match is not None, line
    assert match[4] == "Fix config.toml: / line one / line two"
    assert int(match[1]) in (before.hour, (before.hour + 1) % 24)


def test_console_default_stream_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleNotifier().show("session-1", STEP)

    assert capsys.readouterr().out.endswith(
        " Stretch · Seated figure-4 — Left side — hold 30 s (set 1 of 2)\n"
    )


def test_console_closed_stream_is_a_notifier_error() -> None:
    stream = io.StringIO()
    stream.close()

    with pytest.raises(NotifierError, match="console"):
        ConsoleNotifier(stream).show("session-1", STEP)


class _RecordingNotification:
    """Records calls, with the keyword names of plyer's real facade."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error

    def notify(
        self,
        title: str = "",
        message: str = "",
        app_name: str = "",
        app_icon: str = "",
        timeout: int = 10,
        ticker: str = "",
        toast: bool = False,
        hints: dict[str, Any] | None = None,
    ) -> None:
        self.calls.append(
            {"title": title, "message": message, "app_name": app_name, "timeout": timeout}
        )
        if self.error is not None:
            raise self.error


def _install_fake_plyer(
    monkeypatch: pytest.MonkeyPatch, notification: _RecordingNotification
) -> None:
    fake = types.ModuleType("plyer")
    fake.notification = notification  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "plyer", fake)


def test_fake_plyer_has_the_real_facade_parameters() -> None:
    from plyer.facades import Notification

    real = inspect.signature(Notification.notify).parameters
    fake = inspect.signature(_RecordingNotification.notify).parameters
    for name in ("title", "message", "app_name", "timeout"):
        assert name in real
        assert real[name].kind == fake[name].kind
    assert list(fake) == list(real)


def test_plyer_passes_whole_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    notification = _RecordingNotification()
    _install_fake_plyer(monkeypatch, notification)
    plyer = PlyerNotifier()

    plyer.show("session-1", STEP)
    plyer.show("session-1", Message("Rest", "Rest — 2.2 s", 2.2))
    plyer.show("session-1", Message("Blink", "Quick", 0.3))

    assert notification.calls[0] == {
        "title": "Stretch · Seated figure-4",
        "message": "Left side — hold 30 s (set 1 of 2)",
        "app_name": "reminder",
        "timeout": 30,
    }
    timeouts = [call["timeout"] for call in notification.calls]
    assert timeouts == [30, 3, 1]
    assert all(type(timeout) is int for timeout in timeouts)  # plyer #658: no floats
    assert not plyer.supports_actions()


def test_plyer_failure_is_a_notifier_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _install_fake_plyer(monkeypatch, _RecordingNotification(OSError("no toast service")))

    with pytest.raises(NotifierError, match="no toast service"):
        PlyerNotifier().show("session-1", STEP)


def test_plyer_missing_is_a_notifier_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plyer", None)  # makes `import plyer` fail

    with pytest.raises(NotifierError, match=r"ModuleNotFoundError|ImportError"):
        PlyerNotifier().show("session-1", STEP)


def test_plyer_setting_falls_back_to_the_console(
    monkeypatch: pytest.MonkeyPatch, events: EventRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    notification = _RecordingNotification(RuntimeError("no notification center"))
    _install_fake_plyer(monkeypatch, notification)
    notifier = select_notifier("plyer", log=events)

    notifier.show("session-1", STEP)
    assert capsys.readouterr().out.endswith(" — Left side — hold 30 s (set 1 of 2)\n")
    assert events.named("notify-error")[0]["backend"] == "plyer"

    notification.error = None
    notifier.show("session-1", STEP)
    assert capsys.readouterr().out == ""
    assert len(notification.calls) == 2
    assert events.named("notify-recovered")[0]["backend"] == "plyer"
