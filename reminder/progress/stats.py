"""What the history adds up to: adherence, streaks, minutes, misses, pain.

Pure: every function takes the entries, check-ins, config and the current
time it needs, and does no I/O. Days and weeks are calendar days and ISO weeks
in the config's time zone.

Definitions (``reminder stats`` and ``reminder report`` show these figures):

- **Window**: the last ``weeks`` ISO weeks, the current one included, from
  Monday 00:00 of the first of them up to ``now``.
- **Scheduled**: the sessions the calendar (the *current* config) puts in a
  day or week, up to ``now``; later ones of the current day are not yet due.
- **Adherence** of a week: completed ÷ scheduled, at most 1 (sessions started
  by hand count as completed too); ``None`` when nothing was scheduled.
  Partial sessions are counted apart and not in the ratio.
- **Streak**: consecutive days with at least one completed session. A day
  with nothing due (nothing scheduled, nothing missed or skipped) neither
  breaks nor extends it, so a weekday schedule keeps its streak over the
  weekend; today, not yet done, does not break the current streak.
- **Minutes per phase**: a completed session's ``seconds_done`` split in the
  proportions of its plan's phases; a partial session counts the full plan
  duration of each phase in ``phases_done``. Seconds of routines the config
  no longer knows cannot be split and are counted as unattributed.
- **Pain trend**: the mean check-in score of the last 14 days against the
  14 days before; a change of at least one point is "improving" or
  "worsening", less is "steady". Without scores in both fortnights, the
  "better" and "worse" feelings of the last 28 days decide instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from reminder.config.calendar import occurrences, resolve_wall_time
from reminder.config.load import Config
from reminder.progress.history import Checkin, Entry
from reminder.routines.model import PHASES, Routine
from reminder.routines.plan import Plan, build_plan

__all__ = [
    "Advice",
    "DayStats",
    "PainDay",
    "PainTrend",
    "Stats",
    "WeekStats",
    "compute",
    "heatmap",
    "relief_advice",
    "stats_text",
]

_DAY: Final = dt.timedelta(days=1)
_TICK: Final = dt.timedelta(microseconds=1)
RELIEF_MIN_DAYS: Final = 14
"""The first counted session must be at least this many days old."""
SCORE_CHANGE: Final = 1.0
"""A change of the mean pain score (0–10) that counts as a real change."""
FEELINGS: Final = ("better", "same", "worse")

Direction = Literal["improving", "steady", "worsening"]


@dataclass(frozen=True)
class DayStats:
    date: dt.date
    scheduled: int
    completed: int
    partial: int
    due: bool
    """Something was scheduled, missed or skipped that day."""

    @property
    def level(self) -> Literal["none", "missed", "some", "all"]:
        """``none``: nothing scheduled or done; ``missed``: scheduled, nothing
        done; ``some``: something done, not every scheduled session; ``all``."""
        if self.completed and self.completed >= self.scheduled:
            return "all"
        if self.completed or self.partial:
            return "some"
        return "missed" if self.scheduled else "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "scheduled": self.scheduled,
            "completed": self.completed,
            "partial": self.partial,
            "level": self.level,
        }


@dataclass(frozen=True)
class WeekStats:
    start: dt.datetime
    """Monday 00:00 in the config's time zone."""
    scheduled: int
    completed: int
    partial: int

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def adherence(self) -> float | None:
        if not self.scheduled:
            return None
        return min(1.0, self.completed / self.scheduled)

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.label,
            "start": self.start.isoformat(),
            "scheduled": self.scheduled,
            "completed": self.completed,
            "partial": self.partial,
            "adherence": None if self.adherence is None else round(self.adherence, 3),
        }


@dataclass(frozen=True)
class PainDay:
    date: dt.date
    score: float
    """The mean of the day's scores."""
    checkins: int

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "score": round(self.score, 2),
            "checkins": self.checkins,
        }


