"""reminder beside its peers, Safe Eyes and Workrave, and the floor.

Run: bench/peers [--minutes 2 | --seconds N] [--settle 20] [--no-latency] [--keep]
(or .venv/bin/python bench/peers.py ...)

One headless session for all (Xvfb, a private session bus, real dunst as the
notification server, and a private bus standing in for the system bus, which
Safe Eyes needs; nothing runs on it, no logind). In it, side by side:

  - the floor: a bare process blocked in an APScheduler BlockingScheduler with
    jeepney loaded and a session-bus connection open (bench/daemon_idle.py's)
  - ``reminder run``, no session due for hours
  - Safe Eyes (``/usr/bin/safeeyes``, Debian package) with its defaults
  - Workrave (``/usr/bin/workrave``, Debian package) with its defaults

each with its own HOME and XDG folders. After they settle, all four are
measured over the same idle window: PSS and RSS summed over the process tree
at the end, CPU seconds (children included) and wake-ups (voluntary plus
involuntary context switches of every thread of every process of the tree)
over the window, and child processes started in it (heard from the kernel's
process connector; root only).

Before that, a latency phase (skip it with --no-latency) measures the time to
the first org.freedesktop.Notifications.Notify call each program makes on
the bus, watched by a bus monitor: reminder with a session due at the next
whole minute (times are HH:MM), Safe Eyes with a 1-minute break interval.

Targets for reminder: PSS within 3 MiB of the floor, at most
1 wake-up per idle minute, zero idle CPU.

As root, missing programs are installed with apt-get (safeeyes, workrave and
xprintidle, which Safe Eyes recommends: its smart pause polls it every 2 s).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from _desktop import Headless, context_switches, headless, pss_kib, rss_kib, write_idle_config
from daemon_idle import FLOOR

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"safeeyes": "safeeyes", "workrave": "workrave", "xprintidle": "xprintidle"}
"""Program on PATH -> the Debian package that brings it."""
SESSION_PACKAGES = {"Xvfb": "xvfb", "dunst": "dunst", "dbus-daemon": "dbus-daemon"}
SAFEEYES_CONFIG = Path("/usr/lib/python3/dist-packages/safeeyes/config/safeeyes.json")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024.0


# -- installing the peers ------------------------------------------------------


def ensure_installed() -> None:
    missing = sorted(
        {
            package
            for program, package in {**PACKAGES, **SESSION_PACKAGES}.items()
            if shutil.which(program) is None
        }
    )
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(
            f"bench/peers needs the Debian packages {' '.join(missing)}; as root run:\n"
            f"  apt-get install -y --no-install-recommends {' '.join(missing)}"
        )
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing:", " ".join(command), flush=True)
    if subprocess.run(command, env=env, check=False).returncode != 0:
        print("retrying after: apt-get update", flush=True)
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(command, env=env, check=True)


def package_version(package: str) -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "?"


# -- process trees from /proc ----------------------------------------------------


def parents() -> dict[int, int]:
    """Every live process and its parent."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def tree(root: int, parent_of: dict[int, int] | None = None) -> set[int]:
    """``root`` and its live descendants."""
    parent_of = parents() if parent_of is None else parent_of
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root] if root in parent_of else []
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def descends_from(pid: int, root: int) -> bool:
    while pid > 1:
        if pid == root:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def cpu_ticks(pid: int) -> int:
    """User and system time of the process and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15])


# -- child processes, from the kernel's process connector ---------------------------


class ForkWatch:
    """Counts processes started in given trees while counting is on.

    A netlink socket on the proc connector hears every fork and exec on the
    machine as it happens, so even a child that lives for 2 ms (Safe Eyes'
    xprintidle) is counted. Needs CAP_NET_ADMIN; otherwise ``available`` is
    False and the counts are unknown.
    """

    NETLINK_CONNECTOR = 11
    CN_IDX_PROC = 1
    CN_VAL_PROC = 1
    PROC_CN_MCAST_LISTEN = 1
    PROC_EVENT_FORK = 0x1
    PROC_EVENT_EXEC = 0x2
    EVENT_OFFSET = 16 + 20  # nlmsghdr, then cn_msg

    def __init__(self) -> None:
        self.available = False
        self.lost = False
        self._lock = threading.Lock()
        self._counting = False
        self._owner: dict[int, str] = {}
        self.spawned: dict[str, int] = {}
        self.names: dict[str, dict[str, int]] = {}
        try:
            self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, self.NETLINK_CONNECTOR)
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self._sock.bind((0, self.CN_IDX_PROC))
            body = struct.pack("=IIIIHH", self.CN_IDX_PROC, self.CN_VAL_PROC, 0, 0, 4, 0)
            body += struct.pack("=I", self.PROC_CN_MCAST_LISTEN)
            self._sock.send(struct.pack("=IHHII", 16 + len(body), 3, 0, 0, 0) + body)
        except OSError:
            return
        self.available = True
        threading.Thread(target=self._listen, daemon=True).start()

    def start(self, trees: dict[str, set[int]]) -> None:
        with self._lock:
            self._owner = {pid: name for name, pids in trees.items() for pid in pids}
            self.spawned = dict.fromkeys(trees, 0)
            self.names = {name: {} for name in trees}
            self._counting = True

    def stop(self) -> None:
        with self._lock:
            self._counting = False

    def _listen(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:  # ENOBUFS: events were dropped on a busy machine
                self.lost = True
                continue
            if len(data) < self.EVENT_OFFSET + 32:
                continue
            (what,) = struct.unpack_from("=I", data, self.EVENT_OFFSET)
            payload = self.EVENT_OFFSET + 16  # what, cpu, timestamp
            if what == self.PROC_EVENT_FORK:
                _, parent, child, child_process = struct.unpack_from("=iiii", data, payload)
                if child != child_process:
                    continue  # a new thread, not a new process
                with self._lock:
                    owner = self._owner.get(parent)
                    if owner is not None:
                        self._owner[child] = owner
                        if self._counting:
                            self.spawned[owner] += 1
            elif what == self.PROC_EVENT_EXEC:
                pid, _ = struct.unpack_from("=ii", data, payload)
                with self._lock:
                    owner = self._owner.get(pid)
                    if owner is not None and self._counting:
                        name = comm(pid)
                        self.names[owner][name] = self.names[owner].get(name, 0) + 1


# -- Notify calls, from a bus monitor ---------------------------------------------


@dataclass(frozen=True)
class Notified:
    at: float
    """time.time() when the monitor saw the call"""
    pid: int
    app_name: str
    summary: str
    body: str


class NotifyWatch:
    """Every org.freedesktop.Notifications.Notify call on the session bus, with
    the caller's pid, as a bus monitor sees it (the private bus allows it)."""

    RULE = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"

    def __init__(self, address: str) -> None:
        from jeepney.bus_messages import Monitoring
        from jeepney.io.blocking import open_dbus_connection

        self.calls: list[Notified] = []
        self._changed = threading.Condition()
        self._lookup = open_dbus_connection(address)
        self._monitor = open_dbus_connection(address)
        self._monitor.send_and_get_reply(Monitoring().BecomeMonitor([self.RULE]), timeout=5)
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        from jeepney import HeaderFields, MessageType
        from jeepney.bus_messages import message_bus

        while True:
            try:
                message = self._monitor.receive()
            except (OSError, EOFError):
                return
            seen = time.time()
            fields = message.header.fields
            if (
                message.header.message_type != MessageType.method_call
                or fields.get(HeaderFields.member) != "Notify"
                or len(message.body) < 5
            ):
                continue  # e.g. the NameLost the bus sends a new monitor
            sender = message.header.fields.get(HeaderFields.sender, "")
            try:
                reply = self._lookup.send_and_get_reply(
                    message_bus.GetConnectionUnixProcessID(sender), timeout=5
                )
                pid = int(reply.body[0])
            except (OSError, TimeoutError, IndexError, TypeError, ValueError):
                pid = 0  # the caller was gone already
            app_name, _, _, summary, body = message.body[:5]
            with self._changed:
                self.calls.append(
                    Notified(seen, pid, app_name, " ".join(summary.split()), " ".join(body.split()))
                )
                self._changed.notify_all()

    def first_from(self, root: int, timeout: float) -> Notified | None:
        """The first call from ``root`` or a process under it, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls:
                    if descends_from(call.pid, root):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._changed.wait(remaining):
                    return None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._monitor.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._monitor.close()
        self._lookup.close()


# -- the programs -------------------------------------------------------------------


@dataclass
class Program:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    on_line: Callable[[str], None] | None = None
    """Called with each line of stderr, as it comes (then stderr is a pipe)."""
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> Program:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.started = time.time()
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.PIPE if self.on_line else subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended whole in stop()
            )
        if self.on_line is not None:
            assert self.process.stderr is not None
            threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()
        return self

    def _read(self, stream: IO[bytes]) -> None:
        assert self.on_line is not None
        with self.log.open("ab") as log:
            for raw in stream:
                log.write(raw)
                log.flush()
                self.on_line(raw.decode("utf-8", "replace"))

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in text[-lines:])

    def stop(self) -> None:
        if self.process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # what it left behind in its group
            os.killpg(self.process.pid, signal.SIGKILL)


XDG = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_STATE_HOME": ".local/state",
    "XDG_DATA_HOME": ".local/share",
    "XDG_CACHE_HOME": ".cache",
    "XDG_RUNTIME_DIR": "runtime",
}
"""The usual places under HOME: Safe Eyes writes to HOME/.config whatever
XDG_CONFIG_HOME says, and reads from XDG_CONFIG_HOME."""


def folders(base: Path, env: dict[str, str], **extra: str) -> dict[str, str]:
    """A program's own HOME, XDG folders and runtime folder under ``base``."""
    for sub in XDG.values():
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / XDG["XDG_RUNTIME_DIR"]).chmod(0o700)
    return {**env, "HOME": str(base), **{k: str(base / sub) for k, sub in XDG.items()}, **extra}


