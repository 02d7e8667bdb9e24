"""A private session bus with dbusmock's notification server, for benchmarks,
and readings of a process's memory, wake-ups and CPU from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# The tests' real desktop components, reused rather than written twice.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support.desktop import MockServer, SessionBus


@contextlib.contextmanager
def desktop() -> Iterator[tuple[dict[str, str], Path]]:
    """Yields the environment for processes on a bus with a notification
    server, and a fresh home for reminder's config and state (first-run
    welcome already seen, bytecode cached as after a pip install)."""
    folder = Path(tempfile.mkdtemp(prefix="reminder-bench-"))
    bus = SessionBus(folder)
    server = MockServer(bus, "body actions", folder / "dbusmock.log")
    try:
        bus.start()
        server.start()
        home = folder / "home"
        (home / "reminder").mkdir(parents=True)
        (home / "reminder" / "welcomed").touch()
        env = bus.env(
            XDG_RUNTIME_DIR=str(folder), XDG_CONFIG_HOME=str(home), XDG_STATE_HOME=str(home)
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("REMINDER_CONFIG", None)
        yield env, home
    finally:
        server.stop()
        bus.stop()
        shutil.rmtree(folder, ignore_errors=True)


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError("no Pss line")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches of every thread: wake-ups."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
