"""POSIX TZ rules no zoneinfo file names (TZ=CET-1CEST,M3.5.0,M10.5.0/3):
the C library's reading, as a tzinfo, must agree with the tz database's
zone of the same rules at every half hour of a year, folds and gaps included."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Iterator

import pytest

from reminder.schema.timezones import SystemZone

RULES = [
    ("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin"),
    ("EST5EDT,M3.2.0,M11.1.0", "America/New_York"),
    ("JST-9", "Asia/Tokyo"),
    ("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "Australia/Lord_Howe"),
]


@pytest.fixture
def tz_rule(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[str]:
    rule: str = request.param
    monkeypatch.setenv("TZ", rule)
    time.tzset()
    yield rule
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("tz_rule", "name"), RULES, indirect=["tz_rule"])
def test_a_posix_rule_agrees_with_its_zone(tz_rule: str, name: str) -> None:
    ours, theirs = SystemZone(tz_rule), zoneinfo.ZoneInfo(name)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).replace(tzinfo=None)  # wall times
    instant = dt.datetime(2026, 1, 1, 0, 7, tzinfo=dt.timezone.utc)
    for hour in range(0, 365 * 24):
        for minutes in (0, 30):
            for fold in (0, 1):
                wall = (start + dt.timedelta(hours=hour, minutes=minutes)).replace(fold=fold)
                assert (
                    wall.replace(tzinfo=ours).utcoffset() == wall.replace(tzinfo=theirs).utcoffset()
                ), wall
        moment = instant + dt.timedelta(hours=hour)
        local, expected = moment.astimezone(ours), moment.astimezone(theirs)
        assert (local.replace(tzinfo=None), local.fold) == (
            expected.replace(tzinfo=None),
            expected.fold,
        ), moment
