"""Honest records, end to end: the installed daemon on a real session bus
with dbusmock's notification server, its history read back with the
installed `reminder history` and `reminder stats` as a user would.

What a careful person would write in a paper log (DESIGN.md, "Records"):
a session tapped through with Next is partly done, not done.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_process import Launch, reminder_json, session_calls
from support.history import history_file
from support.routines import QUICK_ROUTINE, TWO_SECONDS_BEFORE, config_text, write_config

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


def faked(env: dict[str, str], moment: str) -> dict[str, str]:
    """``env`` with libfaketime starting the wall clock at ``moment``."""
    library = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
    if library is None:
        pytest.fail("libfaketime is not installed (Debian package faketime)", pytrace=False)
    return {**env, "LD_PRELOAD": str(library), "FAKETIME": f"@{moment}"}


def test_a_skip_survives_a_restart_and_next_agrees_with_status(
    mock_server: MockServer,
    tmp_path: Path,
    launch: Launch,
    run_reminder: RunReminder,
    subprocess_env: dict[str, str],
) -> None:
    config = write_config(tmp_path, config_text(at=["10:30", "16:00"]))
    first = launch(config, faketime="2026-11-30 10:29:00")
    first.wait_for("next")
    skipped = run_reminder("skip", "--config", str(config))
    assert skipped.returncode == 0, skipped.stderr
    assert "Skipped tiny of Mon 30 Nov 10:30" in skipped.stdout
    status = reminder_json(run_reminder, config, "status")
    upcoming = json.loads(
        run_reminder(
            "next",
            "--json",
            "--config",
            str(config),
            env=faked(subprocess_env, "2026-11-30 10:29:05"),
        ).stdout
    )
    assert status["next"]["at"] == "2026-11-30T16:00:00+00:00"
    assert [s["at"] for s in upcoming[:2]] == [
        "2026-11-30T16:00:00+00:00",
        "2026-12-01T10:30:00+00:00",
    ]
    assert reminder_json(run_reminder, config, "history") == []  # nothing dated ahead
    assert first.stop() == 0

    second = launch(config, faketime=TWO_SECONDS_BEFORE)
    event = second.wait_for("skipped")
    assert event["at"] == "2026-11-30T10:30:00+00:00"
    assert second.named("session-start") == []
    assert second.stop() == 0  # the row is written by then, however slow its first write
    (entry,) = reminder_json(run_reminder, config, "history")
    assert (entry["outcome"], entry["scheduled_at"]) == ("skipped", "2026-11-30T10:30:00+00:00")
    assert entry["ended_at"] >= entry["scheduled_at"]
    assert session_calls(mock_server) == []


def test_a_start_after_the_time_runs_the_session_and_records_the_one_missed_while_off(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text(at=["10:20", "10:30"]))
    first = launch(config, faketime="2026-11-30 09:00:00")  # reminder's first start
    first.wait_for("next")
    assert first.stop() == 0
    # Logged in again at 10:31: 10:20 passed while reminder was off; 10:30 is within grace.
    second = launch(config, faketime="2026-11-30 10:31:00")
    missed = second.wait_for("missed")
    assert (missed["at"], missed["reason"]) == ("2026-11-30T10:20:00+00:00", "off")
    start = second.wait_for("session-start")
    assert start["scheduled"] == "2026-11-30T10:30:00+00:00"
    second.wait_for("session-end", timeout=30)
    history = reminder_json(run_reminder, config, "history")
    assert [(e["scheduled_at"], e["outcome"], e["reason"]) for e in history] == [
        ("2026-11-30T10:20:00+00:00", "missed", "off"),
        ("2026-11-30T10:30:00+00:00", "completed", None),
    ]
    assert second.stop() == 0


def assert_steps_on_time(steps: list[dict[str, Any]]) -> None:
    """Each step shown within a second of its time, on a busy shared test
    machine (typically a few ms; a daemon that waits for the history file
    shows the step when the lock gives up, 5 s late)."""
    late = [
        (
            step["index"],
            dt.datetime.fromisoformat(step["sent"]) - dt.datetime.fromisoformat(step["planned"]),
        )
        for step in steps
    ]
    assert all(delay < dt.timedelta(seconds=1) for _, delay in late), late


def test_a_history_locked_for_seconds_mid_session_delays_no_step_and_loses_nothing(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    config = write_config(tmp_path, config_text())
    database = history_file(run_reminder, config)
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("next")
    # Another program (a backup tool, another reminder) holds the write lock.
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        daemon.wait_for("session-start")
        error = daemon.wait_for("history-error", timeout=10)
        assert "locked" in error["error"]
        status = reminder_json(run_reminder, config, "status")
        assert status["history_error"] is not None
        daemon.wait_for("step", where=step_index(5))  # seconds into the session, still locked
    finally:
        other.execute("ROLLBACK")
        other.close()
    daemon.wait_for("history-recovered", timeout=15)
    end = daemon.wait_for("session-end", timeout=30)
    assert end["outcome"] == "completed"
    assert_steps_on_time(daemon.named("step"))
    (entry,) = reminder_json(run_reminder, config, "history")
    assert (entry["outcome"], entry["seconds_done"]) == ("completed", 12)
    assert reminder_json(run_reminder, config, "status")["history_error"] is None
    assert daemon.stop() == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs to be the state folder (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    where = tmp_path / "small-disk"
    where.mkdir(mode=0o700)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(where)],
        check=True,
        timeout=30,
    )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, timeout=30)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; the file that does it."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(descriptor, b"\0" * 4096)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(descriptor)
    return filler


def as_json(run_reminder: RunReminder, config: Path, *args: str, **env: str) -> Any:
    """``reminder ARGS --json`` with ``env`` added to the environment."""
    result = run_reminder(*args, "--json", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class FullDisk:
    """A session due two seconds after the daemon starts, its state folder
    on a small disk filled to the last byte once the daemon is up."""

    def __init__(
        self, tmp_path: Path, launch: Launch, run_reminder: RunReminder, small_disk: Path
    ) -> None:
        self.config = write_config(tmp_path, config_text())
        self.state = {"XDG_STATE_HOME": str(small_disk)}
        self.run_reminder = run_reminder
        database = history_file(run_reminder, self.config, **self.state)
        assert database.is_relative_to(small_disk)
        self.daemon = launch(self.config, faketime=TWO_SECONDS_BEFORE, **self.state)
        self.daemon.wait_for("next")
        self.filler = fill(small_disk)

    def reminder(self, *args: str) -> Any:
        """``reminder ARGS --json`` on this config and state folder."""
        return as_json(self.run_reminder, self.config, *args, **self.state)


@pytest.fixture
def full_disk(
    mock_server: MockServer,
    tmp_path: Path,
    launch: Launch,
    run_reminder: RunReminder,
    small_disk: Path,
) -> FullDisk:
    return FullDisk(tmp_path, launch, run_reminder, small_disk)


def test_a_full_disk_mid_session_keeps_the_record_until_there_is_room(
    full_disk: FullDisk,
) -> None:
    daemon = full_disk.daemon
    daemon.wait_for("history-error", timeout=10)
    end = daemon.wait_for("session-end", timeout=30)
    assert end["outcome"] == "completed"
    assert_steps_on_time(daemon.named("step"))
    status = full_disk.reminder("status")
    assert status["history_error"] is not None  # the record waits, and status says so
    full_disk.filler.unlink()
    daemon.wait_for("history-recovered", timeout=15)
    (entry,) = full_disk.reminder("history")
    assert (entry["outcome"], entry["seconds_done"]) == ("completed", 12)
    assert full_disk.reminder("status")["history_error"] is None
    assert daemon.stop() == 0


def test_a_daemon_stopped_while_the_disk_is_full_says_what_it_could_not_keep(
    full_disk: FullDisk, launch: Launch
) -> None:
    """A logout with the disk still full: neither the history nor its journal
    takes the session's record, so the log carries it, and the person who
    follows the log's words (room made, the lines added to the file it
    names) finds the session in the history after the next start."""
    daemon = full_disk.daemon
    assert daemon.wait_for("session-end", timeout=30)["outcome"] == "completed"
    assert daemon.stop() == 0
    (lost,) = daemon.named("history-lost")
    said, *lines = lost["message"].split("\n")
    assert os.strerror(errno.ENOSPC) in said
    assert "add the lines below to that file" in said
    journal = Path(lost["path"])
    assert str(journal) in said
    assert lost["records"] == len(lines)
    assert {json.loads(line)["op"] for line in lines} >= {"started", "ended"}

    full_disk.filler.unlink()
    with journal.open("a", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)
    again = launch(full_disk.config, faketime="2026-11-30 12:00:00", **full_disk.state)
    again.wait_for("next")
    assert again.stop() == 0
    (entry,) = full_disk.reminder("history")
    assert (entry["outcome"], entry["seconds_done"]) == ("completed", 12)


QUICK_FILE = (
    'title = "Quick"\n'
    '[[release]]\nexercise = "Ball"\nhold = "1s"\nready = "0s"\n'
    '[[stretch]]\nexercise = "Reach"\nhold = "1s"\nready = "0s"\n'
    '[[strengthen]]\nexercise = "Lift"\nreps = 1\nrep_time = "1s"\nready = "0s"\n'
)


def test_a_terminal_session_without_a_tty_is_recorded(
    tmp_path: Path, run_reminder: RunReminder
) -> None:
    routine = tmp_path / "quick.toml"
    routine.write_text(QUICK_FILE, encoding="utf-8")
    walked = run_reminder("now", str(routine), "--terminal")
    assert walked.returncode == 0, walked.stderr
    assert walked.stdout.splitlines()[-1] == "Done: Quick, 3 s — release, stretch, strengthen."
    assert "How is the pain" not in walked.stdout  # no terminal to answer on
    history = json.loads(run_reminder("history", "--json").stdout)
    assert [(e["routine"], e["source"], e["outcome"], e["phases_done"]) for e in history] == [
        ("quick", "terminal", "completed", ["release", "stretch", "strengthen"])
    ]
    assert history[0]["seconds_done"] == 3
    assert history[0]["scheduled_at"] is None
    listed = run_reminder("history").stdout
    assert "done" in listed
    assert "in the terminal" in listed


def walk_in_a_terminal(
    routine: Path, text: str, reminder_exe: Path, subprocess_env: dict[str, str]
) -> Any:
    """``reminder now ROUTINE --terminal`` in a pseudo-terminal (a pexpect child)."""
    import pexpect

    routine.write_text(text, encoding="utf-8")
    return pexpect.spawn(
        str(reminder_exe),
        ["now", str(routine), "--terminal"],
        env={**subprocess_env, "TERM": "xterm-256color"},
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )


def test_a_terminal_session_ends_with_the_pain_question_as_keys(
    tmp_path: Path, reminder_exe: Path, subprocess_env: dict[str, str], run_reminder: RunReminder
) -> None:
    import pexpect

    child = walk_in_a_terminal(tmp_path / "quick.toml", QUICK_FILE, reminder_exe, subprocess_env)
    try:
        child.expect("How is the pain compared with last time\\?")
        child.expect("Enter to skip: ")
        child.send("w")  # one key, no Enter
        child.expect("worse")
        child.expect("see a clinician")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    (entry,) = json.loads(run_reminder("history", "--json").stdout)
    assert (entry["source"], entry["outcome"]) == ("terminal", "completed")
    from reminder.progress.history import History

    paths = json.loads(run_reminder("paths", "--json").stdout)
    (checkin,) = History(Path(paths["history"])).checkins()
    assert (checkin.feeling, checkin.routine, checkin.session_id) == ("worse", "quick", entry["id"])


def test_stats_on_day_one_count_from_the_first_start(
    mock_server: MockServer,
    tmp_path: Path,
    launch: Launch,
    run_reminder: RunReminder,
    subprocess_env: dict[str, str],
) -> None:
    config = write_config(tmp_path, config_text(QUICK_ROUTINE, at=["10:30", "16:00"]))
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)  # the very first start
    assert daemon.wait_for("session-end", timeout=30)["outcome"] == "completed"
    assert daemon.stop() == 0
    noon = faked(subprocess_env, "2026-11-30 12:00:00")

    def cli(*args: str) -> str:
        result = run_reminder(*args, "--config", str(config), env=noon)
        assert result.returncode == 0, result.stderr
        return result.stdout

    stats = json.loads(cli("stats", "--json"))
    assert stats["totals"]["scheduled"] == 1  # the 10:30; not twelve weeks of them
    assert stats["totals"]["completed"] == 1
    assert stats["totals"]["missed"] == 0
    levels = [day["level"] for day in stats["days"]]
    assert levels[-1] == "all"
    assert set(levels[:-1]) == {"before"}
    text = cli("stats")
    assert "Completed: 1 (100% of 1 scheduled)" in text
    assert "before reminder" in text
    report = tmp_path / "report.html"
    cli("report", "--html", str(report))
    page = report.read_text(encoding="utf-8")
    assert 'class="day before"' in page
    assert 'class="day missed"' not in page
    assert "before reminder" in page


QUICK_PROGRAMME = (
    QUICK_FILE.replace(
        'reps = 1\nrep_time = "1s"\nready = "0s"\n',
        'reps = 1\nrep_time = "1s"\nready = "0s"\ngroup = "A"\nlevels = [{ reps = 2 }]\n',
    )
    + '[[strengthen]]\nexercise = "Hop"\nreps = 1\nrep_time = "1s"\nready = "0s"\ngroup = "B"\n'
)


def test_a_terminal_programme_session_asks_effort_then_pain_as_keys(
    tmp_path: Path, reminder_exe: Path, subprocess_env: dict[str, str], run_reminder: RunReminder
) -> None:
    import pexpect

    child = walk_in_a_terminal(
        tmp_path / "quick-programme.toml", QUICK_PROGRAMME, reminder_exe, subprocess_env
    )
    try:
        child.expect("How hard was it\\?")
        child.expect("Enter to skip: ")
        child.send("e")  # one key, no Enter
        child.expect("easy")
        child.expect("How is the pain compared with last time\\?")
        child.expect("Enter to skip: ")
        child.send("b")
        child.expect("better")
        child.expect("Next time: the same levels.")  # one easy session is not two
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    (entry,) = json.loads(run_reminder("history", "--json").stdout)
    assert (entry["source"], entry["outcome"]) == ("terminal", "completed")
    from reminder.progress.programme_store import ProgrammeStore

    paths = json.loads(run_reminder("paths", "--json").stdout)
    store = ProgrammeStore(Path(paths["history"]))
    try:
        assert store.efforts() == {entry["id"]: "easy"}
    finally:
        store.close()
