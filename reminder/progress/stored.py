"""What the history says when the daemon starts or `reminder next` looks:
the skips and snoozes decided ahead, when the daemon last ran, and which
scheduled sessions have a row, counting the writes still waiting in the
journal (``progress/writer.py``) as written."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reminder.progress import ops
from reminder.progress.records import Decision, HistoryError
from reminder.progress.writer import Journal

if TYPE_CHECKING:
    from reminder.progress.history import History


@dataclass
class Stored:
    """What the history says at start, journal included."""

    decisions: list[Decision] = field(default_factory=list)
    last_ran: dt.datetime | None = None
    """The daemon's last write or clean stop; None on a first-ever start."""
    recorded: set[tuple[float, int]] = field(default_factory=set)
    """Scheduled sessions that have a row already."""


def read_stored(history: History, since: dt.datetime) -> Stored:
    """The stored decisions, when the daemon last ran and which sessions
    from ``since`` have rows, from the database and the journal of writes
    still waiting for it (raises HistoryError when the database cannot be
    read)."""
    state = history.daemon_state()
    moments = [state[name] for name in ("last_seen", "clean_stop") if name in state]
    if not moments:
        # A history from before reminder kept these: its last row will do.
        moments = [e.ended_at or e.when for e in history.entries()[-1:]]
    stored = Stored(history.decisions(), max(moments, default=None))
    stored.recorded = history.recorded_occurrences(since)
    add_journal(stored, Journal(history.journal_path).read())
    return stored


def add_journal(stored: Stored, waiting: list[ops.Op]) -> None:
    decisions = {(d.schedule, d.scheduled_at.timestamp()): d for d in stored.decisions}
    for op in waiting:
        if op.get("seen"):
            seen = dt.datetime.fromisoformat(op["seen"])
            stored.last_ran = max(stored.last_ran or seen, seen)
        if op.get("schedule") is None or not op.get("scheduled_at"):
            continue
        at = dt.datetime.fromisoformat(op["scheduled_at"])
        key = (op["schedule"], at.timestamp())
        if op["op"] == "decide":
            until = dt.datetime.fromisoformat(op["until"]) if op.get("until") else None
            decided = dt.datetime.fromisoformat(op["decided_at"])
            decisions[key] = Decision(op["kind"], op["routine"], key[0], at, until, decided)
        else:
            decisions.pop(key, None)
            if op["op"] in ("started", "not_run"):
                stored.recorded.add((at.timestamp(), op["schedule"]))
    stored.decisions = sorted(decisions.values(), key=lambda d: d.decided_at)


def stored_decisions(history: History) -> list[Decision]:
    """The decisions that stand, for `reminder next` (none when the history
    cannot be read: the calendar alone is still right)."""
    stored = Stored()
    with contextlib.suppress(HistoryError):
        stored.decisions = history.decisions()
    add_journal(stored, Journal(history.journal_path).read())
    return stored.decisions
