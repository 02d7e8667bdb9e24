"""Sessions written straight into a history file, for tests of what reads it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from reminder.progress.history import History

ALL_PHASES = ("release", "stretch", "strengthen")


def record_completed(
    history: History,
    routine: str,
    start: dt.datetime,
    *,
    took: dt.timedelta,
    seconds_done: int,
) -> int:
    """A scheduled session (schedule 0, due at ``start``) that ran every phase
    and ended ``took`` after it started; its row id."""
    row = history.started(routine, start, schedule=0, scheduled_at=start)
    history.ended(row, start + took, "completed", phases_done=ALL_PHASES, seconds_done=seconds_done)
    return row


def history_file(
    run_reminder: Callable[..., subprocess.CompletedProcess[str]], config: Path, **env: str
) -> Path:
    """Where the daemon keeps its history, made as a user's first check-in makes it."""
    made = run_reminder("checkin", "2", "--config", str(config), env=env)
    assert made.returncode == 0, made.stderr
    paths = json.loads(run_reminder("paths", "--json", "--config", str(config), env=env).stdout)
    return Path(paths["history"])
