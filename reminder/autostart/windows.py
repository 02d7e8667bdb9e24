"""Start at login on Windows: reminder.vbs in the user's Startup folder, which
starts the daemon with no console window."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from reminder.autostart.common import (
    MARKER,
    Method,
    already_running,
    file_only_install,
    file_only_uninstall,
)

FILE = "reminder.vbs"

# WScript.Shell.Run's window style 0 hides the window, and False returns at
# once instead of waiting for the daemon to exit. pythonw.exe (the default
# command) has no console at all; with python.exe the hidden style still
# keeps its console out of sight.
TEMPLATE = """\
' {marker}
' Starts the reminder daemon at login with no console window.
CreateObject("WScript.Shell").Run {command}, 0, False
"""

BOM = b"\xff\xfe"
"""Windows Script Host reads a script as UTF-16 (little-endian) when it starts
with this mark, and in the ANSI code page otherwise, which would garble a
non-ASCII user name in the path."""


def command_line(command: Sequence[str]) -> str:
    """The command as a VBScript string literal: Windows command-line quoting
    (what CreateProcess and the C runtime undo), then "" for each quote."""
    line = subprocess.list2cmdline(list(command))
    return '"' + line.replace('"', '""') + '"'


def startup_folder(home: Path, environ: Mapping[str, str]) -> Path:
    appdata = environ.get("APPDATA", "")
    roaming = Path(appdata) if appdata else home / "AppData" / "Roaming"
    return roaming / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"


def entry_path(home: Path, environ: Mapping[str, str]) -> Path:
    return startup_folder(home, environ) / FILE


def render(command: Sequence[str], home: Path, environ: Mapping[str, str]) -> tuple[bytes, str]:
    text = TEMPLATE.format(marker=MARKER, command=command_line(command))
    return BOM + text.replace("\n", "\r\n").encode("utf-16-le"), text


def decode(data: bytes) -> str | None:
    if not data.startswith(BOM):
        return None
    try:
        return data[len(BOM) :].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def is_ours(data: bytes) -> bool:
    text = decode(data)
    return text is not None and f"' {MARKER}" in text


def installed(entry: Path, command: Sequence[str], home: Path, running: int | None) -> str:
    if running is not None:
        return f"reminder now starts at every sign-in through {entry}. {already_running(running)}"
    return (
        f"reminder now starts at every sign-in through {entry}. It is not running yet: "
        "sign out and in again, or double-click that file to start it now."
    )


METHOD = Method(
    name="windows",
    entry_path=entry_path,
    render=render,
    is_ours=is_ours,
    install_steps=file_only_install,
    uninstall_steps=file_only_uninstall,
    installed=installed,
    removed=(
        "reminder no longer starts at sign-in; a daemon already running keeps running "
        "until you sign out."
    ),
)
