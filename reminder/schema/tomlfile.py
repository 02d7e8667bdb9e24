"""Reading TOML files a user wrote: safely, and with positions for errors.

The standard parser gives a position only for syntax errors; ``KeyLocator``
finds the line of a key so that validation errors can point at it too.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from reminder.errors import ConfigError, Problem

if TYPE_CHECKING:
    from reminder.paths import Traversable

MAX_BYTES = 1024 * 1024
"""No hand-written config or routine comes near this; a larger file is a mistake."""
MAX_DEPTH = 100
"""Arrays and tables nested deeper than this are a mistake (and would make
the parser recurse until Python gives up)."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def odd_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in a person's words
    ("a folder", "a named pipe (FIFO)"); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(text: str) -> str:
    """``text`` as a TOML basic string, so a message stays on one line."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable():
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def format_path(path: Sequence[str | int]) -> str:
    """``("schedule", 1, "at", 0)`` → ``schedule[1].at[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if _BARE_KEY.match(part) else quote(part)
            out += f".{name}" if out else name
    return out


def read_text(
    path: Traversable, shown: str, missing_hint: str | Callable[[], str] = "check the path"
) -> str:
    """The file's text, or a ConfigError that says in a sentence what is wrong.
    ``missing_hint``: what to do when there is no file (a function: worked
    out only then)."""

    def fail(message: str, line: int | None = None, column: int | None = None) -> ConfigError:
        return ConfigError([Problem(shown, "", message, line, column)])

    try:
        data = _read_bytes(path) if isinstance(path, Path) else path.read_bytes()[: MAX_BYTES + 1]
    except _NotRegular as error:
        raise fail(
            f"is {error.kind}, not a regular file; reminder reads only regular files, "
            "so give the path of a .toml file"
        ) from None
    except FileNotFoundError:
        hint = missing_hint() if callable(missing_hint) else missing_hint
        raise fail(f"no such file; {hint}") from None
    except IsADirectoryError:
        raise fail("is a directory, not a file; give the path of a .toml file") from None
    except PermissionError:
        raise fail("cannot be read (permission denied); check the file's owner and mode") from None
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise fail(
            f"is larger than {MAX_BYTES // (1024 * 1024)} MiB, far more than any config or routine "
            "needs; is this the right file?"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _line_col_of_byte(data, error.start)
        raise fail("is not UTF-8 text; save it as UTF-8 in your editor", line, column) from None
    if "\x00" in text:
        raise fail("contains NUL bytes, so it is not a text file; is this the right file?")
    return text


class _NotRegular(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _read_bytes(path: Path) -> bytes:
    """Up to MAX_BYTES + 1 bytes of a regular file. Anything else is refused
    before it is read and never waited on: opening a FIFO blocks until a
    writer comes, and reading a device may never end."""

    def refuse_odd(mode: int) -> None:
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        kind = odd_kind(mode)
        if kind is not None:
            raise _NotRegular(kind)

    refuse_odd(path.stat().st_mode)  # before opening: opening some devices acts
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        refuse_odd(os.fstat(fd).st_mode)  # swapped since: still refused, unblocked
        return handle.read(MAX_BYTES + 1)


def _line_col_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")


def parse(text: str, shown: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a Problem with its line and
    column, and so does nesting deeper than MAX_DEPTH."""
    if deep := _too_deep(text):
        raise ConfigError([_too_deep_problem(shown, text, *deep)])
    try:
        data = tomllib.loads(text)
    except RecursionError:  # pragma: no cover - _too_deep saw it first
        raise ConfigError([_too_deep_problem(shown, text, None, None)]) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line: int | None = None
        column: int | None = None
        if match := _POSITION.search(message):
            line, column = int(match[1]), int(match[2])
            message = message[: match.start()]
        elif match := _AT_END.search(message):
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
            message = message[: match.start()] + " at the end of the file"
        if line is None:  # pragma: no cover - every tomllib error has a position
            line, column = 1, 1
        table = KeyLocator(text).table_at(line)
        problem = Problem(
            shown,
            format_path(table),
            f"TOML syntax error: {message}; check the quotes, brackets and commas here",
            line,
            column,
        )
        raise ConfigError([problem]) from None
    except ValueError:  # a number Python will not convert (over 4,300 digits)
        raise ConfigError([_huge_number_problem(shown, text)]) from None
    if _depth(data) > MAX_DEPTH:  # dotted keys nest without brackets
        raise ConfigError([_too_deep_problem(shown, text, None, None)])
    return data


def _huge_number_problem(shown: str, text: str) -> Problem:
    match = re.search(r"[0-9_]{4300,}", text)
    line = column = None
    if match:
        line, column = _line_col_of_byte(text.encode(), len(text[: match.start()].encode()))
    return Problem(
        shown,
        format_path(KeyLocator(text).table_at(line) if line is not None else ()),
        "has a number thousands of digits long; no setting takes one that big",
        line,
        column,
    )


def _too_deep_problem(shown: str, text: str, line: int | None, column: int | None) -> Problem:
    table = KeyLocator(text).table_at(line) if line is not None else ()
    return Problem(
        shown,
        format_path(table),
        f"nests arrays or tables more than {MAX_DEPTH} levels deep, which no config or "
        "routine needs; is this the right file?",
        line,
        column,
    )


def _too_deep(text: str) -> tuple[int, int] | None:
    """Line and column where brackets nest deeper than MAX_DEPTH, if they do.

    A scan, not a parse: strings and comments are skipped; table headers open
    and close on their line. Cheap for ordinary files: they have fewer
    brackets than the limit in all.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    line, line_start = 1, 0
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "\n":
            line, line_start = line + 1, i + 1
        elif char == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline
            continue
        elif char in "\"'":
            triple = text.startswith(char * 3, i)
            quote = char * 3 if triple else char
            j = i + len(quote)
            while j < end and not text.startswith(quote, j):
                if text[j] == "\\" and char == '"':
                    j += 1
                elif text[j] == "\n":
                    if not triple:
                        break  # an unclosed string: the parser will say so
                    line, line_start = line + 1, j + 1
                j += 1
            i = j + len(quote)
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line, i - line_start + 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _depth(data: object) -> int:
    """How deep tables and arrays nest in parsed data (without recursing)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)
    return deepest


def load(
    path: Traversable, shown: str, missing_hint: str | Callable[[], str] = "check the path"
) -> tuple[dict[str, Any], str]:
    """Read and parse a TOML file a user wrote; returns the data and its text."""
    text = read_text(path, shown, missing_hint)
    return parse(text, shown), text


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """The line scanner's patterns, compiled only when an error needs a position."""
    key = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
    return (
        re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]"),  # [[array.of.tables]]
        re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]"),  # [table]
        re.compile(rf"^(\s*)({key}(?:\s*\.\s*{key})*)\s*="),  # key = value
        re.compile(key),
        re.compile(rf"({key}(?:\s*\.\s*{key})*)\s*="),  # key = inside an inline table
    )


def _split_key(dotted: str) -> list[str]:
    return [p[1:-1] if p[0] in "\"'" else p for p in _patterns()[3].findall(dotted)]


def _opens_multiline(value: str) -> str | None:
    """The quote of a multi-line string that starts in this value and does
    not end on its line; None if there is none (comments are skipped)."""
    i = 0
    while i < len(value):
        char = value[i]
        if char == "#":
            return None
        if value.startswith(('"""', "'''"), i):
            quote = value[i : i + 3]
            end = value.find(quote, i + 3)
            if end < 0:
                return quote
            i = end + 3
        elif char == '"':
            i += 1
            while i < len(value) and value[i] != '"':
                i += 2 if value[i] == "\\" else 1
            i += 1
        elif char == "'":
            end = value.find("'", i + 1)
            i = len(value) if end < 0 else end + 1
        else:
            i += 1
    return None


class _ValueScanner:
    """Walks one array or inline table value (which may span lines) and
    records where each item and inline key starts. Only runs on text that
    parsed as TOML; anything unexpected ends the walk quietly."""

    _END = frozenset(",]}#\n \t")

    def __init__(
        self, lines: Sequence[str], row: int, column: int, where: dict[KeyPath, tuple[int, int]]
    ) -> None:
        self._lines = lines
        self._row = row  # 0-based index into lines
        self._col = column  # 0-based index into the row
        self._where = where

    def scan(self, path: KeyPath) -> int:
        """Record the value's parts under ``path``; the 1-based line it ends on."""
        with contextlib.suppress(_Malformed, IndexError):
            self._skip(newlines=False)
            self._value(path)
        return self._row + 1

    def _char(self) -> str:
        line = self._lines[self._row]
        return line[self._col] if self._col < len(line) else "\n"

    def _advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self._char() == "\n":
                if self._row + 1 >= len(self._lines):
                    raise _Malformed
                self._row, self._col = self._row + 1, 0
            else:
                self._col += 1

    def _skip(self, *, newlines: bool) -> None:
        """Whitespace, and with ``newlines`` also line breaks and comments."""
        while True:
            char = self._char()
            if char in " \t":
                self._col += 1
            elif newlines and char == "#":
                self._col = len(self._lines[self._row])
            elif newlines and char == "\n":
                self._advance()
            else:
                return

    def _mark(self, path: KeyPath) -> None:
        self._where.setdefault(path, (self._row + 1, self._col + 1))

    def _value(self, path: KeyPath) -> None:
        if len(path) > MAX_DEPTH:
            raise _Malformed  # nested past the limit: an error of its own, not located here
        char = self._char()
        if char == "[":
            self._array(path)
        elif char == "{":
            self._table(path)
        elif char in "\"'":
            self._string()
        else:
            while self._char() not in self._END:
                self._col += 1

    def _array(self, path: KeyPath) -> None:
        self._advance()
        index = 0
        while True:
            self._skip(newlines=True)
            if self._char() == "]":
                self._advance()
                return
            item = (*path, index)
            self._mark(item)
            self._value(item)
            index += 1
            self._skip(newlines=True)
            if self._char() == ",":
                self._advance()
            elif self._char() != "]":
                raise _Malformed

    def _table(self, path: KeyPath) -> None:
        self._advance()
        while True:
            self._skip(newlines=False)
            if self._char() == "}":
                self._advance()
                return
            line = self._lines[self._row]
            match = _patterns()[4].match(line, self._col)
            if match is None:
                raise _Malformed
            key = (*path, *_split_key(match[1]))
            self._mark(key)
            self._col = match.end()
            self._skip(newlines=False)
            self._value(key)
            self._skip(newlines=False)
            if self._char() == ",":
                self._advance()
            elif self._char() != "}":
                raise _Malformed

    def _string(self) -> None:
        line = self._lines[self._row]
        if line.startswith(('"""', "'''"), self._col):
            quote = line[self._col : self._col + 3]
            self._col += 3
            while not self._lines[self._row].startswith(quote, self._col):
                if self._char() == "\\" and quote == '"""':
                    self._advance()
                self._advance()
            self._col += 3
            # Up to two more quotes may belong to the string.
            while self._lines[self._row].startswith(quote[0], self._col):
                self._col += 1
            return
        quote = line[self._col]
        self._col += 1
        while line[self._col] != quote:
            self._col += 2 if quote == '"' and line[self._col] == "\\" else 1
        self._col += 1


class _Malformed(Exception):
    """The value was not what a parsed TOML file holds: stop locating inside it."""


class KeyLocator:
    """Maps key paths to the line and column where a file defines them.

    A line scanner, not a parser: it knows table headers, arrays of tables,
    ``key = value`` lines, and the items and keys inside array and inline
    table values, which is where every hand-written key and value lives.
    """

    def __init__(self, text: str) -> None:
        self._where: dict[KeyPath, tuple[int, int]] = {}
        self._tables: list[tuple[int, KeyPath]] = []  # (line, table path) in file order
        self._scan(text)

    def _resolve(self, parts: list[str], counts: dict[tuple[str, ...], int]) -> list[str | int]:
        resolved: list[str | int] = []
        for i, part in enumerate(parts):
            resolved.append(part)
            name = tuple(parts[: i + 1])
            if name in counts:
                resolved.append(counts[name] - 1)
        return resolved

    def _scan(self, text: str) -> None:
        array_header, table_header, key_line, _, _ = _patterns()
        counts: dict[tuple[str, ...], int] = {}
        table: KeyPath = ()
        in_multiline: str | None = None
        lines = text.splitlines()
        skip_until = 0  # lines up to this one belong to a value already scanned
        for number, line in enumerate(lines, start=1):
            if number <= skip_until:
                continue
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            if match := array_header.match(line):
                parts = _split_key(match[1])
                counts[tuple(parts)] = counts.get(tuple(parts), 0) + 1
                table = tuple(self._resolve(parts, counts))
                self._tables.append((number, table))
                self._where.setdefault(table, (number, line.index("[") + 1))
                continue
            if match := table_header.match(line):
                table = tuple(self._resolve(_split_key(match[1]), counts))
                self._tables.append((number, table))
                self._where.setdefault(table, (number, line.index("[") + 1))
                continue
            if match := key_line.match(line):
                key = (*table, *_split_key(match[2]))
                self._where.setdefault(key, (number, len(match[1]) + 1))
                value = line[match.end() :]
                if value.lstrip().startswith(("[", "{")):
                    # An array or inline table: each item and key gets its own place.
                    scanner = _ValueScanner(lines, number - 1, match.end(), self._where)
                    skip_until = scanner.scan(key)
                    continue
                in_multiline = _opens_multiline(value)

    def find(self, path: Sequence[str | int]) -> tuple[int, int] | None:
        """Line and column of the longest prefix of ``path`` the file defines."""
        key = tuple(path)
        while key:
            if key in self._where:
                return self._where[key]
            key = key[:-1]
        return None

    def table_at(self, line: int) -> KeyPath:
        """The table a line belongs to (the last header above it)."""
        current: KeyPath = ()
        for start, table in self._tables:
            if start > line:
                break
            current = table
        return current
