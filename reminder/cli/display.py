"""Text for people: durations, steps, plan tables and session lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reminder.config.calendar import Occurrence
from reminder.routines.model import PHASES, Routine
from reminder.routines.plan import Plan, Step
from reminder.schema.values import WEEKDAYS, format_seconds

if TYPE_CHECKING:
    from reminder.progress.history import Entry

__all__ = [
    "format_seconds",
    "plan_guide",
    "plan_table",
    "plan_text",
    "sessions_table",
    "step_action",
    "until",
]

_UTC = dt.timezone.utc


def minutes(seconds: int) -> str:
    """Rounded for summaries: ``1195`` → ``20 min``; under a minute in seconds."""
    if seconds < 60:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


def step_action(step: Step) -> str:
    """What the person does in this step, in a few words."""
    if step.kind == "ready":
        return "get ready"
    if step.kind == "switch":
        return "switch sides"
    if step.kind == "rest":
        return "rest"
    if step.reps is not None:
        return "1 rep" if step.reps == 1 else f"{step.reps} reps"
    return "hold"


HOW_WIDTH = 78
"""Columns the how-to text is wrapped to."""


def plan_guide(routine: Routine) -> str:
    """Each exercise's how-to, in the order the session runs them, with the
    side it starts on: what `reminder plan` shows below the table."""
    import textwrap

    sides = {"both": " (both sides, left first)", "left": " (left side)", "right": " (right side)"}
    lines = ["How to do each exercise:"]
    for phase in PHASES:
        for exercise in routine.phases[phase]:
            side = sides.get(exercise.sides, "")
            lines.append("")
            lines.append(f"{phase.capitalize()} · {exercise.name}{side}")
            how = exercise.how or "The routine file says nothing more about this one."
            lines += textwrap.wrap(
                how, HOW_WIDTH, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
            )
    return "\n".join(lines)


def plan_text(plan: Plan, routine: Routine, *, brief: bool = False) -> str:
    """``reminder plan``: what the routine needs, its table, and each how-to
    (``brief``: the table alone)."""
    if brief:
        return plan_table(plan, routine, about=False)
    return f"{plan_table(plan, routine)}\n\n{plan_guide(routine)}"


def plan_table(plan: Plan, routine: Routine, *, about: bool = True) -> str:
    rows: list[tuple[str, ...]] = [("start", "phase", "exercise", "step", "side", "set", "time")]
    subtotal_rows: dict[int, str] = {}
    last_phase = last_exercise = None
    for index, step in enumerate(plan.steps):
        phase = step.phase.capitalize() if step.phase != last_phase else ""
        exercise = step.exercise if (step.exercise, step.phase) != last_exercise else ""
        if exercise and step.level is not None:
            exercise += f" (level {step.level})"
        last_phase, last_exercise = step.phase, (step.exercise, step.phase)
        rows.append(
            (
                _clock(step.offset),
                phase,
                exercise,
                step_action(step),
                step.side or "-",
                str(step.set) if step.set is not None else "-",
                format_seconds(step.duration),
            )
        )
        next_index = index + 1
        if next_index == len(plan.steps) or plan.steps[next_index].phase != step.phase:
            subtotal_rows[len(rows)] = (
                f"{step.phase.capitalize()} total: {format_seconds(plan.phase_seconds(step.phase))}"
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    group = f", group {plan.group}" if plan.group else ""
    lines = [
        f"{routine.title} ({routine.name}, {routine.source}{group}): "
        f"{format_seconds(plan.total_seconds)}"
    ]
    if about:
        from reminder.daemon.messages import needs_line

        lines += [text for text in (routine.about, needs_line(routine)) if text]
    lines.append("")
    for number, row in enumerate(rows):
        cells = [row[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if number + 1 in subtotal_rows:
            lines.append(" " * (widths[0] + 2) + subtotal_rows[number + 1])
            lines.append("")
    phases = " · ".join(f"{p} {format_seconds(plan.phase_seconds(p))}" for p in PHASES)
    lines.append(f"Total: {format_seconds(plan.total_seconds)} ({phases})")
    return "\n".join(lines)


def _clock(seconds: int) -> str:
    minutes_, secs = divmod(seconds, 60)
    return f"{minutes_}:{secs:02d}"


def until(moment: dt.datetime, now: dt.datetime) -> str:
    """``in 2 h 5 min`` — how far away a moment is, to the minute. Worked out
    in UTC: two times in one zone subtract by wall clock, an hour off across
    a daylight saving change."""
    seconds = int((moment.astimezone(_UTC) - now.astimezone(_UTC)).total_seconds())
    if seconds < 60:
        return "in under a minute"
    days, rest = divmod(seconds // 60, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{mins} min" if mins and not days else "",
    ]
    return "in " + " ".join(p for p in parts if p)


def when(moment: dt.datetime) -> str:
    """``Mon 30 Nov 10:30`` in the moment's own zone."""
    return f"{WEEKDAYS[moment.weekday()].capitalize()} {moment.day:2d} {moment:%b %H:%M}"


