"""The one user-facing error type, its exit statuses, and config problems.

Every user mistake becomes a ``ReminderError`` that the CLI entry point turns
into a message and an exit status; nothing else prints a traceback to users.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class ExitStatus(enum.IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    CONFIG = 78  # EX_CONFIG from sysexits.h


class ReminderError(Exception):
    """A failure the user can act on: shown as its message, never a traceback."""

    status: ExitStatus = ExitStatus.FAILURE

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0])


class ReminderWarning(UserWarning):
    """Something the user should know that does not stop the command: shown
    as one line on stderr by the CLI, logged as a ``warning`` event by the daemon."""


def warn(message: str) -> None:
    """Say ``message`` once (per place in the code that says it)."""
    import warnings

    warnings.warn(message, ReminderWarning, stacklevel=2)


@dataclass(frozen=True)
class Problem:
    """One mistake in a config or routine file, at a key path."""

    file: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ConfigError(ReminderError):
    """Every problem found in a config or routine, reported all at once."""

    status = ExitStatus.CONFIG

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = _in_reading_order(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _in_reading_order(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """File by file (in the order the files came up), each from its top line
    down, as someone fixing them reads the file; problems of the whole file first."""
    items = list(problems)
    files: dict[str, int] = {}
    for problem in items:
        files.setdefault(problem.file, len(files))
    return tuple(sorted(items, key=lambda p: (files[p.file], p.line or 0, p.column or 0)))


def error_text(error: ReminderError) -> str:
    """What the user reads for ``error``: every problem, then how many there were."""
    if not isinstance(error, ConfigError):
        return error.message
    count = len(error.problems)
    noun = "problem" if count == 1 else "problems"
    return "\n".join(
        [
            *(str(problem) for problem in error.problems),
            f"Found {count} {noun}; fix {'it' if count == 1 else 'them'} and try again.",
        ]
    )


class Problems:
    """Collects problems while validation goes on, so all are reported together."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self._items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self._items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise ConfigError(self._items)
