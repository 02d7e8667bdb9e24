"""The daemon through both DST changes of 2026 in three zones.

The promises (README "Configuration", docs/configuration.md "Formats",
DESIGN.md "Config"):

- Every time is wall-clock time in the config's `timezone`.
- A time that does not exist that day (clocks spring forward) runs at the
  first valid instant after it: the moment of the change.
- A time that happens twice (clocks fall back) runs once, at the first.
- `every` with `between`: the first session at the window's start, then one
  every interval while the start is before the window's end; the interval is
  real elapsed time, even across a DST change.
- Each step fires at the session's start plus its offset, so nothing drifts.

The real ``reminder.daemon.coordinator.Daemon`` runs on a hand-cranked clock in UTC (as
the real daemon's), with its config parsed from TOML and its history in
SQLite (tests/support/harness.py). Each test checks what the user would see:
the notifications and when they came, ``reminder status``'s next session,
and the history. Every expected instant below is worked out by hand from the
zone rules, in UTC, never with reminder's own calendar code:

- Europe/Berlin, CET +1 / CEST +2. Spring forward Sun 2026-03-29 at 02:00
  CET = 01:00 UTC, to 03:00 CEST (02:00-02:59 do not exist). Fall back Sun
  2026-10-25 at 03:00 CEST = 01:00 UTC, to 02:00 CET (02:00-02:59 twice).
- America/New_York, EST -5 / EDT -4. Spring forward Sun 2026-03-08 at 02:00
  EST = 07:00 UTC, to 03:00 EDT (02:00-02:59 do not exist). Fall back Sun
  2026-11-01 at 02:00 EDT = 06:00 UTC, to 01:00 EST (01:00-01:59 twice).
- Australia/Lord_Howe, +10:30 standard / +11 summer: a half-hour shift.
  Summer time ends Sun 2026-04-05 at 02:00 +11 = 15:00 UTC on 04-04, back to
  01:30 +10:30 (01:30-01:59 twice). It starts Sun 2026-10-04 at 02:00 +10:30
  = 15:30 UTC on 10-03, on to 02:30 +11 (02:00-02:29 do not exist).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.harness import TINY_ROUTINE, TINY_SECONDS, TINY_STEP_STARTS, Harness, Shown

UTC = dt.timezone.utc
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LORD_HOWE = "Australia/Lord_Howe"
SESSION = dt.timedelta(seconds=TINY_SECONDS)


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall time that exists once (the tests start and stop at these)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def config(zone: str, *schedules: str) -> str:
    return (
        f'[settings]\ntimezone = "{zone}"\nstart = "auto"\nmisfire_grace = "15m"\n\n'
        + "".join(schedules)
        + TINY_ROUTINE
    )


def at(*times: str) -> str:
    listed = ", ".join(f'"{t}"' for t in times)
    return f'[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = [{listed}]\n\n'


def every(interval: str, window: str) -> str:
    return (
        f'[[schedule]]\nroutine = "tiny"\ndays = "daily"\n'
        f'every = "{interval}"\nbetween = "{window}"\n\n'
    )


def daemon(tmp_path: Path, text: str, start: dt.datetime, clock: str = "utc") -> Harness:
    """The daemon, started at ``start``. Its clock gives UTC, as the real
    one's does, or with ``clock="local"`` the time in the zone of ``start``."""
    zone = UTC if clock == "utc" else start.tzinfo
    return Harness(tmp_path, text, start, zone=zone)


# Both ways of reading the clock, where the odd times are at stake.
CLOCKS = pytest.mark.parametrize("clock", ["utc", "local"])


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def next_at(h: Harness) -> dt.datetime:
    """The next session as `reminder status` gives it, in UTC. (An aware time
    in a repeated hour never equals one in another zone, by Python's rules.)"""
    moment: dt.datetime = h.daemon.status()["next"]["at"]
    return moment.astimezone(UTC)


def sessions_seen(h: Harness) -> list[list[Shown]]:
    """The notifications of each session, in the order the sessions came (a
    long step's progress updates left out: one notification a step)."""
    by_tag: dict[str, list[Shown]] = {}
    for shown in h.notifier.shown:
        if not shown.message.progress:
            by_tag.setdefault(shown.tag, []).append(shown)
    return [shows for tag, shows in by_tag.items() if tag.startswith("tiny-")]


