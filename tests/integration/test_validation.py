"""Every kind of mistake a user makes in a config or routine, as the CLI shows it.

Each case runs the real `reminder validate` in-process and checks what the
user sees: exit status 78 (EX_CONFIG), a line `FILE[:LINE:COL]: KEY.PATH:
message` naming the file and the key (the line where a key is located, and
always for TOML syntax errors), a message that says what to do, and no
traceback. Expected lines and columns are worked out from the TOML written
here, never copied from the program's output.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from support.problems import (
    assert_at_line,
    edit,
    problem,
    problems,
    rejected,
    where,
    write,
)

RunCli = Callable[..., Result]

BUNDLED = ("desk-break", "gluteus-medius", "iliacus", "piriformis", "psoas", "quadratus-lumborum")

GOOD_SCHEDULE = """\
[[schedule]]
routine = "gluteus-medius"
at = ["10:30"]
"""

INLINE_ROUTINE = """\
[[schedule]]
routine = "mine"
at = ["10:30"]

[routines.mine]
title = "Mine"

[[routines.mine.release]]
exercise = "Ball release"
hold = "60s"

[[routines.mine.stretch]]
exercise = "Figure-4"
hold = "30s"

[[routines.mine.strengthen]]
exercise = "Clamshells"
reps = 10
"""

ROUTINE_FILE = """\
title = "Mine"

[[release]]
exercise = "Ball release"
hold = "60s"

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Clamshells"
reps = 10
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "config.toml"


@pytest.fixture
def validate(run_cli: RunCli, config_path: Path) -> Callable[[str], str]:
    """Write ``text`` as the config, validate it, expect exit 78; its stderr."""

    def run(text: str) -> str:
        write(config_path, text)
        return rejected(run_cli("validate", "--config", str(config_path)))

    return run


# Unknown keys: the closest known key is suggested.


@pytest.mark.parametrize(
    ("text", "typo", "key_path", "suggestion"),
    [
        pytest.param(
            '[settings]\ntimezon = "UTC"\n\n' + GOOD_SCHEDULE,
            "timezon",
            "settings.timezon",
            "timezone",
            id="settings",
        ),
        pytest.param(
            edit(GOOD_SCHEDULE, 'at = ["10:30"]', 'at = ["10:30"]\ndayz = "weekdays"'),
            "dayz",
            "schedule[0].dayz",
            "days",
            id="schedule",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, 'title = "Mine"', 'titel = "Mine"'),
            "titel",
            "routines.mine.titel",
            "title",
            id="routine",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "60s"\nsidez = "both"'),
            "sidez",
            "routines.mine.release[0].sidez",
            "sides",
            id="exercise",
        ),
    ],
)
def test_unknown_key_names_its_path_and_suggests_the_closest_key(
    validate: Callable[[str], str],
    config_path: Path,
    text: str,
    typo: str,
    key_path: str,
    suggestion: str,
) -> None:
    stderr = validate(text)
    shown = problem(stderr, config_path, key_path)
    assert f'did you mean "{suggestion}"?' in shown.message
    assert shown.line == where(text, typo)[0]
    assert shown.column == where(text, typo)[1]


