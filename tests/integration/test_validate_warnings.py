"""`reminder validate` on a valid config that will not do what it seems to:
a time in quiet hours, sessions that run into each other. It warns (lines
starting "warning:", saying what will happen) and still exits 0."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

RunCli = Callable[..., Result]
MONDAY = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)

# Eight minutes exactly: release 5 min, stretch 2 min, strengthen 10 x 6 s.
LONG = """
[routines.long]
title = "Long"
[[routines.long.release]]
exercise = "Ball"
hold = "5m"
ready = "0s"
[[routines.long.stretch]]
exercise = "Reach"
hold = "2m"
ready = "0s"
[[routines.long.strengthen]]
exercise = "Lift"
reps = 10
rep_time = "6s"
ready = "0s"
"""


def validate(run_cli: RunCli, tmp_path: Path, text: str) -> tuple[list[str], Result]:
    config = tmp_path / "config.toml"
    config.write_text('[settings]\ntimezone = "UTC"\n' + text + LONG, encoding="utf-8")
    result = run_cli("validate", "--config", str(config), now=MONDAY)
    assert result.exit_code == 0, result.stderr
    assert "is valid" in result.stdout
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")], result


def test_a_time_always_in_quiet_hours_is_warned_about(run_cli: RunCli, tmp_path: Path) -> None:
    warnings, result = validate(
        run_cli,
        tmp_path,
        'quiet_hours = "22:00-07:00"\n'
        '[[schedule]]\nroutine = "long"\nat = ["10:30", "23:15"]\n'
        '[[schedule]]\nroutine = "long"\nevery = "30m"\nbetween = "22:30-23:45"\n',
    )
    assert warnings == [
        f"warning: {tmp_path / 'config.toml'}: schedule[0].at[1]: 23:15 falls in quiet hours "
        "(22:00-07:00), so long never runs then. Move it, or change quiet_hours.",
        f"warning: {tmp_path / 'config.toml'}: schedule[1].between: every time from 22:30-23:45 "
        "falls in quiet hours (22:00-07:00), so long never runs. Move the window, or change "
        "quiet_hours.",
    ]
    assert result.stderr.splitlines() == warnings


def test_sessions_that_overlap_are_warned_about_saying_the_second_waits(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # 10:00 lasts 8 min, to 10:08. 10:05 waits 3 min (within the 15 min grace)
    # and runs 10:08-10:16; 10:12 would wait for it until 10:16, 4 min.
    # 14:00 to 14:08; 14:01 waits 7 min.
    warnings, _ = validate(
        run_cli,
        tmp_path,
        'misfire_grace = "15m"\n'
        '[[schedule]]\nroutine = "long"\nat = ["10:00", "14:00"]\n'
        '[[schedule]]\nroutine = "long"\ndays = ["mon"]\nat = ["10:05", "10:12", "14:01"]\n',
    )
    shown = tmp_path / "config.toml"
    assert warnings == [
        f"warning: {shown}: schedule[1].at[0]: long at 10:05 starts while long of 10:00 "
        "(schedule[0].at[0], 8 min) still runs: the second waits until the first ends; "
        "it waits 3 min and then runs.",
        f"warning: {shown}: schedule[1].at[1]: long at 10:12 starts while long of 10:05 "
        "(schedule[1].at[0], 8 min) still runs: the second waits until the first ends; "
        "it waits 4 min and then runs.",
        f"warning: {shown}: schedule[1].at[2]: long at 14:01 starts while long of 14:00 "
        "(schedule[0].at[1], 8 min) still runs: the second waits until the first ends; "
        "it waits 7 min and then runs.",
    ]


def test_a_wait_longer_than_grace_is_said_to_be_missed(run_cli: RunCli, tmp_path: Path) -> None:
    warnings, _ = validate(
        run_cli,
        tmp_path,
        'misfire_grace = "2m"\n[[schedule]]\nroutine = "long"\nat = ["10:00", "10:03"]\n',
    )
    assert warnings == [
        f"warning: {tmp_path / 'config.toml'}: schedule[0].at[1]: long at 10:03 starts while "
        "long of 10:00 (schedule[0].at[0], 8 min) still runs: the second waits until the first "
        "ends; it would wait 5 min, longer than misfire_grace (2 min), so it is recorded as "
        "missed.",
    ]


def test_the_example_config_has_nothing_to_warn_about(run_cli: RunCli) -> None:
    from reminder.paths import example_config

    result = run_cli("validate", "--config", str(example_config()), now=MONDAY)
    assert result.exit_code == 0
    assert "warning:" not in result.stderr
