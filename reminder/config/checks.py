"""What `reminder validate` warns about in a valid config: times that can
never run, and sessions that run into each other. Pure: the config in,
sentences out (each says what will happen).

- A time of day that falls in ``quiet_hours`` never starts a session.
- A session due while another one still runs (the earlier one lasts its
  routine's length) waits until that one ends, and runs then if that is
  within ``misfire_grace``; otherwise it is recorded as missed.

The calendar decides (``config/calendar.py``): the sessions of a whole week
from ``now`` are looked at, so a schedule for some days only is judged on
its own days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from reminder.config.calendar import Occurrence, occurrences
from reminder.config.load import Config, Schedule
from reminder.routines.plan import build_plan
from reminder.schema.values import format_seconds

WEEK = dt.timedelta(days=7)


def _key_of(schedule: Schedule, moment: dt.time) -> str:
    if moment in schedule.at:
        return f"schedule[{schedule.index}].at[{schedule.at.index(moment)}]"
    return f"schedule[{schedule.index}].every"


def _window_times(schedule: Schedule) -> Iterator[dt.time]:
    """The wall times an ``every``/``between`` schedule starts sessions at."""
    if schedule.every is None or schedule.between is None:
        return
    window = schedule.between
    day = dt.date(2001, 1, 1)  # any day: wall times only
    moment = dt.datetime.combine(day, window.start)
    end = dt.datetime.combine(day + dt.timedelta(days=1) if window.wraps else day, window.end)
    while moment < end:
        yield moment.time()
        moment += dt.timedelta(seconds=schedule.every)


def quiet_hours_warnings(config: Config) -> list[str]:
    quiet = config.settings.quiet_hours
    if quiet is None:
        return []
    found = []
    for schedule in config.schedules:
        for index, moment in enumerate(schedule.at):
            if quiet.contains(moment):
                found.append(
                    f"schedule[{schedule.index}].at[{index}]: {moment:%H:%M} falls in quiet "
                    f"hours ({quiet}), so {schedule.routine} never runs then. Move it, or "
                    "change quiet_hours."
                )
        times = list(_window_times(schedule))
        if times and all(quiet.contains(moment) for moment in times):
            found.append(
                f"schedule[{schedule.index}].between: every time from {schedule.between} falls "
                f"in quiet hours ({quiet}), so {schedule.routine} never runs. Move the window, "
                "or change quiet_hours."
            )
    return found


def overlap_warnings(config: Config, now: dt.datetime) -> list[str]:
    tz = config.settings.timezone
    grace = config.settings.misfire_grace
    lengths = {name: build_plan(routine).total_seconds for name, routine in config.routines.items()}
    schedules = {s.index: s for s in config.schedules}
    found: list[str] = []
    said: set[tuple[int, dt.time, int, dt.time]] = set()
    running: tuple[Occurrence, dt.datetime] | None = None
    for occurrence in occurrences(config, now):
        if occurrence.at.timestamp() > (now + WEEK).timestamp():
            break
        if running is not None and occurrence.at.timestamp() < running[1].timestamp():
            first, ends = running
            first_at, second_at = first.at.astimezone(tz), occurrence.at.astimezone(tz)
            pair = (first.schedule, first_at.time(), occurrence.schedule, second_at.time())
            wait = int(ends.timestamp() - occurrence.at.timestamp())
            if wait <= grace:  # it runs once the first ends, and is the one running then
                length = dt.timedelta(seconds=lengths.get(occurrence.routine, 0))
                running = (occurrence, ends + length)
            if pair not in said:
                said.add(pair)
                then = (
                    f"it waits {format_seconds(wait)} and then runs"
                    if wait <= grace
                    else f"it would wait {format_seconds(wait)}, longer than misfire_grace "
                    f"({format_seconds(grace)}), so it is recorded as missed"
                )
                found.append(
                    f"{_key_of(schedules[occurrence.schedule], second_at.time())}: "
                    f"{occurrence.routine} at {second_at:%H:%M} starts while "
                    f"{first.routine} of {first_at:%H:%M} "
                    f"({_key_of(schedules[first.schedule], first_at.time())}, "
                    f"{format_seconds(lengths.get(first.routine, 0))}) still runs: the second "
                    f"waits until the first ends; {then}."
                )
            continue
        ends = occurrence.at + dt.timedelta(seconds=lengths.get(occurrence.routine, 0))
        running = (occurrence, ends)
    return found


def warnings(config: Config, now: dt.datetime) -> list[str]:
    """Every warning, each a sentence with its key path."""
    return quiet_hours_warnings(config) + overlap_warnings(config, now)
