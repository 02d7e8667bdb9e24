"""The ``reminder`` command line: the click group with every command on it.

Start-up matters: only what a command needs is imported, and never
APScheduler, jeepney or plyer outside ``run``.
"""

from __future__ import annotations

import contextlib
import sys

from reminder.cli import (
    doctor_commands,
    programme_commands,
    progress_commands,
    routine_commands,
    session_commands,
    setup_commands,
    sound_commands,
)
from reminder.cli.app import Environment, cli
from reminder.errors import ExitStatus

__all__ = ["Environment", "cli", "main"]
_COMMANDS = (
    doctor_commands,
    programme_commands,
    progress_commands,
    routine_commands,
    session_commands,
    setup_commands,
    sound_commands,
)
"""Importing them puts their commands on ``cli``."""


def main() -> None:
    try:
        cli.main(prog_name="reminder")
    except BrokenPipeError:
        # Output piped into something like `head` that stopped reading.
        sys.stderr.close()
        sys.exit(ExitStatus.FAILURE)
    except OSError as error:
        # What the system did to us that no command handles: output to a
        # full disk or a hung-up terminal (ENOSPC, EIO), and the like.
        where = f" ({error.filename})" if error.filename else ""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.write(
                f"reminder could not finish: {error.strerror or error}{where}. "
                "Nothing else went wrong; try again once that is fixed.\n"
            )
        sys.exit(ExitStatus.FAILURE)
