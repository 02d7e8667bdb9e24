"""Any exception in one of the daemon's callbacks: the session it was running
ends as interrupted with reason "error" (in the log, the history and a
notification), the traceback is logged once, and the daemon carries on to
the next session. The fault is injected into the installed daemon with a
sitecustomize module (tests/support/faults)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.daemon_process import Launch
from support.routines import TINY_ROUTINE, TWO_SECONDS_BEFORE, config_text, write_config

from reminder.daemon.failsafe import InternalErrors

FAULTS = Path(__file__).parent.parent / "support" / "faults"

pytestmark = pytest.mark.timeout(60)


def test_an_internal_error_is_logged_once_with_its_traceback_then_counted() -> None:
    events: list[tuple[str, str, dict[str, object]]] = []
    report = InternalErrors(
        lambda event, message, **fields: events.append((event, message, fields))
    )
    empty: dict[str, int] = {}
    for _ in range(3):  # the same bug, three times
        try:
            empty["missing"]
        except KeyError as error:
            report(error, ended="tiny-1")
    assert [event for event, _, _ in events] == ["internal-error"] * 3
    assert "Traceback" in events[0][1]
    assert "the session tiny-1 ended as interrupted" in events[0][1]
    assert all("Traceback" not in message for _, message, _ in events[1:])
    assert events[2][2]["repeated"] == 3


def test_an_exception_in_a_step_ends_the_session_as_interrupted_and_the_daemon_carries_on(
    tmp_path: Path,
    xdg_state_home: Path,
    launch: Launch,
    run_reminder: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    config = write_config(
        tmp_path, config_text(TINY_ROUTINE, at=["10:30", "10:31"], notifier="console")
    )
    daemon = launch(
        config, faketime=TWO_SECONDS_BEFORE, PYTHONPATH=str(FAULTS), REMINDER_FAULT="step:3"
    )
    end = daemon.wait_for("session-end", timeout=10)
    assert (end["outcome"], end["reason"]) == ("interrupted", "error")
    (error,) = daemon.named("internal-error")
    assert "injected fault at step 3" in error["message"]
    daemon.wait_for_stdout("Something went wrong inside reminder, so this session stopped")
    # It carries on: idle, with the 10:31 session next.
    answer = json.loads(run_reminder("status", "--json", "--config", str(config)).stdout)
    assert (answer["state"], answer["next"]["at"]) == ("idle", "2026-11-30T10:31:00+00:00")
    with sqlite3.connect(xdg_state_home / "reminder" / "history.sqlite3") as db:
        rows = db.execute("SELECT outcome, reason FROM sessions").fetchall()
    assert rows == [("interrupted", "error")]
    assert dt.datetime.fromisoformat(end["ts"]) >= dt.datetime.fromisoformat(error["ts"])
    assert daemon.stop() == 0
    # The one traceback expected, inside its JSON event; no other may be anywhere.
    expected = next(line for line in daemon.stderr_lines if '"internal-error"' in line)
    daemon.stderr_lines[:] = [line for line in daemon.stderr_lines if line != expected]
