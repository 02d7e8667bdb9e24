"""At start, the sessions due while reminder was not running: recorded
missed for being off, except the latest one still within grace, which runs.
The real daemon on a hand-cranked clock (tests/support/harness.py), its
history in SQLite; every expected time is written by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from support.harness import TINY_ROUTINE, Harness

from reminder.daemon.startup import catch_up_from

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30", "16:00"]\n'


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def config(start: str = "auto") -> str:
    return (
        f'[settings]\ntimezone = "Europe/Berlin"\nstart = "{start}"\nmisfire_grace = "15m"\n'
        f'snooze = "5m"\n{DAILY}{TINY_ROUTINE}'
    )


def missed(h: Harness) -> list[tuple[dt.datetime | None, str | None]]:
    return [(e.scheduled_at, e.reason) for e in h.history.entries() if e.outcome == "missed"]


def test_a_login_after_the_time_runs_the_session_within_grace_and_records_the_rest_off(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(), at(11, 30, 9))  # Monday: reminder's first start
    h.restart(at(11, 30, 9, 5))  # logged out cleanly at 9:05...
    h.restart(at(12, 2, 10, 35))  # ...and back on Wednesday at 10:35
    assert missed(h) == [
        (at(11, 30, 10, 30), "off"),
        (at(11, 30, 16), "off"),
        (at(12, 1, 10, 30), "off"),
        (at(12, 1, 16), "off"),
    ]
    (start,) = h.events("session-start")
    assert start["scheduled"] == "2026-12-02T10:30:00+01:00"
    assert [e["reason"] for e in h.events("missed")] == ["off"] * 4


def test_a_daemon_that_was_killed_knows_when_it_last_ran_from_its_last_write(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(), at(11, 30, 10))
    h.timers.advance_to(at(11, 30, 10, 35))  # the 10:30 session runs to its end
    h.restart(at(11, 30, 17), stop=None)  # killed at some point; nothing said
    assert missed(h) == [(at(11, 30, 16), "off")]
    assert h.events("session-start")[-1]["scheduled"] == "2026-11-30T10:30:00+01:00"


def test_only_the_last_seven_days_are_looked_at(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(), at(11, 2, 9))
    h.restart(at(11, 30, 9))  # four weeks later
    assert [when for when, _ in missed(h)] == [
        at(11, day, hour, minute)
        for day in range(23, 30)
        for hour, minute in ((10, 30), (16, 0))
        if at(11, day, hour, minute) >= at(11, 23, 9)
    ]


def test_a_first_ever_start_has_nothing_before_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(), at(11, 30, 10, 35))
    assert h.history.entries() == []
    assert h.events("session-start") == []
    assert h.daemon.status()["next"]["at"] == at(11, 30, 16)


def test_with_start_ask_the_late_login_asks_first(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(start="ask"), at(11, 30, 9))
    h.restart(at(11, 30, 10, 40))
    assert h.notifier.shown[-1].message.summary == "Time for Tiny"
    h.press("start")
    assert h.events("session-start")[0]["scheduled"] == "2026-11-30T10:30:00+01:00"


def test_a_skip_and_a_snooze_that_came_due_while_off_are_recorded_as_such(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(start="ask"), at(11, 30, 10))
    h.daemon.control("skip", {})  # the 10:30
    h.timers.advance_to(at(11, 30, 16))
    h.press("snooze")  # to 16:05
    h.restart(at(11, 30, 16, 1))
    h.restart(at(11, 30, 18))  # off from 16:01 to 18:00
    assert [(e.scheduled_at, e.outcome, e.reason) for e in h.history.entries()] == [
        (at(11, 30, 10, 30), "skipped", None),
        (at(11, 30, 16), "missed", "off"),
    ]


def test_catch_up_starts_where_reminder_last_ran_at_most_seven_days_back() -> None:
    now = dt.datetime(2026, 11, 30, 10, tzinfo=dt.timezone.utc)
    assert catch_up_from(None, now) == now
    assert catch_up_from(now - dt.timedelta(hours=5), now) == now - dt.timedelta(hours=5)
    assert catch_up_from(now - dt.timedelta(days=30), now) == now - dt.timedelta(days=7)
    assert catch_up_from(now + dt.timedelta(hours=1), now) == now  # a clock set back since


def test_a_session_due_while_a_first_start_is_under_way_still_runs(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(), at(11, 30, 10, 29), started=False)
    h.timers.now = at(11, 30, 10, 30) + dt.timedelta(milliseconds=300)  # a slow start
    h.daemon.start()
    (start,) = h.events("session-start")
    assert start["scheduled"] == "2026-11-30T10:30:00+01:00"