def assert_ran_once_each(h: Harness, expected: list[dt.datetime]) -> None:
    """Exactly the ``expected`` sessions (UTC), each once, on time, to the end:
    as the notifications, the log and the history show them."""
    starts = h.events("session-start")
    assert [_instant(e["scheduled"]) for e in starts] == expected
    assert [_instant(e["ts"]) for e in starts] == expected
    seen = sessions_seen(h)
    # The first notification comes at the session's time; "Done" 80 s later.
    assert [(s[0].at.astimezone(UTC), s[0].message.summary) for s in seen] == [
        (moment, "Release · Ball") for moment in expected
    ]
    assert [(s[-1].at.astimezone(UTC), s[-1].message.summary) for s in seen] == [
        (moment + SESSION, "Done · Tiny") for moment in expected
    ]
    rows = [(e.outcome, e.scheduled_at, e.started_at) for e in h.history.entries()]
    assert rows == [("completed", moment, moment) for moment in expected]
    assert h.events("missed") == []
    assert h.sink.problems == []


# -- (1) an ordinary time on the day of the change --------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "expected", "shown"),
    [
        # 10:30 CEST = 08:30 UTC (the day before, 10:30 CET was 09:30 UTC).
        pytest.param(
            BERLIN, local(BERLIN, 3, 28, 12), utc(3, 29, 8, 30), "2026-03-29T10:30:00+02:00",
            id="Berlin-spring",
        ),
        # 10:30 CET = 09:30 UTC.
        pytest.param(
            BERLIN, local(BERLIN, 10, 24, 12), utc(10, 25, 9, 30), "2026-10-25T10:30:00+01:00",
            id="Berlin-fall",
        ),
        # 10:30 EDT = 14:30 UTC.
        pytest.param(
            NEW_YORK, local(NEW_YORK, 3, 7, 12), utc(3, 8, 14, 30), "2026-03-08T10:30:00-04:00",
            id="New_York-spring",
        ),
        # 10:30 EST = 15:30 UTC.
        pytest.param(
            NEW_YORK, local(NEW_YORK, 10, 31, 12), utc(11, 1, 15, 30), "2026-11-01T10:30:00-05:00",
            id="New_York-fall",
        ),
        # 10:30 +11 = 23:30 UTC the day before.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 10, 3, 12), utc(10, 3, 23, 30),
            "2026-10-04T10:30:00+11:00", id="Lord_Howe-spring",
        ),
        # 10:30 +10:30 = 00:00 UTC the same day.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 4, 4, 12), utc(4, 5, 0, 0), "2026-04-05T10:30:00+10:30",
            id="Lord_Howe-fall",
        ),
    ],
)  # fmt: skip
def test_an_ordinary_time_on_the_day_of_a_change_runs_once_at_its_new_offset(
    tmp_path: Path,
    zone: str,
    start: dt.datetime,
    expected: dt.datetime,
    shown: str,
) -> None:
    """Promise: every time is wall-clock time in the config's zone, so 10:30
    stays 10:30 on the day the offset changes (and runs once)."""
    h = daemon(tmp_path, config(zone, at("10:30")), start)
    assert (next_at(h), h.daemon.status()["next"]["at"].isoformat()) == (expected, shown)

    h.timers.advance_to(start + dt.timedelta(hours=24))

    assert_ran_once_each(h, [expected])
    assert [e["scheduled"] for e in h.events("session-start")] == [shown]


# -- (2) a time that does not exist: spring forward -------------------------------


