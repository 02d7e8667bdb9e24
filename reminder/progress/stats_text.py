"""What ``reminder stats`` prints: the figures in words and a heatmap of the last weeks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from reminder.config.load import Config
from reminder.progress.advice import Advice
from reminder.progress.history import Entry
from reminder.progress.programme_stats import ProgrammeStats, group_cell, level_line
from reminder.progress.stats import (
    HEAT,
    NOT_MEDICAL_ADVICE,
    WEEKDAY_NAMES,
    DayStats,
    PainTrend,
    Stats,
    day_table,
    window_start,
)
from reminder.routines.model import PHASES


def heatmap(
    entries: Sequence[Entry],
    config: Config,
    now: dt.datetime,
    weeks: int = 12,
    first_use: dt.datetime | None = None,
) -> str:
    """A calendar of the last ``weeks`` weeks: rows Monday to Sunday, a column
    a week, one character a day (see the legend), month names above."""
    tz = config.settings.timezone
    days, _, _ = day_table(entries, config, now, window_start(now, tz, weeks), first_use)
    return render_heatmap(days)


def render_heatmap(days: Sequence[DayStats]) -> str:
    """The heatmap of days that start on a Monday (the last week may be cut
    short: its later days show blank)."""
    legend = (
        f"    {HEAT['none']} nothing scheduled  {HEAT['missed']} none done  "
        f"{HEAT['some']} some done  {HEAT['all']} all done"
    )
    return _calendar(days, lambda day: HEAT[day.level], legend)


def render_groups(days: Sequence[DayStats], day_groups: Mapping[dt.date, Sequence[str]]) -> str:
    """The same calendar with the group each day's programme sessions ran:
    the A/B rhythm."""
    legend = f"    A, B: the groups done that day, in order  {HEAT['none']}  none"
    return _calendar(
        days,
        lambda day: (group_cell(day_groups.get(day.date, ())) or HEAT["none"]).ljust(2),
        legend,
        width=2,
    )


def _calendar(
    days: Sequence[DayStats], cell: Callable[[DayStats], str], legend: str, width: int = 1
) -> str:
    """Rows Monday to Sunday, a column a week, ``width`` characters a day,
    month names above, ``legend`` below."""
    if not days:
        return ""
    weeks = (len(days) + 6) // 7
    step = width + 1
    mondays = [days[0].date + dt.timedelta(days=7 * i) for i in range(weeks)]
    # Each week is ``step`` characters wide; a month's name stands over the
    # first week whose Monday is in it. Later names win when two would overlap.
    labels: list[tuple[int, str]] = []
    for index, monday in enumerate(mondays):
        if index == 0 or monday.month != mondays[index - 1].month:
            labels.append((index * step, f"{monday:%b}"))
    kept: list[tuple[int, str]] = []
    for position, text in reversed(labels):
        if not kept or position + len(text) < kept[-1][0]:
            kept.append((position, text))
    header = [" "] * (weeks * step)
    for position, text in kept:
        header[position : position + len(text)] = text
    lines = ["    " + "".join(header).rstrip()]
    for weekday in range(7):
        cells = []
        for week in range(weeks):
            index = week * 7 + weekday
            cells.append(cell(days[index]) if index < len(days) else HEAT["future"] * width)
        lines.append(f"{WEEKDAY_NAMES[weekday]} " + " ".join(cells).rstrip())
    legend = (
        f"{HEAT['none']} nothing scheduled  {HEAT['missed']} none done  "
        f"{HEAT['some']} some done  {HEAT['all']} all done"
    )
    if any(day.before for day in days):
        legend = f"{HEAT['before']} before reminder  " + legend
    lines.append("    " + legend)
    return "\n".join(lines)


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min"


def stats_text(stats: Stats, advice: Advice | None, programme: ProgrammeStats | None = None) -> str:
    """``reminder stats`` for people."""
    first = stats.weeks[0].start
    lines = [
        f"The last {len(stats.weeks)} weeks, from Monday {first.day} {first:%B %Y} "
        f"(days in {stats.timezone}):",
    ]
    if stats.first_use is not None and stats.first_use > first:
        began = stats.first_use.astimezone(stats.now.tzinfo)
        lines.append(
            f"reminder was first used on {began:%A} {began.day} {began:%B %Y}; "
            "sessions count as scheduled from then."
        )
    lines += [
        "",
        render_heatmap(stats.days),
        "",
    ]
    if programme is not None and programme.day_groups:
        lines += ["Groups, taking turns:", render_groups(stats.days, programme.day_groups), ""]
    lines += ["Week      Done  Partly  Scheduled  Adherence"]
    for week in stats.weeks:
        rate = "-" if week.adherence is None else f"{round(week.adherence * 100)}%"
        lines.append(
            f"{week.label}  {week.completed:>4}  {week.partial:>6}  {week.scheduled:>9}  {rate:>9}"
        )
    total_rate = (
        f" ({round(min(1.0, stats.completed / stats.scheduled) * 100)}% of "
        f"{stats.scheduled} scheduled)"
        if stats.scheduled
        else ""
    )
    lines += [
        "",
        f"Completed: {stats.completed}{total_rate}; partly done: {stats.partial}.",
        f"Streak: {_days(stats.current_streak)} now, best {_days(stats.best_streak)}.",
        "Time per phase: "
        + " · ".join(f"{p} {_minutes(stats.phase_seconds[p])}" for p in PHASES)
        + ".",
    ]
    if stats.missed:
        reasons = ", ".join(f"{reason} {n}" for reason, n in stats.missed_by_reason.items())
        lines.append(f"Missed: {stats.missed} ({reasons}); skipped: {stats.skipped}.")
    else:
        lines.append(f"Missed: none; skipped: {stats.skipped}.")
    lines.append(_pain_line(stats))
    if programme is not None and programme.exercises:
        lines += ["", "Levels:"]
        tz = stats.now.tzinfo or dt.timezone.utc
        lines += [f"  {level_line(exercise, tz)}" for exercise in programme.exercises]
    if advice is not None:
        lines += ["", advice.message]
    lines += ["", NOT_MEDICAL_ADVICE]
    return "\n".join(lines)


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _checkins(count: int) -> str:
    return "1 check-in" if count == 1 else f"{count} check-ins"


def trend_words(trend: PainTrend) -> str:
    """The pain trend in a sentence, saying what it rests on."""
    if trend.direction is None:
        return "Not enough check-ins yet to see which way the pain is going."
    if trend.basis == "scores":
        assert trend.change is not None
        along = (
            f"the trend line {'rises' if trend.change > 0 else 'falls'} "
            f"{abs(trend.change):.1f} point{'s' if round(abs(trend.change), 1) != 1 else ''}"
            if round(trend.change, 1)
            else "the trend line is flat"
        )
        return (
            f"Pain is {trend.direction}: {_checkins(trend.checkins)} with a score in the last "
            f"four weeks, from {trend.first_score} to {trend.last_score}; {along} "
            "(0 = none, 10 = worst)."
        )
    return (
        f"Pain is {trend.direction}, going by {_checkins(trend.checkins)} in the last four "
        f"weeks ({trend.better} better, {trend.worse} worse)."
    )


def _pain_line(stats: Stats) -> str:
    feelings = stats.feelings
    felt = (
        f" Check-ins: {feelings['better']} better, {feelings['same']} same, "
        f"{feelings['worse']} worse."
        if sum(feelings.values())
        else ""
    )
    if stats.trend.direction is None:
        return "Pain: not enough check-ins to see a trend (`reminder checkin` records one)." + felt
    return trend_words(stats.trend) + felt