@dataclass(frozen=True)
class PainTrend:
    direction: Direction | None
    """None: not enough check-ins to tell."""
    basis: Literal["scores", "feelings"] | None
    recent_mean: float | None
    """Mean score of the last 14 days."""
    previous_mean: float | None
    """Mean score of the 14 days before."""
    better: int
    """"better" feelings in the last 28 days."""
    worse: int

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "basis": self.basis,
            "recent_mean": _round(self.recent_mean),
            "previous_mean": _round(self.previous_mean),
            "better": self.better,
            "worse": self.worse,
        }


@dataclass(frozen=True)
class Stats:
    now: dt.datetime
    """The moment the figures were taken, in the config's time zone."""
    timezone: str
    start: dt.datetime
    """The window's start: Monday 00:00, ``weeks`` ISO weeks back."""
    weeks: tuple[WeekStats, ...]
    days: tuple[DayStats, ...]
    """Every day of the window, up to today."""
    current_streak: int
    best_streak: int
    phase_seconds: Mapping[str, int]
    """release / stretch / strengthen, in the window."""
    unattributed_seconds: int
    outcomes: Mapping[str, int]
    """Sessions in the window by outcome."""
    missed_by_reason: Mapping[str, int]
    """Missed sessions in the window by reason ("unknown" when none was kept)."""
    skipped: int
    pain_days: tuple[PainDay, ...]
    feelings: Mapping[str, int]
    """better / same / worse check-ins in the window."""
    trend: PainTrend

    @property
    def scheduled(self) -> int:
        return sum(w.scheduled for w in self.weeks)

    @property
    def completed(self) -> int:
        return sum(w.completed for w in self.weeks)

    @property
    def partial(self) -> int:
        return sum(w.partial for w in self.weeks)

    @property
    def missed(self) -> int:
        return sum(self.missed_by_reason.values())

    def to_json(self) -> dict[str, Any]:
        """The stable JSON of ``reminder stats --json``::

            {"now": ISO, "timezone": "Europe/Berlin",
             "window": {"start": ISO, "end": ISO, "weeks": 12},
             "totals": {"scheduled", "completed", "partial", "missed", "skipped"},
             "weeks": [{"week": "2025-W10", "start": ISO, "scheduled", "completed",
                        "partial", "adherence": 0.0-1.0 | null}],
             "days": [{"date": "YYYY-MM-DD", "scheduled", "completed", "partial",
                       "level": "none" | "missed" | "some" | "all"}],
             "streak": {"current": days, "best": days},
             "phase_seconds": {"release", "stretch", "strengthen"},
             "phase_minutes": {... rounded to 0.1}, "unattributed_seconds": n,
             "outcomes": {outcome: n}, "missed_by_reason": {reason: n}, "skipped": n,
             "pain": {"days": [{"date", "score": mean, "checkins": n}],
                      "feelings": {"better", "same", "worse"},
                      "trend": {"direction": "improving" | "steady" | "worsening" | null,
                                "basis": "scores" | "feelings" | null,
                                "recent_mean", "previous_mean", "better", "worse"}}}

        Every time is ISO-8601 with its UTC offset; days are local dates.
        """
        return {
            "now": self.now.isoformat(),
            "timezone": self.timezone,
            "window": {
                "start": self.start.isoformat(),
                "end": self.now.isoformat(),
                "weeks": len(self.weeks),
            },
            "totals": {
                "scheduled": self.scheduled,
                "completed": self.completed,
                "partial": self.partial,
                "missed": self.missed,
                "skipped": self.skipped,
            },
            "weeks": [w.to_json() for w in self.weeks],
            "days": [d.to_json() for d in self.days],
            "streak": {"current": self.current_streak, "best": self.best_streak},
            "phase_seconds": dict(self.phase_seconds),
            "phase_minutes": {k: round(v / 60, 1) for k, v in self.phase_seconds.items()},
            "unattributed_seconds": self.unattributed_seconds,
            "outcomes": dict(self.outcomes),
            "missed_by_reason": dict(self.missed_by_reason),
            "skipped": self.skipped,
            "pain": {
                "days": [d.to_json() for d in self.pain_days],
                "feelings": dict(self.feelings),
                "trend": self.trend.to_json(),
            },
        }


