"""Upcoming session times from a config: days, quiet hours, every/between, DST.

Expected instants are written in UTC, worked out by hand from the zone rules:
Europe/Berlin CET +1 / CEST +2, spring forward 2026-03-29 02:00→03:00 (01:00
UTC), fall back 2026-10-25 03:00→02:00 (01:00 UTC); America/New_York EST −5 /
EDT −4, 2026-03-08 02:00→03:00 (07:00 UTC) and 2026-11-01 02:00→01:00 (06:00
UTC); Australia/Lord_Howe +10:30 / +11:00, 2026-04-05 02:00→01:30 (15:00 UTC
the day before) and 2026-10-04 02:00→02:30 (15:30 UTC the day before).
2026-06-01 is a Monday; every DST day above is a Sunday.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from reminder.config.calendar import Occurrence, occurrences, resolve_wall_time, upcoming
from reminder.config.load import Config, parse_config
from reminder.errors import ConfigError
from reminder.paths import Paths
from reminder.schema.tomlfile import parse

ConfigFromToml = Callable[..., Config]

UTC = dt.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LORD_HOWE = zoneinfo.ZoneInfo("Australia/Lord_Howe")
HOUR = dt.timedelta(hours=1)


ROUTINE_BODY = """\
[[routines.NAME.release]]
exercise = "Ball release"
hold = "30s"

[[routines.NAME.stretch]]
exercise = "Figure-4"
hold = "30s"

