"""`reminder doctor`: does this computer have what a session needs?

Each check looks at one thing (the config, the time zone, the session bus,
the notification server, login start, the daemon, the history) and says
what it found: ok, a warning (sessions still show and keep time, but
something is missing), or a failure (a session would not show, or not on
time), each with what to do. ``CHECKS`` is the list, in the order they run;
another part of reminder adds its own check by putting a function there
(``Context -> Iterable[Check]``), e.g. the sound check of ``reminder.sound``.

Checks share what they learnt through the ``Context`` (the config, the bus
address, the daemon's status), so nothing is asked twice. The desktop checks
(``reminder.cli.doctor_desktop``) load jeepney; no everyday command does.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reminder.errors import ConfigError, ReminderError
from reminder.schema.tomlfile import odd_kind

if TYPE_CHECKING:
    from reminder.autostart.common import Runner
    from reminder.config.load import Config
    from reminder.paths import Paths

Status = Literal["ok", "warn", "fail", "skip"]

MARKS: Mapping[Status, str] = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "–"}

COMMAND_TIMEOUT = 5.0
"""Seconds a systemctl call may take."""


@dataclass(frozen=True)
class Check:
    """What one check found."""

    name: str
    status: Status
    summary: str
    """What was found, in a sentence."""
    fix: str = ""
    """What to do about it (for warn and fail)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """For --json: the facts behind the summary."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "fix": self.fix or None,
            "details": dict(self.details),
        }


@dataclass
class Context:
    """What the checks look at, and what they learnt for the checks after them."""

    paths: Paths
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    platform: str = sys.platform
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    run: Runner = subprocess.run
    send_test: bool = True
    """Send the test notification (off for a dry look)."""
    config: Config | None = None
    config_error: ConfigError | None = None
    bus_address: str | None = None
    server: Mapping[str, Any] | None = None
    """The notification server's information and capabilities, once found."""
    _daemon: dict[str, Any] | None = None
    _daemon_error: str | None = None
    _daemon_asked: bool = False

    def daemon_status(self) -> dict[str, Any] | None:
        """The running daemon's status reply, or None (asked once)."""
        if not self._daemon_asked:
            self._daemon_asked = True
            from reminder.daemon.control import request

            try:
                self._daemon = request(self.paths.control_socket, "status")
            except ReminderError as error:
                self._daemon_error = error.message
        return self._daemon

    @property
    def daemon_error(self) -> str | None:
        return self._daemon_error

    @property
    def notifier_setting(self) -> str:
        return self.config.settings.notifier if self.config is not None else "auto"

    @property
    def uses_freedesktop(self) -> bool:
        """Whether sessions are shown through the desktop's notification server."""
        setting = self.notifier_setting
        if setting == "freedesktop":
            return True
        return setting == "auto" and self.platform not in ("darwin", "win32")


CheckFunction = Callable[[Context], Iterable[Check]]


# -- the config and the clock ---------------------------------------------------


def check_config(ctx: Context) -> Iterable[Check]:
    from reminder.config.load import load_config

    path = ctx.paths.config_file
    try:
        ctx.config = load_config(ctx.paths)
    except ConfigError as error:
        ctx.config_error = error
        count = len(error.problems)
        first = str(error.problems[0]) if error.problems else error.message
        yield Check(
            "config",
            "fail",
            f"{path} has {'a mistake' if count == 1 else f'{count} mistakes'}, so "
            f"reminder will not start with it: {first}",
            "Run `reminder validate` to see every mistake with its line, fix them and save.",
            {"path": str(path), "valid": False, "problems": [str(p) for p in error.problems]},
        )
        return
    config = ctx.config
    schedules = len(config.schedules)
    if config.is_default:
        summary = (
            f"no config file at {path}, so the built-in default runs (gluteus-medius on "
            "weekdays at 10:30 and 16:00)"
        )
        fix = "Run `reminder init` to write a config you can edit."
    else:
        summary = f"{path} is valid: {schedules} schedule{'s' if schedules != 1 else ''}"
        fix = ""
    yield Check(
        "config",
        "ok",
        summary,
        fix,
        {
            "path": str(path),
            "from": ctx.paths.config_from,
            "valid": True,
            "default": config.is_default,
            "schedules": schedules,
        },
    )


