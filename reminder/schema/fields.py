"""The one schema of config and routine files.

Every key a user may write is a ``Field`` here, with its type, default and a
one-line description. The validator walks these tables; the example config and
the docs are checked against them, so the three cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reminder.errors import Problem, Problems
from reminder.schema.tomlfile import KeyLocator, KeyPath, format_path
from reminder.schema.values import (
    DAY_SECONDS,
    EQUIPMENT_LENGTH,
    MAX_EQUIPMENT,
    Invalid,
    InvalidItems,
    Limited,
    boolean,
    choice,
    days,
    describe,
    duration,
    equipment,
    fraction,
    group_name,
    integer,
    level_tables,
    names,
    table,
    tables,
    text,
    times_of_day,
    timezone_name,
    window,
)


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

    @property
    def limits(self) -> str:
        """What the validator accepts beyond the type, in words ("" for no limit)."""
        return self.convert.limits if isinstance(self.convert, Limited) else ""


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
            # A key missing from the top level belongs to the table that
            # starts the file.
            line, column = self._locator.find(path) or (1, 1)
        self.problems.add(Problem(self.file, format_path(path), message, line, column))


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
        Limited(window, "start and end differ; may wrap past midnight"),
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
        Limited(days, "at least one day"),
        'Which days: "daily", "weekdays", "weekends" or a list like ["mon", "thu"].',
        frozenset(range(7)),
        "day set",
    ),
    Field(
        "at",
        Limited(times_of_day, "at least one time, none twice"),
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
        Limited(window, "start and end differ; may wrap past midnight"),
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
    Field(
        "see_also",
        Limited(names, 'routine names: lower-case letters, digits, "-" and "_"'),
        "Routines to try when this one does not help.",
        (),
        "list of names",
    ),
    Field(
        "equipment",
        Limited(
            equipment,
            f"at most {MAX_EQUIPMENT} things of at most {EQUIPMENT_LENGTH} characters, none twice",
        ),
        'What the routine needs, like ["a massage ball", "a wall", "floor space"]; '
        "`reminder plan` lists it, and so does the notification that asks to start.",
        (),
        "list of strings",
    ),
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
    Field(
        "group",
        group_name,
        'A short name like "A": the exercise runs only in this group\'s sessions, and a '
        "routine's groups take turns; leave out to run it in every session.",
        None,
        "string",
    ),
    Field(
        "levels",
        level_tables,
        "Harder steps after level 1 (the exercise as written), like [{ reps = 12 }, { sets = 3 }]; "
        "each says what changes from level 1.",
        (),
        "list of tables",
    ),
)

LEVEL_KEYS: Final = ("exercise", "how", "hold", "reps", "sets", "rep_time", "rest")
"""What a level may change; sides, switch, ready and group stay as written."""

LEVEL_FIELDS: Final = tuple(
    Field(f.name, f.convert, f.doc, None, f.type_name)
    for f in EXERCISE_FIELDS
    if f.name in LEVEL_KEYS
)
"""The keys of one level table: the exercise's own, none required, none defaulted."""