def test_unknown_key_far_from_any_lists_the_known_keys(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = "colour = 'red'\n\n" + GOOD_SCHEDULE
    shown = problem(validate(text), config_path, "colour")
    assert shown.line == 1
    for key in ("settings", "schedule", "routines"):
        assert key in shown.message


def test_unknown_key_in_a_user_routine_file_names_that_file(
    run_cli: RunCli, user_routines_dir: Path, config_path: Path
) -> None:
    routine_text = edit(ROUTINE_FILE, 'hold = "30s"', 'hold = "30s"\nsidez = "both"')
    routine = write(user_routines_dir / "mine.toml", routine_text)
    write(config_path, '[[schedule]]\nroutine = "mine"\nat = ["10:30"]\n')
    stderr = rejected(run_cli("validate", "--config", str(config_path)))
    shown = problem(stderr, routine, "stretch[0].sidez")
    assert 'did you mean "sides"?' in shown.message
    assert (shown.line, shown.column) == where(routine_text, "sidez")


def test_misspelt_exercise_key_is_reported_not_a_crash(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(INLINE_ROUTINE, 'exercise = "Figure-4"', 'exercize = "Figure-4"')
    stderr = validate(text)
    shown = problem(stderr, config_path, "routines.mine.stretch[0].exercize")
    assert 'did you mean "exercise"?' in shown.message
    assert (shown.line, shown.column) == where(text, "exercize")


# Values of the wrong type or form. Each message shows the right form.


@pytest.mark.parametrize(
    ("text", "snippet", "key_path", "hint"),
    [
        pytest.param(
            "settings = 5\n" + GOOD_SCHEDULE, "settings = 5", "settings", "table", id="settings-5"
        ),
        pytest.param(
            'schedule = "10:30"\n', 'schedule = "10:30"', "schedule", "[[", id="schedule-string"
        ),
        pytest.param(
            "[settings]\nstart = 1\n\n" + GOOD_SCHEDULE,
            "start = 1",
            "settings.start",
            '"ask"',
            id="start-int",
        ),
        pytest.param(
            '[settings]\nnotifier = "dbus"\n\n' + GOOD_SCHEDULE,
            'notifier = "dbus"',
            "settings.notifier",
            '"freedesktop"',
            id="notifier-choice",
        ),
        pytest.param(
            edit(GOOD_SCHEDULE, 'at = ["10:30"]', "at = 1030"),
            "at = 1030",
            "schedule[0].at",
            "HH:MM",
            id="at-int",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, 'title = "Mine"', "title = 5"),
            "title = 5",
            "routines.mine.title",
            "quotes",
            id="title-int",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "60s"\nsets = "2"'),
            'sets = "2"',
            "routines.mine.release[0].sets",
            "whole number",
            id="sets-string",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, "reps = 10", "reps = 10\nsides = 'bath'"),
            "sides = 'bath'",
            "routines.mine.strengthen[0].sides",
            '"both"',
            id="sides-choice",
        ),
    ],
)
def test_wrong_type_names_the_key_and_the_expected_form(
    validate: Callable[[str], str],
    config_path: Path,
    text: str,
    snippet: str,
    key_path: str,
    hint: str,
) -> None:
    shown = problem(validate(text), config_path, key_path)
    assert hint in shown.message
    assert_at_line(shown, text, snippet)


@pytest.mark.parametrize(
    ("text", "snippet", "key_path", "hint"),
    [
        pytest.param(
            edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "6O s"'),
            'hold = "6O s"',
            "routines.mine.release[0].hold",
            '"90s"',
            id="letter-O-for-zero",
        ),
        pytest.param(
            '[settings]\nsnooze = "10 minutes"\n\n' + GOOD_SCHEDULE,
            "snooze",
            "settings.snooze",
            '"2m"',
            id="words",
        ),
        pytest.param(
            "[settings]\nmisfire_grace = true\n\n" + GOOD_SCHEDULE,
            "misfire_grace",
            "settings.misfire_grace",
            '"90s"',
            id="boolean",
        ),
        pytest.param(
            edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "60s"\nsets = 2\nrest = -5'),
            "rest = -5",
            "routines.mine.release[0].rest",
            "0 or more",
            id="negative",
        ),
        pytest.param(
            '[settings]\nsnooze = "30s"\n\n' + GOOD_SCHEDULE,
            "snooze",
            "settings.snooze",
            "1 min",
            id="below-the-least",
        ),
    ],
)
def test_bad_duration_shows_how_to_write_one(
    validate: Callable[[str], str],
    config_path: Path,
    text: str,
    snippet: str,
    key_path: str,
    hint: str,
) -> None:
    shown = problem(validate(text), config_path, key_path)
    assert hint in shown.message
    assert_at_line(shown, text, snippet)


# Times of day, windows and days.


