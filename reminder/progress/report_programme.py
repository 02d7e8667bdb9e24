"""The report's programme section: a small step chart of each exercise's level
over the window, and the group letters the calendar shows on each day."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from reminder.progress.programme_stats import ExerciseLevels, ProgrammeStats, level_line

_WIDTH, _HEIGHT = 400, 90
_LEFT, _RIGHT, _TOP, _BOTTOM = 26, 10, 8, 20


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def level_chart(exercise: ExerciseLevels, start: dt.datetime, now: dt.datetime) -> str:
    """The level as a step line from ``start`` to ``now``: flat while it holds,
    a step at each change."""
    span = max(1.0, (now - start).total_seconds())
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    top = max(exercise.levels, 2)

    def x_of(moment: dt.datetime) -> float:
        return _LEFT + plot_w * min(1.0, max(0.0, (moment - start).total_seconds() / span))

    def y_of(level: int) -> float:
        return _TOP + plot_h * (1 - (level - 1) / (top - 1))

    identifier = f"levels-{_slug(exercise.routine)}-{_slug(exercise.exercise)}"
    parts = [
        f'<svg id="{escape(identifier)}" class="chart level-chart" role="img" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}">',
        f"<title>{escape(exercise.exercise)}: level over time</title>",
    ]
    for level in sorted({1, top}):
        y = y_of(level)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
            'stroke="#eaeef2" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{level}</text>'
        )
    points = [(x_of(start), y_of(exercise.start_level))]
    for step in exercise.steps:
        x = x_of(step.at)
        points.append((x, points[-1][1]))
        points.append((x, y_of(step.level)))
    points.append((x_of(now), points[-1][1]))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(
        f'<polyline class="level-step" points="{path}" fill="none" stroke="#9b6bb3" '
        'stroke-width="2"/>'
    )
    for step in exercise.steps:
        local = step.at.astimezone(now.tzinfo)
        tip = f"{local:%a} {local.day} {local:%b}: level {step.level}, {step.reason}"
        parts.append(
            f'<circle class="level-change" cx="{x_of(step.at):.1f}" cy="{y_of(step.level):.1f}" '
            f'r="3" fill="#9b6bb3" data-level="{step.level}"><title>{escape(tip)}</title></circle>'
        )
    parts.append(
        f'<text x="{_LEFT}" y="{_HEIGHT - 4}">{start:%b} {start.day}</text>'
        f'<text x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 4}" text-anchor="end">'
        f"{now:%b} {now.day}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def programme_section(programme: ProgrammeStats, start: dt.datetime, now: dt.datetime) -> str:
    """The section with one step chart an exercise; empty without a programme."""
    if not programme.exercises:
        return ""
    tz = now.tzinfo or dt.timezone.utc
    charts = "".join(
        f'<div class="level"><p>{escape(level_line(exercise, tz))}</p>'
        f"{level_chart(exercise, start, now)}</div>"
        for exercise in programme.exercises
    )
    return (
        '<section id="programme"><h2>Levels</h2>'
        '<p class="note">Each exercise with levels, from the first of these weeks to now. '
        "Two easy sessions move it up (at most once a week); two too hard or worse ones, or "
        "two weeks off, move it down.</p>"
        f"{charts}</section>"
    )


def group_letters(
    groups: tuple[str, ...], x: float, y: float, cell: int, *, dark: bool = False
) -> str:
    """The groups a day ran, written on its calendar square (white on a dark one)."""
    if not groups:
        return ""
    text = "".join(g[0] for g in groups)[:2]
    return (
        f'<text class="group" x="{x + cell / 2:.1f}" y="{y + cell - 5:.1f}" '
        f'text-anchor="middle" style="font-size:10px;fill:{"#ffffff" if dark else "#1f2328"}">'
        f"{escape(text)}</text>"
    )
