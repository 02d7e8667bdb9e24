"""The programme's records and the steps that move them.

Every level change (its time, reason and the session behind it) and every
effort rating are kept in two tables of their own in the history database,
created when first needed: the sessions and check-ins they refer to stay the
history's. The rules themselves are pure (``programme.py``); here they are fed
from the history and their changes written down.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from reminder.progress import programme
from reminder.progress.history import History, HistoryError
from reminder.progress.programme import Change, Decision, Ran, Standing

if TYPE_CHECKING:
    from reminder.progress.history import Entry
    from reminder.routines.model import Routine
    from reminder.routines.plan import Plan

RATE_WITHIN: Final = dt.timedelta(hours=12)
"""`reminder rate` rates the last session that ran this recently."""

_SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS level_changes (
        id INTEGER PRIMARY KEY,
        routine TEXT NOT NULL,
        exercise TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level >= 1),
        previous INTEGER NOT NULL CHECK (previous >= 1),
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        session_id INTEGER
    )
    """,
    "CREATE INDEX IF NOT EXISTS level_changes_by_routine ON level_changes (routine, at)",
    """
    CREATE TABLE IF NOT EXISTS ratings (
        session_id INTEGER PRIMARY KEY,
        routine TEXT NOT NULL,
        effort TEXT NOT NULL CHECK (effort IN ('easy', 'right', 'hard')),
        at TEXT NOT NULL
    )
    """,
)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class ProgrammeStore:
    """Level changes and effort ratings, in the history file's own tables."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            old_umask = os.umask(0o177)  # a new history file is the user's alone
            try:
                connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
                connection.execute("PRAGMA journal_mode = WAL")
            finally:
                os.umask(old_umask)
            connection.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot use the history file {self.path}: {error}.") from None
        except OSError as error:
            raise HistoryError(
                f"Cannot use the history file {self.path}: {error.strerror}."
            ) from None
        self._connection = connection
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        if not self.path.exists():
            return []
        try:
            return self._connect().execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from None

    def changes(self, routine: str | None = None) -> list[Change]:
        """Every level change, oldest first; only ``routine``'s when given."""
        query = (
            "SELECT routine, exercise, level, previous, at, reason, session_id FROM level_changes"
        )
        parameters: tuple[Any, ...] = ()
        if routine is not None:
            query += " WHERE routine = ?"
            parameters = (routine,)
        rows = self._read(query + " ORDER BY at, id", parameters)
        return [
            Change(
                row[0], row[1], row[2], row[3], dt.datetime.fromisoformat(row[4]), row[5], row[6]
            )
            for row in rows
        ]

    def efforts(self) -> dict[int, str]:
        """Each rated session's effort, by its history row."""
        return {row[0]: row[1] for row in self._read("SELECT session_id, effort FROM ratings")}

    def record(self, changes: Sequence[Change]) -> None:
        """Level changes, all or none."""
        if not changes:
            return
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT INTO level_changes "
                "(routine, exercise, level, previous, at, reason, session_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.routine, c.exercise, c.level, c.previous, _iso(c.at), c.reason, c.session_id)
                    for c in changes
                ],
            )
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            self.close()
            raise HistoryError(f"Cannot write the history file {self.path}: {error}.") from None

    def rate(self, session_id: int, routine: str, effort: str, at: dt.datetime) -> None:
        """How hard a session was; a second rating of it replaces the first."""
        try:
            self._connect().execute(
                "INSERT OR REPLACE INTO ratings (session_id, routine, effort, at) "
                "VALUES (?, ?, ?, ?)",
                (session_id, routine, effort, _iso(at)),
            )
        except sqlite3.Error as error:
            self.close()
            raise HistoryError(f"Cannot write the history file {self.path}: {error}.") from None


@dataclass(frozen=True)
class ProgrammeState:
    """One routine's programme as its next session will run it."""

    routine: Routine
    ran: list[Ran]
    standings: dict[str, Standing]
    next_group: str | None
    held_by: int | None
    """The last check-in score when it holds every level (7 or more)."""
    changes: list[Change] = field(default_factory=list)
    """Every change of the routine's levels, oldest first."""

    @property
    def levels(self) -> dict[str, int]:
        return programme.levels_of(self.standings)

    def plan(self, group: str | None = None) -> Plan:
        """The next session's plan, or ``group``'s at today's levels."""
        from reminder.routines.plan import build_plan

        return build_plan(self.routine, group=group or self.next_group, levels=self.levels)

    def to_json(self) -> dict[str, Any]:
        return {
            "next_group": self.next_group,
            "exercises": {name: s.to_json() for name, s in self.standings.items()},
        }


def settle(
    history: History, store: ProgrammeStore, routine: Routine, now: dt.datetime
) -> ProgrammeState:
    """The routine's programme for its next session. A break of 14 days or
    more steps each level down one, once: that change is recorded here, dated
    when the break reached 14 days, so every reader sees the same levels."""
    entries, checkins = history.entries(), history.checkins()
    ran = programme.sessions_ran(entries, routine)
    held_by = programme.pain_hold(checkins)
    changes = store.changes(routine.name)
    found = programme.standings(routine, changes)
    breaks = []
    for standing in found.values():
        stepped = programme.break_decision(standing, ran, now, held_by=held_by)
        if stepped is not None:
            decision, reached = stepped
            breaks.append(decision.change(routine.name, reached))
    if breaks:
        store.record(breaks)
        changes = store.changes(routine.name)
        found = programme.standings(routine, changes)
    return ProgrammeState(routine, ran, found, programme.next_group(routine, ran), held_by, changes)


