"""``reminder report --html``: the statistics as one self-contained HTML page.

Everything is inline — CSS, SVG charts, text — with no scripts and no
address outside the file, so the page opens the same offline, from a mail
attachment or years later. Every piece of text is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from reminder.progress.advice import Advice
from reminder.progress.programme_stats import ProgrammeStats
from reminder.progress.report_programme import group_letters, programme_section
from reminder.progress.stats import NOT_MEDICAL_ADVICE, DayStats, Stats
from reminder.progress.stats_text import trend_words
from reminder.routines.model import PHASES

__all__ = ["html_report"]

_LEVEL_COLOURS: Final = {
    "before": "#f6f8fa",
    "none": "#ebedf0",
    "missed": "#f4c7a1",
    "some": "#8cc9a0",
    "all": "#2e8b57",
}
_LEVEL_WORDS: Final = {
    "before": "before reminder",
    "none": "nothing scheduled",
    "missed": "scheduled, none done",
    "some": "some done",
    "all": "all done",
}
_PHASE_COLOURS: Final = {"release": "#c0504d", "stretch": "#4f81bd", "strengthen": "#9b6bb3"}
_FEELING_COLOURS: Final = {"better": "#2e8b57", "same": "#8a8f98", "worse": "#c0504d"}
_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_CSS: Final = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 920px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.sub { color: #57606a; margin: 0 0 20px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px;
          padding: 16px 18px; margin: 0 0 16px; }
.row { display: flex; gap: 16px; flex-wrap: wrap; }
.row > section { flex: 1 1 260px; }
.figures { display: flex; gap: 28px; flex-wrap: wrap; }
.figure b { display: block; font-size: 28px; line-height: 1.1; }
.figure span { color: #57606a; font-size: 13px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
           fill: #57606a; }
svg .value { fill: #1f2328; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: right; padding: 3px 6px; border-bottom: 1px solid #eaeef2; }
th:first-child, td:first-child { text-align: left; }
th { color: #57606a; font-weight: 600; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: #57606a;
          margin-top: 8px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
          vertical-align: -1px; margin-right: 4px; }
.advice { background: #fff8e5; border-color: #e3b341; }
.note { font-size: 13px; color: #57606a; }
.empty { color: #57606a; font-style: italic; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; background: #f1ead2;
       padding: 1px 4px; border-radius: 4px; }
"""


