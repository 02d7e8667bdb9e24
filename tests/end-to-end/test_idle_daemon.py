"""The installed daemon idles without SQLite, and still takes up its history.

At start the daemon reads its history (skips decided ahead, when it last
ran) and writes its start, in a short process of its own
(``progress/starting.py``): SQLite's library would otherwise stay mapped
for hours in a daemon that only waits (issue 11's memory target,
measured by bench/daemon_idle.py). What a user notices must not change:
a skip still stands, a session cut short by a kill is still recorded as
interrupted, a locked history is still said and written later, and writes
kept in the journal by the last run still reach the history first.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support.daemon_process import DaemonProcess, Launch, reminder_json
from support.history import history_file
from support.routines import config_text, write_config

from reminder.progress import ops
from reminder.progress.history import History
from reminder.progress.records import journal_path
from reminder.progress.writer import Journal

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
UTC = dt.timezone.utc
TEN_THIRTY = dt.datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
YESTERDAY = dt.datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
"""The last session before the daemon starts (the config's second time)."""
STARTED_AT = "2026-11-30 10:29:00"


def left_running(database: Path) -> None:
    """Yesterday's 16:00 session, still running when its daemon was killed."""
    history = History(database)
    history.apply(ops.started("killed", "tiny", YESTERDAY, schedule=1, scheduled_at=YESTERDAY))
    history.close()


def outcomes(run_reminder: RunReminder, config: Path) -> list[tuple[str, str]]:
    entries: list[dict[str, Any]] = reminder_json(run_reminder, config, "history")
    return [(e["scheduled_at"], e["outcome"]) for e in entries]


def maps_sqlite(daemon: DaemonProcess) -> list[str]:
    """The SQLite libraries the daemon's process has mapped."""
    maps = Path(f"/proc/{daemon.pid}/maps").read_text(encoding="utf-8")
    return sorted({line.split()[-1] for line in maps.splitlines() if "sqlite" in line})


def test_an_idle_daemon_maps_no_sqlite_yet_honours_a_stored_skip_and_records_a_kill(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text(at=["10:30", "16:00"]))
    database = history_file(run_reminder, config)
    left_running(database)
    history = History(database)
    history.apply(
        ops.decide(
            "skip",
            "tiny",
            schedule=0,
            scheduled_at=TEN_THIRTY,
            until=None,
            decided_at=TEN_THIRTY - dt.timedelta(hours=1),
        )
    )
    history.close()

    daemon = launch(config, faketime=STARTED_AT)
    assert daemon.wait_for("recovered")["sessions"] == 1
    daemon.wait_for("next")
    status = reminder_json(run_reminder, config, "status")
    assert status["next"]["at"] == "2026-11-30T16:00:00+00:00"  # 10:30 was skipped ahead
    assert status["history_error"] is None
    assert maps_sqlite(daemon) == []
    assert daemon.stop() == 0
    assert outcomes(run_reminder, config) == [("2026-11-29T16:00:00+00:00", "interrupted")]


def test_a_history_locked_at_start_is_said_and_the_start_written_once_it_is_free(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text(at=["10:30", "16:00"]))
    database = history_file(run_reminder, config)
    left_running(database)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # a backup tool, another reminder
    try:
        daemon = launch(config, faketime=STARTED_AT)
        error = daemon.wait_for("history-error", timeout=15)
        assert "locked" in error["error"]
        assert reminder_json(run_reminder, config, "status")["history_error"] is not None
    finally:
        other.execute("ROLLBACK")
        other.close()
    daemon.wait_for("history-recovered", timeout=15)
    assert daemon.wait_for("recovered")["sessions"] == 1
    assert daemon.stop() == 0
    assert outcomes(run_reminder, config) == [("2026-11-29T16:00:00+00:00", "interrupted")]


def test_writes_the_last_run_kept_in_the_journal_reach_the_history_first(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text(at=["10:30", "16:00"]))
    database = history_file(run_reminder, config)
    # The disk was full for the last run: it kept yesterday's 10:30 session
    # and the start of the 16:00 one, and was killed during that one.
    morning = YESTERDAY.replace(hour=10, minute=30)
    Journal(journal_path(database)).append(
        [
            ops.started("done", "tiny", morning, schedule=0, scheduled_at=morning),
            ops.ended(
                "done",
                morning + dt.timedelta(seconds=12),
                "completed",
                reason=None,
                phases_done=["release", "stretch", "strengthen"],
                seconds_done=12,
            ),
            ops.started("killed", "tiny", YESTERDAY, schedule=1, scheduled_at=YESTERDAY),
        ]
    )
    daemon = launch(config, faketime=STARTED_AT)
    # Replayed before the start's own writes, so the killed one is found.
    assert daemon.wait_for("recovered")["sessions"] == 1
    assert daemon.stop() == 0
    assert daemon.named("history-error") == []
    assert outcomes(run_reminder, config) == [
        ("2026-11-29T10:30:00+00:00", "completed"),
        ("2026-11-29T16:00:00+00:00", "interrupted"),
    ]
    assert not journal_path(database).exists()