@CLOCKS
@pytest.mark.parametrize(
    ("zone", "wall", "start", "expected", "shown"),
    [
        # 02:30 does not exist; the change is at 01:00 UTC, which reads 03:00 CEST.
        pytest.param(
            BERLIN, "02:30", local(BERLIN, 3, 28, 12), utc(3, 29, 1, 0),
            "2026-03-29T03:00:00+02:00", id="Berlin",
        ),
        # 02:30 does not exist; the change is at 07:00 UTC, which reads 03:00 EDT.
        pytest.param(
            NEW_YORK, "02:30", local(NEW_YORK, 3, 7, 12), utc(3, 8, 7, 0),
            "2026-03-08T03:00:00-04:00", id="New_York",
        ),
        # 02:15 does not exist (02:00-02:29); the change is at 15:30 UTC on
        # 10-03, which reads 02:30 +11.
        pytest.param(
            LORD_HOWE, "02:15", local(LORD_HOWE, 10, 3, 12), utc(10, 3, 15, 30),
            "2026-10-04T02:30:00+11:00", id="Lord_Howe",
        ),
    ],
)  # fmt: skip
def test_a_time_that_does_not_exist_runs_once_at_the_moment_of_the_change(
    tmp_path: Path,
    clock: str,
    zone: str,
    wall: str,
    start: dt.datetime,
    expected: dt.datetime,
    shown: str,
) -> None:
    """Promise: a time that does not exist that day runs at the first valid
    instant after it, once; it is not dropped and not run an hour late."""
    h = daemon(tmp_path, config(zone, at(wall)), start, clock)
    assert (next_at(h), h.daemon.status()["next"]["at"].isoformat()) == (expected, shown)

    h.timers.advance_to(start + dt.timedelta(hours=24))

    assert_ran_once_each(h, [expected])
    assert [e["scheduled"] for e in h.events("session-start")] == [shown]


# -- (3) a time that happens twice: fall back --------------------------------------


@CLOCKS
@pytest.mark.parametrize(
    ("zone", "wall", "start", "first", "shown", "second", "tomorrow"),
    [
        # 02:30 CEST = 00:30 UTC; 02:30 CET = 01:30 UTC; 10-26 02:30 CET = 01:30 UTC.
        pytest.param(
            BERLIN, "02:30", local(BERLIN, 10, 24, 12),
            utc(10, 25, 0, 30), "2026-10-25T02:30:00+02:00",
            utc(10, 25, 1, 30), utc(10, 26, 1, 30), id="Berlin",
        ),
        # 01:30 EDT = 05:30 UTC; 01:30 EST = 06:30 UTC; 11-02 01:30 EST = 06:30 UTC.
        pytest.param(
            NEW_YORK, "01:30", local(NEW_YORK, 10, 31, 12),
            utc(11, 1, 5, 30), "2026-11-01T01:30:00-04:00",
            utc(11, 1, 6, 30), utc(11, 2, 6, 30), id="New_York",
        ),
        # 01:45 +11 = 14:45 UTC on 04-04; 01:45 +10:30 = 15:15 UTC on 04-04;
        # 04-06 01:45 +10:30 = 15:15 UTC on 04-05.
        pytest.param(
            LORD_HOWE, "01:45", local(LORD_HOWE, 4, 4, 12),
            utc(4, 4, 14, 45), "2026-04-05T01:45:00+11:00",
            utc(4, 4, 15, 15), utc(4, 5, 15, 15), id="Lord_Howe",
        ),
    ],
)  # fmt: skip
def test_a_time_that_happens_twice_runs_once_at_the_first(
    tmp_path: Path,
    clock: str,
    zone: str,
    wall: str,
    start: dt.datetime,
    first: dt.datetime,
    shown: str,
    second: dt.datetime,
    tomorrow: dt.datetime,
) -> None:
    """Promise: a time that happens twice runs once, at the first; the second
    reading neither runs it again nor records it missed."""
    h = daemon(tmp_path, config(zone, at(wall)), start, clock)
    assert next_at(h) == first

    h.timers.advance_to(first + dt.timedelta(minutes=5))
    assert_ran_once_each(h, [first])
    assert [e["scheduled"] for e in h.events("session-start")] == [shown]
    # What `reminder status` says is next: tomorrow, not the second reading.
    assert next_at(h) == tomorrow

    h.timers.advance_to(second + dt.timedelta(hours=1))  # well past grace
    assert_ran_once_each(h, [first])
    assert second not in [shown.at.astimezone(UTC) for shown in h.notifier.shown]


# -- (4) every/between across the change ------------------------------------------

