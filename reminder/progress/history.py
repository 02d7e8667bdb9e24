"""What was done: every session's outcome, kept in SQLite in the state folder.

One row a session (scheduled or started by hand) with its outcome:
completed, partial (some phases done), stopped, skipped, snoozed, missed
(with why) or interrupted (the daemon stopped or was killed mid-session —
a row still "running" when the daemon starts again). Each write is one
transaction in WAL mode, so a kill at any moment leaves the file
consistent. If the file cannot be written, reminders go on: the error is
kept for ``status`` and the log.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from reminder.progress import ops
from reminder.progress.records import (
    Checkin,
    Decision,
    Entry,
    HistoryError,
    journal_path,
    make_private,
)

__all__ = ["OUTCOMES", "Checkin", "Decision", "Entry", "History", "HistoryError"]

OUTCOMES: Final = (
    "running",
    "completed",
    "partial",
    "stopped",
    "skipped",
    "snoozed",
    "missed",
    "interrupted",
)

_MIGRATIONS: Final[Sequence[str]] = (
    # 1: sessions
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        routine TEXT NOT NULL,
        schedule INTEGER,
        scheduled_at TEXT,
        started_at TEXT,
        ended_at TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN (
            'running', 'completed', 'partial', 'stopped', 'skipped', 'snoozed', 'missed',
            'interrupted')),
        reason TEXT,
        phases_done TEXT NOT NULL DEFAULT '',
        seconds_done INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_time ON sessions (coalesce(started_at, scheduled_at));
    """,
    # 2: check-ins: how the pain is, from the end-of-session buttons or the CLI
    """
    CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        score INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 10),
        feeling TEXT CHECK (feeling IS NULL OR feeling IN ('better', 'same', 'worse')),
        note TEXT,
        routine TEXT,
        session_id INTEGER REFERENCES sessions (id)
    );
    CREATE INDEX checkins_by_time ON checkins (at);
    CREATE TABLE notices (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    """,
    # 3: honest records: each session's own key (so queued and journalled
    # writes find their row), where it ran, skips and snoozes decided ahead,
    # and when the daemon first started, last ran and last stopped cleanly
    """
    ALTER TABLE sessions ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX sessions_by_key ON sessions (key);
    ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'daemon';
    ALTER TABLE checkins ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX checkins_by_key ON checkins (key);
    CREATE INDEX sessions_by_occurrence ON sessions (scheduled_at, schedule);
    CREATE TABLE decisions (
        schedule INTEGER NOT NULL,
        scheduled_at TEXT NOT NULL,
        routine TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('skip', 'snooze')),
        until TEXT,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (schedule, scheduled_at)
    );
    CREATE TABLE daemon_state (
        name TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    """,
)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.timezone.utc).isoformat()


