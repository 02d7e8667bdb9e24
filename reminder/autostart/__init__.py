"""Start the daemon at login: ``reminder install`` and ``reminder uninstall``.

One module per method, each writing one file in the login system's own
place (not reminder's folders, so not paths.py's):

- ``systemd``: a user service, $XDG_CONFIG_HOME/systemd/user/reminder.service
- ``xdg``: a desktop autostart entry, $XDG_CONFIG_HOME/autostart/reminder.desktop
- ``launchd``: a macOS agent, ~/Library/LaunchAgents/org.reminder.daemon.plist
- ``windows``: %APPDATA%\\...\\Start Menu\\Programs\\Startup\\reminder.vbs

Install and uninstall return the actions done (with ``dry_run``, the actions
that would be done, and nothing is touched). A file whose content does not
carry our marker is never overwritten or removed. Commands run through the
injected ``run`` (``subprocess.run`` for real), so tests record them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reminder.autostart.common import (
    Action,
    Method,
    Runner,
    Step,
    Write,
    action,
    check_command,
    display_path,
    execute,
    not_ours,
    read_entry,
)
from reminder.errors import ExitStatus, ReminderError

__all__ = [
    "METHODS",
    "Action",
    "Found",
    "default_command",
    "default_method",
    "entry_path",
    "install",
    "install_message",
    "is_ours",
    "methods_here",
    "plan_install",
    "uninstall",
    "uninstall_found",
    "uninstall_found_message",
    "uninstall_message",
]

METHODS = ("systemd", "xdg", "launchd", "windows")

PROBE_TIMEOUT = 5.0
"""Seconds ``systemctl --user show-environment`` may take to say systemd is there."""

_SAME_SESSION = {"systemd": "xdg", "xdg": "systemd"}
"""Methods that would both start the daemon in one Linux login."""


def _method(name: str) -> Method:
    if name == "systemd":
        from reminder.autostart import systemd

        return systemd.METHOD
    if name == "xdg":
        from reminder.autostart import xdg

        return xdg.METHOD
    if name == "launchd":
        from reminder.autostart import launchd

        return launchd.METHOD
    if name == "windows":
        from reminder.autostart import windows

        return windows.METHOD
    raise ReminderError(
        f"{name!r} is not a way to start at login; choose one of {', '.join(METHODS)}.",
        ExitStatus.USAGE,
    )


def default_method(
    platform: str = sys.platform,
    environ: Mapping[str, str] = os.environ,
    run: Runner = subprocess.run,
) -> str:
    """launchd on macOS, windows on Windows; on Linux systemd when the user's
    service manager answers, else xdg."""
    if platform == "darwin":
        return "launchd"
    if platform == "win32":
        return "windows"
    if not platform.startswith("linux"):
        return "xdg"
    try:
        # show-environment, not is-system-running: that one fails whenever
        # any unit has failed ("degraded"), though the manager works.
        result = run(
            ["systemctl", "--user", "show-environment"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            check=False,
            env=dict(environ),
        )
    except (OSError, subprocess.SubprocessError):
        return "xdg"
    return "systemd" if result.returncode == 0 else "xdg"


def default_command(method: str, executable: str | None = None) -> list[str]:
    """The absolute daemon command for a method.

    The ``reminder`` console script beside the running Python when it is
    there, else ``python -m reminder``; on Windows pythonw.exe (no console
    window) beside it, else the same Python. ``executable`` defaults to
    sys.executable.
    """
    executable = executable if executable is not None else sys.executable
    if not executable:
        raise ReminderError(
            "Could not tell which Python runs reminder, so there is no command to start "
            "at login; run `reminder install` from the installed reminder command.",
            ExitStatus.FAILURE,
        )
    python = Path(executable).absolute()
    if method == "windows":
        pythonw = python.with_name("pythonw.exe")
        return [str(pythonw if pythonw.is_file() else python), "-m", "reminder", "run"]
    script = python.with_name("reminder.exe" if os.name == "nt" else "reminder")
    if script.is_file():
        return [str(script), "run"]
    return [str(python), "-m", "reminder", "run"]


def entry_path(
    method: str, *, home: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The file a method's install writes."""
    return _method(method).entry_path(_home(home), _environ(environ))


def is_ours(method: str, data: bytes) -> bool:
    """Whether ``data``, the content of a method's entry, was written by install."""
    return _method(method).is_ours(data)


def _home(home: Path | None) -> Path:
    return home if home is not None else Path.home()


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return environ if environ is not None else os.environ


def _install_steps(
    method: str,
    command: Sequence[str],
    home: Path,
    environ: Mapping[str, str],
    start: bool = True,
) -> list[Step]:
    chosen = _method(method)
    checked = check_command(command)
    data, text = chosen.render(checked, home, environ)
    return chosen.install_steps(Write(chosen.entry_path(home, environ), data, text), start)


def plan_install(
    method: str,
    *,
    command: Sequence[str],
    home: Path,
    environ: Mapping[str, str],
    start: bool = True,
) -> list[Action]:
    """What install does, in order; reads and writes nothing."""
    return [action(step) for step in _install_steps(method, command, home, environ, start)]