# A 40-minute step that fits neither the 60- nor the 30-minute shift, so a
# wall-clock step would show at once.
EVERY_40M = every("40m", "01:00-04:00")


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # 01:00 CET = 00:00 UTC to 04:00 CEST = 02:00 UTC: two real hours.
        # Wall: 01:00 CET, 01:40 CET, 03:20 CEST.
        pytest.param(
            BERLIN, local(BERLIN, 3, 28, 12),
            [utc(3, 29, 0, 0), utc(3, 29, 0, 40), utc(3, 29, 1, 20)], id="Berlin-spring",
        ),
        # 01:00 CEST = 23:00 UTC (10-24) to 04:00 CET = 03:00 UTC: four real hours.
        # Wall: 01:00, 01:40, 02:20 CEST, then 02:00, 02:40, 03:20 CET.
        pytest.param(
            BERLIN, local(BERLIN, 10, 24, 12),
            [
                utc(10, 24, 23, 0), utc(10, 24, 23, 40), utc(10, 25, 0, 20),
                utc(10, 25, 1, 0), utc(10, 25, 1, 40), utc(10, 25, 2, 20),
            ],
            id="Berlin-fall",
        ),
        # 01:00 EST = 06:00 UTC to 04:00 EDT = 08:00 UTC: two real hours.
        # Wall: 01:00 EST, 01:40 EST, 03:20 EDT.
        pytest.param(
            NEW_YORK, local(NEW_YORK, 3, 7, 12),
            [utc(3, 8, 6, 0), utc(3, 8, 6, 40), utc(3, 8, 7, 20)], id="New_York-spring",
        ),
        # 01:00 is there twice: the first, 01:00 EDT = 05:00 UTC, to 04:00 EST
        # = 09:00 UTC: four real hours.
        # Wall: 01:00, 01:40 EDT, then 01:20, 02:00, 02:40, 03:20 EST.
        pytest.param(
            NEW_YORK, local(NEW_YORK, 10, 31, 12),
            [
                utc(11, 1, 5, 0), utc(11, 1, 5, 40), utc(11, 1, 6, 20),
                utc(11, 1, 7, 0), utc(11, 1, 7, 40), utc(11, 1, 8, 20),
            ],
            id="New_York-fall",
        ),
        # 01:00 +10:30 = 14:30 UTC (10-03) to 04:00 +11 = 17:00 UTC: 2 h 30 min.
        # Wall: 01:00, 01:40 +10:30, then 02:50, 03:30 +11.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 10, 3, 12),
            [utc(10, 3, 14, 30), utc(10, 3, 15, 10), utc(10, 3, 15, 50), utc(10, 3, 16, 30)],
            id="Lord_Howe-spring",
        ),
        # 01:00 +11 = 14:00 UTC (04-04) to 04:00 +10:30 = 17:30 UTC: 3 h 30 min.
        # Wall: 01:00, 01:40 +11, then 01:50, 02:30, 03:10, 03:50 +10:30.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 4, 4, 12),
            [
                utc(4, 4, 14, 0), utc(4, 4, 14, 40), utc(4, 4, 15, 20),
                utc(4, 4, 16, 0), utc(4, 4, 16, 40), utc(4, 4, 17, 20),
            ],
            id="Lord_Howe-fall",
        ),
    ],
)  # fmt: skip
def test_every_steps_in_real_elapsed_time_across_a_change(
    tmp_path: Path,
    zone: str,
    start: dt.datetime,
    expected: list[dt.datetime],
) -> None:
    """Promise: `every` within `between` starts at the window's start and
    steps by real elapsed time while before the window's end, even across a
    DST change: the window is as long as the clocks make it that night."""
    h = daemon(tmp_path, config(zone, EVERY_40M), start)

    h.timers.advance_to(start + dt.timedelta(hours=24))

    assert_ran_once_each(h, expected)
    # (A check on the hand arithmetic above: 40 real minutes apart.)
    assert {b - a for a, b in itertools.pairwise(expected)} == {dt.timedelta(minutes=40)}


# -- (5) the day after the change ---------------------------------------------------

DAY_AFTER_WALLS = ["01:00", "01:40", "02:20", "03:00", "03:40", "10:30"]
"""A normal day's readings of EVERY_40M and at 10:30, before the odd time is added."""