class History:
    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        self.path = path
        self.timeout = timeout
        """Seconds to wait for a lock another connection holds."""
        self._connection: sqlite3.Connection | None = None

    @property
    def journal_path(self) -> Path:
        """Where writes wait while the file cannot be written (``progress/writer.py``)."""
        return journal_path(self.path)

    def open(self) -> None:
        """Connect now (the file made, its schema brought up to date), so the
        next write pays only for itself."""
        self._connect()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        connection: sqlite3.Connection | None = None
        try:
            self._create_private()
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            self._prepare(connection)
        except (sqlite3.Error, OSError, HistoryError) as error:
            # Closed now, not when the error is collected: a connection left
            # open keeps its locks and file handles.
            if connection is not None:
                connection.close()
            if isinstance(error, HistoryError):
                raise
            why = error.strerror if isinstance(error, OSError) else str(error)
            raise HistoryError(f"Cannot use the history file {self.path}: {why}.") from None
        self._connection = connection
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(_MIGRATIONS):
            raise HistoryError(
                f"{self.path} was written by a newer reminder (schema {version}); "
                "update reminder to read it."
            )
        for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
            connection.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def _create_private(self) -> None:
        """A new state folder is 0700 and a new history file 0600 (check-in
        notes are health data); SQLite gives its -wal and -shm files the
        database's mode."""
        import contextlib
        import os

        from reminder.files import CLOEXEC, NOFOLLOW
        from reminder.schema.tomlfile import odd_kind

        folder = self.path.parent
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
        try:
            mode: int | None = self.path.stat().st_mode
        except FileNotFoundError:
            mode = None
        kind = None if mode is None else odd_kind(mode)
        if kind is not None:
            # SQLite would only say "disk I/O error" or "unable to open".
            raise HistoryError(
                f"Cannot use the history file {self.path}: it is {kind}, not a regular file. "
                "Move it away and reminder makes a new history there."
            )
        if mode is None and not self.path.is_symlink():
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
            # FileExistsError: made meanwhile by another process of ours.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, flags, 0o600))

    def make_private(self) -> list[Path]:
        """Tighten the state folder and history files others could read
        (``records.make_private``)."""
        return make_private(self.path)

    def _write(self, sql: str, parameters: Sequence[Any]) -> int:
        try:
            cursor = self._connect().execute(sql, parameters)
        except sqlite3.Error as error:
            self.close()
            raise HistoryError(f"Cannot write the history file {self.path}: {error}.") from None
        return int(cursor.lastrowid or 0)

    def apply(self, op: ops.Op) -> int:
        """One queued write (``progress/ops.py``) in one transaction; the
        rows it changed."""
        return self.apply_all([op])[0]

    def apply_all(self, batch: Sequence[ops.Op]) -> list[int]:
        """Several writes in one transaction, all of them or none; the rows
        each changed."""
        try:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                changed = []
                for op in batch:
                    try:
                        changed.append(ops.apply(connection, op))
                    except (KeyError, TypeError):
                        changed.append(0)  # not an op this reminder wrote: nothing to apply
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            self.close()
            raise HistoryError(f"Cannot write the history file {self.path}: {error}.") from None
        return changed

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- writing ------------------------------------------------------------------

    def started(
        self,
        routine: str,
        started_at: dt.datetime,
        *,
        schedule: int | None = None,
        scheduled_at: dt.datetime | None = None,
    ) -> int:
        return self._write(
            "INSERT INTO sessions (routine, schedule, scheduled_at, started_at, outcome) "
            "VALUES (?, ?, ?, ?, 'running')",
            (routine, schedule, _iso(scheduled_at), _iso(started_at)),
        )

    def ended(
        self,
        row: int,
        ended_at: dt.datetime,
        outcome: str,
        *,
        reason: str | None = None,
        phases_done: Sequence[str] = (),
        seconds_done: int = 0,
    ) -> None:
        self._write(
            "UPDATE sessions SET ended_at = ?, outcome = ?, reason = ?, phases_done = ?, "
            "seconds_done = ? WHERE id = ?",
            (_iso(ended_at), outcome, reason, ",".join(phases_done), seconds_done, row),
        )

    def not_run(
        self,
        routine: str,
        outcome: str,
        *,
        scheduled_at: dt.datetime | None,
        schedule: int | None = None,
        reason: str | None = None,
        at: dt.datetime | None = None,
    ) -> int:
        """A session that did not run: skipped, snoozed or missed."""
        return self._write(
            "INSERT INTO sessions (routine, schedule, scheduled_at, ended_at, outcome, reason) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (routine, schedule, _iso(scheduled_at), _iso(at), outcome, reason),
        )

    def recover(self, now: dt.datetime) -> int:
        """Sessions still "running" from a daemon that died: interrupted."""
        connection = self._connect()
        try:
            cursor = connection.execute(
                "UPDATE sessions SET outcome = 'interrupted', reason = 'the daemon stopped', "
                "ended_at = coalesce(ended_at, ?) WHERE outcome = 'running'",
                (_iso(now),),
            )
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot write the history file {self.path}: {error}.") from None
        return cursor.rowcount

    def add_checkin(
        self,
        at: dt.datetime,
        *,
        score: int | None = None,
        feeling: str | None = None,
        note: str | None = None,
        routine: str | None = None,
        session_id: int | None = None,
    ) -> int:
        return self._write(
            "INSERT INTO checkins (at, score, feeling, note, routine, session_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (_iso(at), score, feeling, note, routine, session_id),
        )

    def noticed(self, key: str) -> bool:
        """Whether a one-time notice (e.g. "try another muscle") was given."""
        if not self.path.exists():
            return False
        try:
            row = self._connect().execute("SELECT 1 FROM notices WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from None
        return row is not None

    def notice(self, key: str, at: dt.datetime) -> None:
        self._write("INSERT OR IGNORE INTO notices (key, at) VALUES (?, ?)", (key, _iso(at)))

    # -- reading ------------------------------------------------------------------

    def checkins(self, since: dt.datetime | None = None) -> list[Checkin]:
        if not self.path.exists():
            return []
        query = "SELECT id, at, score, feeling, note, routine, session_id FROM checkins"
        parameters: tuple[Any, ...] = ()
        if since is not None:
            query += " WHERE at >= ?"
            parameters = (_iso(since),)
        query += " ORDER BY at, id"
        try:
            rows = self._connect().execute(query, parameters).fetchall()
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from None
        checkins: list[Checkin] = []
        skipped: list[int] = []
        for row in rows:
            try:
                at = _moment(row[1])
                assert at is not None
                checkins.append(Checkin(row[0], at, row[2], row[3], row[4], row[5], row[6]))
            except (ValueError, TypeError, AssertionError):
                skipped.append(row[0])
        _say_skipped(self.path, "check-in", skipped)
        return checkins

    def _read(self, query: str, parameters: Sequence[Any] = ()) -> list[Any]:
        if not self.path.exists():
            return []
        try:
            return self._connect().execute(query, parameters).fetchall()
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from None

    def decisions(self) -> list[Decision]:
        """Skips and snoozes decided ahead that still stand, oldest decision first."""
        rows = self._read(
            "SELECT kind, routine, schedule, scheduled_at, until, decided_at FROM decisions "
            "ORDER BY decided_at, scheduled_at"
        )
        return [
            Decision(
                kind=row[0],
                routine=row[1],
                schedule=row[2],
                scheduled_at=dt.datetime.fromisoformat(row[3]),
                until=dt.datetime.fromisoformat(row[4]) if row[4] else None,
                decided_at=dt.datetime.fromisoformat(row[5]),
            )
            for row in rows
        ]

    def daemon_state(self) -> dict[str, dt.datetime]:
        """``first_start``, ``last_seen`` (the daemon's last write) and
        ``clean_stop``, those that were recorded."""
        rows = self._read("SELECT name, at FROM daemon_state")
        return {name: dt.datetime.fromisoformat(at) for name, at in rows}

    def first_use(self) -> dt.datetime | None:
        """When reminder was first used: its first start or its first record."""
        rows = self._read(
            "SELECT min(at) FROM (SELECT at FROM daemon_state WHERE name = 'first_start' "
            "UNION ALL SELECT min(coalesce(started_at, scheduled_at)) FROM sessions "
            "UNION ALL SELECT min(at) FROM checkins)"
        )
        return dt.datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def recorded_occurrences(self, since: dt.datetime) -> set[tuple[float, int]]:
        """(time, schedule) of every scheduled session with a row, from ``since``."""
        rows = self._read(
            "SELECT scheduled_at, schedule FROM sessions "
            "WHERE scheduled_at >= ? AND schedule IS NOT NULL",
            (_iso(since),),
        )
        return {(dt.datetime.fromisoformat(at).timestamp(), schedule) for at, schedule in rows}

    def entries(self, since: dt.datetime | None = None) -> list[Entry]:
        if not self.path.exists():
            return []
        query = (
            "SELECT id, routine, schedule, scheduled_at, started_at, ended_at, outcome, reason, "
            "phases_done, seconds_done, source FROM sessions"
        )
        parameters: tuple[Any, ...] = ()
        if since is not None:
            query += " WHERE coalesce(started_at, scheduled_at) >= ?"
            parameters = (_iso(since),)
        query += " ORDER BY coalesce(started_at, scheduled_at), id"
        try:
            rows = self._connect().execute(query, parameters).fetchall()
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from None

        entries: list[Entry] = []
        skipped: list[int] = []
        for row in rows:
            try:
                entry = Entry(
                    id=row[0],
                    routine=str(row[1]),
                    schedule=row[2],
                    scheduled_at=_moment(row[3]),
                    started_at=_moment(row[4]),
                    ended_at=_moment(row[5]),
                    outcome=str(row[6]),
                    reason=row[7],
                    phases_done=tuple(p for p in str(row[8] or "").split(",") if p),
                    seconds_done=int(row[9] or 0),
                    source=str(row[10] or "daemon"),
                )
                entry.when  # noqa: B018 - raises for a row with no time at all
            except (ValueError, TypeError, AssertionError):
                skipped.append(row[0])
                continue
            entries.append(entry)
        _say_skipped(self.path, "session", skipped)
        return entries


def _moment(text: object) -> dt.datetime | None:
    """A time as written (ISO 8601); one without an offset is taken as UTC.
    ValueError or TypeError for anything else."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise TypeError(text)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def _say_skipped(path: Path, what: str, rows: Sequence[int]) -> None:
    if not rows:
        return
    from reminder.errors import warn

    count = len(rows)
    ids = ", ".join(str(row) for row in sorted(rows)[:5]) + (", ..." if count > 5 else "")
    warn(
        f"Skipped {count} {what} row{'s' if count != 1 else ''} of {path} with a time reminder "
        f"cannot read (id {ids}); everything else is shown. Was the file edited by hand?"
    )