@dataclass(frozen=True)
class Advice:
    """The protocol's "no relief: probably another muscle" suggestion."""

    routine: str
    completed: int
    """Completed sessions of the routine so far."""
    since: dt.datetime
    """When the first of them started."""
    see_also: tuple[str, ...]
    """The routine's see_also names, less any known to work the same muscle."""
    message: str

    @property
    def key(self) -> str:
        """For "tell once": one notice per routine."""
        return f"relief:{self.routine}"

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "completed": self.completed,
            "since": self.since.isoformat(),
            "see_also": list(self.see_also),
            "message": self.message,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return resolve_wall_time(day, dt.time(0), tz)


def _scheduled_per_day(config: Config, first: dt.date, now: dt.datetime) -> Counter[dt.date]:
    """How many sessions the calendar puts on each day from ``first`` up to ``now``."""
    tz = config.settings.timezone
    counts: Counter[dt.date] = Counter()
    for occurrence in occurrences(config, _midnight(first, tz) - _TICK):
        if occurrence.at > now:
            break
        counts[occurrence.at.astimezone(tz).date()] += 1
    return counts


def _streaks(done_days: set[dt.date], due_days: set[dt.date], today: dt.date) -> tuple[int, int]:
    """(current, best): see the module's definition."""
    if not done_days:
        return 0, 0
    run = best = 0
    day = min(done_days)
    while day <= today:
        if day in done_days:
            run += 1
            best = max(best, run)
        elif day in due_days and day != today:
            run = 0
        day += _DAY
    return run, best


def _day_table(
    entries: Iterable[Entry], config: Config, now: dt.datetime, first: dt.date
) -> tuple[list[DayStats], Counter[dt.date], set[dt.date]]:
    """Days from ``first`` to today, plus the done and due days over the
    whole of ``entries`` (for streaks)."""
    tz = config.settings.timezone
    today = now.astimezone(tz).date()
    completed: Counter[dt.date] = Counter()
    partial: Counter[dt.date] = Counter()
    not_done: set[dt.date] = set()
    earliest = first
    for entry in entries:
        if entry.when > now:
            continue
        day = entry.when.astimezone(tz).date()
        earliest = min(earliest, day)
        if entry.outcome == "completed":
            completed[day] += 1
        elif entry.outcome == "partial":
            partial[day] += 1
        elif entry.outcome in ("missed", "skipped"):
            not_done.add(day)
    scheduled = _scheduled_per_day(config, earliest, now)
    due = {d for d, n in scheduled.items() if n} | not_done
    days = []
    day = first
    while day <= today:
        days.append(DayStats(day, scheduled[day], completed[day], partial[day], day in due))
        day += _DAY
    return days, completed, due


def _window_start(now: dt.datetime, tz: dt.tzinfo, weeks: int) -> dt.date:
    today = now.astimezone(tz).date()
    return today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))


def _plans(config: Config) -> dict[str, Plan]:
    return {name: build_plan(routine) for name, routine in config.routines.items()}


