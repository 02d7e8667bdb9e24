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

from reminder.errors import ExitStatus, ReminderError, error_text


def main(argv: list[str]) -> int:
    log_format, paths = argv
    from reminder.daemon.run import run
    from reminder.paths import Paths

    try:
        run(Paths.from_json(paths), json_logs=log_format == "json")
    except ReminderError as error:
        sys.stderr.write(error_text(error) + "\n")
        return error.status
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
