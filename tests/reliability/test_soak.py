"""Thirty simulated days of the daemon on a hand-cranked clock: six schedules
in Europe/Berlin across the end of summer time (2026-10-25), quiet hours, two
suspends. Every session the rules in DESIGN.md call for starts exactly once,
the history says what happened to each, and the daemon's memory stays flat.

The expectation is computed here from DESIGN.md by hand, not with
reminder.config.calendar, so a calendar bug cannot hide behind itself."""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from support.harness import TINY_ROUTINE, TINY_SECONDS, Harness

TZ = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
GRACE = dt.timedelta(minutes=15)
START = dt.datetime(2026, 10, 10, 0, 0, tzinfo=TZ)
DAYS = 30
END = START + dt.timedelta(days=DAYS)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

SESSION = dt.timedelta(seconds=TINY_SECONDS)

QUIET = (dt.time(22, 0), dt.time(1, 0))


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]
    at: tuple[dt.time, ...] = ()
    every: dt.timedelta | None = None
    between: tuple[dt.time, dt.time] | None = None


DAILY = frozenset(range(7))
# Chosen so no two sessions fall within a session's length of each other
# (outside the suspends), so every one of them can complete.
RULES = (
    Rule(DAILY, at=(dt.time(8, 15), dt.time(22, 30))),
    Rule(
        frozenset(range(5)),
        every=dt.timedelta(minutes=50),
        between=(dt.time(9, 0), dt.time(17, 30)),
    ),
    Rule(frozenset({5, 6}), at=(dt.time(10, 5), dt.time(21, 40))),
    Rule(frozenset({WEEKDAYS["mon"], WEEKDAYS["thu"]}), at=(dt.time(12, 45), dt.time(18, 30))),
    # Wraps midnight, overlaps quiet hours, and crosses the repeated hour.
    Rule(DAILY, every=dt.timedelta(minutes=45), between=(dt.time(23, 30), dt.time(3, 30))),
    # 02:10 exists twice on 2026-10-25: it runs once, at the first.
    Rule(DAILY, at=(dt.time(2, 10),)),
)

CONFIG = f"""
[settings]
timezone = "Europe/Berlin"
start = "auto"
quiet_hours = "22:00-01:00"
misfire_grace = "15m"
snooze = "5m"

[[schedule]]
routine = "tiny"
days = "daily"
at = ["08:15", "22:30"]

[[schedule]]
routine = "tiny"
days = "weekdays"
every = "50m"
between = "09:00-17:30"

[[schedule]]
routine = "tiny"
days = "weekends"
at = ["10:05", "21:40"]

[[schedule]]
routine = "tiny"
days = ["mon", "thu"]
at = ["12:45", "18:30"]

[[schedule]]
routine = "tiny"
days = "daily"
every = "45m"
between = "23:30-03:30"

[[schedule]]
routine = "tiny"
days = "daily"
at = ["02:10"]
{TINY_ROUTINE}
"""

# (fell asleep, woke up): the first wakes 5 min after 12:20 (runs late), the
# second wakes more than grace after everything it slept through.
SUSPENDS = (
    (
        dt.datetime(2026, 10, 13, 9, 20, tzinfo=TZ),
        dt.datetime(2026, 10, 13, 12, 25, tzinfo=TZ),
    ),
    (
        dt.datetime(2026, 10, 26, 14, 55, tzinfo=TZ),
        dt.datetime(2026, 10, 26, 17, 0, tzinfo=TZ),
    ),
)


# -- the expectation, from DESIGN.md --------------------------------------------


