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


@dataclass(frozen=True)
class Paths:
    config_file: Path
    config_from: str
    """Where the config path came from: "--config", REMINDER_CONFIG or "default"."""
    config_dir: Path
    routines_dir: Path
    state_dir: Path
    runtime_dir: Path

    @property
    def control_socket(self) -> Path:
        return self.runtime_dir / "control.sock"

    @property
    def history_db(self) -> Path:
        return self.state_dir / "history.sqlite3"

    def to_json(self) -> str:
        """For handing to another process of ours (the daemon's, after exec)."""
        import json

        return json.dumps({name: str(value) for name, value in vars(self).items()})

    @classmethod
    def from_json(cls, text: str) -> Paths:
        import json

        fields = json.loads(text)
        config_from = fields.pop("config_from")
        return cls(config_from=config_from, **{name: Path(value) for name, value in fields.items()})


def find_paths(config_option: str | None = None) -> Paths:
    """Every location, from ``--config``, the environment and the system's
    conventions (platformdirs reads $XDG_* and $HOME from ``os.environ``)."""
    import platformdirs

    env = os.environ
    config_dir = Path(platformdirs.user_config_dir(APP, appauthor=False, roaming=True))
    state_dir = Path(platformdirs.user_state_dir(APP, appauthor=False))
    if config_option:
        config_file, config_from = Path(config_option).expanduser(), "--config"
    elif env.get(CONFIG_ENV):
        config_file, config_from = Path(env[CONFIG_ENV]).expanduser(), CONFIG_ENV
    else:
        config_file, config_from = config_dir / "config.toml", "default"
    runtime = env.get("XDG_RUNTIME_DIR")
    runtime_dir = Path(runtime) / APP if runtime else state_dir / "run"
    return Paths(
        config_file=config_file,
        config_from=config_from,
        config_dir=config_dir,
        routines_dir=config_dir / "routines",
        state_dir=state_dir,
        runtime_dir=runtime_dir,
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