def _zone_source(name: str, environ: Mapping[str, str]) -> str:
    if name != "local":
        return f'timezone = "{name}"'
    if environ.get("TZ"):
        return f'timezone = "local", from TZ={environ["TZ"]}'
    return 'timezone = "local", the system\'s zone'


def check_timezone(ctx: Context) -> Iterable[Check]:
    if ctx.config is None:
        yield Check("time zone", "skip", "not checked: the config has mistakes")
        return
    settings = ctx.config.settings
    zone = settings.timezone
    now = ctx.now().astimezone(zone)
    source = _zone_source(settings.timezone_name, ctx.environ)
    details: dict[str, Any] = {
        "setting": settings.timezone_name,
        "zone": str(zone),
        "now": now.isoformat(timespec="seconds"),
    }
    summary = f"{zone} ({source}); now {now:%a %H:%M %Z}"
    status = ctx.daemon_status()
    upcoming = (status or {}).get("next")
    if upcoming:
        at = dt.datetime.fromisoformat(str(upcoming["at"]))
        ours = at.astimezone(zone).utcoffset()
        details["daemon_offset"] = str(at.utcoffset())
        if at.utcoffset() != ours:
            yield Check(
                "time zone",
                "fail",
                f"{summary}, but the running daemon's next session is at {at:%H:%M} UTC"
                f"{_offset(at)}, another zone: its sessions come at other times than "
                "`reminder next` shows",
                'Set timezone = "Area/City" in the config, which wins everywhere, or give '
                'the daemon your TZ (docs/troubleshooting.md, "Sessions come at the wrong '
                'time"), then restart it.',
                details,
            )
            return
    yield Check("time zone", "ok", summary, "", details)


def _offset(moment: dt.datetime) -> str:
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else ""


# -- login start ------------------------------------------------------------------


def _program_of(method: str, text: str) -> str | None:
    """The program an entry of ours starts, from its Exec/ExecStart line."""
    import shlex

    key = {"systemd": "ExecStart=", "xdg": "Exec="}.get(method)
    if key is None:
        return None
    for line in text.splitlines():
        if line.startswith(key):
            value = line[len(key) :]
            if method == "xdg":
                value = value.replace("\\\\", "\\")
            try:
                words = shlex.split(value.replace("%%", "%"))
            except ValueError:
                return None
            return words[0] if words else None
    return None


