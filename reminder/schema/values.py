"""Values of config and routine files: durations, times of day, windows,
days, names, and the limits each converter enforces. Each converter takes
what TOML gave and returns the value or raises ``Invalid`` with a message
that completes a sentence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reminder.schema.tomlfile import quote

DAY_SECONDS: Final = 24 * 60 * 60


class Invalid(Exception):
    """A value that does not fit its field; the message completes a sentence."""


class InvalidItems(Invalid):
    """Items of a list value that do not fit, each reported at its own index."""

    def __init__(self, items: Sequence[tuple[int, str]]) -> None:
        super().__init__("; ".join(message for _, message in items))
        self.items = tuple(items)


@dataclass(frozen=True)
class Limited:
    """A converter together with the limits it enforces, in words for the
    reference docs, so the docs say what the validator does."""

    convert: Callable[[Any], Any]
    limits: str
    bounds: tuple[int, int] | None = None
    """For numbers and durations: the least and the most accepted (seconds)."""

    def __call__(self, value: Any) -> Any:
        return self.convert(value)


def describe(value: Any) -> str:
    """A value as the user wrote it in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value if len(value) <= 60 else value[:50] + "...")
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits"
    return str(value)


_DURATION = re.compile(r"^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$")
_FAR_TOO_LONG = 10**12
"""What a number of more than 12 digits counts as: over every limit, and never
handed to int() (which refuses over 4,300 digits)."""


def parse_duration(value: Any) -> int:
    """``"90s"``, ``"1m30s"``, ``"2m"``, ``"1h"`` or whole seconds → seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid(f'must be a duration like "90s", "1m30s" or "2m", not {describe(value)}')
    if isinstance(value, int):
        if value < 0:
            raise Invalid(f"{value} is negative; a duration is 0 or more seconds")
        return value
    text = value.strip().replace(" ", "")
    match = _DURATION.match(text)
    if not text or not match:
        raise Invalid(f'{describe(value)} is not a duration; write it like "90s", "1m30s" or "2m"')
    hours, minutes, seconds = (
        _FAR_TOO_LONG if len(g or "") > 12 else int(g or 0) for g in match.groups()
    )
    return hours * 3600 + minutes * 60 + seconds


def duration(minimum: int = 0, maximum: int = DAY_SECONDS) -> Limited:
    def convert(value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < minimum:
            raise Invalid(f"{describe(value)} is too short; the least is {format_seconds(minimum)}")
        if seconds > maximum:
            raise Invalid(f"{describe(value)} is too long; the most is {format_seconds(maximum)}")
        return seconds

    return Limited(
        convert, f"{format_seconds(minimum)} to {format_seconds(maximum)}", (minimum, maximum)
    )


def format_seconds(seconds: int) -> str:
    """Seconds as people say them: ``90`` → ``1 min 30 s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
        f"{secs} s" if secs else "",
    ]
    return " ".join(p for p in parts if p) or "0 s"


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def time_of_day(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, str) and (match := _TIME.match(value.strip())):
        return dt.time(int(match[1]), int(match[2]))
    raise Invalid(f"{describe(value)} is not a time of day (HH:MM, 24-hour clock)")


def _each(value: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """Convert every item; a bad item is reported at its own index."""
    result: list[Any] = []
    bad: list[tuple[int, str]] = []
    for index, item in enumerate(value):
        try:
            result.append(convert(item))
        except Invalid as error:
            bad.append((index, str(error)))
    if bad:
        raise InvalidItems(bad)
    return result


def times_of_day(value: Any) -> tuple[dt.time, ...]:
    if not isinstance(value, list):
        return (time_of_day(value),)
    if not value:
        raise Invalid('is empty; give at least one time, like ["10:30"]')
    result: list[dt.time] = _each(value, time_of_day)
    if len(set(result)) != len(result):
        raise Invalid("lists the same time twice")
    return tuple(sorted(result))


@dataclass(frozen=True)
class Window:
    """Wall-clock times of day from ``start`` up to ``end``; wraps past midnight."""

    start: dt.time
    end: dt.time

    @property
    def wraps(self) -> bool:
        return self.end < self.start

    def contains(self, moment: dt.time) -> bool:
        if self.wraps:
            return moment >= self.start or moment < self.end
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def window(value: Any) -> Window:
    if not isinstance(value, str) or value.count("-") != 1:
        raise Invalid(f'{describe(value)} is not a time window; write it like "09:00-17:30"')
    first, second = (part.strip() for part in value.split("-"))
    try:
        start, end = time_of_day(first), time_of_day(second)
    except Invalid:
        raise Invalid(
            f'{describe(value)} is not a time window; write it like "09:00-17:30" (24-hour clock)'
        ) from None
    if start == end:
        raise Invalid(
            f"{describe(value)} starts and ends at the same time; the end must differ from "
            'the start (a window may wrap past midnight, like "22:00-07:00")'
        )
    return Window(start, end)


WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES: Final = {
    f"{day}{suffix}": day
    for day, suffix in zip(
        WEEKDAYS, ("day", "sday", "nesday", "rsday", "day", "urday", "day"), strict=True
    )
}
_DAY_SETS: Final = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}


