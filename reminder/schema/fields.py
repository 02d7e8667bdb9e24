"""The one schema of config and routine files.

Every key a user may write is a ``Field`` here, with its type, default and a
one-line description. The validator walks these tables; the example config and
the docs are checked against them, so the three cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reminder.errors import Problem, Problems
from reminder.schema.tomlfile import KeyLocator, KeyPath, format_path, quote

DAY_SECONDS: Final = 24 * 60 * 60


class Invalid(Exception):
    """A value that does not fit its field; the message completes a sentence."""


class InvalidItems(Invalid):
    """Items of a list value that do not fit, each reported at its own index."""

    def __init__(self, items: Sequence[tuple[int, str]]) -> None:
        super().__init__("; ".join(message for _, message in items))
        self.items = tuple(items)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()


@dataclass(frozen=True)
class Field:
    name: str
    convert: Callable[[Any], Any]
    doc: str
    default: Any = None
    type_name: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class Reporter:
    """Turns (key path, message) into Problems that name the file and line."""

    def __init__(self, file: str, text: str | None, problems: Problems) -> None:
        self.file = file
        self._text = text
        self._locator: KeyLocator | None = None
        self.problems = problems

    def __call__(self, path: KeyPath, message: str) -> None:
        line = column = None
        if self._text is not None:
            if self._locator is None:
                self._locator = KeyLocator(self._text)
            if found := self._locator.find(path):
                line, column = found
        self.problems.add(Problem(self.file, format_path(path), message, line, column))


def describe(value: Any) -> str:
    """A value as the user wrote it in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def check_table(
    data: Any, fields: Sequence[Field], path: KeyPath, report: Reporter
) -> dict[str, Any] | None:
    """Check one table against its fields: unknown keys, types, defaults.

    Returns the converted values (defaults filled in), or None when ``data``
    is not a table at all. A field whose value is wrong is left out of the
    result, so callers check cross-field rules only on what converted.
    """
    if not isinstance(data, dict):
        report(path, f"must be a table, not {describe(data)}")
        return None
    known = {f.name: f for f in fields}
    for key in data:
        if key not in known:
            report((*path, key), unknown_key_message(key, list(known)))
    values: dict[str, Any] = {}
    for field in fields:
        if field.name in data:
            try:
                values[field.name] = field.convert(data[field.name])
            except InvalidItems as error:
                for index, message in error.items:
                    report((*path, field.name, index), message)
            except Invalid as error:
                report((*path, field.name), str(error))
        elif field.required:
            report((*path, field.name), missing_message(field))
        else:
            values[field.name] = field.default
    return values


def missing_message(field: Field) -> str:
    """``is missing``, what the key is for, and what a line for it looks like."""
    if field.type_name == "array of tables":
        example = f"a [[{field.name}]] section"
    else:
        example = f'a line like {field.name} = "..."'
    what = field.doc.rstrip(".")
    return f"is missing; add {example} ({what[0].lower()}{what[1:]})"


def all_converted(
    data: Mapping[str, Any], values: Mapping[str, Any], fields: Sequence[Field]
) -> bool:
    """True when every required key is there and every known key the user
    wrote converted without a problem."""
    return all(f.name in values for f in fields if f.name in data or f.required)


