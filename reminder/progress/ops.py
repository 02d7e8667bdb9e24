"""History writes as data: each one a small JSON-able dict (an "op"), so it
can wait in a queue, be journalled to a file while the database cannot be
written, and be replayed later, in order, without being applied twice.

Ops name sessions by a ``key`` of their own (not the row id, which only the
database knows), so an ``ended`` op finds the row its ``started`` op made,
however long the two waited. Every op is applied in one transaction
(``History.apply``); applying the same op twice changes nothing the second
time.

A daemon's ops carry ``seen``: the daemon's clock when it queued them. The
largest is kept as ``last_seen``, so the daemon knows when it last ran
without waking up to say so (DESIGN.md, "Records").
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import sqlite3

Op = dict[str, Any]
"""One history write: ``{"op": NAME, ...fields}``, JSON-able."""

_UTC = dt.timezone.utc


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(_UTC).isoformat()


def new_key() -> str:
    """A key for a session row, unique across daemons, restarts and machines."""
    # 128 random bits, as uuid4's hex, without importing uuid: it pulls in
    # hashlib and so OpenSSL, about 0.5 MiB the idle daemon would keep.
    return os.urandom(16).hex()


# -- building ops ----------------------------------------------------------------------


def started(
    key: str,
    routine: str,
    started_at: dt.datetime,
    *,
    schedule: int | None,
    scheduled_at: dt.datetime | None,
    source: str = "daemon",
) -> Op:
    return {
        "op": "started",
        "key": key,
        "routine": routine,
        "started_at": iso(started_at),
        "schedule": schedule,
        "scheduled_at": iso(scheduled_at),
        "source": source,
    }


def ended(
    key: str,
    ended_at: dt.datetime,
    outcome: str,
    *,
    reason: str | None,
    phases_done: Sequence[str],
    seconds_done: int,
) -> Op:
    return {
        "op": "ended",
        "key": key,
        "ended_at": iso(ended_at),
        "outcome": outcome,
        "reason": reason,
        "phases_done": list(phases_done),
        "seconds_done": seconds_done,
    }


def not_run(
    routine: str,
    outcome: str,
    *,
    scheduled_at: dt.datetime,
    schedule: int | None,
    reason: str | None,
    at: dt.datetime,
) -> Op:
    """A scheduled session that did not run: one row for its occurrence, at most."""
    return {
        "op": "not_run",
        "key": new_key(),
        "routine": routine,
        "outcome": outcome,
        "scheduled_at": iso(scheduled_at),
        "schedule": schedule,
        "reason": reason,
        "at": iso(at),
    }


def checkin(at: dt.datetime, *, feeling: str, routine: str, session_key: str | None) -> Op:
    return {
        "op": "checkin",
        "key": new_key(),
        "at": iso(at),
        "feeling": feeling,
        "routine": routine,
        "session_key": session_key,
    }


def decide(
    kind: str,
    routine: str,
    *,
    schedule: int,
    scheduled_at: dt.datetime,
    until: dt.datetime | None,
    decided_at: dt.datetime,
) -> Op:
    """A skip or snooze decided ahead of a session's time."""
    return {
        "op": "decide",
        "kind": kind,
        "routine": routine,
        "schedule": schedule,
        "scheduled_at": iso(scheduled_at),
        "until": iso(until),
        "decided_at": iso(decided_at),
    }


def forget(*, schedule: int, scheduled_at: dt.datetime) -> Op:
    """A decision no longer stands (e.g. its session left the config)."""
    return {"op": "forget", "schedule": schedule, "scheduled_at": iso(scheduled_at)}


def notice(key: str, at: dt.datetime) -> Op:
    return {"op": "notice", "key": key, "at": iso(at)}


def mark(name: str, at: dt.datetime) -> Op:
    """A daemon's milestone: ``first_start`` (kept once) or ``clean_stop``."""
    return {"op": "mark", "name": name, "at": iso(at)}


def recover(now: dt.datetime) -> Op:
    return {"op": "recover", "at": iso(now)}


# -- applying them ---------------------------------------------------------------------

_SETTLE = "DELETE FROM decisions WHERE schedule = ? AND scheduled_at = ?"
"""A row for an occurrence settles any skip or snooze decided for it."""


