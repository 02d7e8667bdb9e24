"""Start at login with the desktop session: ~/.config/autostart/reminder.desktop
(the XDG Autostart spec), for desktops without a systemd user manager."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from reminder.autostart.common import (
    MARKER,
    Method,
    already_running,
    config_home,
    file_only_install,
    file_only_uninstall,
)

FILE = "reminder.desktop"

# No NoDisplay=true: autostart entries never appear in application menus, and
# GNOME's and KDE's startup-application settings hide NoDisplay entries, which
# would leave the user no switch to turn reminder off there.
TEMPLATE = """\
# {marker}
[Desktop Entry]
Type=Application
Name=reminder
Comment=Exercise reminders: release, stretch and strengthen routines at the times you choose
Exec={exec_line}
Terminal=false
X-GNOME-Autostart-enabled=true
"""

_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that make an Exec argument need quotes (Desktop Entry spec, "The Exec key")."""


def quote_argument(argument: str) -> str:
    """One Exec argument: in double quotes when it holds a reserved character,
    with ", `, $ and \\ escaped inside them, and % doubled (a literal percent
    sign, not a field code)."""
    if argument and not (set(argument) & _RESERVED):
        return argument.replace("%", "%%")
    inner = "".join(f"\\{c}" if c in '"`$\\' else c for c in argument)
    return '"' + inner.replace("%", "%%") + '"'


def exec_line(command: Sequence[str]) -> str:
    """The Exec value as it is stored: the spec's string escapes come on top of
    its quoting, so each backslash is written twice."""
    quoted = " ".join(quote_argument(argument) for argument in command)
    return quoted.replace("\\", "\\\\")


def entry_path(home: Path, environ: Mapping[str, str]) -> Path:
    return config_home(home, environ) / "autostart" / FILE


def render(command: Sequence[str], home: Path, environ: Mapping[str, str]) -> tuple[bytes, str]:
    text = TEMPLATE.format(marker=MARKER, exec_line=exec_line(command))
    return text.encode("utf-8"), text


def is_ours(data: bytes) -> bool:
    return f"# {MARKER}".encode() in data


def installed(entry: Path, command: Sequence[str], home: Path, running: int | None) -> str:
    if running is not None:
        return f"reminder now starts at every desktop login. {already_running(running)}"
    return (
        "reminder now starts at every desktop login. It is not running yet: "
        f"log out and in again, or start it now with `{shlex.join(command)}`."
    )


METHOD = Method(
    name="xdg",
    entry_path=entry_path,
    render=render,
    is_ours=is_ours,
    install_steps=file_only_install,
    uninstall_steps=file_only_uninstall,
    installed=installed,
    removed=(
        "reminder no longer starts at login; a daemon already running keeps running "
        "until you log out."
    ),
)
