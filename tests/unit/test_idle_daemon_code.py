"""An idle daemon carries no session code: the runner, the start question,
the programme's answers and the notification texts are imported when the
first session needs them (issue 11's memory target, measured by
bench/daemon_idle.py). Run in a fresh interpreter, so that what other tests
imported does not count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SESSION_CODE = [
    "reminder.daemon.messages",
    "reminder.daemon.programme",
    "reminder.daemon.question",
    "reminder.daemon.runner",
    "reminder.daemon.session",
]

PROBE = """
import datetime as dt, json, sys
from pathlib import Path
from support.harness import TINY_ROUTINE, Harness

SESSION_CODE = json.loads(sys.argv[2])
utc = dt.timezone.utc
config = (
    '[settings]\\ntimezone = "UTC"\\nstart = "ask"\\n'
    '[[schedule]]\\nroutine = "tiny"\\ndays = "daily"\\nat = ["10:30"]\\n' + TINY_ROUTINE
)
h = Harness(Path(sys.argv[1]), config, dt.datetime(2026, 11, 30, 8, 0, tzinfo=utc))
daemon = h.daemon
# An idle morning: a status request, reminders paused and resumed, a clock set.
h.timers.advance_to(dt.datetime(2026, 11, 30, 9, 0, tzinfo=utc))
status = daemon.control("status", {})
daemon.control("pause", {})
daemon.control("resume", {})
h.timers.now = dt.datetime(2026, 11, 30, 9, 30, tzinfo=utc)
daemon.clock_event()
idle = [m for m in SESSION_CODE if m in sys.modules]
# 10:30: the question, then the session.
h.timers.advance_to(dt.datetime(2026, 11, 30, 10, 30, tzinfo=utc))
asked = h.notifier.shown[-1].message.summary
h.press("start")
h.timers.advance_to(dt.datetime(2026, 11, 30, 10, 31, 30, tzinfo=utc))
print(json.dumps({
    "idle": idle,
    "idle_state": status["state"],
    "idle_session": status["session"],
    "asked": asked,
    "steps": len(h.events("step")),
    "outcome": [e["outcome"] for e in h.events("session-end")],
    "session_code": [m for m in SESSION_CODE if m in sys.modules],
}))
"""


def test_an_idle_daemon_imports_no_session_code_and_a_session_still_runs(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path), json.dumps(SESSION_CODE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["idle"] == []
    assert seen["idle_state"] == "idle"
    assert seen["idle_session"] is None
    # The first session loads what it needs and runs as always.
    assert seen["asked"] == "Time for Tiny"
    assert seen["steps"] == 10  # every step of tiny (tests/support/harness.py)
    assert seen["outcome"] == ["completed"]
    assert seen["session_code"] == SESSION_CODE