def reminder_env(base: Path, env: dict[str, str]) -> dict[str, str]:
    out = folders(base, env)
    state = Path(out["XDG_STATE_HOME"]) / "reminder"
    state.mkdir(parents=True, exist_ok=True)
    (state / "welcomed").touch()  # no first-run welcome notification
    out.pop("REMINDER_CONFIG", None)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


def reminder_exe() -> str:
    return str(Path(sys.executable).parent / "reminder")


def safeeyes_config(base: Path, **changes: Any) -> None:
    """Safe Eyes' own default config, changed, where it reads it."""
    config = json.loads(SAFEEYES_CONFIG.read_text(encoding="utf-8"))
    disabled = changes.pop("disable_plugins", ())
    config.update(changes)
    for plugin in config["plugins"]:
        if plugin["id"] in disabled:
            plugin["enabled"] = False
    folder = base / XDG["XDG_CONFIG_HOME"] / "safeeyes"
    (folder / "style").mkdir(parents=True, exist_ok=True)
    (folder / "safeeyes.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    shutil.copy(SAFEEYES_CONFIG.parent / "style" / "safeeyes_style.css", folder / "style")


def prime_gtk(session: Headless) -> None:
    """Make the display like any desktop's that has already run a GTK 3
    program (its panel, say). The first GTK 3 program on an X display probes
    OpenGL to pick its visuals, which maps Mesa's software renderer (libLLVM,
    about 26 MiB), and leaves the answer on the root window (GDK_VISUALS) for
    the rest; without this, whichever peer starts first pays for it."""
    gtk = "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk"
    subprocess.run(
        ["/usr/bin/python3", "-c", gtk], env=session.env(), capture_output=True, check=True
    )
    if shutil.which("xprop"):
        found = subprocess.run(
            ["xprop", "-root", "GDK_VISUALS"],
            env=session.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if "GDK_VISUALS(" not in found.stdout:
            print("warning: GDK_VISUALS is not set: the first GTK program will probe OpenGL")


# -- latency -------------------------------------------------------------------------


@dataclass
class Latency:
    text: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def latency_phase(session: Headless, folder: Path) -> Latency:
    result = Latency()
    env = session.env()
    watch = NotifyWatch(session.bus.address)
    # reminder: a session due at the next whole minute at least 10 s away.
    now = dt.datetime.now().astimezone()
    due = (now + dt.timedelta(seconds=10)).replace(second=0, microsecond=0)
    due += dt.timedelta(minutes=1)
    home = folder / "latency-reminder"
    renv = reminder_env(home, env)
    config = home / "config.toml"
    config.write_text(
        f'[settings]\nstart = "ask"\n\n[[schedule]]\nroutine = "desk-break"\nat = ["{due:%H:%M}"]\n',
        encoding="utf-8",
    )
    ready: dict[str, Any] = {}

    def on_line(line: str) -> None:
        with contextlib.suppress(json.JSONDecodeError):
            event = json.loads(line)
            if event.get("event") == "next" and "t" not in ready:
                ready.update(t=time.time(), at=event.get("at"))

    reminder = Program(
        "reminder",
        [reminder_exe(), "run", "--log-format", "json", "--config", str(config)],
        renv,
        folder / "logs" / "latency-reminder.log",
        on_line=on_line,
    )
    # Safe Eyes: its shortest break interval, 1 minute; the pre-break
    # notification comes when the interval is up. Smart pause off: the
    # headless session has no input, so it would pause Safe Eyes after 5 s.
    home = folder / "latency-safeeyes"
    senv = folders(home, env)
    safeeyes_config(
        home, short_break_interval=1, use_rpc_server=False, disable_plugins={"smartpause"}
    )
    safeeyes = Program(
        "Safe Eyes", ["/usr/bin/safeeyes"], senv, folder / "logs" / "latency-safeeyes.log"
    )
    print(
        f"latency: reminder due at {due:%H:%M:%S}, Safe Eyes after its 1-minute interval…",
        flush=True,
    )
    try:
        reminder.start()
        safeeyes.start()
        wait = (due - dt.datetime.now().astimezone()).total_seconds() + 30
        call = watch.first_from(reminder.pid, wait)
        if call is None:
            result.text["reminder"] = "none"
            result.notes.append(f"reminder sent no notification; its log:\n{reminder.tail()}")
        else:
            late = call.at - due.timestamp()
            start_ready = ready["t"] - reminder.started if "t" in ready else float("nan")
            result.text["reminder"] = f"{late * 1000:+.0f} ms vs due; ready {start_ready:.2f} s"
            result.notes.append(
                f"reminder: session due {due:%H:%M:%S}; Notify “{call.summary}” "
                f"{late * 1000:+.0f} ms after it; `reminder run` start → ready "
                f"(its `next` event) {start_ready:.2f} s."
            )
        call = watch.first_from(safeeyes.pid, max(90 - (time.time() - safeeyes.started), 1))
        if call is None:
            result.text["Safe Eyes"] = "none"
            result.notes.append(f"Safe Eyes sent no notification; its log:\n{safeeyes.tail()}")
        else:
            took = call.at - safeeyes.started
            result.text["Safe Eyes"] = f"{took - 60:+.2f} s vs due; start→Notify {took:.1f} s"
            result.notes.append(
                f"Safe Eyes: Notify “{call.body}” {took:.2f} s after the process started, "
                f"for a 1-minute break interval: {took - 60:+.2f} s late, start-up included."
            )
    finally:
        reminder.stop()
        safeeyes.stop()
        watch.close()
    result.text["Workrave"] = "n/a (own windows)"
    result.text["floor"] = "—"
    return result


# -- the idle window -------------------------------------------------------------------


@dataclass
class Reading:
    pids: set[int]
    switches: dict[int, int]
    ticks: dict[int, int]
    pss: int = 0
    rss: int = 0


def read_tree(root: int, parent_of: dict[int, int], memory: bool = False) -> Reading:
    reading = Reading(tree(root, parent_of), {}, {})
    for pid in sorted(reading.pids):
        try:
            reading.switches[pid] = context_switches(pid)
            reading.ticks[pid] = cpu_ticks(pid)
            if memory:
                reading.pss += pss_kib(pid)
                reading.rss += rss_kib(pid)
        except (FileNotFoundError, ProcessLookupError, RuntimeError):
            reading.switches.pop(pid, None)
            reading.ticks.pop(pid, None)
    reading.pids = set(reading.switches)
    return reading


@dataclass
class Row:
    name: str
    pss: float = float("nan")
    rss: float = float("nan")
    processes: str = "—"
    cpu_per_hour: float = float("nan")
    cpu_ticks: int = 0
    wakeups: float = float("nan")
    spawned: str = "—"
    latency: str = "—"
    notes: list[str] = field(default_factory=list)


def idle_programs(session: Headless, folder: Path) -> list[Program]:
    env = session.env()
    logs = folder / "logs"
    home = folder / "idle-reminder"
    renv = reminder_env(home, env)
    config = write_idle_config(home)
    return [
        Program(
            "floor",
            [sys.executable, "-c", FLOOR],
            folders(folder / "idle-floor", env),
            logs / "floor.log",
        ),
        Program(
            "reminder",
            [reminder_exe(), "run", "--log-format", "json", "--config", str(config)],
            renv,
            logs / "reminder.log",
        ),
        Program(
            "Safe Eyes",
            ["/usr/bin/safeeyes"],
            folders(folder / "idle-safeeyes", env),
            logs / "safeeyes.log",
        ),
        Program(
            "Workrave",
            ["/usr/bin/workrave"],
            folders(folder / "idle-workrave", env, GSETTINGS_BACKEND="memory"),
            logs / "workrave.log",
        ),
    ]


def idle_phase(
    programs: list[Program], seconds: float, settle: float, forks: ForkWatch
) -> list[Row]:
    for program in programs:
        program.start()
    time.sleep(settle)  # start-up, then idle
    running = [p for p in programs if p.alive()]
    parent_of = parents()
    before = {p.name: read_tree(p.pid, parent_of) for p in running}
    forks.start({name: reading.pids for name, reading in before.items()})
    print(f"measuring {seconds:g} s of idle…", flush=True)
    time.sleep(seconds)
    parent_of = parents()
    after = {p.name: read_tree(p.pid, parent_of, memory=True) for p in running}
    forks.stop()
    rows = []
    for program in programs:
        row = Row(program.name)
        rows.append(row)
        if program not in running or not program.alive():
            state = program.process.returncode if program.process else None
            row.notes.append(f"{program.name} exited (status {state}); its log:\n{program.tail()}")
            row.processes = "exited"
            continue
        old, new = before[program.name], after[program.name]
        row.pss, row.rss = new.pss / MIB, new.rss / MIB
        row.processes = str(len(new.pids))
        switches = sum(n - old.switches.get(pid, 0) for pid, n in new.switches.items())
        ticks = sum(n - old.ticks.get(pid, 0) for pid, n in new.ticks.items())
        row.wakeups = switches * 60 / seconds
        row.cpu_ticks = ticks
        row.cpu_per_hour = ticks / CLOCK_TICKS * 3600 / seconds
        gone = old.pids - new.pids
        if gone:
            row.notes.append(
                f"{program.name}: {len(gone)} process(es) of its tree ended in the window "
                "(their context switches are not counted)"
            )
        names = ", ".join(f"{comm(pid)}" for pid in sorted(new.pids))
        row.notes.append(f"{program.name}: {len(new.pids)} process(es) at the end: {names}")
        if forks.available:
            count = forks.spawned.get(program.name, 0)
            row.spawned = f"{count * 60 / seconds:.1f}"
            if count:
                what = ", ".join(f"{n}× {name}" for name, n in forks.names[program.name].items())
                row.notes.append(f"{program.name}: started {count} process(es): {what}")
    return rows


# -- the report ----------------------------------------------------------------------


def ratio(peer: float, ours: float, unit: str = "") -> str:
    """peer ÷ ours, or both values when ours is zero."""
    if math.isnan(peer) or math.isnan(ours):
        return "—"
    if ours == 0:
        return f"{peer:.3g}{unit} vs 0" if peer else "0 vs 0"
    return f"{peer / ours:.1f}×"


def report(rows: list[Row], seconds: float) -> None:
    headers = (
        "program",
        "PSS MiB",
        "RSS MiB",
        "processes",
        "CPU s/h",
        "wake-ups/min",
        "children/min",
        "first notification",
    )
    table = [
        (
            row.name,
            f"{row.pss:.2f}",
            f"{row.rss:.2f}",
            row.processes,
            f"{row.cpu_per_hour:.2f}",
            f"{row.wakeups:.1f}",
            row.spawned,
            row.latency,
        )
        for row in rows
    ]
    print()
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for line in table:
        print("| " + " | ".join(line) + " |")
    by = {row.name: row for row in rows}
    ours, floor = by["reminder"], by["floor"]
    print()
    print("Ratios, peer ÷ reminder:")
    for name in ("Safe Eyes", "Workrave"):
        peer = by[name]
        print(
            f"  {name:<10} PSS {ratio(peer.pss, ours.pss)}, wake-ups "
            f"{ratio(peer.wakeups, ours.wakeups, '/min')}, "
            f"CPU {ratio(peer.cpu_per_hour, ours.cpu_per_hour, ' s/h')}"
        )
    pss_over, rss_over = ours.pss - floor.pss, ours.rss - floor.rss
    print(f"reminder − floor: PSS {pss_over:+.2f} MiB, RSS {rss_over:+.2f} MiB")
    print("Targets for reminder:")
    print(
        f"  PSS within 3 MiB of the floor: {'met' if pss_over <= 3 else 'NOT met'} "
        f"({pss_over:+.2f} MiB)"
    )
    print(
        f"  at most 1 wake-up per idle minute: {'met' if ours.wakeups <= 1 else 'NOT met'} "
        f"({ours.wakeups:.1f}/min)"
    )
    print(
        f"  zero idle CPU: {'met' if ours.cpu_ticks == 0 else 'NOT met'} "
        f"({ours.cpu_ticks} clock ticks of 1/{CLOCK_TICKS} s over {seconds:g} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=2, help="idle window (default 2)")
    parser.add_argument("--seconds", type=float, help="idle window in seconds, for a quick run")
    parser.add_argument("--settle", type=float, default=20, help="seconds to settle (default 20)")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency phase")
    parser.add_argument("--keep", action="store_true", help="keep the folder of homes and logs")
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    ensure_installed()
    print(
        f"Python {sys.version.split()[0]} ({sys.executable}); {platform.platform()}; "
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(
        f"Safe Eyes {package_version('safeeyes')}, Workrave {package_version('workrave')}, "
        f"dunst {package_version('dunst')}; idle window {seconds:g} s after {args.settle:g} s "
        "to settle",
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="reminder-peers-"))
    forks = ForkWatch()
    failed = False
    try:
        with headless(folder) as session:
            prime_gtk(session)
            latency = Latency() if args.no_latency else latency_phase(session, folder)
            programs = idle_programs(session, folder)
            try:
                rows = idle_phase(programs, seconds, args.settle, forks)
            finally:
                for program in programs:
                    program.stop()
    finally:
        if args.keep:
            print(f"homes and logs kept in {folder}")
    for row in rows:
        row.latency = latency.text.get(row.name, "—")
        failed = failed or row.processes == "exited"
    report(rows, seconds)
    print()
    print("Notes:")
    for note in [*latency.notes, *(note for row in rows for note in row.notes)]:
        print("  " + note)
    if not forks.available:
        print("  children/min unknown: the kernel's process connector needs root")
    elif forks.lost:
        print("  some process events were dropped (busy machine): children/min is a lower bound")
    print(DEFINITIONS)
    if failed:
        print(f"a program exited: homes and logs kept in {folder}")
    elif not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


DEFINITIONS = """
Definitions: PSS, RSS summed over the process tree at the end of the window
(PSS shares each shared page among the processes that map it). CPU s/h: user
plus system time over the window, children it waited for included, per hour.
Wake-ups: voluntary plus involuntary context switches of every thread of every
process of the tree over the window, per minute. children/min: processes the
tree started in the window (each also costs wake-ups, not counted above).
First notification: the first Notify call on the bus, as a bus monitor saw it.
reminder: against the session's due time (a whole minute, set in its config),
and `reminder run` start to ready; Safe Eyes: process start to its pre-break
notification, minus its 1-minute break interval (so start-up counts); Workrave
sends no desktop notifications (its break windows are its own) and counts
only keyboard and mouse activity, of which a headless session has none.
"""


if __name__ == "__main__":
    main()
