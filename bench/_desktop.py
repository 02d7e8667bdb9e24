"""A private session bus with dbusmock's notification server, for benchmarks;
a whole headless session (Xvfb, buses, real dunst) for running desktop
programs side by side; and readings of a process's memory, wake-ups and CPU
from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_components import BUS_NAME, MockServer, SessionBus, start_xvfb, stop_process


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


@dataclass(frozen=True)
class Headless:
    """A running headless session: what its processes need in their environment."""

    display: str
    bus: SessionBus
    system_bus: SessionBus

    def env(self, **extra: str) -> dict[str, str]:
        return self.bus.env(
            DISPLAY=self.display, DBUS_SYSTEM_BUS_ADDRESS=self.system_bus.address, **extra
        )


@contextlib.contextmanager
def headless(folder: Path) -> Iterator[Headless]:
    """Xvfb on a free display, a private session bus with real dunst as its
    notification server, and a second private bus standing in for the system
    bus (nothing on it: no logind). The buses activate no services, so
    nothing starts behind a benchmark's back (no at-spi, no stray dunst).
    Logs go to ``folder``."""
    xvfb_exe, dunst_exe = shutil.which("Xvfb"), shutil.which("dunst")
    if xvfb_exe is None or dunst_exe is None:
        raise SystemExit("needs Xvfb and dunst: apt-get install xvfb dunst")
    (folder / "session").mkdir(parents=True, exist_ok=True)
    (folder / "system").mkdir(exist_ok=True)
    bus, system_bus = SessionBus(folder / "session"), SessionBus(folder / "system")
    xvfb, display = start_xvfb(xvfb_exe, folder / "xvfb.log", "1280x800x24")
    dunst: subprocess.Popen[bytes] | None = None
    try:
        bus.start()
        system_bus.start()
        session = Headless(display, bus, system_bus)
        config = folder / "dunstrc"
        config.write_text("", encoding="utf-8")
        with (folder / "dunst.log").open("wb") as log:
            dunst = subprocess.Popen(
                [dunst_exe, "-config", str(config)],
                env=session.env(HOME=str(folder)),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        bus.wait_for_name(BUS_NAME, owned=True)
        yield session
    finally:
        if dunst is not None:
            stop_process(dunst)
        system_bus.stop()
        bus.stop()
        stop_process(xvfb)


def write_idle_config(home: Path) -> Path:
    """A reminder config in ``home`` whose next session is hours away whatever
    the time now (the example's desk-break runs every 2 h from 09:00)."""
    config = home / "config.toml"
    hour = (time.localtime().tm_hour + 6) % 24
    config.write_text(
        f'[[schedule]]\nroutine = "gluteus-medius"\nat = ["{hour:02d}:00"]\n', encoding="utf-8"
    )
    return config


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError("no Pss line")


def uss_kib(pid: int) -> int:
    """Private memory (USS): pages no other process maps, clean or dirty.
    Unlike PSS it does not split shared pages, but a library's pages count
    only while no other process maps the same file (see ``library_sharers``)."""
    private = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            private += int(line.split()[1])
    return private


def mapped_libraries(pid: int) -> set[str]:
    """The shared libraries (``.so`` files) a process maps."""
    libraries: set[str] = set()
    try:
        text = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return libraries
    for line in text.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and ".so" in Path(parts[5]).name:
            libraries.add(parts[5])
    return libraries


def library_sharers(pid: int, besides: set[int]) -> dict[str, list[int]]:
    """The libraries ``pid`` maps that no process in ``besides`` maps, and
    which other processes on the machine map them too: while they do, those
    pages are shared and drop out of ``pid``'s USS."""
    own = mapped_libraries(pid) - set().union(*(mapped_libraries(p) for p in besides))
    sharers: dict[str, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in besides | {pid}:
            continue
        for library in own & mapped_libraries(int(entry.name)):
            sharers.setdefault(library, []).append(int(entry.name))
    return sharers


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
