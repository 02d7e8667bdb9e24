"""Odd command lines and odd environments, through the installed command:
superscript and circled digits, 5,000-digit numbers, a note that is not
UTF-8, POSIX TZ rules with no config, no home folder and no passwd entry,
standard output closed or full, a runtime folder too long for a socket, and
a history row with a date no one can read. Each is one line that says what
happened (click's usage errors add their usual usage line), with the exit
status README documents: 2 for a bad argument, 1 for the rest, 0 where
reminder can carry on (and says so).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.daemon_process import Launch
from support.routines import IDLE_ROUTINE, config_text, write_config
from support.users import as_user

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
BIG = "9" * 5000

pytestmark = pytest.mark.timeout(60)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line that says what is wrong (no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert len(lines[0]) < 200, lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("pause", "²"), "'²' is not a duration"),
        (("snooze", "①"), "'①' is not a duration"),
        (("pause", BIG), "is too long; the most is a year"),
        (("snooze", BIG + "m"), "is too long; the most is a year"),
        (("checkin", BIG), "is not a whole number from 0 to 10"),
        (("checkin", "²"), "'²' is not a whole number"),
        (("next", "-n", BIG), "is out of range; use 1 to 1000"),
    ],
)
def test_odd_numbers_are_a_usage_error(
    run_reminder: RunReminder, args: tuple[str, ...], words: str
) -> None:
    result = run_reminder(*args)
    assert result.returncode == 2
    assert words in error_line(result)


def test_a_note_that_is_not_utf8_is_refused_and_nothing_recorded(
    run_reminder: RunReminder, xdg_state_home: Path
) -> None:
    note = os.fsdecode(b"knee \xff\xfe better")  # the bytes go to the command as they are
    result = run_reminder("checkin", "5", "--note", note)
    assert result.returncode == 2
    assert "--note: is not UTF-8 text" in error_line(result)
    history = xdg_state_home / "reminder" / "history.sqlite3"
    if history.exists():
        with sqlite3.connect(history) as db:
            assert db.execute("SELECT count(*) FROM checkins").fetchone() == (0,)


# -- time zones given as POSIX rules ------------------------------------------------------


def next_sessions(run_reminder: RunReminder, tz: str) -> tuple[list[dt.datetime], str]:
    result = run_reminder("next", "-n", "4", "--json", env={"TZ": tz})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return [dt.datetime.fromisoformat(s["at"]) for s in json.loads(result.stdout)], result.stderr


def test_tz_jst_minus_9_is_used_with_no_config(run_reminder: RunReminder) -> None:
    sessions, stderr = next_sessions(run_reminder, "JST-9")
    assert sessions
    for moment in sessions:
        assert moment.utcoffset() == dt.timedelta(hours=9)
        assert (moment.hour, moment.minute) in {(10, 30), (16, 0)}  # the built-in default
    assert stderr == ""


def test_a_posix_rule_with_summer_time_is_used_like_its_zone(run_reminder: RunReminder) -> None:
    sessions, stderr = next_sessions(run_reminder, "CET-1CEST,M3.5.0,M10.5.0/3")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")  # the same rules, from the tz database
    for moment in sessions:
        assert (moment.hour, moment.minute) in {(10, 30), (16, 0)}
        assert moment.utcoffset() == moment.replace(tzinfo=berlin).utcoffset()
    assert stderr == ""


def test_a_tz_no_one_can_read_falls_back_to_utc_and_says_so(run_reminder: RunReminder) -> None:
    sessions, stderr = next_sessions(run_reminder, "Nowhere/Land")
    assert all(moment.utcoffset() == dt.timedelta(0) for moment in sessions)
    assert stderr.count("\n") == 1
    assert "(TZ=Nowhere/Land) is not one reminder can read" in stderr
    assert "UTC" in stderr


# -- no home, no passwd entry ----------------------------------------------------------------


@pytest.fixture
def as_stranger() -> list[str]:
    """Run as a uid with no passwd entry (so no home folder to be found)."""
    return as_user(54321, reach_the_install=True)


def test_no_home_and_no_passwd_entry_is_one_line(
    run_reminder: RunReminder, as_stranger: list[str], tmp_path: Path
) -> None:
    no_home = dict.fromkeys(("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"))
    cwd = Path(tempfile.mkdtemp(prefix="reminder-stranger-"))
    try:
        cwd.chmod(0o755)
        result = run_reminder("next", env=no_home, prefix=as_stranger, cwd=cwd)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
        assert "cannot tell where your home folder is" in result.stderr
        assert "uid 54321" in result.stderr
        assert list(cwd.iterdir()) == []  # nothing written to a folder called "~"
        # A routine given by its path needs no home.
        routine = cwd / "r.toml"
        routine.write_text(IDLE_ROUTINE.replace("routines.tiny.", ""), encoding="utf-8")
        routine.chmod(0o644)
        planned = run_reminder("plan", str(routine), env=no_home, prefix=as_stranger, cwd=cwd)
        assert planned.returncode == 0, planned.stderr
    finally:
        shutil.rmtree(cwd)


# -- output that goes nowhere ---------------------------------------------------------------


def test_now_terminal_with_stdout_closed_says_so(run_reminder: RunReminder, tmp_path: Path) -> None:
    routine = tmp_path / "r.toml"
    routine.write_text(IDLE_ROUTINE.replace("routines.tiny.", ""), encoding="utf-8")
    closed = ["sh", "-c", 'exec "$0" "$@" >&-']
    result = run_reminder("now", str(routine), "--terminal", prefix=closed)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Standard output is closed" in result.stderr


def test_output_to_a_full_device_is_one_line(run_reminder: RunReminder) -> None:
    result = run_reminder("routines", prefix=["sh", "-c", 'exec "$0" "$@" >/dev/full'])
    assert result.returncode == 1
    assert result.stderr == (
        "reminder could not finish: No space left on device. "
        "Nothing else went wrong; try again once that is fixed.\n"
    )


# -- a runtime folder too long for a socket ----------------------------------------------------


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A private TMPDIR short enough for the fallback socket."""
    folder = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_runtime_folder_too_long_for_a_socket_falls_back_and_says_so(
    tmp_path: Path, short_tmp: Path, run_reminder: RunReminder, launch: Launch
) -> None:
    long_runtime = tmp_path / ("r" * 120)
    long_runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(long_runtime), "TMPDIR": str(short_tmp)}
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=["03:00"], notifier="console"))
    daemon = launch(config, **env)
    warning = daemon.wait_for("warning")
    assert "XDG_RUNTIME_DIR is too long for a socket path" in warning["message"]
    assert str(short_tmp) in warning["message"]
    daemon.wait_for("next")
    status = run_reminder("status", "--json", "--config", str(config), env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["pid"] == daemon.pid
    assert status.stderr.startswith("Note: XDG_RUNTIME_DIR is too long for a socket path")
    assert status.stderr.count("\n") == 1
    assert daemon.stop() == 0


# -- a history row no one can read -------------------------------------------------------------


def test_a_history_row_with_a_bad_date_is_skipped_and_said(
    run_reminder: RunReminder, xdg_state_home: Path
) -> None:
    assert run_reminder("checkin", "4").returncode == 0  # makes the history
    history = xdg_state_home / "reminder" / "history.sqlite3"
    with sqlite3.connect(history) as db:
        db.execute(
            "INSERT INTO sessions (routine, started_at, outcome) "
            "VALUES ('gluteus-medius', 'last tuesday', 'completed')"
        )
        db.execute(
            "INSERT INTO sessions (routine, started_at, ended_at, outcome, seconds_done) "
            "VALUES ('gluteus-medius', '2026-11-30T10:30:00+00:00', "
            "'2026-11-30T10:42:00+00:00', 'completed', 720)"
        )
    for command in ("history", "stats"):
        result = run_reminder(command)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("Note: Skipped 1 session row of")
        assert "(id 1)" in result.stderr
        assert result.stderr.count("\n") == 1
    assert "2026-11-30" in run_reminder("history").stdout
