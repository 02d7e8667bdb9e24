"""The configuration reference (docs/configuration.md), rendered from the schema.

Every row comes from a ``Field`` in ``reminder.schema.fields``, so the reference
cannot say something the validator does not do; a test fails when the
committed file and this output differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from reminder.schema.fields import (
    CONFIG_FIELDS,
    EXERCISE_FIELDS,
    LEVEL_FIELDS,
    REQUIRED,
    ROUTINE_FIELDS,
    SCHEDULE_FIELDS,
    SETTINGS_FIELDS,
    SOUND_FIELDS,
    Field,
)
from reminder.schema.tomlfile import MAX_BYTES
from reminder.schema.values import days

TITLE: Final = "# Configuration reference"

GENERATED_NOTE: Final = (
    "<!-- Generated from reminder/schema/fields.py by reminder.config.reference.config_reference(); "
    "do not edit by hand. -->"
)

INTRO: Final = (
    "reminder reads one TOML config file (`reminder paths` shows where; `--config PATH` "
    "or `REMINDER_CONFIG=PATH` use another) and the routine files it names. This page "
    "lists every key either kind of file may hold, with its type, its default and what "
    "it does. A key that is left out takes its default; a key marked required must be "
    "there. `reminder validate` checks a config and every routine it uses, and lists "
    "every mistake at once with its file, line and key path."
)

FORMATS: Final = (
    "## Formats\n"
    "\n"
    '- **Durations**: `"90s"`, `"1m30s"`, `"2m"`, `"1h"`, or whole seconds (`90`).\n'
    '- **Times of day**: `"HH:MM"` on the 24-hour clock, like `"10:30"`.\n'
    '- **Time windows**: `"09:00-17:30"`; a window may wrap past midnight, like '
    '`"22:00-07:00"`, and its start and end must differ.\n'
    '- **Day sets**: `"daily"`, `"weekdays"`, `"weekends"` or a list of days like '
    '`["mon", "thu"]`.\n'
    "- Every time is wall-clock time in the config's `timezone`. A time that does not "
    "exist that day (when clocks spring forward) runs at the first valid instant after "
    "it; a time that happens twice runs once, at the first."
)

# (heading, sentence before the table, fields)
SECTIONS: Final[tuple[tuple[str, str, Sequence[Field]], ...]] = (
    (
        "## The config file",
        "The top level of the config holds these tables; all of them may be left out.",
        CONFIG_FIELDS,
    ),
    (
        "## `[settings]`",
        "General settings, in one `[settings]` table.",
        SETTINGS_FIELDS,
    ),
    (
        "## `[sound]`",
        "Sound cues and the spoken walkthrough, in one `[sound]` table. Sound plays only "
        "during a session (and the chime when one asks to start); `reminder sound test` "
        "plays every cue.",
        SOUND_FIELDS,
    ),
    (
        "## `[[schedule]]`",
        "One `[[schedule]]` section for each routine and its times. Give either `at`, "
        "or `every` with `between`.",
        SCHEDULE_FIELDS,
    ),
    (
        "## `[routines.NAME]` and routine files",
        "A routine is a file of its own (in the routines folder, or any path a schedule "
        "names) or a `[routines.NAME]` table in the config; both take these keys. Its "
        "phases always run release, then stretch, then strengthen.",
        ROUTINE_FIELDS,
    ),
    (
        "## Exercises",
        "Each `[[release]]`, `[[stretch]]` and `[[strengthen]]` section of a routine "
        "(`[[routines.NAME.release]]` and so on in the config) is one exercise.",
        EXERCISE_FIELDS,
    ),
    (
        "## Groups and levels",
        "An exercise with a `group` runs only in that group's sessions; exercises without "
        "one run in every session. A routine's groups take turns in the order they first "
        "appear in a session (A, B, A, B…), counting the sessions of the routine that ran, and every "
        "group's sessions must still have all three phases. `levels` lists the harder "
        "steps of an exercise after level 1 (the exercise as written): each is an inline "
        "table that changes some of these keys from level 1, and each level is checked "
        "like an exercise. A level that gives `hold` replaces `reps` and the other way "
        "round; `sides`, `switch`, `ready` and `group` stay as written. `reminder "
        "progress` shows each exercise's level, and the rules that move it are in the "
        'README, under "Your programme".',
        LEVEL_FIELDS,
    ),
)

TABLE_HEADER: Final = "| key | type | default | limits | meaning |\n|---|---|---|---|---|"

NO_DEFAULT: Final = "—"

DAY_SET_NAMES: Final = ("daily", "weekdays", "weekends")


def format_duration(seconds: int) -> str:
    """Seconds as a user writes them in TOML: ``900`` → ``15m``, ``90`` → ``1m30s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (
        (f"{hours}h" if hours else "")
        + (f"{minutes}m" if minutes else "")
        + (f"{secs}s" if secs else "")
    )
    return text or "0s"


def format_default(field: Field) -> str:
    """A field's default as a user would write it in TOML, for a table cell."""
    value: Any = field.default
    if value is REQUIRED:
        return "required"
    if value is None:
        return NO_DEFAULT
    if field.type_name == "duration" and isinstance(value, int):
        return f'`"{format_duration(value)}"`'
    if isinstance(value, frozenset):
        for name in DAY_SET_NAMES:
            if value == days(name):
                return f'`"{name}"`'
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, (tuple, list)):
        return "`[" + ", ".join(f'"{item}"' for item in value) + "]`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(field: Field) -> str:
    cells = (
        f"`{field.name}`",
        field.type_name,
        format_default(field),
        field.limits or NO_DEFAULT,
        field.doc,
    )
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def rules() -> str:
    """The limits that belong to no one key, from the constants that enforce them."""
    return (
        "## Rules across keys\n"
        "\n"
        "Besides each key's own limits (the tables below), `reminder validate` checks:\n"
        "\n"
        f"- A config or routine file is a regular file of at most {MAX_BYTES // (1024 * 1024)} MiB of UTF-8 text.\n"
        "- Every key is one the tables list; a misspelt key is a mistake, never ignored.\n"
        "- A schedule has `at`, or `every` together with `between`, never both.\n"
        "- A routine has all three phases, each with at least one exercise, and its "
        "`see_also` does not name the routine itself.\n"
        "- An exercise has exactly one of `hold` and `reps`; `rep_time` goes only with "
        "`reps`."
    )


def limits() -> str:
    """The limits section, from the constants the reader and validator use."""
    from reminder.routines.model import MAX_SECONDS, MAX_STEPS
    from reminder.schema.tomlfile import MAX_DEPTH

    return (
        "## Limits\n"
        "\n"
        "reminder reads only regular files: a named pipe (FIFO), a device or a socket "
        "given as a config or routine is an error, never waited on. These are errors "
        "too, reported like any other mistake (exit status 78):\n"
        "\n"
        f"- a file larger than {MAX_BYTES // (1024 * 1024)} MiB;\n"
        f"- arrays or tables nested more than {MAX_DEPTH} levels deep;\n"
        f"- a routine longer than {MAX_SECONDS // 3600} hours, or with more than "
        f"{MAX_STEPS:,} steps (reported at the exercise that goes past the limit)."
    )


def config_reference() -> str:
    """The whole of docs/configuration.md, from the schema tables."""
    parts = [TITLE, GENERATED_NOTE, INTRO, FORMATS, rules()]
    for heading, lead, fields in SECTIONS:
        rows = "\n".join(_row(field) for field in fields)
        parts.append(f"{heading}\n\n{lead}\n\n{TABLE_HEADER}\n{rows}")
    parts.append(limits())
    return "\n\n".join(parts) + "\n"