@pytest.mark.parametrize(
    ("zone", "odd", "start", "day_after", "expected"),
    [
        # 03-30 is CEST, +2: 01:00 = 23:00 UTC on 03-29 ... 10:30 = 08:30 UTC.
        pytest.param(
            BERLIN, "02:30", local(BERLIN, 3, 28, 12), local(BERLIN, 3, 30, 0),
            [
                utc(3, 29, 23, 0), utc(3, 29, 23, 40), utc(3, 30, 0, 20), utc(3, 30, 0, 30),
                utc(3, 30, 1, 0), utc(3, 30, 1, 40), utc(3, 30, 8, 30),
            ],
            id="Berlin-spring",
        ),
        # 10-26 is CET, +1: 01:00 = 00:00 UTC ... 10:30 = 09:30 UTC.
        pytest.param(
            BERLIN, "02:30", local(BERLIN, 10, 24, 12), local(BERLIN, 10, 26, 0),
            [
                utc(10, 26, 0, 0), utc(10, 26, 0, 40), utc(10, 26, 1, 20), utc(10, 26, 1, 30),
                utc(10, 26, 2, 0), utc(10, 26, 2, 40), utc(10, 26, 9, 30),
            ],
            id="Berlin-fall",
        ),
        # 03-09 is EDT, -4: 01:00 = 05:00 UTC ... 10:30 = 14:30 UTC.
        pytest.param(
            NEW_YORK, "02:30", local(NEW_YORK, 3, 7, 12), local(NEW_YORK, 3, 9, 0),
            [
                utc(3, 9, 5, 0), utc(3, 9, 5, 40), utc(3, 9, 6, 20), utc(3, 9, 6, 30),
                utc(3, 9, 7, 0), utc(3, 9, 7, 40), utc(3, 9, 14, 30),
            ],
            id="New_York-spring",
        ),
        # 11-02 is EST, -5: 01:00 = 06:00 UTC ... 10:30 = 15:30 UTC.
        pytest.param(
            NEW_YORK, "01:30", local(NEW_YORK, 10, 31, 12), local(NEW_YORK, 11, 2, 0),
            [
                utc(11, 2, 6, 0), utc(11, 2, 6, 30), utc(11, 2, 6, 40), utc(11, 2, 7, 20),
                utc(11, 2, 8, 0), utc(11, 2, 8, 40), utc(11, 2, 15, 30),
            ],
            id="New_York-fall",
        ),
        # 10-05 is +11: 01:00 = 14:00 UTC on 10-04 ... 10:30 = 23:30 UTC on 10-04.
        pytest.param(
            LORD_HOWE, "02:15", local(LORD_HOWE, 10, 3, 12), local(LORD_HOWE, 10, 5, 0),
            [
                utc(10, 4, 14, 0), utc(10, 4, 14, 40), utc(10, 4, 15, 15), utc(10, 4, 15, 20),
                utc(10, 4, 16, 0), utc(10, 4, 16, 40), utc(10, 4, 23, 30),
            ],
            id="Lord_Howe-spring",
        ),
        # 04-06 is +10:30: 01:00 = 14:30 UTC on 04-05 ... 10:30 = 00:00 UTC on 04-06.
        pytest.param(
            LORD_HOWE, "01:45", local(LORD_HOWE, 4, 4, 12), local(LORD_HOWE, 4, 6, 0),
            [
                utc(4, 5, 14, 30), utc(4, 5, 15, 10), utc(4, 5, 15, 15), utc(4, 5, 15, 50),
                utc(4, 5, 16, 30), utc(4, 5, 17, 10), utc(4, 6, 0, 0),
            ],
            id="Lord_Howe-fall",
        ),
    ],
)  # fmt: skip
def test_the_day_after_a_change_runs_at_the_usual_wall_times(
    tmp_path: Path,
    zone: str,
    odd: str,
    start: dt.datetime,
    day_after: dt.datetime,
    expected: list[dt.datetime],
) -> None:
    """Promise: the change bends one night only. The next day, the time that
    did not exist (or happened twice), the `every` window and 10:30 all come
    at their usual wall times, each once, at the new offset."""
    text = config(zone, at(odd, "10:30"), EVERY_40M)
    h = daemon(tmp_path, text, start)

    h.timers.advance_to(day_after + dt.timedelta(days=1))

    starts = h.events("session-start")
    later = [e for e in starts if _instant(e["scheduled"]) >= day_after]
    assert [_instant(e["scheduled"]) for e in later] == expected
    assert [_instant(e["ts"]) for e in later] == expected
    # What the user reads: the usual times, at the offset of the day after.
    offset = day_after.utcoffset()
    assert offset is not None
    walls = [f"{(moment + offset).replace(tzinfo=None):%H:%M}" for moment in expected]
    assert walls == sorted([*DAY_AFTER_WALLS, odd])
    assert [str(e["scheduled"])[11:16] for e in later] == walls
    # Every session of the three days ran once and to the end.
    rows = [(e.outcome, e.scheduled_at) for e in h.history.entries()]
    assert rows == [("completed", _instant(e["scheduled"])) for e in starts]
    assert len(set(rows)) == len(rows)
    assert h.events("missed") == []
    assert h.sink.problems == []


