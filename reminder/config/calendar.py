"""When sessions happen: config → upcoming session times. Pure: the caller
passes the current time.

Wall times are in the config's time zone. A wall time that does not exist on
a DST day runs at the first valid instant after it; one that exists twice
runs once, at the first. ``every`` steps in real elapsed time from the
window's start, so "every 50m" means 50 minutes even across a DST change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from reminder.config.load import Config, Schedule
from reminder.schema.values import Window

_UTC = dt.timezone.utc
_DAY = dt.timedelta(days=1)
_EMPTY_DAYS_LIMIT = 15
"""Schedules repeat weekly; fifteen empty days in a row mean nothing ever runs."""


@dataclass(frozen=True)
class Occurrence:
    at: dt.datetime
    schedule: int
    routine: str
    quiet: bool = False
    """In quiet hours: it does not run (listed only when asked for)."""

    @property
    def order(self) -> tuple[float, int]:
        """Time order. Datetimes that share a tzinfo compare by wall clock,
        ignoring fold, so in a repeated DST hour only the instant is right."""
        return (self.at.timestamp(), self.schedule)

    def to_json(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "routine": self.routine, "schedule": self.schedule}


def resolve_wall_time(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant a wall-clock time on a day means in ``tz``.

    Nonexistent (spring forward): the first valid instant after it, which is
    the moment of the transition. Ambiguous (fall back): the first of the two.
    """
    naive = dt.datetime.combine(day, time)
    candidate = naive.replace(tzinfo=tz, fold=0)
    if _round_trips(candidate):
        return candidate
    # In a gap: both readings of the wall time fall around the transition.
    # Find the first instant whose wall time is at or after the wanted one.
    readings = sorted(naive.replace(tzinfo=tz, fold=f).astimezone(_UTC) for f in (0, 1))
    low, high = readings[0], readings[1]
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(tz)


def _round_trips(moment: dt.datetime) -> bool:
    back = moment.astimezone(_UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _schedule_day(schedule: Schedule, day: dt.date, tz: dt.tzinfo) -> Iterator[dt.datetime]:
    """The instants a schedule fires for the day its window or times start on."""
    if day.weekday() not in schedule.days:
        return
    for time in schedule.at:
        yield resolve_wall_time(day, time, tz)
    if schedule.every is not None and schedule.between is not None:
        yield from _window_times(schedule.between, schedule.every, day, tz)


def _window_times(window: Window, every: int, day: dt.date, tz: dt.tzinfo) -> Iterator[dt.datetime]:
    start = resolve_wall_time(day, window.start, tz)
    end = resolve_wall_time(day + _DAY if window.wraps else day, window.end, tz)
    step = dt.timedelta(seconds=every)
    moment = start.astimezone(_UTC)
    end_utc = end.astimezone(_UTC)
    while moment < end_utc:
        yield moment.astimezone(tz)
        moment += step


def _in_quiet_hours(moment: dt.datetime, quiet: Window | None) -> bool:
    return quiet is not None and quiet.contains(moment.time())


def occurrences(
    config: Config, after: dt.datetime, *, include_quiet: bool = False
) -> Iterator[Occurrence]:
    """Every session strictly after ``after``, in time order, without end
    (unless nothing can ever run). Times in quiet hours are left out, or with
    ``include_quiet`` listed with ``quiet=True``."""
    if after.tzinfo is None:
        raise ValueError("after must be time-zone aware")
    tz = config.settings.timezone
    quiet = config.settings.quiet_hours
    after_instant = after.timestamp()
    # Windows may wrap past midnight, so yesterday's may still be running.
    day = after.astimezone(tz).date() - _DAY
    pending: list[Occurrence] = []
    empty_days = 0
    while True:
        today: list[Occurrence] = []
        for schedule in config.schedules:
            for moment in _schedule_day(schedule, day, tz):
                if moment.timestamp() <= after_instant:
                    continue
                in_quiet = _in_quiet_hours(moment, quiet)
                if in_quiet and not include_quiet:
                    continue
                today.append(Occurrence(moment, schedule.index, schedule.routine, in_quiet))
        empty_days = 0 if today else empty_days + 1
        if empty_days > _EMPTY_DAYS_LIMIT:
            yield from sorted(pending, key=lambda o: o.order)
            return
        pending.extend(today)
        pending.sort(key=lambda o: o.order)
        # Occurrences generated for later days start no earlier than the next
        # day's midnight, less a wrapped window's tail; anything before the
        # start of tomorrow's day is final.
        horizon = resolve_wall_time(day + _DAY, dt.time(0), tz).timestamp()
        while pending and pending[0].at.timestamp() < horizon:
            yield pending.pop(0)
        day += _DAY


def upcoming(config: Config, after: dt.datetime, count: int) -> list[Occurrence]:
    """The next ``count`` sessions strictly after ``after``."""
    result: list[Occurrence] = []
    for occurrence in occurrences(config, after):
        result.append(occurrence)
        if len(result) >= count:
            break
    return result
