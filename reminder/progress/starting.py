"""The daemon's start, read and written by a short process of its own.

At start the daemon needs what the history says (``stored.read_stored``:
skips and snoozes decided ahead, when it last ran, which sessions have a
row) and writes two rows (its first start, sessions left running now
interrupted). Done in the daemon, that loads SQLite for good: about
1.4 MiB of library and module kept mapped by a process that then waits
hours for the next session. So the daemon runs this module instead
(``python -m reminder.progress.starting``): the request as JSON on its
standard input, the answer as JSON on its standard output, and it exits.

The daemon passes its own clock inside the ops (a faked clock in tests,
the wall clock otherwise) and falls back to reading and writing itself
when this process fails in any way (``daemon/recorder.py``), so the
answer here only ever saves memory; it never decides anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from reminder.paths import own_module_command
from reminder.progress import ops
from reminder.progress.records import Decision
from reminder.progress.stored import Stored

TIMEOUT = 15.0
"""Seconds the daemon gives this process, in all, before doing it itself:
reading or writing a locked history waits ``writer.BUSY_TIMEOUT`` a query."""


class Started:
    """This process, seen from the daemon: it reads first and writes only
    when told to, so the daemon never reads a history that already holds
    this start's writes (its own start time would pass for the time it
    last ran). One JSON line each way per turn; plain blocking pipes, with
    a timer that kills the process after ``TIMEOUT`` (no poll: libfaketime,
    which the tests run the daemon under, fails it with EINVAL)."""

    def __init__(self, history: Path, since: dt.datetime) -> None:
        # -P, and the root folder to run in: a module in the daemon's current
        # folder (another user's, perhaps) must not shadow the package.
        self._process = subprocess.Popen(
            own_module_command(__name__),
            cwd=Path(os.sep).resolve(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,  # its warnings (rows it cannot read) go to the daemon's log
            text=True,
        )
        self._watchdog = threading.Timer(TIMEOUT, self._process.kill)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._say({"history": str(history), "since": ops.iso(since)})

    def _say(self, message: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def _hear(self) -> Any:
        assert self._process.stdout is not None
        return json.loads(self._process.stdout.readline())

    def read(self) -> Stored | None:
        """What the history says; None when it could not be read (nothing
        has been written then)."""
        try:
            return _stored(self._hear())
        except (OSError, ValueError, KeyError, TypeError):
            self.close(kill=True)
            return None

    def write(self, writes: list[ops.Op]) -> list[int] | None:
        """Apply ``writes`` in one transaction: what each changed, or None
        when that is not known (they are idempotent: apply them again)."""
        try:
            self._say(writes)
            changed = [int(n) for n in self._hear()]
        except (OSError, ValueError, TypeError):
            self.close(kill=True)
            return None
        self.close()
        return changed

    def close(self, *, kill: bool = False) -> None:
        """End the conversation; the process exits (it is closing the
        history: let it), or is killed when something went wrong (``kill``)
        or it hangs (the watchdog)."""
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        if kill:
            with contextlib.suppress(OSError):
                self._process.kill()
        self._process.wait()
        self._watchdog.cancel()


def serve(requests: TextIO, answers: TextIO) -> int:
    """This process's side: the history read, its answer, then the writes."""
    from reminder.progress.history import History, HistoryError
    from reminder.progress.stored import read_stored
    from reminder.progress.writer import BUSY_TIMEOUT, Journal

    request = json.loads(requests.readline())
    history = History(Path(request["history"]), timeout=BUSY_TIMEOUT)
    try:
        if Journal(history.journal_path).has_ops():
            return 1  # the daemon's writer replays it first, before newer writes
        stored = read_stored(history, dt.datetime.fromisoformat(request["since"]))
        answers.write(json.dumps(_stored_json(stored)) + "\n")
        answers.flush()
        told = requests.readline()
        if not told:
            return 1  # the daemon went away, or does the writes itself
        changed = history.apply_all(json.loads(told))
        history.close()  # its checkpoint done before the answer: the daemon need not wait for it
        answers.write(json.dumps(changed) + "\n")
        answers.flush()
    except HistoryError:
        return 1
    finally:
        history.close()
    return 0


def _stored_json(stored: Stored) -> dict[str, Any]:
    return {
        "decisions": [
            {
                "kind": d.kind,
                "routine": d.routine,
                "schedule": d.schedule,
                "scheduled_at": d.scheduled_at.isoformat(),
                "until": d.until.isoformat() if d.until else None,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in stored.decisions
        ],
        "last_ran": stored.last_ran.isoformat() if stored.last_ran else None,
        "recorded": sorted(stored.recorded),
    }


def _stored(data: dict[str, Any]) -> Stored:
    def moment(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    decisions = []
    for d in data["decisions"]:
        scheduled_at, decided_at = moment(d["scheduled_at"]), moment(d["decided_at"])
        if d["kind"] not in ("skip", "snooze") or scheduled_at is None or decided_at is None:
            raise ValueError(d)
        decisions.append(
            Decision(
                d["kind"],
                d["routine"],
                int(d["schedule"]),
                scheduled_at,
                moment(d["until"]),
                decided_at,
            )
        )
    recorded = {(float(at), int(schedule)) for at, schedule in data["recorded"]}
    return Stored(decisions, moment(data["last_ran"]), recorded)


if __name__ == "__main__":
    sys.exit(serve(sys.stdin, sys.stdout))