def _date(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {day:%b} {day.year}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _adherence_calendar(
    days: Sequence[DayStats], day_groups: Mapping[dt.date, tuple[str, ...]] | None = None
) -> str:
    cell, gap, left, top = 18, 4, 34, 20
    weeks = max(1, (len(days) + 6) // 7)
    width = left + weeks * (cell + gap)
    height = top + 7 * (cell + gap)
    parts = [
        f'<svg id="adherence-calendar" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        "<title>Sessions done each day</title>",
    ]
    for weekday in (0, 2, 4, 6):
        y = top + weekday * (cell + gap) + cell - 3
        parts.append(f'<text x="0" y="{y}">{_WEEKDAYS[weekday]}</text>')
    last_month = None
    for week in range(weeks):
        monday = days[week * 7].date if week * 7 < len(days) else None
        if monday is not None and monday.month != last_month:
            # A name only where the next one leaves it room.
            next_change = next(
                (
                    w
                    for w in range(week + 1, weeks)
                    if w * 7 < len(days) and days[w * 7].date.month != monday.month
                ),
                weeks,
            )
            if next_change - week >= 2 or week == weeks - 1:
                x = left + week * (cell + gap)
                parts.append(f'<text x="{x}" y="12">{monday:%b}</text>')
            last_month = monday.month
    for index, day in enumerate(days):
        week, weekday = divmod(index, 7)
        x = left + week * (cell + gap)
        y = top + weekday * (cell + gap)
        tip = f"{_date(day.date)}: {day.completed} of {day.scheduled} scheduled done" + (
            f", {day.partial} partly" if day.partial else ""
        )
        if day.before:
            tip = f"{_date(day.date)}: before reminder"
        border = ' stroke="#d0d7de" stroke-dasharray="2 2"' if day.before else ""
        parts.append(
            f'<rect class="day {day.level}" x="{x}" y="{y}" width="{cell}" height="{cell}" '
            f'rx="2" fill="{_LEVEL_COLOURS[day.level]}"{border} data-date="{day.date.isoformat()}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        groups = (day_groups or {}).get(day.date, ())
        parts.append(group_letters(groups, x, y, cell, dark=day.level == "all"))
    parts.append("</svg>")
    shown = {day.level for day in days}
    legend = "".join(
        f'<span><i class="swatch" style="background:{_LEVEL_COLOURS[level]};'
        f'{"border:1px dashed #d0d7de" if level == "before" else ""}"></i>'
        f"{escape(words)}</span>"
        for level, words in _LEVEL_WORDS.items()
        if level != "before" or level in shown
    )
    if day_groups:
        legend += "<span>A, B: the group that ran that day</span>"
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _pain_trend(stats: Stats) -> str:
    width, height = 840, 220
    left, right, top, bottom = 34, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    first = stats.days[0].date if stats.days else stats.now.date()
    last = stats.days[-1].date if stats.days else stats.now.date()
    span = max(1, (last - first).days)

    def x_of(day: dt.date) -> float:
        return left + plot_w * (day - first).days / span

    def y_of(score: float) -> float:
        return top + plot_h * (1 - score / 10)

    parts = [
        f'<svg id="pain-trend" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        "<title>Pain score by day (0 none, 10 worst)</title>",
    ]
    for score in (0, 5, 10):
        y = y_of(score)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{score}</text>'
        )
    last_label = -1000.0
    for index, day in enumerate(stats.days):
        x = x_of(day.date)
        if (day.date.day == 1 or index == 0) and x - last_label >= 60:
            last_label = x
            parts.append(f'<text x="{x:.1f}" y="{height - 8}">{day.date:%b} {day.date.day}</text>')
    points = [(x_of(p.date), y_of(p.score), p) for p in stats.pain_days if first <= p.date <= last]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(
            f'<polyline class="pain-line" points="{path}" fill="none" stroke="#c0504d" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
        for x, y, point in points:
            tip = f"{_date(point.date)}: {point.score:.1f} ({_plural(point.checkins, 'check-in')})"
            parts.append(
                f'<circle class="pain-point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#c0504d">'
                f"<title>{escape(tip)}</title></circle>"
            )
    else:
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" text-anchor="middle">'
            "No pain scores in these weeks</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _feelings(stats: Stats) -> str:
    total = sum(stats.feelings.values())
    width, bar_h, gap, left = 400, 18, 8, 64
    height = 3 * (bar_h + gap)
    parts = [
        f'<svg id="pain-feelings" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        "<title>How the pain felt at check-ins</title>",
    ]
    largest = max(stats.feelings.values(), default=0) or 1
    for row, (feeling, count) in enumerate(stats.feelings.items()):
        y = row * (bar_h + gap)
        length = (width - left - 50) * count / largest
        parts.append(
            f'<text x="0" y="{y + 13}">{escape(feeling)}</text>'
            f'<rect class="feeling {escape(feeling)}" x="{left}" y="{y}" width="{length:.1f}" '
            f'height="{bar_h}" rx="2" fill="{_FEELING_COLOURS.get(feeling, "#8a8f98")}"/>'
            f'<text class="value" x="{left + length + 6:.1f}" y="{y + 13}">{count}</text>'
        )
    parts.append("</svg>")
    if not total:
        parts.append('<p class="empty">No "better / same / worse" check-ins yet.</p>')
    return "".join(parts)


def _phase_minutes(stats: Stats) -> str:
    width, bar_h, gap, left = 400, 22, 10, 84
    height = len(PHASES) * (bar_h + gap)
    minutes = {p: stats.phase_seconds.get(p, 0) / 60 for p in PHASES}
    largest = max(minutes.values()) or 1
    parts = [
        f'<svg id="phase-minutes" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        "<title>Minutes spent in each phase</title>",
    ]
    for row, phase in enumerate(PHASES):
        y = row * (bar_h + gap)
        length = (width - left - 70) * minutes[phase] / largest
        parts.append(
            f'<text x="0" y="{y + 15}">{phase.capitalize()}</text>'
            f'<rect class="phase {phase}" x="{left}" y="{y}" width="{length:.1f}" '
            f'height="{bar_h}" rx="2" fill="{_PHASE_COLOURS[phase]}"/>'
            f'<text class="value" x="{left + length + 6:.1f}" y="{y + 15}">'
            f"{round(minutes[phase])} min</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _missed(stats: Stats) -> str:
    if not stats.missed_by_reason and not stats.skipped:
        return '<p class="empty">Nothing missed or skipped in these weeks.</p>'
    rows = "".join(
        f"<tr><td>{escape(reason)}</td><td>{count}</td></tr>"
        for reason, count in stats.missed_by_reason.items()
    )
    return (
        '<table id="missed-reasons"><tr><th>Missed because</th><th>Sessions</th></tr>'
        f"{rows}<tr><td>Skipped</td><td>{stats.skipped}</td></tr></table>"
    )


def _weeks_table(stats: Stats) -> str:
    rows = []
    for week in reversed(stats.weeks):
        rate = "–" if week.adherence is None else f"{round(week.adherence * 100)}%"
        rows.append(
            f"<tr><td>{escape(week.label)} ({week.start.day} {week.start:%b})</td>"
            f"<td>{week.completed}</td><td>{week.partial}</td><td>{week.scheduled}</td>"
            f"<td>{rate}</td></tr>"
        )
    return (
        '<table id="adherence-weeks"><tr><th>Week</th><th>Done</th><th>Partly</th>'
        f"<th>Scheduled</th><th>Adherence</th></tr>{''.join(rows)}</table>"
    )


def _trend_sentence(stats: Stats) -> str:
    return trend_words(stats.trend)


def _with_code(text: str) -> str:
    """Escaped text with `commands` set as code."""
    pieces = escape(text).split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return escape(text)
    return "".join(
        f"<code>{piece}</code>" if index % 2 else piece for index, piece in enumerate(pieces)
    )


def html_report(
    stats: Stats,
    advice: Advice | None,
    title: str,
    now: dt.datetime,
    programme: ProgrammeStats | None = None,
) -> str:
    """The whole page. ``now`` is shown as the time the report was made;
    ``programme`` adds each exercise's level over time and the groups."""
    adherence = (
        f"{round(min(1.0, stats.completed / stats.scheduled) * 100)}%" if stats.scheduled else "–"
    )
    figures = [
        (str(stats.completed), "sessions completed"),
        (adherence, f"of {stats.scheduled} scheduled"),
        (str(stats.current_streak), "day streak now"),
        (str(stats.best_streak), "days, best streak"),
        (str(stats.missed), "missed"),
        (str(stats.skipped), "skipped"),
    ]
    figure_html = "".join(
        f'<div class="figure"><b>{escape(value)}</b><span>{escape(words)}</span></div>'
        for value, words in figures
    )
    advice_html = (
        f'<section class="advice" id="advice"><h2>No relief yet?</h2><p>{_with_code(advice.message)}</p></section>'
        if advice is not None
        else ""
    )
    first = stats.weeks[0].start
    made = now.astimezone(stats.now.tzinfo)
    subtitle = (
        f"The last {len(stats.weeks)} weeks, from {_date(first.date())} to {_date(stats.now.date())} "
        f"(days in {stats.timezone}). Made {made:%Y-%m-%d %H:%M} {made:%z}."
    )
    feelings = stats.feelings
    body = f"""<main>
<h1>{escape(title)}</h1>
<p class="sub">{escape(subtitle)}</p>
<section id="summary"><div class="figures">{figure_html}</div></section>
{advice_html}
<section><h2>Adherence</h2>{_adherence_calendar(stats.days, programme.day_groups if programme else None)}</section>
{programme_section(programme, stats.start, stats.now) if programme else ""}
<section><h2>Pain</h2><p>{escape(_trend_sentence(stats))}</p>{_pain_trend(stats)}
<h2 style="margin-top:14px">Check-ins: {feelings.get("better", 0)} better, {feelings.get("same", 0)} same, {feelings.get("worse", 0)} worse</h2>
{_feelings(stats)}</section>
<div class="row">
<section><h2>Minutes per phase</h2>{_phase_minutes(stats)}</section>
<section><h2>Missed and skipped</h2>{_missed(stats)}</section>
</div>
<section><h2>Week by week</h2>{_weeks_table(stats)}</section>
<p class="note" id="not-medical-advice">{escape(NOT_MEDICAL_ADVICE)}</p>
</main>"""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""
