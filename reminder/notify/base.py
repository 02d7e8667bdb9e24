"""The contract every notification backend keeps.

A notifier shows one notification per tag (one tag per session) and updates it
in place at every step; buttons pressed on it come back through the action
handler as ``(tag, key)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

Urgency: TypeAlias = Literal["low", "normal", "critical"]

ACTION_KEYS = frozenset(
    {
        "start",
        "snooze",
        "skip",
        "next",
        "pause",
        "resume",
        "stop",
        "easy",
        "right",
        "hard",
        "better",
        "same",
        "worse",
    }
)
"""Every action key a message may carry; the daemon's action handler knows each one."""

ActionHandler: TypeAlias = Callable[[str, str], None]
"""Called as ``handler(tag, action_key)`` from a backend thread when a button is pressed."""

EventLogger: TypeAlias = Callable[[str, dict[str, object]], None]
"""The daemon's ``log(event, fields)``; a ``"message"`` field is the human-readable line."""


@dataclass(frozen=True)
class Message:
    """What one notification says, for how long, and which buttons it offers."""

    summary: str
    body: str
    timeout: float
    """Seconds the notification stays. Always > 0: a never-expiring notification
    keeps some desktops awake (Stretchly #931)."""
    actions: tuple[tuple[str, str], ...] = ()
    """``(key, label)`` pairs, keys from ``ACTION_KEYS``; shown where the server has actions."""
    urgency: Urgency = "normal"
    progress: int | None = None
    """How far the step is, 0–100, where the server draws it (hint ``value``:
    dunst, KDE); None for none."""
    suppress_sound: bool = False
    """reminder plays its own sound for this one (a session's cue, the ask
    chime): the server should not add its own (freedesktop hint
    ``suppress-sound``)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(
                f"A notification timeout must be a positive number of seconds, not {self.timeout!r}."
            )
        keys = [key for key, _ in self.actions]
        unknown = sorted(set(keys) - ACTION_KEYS)
        if unknown:
            raise ValueError(
                f"Unknown notification action {', '.join(unknown)}; "
                f"use one of {', '.join(sorted(ACTION_KEYS))}."
            )
        if len(set(keys)) != len(keys):
            raise ValueError(f"A notification lists the same action twice: {keys}.")
        if self.progress is not None and not 0 <= self.progress <= 100:
            raise ValueError(f"A notification's progress is 0 to 100, not {self.progress!r}.")
        if self.urgency not in ("low", "normal", "critical"):
            raise ValueError(
                f"Unknown notification urgency {self.urgency!r}; use low, normal or critical."
            )


class NotifierError(Exception):
    """A backend could not show or close a notification; the message says why."""


class Notifier(Protocol):
    """A notification backend. Construction never fails; the first use connects."""

    name: str
    """``"freedesktop"``, ``"plyer"`` or ``"console"``."""

    def supports_actions(self) -> bool:
        """True only when buttons pressed on a notification come back to the handler."""
        ...

    def show(self, tag: str, message: Message) -> None:
        """Show the tag's notification, or update it in place; raises NotifierError."""
        ...

    def close(self, tag: str) -> None:
        """Close the tag's notification if it is open; never raises for "already gone"."""
        ...

    def set_action_handler(self, handler: ActionHandler) -> None:
        """Where pressed buttons go from now on."""
        ...

    def shutdown(self) -> None:
        """Release connections and threads; idempotent."""
        ...


class OneWayNotifier(Notifier):
    """A backend with no buttons and nothing to close or release: each show
    is a new, self-expiring notification or a line of text."""

    def supports_actions(self) -> bool:
        return False

    def close(self, tag: str) -> None:
        pass

    def set_action_handler(self, handler: ActionHandler) -> None:
        pass

    def shutdown(self) -> None:
        pass
