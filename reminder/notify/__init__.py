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
    "probe",
    "select_notifier",
]

NOTIFIER_SETTINGS = ("auto", "freedesktop", "plyer", "console")


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