def test_a_bad_item_of_a_list_points_at_the_item_itself(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = '[[schedule]]\nroutine = "desk-break"\ndays = ["mon", "funday"]\nat = ["10:30",\n  "25:00"]\n'
    stderr = validate(text)
    day = problem(stderr, config_path, "schedule[0].days[1]")
    assert (day.line, day.column) == where(text, '"funday"')
    time = problem(stderr, config_path, "schedule[0].at[1]")
    assert (time.line, time.column) == where(text, '"25:00"')


def test_a_key_inside_an_inline_table_is_pointed_at_where_it_is_written(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(
        INLINE_ROUTINE,
        '[[routines.mine.release]]\nexercise = "Ball release"\nhold = "60s"\n',
        'release = [{ exercise = "Ball release", hold = "60x" }]\n',
    )
    shown = problem(validate(text), config_path, "routines.mine.release[0].hold")
    assert (shown.line, shown.column) == where(text, 'hold = "60x"')


def test_problems_are_listed_from_the_top_of_the_file_down(
    validate: Callable[[str], str], config_path: Path
) -> None:
    """Found in the order the validator looks (settings, routines, schedules),
    shown in the order the file is read."""
    text = (
        '[[schedule]]\nroutine = "desk-brake"\nat = ["10:30"]\n\n'
        '[settings]\nsnooze = "10s"\n\n'
        "[routines.mine]\ntitle = 5\n"
    )
    stderr = validate(text)
    for key in ("schedule[0].routine", "settings.snooze", "routines.mine.title"):
        problem(stderr, config_path, key)
    lines = problems(stderr, config_path)
    numbers = [int(line[len(str(config_path)) + 1 :].split(":", 1)[0]) for line in lines]
    assert numbers == sorted(numbers), stderr
    assert numbers[0] == where(text, "desk-brake")[0]


@pytest.mark.parametrize(
    ("value", "key_path", "snippet", "words"),
    [
        pytest.param('"a ball"', "equipment", "equipment", ("list",), id="not-a-list"),
        pytest.param('["a ball", 3]', "equipment[1]", "3]", ("string",), id="not-text"),
        pytest.param('["a ball", ""]', "equipment[1]", '""', ("empty",), id="empty"),
        pytest.param('["a ball", "A Ball"]', "equipment[1]", '"A Ball"', ("twice",), id="twice"),
        pytest.param(
            "[" + ", ".join(f'"thing {n}"' for n in range(11)) + "]",
            "equipment",
            "equipment",
            ("11", "10"),
            id="too-many",
        ),
        pytest.param(f'["{"x" * 41}"]', "equipment[0]", '"xxx', ("41", "40"), id="too-long"),
    ],
)
def test_equipment_is_a_short_list_of_short_texts(
    run_cli: RunCli, tmp_path: Path, value: str, key_path: str, snippet: str, words: tuple[str, ...]
) -> None:
    text = edit(ROUTINE_FILE, 'title = "Mine"\n', f'title = "Mine"\nequipment = {value}\n')
    routine = write(tmp_path / "mine.toml", text)
    stderr = rejected(run_cli("plan", str(routine)))
    shown = problem(stderr, routine, key_path)
    for word in words:
        assert word in shown.message, shown.text
    assert (shown.line, shown.column) == where(text, snippet)


def test_a_missing_top_level_key_of_a_routine_file_gets_a_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = edit(ROUTINE_FILE, '[[strengthen]]\nexercise = "Clamshells"\nreps = 10\n', "")
    routine = write(tmp_path / "mine.toml", text)
    config = write(tmp_path / "config.toml", edit(GOOD_SCHEDULE, "gluteus-medius", "mine.toml"))
    stderr = rejected(run_cli("validate", "--config", str(config)))
    shown = problem(stderr, routine, "strengthen")
    assert "missing" in shown.message
    assert (shown.line, shown.column) == (1, 1)


def test_time_of_day_25_00_is_rejected_at_its_line(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(GOOD_SCHEDULE, '"10:30"', '"10:30", "25:00"')
    stderr = validate(text)
    lines = [line for line in problems(stderr, config_path) if "schedule[0].at" in line]
    assert len(lines) == 1, stderr
    assert '"25:00"' in lines[0]
    assert "HH:MM" in lines[0]
    assert f":{where(text, 'at = ')[0]}:" in lines[0]


def test_time_of_day_problem_has_the_list_index_in_its_key_path(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(GOOD_SCHEDULE, '"10:30"', '"10:30", "25:00"')
    shown = problem(validate(text), config_path, "schedule[0].at[1]")
    assert shown.message.startswith('"25:00" is not a time of day')


@pytest.mark.parametrize(
    ("text", "snippet", "key_path", "hint"),
    [
        pytest.param(
            '[settings]\nquiet_hours = "22:00"\n\n' + GOOD_SCHEDULE,
            "quiet_hours",
            "settings.quiet_hours",
            '"09:00-17:30"',
            id="quiet-hours-one-time",
        ),
        pytest.param(
            '[[schedule]]\nroutine = "desk-break"\nevery = "50m"\nbetween = "09:00-24:00"\n',
            "between",
            "schedule[0].between",
            '"09:00-17:30"',
            id="between-24-00",
        ),
        pytest.param(
            '[settings]\nquiet_hours = "22:00-22:00"\n\n' + GOOD_SCHEDULE,
            "quiet_hours",
            "settings.quiet_hours",
            "differ",
            id="quiet-hours-end-equals-start",
        ),
        pytest.param(
            '[[schedule]]\nroutine = "desk-break"\nevery = "50m"\nbetween = "09:00-09:00"\n',
            "between",
            "schedule[0].between",
            "differ",
            id="between-end-equals-start",
        ),
    ],
)
def test_bad_time_window(
    validate: Callable[[str], str],
    config_path: Path,
    text: str,
    snippet: str,
    key_path: str,
    hint: str,
) -> None:
    shown = problem(validate(text), config_path, key_path)
    assert hint in shown.message
    assert_at_line(shown, text, snippet)


@pytest.mark.parametrize(
    ("days", "hint"),
    [
        pytest.param('["mon", "funday"]', '"funday"', id="unknown-day-in-list"),
        pytest.param('"weekdayz"', '"weekdays"', id="misspelt-day-set"),
        pytest.param('"monday"', '["mon"]', id="one-day-not-in-a-list"),
        pytest.param("[]", '"daily"', id="empty-list"),
    ],
)
def test_bad_days(validate: Callable[[str], str], config_path: Path, days: str, hint: str) -> None:
    text = edit(GOOD_SCHEDULE, 'at = ["10:30"]', f'days = {days}\nat = ["10:30"]')
    # A bad item of the list is named by its index, like DESIGN's at[0].
    key_path = "schedule[0].days[1]" if "funday" in days else "schedule[0].days"
    shown = problem(validate(text), config_path, key_path)
    assert hint in shown.message
    assert_at_line(shown, text, "days")


# Exercises: hold or reps, rep_time only with reps.


@pytest.mark.parametrize(
    ("old", "new", "snippet", "key_path", "words"),
    [
        pytest.param(
            'hold = "60s"',
            'hold = "60s"\nreps = 10',
            "[[routines.mine.release]]",
            "routines.mine.release[0]",
            ("hold", "reps", "not both"),
            id="hold-and-reps",
        ),
        pytest.param(
            'hold = "30s"',
            "sets = 2",
            "[[routines.mine.stretch]]",
            "routines.mine.stretch[0]",
            ("hold", "reps"),
            id="neither-hold-nor-reps",
        ),
        pytest.param(
            'hold = "30s"',
            'hold = "30s"\nrep_time = "2s"',
            "rep_time",
            "routines.mine.stretch[0].rep_time",
            ("reps",),
            id="rep-time-with-hold",
        ),
    ],
)
def test_exercise_needs_exactly_one_of_hold_and_reps(
    validate: Callable[[str], str],
    config_path: Path,
    old: str,
    new: str,
    snippet: str,
    key_path: str,
    words: tuple[str, ...],
) -> None:
    text = edit(INLINE_ROUTINE, old, new)
    shown = problem(validate(text), config_path, key_path)
    for word in words:
        assert word in shown.message
    assert_at_line(shown, text, snippet)


# Phases.


def test_missing_phase_is_named(validate: Callable[[str], str], config_path: Path) -> None:
    text = edit(
        INLINE_ROUTINE, '[[routines.mine.strengthen]]\nexercise = "Clamshells"\nreps = 10\n', ""
    )
    shown = problem(validate(text), config_path, "routines.mine.strengthen")
    assert "missing" in shown.message


@pytest.mark.parametrize(
    ("old", "key_path"),
    [
        pytest.param(
            '[[routines.mine.strengthen]]\nexercise = "Clamshells"\nreps = 10\n',
            "routines.mine.strengthen",
            id="phase",
        ),
        pytest.param(
            'exercise = "Figure-4"\n',
            "routines.mine.stretch[0].exercise",
            id="exercise",
        ),
        pytest.param('routine = "mine"\n', "schedule[0].routine", id="schedule-routine"),
    ],
)
def test_missing_required_key_says_to_add_it(
    validate: Callable[[str], str], config_path: Path, old: str, key_path: str
) -> None:
    shown = problem(validate(edit(INLINE_ROUTINE, old, "")), config_path, key_path)
    assert re.search(r"\b(add|write|give)\b", shown.message), shown.text


def test_empty_phase_needs_an_exercise(run_cli: RunCli, tmp_path: Path) -> None:
    text = """\
title = "Mine"
stretch = []

[[release]]
exercise = "Ball release"
hold = "60s"

[[strengthen]]
exercise = "Clamshells"
reps = 10
"""
    routine = write(tmp_path / "conf" / "empty.toml", text)
    config = write(
        tmp_path / "conf" / "config.toml", edit(GOOD_SCHEDULE, "gluteus-medius", "empty.toml")
    )
    stderr = rejected(run_cli("validate", "--config", str(config)))
    shown = problem(stderr, routine, "stretch")
    assert "at least one" in shown.message
    assert (shown.line, shown.column) == (2, 1)


# Routines that cannot be found, and time zones.


def test_unknown_routine_name_lists_the_available_ones(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(GOOD_SCHEDULE, '"gluteus-medius"', '"glute-medius"')
    shown = problem(validate(text), config_path, "schedule[0].routine")
    assert '"glute-medius"' in shown.message
    for name in BUNDLED:
        assert name in shown.message
    assert_at_line(shown, text, "routine = ")


def test_unknown_time_zone_suggests_the_closest(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = '[settings]\ntimezone = "Europe/Berln"\n\n' + GOOD_SCHEDULE
    shown = problem(validate(text), config_path, "settings.timezone")
    assert '"Europe/Berln"' in shown.message
    assert 'did you mean "Europe/Berlin"?' in shown.message
    assert (shown.line, shown.column) == (2, 1)


# Schedules: at, or every with between.


@pytest.mark.parametrize(
    ("body", "key_path", "words"),
    [
        pytest.param('every = "50m"\n', "schedule[0].every", ("between",), id="every-alone"),
        pytest.param('between = "09:00-17:00"\n', "schedule[0]", ("every",), id="between-alone"),
        pytest.param(
            'at = ["10:30"]\nevery = "50m"\nbetween = "09:00-17:00"\n',
            "schedule[0]",
            ("at", "every"),
            id="at-and-every",
        ),
        pytest.param("", "schedule[0]", ("at", "every", "between"), id="no-time-at-all"),
    ],
)
def test_schedule_needs_at_or_every_with_between(
    validate: Callable[[str], str],
    config_path: Path,
    body: str,
    key_path: str,
    words: tuple[str, ...],
) -> None:
    text = '[[schedule]]\nroutine = "desk-break"\n' + body
    shown = problem(validate(text), config_path, key_path)
    for word in words:
        assert word in shown.message
    assert shown.line is not None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('[settings]\ntimezone = "UTC"\n', id="no-schedule-section"),
        pytest.param("schedule = []\n", id="empty-schedule-list"),
    ],
)
def test_config_without_any_schedule_is_an_error(
    validate: Callable[[str], str], config_path: Path, text: str
) -> None:
    lines = problems(validate(text), config_path)
    assert len(lines) == 1
    assert "schedule" in lines[0]
    assert "add" in lines[0]


# The config file itself.


@pytest.mark.parametrize("given_by", ["--config", "REMINDER_CONFIG"])
def test_missing_config_given_by_option_or_variable(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given_by: str
) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    if given_by == "--config":
        result = run_cli("validate", "--config", str(missing))
    else:
        monkeypatch.setenv("REMINDER_CONFIG", str(missing))
        result = run_cli("validate")
    shown = problem(rejected(result), missing, "")
    assert "no such file" in shown.message
    assert "check the path, or run `reminder init" in shown.message, shown.text


def test_a_missing_config_file_given_with_config_says_how_to_make_it_there(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """`reminder init` alone would write to the default place, not to PATH."""
    missing = tmp_path / "my configs" / "work.toml"
    shown = problem(rejected(run_cli("validate", "--config", str(missing))), missing, "")
    suggested = re.search(r"`(reminder init[^`]*)`", shown.message)
    assert suggested is not None, shown.text
    made = run_cli(*shlex.split(suggested[1])[1:])
    assert made.exit_code == 0, made.stderr
    assert missing.is_file()
    assert run_cli("validate", "--config", str(missing)).exit_code == 0


def test_a_missing_config_from_reminder_config_suggests_plain_init(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init reads REMINDER_CONFIG itself, so the plain command writes the right file."""
    missing = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("REMINDER_CONFIG", str(missing))
    shown = problem(rejected(run_cli("validate")), missing, "")
    assert "`reminder init`" in shown.message, shown.text


def test_config_path_that_is_a_directory(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    shown = problem(rejected(run_cli("validate", "--config", str(folder))), folder, "")
    assert "directory" in shown.message
    assert ".toml" in shown.message


def test_config_that_is_not_utf8_points_at_the_bad_byte(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # Latin-1 "é" (0xE9) on line 3, after 13 ASCII characters.
    config.write_bytes(b'[[schedule]]\nat = ["10:30"]\nroutine = "caf\xe9"\n')
    shown = problem(rejected(run_cli("validate", "--config", str(config))), config, "")
    assert (shown.line, shown.column) == (3, 15)
    assert "UTF-8" in shown.message


def test_config_larger_than_one_mebibyte_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    head = GOOD_SCHEDULE.encode()
    config.write_bytes(head + b"#" * (1024 * 1024 - len(head)) + b"\n")
    shown = problem(rejected(run_cli("validate", "--config", str(config))), config, "")
    assert re.search(r"1 ?MiB|1024 ?KiB", shown.message), shown.text


def test_config_of_exactly_one_mebibyte_is_read(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    head = GOOD_SCHEDULE.encode() + b"#"
    config.write_bytes(head + b"-" * (1024 * 1024 - len(head) - 1) + b"\n")
    assert config.stat().st_size == 1024 * 1024
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # A bare word where a value belongs: the error is at its first letter.
        pytest.param(
            '[[schedule]]\nroutine = "desk-break"\ndays = weekdays\nat = ["10:30"]\n',
            3,
            8,
            id="unquoted-string",
        ),
        # A duration without quotes: 10 reads as a number, the "m" is the mistake.
        pytest.param("[settings]\nsnooze = 10m\n\n" + GOOD_SCHEDULE, 2, 12, id="unquoted-duration"),
        # An array-of-tables header missing its last bracket, at column 11.
        pytest.param('[[schedule]\nroutine = "desk-break"\n', 1, 11, id="unclosed-header"),
        # The same key twice: the second one is the mistake (column: wherever it is seen).
        pytest.param(
            '[[schedule]]\nroutine = "desk-break"\nat = ["10:30"]\nat = ["11:30"]\n',
            4,
            None,
            id="duplicate-key",
        ),
    ],
)
def test_toml_syntax_error_has_line_and_column(
    validate: Callable[[str], str],
    config_path: Path,
    text: str,
    line: int,
    column: int | None,
) -> None:
    lines = problems(validate(text), config_path)
    assert len(lines) == 1, lines
    match = re.match(re.escape(str(config_path)) + r":(\d+):(\d+): ", lines[0])
    assert match is not None, f"no line:col in: {lines[0]}"
    assert int(match[1]) == line, lines[0]
    if column is not None:
        assert int(match[2]) == column, lines[0]
    assert "TOML" in lines[0]


# Routines referenced from the config: by path, inline, in the user's folder.


def test_routine_by_relative_path_is_found_next_to_the_config_and_its_problems_name_it(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(
        tmp_path / "conf" / "config.toml",
        '[[schedule]]\nroutine = "extra/mine.toml"\nat = ["10:30"]\n',
    )
    routine_text = edit(ROUTINE_FILE, "reps = 10", 'reps = 10\nhold = "5s"')
    write(tmp_path / "conf" / "extra" / "mine.toml", routine_text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    stderr = rejected(run_cli("validate", "--config", str(config)))
    routine_lines = [line for line in stderr.splitlines() if "strengthen[0]" in line]
    assert len(routine_lines) == 1, stderr
    shown_file = routine_lines[0].split(":", 1)[0]
    assert shown_file.endswith("extra/mine.toml"), routine_lines[0]
    assert (config.parent / "extra" / "mine.toml").samefile(
        shown_file if Path(shown_file).is_absolute() else config.parent / shown_file
    )
    assert f":{where(routine_text, '[[strengthen]]')[0]}:" in routine_lines[0]
    assert "not both" in routine_lines[0]


def test_routine_by_relative_path_that_does_not_exist(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(
        tmp_path / "conf" / "config.toml",
        '[[schedule]]\nroutine = "extra/gone.toml"\nat = ["10:30"]\n',
    )
    # The same relative path exists from the working directory: it must not be used.
    write(tmp_path / "extra" / "gone.toml", ROUTINE_FILE)
    monkeypatch.chdir(tmp_path)
    stderr = rejected(run_cli("validate", "--config", str(config)))
    shown = problem(stderr, config, "schedule[0].routine")
    assert str(config.parent / "extra" / "gone.toml") in shown.message
    assert shown.line == 2


def test_inline_routine_problems_name_the_config_and_the_routines_key(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "60x"\nsides = "all"')
    stderr = validate(text)
    hold = problem(stderr, config_path, "routines.mine.release[0].hold")
    assert_at_line(hold, text, 'hold = "60x"')
    sides = problem(stderr, config_path, "routines.mine.release[0].sides")
    assert_at_line(sides, text, 'sides = "all"')


def test_broken_inline_routine_is_not_also_reported_as_unknown(
    validate: Callable[[str], str], config_path: Path
) -> None:
    stderr = validate(edit(INLINE_ROUTINE, 'hold = "60s"', 'hold = "60x"'))
    assert "not a known routine" not in stderr


def test_broken_user_routine_shadowing_a_bundled_one_is_reported_from_the_user_file(
    run_cli: RunCli, user_routines_dir: Path, config_path: Path
) -> None:
    routine_text = edit(ROUTINE_FILE, 'hold = "30s"', 'hold = "30s"\nsides = "bothe"')
    shadow = write(user_routines_dir / "gluteus-medius.toml", routine_text)
    write(config_path, GOOD_SCHEDULE)
    stderr = rejected(run_cli("validate", "--config", str(config_path)))
    shown = problem(stderr, shadow, "stretch[0].sides")
    assert '"both"' in shown.message
    assert_at_line(shown, routine_text, "sides")
    assert "bundled" not in stderr


def test_broken_user_routine_shadowing_the_default_routine_is_reported_without_a_config(
    run_cli: RunCli, user_routines_dir: Path
) -> None:
    """No config file: the built-in default uses gluteus-medius, the user's one."""
    routine_text = edit(ROUTINE_FILE, "reps = 10", "reps = 0")
    shadow = write(user_routines_dir / "gluteus-medius.toml", routine_text)
    shown = problem(rejected(run_cli("validate")), shadow, "strengthen[0].reps")
    assert "0" in shown.message
    assert_at_line(shown, routine_text, "reps = 0")


# All mistakes at once.


def test_every_mistake_in_a_file_is_reported_in_one_run_one_a_line(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = """\
[settings]
timezone = "Europe/Berln"
quiet_hours = "22:00-22:00"
snoze = "5m"

[[schedule]]
routine = "gluteus-medius"
days = ["mon", "funday"]
at = ["10:30"]

[[schedule]]
routine = "desk-break"
at = ["25:00"]

[[schedule]]
routine = "desk-brake"
at = ["11:00"]

[[schedule]]
routine = "psoas"
every = "50m"

[[schedule]]
routine = "iliacus"
at = ["12:00"]
every = "1h"
between = "09:00-12:00"

[routines.mine]
[[routines.mine.release]]
exercise = "Ball release"
hold = "60s"
reps = 10
[[routines.mine.stretch]]
exercise = "Figure-4"
hold = "30s"
[[routines.mine.strengthen]]
exercise = "Clamshells"
reps = 10
"""
    stderr = validate(text)
    expected = {
        "settings.timezone": ("Europe/Berlin", 'timezone = "Europe/Berln"'),
        "settings.quiet_hours": ("22:00-22:00", "quiet_hours"),
        "settings.snoze": ('"snooze"', "snoze"),
        "schedule[0].days": ('"funday"', "days"),
        "schedule[1].at": ('"25:00"', 'at = ["25:00"]'),
        "schedule[2].routine": ('"desk-brake"', 'routine = "desk-brake"'),
        "schedule[3].every": ("between", 'every = "50m"'),
        "schedule[4]": ("every", 'routine = "iliacus"'),
        "routines.mine.release[0]": ("not both", "[[routines.mine.release]]"),
    }
    for key_path, (word, snippet) in expected.items():
        lines = [
            line
            for line in problems(stderr, config_path)
            if re.search(r":\d+:\d+: " + re.escape(key_path) + r"(: |\[)", line)
        ]
        assert len(lines) == 1, f"{key_path}: expected one line in:\n{stderr}"
        assert word in lines[0], lines[0]
        line, _ = where(text, snippet)
        if key_path == "schedule[4]":
            line -= 1  # a table's problem is at its [[schedule]] header
        assert f":{line}:" in lines[0], f"expected line {line}: {lines[0]}"
    assert len(problems(stderr, config_path)) == len(expected), stderr


def test_problems_in_the_config_and_in_a_routine_file_are_reported_together(
    run_cli: RunCli, tmp_path: Path
) -> None:
    routine = write(
        tmp_path / "conf" / "mine.toml", edit(ROUTINE_FILE, 'hold = "60s"', 'hold = "60x"')
    )
    config = write(
        tmp_path / "conf" / "config.toml",
        '[settings]\nsnooze = "soon"\n\n[[schedule]]\nroutine = "mine.toml"\nat = ["10:30"]\n',
    )
    stderr = rejected(run_cli("validate", "--config", str(config)))
    assert problem(stderr, config, "settings.snooze").line == 2
    assert problem(stderr, routine, "release[0].hold").line == 5


def test_two_mistakes_in_one_schedule_are_both_reported(
    validate: Callable[[str], str], config_path: Path
) -> None:
    text = '[[schedule]]\nroutine = "desk-brake"\nat = ["25:00"]\n'
    stderr = validate(text)
    assert "25:00" in stderr
    assert problem(stderr, config_path, "schedule[0].routine").line == 2
