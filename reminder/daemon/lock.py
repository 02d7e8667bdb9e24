"""One daemon per user: an exclusive lock on ``daemon.pid`` in the state folder.

The lock lives in the state folder, not the runtime folder: tmpfiles
cleaning or a logout may delete ``$XDG_RUNTIME_DIR/reminder`` under a running
daemon, and a lock there would then let a second daemon start (and every
session run twice). The kernel drops the lock when the process dies, so a
stale file never blocks a start. The file is opened without following
links, in a folder checked to be ours and private.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from reminder.errors import ExitStatus, ReminderError
from reminder.files import open_private, private_folder
from reminder.paths import Paths

LOCK_NAME = "daemon.pid"


class InstanceLock:
    """Held from ``acquire`` until ``release`` or the process ends."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir
        self.path = state_dir / LOCK_NAME
        self._fd: int | None = None
        self.tightened = False
        """True when the state folder was open to others and was made 0700."""

    def acquire(self) -> None:
        """Take the lock and write our pid; ReminderError (exit 1) naming the
        running daemon's pid when another holds it, or naming the folder when
        it is not ours to use."""
        self.tightened = private_folder(
            self.folder, holds="history and lock file", setting="XDG_STATE_HOME"
        )
        fd = open_private(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            pid = _read(fd) or "unknown"
            os.close(fd)
            raise ReminderError(
                f"reminder is already running (pid {pid}); only one runs per user. "
                "Stop it first if you want to start it again.",
                ExitStatus.FAILURE,
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # a full disk: the lock holds all the same; only the pid is not shown
        self._fd = fd

    def release(self) -> None:
        """Let another daemon start. The file stays: removing it would let two
        daemons lock two different files of the same name."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return ""


def claim(paths: Paths, log: Callable[..., None]) -> InstanceLock:
    """What ``reminder run`` does before it opens anything: take the
    single-instance lock in the state folder, make the state folder and the
    history private (saying once what was tightened), and check the runtime
    folder (ours, 0700, not a link). ReminderError (exit 1) naming the folder
    and the fix when one is not ours to use."""
    lock = InstanceLock(paths.state_dir)
    lock.acquire()
    try:
        if lock.tightened:
            log(
                "state-folder-tightened",
                f"{paths.state_dir} was open to other users; made it private (0700).",
                folder=str(paths.state_dir),
            )
        from reminder.progress.records import make_private

        tightened = make_private(paths.history_db)
        if tightened:
            log(
                "history-tightened",
                "Made the history private (only you can read it now; check-in notes are "
                "health data): " + ", ".join(str(p) for p in tightened) + ".",
                files=[str(p) for p in tightened],
            )
        if private_folder(paths.runtime_dir, holds="control socket", setting="XDG_RUNTIME_DIR"):
            log(
                "runtime-folder-tightened",
                f"{paths.runtime_dir} was open to other users; made it private (0700).",
                folder=str(paths.runtime_dir),
            )
        _refuse_planted(paths.runtime_dir / LOCK_NAME)
    except BaseException:
        lock.release()
        raise
    return lock


def _refuse_planted(path: Path) -> None:
    """Until the daemon stops taking its old lock in the runtime folder
    (which follows links): a link or non-file there is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise ReminderError(
            f"{path} is not a regular file (a symbolic link someone planted?), so reminder "
            "will not open it. Remove it and start again."
        )
