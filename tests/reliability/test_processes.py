"""The daemon killed with SIGKILL at random points of a session, again and again.

Each time, a new daemon starts on the same config and state: the kernel has
dropped the old one's lock, so it never says "already running"; it finds the
session the dead one left "running" and records it as interrupted. After
all the kills the history file is intact and holds one interrupted session
per kill. Everything waits on the daemon's events; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemon_process import Event, Launch
from support.routines import config_text, write_config

from reminder.progress.history import History

if TYPE_CHECKING:
    from collections.abc import Callable

KILLS = 20
SEED = 7
FIRST_DAY = dt.date(2026, 11, 30)

# Four one-second steps (DESIGN.md's plan semantics; zero-length steps are
# left out): Ball hold; Figure-4 left, right; one Clamshell rep.
ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "1s"
ready = "0s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "1s"
sides = "both"
switch = "0s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 1
rep_time = "1s"
ready = "0s"
"""
PLAN_STEPS = 4

pytestmark = pytest.mark.timeout(120)


def step_number(number: int) -> Callable[[Event], bool]:
    """Matches the ``number``-th step event of a session (counting from 1)."""
    return lambda event: bool(event["index"] == number - 1)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    # The console notifier: this test is about processes, not the desktop.
    return write_config(tmp_path, config_text(ROUTINE, notifier="console", misfire_grace="1m"))


def test_kill_9_mid_session_is_recovered_as_interrupted_every_time(
    config_file: Path, xdg_state_home: Path, launch: Launch
) -> None:
    choose = random.Random(SEED)
    # Each daemon after the first is the restart of the one killed before it:
    # it must recover that session, then runs the next day's and is killed in turn.
    previous_step: int | None = None
    for kill in range(KILLS + 1):
        # A new day each time, so every session is later than the last.
        day = FIRST_DAY + dt.timedelta(days=kill)
        daemon = launch(config_file, faketime=f"{day} 10:29:58")
        if previous_step is not None:
            recovered = daemon.wait_for("recovered", timeout=15)
            assert recovered["sessions"] == 1, f"restart {kill} (killed at step {previous_step})"
        daemon.wait_for("next", timeout=15)
        assert not any("already running" in line for line in daemon.stderr_lines)
        if kill == KILLS:
            daemon.kill()
            break
        step = choose.randint(1, PLAN_STEPS)
        daemon.wait_for("step", timeout=15, where=step_number(step))
        assert daemon.named("session-end") == []
        daemon.kill()
        assert daemon.process is not None
        assert daemon.process.returncode == -signal.SIGKILL
        previous_step = step

    history_file = xdg_state_home / "reminder" / "history.sqlite3"
    connection = sqlite3.connect(history_file)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    entries = History(history_file).entries()
    assert [entry.outcome for entry in entries] == ["interrupted"] * KILLS
    assert [entry.started_at.date() for entry in entries if entry.started_at] == [
        FIRST_DAY + dt.timedelta(days=kill) for kill in range(KILLS)
    ]
