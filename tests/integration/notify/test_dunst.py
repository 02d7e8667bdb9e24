"""Smoke test with a real notification server: dunst under Xvfb."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reminder.notify import Message
from reminder.notify.freedesktop import FreedesktopNotifier

if TYPE_CHECKING:
    from support.desktop import Dunst


def test_dunst_shows_updates_and_closes(dunst: Dunst, notifier: FreedesktopNotifier) -> None:
    assert notifier.supports_actions()  # dunst has buttons (in its context menu)

    notifier.show(
        "session-1",
        Message(
            "Stretch · Seated figure-4",
            "Left side — hold 30 s (set 1 of 2)",
            30.0,
            actions=(("next", "Next"), ("pause", "Pause"), ("stop", "Stop")),
        ),
    )
    notifier.show(
        "session-1",
        Message("Stretch · Seated figure-4", "Right side — hold 30 s (set 1 of 2)", 40.0),
    )
    assert dunst.displayed() == 1  # updated in place, not a second notification

    notifier.close("session-1")  # dunst keeps closed notifications in its history

    (shown,) = dunst.history()
    assert shown["appname"] == "reminder"
    assert shown["summary"] == "Stretch · Seated figure-4"
    assert shown["body"] == "Right side — hold 30 s (set 1 of 2)"
    assert shown["timeout"] == 40_000_000  # microseconds: the expiry reached the server
    assert dunst.displayed() == 0
