"""Tiny routines and configs for the tests that run the real daemon.

Each test still writes down what it expects (the notifications, their order,
their times) by hand; only the inputs are shared here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from reminder.errors import Problems
from reminder.routines.model import Routine, parse_routine
from reminder.schema.fields import Reporter
from reminder.schema.tomlfile import parse

DUE = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.timezone.utc)
"""Monday 30 November 2026, 10:30 UTC: when the configs' first session is due."""
TWO_SECONDS_BEFORE = "2026-11-30 10:29:58"
"""A faketime start two seconds before DUE, so a session starts almost at once."""

TINY_ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "2s"
ready = "1s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "1s"
sets = 2
rest = "1s"
sides = "both"
switch = "1s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 2
rep_time = "1s"
ready = "0s"
"""
"""12 s in ten steps: Ball ready 1, hold 2; Figure-4 left 1, switch 1, right 1,
rest 1, left 1, switch 1, right 1; Clamshell 2 reps of 1 s."""

QUICK_ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "1s"
ready = "0s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "1s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 1
rep_time = "1s"
ready = "0s"
"""
"""3 s in three one-second steps: a whole session at once."""

IDLE_ROUTINE = """
[[routines.tiny.release]]
exercise = "Ball"
hold = "30s"
ready = "0s"

[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "30s"
ready = "0s"

[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 10
ready = "0s"
"""
"""Three steps, each 30 s: for daemons that mostly sit idle."""


def config_text(
    routine: str = TINY_ROUTINE,
    *,
    at: Sequence[str] = ("10:30",),
    start: str = "auto",
    misfire_grace: str = "5m",
    snooze: str = "1m",
    **settings: str,
) -> str:
    """A config in UTC that runs ``routine`` (as "tiny", titled "Tiny") daily
    ``at`` these times; ``settings`` adds to its [settings]."""
    chosen = {"start": start, "misfire_grace": misfire_grace, "snooze": snooze, **settings}
    times = ", ".join(f'"{time}"' for time in at)
    return (
        '[settings]\ntimezone = "UTC"\n'
        + "".join(f'{key} = "{value}"\n' for key, value in chosen.items())
        + f'\n[[schedule]]\nroutine = "tiny"\nat = [{times}]\n\n'
        + '[routines.tiny]\ntitle = "Tiny"\n'
        + routine
    )


def write_config(tmp_path: Path, text: str) -> Path:
    """``text`` in tmp_path/conf/config.toml (a folder of its own, for the file watch)."""
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def routine_toml(text: str, name: str = "test-routine") -> Routine:
    """The routine a routine file with this text validates to (ConfigError if none)."""
    problems = Problems()
    routine = parse_routine(
        parse(text, "routine.toml"),
        name=name,
        report=Reporter("routine.toml", text, problems),
        source="file",
    )
    problems.raise_if_any()
    assert routine is not None
    return routine
