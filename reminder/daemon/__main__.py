"""The daemon's own process: ``reminder run`` re-executes into this module.

``reminder run`` parses and checks its options with click, then replaces its
process (same pid, signals, stdio and environment) with
``python -m reminder.daemon LOG_FORMAT PATHS_JSON``, so the long-lived
daemon keeps neither click nor platformdirs in memory (about 1.5 MiB;
docs/performance.md). The arguments are the CLI's, already checked and
resolved; this is not a command for people.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from reminder.errors import ExitStatus, ReminderError, error_text
from reminder.paths import Paths


def main(argv: list[str]) -> int:
    log_format, paths = argv
    return start(Paths.from_json(paths), json_logs=log_format == "json")


def start(paths: Paths, *, json_logs: bool) -> int:
    """Run the daemon; its exit status. Before anything is opened: Python's
    own error output goes through the event log, the instance lock is taken
    and the folders are checked (reminder.daemon.lock.claim)."""
    from reminder.daemon.events import EventLog, install_hooks
    from reminder.daemon.lock import claim
    from reminder.daemon.run import run

    log = EventLog(json_lines=json_logs)
    install_hooks(log)
    try:
        lock = claim(paths, log)
        try:
            restart = run(paths, json_logs=json_logs, log=log)
        finally:
            lock.release()
    except ReminderError as error:
        if json_logs:
            log("fatal", error_text(error), status=int(error.status))
        else:
            sys.stderr.write(error_text(error) + "\n")
        return error.status
    if restart:
        return again(log)
    return ExitStatus.OK


def again(log: Callable[..., None]) -> int:
    """Run the updated reminder in this process: same pid (what started the
    daemon still sees it), arguments and environment; the lock and socket
    were given up by the stop before."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    except OSError as error:
        log("restart-failed", f"Could not start the updated reminder: {error}. Start it again.")
    return ExitStatus.FAILURE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
