"""Honest records, end to end: the installed daemon on a real session bus
with dbusmock's notification server, its history read back with the
installed `reminder history` and `reminder stats` as a user would.

What a careful person would write in a paper log (DESIGN.md, "Records"):
a session tapped through with Next is partly done, not done.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support.daemon_process import Launch, reminder_json, session_calls
from support.routines import TWO_SECONDS_BEFORE, config_text, write_config

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

FIFTEEN_STEPS = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "30s"
sides = "both"
switch = "5s"
ready = "0s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "30s"
sets = 2
rest = "10s"
sides = "both"
switch = "5s"
ready = "10s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 10
rep_time = "3s"
sets = 2
rest = "30s"
ready = "10s"
"""
"""Fifteen steps, six minutes: release L, switch, R (3); stretch ready, L,
switch, R, rest, L, switch, R (8); strengthen ready, set 1, rest, set 2 (4)."""


def newest_id(server: MockServer) -> int:
    """The id the mock gave the last new notification (it counts 1, 2, 3, ...)."""
    return len([c for c in server.notify_calls() if c.replaces_id == 0])


def step_index(index: int) -> Callable[[dict[str, Any]], bool]:
    return lambda event: bool(event["index"] == index)


def test_tapping_next_fifteen_times_records_partial_not_completed(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text(FIFTEEN_STEPS))
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("step", where=lambda e: e["index"] == 0)
    session = newest_id(mock_server)
    for tap in range(1, 16):
        mock_server.click(session, "next")
        if tap < 15:
            daemon.wait_for("step", where=step_index(tap))
    end = daemon.wait_for("session-end")
    assert (end["outcome"], end["phases_done"]) == ("partial", [])
    done = session_calls(mock_server)[-1]
    assert done.summary == "Session over · Tiny"
    assert "cut short" in done.body

    (entry,) = reminder_json(run_reminder, config, "history")
    assert (entry["outcome"], entry["phases_done"]) == ("partial", [])
    assert entry["seconds_done"] < 30  # seconds of tapping, not six minutes
    stats: dict[str, Any] = reminder_json(run_reminder, config, "stats")
    assert stats["totals"]["completed"] == 0
    assert stats["totals"]["partial"] == 1
    assert stats["streak"]["current"] == 0
    assert daemon.stop() == 0