def sessions_table(
    sessions: Sequence[Occurrence],
    now: dt.datetime,
    titles: dict[str, str],
    groups: Sequence[str | None] = (),
) -> str:
    """One line a session; a programme's sessions say whose turn they are."""
    groups = list(groups) or [None] * len(sessions)
    width = max((len(s.routine) for s in sessions), default=0)
    lines = []
    for session, group in zip(sessions, groups, strict=True):
        title = titles.get(session.routine, "")
        if group:
            title += f", group {group}"
        lines.append(
            f"{when(session.at)}  {session.routine.ljust(width)}  {until(session.at, now):<16}  {title}".rstrip()
        )
    return "\n".join(lines)


def notifications_text(status: dict[str, Any]) -> str:
    """``freedesktop``, or ``console, retrying freedesktop at every notification
    (why)`` while the chosen backend fails and the console stands in."""
    in_use = status.get("notifier_in_use") or status.get("notifier")
    retrying = status.get("notifier_retrying")
    if not retrying:
        return str(in_use)
    why = status.get("notifier_error")
    reason = f" ({str(why).rstrip('.')})" if why else ""
    return f"{in_use}, retrying {retrying} at every notification{reason}"


def status_text(status: dict[str, Any], now: dt.datetime) -> str:
    """``reminder status`` for people."""
    lines = [
        f"reminder is running (pid {status['pid']}); notifications: {notifications_text(status)}.",
    ]
    if status.get("notifier_retrying"):
        lines.append("`reminder doctor` checks the desktop and says what to fix.")
    errors = status.get("config_errors") or []
    if errors:
        lines.append(f"Config {status['config']} has mistakes; the last good one is in force:")
        lines += [f"  {line}" for line in errors]
    else:
        lines.append(f"Config: {status['config']}")
    session = status.get("session")
    if session:
        step = session["step"]
        left = format_seconds(int(session["remaining_seconds"]))
        state = "paused, " if session["paused"] else ""
        lines.append(
            f"Now: {session['title']}, step {session['index'] + 1} of {session['steps']}: "
            f"{step['summary']} — {step['body']} ({state}{left} left)"
        )
    asking = status.get("asking")
    if asking:
        lines.append(f"Asking whether to start {asking['routine']} now.")
    if status.get("paused"):
        paused_until = status.get("paused_until")
        lines.append(
            f"Paused until {when(dt.datetime.fromisoformat(paused_until))}; `reminder resume` to go on."
            if paused_until
            else "Paused until you run `reminder resume`."
        )
    upcoming = status.get("next")
    if upcoming:
        at = dt.datetime.fromisoformat(upcoming["at"])
        lines.append(f"Next: {upcoming['routine']} at {when(at)} ({until(at, now)})")
    else:
        lines.append("Next: nothing scheduled.")
    return "\n".join(lines)


_OUTCOME_WORDS = {
    "running": "running now",
    "completed": "done",
    "partial": "partly done",
    "stopped": "stopped",
    "skipped": "skipped",
    "snoozed": "snoozed",
    "missed": "missed",
    "interrupted": "interrupted",
}


def history_table(entries: Sequence[Entry], tz: dt.tzinfo) -> str:
    """``reminder history`` for people: one line a session, oldest first."""
    width = max(len(e.routine) for e in entries)
    lines = []
    for entry in entries:
        moment = entry.when.astimezone(tz)
        detail = ""
        if entry.outcome == "partial":
            detail = "did " + (", ".join(entry.phases_done) or "no phase in full")
        elif entry.reason:
            detail = entry.reason
        if entry.source == "terminal":
            detail = "in the terminal" + (f"; {detail}" if detail else "")
        done = format_seconds(entry.seconds_done) if entry.seconds_done else ""
        lines.append(
            f"{moment:%Y-%m-%d} {moment:%a %H:%M}  {entry.routine.ljust(width)}  "
            f"{_OUTCOME_WORDS.get(entry.outcome, entry.outcome):<12}  {done:<12}  {detail}".rstrip()
        )
    return "\n".join(lines)
