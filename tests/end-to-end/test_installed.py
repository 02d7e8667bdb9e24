"""The installed `reminder` console script, run as a real process.

What a user sees in a terminal: exit statuses, messages on stderr, JSON on
stdout, and never a Python traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from support.users import without_reading_rights

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

EX_CONFIG = 78
PHASES = ["release", "stretch", "strengthen"]
STEP_KEYS = {"phase", "exercise", "kind", "side", "set", "reps", "offset", "duration", "level"}

GOOD_CONFIG = """\
[[schedule]]
routine = "gluteus-medius"
at = ["10:30"]
"""


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, describe(result)
    assert "Traceback" not in result.stdout, describe(result)


def test_validate_a_broken_config_lists_every_problem(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        """\
[settings]
timezone = "Europe/Berln"

[[schedule]]
routine = "gluteus-medius"
at = ["25:00"]

[[schedule]]
routine = "desk-break"
every = "50m"
""",
        encoding="utf-8",
    )
    result = run_reminder("validate", "--config", str(config))
    assert result.returncode == EX_CONFIG, describe(result)
    assert_no_traceback(result)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{config}:")]
    assert len(lines) == 3, describe(result)
    assert re.match(re.escape(str(config)) + r":2:\d+: settings\.timezone: ", lines[0])
    assert 'did you mean "Europe/Berlin"?' in lines[0]
    assert any(
        re.match(re.escape(str(config)) + r":6:\d+: schedule\[0\]\.at\b.*\"25:00\"", line)
        for line in lines
    ), describe(result)
    assert any(
        re.match(re.escape(str(config)) + r":10:\d+: schedule\[1\]\.every: .*between", line)
        for line in lines
    ), describe(result)


def test_validate_a_missing_config_named_by_the_environment(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    result = run_reminder("validate", env={"REMINDER_CONFIG": str(missing)})
    assert result.returncode == EX_CONFIG, describe(result)
    assert_no_traceback(result)
    assert result.stderr.startswith(f"{missing}: "), describe(result)


def test_plan_gluteus_medius_json(run_reminder: RunReminder) -> None:
    result = run_reminder("plan", "gluteus-medius", "--json")
    assert result.returncode == 0, describe(result)
    plan = json.loads(result.stdout)
    assert set(plan) == {"routine", "title", "group", "total_seconds", "steps"}
    assert plan["routine"] == "gluteus-medius"
    assert plan["title"] == "Gluteus medius"
    offset = 0
    for step in plan["steps"]:
        assert set(step) == STEP_KEYS, step
        assert step["offset"] == offset, step
        assert step["duration"] > 0, step
        offset += step["duration"]
    assert plan["total_seconds"] == offset
    assert 10 * 60 <= plan["total_seconds"] <= 20 * 60
    phases = [s["phase"] for s in plan["steps"]]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == PHASES


def test_next_without_a_config_uses_the_built_in_default(run_reminder: RunReminder) -> None:
    text = run_reminder("next")
    assert text.returncode == 0, describe(text)
    assert "default" in text.stdout
    rows = [line for line in text.stdout.splitlines() if "gluteus-medius" in line]
    assert rows, describe(text)
    assert all(re.search(r"\b(10:30|16:00)\b", row) for row in rows), text.stdout

    result = run_reminder("next", "--count", "6", "--json")
    assert result.returncode == 0, describe(result)
    sessions = json.loads(result.stdout)
    assert len(sessions) == 6
    moments = [dt.datetime.fromisoformat(s["at"]) for s in sessions]
    assert all(m.utcoffset() is not None for m in moments)
    assert moments == sorted(moments)
    assert moments[0] > dt.datetime.now(dt.timezone.utc)
    for moment, session in zip(moments, sessions, strict=True):
        assert session["routine"] == "gluteus-medius"
        assert moment.weekday() < 5, session
        assert (moment.hour, moment.minute) in ((10, 30), (16, 0)), session


def test_unreadable_config(run_reminder: RunReminder, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD_CONFIG, encoding="utf-8")
    config.chmod(0)
    # Root reads any file whatever its mode: run without that power.
    result = run_reminder(
        "validate", "--config", str(config), prefix=without_reading_rights(), cwd=tmp_path
    )
    assert result.returncode == EX_CONFIG, describe(result)
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert lines, describe(result)
    assert lines[0].startswith(f"{config}: "), describe(result)
    assert "permission denied" in lines[0]
    assert re.search(r"\b(check|chmod)\b", lines[0]), lines[0]
