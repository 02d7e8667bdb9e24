"""What the history holds, as plain values, and where its files are:
everything of the history the idle daemon needs, without SQLite.

The daemon reads and writes the history only when a session runs or is
missed, and at start in a process of its own (``progress/starting.py``):
``sqlite3`` (``progress/history.py``) would keep 1.4 MiB of library mapped
in a daemon that waits hours between sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal


def journal_path(history: Path) -> Path:
    """Where writes wait while the history file cannot be written
    (``progress/writer.py``)."""
    return history.with_name(f"{history.stem}-pending.jsonl")


def make_private(history: Path) -> list[Path]:
    """Tighten an existing state folder (0700) and history files (0600)
    that others could read; the ones changed, for saying so once."""
    from reminder.files import tighten

    candidates = [
        (history.parent, 0o700),
        *((history.with_name(history.name + suffix), 0o600) for suffix in ("", "-wal", "-shm")),
    ]
    return [path for path, mode in candidates if tighten(path, mode)]


@dataclass(frozen=True)
class Entry:
    id: int
    routine: str
    schedule: int | None
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: str
    reason: str | None
    phases_done: tuple[str, ...]
    seconds_done: int
    source: str = "daemon"
    """Where it ran: "daemon" (notifications) or "terminal" (`now --terminal`)."""

    @property
    def when(self) -> dt.datetime:
        moment = self.started_at or self.scheduled_at
        assert moment is not None
        return moment

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "routine": self.routine,
            "schedule": self.schedule,
            "scheduled_at": self.scheduled_at.isoformat() if self.scheduled_at else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "outcome": self.outcome,
            "reason": self.reason,
            "phases_done": list(self.phases_done),
            "seconds_done": self.seconds_done,
            "source": self.source,
        }


@dataclass(frozen=True)
class Decision:
    """A skip or snooze decided ahead of a session's time; it stands until a
    row for that session is written."""

    kind: Literal["skip", "snooze"]
    routine: str
    schedule: int
    scheduled_at: dt.datetime
    """The session's own time."""
    until: dt.datetime | None
    """Snoozed: when it comes instead."""
    decided_at: dt.datetime


@dataclass(frozen=True)
class Checkin:
    id: int
    at: dt.datetime
    score: int | None
    """0 (no pain) to 10 (worst), from `reminder checkin`."""
    feeling: str | None
    """"better", "same" or "worse" than last time, from the notification."""
    note: str | None
    routine: str | None
    session_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "score": self.score,
            "feeling": self.feeling,
            "note": self.note,
            "routine": self.routine,
            "session_id": self.session_id,
        }


class HistoryError(Exception):
    """The history file could not be read or written; the message says why."""
