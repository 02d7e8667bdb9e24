"""The converters every config and routine key goes through, and their messages.

A message completes a sentence after the key path and says what to write
instead, e.g. `schedule[0].at[0]: "25:00" is not a time of day (HH:MM ...)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reminder.errors import Problems
from reminder.schema import fields as schema
from reminder.schema import values
from reminder.schema.fields import Reporter
from reminder.schema.values import Invalid, Window

# Durations


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90),
        ("1m30s", 90),
        ("2m", 120),
        ("1h", 3600),
        ("1h2m3s", 3723),
        ("0s", 0),
        (" 45s ", 45),
        (90, 90),
        (0, 0),
    ],
)
def test_parse_duration_accepts(value: Any, seconds: int) -> None:
    assert values.parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["1.5m", "90 sec", "", "s", "90", "1m30", "30s1m", "ninety seconds", "-5s", "1d"],
)
def test_parse_duration_rejects_text_and_shows_how_to_write_it(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.parse_duration(value)

    message = str(caught.value)
    assert message.startswith(f'"{value}" is not a duration')
    assert 'write it like "90s", "1m30s" or "2m"' in message


def test_parse_duration_rejects_a_negative_number() -> None:
    with pytest.raises(Invalid, match=r"^-1 is negative; a duration is 0 or more seconds$"):
        values.parse_duration(-1)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(True, "true"), (False, "false"), (1.5, "1.5"), ([30], "a list"), ({"s": 30}, "a table")],
)
def test_parse_duration_rejects_other_types(value: Any, shown: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.parse_duration(value)

    assert str(caught.value) == f'must be a duration like "90s", "1m30s" or "2m", not {shown}'


def test_duration_bounds_name_the_limit_in_words() -> None:
    snooze = values.duration(60, 24 * 60 * 60)
    hold = values.duration(1, 60 * 60)

    assert snooze("1m") == 60
    assert hold("1h") == 3600
    with pytest.raises(Invalid, match=r'^"30s" is too short; the least is 1 min$'):
        snooze("30s")
    with pytest.raises(Invalid, match=r"^0 is too short; the least is 1 s$"):
        hold(0)
    with pytest.raises(Invalid, match=r'^"1h0m1s" is too long; the most is 1 h$'):
        hold("1h0m1s")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (5, "5 s"),
        (60, "1 min"),
        (90, "1 min 30 s"),
        (3600, "1 h"),
        (3723, "1 h 2 min 3 s"),
    ],
)
def test_format_seconds(seconds: int, said: str) -> None:
    assert values.format_seconds(seconds) == said


# Times of day


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7:05", dt.time(7, 5)),
        ("07:05", dt.time(7, 5)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        (" 10:30 ", dt.time(10, 30)),
        (dt.time(7, 5), dt.time(7, 5)),  # a TOML time literal, 07:05:00
    ],
)
def test_time_of_day_accepts(value: Any, expected: dt.time) -> None:
    assert values.time_of_day(value) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("25:00", '"25:00"'),
        ("24:00", '"24:00"'),
        ("12:60", '"12:60"'),
        ("7:5", '"7:5"'),
        ("noon", '"noon"'),
        ("10.30", '"10.30"'),
        ("", '""'),
        (1030, "1030"),
    ],
)
def test_time_of_day_rejects(value: Any, shown: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.time_of_day(value)

    assert str(caught.value) == f"{shown} is not a time of day (HH:MM, 24-hour clock)"


def test_times_of_day_sorts_and_accepts_a_single_string() -> None:
    assert values.times_of_day(["16:00", "10:30"]) == (dt.time(10, 30), dt.time(16))
    assert values.times_of_day("10:30") == (dt.time(10, 30),)


def test_times_of_day_names_every_bad_item_by_index() -> None:
    with pytest.raises(values.InvalidItems) as caught:
        values.times_of_day(["10:30", "25:00", "noon"])

    assert caught.value.items == (
        (1, '"25:00" is not a time of day (HH:MM, 24-hour clock)'),
        (2, '"noon" is not a time of day (HH:MM, 24-hour clock)'),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], 'is empty; give at least one time, like ["10:30"]'),
        (["10:30", "10:30"], "lists the same time twice"),
    ],
)
def test_times_of_day_rejects_empty_and_repeated(value: list[str], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.times_of_day(value)

    assert str(caught.value) == message


# Windows


@pytest.mark.parametrize(
    ("value", "start", "end", "wraps"),
    [
        ("09:00-17:30", dt.time(9), dt.time(17, 30), False),
        ("22:00-07:00", dt.time(22), dt.time(7), True),
        ("9:00 - 17:30", dt.time(9), dt.time(17, 30), False),
    ],
)
def test_window_accepts(value: str, start: dt.time, end: dt.time, wraps: bool) -> None:
    parsed = values.window(value)

    assert parsed == Window(start, end)
    assert parsed.wraps is wraps


def test_window_with_equal_start_and_end_says_so() -> None:
    with pytest.raises(Invalid) as caught:
        values.window("10:00-10:00")

    assert str(caught.value) == (
        '"10:00-10:00" starts and ends at the same time; the end must differ from the start '
        '(a window may wrap past midnight, like "22:00-07:00")'
    )


@pytest.mark.parametrize(
    "value",
    ["09:00", "09:00-17:30-18:00", "9-5", "09:00-25:00", "morning", 930, ["09:00", "17:00"]],
)
def test_window_rejects_and_shows_how_to_write_it(value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        values.window(value)

    assert "is not a time window; write it like" in str(caught.value)
    assert '"09:00-17:30"' in str(caught.value)


@pytest.mark.parametrize(
    ("window", "inside", "outside"),
    [
        ("22:00-07:00", ["22:00", "23:59", "00:00", "06:59"], ["07:00", "12:00", "21:59"]),
        ("12:00-13:00", ["12:00", "12:59"], ["11:59", "13:00", "00:00"]),
    ],
)
def test_window_contains_start_but_not_end(
    window: str, inside: list[str], outside: list[str]
) -> None:
    parsed = values.window(window)

    assert [parsed.contains(values.time_of_day(t)) for t in inside] == [True] * len(inside)
    assert [parsed.contains(values.time_of_day(t)) for t in outside] == [False] * len(outside)


# Days


@pytest.mark.parametrize(
    ("value", "weekdays"),
    [
        ("daily", {0, 1, 2, 3, 4, 5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("Weekdays", {0, 1, 2, 3, 4}),
        (["mon", "thu"], {0, 3}),
        (["Monday", "sun", "SAT"], {0, 5, 6}),
        (["fri", "fri"], {4}),
    ],
)
def test_days_accepts(value: Any, weekdays: set[int]) -> None:
    assert values.days(value) == frozenset(weekdays)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            ["mon", "funday"],
            '"funday" is not a day; use mon, tue, wed, thu, fri, sat or sun',
        ),
        (
            [],
            "is empty, so the schedule would never run; "
            'use "daily", "weekdays", "weekends" or a list like ["mon", "thu"]',
        ),
        ("mon", '"mon" must be a list of days, like ["mon"]'),
        ("Thursday", '"Thursday" must be a list of days, like ["thu"]'),
        (
            "someday",
            '"someday" is not a set of days; '
            'use "daily", "weekdays", "weekends" or a list like ["mon", "thu"]',
        ),
        (
            5,
            "must be a day set or a list of days, not 5; "
            'use "daily", "weekdays", "weekends" or a list like ["mon", "thu"]',
        ),
        ([1], "1 is not a day; use mon, tue, wed, thu, fri, sat or sun"),
    ],
)
def test_days_rejects_with_a_hint(value: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.days(value)

    assert str(caught.value) == message


# Choices and other converters


def test_choice_lists_the_options() -> None:
    sides = values.choice("both", "left", "right", "none")

    assert sides("left") == "left"
    with pytest.raises(Invalid) as caught:
        sides("Left")
    assert str(caught.value) == '"Left" is not one of "both", "left", "right", "none"'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "0 is out of range; use 1 to 50"),
        (51, "51 is out of range; use 1 to 50"),
        ("3", 'must be a whole number, not "3"'),
        (True, "must be a whole number, not true"),
        (2.0, "must be a whole number, not 2.0"),
    ],
)
def test_integer_rejects(value: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        values.integer(1, 50)(value)

    assert str(caught.value) == message


@pytest.mark.parametrize("value", ["My Routine", "-psoas", "psoas.toml", "", 3])
def test_routine_name_rejects_and_shows_a_good_one(value: Any) -> None:
    with pytest.raises(Invalid, match=r'like "gluteus-medius"$'):
        values.routine_name(value)


def test_describe_shows_values_as_toml() -> None:
    assert values.describe('say "hi"') == r'"say \"hi\""'
    assert values.describe(True) == "true"
    assert values.describe(3) == "3"


# Tables: unknown keys, required keys, defaults


def reporter(text: str | None = None) -> Reporter:
    return Reporter("config.toml", text, Problems())


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("evry", "every"), ("betwen", "between"), ("day", "days"), ("rotuine", "routine")],
)
def test_unknown_key_suggests_the_close_one(key: str, suggestion: str) -> None:
    report = reporter()

    schema.check_table(
        {"routine": "r", "at": ["10:30"], key: "x"}, schema.SCHEDULE_FIELDS, ("schedule", 0), report
    )

    [problem] = list(report.problems)
    assert problem.path == f"schedule[0].{key}"
    assert problem.message == f'unknown key; did you mean "{suggestion}"?'


def test_unknown_key_with_nothing_close_lists_the_known_keys() -> None:
    message = schema.unknown_key_message("colour", [f.name for f in schema.SCHEDULE_FIELDS])

    assert message == "unknown key; known keys: routine, days, at, every, between"


def test_check_table_fills_defaults() -> None:
    report = reporter()

    values = schema.check_table(
        {"exercise": "Bridge", "reps": 10}, schema.EXERCISE_FIELDS, ("strengthen", 0), report
    )

    assert not report.problems
    assert values == {
        "exercise": "Bridge",
        "how": None,
        "hold": None,
        "reps": 10,
        "sets": 1,
        "rep_time": 3,
        "rest": 0,
        "sides": "none",
        "switch": 5,
        "ready": 10,
        "group": None,
        "levels": (),
    }


def test_check_table_reports_every_problem_at_once() -> None:
    report = reporter()

    values = schema.check_table(
        {"hold": "1.5m", "sides": "both sides", "setss": 3},
        schema.EXERCISE_FIELDS,
        ("release", 0),
        report,
    )

    assert [(p.path, p.message) for p in report.problems] == [
        ("release[0].setss", 'unknown key; did you mean "sets"?'),
        (
            "release[0].exercise",
            'is missing; add a line like exercise = "..." (the exercise\'s name)',
        ),
        ("release[0].hold", '"1.5m" is not a duration; write it like "90s", "1m30s" or "2m"'),
        (
            "release[0].sides",
            '"both sides" is not one of "both", "left", "right", "none"',
        ),
    ]
    # Wrong values are left out, so cross-field checks never see them.
    assert values is not None
    assert "hold" not in values
    assert "sides" not in values


def test_check_table_rejects_a_value_that_is_not_a_table() -> None:
    report = reporter()

    assert schema.check_table(["x"], schema.SCHEDULE_FIELDS, ("schedule", 2), report) is None
    [problem] = list(report.problems)
    assert (problem.path, problem.message) == ("schedule[2]", "must be a table, not a list")


def test_problems_point_at_the_line_of_the_key() -> None:
    text = """\
[settings]
timezone = "UTC"

[[schedule]]
routine = "r"
at = ["10:30"]

[[schedule]]
routine = "r"
  evry = "50m"
between = "09:00-10:00"
"""
    report = reporter(text)

    schema.check_table(
        {"routine": "r", "evry": "50m", "between": "09:00-10:00"},
        schema.SCHEDULE_FIELDS,
        ("schedule", 1),
        report,
    )

    [problem] = list(report.problems)
    assert (problem.line, problem.column) == (10, 3)
    assert str(problem) == 'config.toml:10:3: schedule[1].evry: unknown key; did you mean "every"?'
