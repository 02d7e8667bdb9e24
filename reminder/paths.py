"""Every location reminder reads or writes; nothing else builds a user path.

platformdirs gives each system's conventions ($XDG_* on Linux, Library on
macOS, AppData on Windows); REMINDER_CONFIG and --config override the config
file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotations only: importing importlib.resources costs everyday
    # commands ~7 ms (tempfile, shutil, compression modules).
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # pragma: no cover - Python 3.10
        from importlib.abc import Traversable

__all__ = ["Paths", "Traversable", "bundled_routines_dir", "example_config", "find_paths"]

APP = "reminder"
CONFIG_ENV = "REMINDER_CONFIG"
SOCKET_NAME = "control.sock"
MAX_SOCKET_PATH = 103 if sys.platform == "darwin" else 107
"""Bytes a Unix socket's path may have (sun_path, less its NUL)."""


@dataclass(frozen=True)
class Paths:
    config_file: Path
    config_from: str
    """Where the config path came from: "--config", REMINDER_CONFIG or "default"."""
    config_dir: Path
    routines_dir: Path
    state_dir: Path
    runtime_dir: Path
    runtime_note: str | None = None
    """Why the runtime folder is not the usual one (said when the socket is used)."""

    @property
    def control_socket(self) -> Path:
        if self.runtime_note:
            from reminder.errors import warn

            warn(self.runtime_note)
        return self.runtime_dir / SOCKET_NAME

    @property
    def history_db(self) -> Path:
        return self.state_dir / "history.sqlite3"

    def to_json(self) -> str:
        """For handing to another process of ours (the daemon's, after exec)."""
        import json

        return json.dumps(
            {name: str(value) for name, value in vars(self).items() if value is not None}
        )

    @classmethod
    def from_json(cls, text: str) -> Paths:
        import json

        fields = json.loads(text)
        config_from = fields.pop("config_from")
        note = fields.pop("runtime_note", None)
        return cls(
            config_from=config_from,
            runtime_note=note,
            **{name: Path(value) for name, value in fields.items()},
        )


def own_module_command(module: str, *arguments: str) -> list[str]:
    """The command that runs reminder's ``module`` in a new interpreter (this
    one's Python). With -P where Python has it (3.11+): the current folder,
    perhaps another user's, must not shadow the package (callers that start
    a process also run it from the root folder, for 3.10)."""
    safe_path = ["-P"] if sys.version_info >= (3, 11) else []
    return [sys.executable, *safe_path, "-m", module, *arguments]


def find_paths(config_option: str | None = None) -> Paths:
    """Every location, from ``--config``, the environment and the system's
    conventions (platformdirs reads $XDG_* and $HOME from ``os.environ``)."""
    import platformdirs

    env = os.environ
    try:
        config_dir = Path(platformdirs.user_config_dir(APP, appauthor=False, roaming=True))
        state_dir = Path(platformdirs.user_state_dir(APP, appauthor=False))
    except (RuntimeError, KeyError, OSError):  # no home: platformdirs gives up
        config_dir = state_dir = Path("~")
    if not (config_dir.is_absolute() and state_dir.is_absolute()):
        from reminder.errors import ReminderError

        uid = f" (uid {os.getuid()})" if hasattr(os, "getuid") else ""
        raise ReminderError(
            f"reminder cannot tell where your home folder is: HOME is not set and your user{uid} "
            "has no home in the password database. Set HOME, or XDG_CONFIG_HOME and "
            "XDG_STATE_HOME, to absolute paths and try again."
        )
    if config_option:
        config_file, config_from = Path(config_option).expanduser(), "--config"
    elif env.get(CONFIG_ENV):
        config_file, config_from = Path(env[CONFIG_ENV]).expanduser(), CONFIG_ENV
    else:
        config_file, config_from = config_dir / "config.toml", "default"
    runtime = env.get("XDG_RUNTIME_DIR")
    runtime_dir = Path(runtime) / APP if runtime else state_dir / "run"
    runtime_note = None
    if len(os.fsencode(runtime_dir / SOCKET_NAME)) > MAX_SOCKET_PATH:
        # Too long for a socket path: a short one, checked like any other
        # runtime folder (ours, 0700) before the daemon uses it.
        where = "XDG_RUNTIME_DIR" if runtime else "The state folder"
        user_id = os.getuid() if hasattr(os, "getuid") else 0
        short = Path(env.get("TMPDIR") or "/tmp") / f"{APP}-{user_id}"
        runtime_note = (
            f"{where} is too long for a socket path ({len(os.fsencode(runtime_dir))} bytes), so "
            f"reminder keeps its control socket in {short} instead; set XDG_RUNTIME_DIR to a "
            "shorter folder to choose another."
        )
        runtime_dir = short
    return Paths(
        config_file=config_file,
        config_from=config_from,
        config_dir=config_dir,
        routines_dir=config_dir / "routines",
        state_dir=state_dir,
        runtime_dir=runtime_dir,
        runtime_note=runtime_note,
    )


def _shipped(name: str) -> Traversable:
    """A file or folder shipped inside the wheel (top level in a source checkout)."""
    from importlib import resources

    packaged = resources.files("reminder") / name
    if packaged.is_file() or packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def bundled_routines_dir() -> Traversable:
    return _shipped("schedules")


def example_config() -> Traversable:
    return _shipped("config.example.toml")
