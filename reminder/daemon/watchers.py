"""Things the daemon must hear about without polling: config edits, clock
changes and resume from suspend.

On Linux each is a thread blocked in the kernel (an inotify read, a timerfd
read, a D-Bus socket read), so an idle daemon has no periodic wake-ups.
watchdog would do the file part portably, but its observer costs ~3.6 MiB and
wakes several times a second (measured with watchdog 7.1), against a budget
of 22 MiB and one wake-up a minute; elsewhere a slow poll stands in.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_IS_LINUX = sys.platform.startswith("linux")


@functools.cache
def _libc() -> ctypes.CDLL:
    # The process's own symbols include libc's; find_library would run ldconfig.
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


# -- config and routine files ------------------------------------------------

_IN_MODIFY = 0x2
_IN_ATTRIB = 0x4
_IN_CLOSE_WRITE = 0x8
_IN_MOVED_FROM = 0x40
_IN_MOVED_TO = 0x80
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_IN_IGNORED = 0x8000
_IN_CLOEXEC = 0o2000000
_WATCH_MASK = (
    _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_ATTRIB
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
    | _IN_MODIFY
)
_EVENT = struct.Struct("iIII")


def _nearest_existing(folder: Path) -> tuple[Path, str | None]:
    """The folder if it exists, else its closest existing ancestor and the
    name of the child on the way down that we wait to see created."""
    child: str | None = None
    while not folder.is_dir() and folder.parent != folder:
        child = folder.name
        folder = folder.parent
    return folder, child


def link_chain(file: Path) -> list[Path]:
    """``file``, every link it goes through, and the file it ends at: a
    config kept by a dotfile manager is a link into another folder, where
    the edits happen."""
    chain = [file]
    current = file
    for _hop in range(40):  # the kernel's own limit on links in a row
        try:
            target = current.readlink()
        except OSError:
            break  # not a link (or not there): the chain ends
        current = Path(os.path.normpath(current.parent / target))
        if current in chain:
            break  # a loop
        chain.append(current)
    real = Path(os.path.realpath(file))
    if real not in chain:
        chain.append(real)  # through a linked folder on the way
    return chain


class FileWatcher:
    """Calls ``on_change`` when any of the watched files may have changed.

    Watches folders, not files, so that editors that save by writing a new
    file and renaming it over the old one are seen; folders that do not exist
    yet are waited for from their closest existing ancestor. A file that is a
    symbolic link is watched where it points too, and the links are followed
    again after every change (a link may be pointed elsewhere).
    """

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self._lock = threading.Lock()
        self._files: tuple[Path, ...] = ()
        self._folders: tuple[Path, ...] = ()
        self._by_wd: dict[int, tuple[set[str], bool]] = {}  # wd -> (names, any *.toml)
        self._fd: int | None = None
        self._thread: threading.Thread | None = None
        self._signature: object = None
        self._closed = False

    def watch(self, files: Iterable[Path], folders: Iterable[Path]) -> None:
        """Replace what is watched: these files, and every *.toml in these folders."""
        with self._lock:
            self._files, self._folders = tuple(files), tuple(folders)
        if _IS_LINUX:
            self._rewatch()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._read_loop, name="file-watch", daemon=True
                )
                self._thread.start()
        elif self._thread is None:
            self._signature = self._stat_signature()
            self._thread = threading.Thread(target=self._poll_loop, name="file-poll", daemon=True)
            self._thread.start()

    def _wanted(self) -> dict[Path, set[str] | None]:
        """Folder -> names of interest in it (None: any *.toml), links followed
        as they are now. Called with the lock held."""
        wanted: dict[Path, set[str] | None] = {}
        for file in self._files:
            for path in link_chain(file):
                names = wanted.setdefault(path.parent, set())
                if names is not None:
                    names.add(path.name)
        for folder in self._folders:
            wanted[folder] = None
        return wanted

    def close(self) -> None:
        """Stop watching: the kernel's watches go, which wakes the reading
        thread (IN_IGNORED), and it ends."""
        with self._lock:
            self._closed = True
            self._files, self._folders = (), ()
            if self._fd is not None:
                for wd in self._by_wd:
                    _libc().inotify_rm_watch(self._fd, wd)
            self._by_wd = {}

    def _rewatch(self) -> bool:
        """Bring the kernel's watches in line with what is wanted.

        Adding a watch on a folder already watched returns the same
        descriptor, so only folders no longer wanted are removed: removing
        and re-adding everything would make the kernel report IN_IGNORED,
        which would look like a change. A folder created between looking
        and watching sends no event, so look again until nothing moved;
        True when something did (files may have appeared unseen).
        """
        libc = _libc()
        moved = False
        with self._lock:
            if self._fd is None:
                self._fd = _check(libc.inotify_init1(_IN_CLOEXEC))
            for _attempt in range(8):
                targets = self._targets()
                watches: dict[int, tuple[set[str], bool]] = {}
                for folder, target in targets.items():
                    wd = libc.inotify_add_watch(self._fd, os.fsencode(folder), _WATCH_MASK)
                    if wd >= 0:
                        watches[wd] = target
                for wd in set(self._by_wd) - set(watches):
                    libc.inotify_rm_watch(self._fd, wd)
                self._by_wd = watches
                if self._targets().keys() == targets.keys():
                    break
                moved = True
        return moved

    def _targets(self) -> dict[Path, tuple[set[str], bool]]:
        """Folder to watch -> (names of interest, any *.toml)."""
        targets: dict[Path, tuple[set[str], bool]] = {}
        for folder, names in self._wanted().items():
            existing, child = _nearest_existing(folder)
            wanted_names, _ = targets.setdefault(existing, (set(), False))
            if child is not None:
                wanted_names.add(child)
            elif names is None:
                targets[existing] = (wanted_names, True)
            else:
                wanted_names.update(names)
        return targets

    def _interesting(self, wd: int, name: str) -> bool:
        with self._lock:
            target = self._by_wd.get(wd)
        if target is None:
            return False  # a watch since removed
        if not name:
            return True  # the folder itself
        names, any_toml = target
        return name in names or (any_toml and name.endswith(".toml"))

    def _read_loop(self) -> None:
        assert self._fd is not None
        while True:
            try:
                # os.read holds a buffer this size while it blocks, all day:
                # 4 KiB takes 15 events of the longest names (272 bytes each)
                # in one read, and the rest wait for the next.
                data = os.read(self._fd, 4096)
            except OSError:
                return
            with self._lock:
                if self._closed:
                    os.close(self._fd)
                    self._fd = None
                    return
            changed = structural = False
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                raw = data[offset + _EVENT.size : offset + _EVENT.size + length]
                name = os.fsdecode(raw.rstrip(b"\0"))
                offset += _EVENT.size + length
                if mask & _IN_IGNORED:
                    continue  # a watch went away; what removed it is reported too
                if mask & (_IN_DELETE_SELF | _IN_MOVE_SELF):
                    structural = True
                if self._interesting(wd, name):
                    changed = True
                    if mask & (_IN_CREATE | _IN_MOVED_TO | _IN_DELETE | _IN_MOVED_FROM):
                        structural = True
            # Links are followed again after every change: one may now point
            # elsewhere, or the file it pointed to may be back.
            if (structural or changed) and self._rewatch():
                changed = True
            if changed:
                self._on_change()

    def _stat_signature(self) -> object:
        signature = []
        with self._lock:
            wanted = self._wanted()
        for folder, names in wanted.items():
            try:
                entries = sorted(folder.iterdir()) if folder.is_dir() else []
            except OSError:
                entries = []
            for entry in entries:
                if (names is None and entry.suffix == ".toml") or (names and entry.name in names):
                    try:
                        stat = entry.stat()
                        signature.append((str(entry), stat.st_mtime_ns, stat.st_size))
                    except OSError:
                        continue
        return signature

    def _poll_loop(self) -> None:  # pragma: no cover - macOS and Windows
        while not self._closed:
            time.sleep(2)
            signature = self._stat_signature()
            if signature != self._signature:
                self._signature = signature
                self._on_change()


# -- the wall clock ------------------------------------------------------------

_CLOCK_REALTIME = 0
_TFD_CLOEXEC = 0o2000000
_TFD_TIMER_ABSTIME = 1
_TFD_TIMER_CANCEL_ON_SET = 2


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def wall_minus_boot() -> float:
    """Wall clock minus time since boot (sleep included): constant while the
    clock runs and while the computer sleeps; it moves when the clock is set."""
    boottime = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)
    return time.time() - time.clock_gettime(boottime)


ClockHandler = Callable[[str, float], None]
"""``(why, jump)``: why is "timer" (a wall-clock deadline came) or "clock-set";
jump is how many seconds the wall clock was set forward (negative: back)."""


class ClockWatcher:
    """Wakes the daemon at wall-clock deadlines and when the clock is set.

    A timerfd on CLOCK_REALTIME with an absolute deadline fires at the right
    wall time even after a suspend, and TFD_TIMER_CANCEL_ON_SET makes the read
    fail with ECANCELED the moment anyone sets the clock. Elsewhere a thread
    compares the wall clock with the monotonic one every 30 s.
    """

    _FAR = 365 * 24 * 3600

    def __init__(self, on_event: ClockHandler) -> None:
        self._on_event = on_event
        self._offset = wall_minus_boot()
        self._deadline: float | None = None
        self._fd: int | None = None
        self._libc: ctypes.CDLL | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        if _IS_LINUX:
            try:
                self._libc = _libc()
                self._fd = _check(self._libc.timerfd_create(_CLOCK_REALTIME, _TFD_CLOEXEC))
            except (OSError, AttributeError):
                self._fd = None
        if self._fd is not None:
            self._arm()
            target = self._read_loop
        else:  # pragma: no cover - macOS and Windows
            target = self._poll_loop
        self._thread = threading.Thread(target=target, name="clock-watch", daemon=True)
        self._thread.start()

    def arm(self, deadline: float | None) -> None:
        """Wake at ``deadline`` (a POSIX timestamp), or only on a clock change."""
        with self._lock:
            self._deadline = deadline
        if self._fd is not None:
            self._arm()

    def _arm(self) -> None:
        assert self._fd is not None
        assert self._libc is not None
        now = time.time()
        with self._lock:
            # A deadline already past needs no timer (the scheduler is about to
            # run it); arming one would fire at once, again and again.
            wanted = self._deadline
            deadline = wanted if wanted is not None and wanted > now else now + self._FAR
        seconds = int(deadline)
        spec = _Itimerspec()
        spec.it_value.tv_sec = max(seconds, 1)
        spec.it_value.tv_nsec = int((deadline - seconds) * 1e9) if seconds > 0 else 0
        _check(
            self._libc.timerfd_settime(
                self._fd, _TFD_TIMER_ABSTIME | _TFD_TIMER_CANCEL_ON_SET, ctypes.byref(spec), None
            )
        )

    def stop(self) -> None:
        self._stopping = True

    def _jump(self) -> float:
        offset = wall_minus_boot()
        jump, self._offset = offset - self._offset, offset
        return jump

    def _read_loop(self) -> None:
        assert self._fd is not None
        while not self._stopping:
            try:
                os.read(self._fd, 8)
                why = "timer"
                with self._lock:
                    self._deadline = None
            except OSError as error:
                if error.errno != errno.ECANCELED:
                    return
                why = "clock-set"
            try:
                self._arm()
            except OSError:
                return
            if not self._stopping:
                self._on_event(why, self._jump())

    def _poll_loop(self) -> None:  # pragma: no cover - macOS and Windows
        while not self._stopping:
            time.sleep(30)
            jump = self._jump()
            with self._lock:
                due = self._deadline is not None and time.time() >= self._deadline
            if abs(jump) > 2 or due:
                self._on_event("clock-set" if abs(jump) > 2 else "timer", jump)


# -- suspend and resume ----------------------------------------------------------


class SleepWatcher:
    """Hears logind's PrepareForSleep on the system bus, when there is one."""

    def __init__(self, on_resume: Callable[[], None], on_sleep: Callable[[], None]) -> None:
        self._on_resume = on_resume
        self._on_sleep = on_sleep
        self._router: object = None

    def start(self) -> bool:
        """True when listening; False when there is no system bus or logind."""
        from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
        from jeepney.io.threading import open_dbus_connection

        from reminder.notify.freedesktop import close_connection, quiet_router

        try:
            connection = open_dbus_connection(bus="SYSTEM", auth_timeout=2)
        except (OSError, ValueError, KeyError, TimeoutError, RuntimeError):
            return False
        router = quiet_router(connection)
        rule = MatchRule(
            type="signal",
            interface="org.freedesktop.login1.Manager",
            member="PrepareForSleep",
            path="/org/freedesktop/login1",
        )
        try:
            router.send_and_get_reply(
                new_method_call(message_bus, "AddMatch", "s", (rule.serialise(),)), timeout=5
            )
            logind = DBusAddress(
                "/org/freedesktop/login1",
                bus_name="org.freedesktop.login1",
                interface="org.freedesktop.DBus.Peer",
            )
            reply = router.send_and_get_reply(new_method_call(logind, "Ping"), timeout=5)
            if reply.header.message_type.name == "error":
                raise RuntimeError(reply.body)
        except Exception:  # noqa: BLE001 - no logind here: nothing to listen to
            router.close()
            close_connection(connection)
            return False
        router.filter(rule, queue=_Callback(self._signal))
        self._router = router
        return True

    def _signal(self, message: object) -> None:
        body = getattr(message, "body", ())
        if body and body[0]:
            self._on_sleep()
        else:
            self._on_resume()


class _Callback:
    """A queue-like sink for jeepney's router filters: calls a function."""

    def __init__(self, function: Callable[[object], None]) -> None:
        self._function = function

    def put_nowait(self, item: object) -> None:
        self._function(item)
