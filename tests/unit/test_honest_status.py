"""Without a desktop: what the daemon's text log and `reminder status` say
while the console stands in for the notification server."""

from __future__ import annotations

import datetime as dt
import io
import json

from reminder.cli.display import status_text
from reminder.daemon.events import EventLog, steps_on_console
from reminder.notify import ConsoleNotifier, Message, Resilient, select_notifier
from reminder.notify.base import NotifierError, OneWayNotifier

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class _Gone(OneWayNotifier):
    """A desktop backend whose server is not there."""

    name = "freedesktop"

    def show(self, tag: str, message: Message) -> None:
        raise NotifierError("No notification server is running on the session D-Bus.")


def _step(number: int) -> Message:
    return Message(f"Stretch · Figure-4 {number}", "Left side — hold 30 s", 40.0)


def _log(json_lines: bool = False) -> tuple[EventLog, io.StringIO]:
    stream = io.StringIO()
    return EventLog(stream, json_lines=json_lines, clock=lambda: NOW), stream


def test_a_session_on_the_console_logs_its_fallback_once_then_one_line_a_step() -> None:
    """What the daemon's terminal (or journal) shows for three steps with no
    notification server: the fallback said once, then each step once."""
    log, errors = _log()
    shown = io.StringIO()
    notifier = Resilient(_Gone(), ConsoleNotifier(shown), log=log.fields_logger())
    log.skip_text_when(steps_on_console(lambda: notifier))
    for number in range(3):
        notifier.show("session-1", _step(number))
        log("step", f"Stretch · Figure-4 {number}: Left side — hold 30 s", index=number)

    assert errors.getvalue().count("notify-error") == 1
    assert "step:" not in errors.getvalue()
    assert len(shown.getvalue().splitlines()) == 3


def test_the_json_log_keeps_every_step_whatever_shows_it() -> None:
    log, stream = _log(json_lines=True)
    notifier = select_notifier("console", log=log.fields_logger())
    log.skip_text_when(steps_on_console(lambda: notifier))
    log("step", "a step", index=0)
    assert json.loads(stream.getvalue())["event"] == "step"


def test_steps_shown_by_a_desktop_server_stay_in_the_text_log() -> None:
    log, stream = _log()

    class Desktop(OneWayNotifier):
        name = "freedesktop"

        def show(self, tag: str, message: Message) -> None:
            pass

    notifier = Resilient(Desktop(), ConsoleNotifier(io.StringIO()), log=log.fields_logger())
    log.skip_text_when(steps_on_console(lambda: notifier))
    notifier.show("session-1", _step(1))
    log("step", "Stretch · Figure-4 1: Left side — hold 30 s")
    log("session-end", "Done.")
    assert "step: Stretch" in stream.getvalue()
    assert "session-end: Done." in stream.getvalue()


STATUS = {
    "state": "idle",
    "pid": 4242,
    "version": "0.1.0",
    "config": "/home/u/.config/reminder/config.toml",
    "config_errors": [],
    "notifier": "freedesktop",
    "session": None,
    "asking": None,
    "next": None,
    "paused": False,
    "paused_until": None,
    "held": None,
    "history": "/home/u/.local/state/reminder/history.sqlite3",
    "history_error": None,
}


def test_status_says_the_console_stands_in_and_what_is_retried() -> None:
    status = {
        **STATUS,
        "notifier_in_use": "console",
        "notifier_retrying": "freedesktop",
        "notifier_error": "There is no session D-Bus.",
    }
    first, second, *_ = status_text(status, NOW).splitlines()
    assert first == (
        "reminder is running (pid 4242); notifications: console, retrying freedesktop at "
        "every notification (There is no session D-Bus)."
    )
    assert "reminder doctor" in second


def test_status_of_a_working_desktop_names_the_backend_alone() -> None:
    status = {
        **STATUS,
        "notifier_in_use": "freedesktop",
        "notifier_retrying": None,
        "notifier_error": None,
    }
    first = status_text(status, NOW).splitlines()[0]
    assert first == "reminder is running (pid 4242); notifications: freedesktop."
    assert "doctor" not in status_text(status, NOW)
