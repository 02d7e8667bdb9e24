"""Desktop notifications: one backend per module behind the Notifier protocol.

Importing this package imports neither jeepney nor plyer; a backend imports
its library when it first shows something.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from reminder.notify.background import Background
from reminder.notify.base import (
    ACTION_KEYS,
    ActionHandler,
    EventLogger,
    Message,
    Notifier,
    NotifierError,
)
from reminder.notify.console import ConsoleNotifier
from reminder.notify.freedesktop import FreedesktopNotifier, probe
from reminder.notify.plyer_backend import PlyerNotifier
from reminder.notify.resilient import Resilient

__all__ = [
    "ACTION_KEYS",
    "NOTIFIER_SETTINGS",
    "ActionHandler",
    "Background",
    "ConsoleNotifier",
    "EventLogger",
    "FreedesktopNotifier",
    "Message",
    "Notifier",
    "NotifierError",
    "PlyerNotifier",
    "Resilient",
    "notifier_status",
    "probe",
    "select_notifier",
    "shows_on_console",
]

NOTIFIER_SETTINGS = ("auto", "freedesktop", "plyer", "console")


def _unwrapped(notifier: Notifier) -> Notifier:
    """The backend behind the sender thread (``Background``), which only passes work on."""
    return notifier.inner if isinstance(notifier, Background) else notifier


def notifier_status(notifier: Notifier) -> dict[str, str | None]:
    """What ``reminder status`` tells about notifications, beside ``notifier``
    (the backend the config chose, which stays what it was):

    - ``notifier_in_use``: where notifications go now ("console" while the
      chosen backend fails and the console stands in);
    - ``notifier_retrying``: the backend tried again at every notification
      meanwhile, else None;
    - ``notifier_error``: why it failed last, else None.
    """
    notifier = _unwrapped(notifier)
    if isinstance(notifier, Resilient):
        return {
            "notifier_in_use": notifier.in_use,
            "notifier_retrying": notifier.retrying,
            "notifier_error": notifier.error,
        }
    return {"notifier_in_use": notifier.name, "notifier_retrying": None, "notifier_error": None}


def shows_on_console(notifier: Notifier) -> bool:
    """Whether the last notification was printed on the console (chosen, or standing in)."""
    notifier = _unwrapped(notifier)
    if isinstance(notifier, Resilient):
        return notifier.in_use == ConsoleNotifier.name
    return notifier.name == ConsoleNotifier.name


def select_notifier(
    setting: str,
    *,
    log: EventLogger,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> Notifier:
    """The notifier for the ``notifier`` setting. Does no I/O on Linux, macOS and Windows.

    Every choice but "console" falls back to the console while its backend
    fails, and goes back to it once it works: a notification server missing at
    login is picked up when it starts.
    """
    platform = sys.platform if platform is None else platform

    # Sent from a thread of their own: a server that hangs never holds up a step.
    def freedesktop() -> Notifier:
        return Background(
            Resilient(FreedesktopNotifier(environ, log=log), ConsoleNotifier(), log=log), log=log
        )

    def plyer() -> Notifier:
        return Background(Resilient(PlyerNotifier(), ConsoleNotifier(), log=log), log=log)

    if setting == "console":
        return ConsoleNotifier()
    if setting == "freedesktop":
        return freedesktop()
    if setting == "plyer":
        return plyer()
    if setting != "auto":
        raise ValueError(
            f"Unknown notifier {setting!r}; use one of {', '.join(NOTIFIER_SETTINGS)}."
        )
    if platform.startswith("linux"):
        return freedesktop()
    if platform in ("darwin", "win32"):
        return plyer()
    # The BSDs and others: freedesktop if a notification server answers now.
    if probe(environ):
        return freedesktop()
    return ConsoleNotifier()
