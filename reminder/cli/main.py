"""The ``reminder`` command line: the click group with every command on it.

Start-up matters: only what a command needs is imported, and never
APScheduler, jeepney or plyer outside ``run``.
"""

from __future__ import annotations

import sys

from reminder.cli import (
    progress_commands,
    routine_commands,
    session_commands,
    setup_commands,
    sound_commands,
)
from reminder.cli.app import Environment, cli
from reminder.errors import ExitStatus

__all__ = ["Environment", "cli", "main"]
_COMMANDS = (progress_commands, routine_commands, session_commands, setup_commands, sound_commands)
"""Importing them puts their commands on ``cli``."""


def main() -> None:
    try:
        cli.main(prog_name="reminder")
    except BrokenPipeError:
        # Output piped into something like `head` that stopped reading.
        sys.stderr.close()
        sys.exit(ExitStatus.FAILURE)
