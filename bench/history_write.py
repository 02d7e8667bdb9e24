"""What a history write costs the daemon's thread, with the file free and
with it locked by another connection (``BEGIN EXCLUSIVE``, as a backup tool
or another `reminder` command might hold it).

The daemon's recorder (``reminder.daemon.recorder.Recorder``) with its
threaded writer, on a real SQLite file in a temporary folder: each call is
what the daemon does when a session is missed (an event logged, an op built
and queued). Timed one call at a time with perf_counter; the writer thread
writes them meanwhile. Then, for scale, how long the writer took to write
them all once the file was free.

Run: .venv/bin/python bench/history_write.py [--writes N]
Target: the daemon thread's cost under 1 ms per write (median and 99th
percentile), locked or not, at a daemon's pace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 1.0


def floor(writes: int, spacing: float) -> list[float]:
    """The same calls' logging alone, with no history at all: the machine's
    own noise (scheduling on a shared machine) at that pace."""
    from reminder.config.calendar import Occurrence
    from reminder.daemon.events import EventLog
    from reminder.daemon.recorder import Recorder

    recorder = Recorder(None, EventLog(io.StringIO(), json_lines=True))
    zone = dt.timezone.utc
    start = dt.datetime(2026, 1, 1, 10, 30, tzinfo=zone)
    costs = []
    for index in range(writes):
        occurrence = Occurrence(start + dt.timedelta(minutes=index), 0, "tiny")
        began = time.perf_counter()
        recorder.missed(occurrence, occurrence.at + dt.timedelta(minutes=20), "late", zone)
        costs.append((time.perf_counter() - began) * 1000)
        if spacing:
            time.sleep(spacing)
    return costs


def measure(
    folder: Path, writes: int, *, locked: bool, spacing: float
) -> tuple[list[float], float]:
    """Milliseconds per call on the calling thread; seconds until all were written."""
    from reminder.config.calendar import Occurrence
    from reminder.daemon.events import EventLog
    from reminder.daemon.recorder import Recorder
    from reminder.progress.history import History

    path = folder / "history.sqlite3"
    History(path).entries()
    History(path).daemon_state()  # the schema exists before anyone locks it
    log = EventLog(io.StringIO(), json_lines=True)
    recorder = Recorder(path, log, threaded=True)
    assert recorder.writer is not None  # made now, not inside the first timed write
    other = sqlite3.connect(path, isolation_level=None)
    if locked:
        other.execute("BEGIN EXCLUSIVE")
    zone = dt.timezone.utc
    start = dt.datetime(2026, 1, 1, 10, 30, tzinfo=zone)
    costs = []
    for index in range(writes):
        occurrence = Occurrence(start + dt.timedelta(minutes=index), 0, "tiny")
        now = occurrence.at + dt.timedelta(minutes=20)
        began = time.perf_counter()
        recorder.missed(occurrence, now, "late", zone)
        costs.append((time.perf_counter() - began) * 1000)
        if spacing:
            time.sleep(spacing)
    if locked:
        # Held until the writer has failed and kept the writes (3 s at
        # least: past its busy timeout and into the journal).
        held = time.perf_counter()
        while recorder.error is None or time.perf_counter() - held < 3:
            time.sleep(0.05)
        other.execute("ROLLBACK")
    other.close()
    released = time.perf_counter()
    from reminder.progress.writer import ThreadedWriter

    writer = recorder.writer
    assert isinstance(writer, ThreadedWriter)
    flushed = writer.flush(60)
    took = time.perf_counter() - released
    recorder.close()
    rows = len(History(path).entries())
    if not flushed or rows != writes:
        sys.exit(f"only {rows} of {writes} writes reached the history")
    return costs, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=2000)
    args = parser.parse_args()
    print(f"{args.writes} queued writes each, Python {sys.version.split()[0]}")
    print(
        f"{'history file, pace':<28} {'median':>9} {'p99':>9} {'max':>9}  "
        "all written (after the lock)"
    )
    # Spaced 10 ms apart as a daemon's writes come (a few a session, never
    # in bursts), and back to back, where the writer thread's Python code
    # competes with the caller for the interpreter lock.
    for spacing in (0.01, 0.0):
        pace = "10 ms apart" if spacing else "back to back"
        for history in ("none (floor)", "free", "locked"):
            took = None
            if history == "none (floor)":
                costs = floor(args.writes, spacing)
            else:
                with tempfile.TemporaryDirectory() as folder:
                    costs, took = measure(
                        Path(folder), args.writes, locked=history == "locked", spacing=spacing
                    )
            costs.sort()
            median = statistics.median(costs)
            p99 = costs[int(len(costs) * 0.99) - 1]
            verdict = "ok" if max(median, p99) < TARGET_MS else "OVER TARGET"
            written = "" if took is None else f"{took:5.2f} s"
            print(
                f"{history + ', ' + pace:<28} {median:7.3f} ms "
                f"{p99:7.3f} ms {costs[-1]:7.3f} ms  {written:>7}  {verdict}"
            )


if __name__ == "__main__":
    main()
