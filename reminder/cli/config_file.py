"""What ``reminder init`` does to a config file, and never does to it.

It never loses a config: the old one is kept as a timestamped backup each
time (``config.toml.2026-12-06T21-30-00.bak``), never over an earlier one. A
config that is a symbolic link (dotfile managers) is written through, to the
file it points to, and stays a link. A link to nothing, a folder, or a
folder that cannot be written is a one-line message, not a traceback.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reminder.errors import ExitStatus, ReminderError


@dataclass(frozen=True)
class InitPlan:
    config: Path
    """The path reminder reads (maybe a link)."""
    target: Path
    """The file that is written: the config, or what its link points to."""
    backup: Path | None
    """Where the old config goes; None when there is none."""

    @classmethod
    def for_path(cls, config: Path, now: dt.datetime, *, force: bool) -> InitPlan:
        """Work out what to write; ReminderError when it must not or cannot be."""
        target = config
        if config.is_symlink():
            target = Path(os.path.realpath(config))
            if not target.exists():
                raise ReminderError(
                    f"{config} is a symbolic link to {config.readlink()}, which does not "
                    "exist; create that file (or its folder) or remove the link, then run "
                    "`reminder init` again."
                )
        if target.is_dir():
            raise ReminderError(
                f"{target} is a directory; give a file path with --config.", ExitStatus.CONFIG
            )
        exists = target.exists()
        if exists and not force:
            raise ReminderError(
                f"{config} already exists, so nothing was written. Edit it, or run "
                "`reminder init --force` to replace it (the old one is kept as a .bak file)."
            )
        backup = _free_backup_name(config, now) if exists else None
        return cls(config, target, backup)

    def describe(self) -> Iterator[str]:
        """What ``carry_out`` would do, for --dry-run."""
        if self.backup is not None:
            yield f"Would keep the old config as {self.backup}."
        through = f" (through the link {self.config})" if self.target != self.config else ""
        yield f"Would write the example config to {self.target}{through}."

    def carry_out(self, example: bytes) -> Iterator[str]:
        """Back the old config up, then write the example; what was done."""
        from reminder.files import write_atomically

        mode = 0o644
        if self.backup is not None:
            try:
                old = self.target.read_bytes()
                mode = stat.S_IMODE(self.target.stat().st_mode)
                write_atomically(self.backup, old, mode=mode)
            except OSError as error:
                raise _cannot("keep the old config as", self.backup, error) from None
            yield f"Kept the old config as {self.backup}."
        try:
            write_atomically(self.target, example, mode=mode)
        except OSError as error:
            raise _cannot("write", self.target, error) from None
        through = f" (through the link {self.config})" if self.target != self.config else ""
        yield f"Wrote {self.target}{through}. Edit it, then check it with `reminder validate`."


def _free_backup_name(config: Path, now: dt.datetime) -> Path:
    """``NAME.YYYY-MM-DDTHH-MM-SS.bak`` beside the config, local time; a
    second one in the same second gets ``-2``, ``-3`` ... (never replaced)."""
    stamp = now.astimezone().strftime("%Y-%m-%dT%H-%M-%S")
    candidate = config.with_name(f"{config.name}.{stamp}.bak")
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = config.with_name(f"{config.name}.{stamp}-{number}.bak")
        number += 1
    return candidate


def _cannot(doing: str, path: Path, error: OSError) -> ReminderError:
    reason = error.strerror or str(error)
    hint = (
        "check the folder's owner and permissions, or choose another place with --config"
        if isinstance(error, PermissionError) or error.errno == errno.EROFS
        else "fix that and run it again"
    )
    return ReminderError(f"Could not {doing} {path}: {reason}; {hint}. Nothing was replaced.")