def install(
    method: str,
    *,
    dry_run: bool,
    command: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
    home: Path | None = None,
    start: bool = True,
) -> list[Action]:
    """Start the daemon at every login; returns the actions done (or, with
    ``dry_run``, that would be done, touching nothing). ``start=False``: a
    daemon runs already, so start none now, only at the next login.

    Installing again writes the same bytes and leaves one entry. A file in
    the way that is not ours is left alone: ReminderError.
    """
    home, environ = _home(home), _environ(environ)
    chosen = _method(method)
    steps = _install_steps(
        method,
        command if command is not None else default_command(method),
        home,
        environ,
        start,
    )
    entry = chosen.entry_path(home, environ)
    existing = read_entry(entry)
    if existing is not None and not chosen.is_ours(existing):
        raise not_ours(entry, home=home, installing=True)
    other = _SAME_SESSION.get(method)
    if other is not None:
        rival = _method(other)
        rival_entry = rival.entry_path(home, environ)
        rival_data = read_entry(rival_entry)
        if rival_data is not None and rival.is_ours(rival_data):
            raise ReminderError(
                f"reminder already starts at login through {display_path(rival_entry, home)}; "
                f"run `reminder uninstall --method {other}` first, so it is not started twice.",
                ExitStatus.FAILURE,
            )
    if dry_run:
        return [action(step) for step in steps]
    return execute(steps, run=run, environ=environ, undo_writes_on_first_failure=True)


def _uninstall_steps(method: str, home: Path, environ: Mapping[str, str]) -> list[Step]:
    chosen = _method(method)
    entry = chosen.entry_path(home, environ)
    existing = read_entry(entry)
    if existing is None:
        return []
    if not chosen.is_ours(existing):
        raise not_ours(entry, home=home, installing=False)
    return chosen.uninstall_steps(entry)


def uninstall(
    method: str,
    *,
    dry_run: bool,
    environ: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
    home: Path | None = None,
) -> list[Action]:
    """Undo install: the actions done (or that would be done), none when
    nothing is installed. A file that is not ours is left alone: ReminderError."""
    home, environ = _home(home), _environ(environ)
    steps = _uninstall_steps(method, home, environ)
    if dry_run:
        return [action(step) for step in steps]
    return execute(steps, run=run, environ=environ)


PLATFORM_METHODS = {"darwin": ("launchd", "xdg"), "win32": ("windows",)}
"""The methods whose entries uninstall looks for, by sys.platform; others: systemd and xdg."""


def methods_here(platform: str = sys.platform) -> tuple[str, ...]:
    return PLATFORM_METHODS.get(platform, ("systemd", "xdg"))


@dataclass(frozen=True)
class Found:
    """What ``uninstall_found`` did (or would do) with the entries it found."""

    removed: list[tuple[str, list[Action]]]
    """(method, actions) for each method that had an entry of ours."""
    left_alone: list[Path]
    """Entries in reminder's places that were not written by install."""
    looked_at: list[Path]


def uninstall_found(
    *,
    dry_run: bool,
    environ: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
    home: Path | None = None,
    platform: str = sys.platform,
) -> Found:
    """Undo install for every method of this system that has an entry of
    ours, whichever method installed it; files that are not ours are left alone."""
    home, environ = _home(home), _environ(environ)
    found = Found([], [], [])
    for method in methods_here(platform):
        chosen = _method(method)
        entry = chosen.entry_path(home, environ)
        found.looked_at.append(entry)
        existing = read_entry(entry)
        if existing is None:
            continue
        if not chosen.is_ours(existing):
            found.left_alone.append(entry)
            continue
        steps = chosen.uninstall_steps(entry)
        actions = (
            [action(step) for step in steps]
            if dry_run
            else execute(steps, run=run, environ=environ)
        )
        found.removed.append((method, actions))
    return found


def uninstall_found_message(found: Found, *, dry_run: bool, home: Path | None = None) -> str:
    """What to tell the user after ``uninstall_found``."""
    home = _home(home)
    lines = [
        f"{display_path(path, home)} was not written by `reminder install`, so it was left "
        "alone; remove it yourself if it starts reminder."
        for path in found.left_alone
    ]
    if not found.removed:
        places = " or ".join(display_path(path, home) for path in found.looked_at)
        lines.insert(0, f"Nothing to uninstall: reminder is not set to start at login ({places}).")
    elif dry_run:
        lines.append("Nothing was changed (--dry-run).")
    else:
        lines += [_method(method).removed for method, _ in found.removed]
    return "\n".join(lines)


def install_message(
    method: str,
    *,
    dry_run: bool,
    command: Sequence[str] | None = None,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
    running: int | None = None,
) -> str:
    """What to tell the user after install, for printing below the actions;
    ``running``: the pid of a daemon that was running already."""
    if dry_run:
        return "Nothing was changed (--dry-run)."
    home, environ = _home(home), _environ(environ)
    chosen = _method(method)
    return chosen.installed(
        chosen.entry_path(home, environ),
        command if command is not None else default_command(method),
        home,
        running,
    )


def uninstall_message(
    method: str,
    actions: Sequence[Action],
    *,
    dry_run: bool,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """What to tell the user after uninstall returned ``actions``."""
    home, environ = _home(home), _environ(environ)
    chosen = _method(method)
    if not actions:
        where = display_path(chosen.entry_path(home, environ), home)
        return (
            f"Nothing to uninstall: reminder is not set to start at login with {method} "
            f"({where} does not exist)."
        )
    if dry_run:
        return "Nothing was changed (--dry-run)."
    return chosen.removed