def days(value: Any) -> frozenset[int]:
    """Day set → weekday numbers (Monday 0, as ``date.weekday()``)."""
    hint = 'use "daily", "weekdays", "weekends" or a list like ["mon", "thu"]'
    if isinstance(value, str):
        if value.lower() in _DAY_SETS:
            return _DAY_SETS[value.lower()]
        if value.lower()[:3] in WEEKDAYS:
            raise Invalid(f'{describe(value)} must be a list of days, like ["{value.lower()[:3]}"]')
        raise Invalid(f"{describe(value)} is not a set of days; {hint}")
    if not isinstance(value, list):
        raise Invalid(f"must be a day set or a list of days, not {describe(value)}; {hint}")
    if not value:
        raise Invalid(f"is empty, so the schedule would never run; {hint}")
    return frozenset(_each(value, _day))


def _day(value: Any) -> int:
    name = value.lower() if isinstance(value, str) else ""
    name = _FULL_DAY_NAMES.get(name, name)
    if name not in WEEKDAYS:
        raise Invalid(f"{describe(value)} is not a day; use mon, tue, wed, thu, fri, sat or sun")
    return WEEKDAYS.index(name)


def choice(*options: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, str) and value in options:
            return value
        listed = ", ".join(f'"{o}"' for o in options)
        raise Invalid(f"{describe(value)} is not one of {listed}")

    return convert


def text(max_length: int = 2000, allow_empty: bool = False) -> Limited:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be a string in quotes, not {describe(value)}")
        if not value.strip() and not allow_empty:
            raise Invalid("is empty; write some text or leave the key out")
        if len(value) > max_length:
            raise Invalid(f"is {len(value)} characters long; keep it to {max_length}")
        return value.strip()

    empty = "" if allow_empty else "not empty, "
    return Limited(convert, f"{empty}at most {max_length} characters")


def integer(minimum: int, maximum: int) -> Limited:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a whole number, not {describe(value)}")
        if not minimum <= value <= maximum:
            raise Invalid(f"{value} is out of range; use {minimum} to {maximum}")
        return value

    return Limited(convert, f"a whole number, {minimum} to {maximum}", (minimum, maximum))


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false (no quotes), not {describe(value)}")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"must be a number from 0.0 to 1.0, like 0.8, not {describe(value)}")
    if not 0.0 <= value <= 1.0:  # also false for nan
        raise Invalid(f"{value} is out of range; use 0.0 (silent) to 1.0 (loudest)")
    return float(value)


fraction: Final = Limited(_fraction, "0.0 to 1.0")
"""A number from 0.0 to 1.0 (a whole 0 or 1 too)."""


_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def routine_name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise Invalid(
            f"{describe(value)} is not a routine name; names are lower-case letters, digits, "
            '"-" and "_", like "gluteus-medius"'
        )
    return value


def names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f'must be a list of routine names, like ["psoas"], not {describe(value)}')
    return tuple(_each(value, routine_name))


MAX_EQUIPMENT: Final = 10
EQUIPMENT_LENGTH: Final = 40


def equipment(value: Any) -> tuple[str, ...]:
    """What a routine needs: a short list of short texts, none twice."""
    if not isinstance(value, list):
        raise Invalid(f'must be a list like ["a massage ball", "a wall"], not {describe(value)}')
    if len(value) > MAX_EQUIPMENT:
        raise Invalid(f"lists {len(value)} things; keep it to {MAX_EQUIPMENT}")
    items: list[str] = _each(value, text(EQUIPMENT_LENGTH))
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.casefold() in seen:
            raise InvalidItems([(index, f"{describe(item)} is listed twice")])
        seen.add(item.casefold())
    return tuple(items)


def timezone_name(value: Any) -> str:
    """Checks an IANA name or "local"; resolving happens in ``timezones``."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(
            f'must be "local" or a time zone name like "Europe/Berlin", not {describe(value)}'
        )
    from reminder.schema.timezones import resolve

    resolve(value.strip())
    return value.strip()


def tables(value: Any) -> list[Any]:
    """An array of tables (``[[name]]``); each table is checked by its caller."""
    if not isinstance(value, list):
        raise Invalid(f"must be an array of tables ([[...]] sections), not {describe(value)}")
    return value


def table(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a table, not {describe(value)}")
    return value


_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")
MAX_GROUP_LENGTH: Final = 12
MAX_LEVELS: Final = 20


def group_name(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f'must be a short name in quotes, like "A", not {describe(value)}')
    name = value.strip()
    if not name or len(name) > MAX_GROUP_LENGTH or not _GROUP.match(name):
        raise Invalid(
            f"{describe(value)} is not a group name; use a short name of letters and digits "
            f'(at most {MAX_GROUP_LENGTH} characters), like "A" or "B"'
        )
    return name


def level_tables(value: Any) -> list[Any]:
    """The levels list; each table is checked by the routine parser."""
    if not isinstance(value, list):
        raise Invalid(f"must be a list of tables, like [{{ reps = 12 }}], not {describe(value)}")
    if not value:
        raise Invalid("is empty; list at least one harder step, or leave the key out")
    if len(value) > MAX_LEVELS:
        raise Invalid(f"lists {len(value)} levels; keep it to {MAX_LEVELS}")
    return value
