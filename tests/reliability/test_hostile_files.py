"""Files no one should hand reminder, handed to the installed command and
daemon: a FIFO or a device where the config or a routine should be, TOML
nested thousands deep, routines that would run for days or in millions of
steps, and a broken or misnamed file in the routines folder. Each is a
config error (exit 78, ``FILE: message``) or a line in the daemon's log;
nothing hangs and nothing prints a traceback.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.daemon_process import DaemonProcess, Launch
from support.routines import (
    IDLE_ROUTINE,
    QUICK_ROUTINE,
    TWO_SECONDS_BEFORE,
    config_text,
    write_config,
)

from reminder.progress.records import journal_path

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
QUICK = 20.0
"""Seconds any of these commands may take; a hang fails well before pytest's timeout."""

pytestmark = pytest.mark.timeout(90)

ROUTINE_FILE = """\
[[release]]
exercise = "Ball"
hold = "30s"

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Clamshell"
reps = 10
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path, config_text(IDLE_ROUTINE, at=["03:00"], notifier="console"))


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 78, no traceback, and a message with every word; the message."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 78, (result.returncode, result.stdout, result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


# -- not a regular file ------------------------------------------------------------


@pytest.mark.parametrize("command", [("validate",), ("next",), ("run",), ("plan", "tiny")])
def test_a_fifo_as_the_config_is_refused_at_once(
    tmp_path: Path, run_reminder: RunReminder, command: tuple[str, ...]
) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    result = run_reminder(*command, "--config", str(fifo), timeout=QUICK)
    refused(result, f"{fifo}: is a named pipe (FIFO), not a regular file")


def test_a_device_as_the_config_is_refused(run_reminder: RunReminder) -> None:
    result = run_reminder("validate", "--config", "/dev/zero", timeout=QUICK)
    refused(result, "/dev/zero: is a device, not a regular file")


def test_a_fifo_named_as_a_routine_file_is_refused(
    tmp_path: Path, run_reminder: RunReminder
) -> None:
    fifo = tmp_path / "conf" / "pipe.toml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    config = fifo.parent / "config.toml"
    config.write_text('[[schedule]]\nroutine = "./pipe.toml"\nat = ["10:30"]\n', encoding="utf-8")
    refused(run_reminder("validate", "--config", str(config), timeout=QUICK), "named pipe")
    refused(run_reminder("plan", str(fifo), timeout=QUICK), "named pipe")


def test_a_fifo_where_the_history_journal_goes_leaves_the_daemon_starting(
    config_file: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    """Reading a named pipe blocks until someone writes to it: the start
    reads the journal of waiting writes, and must not wait for ever."""
    paths = json.loads(run_reminder("paths", "--json", "--config", str(config_file)).stdout)
    journal = journal_path(Path(paths["history"]))
    journal.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(journal)
    daemon = launch(config_file)
    daemon.wait_for("next", timeout=10)
    status = run_reminder("status", "--json", "--config", str(config_file), timeout=QUICK)
    assert status.returncode == 0, status.stderr
    assert daemon.stop() == 0
    assert stat.S_ISFIFO(journal.lstat().st_mode)


def test_a_fifo_where_the_history_goes_loses_no_session(
    tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    """A named pipe in place of the history file: sessions still run on
    time, the record waits in the journal, and once a real file can be made
    again the next start writes it."""
    config = write_config(tmp_path, config_text(QUICK_ROUTINE, notifier="console"))
    paths = json.loads(run_reminder("paths", "--json", "--config", str(config)).stdout)
    history = Path(paths["history"])
    history.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(history, 0o600)
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    said = daemon.wait_for("history-error", timeout=10)["message"]
    assert f"{history}: it is a named pipe (FIFO), not a regular file" in said
    assert daemon.wait_for("session-end", timeout=30)["outcome"] == "completed"
    status = run_reminder("status", "--json", "--config", str(config), timeout=QUICK)
    assert json.loads(status.stdout)["history_error"], status.stdout
    assert daemon.stop() == 0
    assert stat.S_ISFIFO(history.lstat().st_mode)  # never replaced behind the person's back
    shown = run_reminder("history", "--config", str(config), timeout=QUICK)
    assert shown.returncode == 1
    assert shown.stderr == (
        f"Cannot use the history file {history}: it is a named pipe (FIFO), not a regular "
        "file. Move it away and reminder makes a new history there.\n"
    )

    history.unlink()
    again = launch(config, faketime="2026-11-30 12:00:00")
    again.wait_for("next", timeout=10)
    assert again.stop() == 0
    listed = run_reminder("history", "--json", "--config", str(config), timeout=QUICK)
    (entry,) = json.loads(listed.stdout)
    assert entry["outcome"] == "completed"


@pytest.fixture
def daemon(config_file: Path, launch: Launch) -> DaemonProcess:
    process = launch(config_file)
    process.wait_for("next")
    return process


def test_a_fifo_swapped_in_for_the_config_leaves_the_daemon_answering(
    daemon: DaemonProcess, config_file: Path, run_reminder: RunReminder
) -> None:
    swap = config_file.with_name("swap")
    os.mkfifo(swap)
    swap.replace(config_file)
    error = daemon.wait_for("config-error")
    assert any("named pipe" in line for line in error["problems"]), error
    status = run_reminder("status", "--json", "--config", str(config_file), timeout=QUICK)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["config_errors"]
    assert daemon.stop() == 0  # SIGTERM is heard


# -- nesting and size ------------------------------------------------------------------


def deep_array(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("depth", [101, 5000])
def test_a_deeply_nested_config_is_an_invalid_file(
    tmp_path: Path, run_reminder: RunReminder, depth: int
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(deep_array(depth), encoding="utf-8")
    for command in ("validate", "run"):
        message = refused(
            run_reminder(command, "--config", str(config), timeout=QUICK),
            f"{config}:1:105: nests arrays or tables more than 100 levels deep",
        )
        assert "RecursionError" not in message


def test_a_config_nested_a_hundred_deep_is_parsed(
    tmp_path: Path, run_reminder: RunReminder
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(deep_array(99), encoding="utf-8")  # 100 with the top table
    result = run_reminder("validate", "--config", str(config), timeout=QUICK)
    refused(result, "unknown key")  # read, then found wrong like any other key
    assert "levels deep" not in result.stderr


def test_a_deeply_nested_config_reaching_a_running_daemon_is_a_config_error(
    daemon: DaemonProcess, config_file: Path
) -> None:
    config_file.write_text(deep_array(5000), encoding="utf-8")
    error = daemon.wait_for("config-error")
    assert any("levels deep" in line for line in error["problems"]), error
    assert daemon.process is not None
    assert daemon.process.poll() is None


def test_a_broken_routine_file_does_not_break_routines_stats_or_a_session(
    tmp_path: Path, user_routines_dir: Path, run_reminder: RunReminder, launch: Launch
) -> None:
    user_routines_dir.mkdir(parents=True)
    (user_routines_dir / "good.toml").write_text(ROUTINE_FILE, encoding="utf-8")
    broken = user_routines_dir / "deep.toml"
    broken.write_text(deep_array(5000), encoding="utf-8")
    config = write_config(tmp_path, config_text(QUICK_ROUTINE, notifier="console"))

    listed = run_reminder("routines", "--config", str(config), timeout=QUICK)
    refused(listed, f"{broken}:1:105: nests arrays")
    assert "good" in listed.stdout

    stats = run_reminder("stats", "--config", str(config), timeout=QUICK)
    assert stats.returncode == 0, stats.stderr
    assert "Traceback" not in stats.stderr

    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    end = daemon.wait_for("session-end", timeout=30)
    assert end["outcome"] == "completed"
    daemon.wait_for("next", where=lambda e: e["at"] > end["ts"][:10])
    assert daemon.named("internal-error") == []


def test_a_routine_file_with_a_name_that_is_not_utf8_is_named_not_crashed_on(
    tmp_path: Path, user_routines_dir: Path, run_reminder: RunReminder
) -> None:
    user_routines_dir.mkdir(parents=True)
    (user_routines_dir / "good.toml").write_text(ROUTINE_FILE, encoding="utf-8")
    misnamed = os.fsencode(user_routines_dir) + b"/caf\xe9.toml"
    with open(misnamed, "w", encoding="utf-8") as file:  # noqa: PTH123 - a bytes path
        file.write(ROUTINE_FILE)
    config = write_config(tmp_path, config_text(QUICK_ROUTINE, notifier="console"))
    listed = run_reminder("routines", "--config", str(config), timeout=QUICK)
    refused(listed, "caf\\xe9.toml: the file name is not valid UTF-8")
    assert "good" in listed.stdout


def test_a_routine_over_four_hours_is_a_validation_error(
    tmp_path: Path, run_reminder: RunReminder
) -> None:
    routine = tmp_path / "marathon.toml"
    routine.write_text(ROUTINE_FILE + 'sets = 50\nrest = "5m"\nsides = "both"\n', encoding="utf-8")
    started = time.monotonic()
    result = run_reminder("plan", str(routine), timeout=QUICK)
    refused(result, f"{routine}:9:1: strengthen[0]: brings the routine past 4 hours")
    assert time.monotonic() - started < 10


def test_a_routine_of_millions_of_steps_is_refused_without_building_them(
    tmp_path: Path, run_reminder: RunReminder
) -> None:
    """A 1 MiB routine once expanded to 3.4 million steps (78 s, 7 GB)."""
    exercise = (
        '[[release]]\nexercise = "Ball"\nhold = "1s"\nsets = 50\nrest = "1s"\n'
        'sides = "both"\nswitch = "1s"\nready = "0s"\n'
    )
    body = exercise * ((1024 * 1024 - 200) // len(exercise))
    routine = tmp_path / "huge.toml"
    routine.write_text(
        body + '[[stretch]]\nexercise = "S"\nhold = "1s"\n[[strengthen]]\nexercise = "C"\n'
        "reps = 1\n",
        encoding="utf-8",
    )
    assert routine.stat().st_size < 1024 * 1024
    started = time.monotonic()
    result = run_reminder("plan", str(routine), timeout=QUICK)
    # Each exercise adds 50 × 2 holds, 50 switches and 49 rests: 199 steps.
    refused(result, f"{routine}:81:1: release[10]: brings the routine past 2,000 steps")
    assert time.monotonic() - started < 10
