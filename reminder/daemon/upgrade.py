"""reminder updated on disk while the daemon runs (an upgrade, or installing
again): the daemon restarts into the new version as soon as it is idle.

What only a session needs is imported with the first session (an idle daemon
does not carry it), so a daemon left running across an upgrade would mix the
old code in memory with the new files on disk, and could fail at the next
session. Instead the package's ``__init__.py`` is watched with the config
files; once it has been replaced and has stayed the same for ``SETTLE`` (an
installer writes many files), the daemon stops as for SIGTERM and executes
itself again: same process, same arguments, the new code. Never during a
session, a start question, a hold or a pause: it waits for the daemon to be
idle. Skips and snoozes are stored, so they outlive the restart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reminder.daemon.state import State

if TYPE_CHECKING:
    from reminder.daemon.coordinator import Daemon

SETTLE = dt.timedelta(seconds=5)
"""How long the installed files must stay unchanged before the restart."""


def package_file() -> Path:
    """The installed package's ``__init__.py``: replaced by every install."""
    import reminder

    return Path(reminder.__file__)


def fingerprint(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when the file is written again or replaced (None: gone)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


class UpgradeWatch:
    """Whether the installed reminder is still the one this daemon runs."""

    def __init__(self, read: Callable[[], object]) -> None:
        self._read = read
        self._start = read()
        self._seen = self._start
        self.wanted = False
        """Replaced and settled: restart when idle."""

    def settled(self) -> bool | None:
        """True: replaced since the start and unchanged since the last look;
        None: changed since the last look (look again after ``SETTLE``);
        False: as at the start, or gone (nothing to restart into)."""
        now = self._read()
        if now != self._seen:
            self._seen = now
            return None
        return now is not None and now != self._start


def files_changed(daemon: Daemon) -> None:
    """A watched file changed (called from the file watcher's thread): maybe
    the config, maybe reminder itself."""
    daemon.reload_soon()
    if daemon.upgrade is not None:
        daemon.at("upgrade", daemon.clock() + SETTLE, lambda: look(daemon))


def look(daemon: Daemon) -> None:
    watch = daemon.upgrade
    if watch is None:
        return
    settled = watch.settled()
    if settled is None:
        daemon.at("upgrade", daemon.clock() + SETTLE, lambda: look(daemon))
    elif settled:
        watch.wanted = True
        restart_if_idle(daemon)


def restart_if_idle(daemon: Daemon) -> None:
    """Restart now if an update waits and nothing would be cut short."""
    watch = daemon.upgrade
    if watch is None or not watch.wanted or daemon.stopped.is_set():
        return
    if daemon.state is not State.IDLE:
        return  # called again when the daemon is next idle (Daemon.enter)
    daemon.log(
        "updated",
        "reminder was updated on disk; restarting to run the new version.",
        path=str(package_file()),
    )
    daemon.restart_wanted = True
    daemon.shutdown("restarting into the updated reminder")