def compute(
    entries: Sequence[Entry],
    checkins: Sequence[Checkin],
    config: Config,
    now: dt.datetime,
    weeks: int = 12,
) -> Stats:
    """The figures for the last ``weeks`` ISO weeks up to ``now``. Pass every
    entry there is for a true best streak; the rest looks at the window only."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    tz = config.settings.timezone
    local_now = now.astimezone(tz)
    today = local_now.date()
    first = _window_start(now, tz, weeks)
    start = _midnight(first, tz)

    days, completed_days, due_days = _day_table(entries, config, now, first)
    current_streak, best_streak = _streaks(set(completed_days), due_days, today)

    week_rows = []
    for index in range(weeks):
        week_days = days[index * 7 : index * 7 + 7]
        week_rows.append(
            WeekStats(
                start=_midnight(first + dt.timedelta(days=7 * index), tz),
                scheduled=sum(d.scheduled for d in week_days),
                completed=sum(d.completed for d in week_days),
                partial=sum(d.partial for d in week_days),
            )
        )

    plans = _plans(config)
    phase_totals: dict[str, float] = dict.fromkeys(PHASES, 0.0)
    unattributed = 0
    outcomes: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for entry in entries:
        if not start <= entry.when <= now:
            continue
        outcomes[entry.outcome] += 1
        if entry.outcome == "missed":
            missed[entry.reason or "unknown"] += 1
        plan = plans.get(entry.routine)
        if entry.outcome == "completed":
            if plan is None or not plan.total_seconds:
                unattributed += entry.seconds_done
                continue
            for phase in PHASES:
                phase_totals[phase] += (
                    entry.seconds_done * plan.phase_seconds(phase) / plan.total_seconds
                )
        elif entry.outcome == "partial":
            if plan is None:
                unattributed += entry.seconds_done
                continue
            for phase in PHASES:
                if phase in entry.phases_done:
                    phase_totals[phase] += plan.phase_seconds(phase)

    in_window = [c for c in checkins if start <= c.at <= now]
    by_day: dict[dt.date, list[int]] = {}
    for checkin in in_window:
        if checkin.score is not None:
            by_day.setdefault(checkin.at.astimezone(tz).date(), []).append(checkin.score)
    pain_days = tuple(
        PainDay(day, sum(scores) / len(scores), len(scores))
        for day, scores in sorted(by_day.items())
    )
    feelings = Counter(c.feeling for c in in_window if c.feeling in FEELINGS)

    return Stats(
        now=local_now,
        timezone=config.settings.timezone_name,
        start=start,
        weeks=tuple(week_rows),
        days=tuple(days),
        current_streak=current_streak,
        best_streak=best_streak,
        phase_seconds={p: round(phase_totals[p]) for p in PHASES},
        unattributed_seconds=unattributed,
        outcomes=dict(sorted(outcomes.items())),
        missed_by_reason=dict(sorted(missed.items(), key=lambda item: (-item[1], item[0]))),
        skipped=outcomes["skipped"],
        pain_days=pain_days,
        feelings={f: feelings[f] for f in FEELINGS},
        trend=pain_trend(checkins, now),
    )


def pain_trend(checkins: Sequence[Checkin], now: dt.datetime) -> PainTrend:
    """Mean score of the last 14 days against the 14 before; feelings of the
    last 28 days when there are not scores in both."""
    fortnight = dt.timedelta(days=14)
    recent = [c.score for c in checkins if c.score is not None and now - fortnight < c.at <= now]
    previous = [
        c.score
        for c in checkins
        if c.score is not None and now - 2 * fortnight < c.at <= now - fortnight
    ]
    lately = [c.feeling for c in checkins if now - 2 * fortnight < c.at <= now]
    better, worse = lately.count("better"), lately.count("worse")
    recent_mean, previous_mean = _mean(recent), _mean(previous)
    direction: Direction | None = None
    basis: Literal["scores", "feelings"] | None = None
    if recent_mean is not None and previous_mean is not None:
        basis = "scores"
        change = recent_mean - previous_mean
        if change <= -SCORE_CHANGE:
            direction = "improving"
        elif change >= SCORE_CHANGE:
            direction = "worsening"
        else:
            direction = "steady"
    elif better or worse or lately.count("same"):
        basis = "feelings"
        direction = "improving" if better > worse else "worsening" if worse > better else "steady"
    return PainTrend(direction, basis, recent_mean, previous_mean, better, worse)


# -- the relief rule ---------------------------------------------------------------


def _shows_improvement(
    checkins: Sequence[Checkin], since: dt.datetime, now: dt.datetime
) -> bool | None:
    """Whether check-ins from ``since`` to ``now`` show the pain easing;
    None when they cannot tell. See ``relief_advice``."""
    feelings = [c.feeling for c in checkins if c.feeling in FEELINGS]
    middle = since + (now - since) / 2
    early = [c.score for c in checkins if c.score is not None and c.at < middle]
    late = [c.score for c in checkins if c.score is not None and c.at >= middle]
    early_mean, late_mean = _mean(early), _mean(late)
    scores_tell = early_mean is not None and late_mean is not None
    if not feelings and not scores_tell:
        return None
    if feelings and 2 * feelings.count("better") > len(feelings):
        return True
    return bool(
        early_mean is not None and late_mean is not None and late_mean <= early_mean - SCORE_CHANGE
    )


def _label(name: str, routines: Mapping[str, Routine]) -> str:
    routine = routines.get(name)
    return routine.title if routine is not None else name.replace("-", " ").capitalize()


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def relief_advice(
    entries: Sequence[Entry],
    checkins: Sequence[Checkin],
    config: Config,
    now: dt.datetime,
    *,
    routines: Mapping[str, Routine] | None = None,
) -> Advice | None:
    """The protocol's rule: release that brings no relief after several
    sessions means the pain probably comes from another muscle.

    A routine qualifies when all of these hold:

    1. ``settings.relief_check`` (N) is above 0;
    2. it has at least N completed sessions up to ``now``, and the first of
       them started at least 14 days before ``now``;
    3. its check-ins — those from that first completed session up to ``now``
       naming this routine or none — can tell: at least one has a feeling, or
       there are scores both before and after the midpoint between that first
       session and ``now`` (with no check-ins at all, nothing is said);
    4. they show no improvement: "better" is not the feeling of more than half
       of the check-ins that have one, and the mean score after the midpoint is
       not at least one point (of 0–10) below the mean before it.

    Of several qualifying routines, the one whose first completed session is
    the oldest is named (then by name). ``routines`` gives titles and muscles
    of routines beyond the config's (e.g. the bundled ones); a see_also
    routine known to work the same muscle is not suggested.
    """
    needed = config.settings.relief_check
    if needed <= 0:
        return None
    known: dict[str, Routine] = {**(routines or {}), **config.routines}
    completed: dict[str, list[dt.datetime]] = {}
    for entry in entries:
        if entry.outcome == "completed" and entry.when <= now:
            completed.setdefault(entry.routine, []).append(entry.when)
    candidates: list[tuple[dt.datetime, str, int]] = []
    for name, moments in completed.items():
        routine = known.get(name)
        if routine is None or len(moments) < needed:
            continue
        since = min(moments)
        if now - since < dt.timedelta(days=RELIEF_MIN_DAYS):
            continue
        relevant = [c for c in checkins if since <= c.at <= now and c.routine in (None, name)]
        if _shows_improvement(relevant, since, now) is False:
            candidates.append((since, name, len(moments)))
    if not candidates:
        return None
    since, name, count = min(candidates)
    routine = known[name]
    see_also = tuple(
        other
        for other in routine.see_also
        if other != name
        and not (
            other in known and routine.muscle is not None and known[other].muscle == routine.muscle
        )
    )
    return Advice(
        name, count, since, see_also, _message(routine, count, since, see_also, known, config)
    )


def _message(
    routine: Routine,
    count: int,
    since: dt.datetime,
    see_also: Sequence[str],
    known: Mapping[str, Routine],
    config: Config,
) -> str:
    local = since.astimezone(config.settings.timezone)
    muscle = routine.muscle or routine.title.lower()
    lines = [
        f"You have done {count} {routine.title} sessions since {local.day} {local:%B}, "
        "and your check-ins do not show the pain easing.",
        f"When release brings no relief after this many sessions, the pain probably "
        f"does not come from {muscle} but from another muscle that sends pain to the "
        "same places.",
    ]
    if see_also:
        titles = [_label(other, known) for other in see_also]
        lines.append(
            f"Try the {_join(titles)} routine next, e.g. `reminder now {see_also[0]}`, "
            "or add it to a [[schedule]] in your config."
        )
    lines.append(
        "If the pain stays, or is sharp, spreading, or comes with numbness or "
        "weakness, please see a clinician."
    )
    return " ".join(lines)


# -- text --------------------------------------------------------------------------

HEAT: Final = {"none": "·", "missed": "░", "some": "▒", "all": "█", "future": " "}
_WEEKDAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def heatmap(entries: Sequence[Entry], config: Config, now: dt.datetime, weeks: int = 12) -> str:
    """A calendar of the last ``weeks`` weeks: rows Monday to Sunday, a column
    a week, one character a day (see the legend), month names above."""
    tz = config.settings.timezone
    days, _, _ = _day_table(entries, config, now, _window_start(now, tz, weeks))
    return render_heatmap(days)


def render_heatmap(days: Sequence[DayStats]) -> str:
    """The heatmap of days that start on a Monday (the last week may be cut
    short: its later days show blank)."""
    if not days:
        return ""
    weeks = (len(days) + 6) // 7
    mondays = [days[0].date + dt.timedelta(days=7 * i) for i in range(weeks)]
    # Each week is two characters wide; a month's name stands over the first
    # week whose Monday is in it. Later names win when two would overlap.
    labels: list[tuple[int, str]] = []
    for index, monday in enumerate(mondays):
        if index == 0 or monday.month != mondays[index - 1].month:
            labels.append((index * 2, f"{monday:%b}"))
    kept: list[tuple[int, str]] = []
    for position, text in reversed(labels):
        if not kept or position + len(text) < kept[-1][0]:
            kept.append((position, text))
    header = [" "] * (weeks * 2)
    for position, text in kept:
        header[position : position + len(text)] = text
    lines = ["    " + "".join(header).rstrip()]
    for weekday in range(7):
        cells = []
        for week in range(weeks):
            index = week * 7 + weekday
            cells.append(HEAT[days[index].level] if index < len(days) else HEAT["future"])
        lines.append(f"{_WEEKDAY_NAMES[weekday]} " + " ".join(cells).rstrip())
    lines.append(
        f"    {HEAT['none']} nothing scheduled  {HEAT['missed']} none done  "
        f"{HEAT['some']} some done  {HEAT['all']} all done"
    )
    return "\n".join(lines)


NOT_MEDICAL_ADVICE: Final = (
    "reminder is a reminder and timer, not medical advice. Sharp, spreading or "
    "worsening pain, numbness or weakness: see a clinician."
)


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min"


def stats_text(stats: Stats, advice: Advice | None) -> str:
    """``reminder stats`` for people."""
    first = stats.weeks[0].start
    lines = [
        f"The last {len(stats.weeks)} weeks, from Monday {first.day} {first:%B %Y} "
        f"(days in {stats.timezone}):",
        "",
        render_heatmap(stats.days),
        "",
        "Week      Done  Partly  Scheduled  Adherence",
    ]
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
    if advice is not None:
        lines += ["", advice.message]
    lines += ["", NOT_MEDICAL_ADVICE]
    return "\n".join(lines)


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _pain_line(stats: Stats) -> str:
    feelings = stats.feelings
    felt = (
        f" Check-ins: {feelings['better']} better, {feelings['same']} same, "
        f"{feelings['worse']} worse."
        if sum(feelings.values())
        else ""
    )
    trend = stats.trend
    if trend.direction is None:
        return "Pain: not enough check-ins to see a trend (`reminder checkin` records one)." + felt
    if trend.basis == "scores":
        assert trend.recent_mean is not None
        assert trend.previous_mean is not None
        return (
            f"Pain: {trend.direction} — a mean of {trend.recent_mean:.1f} in the last two "
            f"weeks against {trend.previous_mean:.1f} the two before (0 = none, 10 = worst)." + felt
        )
    return (
        f"Pain: {trend.direction}, going by the last four weeks' check-ins "
        f"({trend.better} better, {trend.worse} worse)." + felt
    )