[[routines.NAME.strengthen]]
exercise = "Clamshells"
reps = 10
"""


@pytest.fixture
def config_toml(tmp_path: Path) -> ConfigFromToml:
    """``config_toml(text, routines=("r",))``: the Config that text validates to.

    An inline routine for each name in ``routines`` is appended, so schedules
    need no bundled or user routine file; every user folder is under tmp_path.
    """
    config_dir = tmp_path / "config" / "reminder"
    paths = Paths(
        config_file=config_dir / "config.toml",
        config_from="--config",
        config_dir=config_dir,
        routines_dir=config_dir / "routines",
        state_dir=tmp_path / "state" / "reminder",
        runtime_dir=tmp_path / "run" / "reminder",
    )

    def build(text: str, routines: Sequence[str] = ("r",)) -> Config:
        full = text + "".join("\n" + ROUTINE_BODY.replace("NAME", name) for name in routines)
        try:
            return parse_config(
                parse(full, "config.toml"),
                text=full,
                shown="config.toml",
                path=paths.config_file,
                paths=paths,
            )
        except ConfigError as error:  # pragma: no cover - shows a broken test's input
            pytest.fail(f"test config is invalid:\n{error.message}")

    return build


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def instants(found: Sequence[Occurrence]) -> list[dt.datetime]:
    # Compared in UTC: an aware datetime inside a repeated hour never equals
    # one in another zone, by Python's rules, even at the same instant.
    return [o.at.astimezone(UTC) for o in found]


def settings(timezone: str, quiet_hours: str | None = None) -> str:
    quiet = f'quiet_hours = "{quiet_hours}"\n' if quiet_hours else ""
    return f'[settings]\ntimezone = "{timezone}"\n{quiet}'


def at_schedule(times: str, days: str = '"daily"', routine: str = "r") -> str:
    return f'\n[[schedule]]\nroutine = "{routine}"\ndays = {days}\nat = {times}\n'


def every_schedule(every: str, between: str, days: str = '"daily"', routine: str = "r") -> str:
    return (
        f'\n[[schedule]]\nroutine = "{routine}"\ndays = {days}\n'
        f'every = "{every}"\nbetween = "{between}"\n'
    )


# Days


@pytest.mark.parametrize(
    ("days", "dates"),
    [
        ('"daily"', [1, 2, 3, 4, 5, 6, 7]),
        ('"weekdays"', [1, 2, 3, 4, 5, 8, 9]),
        ('"weekends"', [6, 7, 13, 14, 20, 21, 27]),
        ('["mon", "thu"]', [1, 4, 8, 11, 15, 18, 22]),
        ('["sunday"]', [7, 14, 21, 28, 35, 42, 49]),
    ],
)
def test_days_choose_the_weekdays(config_toml: ConfigFromToml, days: str, dates: list[int]) -> None:
    config = config_toml(settings("UTC") + at_schedule('["10:00"]', days))

    found = upcoming(config, utc(2026, 6, 1), 7)

    start = dt.datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert instants(found) == [start + dt.timedelta(days=d - 1) for d in dates]


# Strictly after, count, merging


def test_a_session_exactly_at_after_is_not_upcoming(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("UTC") + at_schedule('["10:30"]'))

    assert instants(upcoming(config, utc(2026, 6, 1, 10, 30), 1)) == [utc(2026, 6, 2, 10, 30)]
    just_before = dt.datetime(2026, 6, 1, 10, 29, 59, tzinfo=UTC)
    assert instants(upcoming(config, just_before, 1)) == [utc(2026, 6, 1, 10, 30)]


@pytest.mark.parametrize("count", [1, 2, 5, 12])
def test_upcoming_returns_exactly_count_sessions(config_toml: ConfigFromToml, count: int) -> None:
    config = config_toml(settings("UTC") + at_schedule('["10:30", "16:00"]'))

    found = upcoming(config, utc(2026, 6, 1), count)

    assert len(found) == count
    assert found[0].at.astimezone(UTC) == utc(2026, 6, 1, 10, 30)


def test_after_in_another_zone_means_the_same_instant(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + at_schedule('["10:30"]'))
    # 2026-06-01 10:00 in New York is 14:00 UTC, 16:00 in Berlin: today's 10:30 is gone.
    after = dt.datetime(2026, 6, 1, 10, 0, tzinfo=NEW_YORK)

    found = upcoming(config, after, 1)

    assert instants(found) == [utc(2026, 6, 2, 8, 30)]
    assert found[0].at.utcoffset() == 2 * HOUR


def test_several_schedules_are_merged_in_time_order(config_toml: ConfigFromToml) -> None:
    config = config_toml(
        settings("UTC")
        + at_schedule('["16:00"]', routine="late")
        + at_schedule('["10:30"]', days='"weekends"', routine="early")
        + every_schedule("2h", "09:00-13:00", days='["sat"]', routine="often"),
        routines=("late", "early", "often"),
    )

    # Friday 2026-06-05 12:00 UTC, then Saturday and Sunday.
    found = upcoming(config, utc(2026, 6, 5, 12), 7)

    assert [(o.at.astimezone(UTC), o.routine, o.schedule) for o in found] == [
        (utc(2026, 6, 5, 16), "late", 0),
        (utc(2026, 6, 6, 9), "often", 2),
        (utc(2026, 6, 6, 10, 30), "early", 1),
        (utc(2026, 6, 6, 11), "often", 2),
        (utc(2026, 6, 6, 16), "late", 0),
        (utc(2026, 6, 7, 10, 30), "early", 1),
        (utc(2026, 6, 7, 16), "late", 0),
    ]


def test_next_json_gives_times_with_their_utc_offset(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + at_schedule('["10:30"]'))

    found = upcoming(config, utc(2026, 6, 1), 1)

    assert found[0].to_json() == {
        "at": "2026-06-01T10:30:00+02:00",
        "routine": "r",
        "schedule": 0,
    }


# Quiet hours


def test_quiet_hours_wrapping_midnight_start_inclusive_end_exclusive(
    config_toml: ConfigFromToml,
) -> None:
    config = config_toml(
        settings("UTC", "22:00-07:00")
        + at_schedule('["00:00", "06:59", "07:00", "21:59", "22:00", "23:30"]')
    )

    found = upcoming(config, utc(2026, 6, 1), 4)

    assert instants(found) == [
        utc(2026, 6, 1, 7, 0),
        utc(2026, 6, 1, 21, 59),
        utc(2026, 6, 2, 7, 0),
        utc(2026, 6, 2, 21, 59),
    ]


def test_quiet_hours_within_a_day(config_toml: ConfigFromToml) -> None:
    config = config_toml(
        settings("UTC", "12:00-13:00") + at_schedule('["11:59", "12:00", "12:30", "13:00"]')
    )

    found = upcoming(config, utc(2026, 6, 1), 2)

    assert instants(found) == [utc(2026, 6, 1, 11, 59), utc(2026, 6, 1, 13, 0)]


def test_quiet_hours_drop_sessions_of_every_between(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("UTC", "22:00-07:00") + every_schedule("1h", "20:00-23:30"))

    found = upcoming(config, utc(2026, 6, 1), 3)

    assert instants(found) == [utc(2026, 6, 1, 20), utc(2026, 6, 1, 21), utc(2026, 6, 2, 20)]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "schedule",
    [
        at_schedule('["10:00", "10:30"]'),
        at_schedule('["10:00"]', days='["wed"]'),
        every_schedule("15m", "09:00-11:00"),
    ],
)
def test_every_time_in_quiet_hours_gives_no_sessions(
    config_toml: ConfigFromToml, schedule: str
) -> None:
    config = config_toml(settings("Europe/Berlin", "09:00-11:00") + schedule)

    assert upcoming(config, utc(2026, 6, 1), 5) == []
    assert list(occurrences(config, utc(2026, 6, 1))) == []


# every / between


@pytest.mark.parametrize(
    ("every", "between", "times"),
    [
        ("50m", "09:00-11:00", [(9, 0), (9, 50), (10, 40)]),
        # The window's end is not itself a start: 11:00 is not before 11:00.
        ("60m", "09:00-11:00", [(9, 0), (10, 0)]),
        ("2h", "09:00-10:00", [(9, 0)]),
        ("1h30m", "08:00-12:01", [(8, 0), (9, 30), (11, 0)]),
    ],
)
def test_every_between_starts_at_the_window_start(
    config_toml: ConfigFromToml, every: str, between: str, times: list[tuple[int, int]]
) -> None:
    config = config_toml(settings("UTC") + every_schedule(every, between))

    found = upcoming(config, utc(2026, 6, 1), len(times) + 1)

    assert instants(found) == [
        *(utc(2026, 6, 1, h, m) for h, m in times),
        utc(2026, 6, 2, *times[0]),
    ]


def test_a_window_wrapping_midnight_belongs_to_the_day_it_starts(
    config_toml: ConfigFromToml,
) -> None:
    config = config_toml(settings("UTC") + every_schedule("1h", "23:00-01:30", days='["fri"]'))

    # From Thursday 2026-06-04: Thursday night's window does not run, Friday's does.
    found = upcoming(config, utc(2026, 6, 4), 4)

    assert instants(found) == [
        utc(2026, 6, 5, 23),
        utc(2026, 6, 6, 0),
        utc(2026, 6, 6, 1),
        utc(2026, 6, 12, 23),
    ]


def test_the_tail_of_last_nights_window_is_still_upcoming(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("UTC") + every_schedule("1h", "23:00-01:30", days='["fri"]'))

    found = upcoming(config, utc(2026, 6, 6, 0, 30), 2)

    assert instants(found) == [utc(2026, 6, 6, 1), utc(2026, 6, 12, 23)]


# DST: resolving one wall time


@pytest.mark.parametrize(
    ("zone", "day", "time", "expected_utc", "offset"),
    [
        # Ordinary days, either side of the changes.
        (BERLIN, dt.date(2026, 1, 15), dt.time(10, 30), utc(2026, 1, 15, 9, 30), HOUR),
        (BERLIN, dt.date(2026, 7, 15), dt.time(10, 30), utc(2026, 7, 15, 8, 30), 2 * HOUR),
        # Nonexistent: the first valid instant after it, the transition itself.
        (BERLIN, dt.date(2026, 3, 29), dt.time(2, 30), utc(2026, 3, 29, 1, 0), 2 * HOUR),
        (BERLIN, dt.date(2026, 3, 29), dt.time(2, 0), utc(2026, 3, 29, 1, 0), 2 * HOUR),
        (BERLIN, dt.date(2026, 3, 29), dt.time(3, 0), utc(2026, 3, 29, 1, 0), 2 * HOUR),
        (BERLIN, dt.date(2026, 3, 29), dt.time(1, 59), utc(2026, 3, 29, 0, 59), HOUR),
        (NEW_YORK, dt.date(2026, 3, 8), dt.time(2, 30), utc(2026, 3, 8, 7, 0), -4 * HOUR),
        (
            LORD_HOWE,
            dt.date(2026, 10, 4),
            dt.time(2, 15),
            utc(2026, 10, 3, 15, 30),
            dt.timedelta(hours=11),
        ),
        # Ambiguous: once, at the first (the earlier UTC instant).
        (BERLIN, dt.date(2026, 10, 25), dt.time(2, 30), utc(2026, 10, 25, 0, 30), 2 * HOUR),
        (BERLIN, dt.date(2026, 10, 25), dt.time(2, 0), utc(2026, 10, 25, 0, 0), 2 * HOUR),
        (BERLIN, dt.date(2026, 10, 25), dt.time(3, 0), utc(2026, 10, 25, 2, 0), HOUR),
        (NEW_YORK, dt.date(2026, 11, 1), dt.time(1, 30), utc(2026, 11, 1, 5, 30), -4 * HOUR),
        (NEW_YORK, dt.date(2026, 11, 1), dt.time(2, 30), utc(2026, 11, 1, 7, 30), -5 * HOUR),
        (
            LORD_HOWE,
            dt.date(2026, 4, 5),
            dt.time(1, 45),
            utc(2026, 4, 4, 14, 45),
            dt.timedelta(hours=11),
        ),
    ],
)
def test_resolve_wall_time(
    zone: zoneinfo.ZoneInfo,
    day: dt.date,
    time: dt.time,
    expected_utc: dt.datetime,
    offset: dt.timedelta,
) -> None:
    moment = resolve_wall_time(day, time, zone)

    assert moment.astimezone(UTC) == expected_utc
    assert moment.utcoffset() == offset


# DST: schedules across the changes


def test_berlin_nonexistent_time_runs_at_the_transition(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + at_schedule('["02:30"]'))

    found = upcoming(config, utc(2026, 3, 27, 12), 3)

    assert instants(found) == [
        utc(2026, 3, 28, 1, 30),  # 02:30 CET
        utc(2026, 3, 29, 1, 0),  # 02:30 does not exist: 03:00 CEST
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
    ]
    assert [o.at.utcoffset() for o in found] == [HOUR, 2 * HOUR, 2 * HOUR]
    assert [o.at.strftime("%H:%M") for o in found] == ["02:30", "03:00", "02:30"]


def test_berlin_ambiguous_time_runs_once_at_the_first(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + at_schedule('["02:30"]'))

    found = upcoming(config, utc(2026, 10, 24, 12), 2)

    assert instants(found) == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, not again at 02:30 CET (01:30 UTC)
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
    ]
    assert [o.at.utcoffset() for o in found] == [2 * HOUR, HOUR]


@pytest.mark.parametrize(
    ("zone", "after", "expected", "offsets"),
    [
        (
            "Europe/Berlin",
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 9, 30), utc(2026, 3, 29, 8, 30), utc(2026, 3, 30, 8, 30)],
            [1, 2, 2],
        ),
        (
            "Europe/Berlin",
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 8, 30), utc(2026, 10, 25, 9, 30), utc(2026, 10, 26, 9, 30)],
            [2, 1, 1],
        ),
        (
            "America/New_York",
            utc(2026, 3, 7, 0),
            [utc(2026, 3, 7, 15, 30), utc(2026, 3, 8, 14, 30), utc(2026, 3, 9, 14, 30)],
            [-5, -4, -4],
        ),
        (
            "America/New_York",
            utc(2026, 10, 31, 0),
            [utc(2026, 10, 31, 14, 30), utc(2026, 11, 1, 15, 30), utc(2026, 11, 2, 15, 30)],
            [-4, -5, -5],
        ),
    ],
)
def test_the_same_wall_time_on_both_sides_of_a_change(
    config_toml: ConfigFromToml,
    zone: str,
    after: dt.datetime,
    expected: list[dt.datetime],
    offsets: list[int],
) -> None:
    config = config_toml(settings(zone) + at_schedule('["10:30"]'))

    found = upcoming(config, after, 3)

    assert instants(found) == expected
    assert [o.at.utcoffset() for o in found] == [h * HOUR for h in offsets]
    assert [o.at.strftime("%H:%M") for o in found] == ["10:30", "10:30", "10:30"]


def test_lord_howe_half_hour_changes(config_toml: ConfigFromToml) -> None:
    config = config_toml(
        settings("Australia/Lord_Howe") + at_schedule('["01:45", "02:15"]', days='"weekends"')
    )

    spring_back = upcoming(config, utc(2026, 4, 4, 0), 2)  # Saturday 11:00 local (+11:00)
    forward = upcoming(config, utc(2026, 10, 3, 15), 2)  # Sunday 01:30 +10:30

    # 2026-04-05 01:45 happens twice: first at +11:00. 02:15 exists once, at +10:30.
    assert instants(spring_back) == [utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 45)]
    assert [o.at.utcoffset() for o in spring_back] == [
        dt.timedelta(hours=11),
        dt.timedelta(hours=10, minutes=30),
    ]
    # 2026-10-04 01:45 exists at +10:30; 02:15 does not: 02:30 +11:00, the transition.
    assert instants(forward) == [utc(2026, 10, 3, 15, 15), utc(2026, 10, 3, 15, 30)]
    assert [o.at.utcoffset() for o in forward] == [
        dt.timedelta(hours=10, minutes=30),
        dt.timedelta(hours=11),
    ]


def test_every_steps_in_real_time_across_spring_forward(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + every_schedule("30m", "01:00-04:00"))

    found = upcoming(config, utc(2026, 3, 28, 12), 5)

    # 01:00 CET to 04:00 CEST is two real hours.
    assert instants(found) == [
        utc(2026, 3, 29, 0, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 29, 23, 0),  # the next day, 01:00 CEST
    ]
    assert [o.at.strftime("%H:%M") for o in found] == ["01:00", "01:30", "03:00", "03:30", "01:00"]


FALL_BACK_EVERY_30M = [
    # 01:00 CEST to 04:00 CET is four real hours; 02:00 and 02:30 come twice.
    utc(2026, 10, 24, 23, 0),  # 01:00 CEST
    utc(2026, 10, 24, 23, 30),  # 01:30 CEST
    utc(2026, 10, 25, 0, 0),  # 02:00 CEST
    utc(2026, 10, 25, 0, 30),  # 02:30 CEST
    utc(2026, 10, 25, 1, 0),  # 02:00 CET
    utc(2026, 10, 25, 1, 30),  # 02:30 CET
    utc(2026, 10, 25, 2, 0),  # 03:00 CET
    utc(2026, 10, 25, 2, 30),  # 03:30 CET
]


def test_every_steps_in_real_time_across_fall_back(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + every_schedule("30m", "01:00-04:00"))

    found = upcoming(config, utc(2026, 10, 24, 12), 8)

    assert sorted(instants(found)) == FALL_BACK_EVERY_30M
    by_instant = sorted(found, key=lambda o: o.at.astimezone(UTC))
    assert [o.at.utcoffset() for o in by_instant] == [2 * HOUR] * 4 + [HOUR] * 4


def test_sessions_in_a_repeated_hour_come_in_time_order(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + every_schedule("30m", "01:00-04:00"))

    found = upcoming(config, utc(2026, 10, 24, 12), 8)

    assert instants(found) == FALL_BACK_EVERY_30M


def test_after_given_in_the_second_pass_of_a_repeated_hour(config_toml: ConfigFromToml) -> None:
    config = config_toml(settings("Europe/Berlin") + at_schedule('["02:30"]'))
    # 02:15 CET on 2026-10-25 (01:15 UTC): today's 02:30 ran at 02:30 CEST (00:30 UTC).
    after = dt.datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=BERLIN)

    found = upcoming(config, after, 1)

    assert instants(found) == [utc(2026, 10, 26, 1, 30)]