def _systemctl(ctx: Context, *args: str) -> str | None:
    """What `systemctl --user ARGS` prints, or None when it cannot be asked."""
    try:
        result = ctx.run(
            ["systemctl", "--user", *args],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
            env=dict(ctx.environ),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    said = (result.stdout or "").strip()
    if result.returncode != 0 and not said:
        return None
    return said.splitlines()[0] if said else None


def check_login(ctx: Context) -> Iterable[Check]:
    from reminder.autostart import entry_path, is_ours, methods_here
    from reminder.autostart.common import display_path, read_entry

    home = Path(ctx.environ.get("HOME") or Path.home())
    found: list[str] = []
    for method in methods_here(ctx.platform):
        entry = entry_path(method, home=home, environ=ctx.environ)
        try:
            data = read_entry(entry)
        except ReminderError:
            data = None
        if data is None or not is_ours(method, data):
            continue
        found.append(method)
        shown = display_path(entry, home)
        details: dict[str, Any] = {"method": method, "entry": str(entry)}
        program = _program_of(method, data.decode("utf-8", "replace"))
        details["program"] = program
        if program is not None and not Path(program).exists():
            yield Check(
                "login start",
                "warn",
                f"{shown} starts {program}, which no longer exists: nothing starts at the "
                "next login",
                "Run `reminder install` again from the reminder you use now.",
                details,
            )
            continue
        if method != "systemd":
            yield Check("login start", "ok", f"{method}: {shown}", "", details)
            continue
        enabled = _systemctl(ctx, "is-enabled", "reminder.service")
        active = _systemctl(ctx, "is-active", "reminder.service")
        details.update(enabled=enabled, active=active)
        if enabled is None:
            yield Check(
                "login start",
                "warn",
                f"systemd: {shown} is there, but `systemctl --user` does not answer here, "
                "so whether it is enabled is unknown",
                "Run `systemctl --user status reminder.service` in your desktop session.",
                details,
            )
        elif enabled != "enabled" or active == "failed":
            yield Check(
                "login start",
                "warn",
                f"systemd: reminder.service is {enabled} and {active}",
                "See why with `systemctl --user status reminder.service` and "
                "`journalctl --user -u reminder.service`; `reminder install` sets it up again.",
                details,
            )
        else:
            yield Check(
                "login start",
                "ok",
                f"systemd: reminder.service is {enabled} and {active} ({shown})",
                "",
                details,
            )
    if not found:
        yield Check(
            "login start",
            "warn",
            "reminder is not set to start at login",
            "Run `reminder install` (it shows what it writes with --dry-run).",
            {"method": None},
        )


# -- the daemon and its history -----------------------------------------------------


def _log_hint(ctx: Context) -> str:
    from reminder.autostart import entry_path

    home = Path(ctx.environ.get("HOME") or Path.home())
    if ctx.platform == "darwin":
        return "its log: ~/Library/Logs/reminder.log"
    if entry_path("systemd", home=home, environ=ctx.environ).exists():
        return "its log: `journalctl --user -u reminder.service`"
    return "its log: the output of the terminal or session that started it"


def check_daemon(ctx: Context) -> Iterable[Check]:
    status = ctx.daemon_status()
    if status is None:
        from reminder.daemon.control import NOT_RUNNING

        why = ctx.daemon_error
        yield Check(
            "daemon",
            "fail",
            "not running, so no session starts"
            if why in (None, NOT_RUNNING)
            else f"does not answer ({str(why).rstrip('.')})",
            "Start it with `reminder run`, or `reminder install` to start it at every login.",
            {"running": False},
        )
        return
    pid, state = status.get("pid"), status.get("state")
    details = {
        "running": True,
        "pid": pid,
        "state": state,
        "config": status.get("config"),
        "notifier": status.get("notifier"),
        "notifier_in_use": status.get("notifier_in_use"),
        "notifier_retrying": status.get("notifier_retrying"),
    }
    upcoming = status.get("next") or {}
    coming = ""
    if upcoming:
        from reminder.cli.display import when

        at = dt.datetime.fromisoformat(str(upcoming["at"]))
        coming = f", next: {upcoming['routine']} {when(at)}"
    summary = f"running (pid {pid}), {state}{coming}; {_log_hint(ctx)}"
    retrying = status.get("notifier_retrying")
    if retrying:
        why = str(status.get("notifier_error") or "").rstrip(".")
        yield Check(
            "daemon",
            "fail",
            f"{summary}; it cannot reach {retrying} notifications ({why}) and prints them "
            f"on its {status.get('notifier_in_use')} instead",
            "Its session differs from this one: if this check found a notification server, "
            "restart the daemon from your desktop session (`systemctl --user restart "
            "reminder.service` after `dbus-update-activation-environment --systemd "
            "DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY`).",
            details,
        )
        return
    if status.get("config_errors"):
        yield Check(
            "daemon",
            "warn",
            f"{summary}; its config has mistakes, so it keeps the last good one",
            "Run `reminder validate`, fix what it lists and save.",
            details,
        )
        return
    ours = (
        str(ctx.paths.config_file) if ctx.config is not None and not ctx.config.is_default else None
    )
    theirs = status.get("config")
    if ours is not None and theirs not in (ours, None):
        yield Check(
            "daemon",
            "warn",
            f"{summary}; it reads {theirs}, not {ours}",
            "Restart it with the config you mean (`reminder run --config PATH`, or "
            "`reminder install --config PATH`).",
            details,
        )
        return
    yield Check("daemon", "ok", summary, "", details)


def check_history(ctx: Context) -> Iterable[Check]:
    path = ctx.paths.history_db
    details: dict[str, Any] = {"path": str(path)}
    status = ctx.daemon_status()
    if status is not None and status.get("history_error"):
        details["error"] = status["history_error"]
        yield Check(
            "history",
            "warn",
            f"{path}: the daemon cannot write it ({status['history_error']}); sessions "
            "still run, and their records wait",
            "Check that folder's owner, permissions and free space.",
            details,
        )
        return
    if path.exists():
        info = path.stat()
        kind = odd_kind(info.st_mode)
        if kind is not None:
            details["kind"] = kind
            yield Check(
                "history",
                "warn",
                f"{path} is {kind}, not a regular file: sessions run, but none is recorded",
                "Move it away; reminder makes a new history there.",
                details,
            )
            return
        size = info.st_size
        details["bytes"] = size
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        details["writable"] = writable
        if not writable:
            yield Check(
                "history",
                "warn",
                f"{path} cannot be written by you",
                f"Check the owner and mode of {path} and its folder (it should be yours, 0600).",
                details,
            )
            return
        yield Check("history", "ok", f"{path}, {_size(size)}, writable", "", details)
        return
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    writable = folder is not None and os.access(folder, os.W_OK)
    details.update(bytes=0, writable=writable)
    if not writable:
        yield Check(
            "history",
            "warn",
            f"{path} does not exist and its folder cannot be made",
            f"Check the permissions of {folder}.",
            details,
        )
        return
    yield Check(
        "history", "ok", f"{path} does not exist yet; the first session writes it", "", details
    )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _desktop(name: str) -> CheckFunction:
    """A check from doctor_desktop, imported when it runs (it loads jeepney)."""

    def check(ctx: Context) -> Iterable[Check]:
        from reminder.cli import doctor_desktop

        checks: Iterable[Check] = getattr(doctor_desktop, name)(ctx)
        return checks

    check.__name__ = name
    return check


def _sound_check(ctx: Context) -> Iterable[Check]:
    """Sound output, speech engine and a test tone (cli/doctor_sound.py)."""
    from reminder.cli.doctor_sound import check_sound

    yield from check_sound(ctx)


CHECKS: list[CheckFunction] = [
    check_config,
    check_timezone,
    _desktop("check_session_bus"),
    _desktop("check_notification_server"),
    _desktop("check_test_notification"),
    _sound_check,
    _desktop("check_presence"),
    check_login,
    check_daemon,
    check_history,
]
"""Every check, in the order they run and are shown."""


def run_checks(ctx: Context, checks: Iterable[CheckFunction] | None = None) -> list[Check]:
    """Every check's findings; a check that breaks is a failure, never a traceback."""
    found: list[Check] = []
    for function in CHECKS if checks is None else checks:
        try:
            found.extend(function(ctx))
        except Exception as error:  # noqa: BLE001 - one broken check must not hide the rest
            name = getattr(function, "__name__", "check").removeprefix("check_")
            found.append(
                Check(
                    name.replace("_", " "),
                    "fail",
                    f"the check itself failed: {type(error).__name__}: {error}",
                    "Please report this, with the output of `reminder doctor --json`.",
                )
            )
    return found


def healthy(checks: Iterable[Check]) -> bool:
    """A session would be shown, and on time: no check failed."""
    return all(check.status != "fail" for check in checks)


def report(checks: list[Check]) -> str:
    """The findings for people: a mark, the thing, what was found, and the fix."""
    width = max((len(check.name) for check in checks), default=0)
    lines = []
    for check in checks:
        lines.append(f"{MARKS[check.status]} {check.name.ljust(width)}  {check.summary}")
        if check.fix and check.status in ("warn", "fail"):
            lines.append(f"  {' ' * width}  → {check.fix}")
    failed = sum(check.status == "fail" for check in checks)
    warned = sum(check.status == "warn" for check in checks)
    lines.append("")
    if failed:
        lines.append(
            f"{failed} problem{'s' if failed != 1 else ''} to fix before sessions show and "
            "keep time; fix them, then run `reminder doctor` again."
        )
    elif warned:
        lines.append("Sessions will show and keep time; the notes marked ! are worth a look.")
    else:
        lines.append("All is well: sessions will show and keep time.")
    return "\n".join(lines)
