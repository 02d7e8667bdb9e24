"""Where routines come from: bundled, the user's routines folder, or a path.

A user routine shadows a bundled one of the same name; a routine written
inline in the config (``[routines.NAME]``) shadows both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reminder.paths import Paths, bundled_routines_dir
from reminder.routines.model import Routine, Source, load_routine_file

if TYPE_CHECKING:
    from reminder.paths import Traversable


@dataclass(frozen=True)
class RoutineFile:
    name: str
    source: Source
    location: Traversable

    @property
    def shown(self) -> str:
        """How the file is named in messages."""
        if self.source == "bundled":
            return f"(bundled) {self.name}.toml"
        return str(self.location)

    def load(self) -> Routine:
        return load_routine_file(
            self.location, name=self.name, source=self.source, shown=self.shown
        )


def _toml_files(folder: Traversable) -> Iterable[Traversable]:
    try:
        if not folder.is_dir():
            return []
        return sorted(
            (f for f in folder.iterdir() if f.name.endswith(".toml") and f.is_file()),
            key=lambda f: f.name,
        )
    except OSError:
        return []


def _usable_name(name: str) -> bool:
    """A file name that is not valid UTF-8 (surrogates from the file
    system) could be neither shown, nor recorded, nor named by a schedule."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def misnamed_routine_files(paths: Paths) -> list[str]:
    """The user's routine files whose names are not valid UTF-8, as they can
    be shown (undecodable bytes as \\xNN)."""
    return [
        os.fsencode(str(file)).decode("utf-8", "backslashreplace")
        for file in _toml_files(paths.routines_dir)
        if not _usable_name(file.name)
    ]


def routine_files(paths: Paths) -> dict[str, RoutineFile]:
    """Every routine file by name; user files shadow bundled ones. Files
    whose names are not valid UTF-8 are left out (misnamed_routine_files)."""
    found: dict[str, RoutineFile] = {}
    folders: tuple[tuple[Source, Traversable], ...] = (
        ("bundled", bundled_routines_dir()),
        ("user", paths.routines_dir),
    )
    for source, folder in folders:
        for file in _toml_files(folder):
            if not _usable_name(file.name):
                continue
            name = file.name[: -len(".toml")]
            found[name] = RoutineFile(name, source, file)
    return found


def is_path_reference(reference: str) -> bool:
    """A schedule's routine names a file when it looks like a path."""
    return "/" in reference or "\\" in reference or reference.endswith(".toml")


def path_reference(reference: str, relative_to: Path | None) -> RoutineFile:
    path = Path(reference).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return RoutineFile(path.stem, "file", path)
