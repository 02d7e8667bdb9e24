"""A terminal session (`reminder now ROUTINE --terminal`) in the history,
like any other (source "terminal"), and the Better / Same / Worse question
at its end, answered with one key on a terminal.

Written from this process at the end of the walk. If the history file
cannot be written (locked, the disk full), the record goes to the journal
beside it (``progress/writer.py``), which the daemon or the next command
replays, so it is not lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reminder.progress import ops
from reminder.progress.history import History
from reminder.progress.writer import WriteQueue

if TYPE_CHECKING:
    from reminder.cli.terminal import Outcome
    from reminder.routines.model import Routine

QUESTION = "How is the pain compared with last time? b better · s same · w worse · Enter to skip: "
KEYS = {"b": "better", "s": "same", "w": "worse"}
EFFORT_QUESTION = "How hard was it? e easy · r about right · h too hard · Enter to skip: "
EFFORT_KEYS = {"e": "easy", "r": "right", "h": "hard"}
THANKS = {
    "better": "Good to hear. Keep going.",
    "same": "Noted. Give it a few more sessions.",
    "worse": "Noted. Go gently; if it keeps getting worse, see a clinician.",
}


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:
        return False


def _one_key(stdin: TextIO) -> str:
    """One key press, without Enter (posix terminals), else one line."""
    if os.name != "posix":
        return stdin.readline()[:1]
    import termios
    import tty

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        return os.read(fd, 16).decode("utf-8", "replace")[:1]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _ask(
    question: str, keys: dict[str, str], thanks: dict[str, str], stdin: TextIO, stdout: TextIO
) -> str | None:
    """One answer by one key; None for Enter (or anything else), Ctrl-C, or
    when stdin and stdout are not a terminal."""
    if not (_isatty(stdin) and _isatty(stdout)):
        return None
    stdout.write(question)
    stdout.flush()
    try:
        key = _one_key(stdin).lower()
    except (KeyboardInterrupt, OSError):
        key = ""
    answer = keys.get(key)
    stdout.write((answer or "skipped") + "\n")
    if answer is not None and answer in thanks:
        stdout.write(thanks[answer] + "\n")
    stdout.flush()
    return answer


def ask_feeling(stdin: TextIO, stdout: TextIO) -> str | None:
    """Better, same or worse than last time, by one key."""
    return _ask(QUESTION, KEYS, THANKS, stdin, stdout)


def ask_effort(stdin: TextIO, stdout: TextIO) -> str | None:
    """After a programme session: easy, about right or too hard, by one key."""
    return _ask(EFFORT_QUESTION, EFFORT_KEYS, {}, stdin, stdout)


def record(
    history: History,
    routine: Routine,
    outcome: Outcome,
    feeling: str | None,
    key: str | None = None,
) -> str | None:
    """The session (and the answer) in the history under ``key`` (a new one
    when not given); None when written, else what went wrong and where the
    record waits."""
    if outcome.started_at is None or outcome.ended_at is None:
        return None
    key = key or ops.new_key()
    batch = [
        ops.started(
            key,
            routine.name,
            outcome.started_at,
            schedule=None,
            scheduled_at=None,
            source="terminal",
        ),
        ops.ended(
            key,
            outcome.ended_at,
            outcome.recorded,
            reason="stopped by you" if outcome.recorded == "stopped" else None,
            phases_done=outcome.phases_done,
            seconds_done=outcome.seconds_done,
        ),
    ]
    if feeling is not None:
        batch.append(
            ops.checkin(outcome.ended_at, feeling=feeling, routine=routine.name, session_key=key)
        )
    queue = WriteQueue(history)
    for op in batch:
        queue.submit(op)
    with contextlib.suppress(OSError):
        queue.attempt(0.0, final=True)  # written, or kept in the journal
    history.close()
    if queue.error is None:
        return None
    if queue.journalled:
        return (
            f"{queue.error} The session is kept in {history.journal_path} and goes into "
            "the history when the file can be written."
        )
    return f"{queue.error} The session could not be recorded."


def rate_and_judge(
    history_path: Path, written: Routine, key: str, effort: str, now: dt.datetime
) -> str | None:
    """A terminal programme session's effort answer kept, and the rules
    applied: what changes next time (None: nothing to say)."""
    from reminder.daemon.messages import next_time_message
    from reminder.progress.history import HistoryError
    from reminder.progress.programme_store import (
        judge_after_session,
        rate_session,
        session_id_for_key,
    )

    try:
        row = session_id_for_key(history_path, key)
        if row is None:
            # The session itself waits in the journal; its rating has no
            # row to belong to, so it is not kept (said in the issue note).
            return None
        rate_session(history_path, row, written.name, effort, now)
        judged = judge_after_session(history_path, written, row, now)
    except HistoryError as error:
        return f"{error} Levels stay as they were."
    # The same words as the daemon's last notification after a session.
    return next_time_message(None, judged.next_time, held_by=judged.held_by).body
