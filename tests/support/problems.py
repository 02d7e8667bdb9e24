"""Problem lines as a user reads them (`FILE[:LINE:COL]: KEY.PATH: message`),
and the TOML helpers the validation tests share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from click.testing import Result

EX_CONFIG = 78


@dataclass(frozen=True)
class Shown:
    """One problem line as the user reads it."""

    text: str
    line: int | None
    column: int | None
    message: str


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must be there exactly once) replaced."""
    assert text.count(old) == 1, f"test bug: {old!r} is not in the TOML exactly once"
    return text.replace(old, new)


def where(text: str, snippet: str) -> tuple[int, int]:
    """Line and column (1-based) where ``snippet`` first appears in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return number, line.index(snippet) + 1
    raise AssertionError(f"test bug: {snippet!r} is not in the TOML")


def problems(stderr: str, file: Path | str) -> list[str]:
    """Every problem line about ``file``."""
    prefix = str(file)
    return [
        line
        for line in stderr.splitlines()
        if line.startswith(prefix) and re.match(r"(:\d+:\d+)?: ", line[len(prefix) :])
    ]


def problem(stderr: str, file: Path | str, key_path: str) -> Shown:
    """The one problem line for ``file`` at ``key_path`` ("" for the file itself)."""
    key = f"{re.escape(key_path)}: " if key_path else ""
    pattern = re.compile(re.escape(str(file)) + r"(?::(\d+):(\d+))?: " + key + r"(.+)")
    found = [m for line in stderr.splitlines() if (m := pattern.fullmatch(line))]
    assert len(found) == 1, (
        f"expected one problem line `{file}[:LINE:COL]: {key_path}: ...`, "
        f"found {len(found)} in:\n{stderr}"
    )
    match = found[0]
    line = int(match[1]) if match[1] else None
    column = int(match[2]) if match[2] else None
    return Shown(match[0], line, column, match[3])


def assert_at_line(shown: Shown, text: str, snippet: str) -> None:
    """The problem points at the line of ``snippet``, with a column on that line."""
    line, _ = where(text, snippet)
    assert shown.line == line, f"expected line {line} in: {shown.text}"
    assert shown.column is not None, f"expected a column in: {shown.text}"
    assert 1 <= shown.column <= len(text.splitlines()[line - 1]) + 1, shown.text


def rejected(result: Result) -> str:
    """Assert the run failed as a config error, with no traceback; its stderr."""
    assert result.exit_code == EX_CONFIG, (
        f"exit {result.exit_code}, expected {EX_CONFIG}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert result.stderr.strip(), "a rejected config must say why on stderr"
    return result.stderr