def _settle(db: sqlite3.Connection, op: Mapping[str, Any]) -> None:
    if op.get("schedule") is not None and op.get("scheduled_at") is not None:
        db.execute(_SETTLE, (op["schedule"], op["scheduled_at"]))


def _started(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    cursor = db.execute(
        "INSERT OR IGNORE INTO sessions (key, routine, schedule, scheduled_at, started_at, "
        "outcome, source) VALUES (?, ?, ?, ?, ?, 'running', ?)",
        (
            op["key"],
            op["routine"],
            op["schedule"],
            op["scheduled_at"],
            op["started_at"],
            op.get("source", "daemon"),
        ),
    )
    _settle(db, op)
    return cursor.rowcount


def _ended(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    cursor = db.execute(
        "UPDATE sessions SET ended_at = ?, outcome = ?, reason = ?, phases_done = ?, "
        "seconds_done = ? WHERE key = ?",
        (
            op["ended_at"],
            op["outcome"],
            op["reason"],
            ",".join(op["phases_done"]),
            op["seconds_done"],
            op["key"],
        ),
    )
    return cursor.rowcount


def _not_run(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    # One row an occurrence: a second skip of the same session, or a replay,
    # adds nothing.
    cursor = db.execute(
        "INSERT OR IGNORE INTO sessions (key, routine, schedule, scheduled_at, ended_at, "
        "outcome, reason) SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM sessions "
        "WHERE schedule IS ? AND scheduled_at = ?)",
        (
            op["key"],
            op["routine"],
            op["schedule"],
            op["scheduled_at"],
            op["at"],
            op["outcome"],
            op["reason"],
            op["schedule"],
            op["scheduled_at"],
        ),
    )
    _settle(db, op)
    return cursor.rowcount


def _checkin(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    cursor = db.execute(
        "INSERT OR IGNORE INTO checkins (key, at, feeling, routine, session_id) "
        "VALUES (?, ?, ?, ?, (SELECT id FROM sessions WHERE key = ?))",
        (op["key"], op["at"], op["feeling"], op["routine"], op["session_key"]),
    )
    return cursor.rowcount


def _decide(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    cursor = db.execute(
        "INSERT OR REPLACE INTO decisions (schedule, scheduled_at, routine, kind, until, "
        "decided_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            op["schedule"],
            op["scheduled_at"],
            op["routine"],
            op["kind"],
            op["until"],
            op["decided_at"],
        ),
    )
    return cursor.rowcount


def _forget(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    return db.execute(_SETTLE, (op["schedule"], op["scheduled_at"])).rowcount


def _notice(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    return db.execute(
        "INSERT OR IGNORE INTO notices (key, at) VALUES (?, ?)", (op["key"], op["at"])
    ).rowcount


def _mark(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    verb = "INSERT OR IGNORE" if op["name"] == "first_start" else "INSERT OR REPLACE"
    return db.execute(
        f"{verb} INTO daemon_state (name, at) VALUES (?, ?)", (op["name"], op["at"])
    ).rowcount


def _recover(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    return db.execute(
        "UPDATE sessions SET outcome = 'interrupted', reason = 'the daemon stopped', "
        "ended_at = coalesce(ended_at, ?) WHERE outcome = 'running' AND source = 'daemon'",
        (op["at"],),
    ).rowcount


APPLY: Final[Mapping[str, Callable[[sqlite3.Connection, Mapping[str, Any]], int]]] = {
    "started": _started,
    "ended": _ended,
    "not_run": _not_run,
    "checkin": _checkin,
    "decide": _decide,
    "forget": _forget,
    "notice": _notice,
    "mark": _mark,
    "recover": _recover,
}


def apply(db: sqlite3.Connection, op: Mapping[str, Any]) -> int:
    """Apply ``op`` inside the caller's transaction; the rows it changed."""
    changed = APPLY[op["op"]](db, op)
    if op.get("seen") is not None:
        db.execute(
            "INSERT INTO daemon_state (name, at) VALUES ('last_seen', ?) "
            "ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at)",
            (op["seen"],),
        )
    return changed
