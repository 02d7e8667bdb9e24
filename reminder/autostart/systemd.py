"""Start at login as a systemd user service: ~/.config/systemd/user/reminder.service."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from pathlib import Path

from reminder.autostart.common import (
    MARKER,
    Method,
    Remove,
    Run,
    Step,
    Write,
    already_running,
    config_home,
    output_says,
)
from reminder.errors import ExitStatus, ReminderError

UNIT = "reminder.service"

# The why of every choice is in the unit itself, for whoever opens the file.
TEMPLATE = """\
# {marker}
#
# Wanted by graphical-session.target, where a desktop daemon belongs, and by
# default.target too: many window managers and minimal login managers (startx,
# ly, greetd, a bare sway or i3) never start graphical-session.target, and a
# unit wanted by it alone would silently never run there. Under default.target
# the daemon may start before DISPLAY or WAYLAND_DISPLAY exist; it reaches
# notifications over the session bus and waits for a notification server to
# appear. PartOf= stops it when a graphical session ends, and the
# graphical-session.target want starts it again at the next graphical login.
[Unit]
Description=reminder: exercise reminders at the times you choose
PartOf=graphical-session.target
After=graphical-session.target
# A daemon that fails five times within five minutes (say, another instance
# holds the lock) is left stopped instead of restarting forever.
StartLimitIntervalSec=5min
StartLimitBurst=5

[Service]
# exec: `systemctl --user enable --now` fails if the program cannot start.
Type=exec
ExecStart={exec_start}
Restart=on-failure
RestartSec=5
# 78 (EX_CONFIG): the config is invalid and a restart cannot fix it. Fix the
# config (`reminder validate`), then `systemctl --user restart reminder.service`.
RestartPreventExitStatus=78
SyslogIdentifier=reminder
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=default.target graphical-session.target
"""

_BARE = frozenset(string.ascii_letters + string.digits + "/._-+:,=@")
"""Characters an ExecStart word may hold without quotes."""


def quote_word(word: str) -> str:
    """One argument of ExecStart=, after the program (systemd.service(5),
    "Command lines"): quoted when needed, with C escapes for quotes and
    backslashes, and % and $ doubled so that neither specifiers nor
    environment variables are expanded."""
    escaped = word.replace("%", "%%").replace("$", "$$")
    if word and set(word) <= _BARE:
        return escaped
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def quote_program(program: str) -> str:
    """The program of ExecStart=. systemd takes its path literally (no $
    expansion) and refuses quotes and backslashes in it, so only % is doubled
    and spaces quoted; "$$" and "${" would reach argv[0] changed, so those
    are refused too."""
    if any(c in program for c in "\"'\\") or "$$" in program or "${" in program:
        raise ReminderError(
            f"systemd cannot run a program whose path contains quotes, backslashes, "
            f'"$$" or "${{" ({program}); install reminder in a plainer folder, or use '
            "`reminder install --method xdg`.",
            ExitStatus.FAILURE,
        )
    escaped = program.replace("%", "%%")
    return escaped if set(program) <= _BARE else f'"{escaped}"'


def exec_start(command: Sequence[str]) -> str:
    return " ".join([quote_program(command[0]), *(quote_word(word) for word in command[1:])])


def entry_path(home: Path, environ: Mapping[str, str]) -> Path:
    return config_home(home, environ) / "systemd" / "user" / UNIT


def render(command: Sequence[str], home: Path, environ: Mapping[str, str]) -> tuple[bytes, str]:
    text = TEMPLATE.format(marker=MARKER, exec_start=exec_start(command))
    return text.encode("utf-8"), text


def is_ours(data: bytes) -> bool:
    return f"# {MARKER}".encode() in data


def _systemctl(*args: str) -> tuple[str, ...]:
    return ("systemctl", "--user", *args)


_NOT_LOADED = output_says("not loaded", "does not exist", "not found", "no such file")


def install_steps(write: Write, start: bool) -> list[Step]:
    """Write, reload, enable; and start it, unless a daemon runs already (a
    second one would exit at once, and systemd would restart it in vain)."""
    enable = ("enable", "--now", UNIT) if start else ("enable", UNIT)
    return [
        write,
        Run(
            _systemctl("daemon-reload"),
            hint=(
                "The systemd user manager is not usable here, so nothing was installed; "
                "run `reminder install --method xdg` to start reminder with your desktop "
                "session instead."
            ),
        ),
        Run(
            _systemctl(*enable),
            hint=(
                f"See `systemctl --user status {UNIT}` for why, fix it, then run "
                "`reminder install` again."
            ),
        ),
    ]


def uninstall_steps(entry: Path) -> list[Step]:
    return [
        Run(
            _systemctl("disable", "--now", UNIT),
            ignore=_NOT_LOADED,
            hint=(
                "Nothing was removed; run `reminder uninstall` again from a session where "
                "`systemctl --user status` works."
            ),
        ),
        Remove(entry),
        Run(
            _systemctl("daemon-reload"),
            hint="The unit file is removed; run `systemctl --user daemon-reload` yourself.",
        ),
    ]


def installed(entry: Path, command: Sequence[str], home: Path, running: int | None) -> str:
    if running is not None:
        return (
            f"reminder now starts at every login as the systemd user service {UNIT}. "
            f"{already_running(running)} To run it as this service now, stop a daemon you "
            f"started by hand (`kill {running}`), then `systemctl --user restart {UNIT}`."
        )
    return (
        f"reminder now starts at every login as the systemd user service {UNIT}, and it "
        f"has been started. Check it with `systemctl --user status {UNIT}`; its log: "
        f"`journalctl --user -u {UNIT}`."
    )


METHOD = Method(
    name="systemd",
    entry_path=entry_path,
    render=render,
    is_ours=is_ours,
    install_steps=install_steps,
    uninstall_steps=uninstall_steps,
    installed=installed,
    removed=(
        f"reminder no longer starts at login; the systemd user service {UNIT} is stopped "
        "and removed."
    ),
)
