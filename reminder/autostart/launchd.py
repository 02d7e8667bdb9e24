"""Start at login on macOS as a launchd agent:
~/Library/LaunchAgents/org.reminder.daemon.plist."""

from __future__ import annotations

import os
import plistlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reminder.autostart.common import (
    MARKER,
    Method,
    Remove,
    Run,
    Step,
    Write,
    already_running,
    display_path,
    output_says,
)

LABEL = "org.reminder.daemon"

THROTTLE_SECONDS = 60
"""How often launchd may start the agent again when it exits quickly."""

# launchd has no RestartPreventExitStatus: KeepAlive {SuccessfulExit: false}
# restarts after every non-zero exit, 78 (invalid config) included. So a
# broken config would loop; ThrottleInterval bounds that loop to one start a
# minute (launchd's default is 10 s). The interval delays only a job that
# exited within it: a daemon that crashes after running a while restarts at
# once. The loop also means a fixed config is picked up within a minute
# without touching launchctl. KeepAlive {Crashed: true} would not loop, but it
# would not restart after an uncaught Python exception either (exit 1, no
# signal), and KeepAlive false would never restart at all.
COMMENT = f"""<!-- {MARKER}
     KeepAlive restarts the daemon after a non-zero exit, also 78 (invalid
     config): ThrottleInterval keeps that to one try a minute, so a fixed
     config is picked up within a minute. Its log: StandardErrorPath. -->
"""


def entry_path(home: Path, environ: Mapping[str, str]) -> Path:
    return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def log_path(home: Path) -> Path:
    """~/Library/Logs exists on every Mac (launchd creates no folders), and
    Console lists what is in it."""
    return home / "Library" / "Logs" / "reminder.log"


def job(command: Sequence[str], home: Path) -> dict[str, Any]:
    log = str(log_path(home))
    return {
        "Label": LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": THROTTLE_SECONDS,
        # Interactive: no timer coalescing or CPU throttling, so each step's
        # notification comes on time; the idle daemon costs nothing either way.
        "ProcessType": "Interactive",
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "EnvironmentVariables": {"PYTHONUNBUFFERED": "1"},
    }


def render(command: Sequence[str], home: Path, environ: Mapping[str, str]) -> tuple[bytes, str]:
    data = plistlib.dumps(job(command, home), fmt=plistlib.FMT_XML, sort_keys=True)
    opening = b'<plist version="1.0">\n'
    data = data.replace(opening, opening + COMMENT.encode("utf-8"), 1)
    return data, data.decode("utf-8")


def is_ours(data: bytes) -> bool:
    """Ours when its Label is ours: a plist re-saved by a tool loses comments."""
    try:
        loaded = plistlib.loads(data)
    except Exception:  # noqa: BLE001 - any unreadable file is simply not ours
        return False
    return isinstance(loaded, dict) and loaded.get("Label") == LABEL


def _domain() -> str:
    # The per-user GUI domain; os.getuid is missing only on Windows.
    return f"gui/{os.getuid() if hasattr(os, 'getuid') else 0}"


_NOT_LOADED = output_says("no such process", "could not find", "not loaded", "not find service")


def install_steps(write: Write, start: bool) -> list[Step]:
    service = f"{_domain()}/{LABEL}"
    hint = (
        f"See `launchctl print {service}` and the log in ~/Library/Logs/reminder.log, "
        "then run `reminder install` again."
    )
    if not start:
        # Loading the agent starts it (RunAtLoad): with a daemon running, that
        # second one would exit and KeepAlive would start it again every minute.
        # Enabled, it loads at the next login.
        return [write, Run(("launchctl", "enable", service), hint=hint)]
    return [
        write,
        # A loaded agent keeps its old plist until it is booted out.
        Run(
            ("launchctl", "bootout", service),
            ignore=_NOT_LOADED,
            hint="launchd is not usable here (it is macOS's), so nothing was installed.",
        ),
        # Undoes an earlier `launchctl disable`, which would make bootstrap fail.
        Run(("launchctl", "enable", service), hint=hint),
        Run(("launchctl", "bootstrap", _domain(), str(write.path)), hint=hint),
    ]


def uninstall_steps(entry: Path) -> list[Step]:
    return [
        Run(
            ("launchctl", "bootout", f"{_domain()}/{LABEL}"),
            ignore=_NOT_LOADED,
            hint="Nothing was removed; stop the agent with `launchctl bootout` and try again.",
        ),
        Remove(entry),
    ]


def installed(entry: Path, command: Sequence[str], home: Path, running: int | None) -> str:
    if running is not None:
        return (
            f"reminder now starts at every login as the launchd agent {LABEL}. "
            f"{already_running(running)}"
        )
    return (
        f"reminder now starts at every login as the launchd agent {LABEL}, and it has "
        f"been started. Its log: {display_path(log_path(home), home)}."
    )


METHOD = Method(
    name="launchd",
    entry_path=entry_path,
    render=render,
    is_ours=is_ours,
    install_steps=install_steps,
    uninstall_steps=uninstall_steps,
    installed=installed,
    removed=(
        f"reminder no longer starts at login; the launchd agent {LABEL} is stopped and removed."
    ),
)