def judge_session(
    history: History, store: ProgrammeStore, routine: Routine, session_id: int, now: dt.datetime
) -> tuple[list[Decision], ProgrammeState]:
    """After session ``session_id`` was rated: every exercise with levels it had,
    judged by the rules; the changes are recorded (dated ``now``). Call it once
    a session's answers are in: effort, and pain when it was asked."""
    state = settle(history, store, routine, now)
    session = next((r for r in state.ran if r.id == session_id), None)
    if session is None:
        return [], state
    efforts = store.efforts()
    worse = programme.worse_sessions(history.checkins())
    decisions = [
        programme.judge(standing, state.ran, efforts, worse, now, held_by=state.held_by)
        for standing in state.standings.values()
        if session.had(standing.exercise, standing.phase)
    ]
    changed = [d.change(routine.name, now, session_id) for d in decisions if d.changed]
    if changed:
        store.record(changed)
        state = settle(history, store, routine, now)
    return decisions, state


@dataclass(frozen=True)
class Rated:
    entry: Entry
    effort: str
    routine: Routine | None
    """None when the routine can no longer be found: the rating is kept anyway."""
    decisions: list[Decision]
    held_by: int | None


class NothingToRate(Exception):
    """No session ran within the last 12 hours."""


def last_ran(entries: Sequence[Entry], now: dt.datetime) -> Entry | None:
    """The last session that ran, if it ended (or started) within 12 hours."""
    ran = [e for e in entries if e.outcome in programme.RAN and e.started_at is not None]
    if not ran:
        return None
    last = max(ran, key=lambda e: (e.ended_at or e.when, e.id))
    ended = last.ended_at or last.when
    return last if now - RATE_WITHIN <= ended else None


def rate_last(
    history: History,
    store: ProgrammeStore,
    effort: str,
    now: dt.datetime,
    find: Callable[[str], Routine | None],
) -> Rated:
    """Rate the last session that ran (within 12 h) and apply the rules to it."""
    entry = last_ran(history.entries(), now)
    if entry is None:
        raise NothingToRate
    store.rate(entry.id, entry.routine, effort, now)
    routine = find(entry.routine)
    if routine is None:
        return Rated(entry, effort, None, [], None)
    decisions, state = judge_session(history, store, routine, entry.id, now)
    return Rated(entry, effort, routine, decisions, state.held_by)


def set_level(
    store: ProgrammeStore, state: ProgrammeState, exercise: str, level: int, now: dt.datetime
) -> Change:
    """Set one exercise's level by hand (it must have levels; 1 to its top)."""
    standing = state.standings[exercise]
    change = Change(state.routine.name, exercise, level, standing.level, now, "set by hand")
    store.record([change])
    return change


@dataclass(frozen=True)
class NextSession:
    """What the daemon runs next for a routine: the session's routine (its
    group's exercises at their levels), its plan, and why the history could not
    be read if it could not (then: the first group at level 1)."""

    routine: Routine
    plan: Plan
    group: str | None
    error: str | None = None


def next_session(history_path: Path, routine: Routine, now: dt.datetime) -> NextSession:
    """The session a routine runs now. A history that cannot be read never
    stops a session: it runs the first group at level 1, and says why."""
    from reminder.routines.plan import build_plan

    if not routine.groups and not routine.programme:
        return NextSession(routine, build_plan(routine), None)  # nothing to read
    history, store = History(history_path), ProgrammeStore(history_path)
    try:
        state = settle(history, store, routine, now)
    except HistoryError as error:
        first = routine.groups[0] if routine.groups else None
        return NextSession(routine.session(), build_plan(routine), first, str(error))
    finally:
        history.close()
        store.close()
    group = state.next_group
    return NextSession(routine.session(group, state.levels), state.plan(), group)


# -- for the daemon: one call each, its own connections ---------------------------------


def session_id_for_key(history_path: Path, key: str) -> int | None:
    """The history row of the session the daemon recorded under ``key``
    (None while its write still waits). Raises HistoryError."""
    store = ProgrammeStore(history_path)
    try:
        rows = store._read("SELECT id FROM sessions WHERE key = ?", (key,))
    finally:
        store.close()
    return int(rows[0][0]) if rows else None


def rate_session(
    history_path: Path, session_id: int, routine: str, effort: str, now: dt.datetime
) -> None:
    """Keep an effort answer (a done notification's Easy / About right / Too
    hard) for history row ``session_id``. Raises HistoryError."""
    store = ProgrammeStore(history_path)
    try:
        store.rate(session_id, routine, effort, now)
    finally:
        store.close()


@dataclass(frozen=True)
class Judged:
    decisions: list[Decision]
    held_by: int | None

    @property
    def next_time(self) -> str | None:
        """``Next time: Clamshells 2 × 12, up from 2 × 10.``; None: no change."""
        return programme.next_time(self.decisions)

    @property
    def changes(self) -> list[Decision]:
        return [d for d in self.decisions if d.changed]


def judge_after_session(
    history_path: Path, routine: Routine, session_id: int, now: dt.datetime
) -> Judged:
    """Once a session's answers are in (effort, and pain or its question's
    timeout): the rules applied to it and their changes recorded. Raises
    HistoryError."""
    history, store = History(history_path), ProgrammeStore(history_path)
    try:
        decisions, state = judge_session(history, store, routine, session_id, now)
    finally:
        history.close()
        store.close()
    return Judged(decisions, state.held_by)