def wall_time(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall time in Berlin as an instant: nonexistent → the first valid
    instant after it; ambiguous → the first."""
    naive = dt.datetime.combine(day, time)
    first = naive.replace(tzinfo=TZ, fold=0)
    if first.astimezone(UTC).astimezone(TZ).replace(tzinfo=None) == naive:
        return first  # exists (fold=0 is the earlier of two readings)
    # In a gap: walk minute by minute in UTC from an hour before to the
    # first instant whose wall time is at or after the wanted one.
    probe = naive.replace(tzinfo=TZ).astimezone(UTC) - dt.timedelta(hours=2)
    probe = probe.replace(second=0, microsecond=0)
    while probe.astimezone(TZ).replace(tzinfo=None) < naive:
        probe += dt.timedelta(minutes=1)
    return probe.astimezone(TZ)


def in_quiet(moment: dt.datetime) -> bool:
    wall = moment.astimezone(TZ).time()
    start, end = QUIET
    return wall >= start or wall < end if start > end else start <= wall < end


def rule_times(rule: Rule, day: dt.date) -> Iterator[dt.datetime]:
    if day.weekday() not in rule.days:
        return
    for time in rule.at:
        yield wall_time(day, time)
    if rule.every is not None and rule.between is not None:
        start_time, end_time = rule.between
        end_day = day + dt.timedelta(days=1) if end_time < start_time else day
        moment = wall_time(day, start_time).astimezone(UTC)
        end = wall_time(end_day, end_time).astimezone(UTC)
        while moment < end:
            yield moment.astimezone(TZ)
            moment += rule.every


@dataclass(frozen=True)
class Outcome:
    at: dt.datetime  # UTC
    schedule: int
    outcome: str
    reason: str | None
    started: dt.datetime | None  # UTC


def expected_outcomes(until: dt.datetime) -> list[Outcome]:
    occurrences: list[tuple[dt.datetime, int]] = []
    day = START.date() - dt.timedelta(days=1)
    while day <= until.date():
        for index, rule in enumerate(RULES):
            occurrences.extend(
                (moment.astimezone(UTC), index)
                for moment in rule_times(rule, day)
                if START < moment <= until
            )
        day += dt.timedelta(days=1)
    occurrences.sort()
    assert len(set(occurrences)) == len(occurrences)
    result: list[Outcome] = []
    slept: dict[tuple[dt.datetime, dt.datetime], list[tuple[dt.datetime, int]]] = {
        s: [] for s in SUSPENDS
    }
    for at, index in occurrences:
        if in_quiet(at):
            result.append(Outcome(at, index, "missed", "quiet-hours", None))
            continue
        asleep = next((s for s in SUSPENDS if s[0] < at <= s[1]), None)
        if asleep is not None:
            slept[asleep].append((at, index))
            continue
        result.append(Outcome(at, index, "completed", None, at))
    for (_, woke), arrived in slept.items():
        in_time = [o for o in arrived if woke - o[0] <= GRACE]
        run = in_time[-1] if in_time else None
        for at, index in arrived:
            if (at, index) == run:
                result.append(Outcome(at, index, "completed", None, woke.astimezone(UTC)))
            else:
                reason = "late" if woke - at > GRACE else "superseded"
                result.append(Outcome(at, index, "missed", reason, None))
    return sorted(result, key=lambda o: (o.at, o.schedule))


# -- the daemon, on a hand-cranked clock -----------------------------------------


def soak_harness(tmp_path: Path, start: dt.datetime, zone: dt.tzinfo = UTC) -> Harness:
    """The daemon on CONFIG, its clock in ``zone`` (UTC, as the real one's),
    keeping next to nothing itself: the notifier only counts, and of the log
    only session starts, misses and errors are kept."""
    return Harness(
        tmp_path,
        CONFIG,
        start,
        zone=zone,
        record=False,
        keep_events=("session-start", "missed"),
    )


def _starts(h: Harness) -> list[tuple[str, str]]:
    """(scheduled, started) of every session start, as the log says them."""
    return [(e["scheduled"], e["ts"]) for e in h.events("session-start")]


def _missed(h: Harness) -> list[tuple[str, int, str]]:
    return [(e["at"], e["schedule"], e["reason"]) for e in h.events("missed")]


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def _snapshot() -> tracemalloc.Snapshot:
    # What the daemon keeps, not garbage the cycle collector has yet to free.
    gc.collect()
    return tracemalloc.take_snapshot()


def _reminder_bytes(snapshot: tracemalloc.Snapshot) -> int:
    own = snapshot.filter_traces([tracemalloc.Filter(True, "*/reminder/*")])
    return sum(stat.size for stat in own.statistics("filename"))


def test_thirty_days_across_dst_run_every_session_once_and_memory_stays_flat(
    tmp_path: Path,
) -> None:
    expected = expected_outcomes(END)
    h = soak_harness(tmp_path, START)
    handled_sizes: list[int] = []
    suspends = list(SUSPENDS)
    tracemalloc.start()
    try:
        day_5 = 0
        for day in range(1, DAYS + 1):
            day_end = START + dt.timedelta(days=day)
            while suspends and suspends[0][0] <= day_end:
                asleep, woke = suspends.pop(0)
                h.timers.advance_to(asleep)
                h.timers.sleep_until(woke)
                h.daemon.resumed()
            h.timers.advance_to(day_end)
            handled_sizes.append(h.daemon.agenda.handled_count)
            if day == 5:
                day_5 = _reminder_bytes(_snapshot())
        # Quiet-hour sessions are recorded when the daemon next looks; look now.
        h.daemon.check()
        h.timers.advance_to(END + SESSION)
        day_30 = _reminder_bytes(_snapshot())
    finally:
        tracemalloc.stop()

    assert h.sink.problems == []
    # Session starts: each expected one exactly once, at its time (or on
    # waking). The event names no schedule index; the history below does.
    started = sorted((_utc(s), _utc(ts)) for s, ts in _starts(h))
    want_started = [(o.at, o.started) for o in expected if o.outcome == "completed"]
    assert started == want_started
    assert len(started) > 300
    missed = sorted((_utc(at), i, reason) for at, i, reason in _missed(h))
    assert missed == [(o.at, o.schedule, o.reason) for o in expected if o.outcome == "missed"]
    # The repeated hour: 02:10 ran once, at the first (summer time) reading.
    dst_night = [o.at for o in expected if o.schedule == 5 and o.at.date() == dt.date(2026, 10, 25)]
    assert dst_night == [dt.datetime(2026, 10, 25, 0, 10, tzinfo=UTC)]

    history = sorted(
        (
            Outcome(
                e.scheduled_at.astimezone(UTC) if e.scheduled_at else START,
                e.schedule if e.schedule is not None else -1,
                e.outcome,
                e.reason,
                e.started_at.astimezone(UTC) if e.started_at else None,
            )
            for e in h.history.entries()
        ),
        key=lambda o: (o.at, o.schedule),
    )
    assert history == expected
    assert any((o.at, o.schedule) == SECOND_READING for o in expected)

    # _handled forgets after two days: never more than about three days' worth.
    most_per_day = max(
        sum(
            1
            for o in expected
            if START + dt.timedelta(days=d)
            < o.at.astimezone(TZ)
            <= START + dt.timedelta(days=d + 1)
        )
        for d in range(DAYS)
    )
    assert max(handled_sizes) <= 3 * most_per_day
    assert handled_sizes[-1] <= handled_sizes[4] + most_per_day
    growth = day_30 - day_5
    assert growth < 200 * 1024, f"the daemon's memory grew by {growth} bytes in 25 days"


# 02:15 CET on 2026-10-25, from the 45-minute window: after 02:30 CEST.
SECOND_READING = (dt.datetime(2026, 10, 25, 1, 15, tzinfo=UTC), 4)


def test_a_session_in_the_second_reading_of_the_repeated_hour_completes(
    tmp_path: Path,
) -> None:
    h = soak_harness(tmp_path, dt.datetime(2026, 10, 24, 12, 0, tzinfo=TZ))
    h.timers.advance_to(dt.datetime(2026, 10, 25, 12, 0, tzinfo=TZ))
    at, schedule = SECOND_READING
    rows = [
        (e.outcome, e.reason)
        for e in h.history.entries()
        if e.schedule == schedule and e.scheduled_at and e.scheduled_at == at
    ]
    assert rows == [("completed", None)]


def test_a_clock_in_the_local_zone_does_not_start_the_repeated_hour_early(
    tmp_path: Path,
) -> None:
    night = dt.datetime(2026, 10, 24, 12, 0, tzinfo=TZ)
    h = soak_harness(tmp_path, night, zone=TZ)
    h.timers.advance_to(dt.datetime(2026, 10, 25, 12, 0, tzinfo=TZ))
    started = [(_utc(s), _utc(ts)) for s, ts in _starts(h)]
    at_0230_cest = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    at_0215_cet = dt.datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
    assert (at_0230_cest, at_0230_cest) in started
    assert (at_0215_cet, at_0215_cet) in started
