"""The daemon's one state value: what it is doing now. Every transition
names the state it enters (``Daemon.enter``); nothing reads the state off
which optional fields happen to be set."""

from __future__ import annotations

import enum


class State(enum.Enum):
    IDLE = "idle"
    """Waiting for the next session."""
    ASKING = "asking"
    """A session's start notification waits for Start, Snooze or Skip."""
    HELD = "held"
    """A due session waits for the person to come back (away, locked, DND)."""
    IN_SESSION = "in-session"
    SESSION_PAUSED = "session-paused"
    PAUSED = "paused"
    """Reminders are paused: no session starts until they are resumed."""