# -- a session that runs through the change -----------------------------------------


@CLOCKS
@pytest.mark.parametrize(
    ("zone", "start", "begins"),
    [
        # 01:59 CET = 00:59 UTC; the change is at 01:00 UTC.
        pytest.param(BERLIN, local(BERLIN, 3, 28, 12), utc(3, 29, 0, 59), id="Berlin-spring"),
        # 02:59 happens twice; the first, 02:59 CEST = 00:59 UTC; change at 01:00 UTC.
        pytest.param(BERLIN, local(BERLIN, 10, 24, 12), utc(10, 25, 0, 59), id="Berlin-fall"),
        # 01:59 EST = 06:59 UTC; the change is at 07:00 UTC.
        pytest.param(NEW_YORK, local(NEW_YORK, 3, 7, 12), utc(3, 8, 6, 59), id="New_York-spring"),
        # 01:59 happens twice; the first, 01:59 EDT = 05:59 UTC; change at 06:00 UTC.
        pytest.param(NEW_YORK, local(NEW_YORK, 10, 31, 12), utc(11, 1, 5, 59), id="New_York-fall"),
        # 01:59 +10:30 = 15:29 UTC on 10-03; the change is at 15:30 UTC.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 10, 3, 12), utc(10, 3, 15, 29), id="Lord_Howe-spring"
        ),
        # 01:59 happens twice; the first, 01:59 +11 = 14:59 UTC on 04-04; change at 15:00 UTC.
        pytest.param(
            LORD_HOWE, local(LORD_HOWE, 4, 4, 12), utc(4, 4, 14, 59), id="Lord_Howe-fall"
        ),
    ],
)  # fmt: skip
def test_a_session_running_through_the_change_keeps_its_steps_in_real_time(
    tmp_path: Path,
    clock: str,
    zone: str,
    start: dt.datetime,
    begins: dt.datetime,
) -> None:
    """Promise: each step fires at the session's start plus its offset, so a
    session that is running when the clocks change takes its 80 s, not 80 s
    plus or minus the shift."""
    wall = "02:59" if zone == BERLIN and begins.month == 10 else "01:59"
    h = daemon(tmp_path, config(zone, at(wall)), start, clock)

    h.timers.advance_to(start + dt.timedelta(hours=24))

    assert_ran_once_each(h, [begins])
    (shows,) = sessions_seen(h)
    assert [shown.at.astimezone(UTC) for shown in shows] == [
        begins + dt.timedelta(seconds=offset) for offset in [*TINY_STEP_STARTS, TINY_SECONDS]
    ]
    planned = [_instant(e["planned"]) for e in h.events("step")]
    assert planned == [begins + dt.timedelta(seconds=offset) for offset in TINY_STEP_STARTS]
    (entry,) = h.history.entries()
    assert (entry.ended_at, entry.seconds_done) == (begins + SESSION, TINY_SECONDS)


def test_a_snooze_across_the_fall_back_lasts_its_real_length_on_a_zoned_clock(
    tmp_path: Path,
) -> None:
    # A clock that reads Berlin time. At 02:58 CEST (00:58 UTC), the first
    # pass, a 5 min snooze ends at 01:03 UTC = 02:03 CET, the second pass,
    # not at 03:03 CET (02:03 UTC), an hour and five minutes on.
    text = config(BERLIN, at("02:58")).replace('start = "auto"', 'start = "ask"\nsnooze = "5m"')
    h = Harness(tmp_path, text, utc(10, 25, 0, 50), zone=ZoneInfo(BERLIN))
    h.timers.advance_to(utc(10, 25, 0, 58))
    assert h.notifier.shown[-1].message.summary == "Time for Tiny"
    h.press("snooze")
    assert next_at(h) == utc(10, 25, 1, 3)
    h.timers.advance_to(utc(10, 25, 1, 3))
    asked = h.notifier.shown[-1]
    assert asked.message.summary == "Time for Tiny"
    assert asked.at.astimezone(UTC) == utc(10, 25, 1, 3)