def unknown_key_message(key: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else "known keys: " + ", ".join(known)
    return f"unknown key; {hint}"


# Converters: each returns the parsed value or raises Invalid.

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


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
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def duration(minimum: int = 0, maximum: int = DAY_SECONDS) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < minimum:
            raise Invalid(f"{describe(value)} is too short; the least is {format_seconds(minimum)}")
        if seconds > maximum:
            raise Invalid(f"{describe(value)} is too long; the most is {format_seconds(maximum)}")
        return seconds

    return convert


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


def text(max_length: int = 2000, allow_empty: bool = False) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be a string in quotes, not {describe(value)}")
        if not value.strip() and not allow_empty:
            raise Invalid("is empty; write some text or leave the key out")
        if len(value) > max_length:
            raise Invalid(f"is {len(value)} characters long; keep it under {max_length}")
        return value.strip()

    return convert


def integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a whole number, not {describe(value)}")
        if not minimum <= value <= maximum:
            raise Invalid(f"{value} is out of range; use {minimum} to {maximum}")
        return value

    return convert


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false (no quotes), not {describe(value)}")
    return value


def fraction(value: Any) -> float:
    """A number from 0.0 to 1.0 (a whole 0 or 1 too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"must be a number from 0.0 to 1.0, like 0.8, not {describe(value)}")
    if not 0.0 <= value <= 1.0:  # also false for nan
        raise Invalid(f"{value} is out of range; use 0.0 (silent) to 1.0 (loudest)")
    return float(value)


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


# The tables of fields. Docs are sentences; they are shown in messages, the
# example config and the generated reference.

SETTINGS_FIELDS: Final = (
    Field(
        "timezone",
        timezone_name,
        'Time zone of every time in this file: "local" or an IANA name like "Europe/Berlin".',
        "local",
        "string",
    ),
    Field(
        "notifier",
        choice("auto", "freedesktop", "plyer", "console"),
        "How to show notifications: auto, freedesktop, plyer or console.",
        "auto",
        "string",
    ),
    Field(
        "start",
        choice("ask", "auto"),
        'How a session begins: "ask" offers Start, Snooze and Skip first; "auto" begins at once.',
        "ask",
        "string",
    ),
    Field(
        "quiet_hours",
        window,
        'A window like "22:00-07:00" in which no session starts; leave out for none.',
        None,
        "time window",
    ),
    Field(
        "misfire_grace",
        duration(0, DAY_SECONDS),
        "How late a session may still start after the computer slept or was busy; later ones are recorded as missed.",
        15 * 60,
        "duration",
    ),
    Field(
        "relief_check",
        integer(0, 100),
        "After this many completed sessions of a routine over at least two weeks with no "
        "improvement in the check-ins, suggest other muscles to try; 0 switches it off.",
        6,
        "integer",
    ),
    Field(
        "snooze",
        duration(60, DAY_SECONDS),
        "How long Snooze puts a session off.",
        10 * 60,
        "duration",
    ),
)

SOUND_FIELDS: Final = (
    Field(
        "cues",
        boolean,
        "A sound at every step change (get ready, go, switch sides, rest, next exercise, "
        "done), a 3-2-1 count before each hold, rest or get-ready of 10 s or more ends, and a "
        "chime when a session asks to start.",
        True,
        "boolean",
    ),
    Field(
        "voice",
        boolean,
        'Also speak each step as it starts, like "Ball release, left side. Hold ninety '
        'seconds." (espeak-ng on Linux, the system voice on macOS, SAPI on Windows).',
        False,
        "boolean",
    ),
    Field("volume", fraction, "Loudness of cues and voice, from 0.0 to 1.0.", 0.8, "number"),
    Field(
        "rep_ticks",
        boolean,
        "A soft tick at the end of each repetition, at the exercise's rep_time, to pace the reps.",
        False,
        "boolean",
    ),
)

SCHEDULE_FIELDS: Final = (
    Field(
        "routine",
        text(500),
        "The routine to run: a bundled or user routine name, a path to a .toml file, or a name under [routines].",
        REQUIRED,
        "string",
    ),
    Field(
        "days",
        days,
        'Which days: "daily", "weekdays", "weekends" or a list like ["mon", "thu"].',
        frozenset(range(7)),
        "day set",
    ),
    Field(
        "at",
        times_of_day,
        'Times of day to start, like ["10:30", "16:00"]; or use every and between instead.',
        None,
        "list of times",
    ),
    Field(
        "every",
        duration(60, DAY_SECONDS),
        'Start a session this often, like "50m"; needs between.',
        None,
        "duration",
    ),
    Field(
        "between",
        window,
        'With every: the window, like "09:00-17:30"; the first session starts at its start.',
        None,
        "time window",
    ),
)

CONFIG_FIELDS: Final = (
    Field("settings", table, "General settings.", None, "table"),
    Field("sound", table, "Sound cues and the spoken walkthrough.", None, "table"),
    Field(
        "schedule",
        tables,
        "When to run which routine; one [[schedule]] section each.",
        None,
        "array of tables",
    ),
    Field(
        "routines", table, "Routines written inline, one [routines.NAME] table each.", None, "table"
    ),
)

ROUTINE_FIELDS: Final = (
    Field("title", text(80), "The routine's name as people read it.", None, "string"),
    Field("muscle", text(80), "The muscle it works on.", None, "string"),
    Field("about", text(600), "What the routine is for, in a sentence or two.", None, "string"),
    Field("see_also", names, "Routines to try when this one does not help.", (), "list of names"),
    Field(
        "release",
        tables,
        "Release exercises, which massage the trigger points; at least one.",
        REQUIRED,
        "array of tables",
    ),
    Field("stretch", tables, "Stretches; at least one.", REQUIRED, "array of tables"),
    Field(
        "strengthen", tables, "Strengthening exercises; at least one.", REQUIRED, "array of tables"
    ),
)

EXERCISE_FIELDS: Final = (
    Field("exercise", text(60), "The exercise's name.", REQUIRED, "string"),
    Field(
        "how",
        text(600),
        "How to do it, in a sentence someone can follow mid-exercise.",
        None,
        "string",
    ),
    Field(
        "hold",
        duration(1, 60 * 60),
        'A timed hold, like "30s"; give either hold or reps.',
        None,
        "duration",
    ),
    Field(
        "reps", integer(1, 500), "Repetitions per set; give either reps or hold.", None, "integer"
    ),
    Field("sets", integer(1, 50), "How many sets.", 1, "integer"),
    Field(
        "rep_time", duration(1, 5 * 60), "Time for one repetition (only with reps).", 3, "duration"
    ),
    Field("rest", duration(0, 60 * 60), "Rest between sets.", 0, "duration"),
    Field(
        "sides",
        choice("both", "left", "right", "none"),
        'Which sides: "both" (left, then right), "left", "right" or "none".',
        "none",
        "string",
    ),
    Field("switch", duration(0, 5 * 60), "Time to change sides.", 5, "duration"),
    Field("ready", duration(0, 5 * 60), "Time to get ready before the exercise.", 10, "duration"),
)
