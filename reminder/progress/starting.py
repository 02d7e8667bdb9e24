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

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from reminder.progress import ops
from reminder.progress.records import Decision
from reminder.progress.stored import Stored

TIMEOUT = 15.0
"""Seconds the daemon waits for the answer before doing it itself: reading
a locked history waits ``writer.BUSY_TIMEOUT`` a query."""


def ask(history: Path, since: dt.datetime, writes: list[ops.Op]) -> tuple[Stored, list[int]] | None:
    """Read the history and apply ``writes`` in a process of its own: what
    it says and what each write changed, or None when that did not work
    (the history locked or unreadable, the process failed): the caller
    then does both itself, and says why."""
    request = {"history": str(history), "since": ops.iso(since), "ops": writes}
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request),
            stdout=subprocess.PIPE,  # its warnings (rows it cannot read) go to the daemon's log
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            return None
        answer = json.loads(done.stdout)
        return _stored(answer["stored"]), [int(n) for n in answer["changed"]]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None


def answer(request: dict[str, Any]) -> dict[str, Any] | None:
    """The work itself: None when the history cannot be read or written."""
    from reminder.progress.history import History, HistoryError
    from reminder.progress.stored import read_stored
    from reminder.progress.writer import BUSY_TIMEOUT, Journal

    history = History(Path(request["history"]), timeout=BUSY_TIMEOUT)
    try:
        if Journal(history.journal_path).has_ops():
            return None  # the daemon's writer replays it first, before newer writes
        stored = read_stored(history, dt.datetime.fromisoformat(request["since"]))
        changed = history.apply_all(request["ops"])
    except HistoryError:
        return None
    finally:
        history.close()
    return {"stored": _stored_json(stored), "changed": changed}


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


def main() -> int:
    reply = answer(json.load(sys.stdin))
    if reply is None:
        return 1
    json.dump(reply, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
