"""What the history adds up to: adherence, streaks, minutes, misses, pain.

Pure: every function takes the entries, check-ins, config and the current
time it needs, and does no I/O. Days and weeks are calendar days and ISO weeks
in the config's time zone.

Definitions (``reminder stats`` and ``reminder report`` show these figures):

- **Window**: the last ``weeks`` ISO weeks, the current one included, from
  Monday 00:00 of the first of them up to ``now``.
- **Scheduled**: the sessions the calendar (the *current* config) puts in a
  day or week, from the moment reminder was first used (its first start or
  first record: ``first_use``) up to ``now``; later ones of the current day
  are not yet due. Days before the first use are "before reminder": nothing
  was scheduled then, so nothing was missed.
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
- **Pain trend**: the check-in scores of the last 28 days in time order,
  each one a point (never a day's mean, which hides a rise within the
  day): the least-squares line through them, from the first to the last
  check-in. A change along it of at least one point (of 0–10) is
  "improving" (down) or "worsening" (up), less is "steady". It rests on at
  least two scores; with fewer, the "better" and "worse" feelings of the
  same 28 days decide. Either way the trend says how many check-ins it
  rests on.
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
from reminder.routines.model import PHASES
from reminder.routines.plan import Plan, build_plan

__all__ = [
    "DayStats",
    "PainDay",
    "PainTrend",
    "Stats",
    "WeekStats",
    "compute",
]

_DAY: Final = dt.timedelta(days=1)
_TICK: Final = dt.timedelta(microseconds=1)
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
    before: bool = False
    """Before reminder was first used."""

    @property
    def level(self) -> Literal["before", "none", "missed", "some", "all"]:
        """``before``: before reminder was first used; ``none``: nothing
        scheduled or done; ``missed``: scheduled, nothing done; ``some``:
        something done, not every scheduled session; ``all``."""
        if self.before:
            return "before"
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
    checkins: int
    """How many check-ins it rests on: scores, or feelings when by feelings."""
    first_score: int | None
    """The first and last scores of the last 28 days, in time order."""
    last_score: int | None
    change: float | None
    """Points along the least-squares line from the first to the last score."""
    since: dt.datetime | None
    """When the first of the check-ins it rests on was made."""
    better: int
    """"better" feelings in the last 28 days."""
    worse: int

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "basis": self.basis,
            "checkins": self.checkins,
            "first_score": self.first_score,
            "last_score": self.last_score,
            "change": _round(self.change),
            "since": self.since.isoformat() if self.since else None,
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
    first_use: dt.datetime | None = None
    """When reminder was first used (None: not known, every day counts)."""

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

            {"now": ISO, "timezone": "Europe/Berlin", "first_use": ISO | null,
             "window": {"start": ISO, "end": ISO, "weeks": 12},
             "totals": {"scheduled", "completed", "partial", "missed", "skipped"},
             "weeks": [{"week": "2025-W10", "start": ISO, "scheduled", "completed",
                        "partial", "adherence": 0.0-1.0 | null}],
             "days": [{"date": "YYYY-MM-DD", "scheduled", "completed", "partial",
                       "level": "before" | "none" | "missed" | "some" | "all"}],
             "streak": {"current": days, "best": days},
             "phase_seconds": {"release", "stretch", "strengthen"},
             "phase_minutes": {... rounded to 0.1}, "unattributed_seconds": n,
             "outcomes": {outcome: n}, "missed_by_reason": {reason: n}, "skipped": n,
             "pain": {"days": [{"date", "score": mean, "checkins": n}],
                      "feelings": {"better", "same", "worse"},
                      "trend": {"direction": "improving" | "steady" | "worsening" | null,
                                "basis": "scores" | "feelings" | null,
                                "checkins": n, "first_score", "last_score",
                                "change": points along the trend line | null,
                                "since": ISO | null, "better", "worse"}}}

        Every time is ISO-8601 with its UTC offset; days are local dates.
        """
        return {
            "now": self.now.isoformat(),
            "timezone": self.timezone,
            "first_use": self.first_use.isoformat() if self.first_use else None,
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


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return resolve_wall_time(day, dt.time(0), tz)


def _scheduled_per_day(
    config: Config, first: dt.date, now: dt.datetime, since: dt.datetime | None
) -> Counter[dt.date]:
    """How many sessions the calendar puts on each day from ``first`` up to
    ``now``, counting only those from ``since`` (the first use) on."""
    tz = config.settings.timezone
    counts: Counter[dt.date] = Counter()
    start = _midnight(first, tz) - _TICK
    if since is not None and since > start:
        start = since - _TICK
    for occurrence in occurrences(config, start):
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


def day_table(
    entries: Iterable[Entry],
    config: Config,
    now: dt.datetime,
    first: dt.date,
    first_use: dt.datetime | None = None,
) -> tuple[list[DayStats], Counter[dt.date], set[dt.date]]:
    """Days from ``first`` to today, plus the done and due days over the
    whole of ``entries`` (for streaks). Nothing is scheduled before
    ``first_use``; days before its day are "before reminder"."""
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
    scheduled = _scheduled_per_day(config, earliest, now, first_use)
    due = {d for d, n in scheduled.items() if n} | not_done
    first_day = first_use.astimezone(tz).date() if first_use is not None else None
    days = []
    day = first
    while day <= today:
        before = first_day is not None and day < first_day and not completed[day] + partial[day]
        days.append(DayStats(day, scheduled[day], completed[day], partial[day], day in due, before))
        day += _DAY
    return days, completed, due


def window_start(now: dt.datetime, tz: dt.tzinfo, weeks: int) -> dt.date:
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
    first_use: dt.datetime | None = None,
) -> Stats:
    """The figures for the last ``weeks`` ISO weeks up to ``now``. Pass every
    entry there is for a true best streak; the rest looks at the window only.
    ``first_use``: when reminder was first used; nothing is scheduled before."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    tz = config.settings.timezone
    local_now = now.astimezone(tz)
    today = local_now.date()
    first = window_start(now, tz, weeks)
    start = _midnight(first, tz)

    days, completed_days, due_days = day_table(entries, config, now, first, first_use)
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
        first_use=first_use,
    )


TREND_DAYS: Final = 28
"""The pain trend looks at the check-ins of this many days."""


def score_change(scores: Sequence[tuple[dt.datetime, int]]) -> float | None:
    """Points along the least-squares line through ``scores`` (time, score),
    from the first to the last; None with fewer than two, or all at once."""
    if len(scores) < 2:
        return None
    first = scores[0][0]
    xs = [(at.timestamp() - first.timestamp()) / 86400 for at, _ in scores]
    ys = [float(score) for _, score in scores]
    x_mean, y_mean = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - x_mean) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)) / spread
    return slope * (max(xs) - min(xs))


def _direction(change: float) -> Direction:
    if change <= -SCORE_CHANGE:
        return "improving"
    if change >= SCORE_CHANGE:
        return "worsening"
    return "steady"


def pain_trend(checkins: Sequence[Checkin], now: dt.datetime) -> PainTrend:
    """The trend of the scores of the last 28 days in time order; their
    feelings when fewer than two scores tell (see the module's docstring)."""
    since = now.astimezone(dt.timezone.utc) - dt.timedelta(days=TREND_DAYS)  # real days
    window = [c for c in checkins if since < c.at <= now]
    window.sort(key=lambda c: (c.at, c.id))
    scores = [(c.at, c.score) for c in window if c.score is not None]
    felt = [c for c in window if c.feeling in FEELINGS]
    better = sum(1 for c in felt if c.feeling == "better")
    worse = sum(1 for c in felt if c.feeling == "worse")
    change = score_change(scores)
    if change is not None:
        return PainTrend(
            _direction(change),
            "scores",
            len(scores),
            scores[0][1],
            scores[-1][1],
            change,
            scores[0][0],
            better,
            worse,
        )
    first_score = scores[0][1] if scores else None
    last_score = scores[-1][1] if scores else None
    if felt:
        direction: Direction = (
            "improving" if better > worse else "worsening" if worse > better else "steady"
        )
        return PainTrend(
            direction,
            "feelings",
            len(felt),
            first_score,
            last_score,
            None,
            felt[0].at,
            better,
            worse,
        )
    return PainTrend(None, None, len(scores), first_score, last_score, None, None, better, worse)


# -- the relief rule ---------------------------------------------------------------


# -- text --------------------------------------------------------------------------

HEAT: Final = {
    "before": "-",
    "none": "·",
    "missed": "░",
    "some": "▒",
    "all": "█",
    "future": " ",
}
WEEKDAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


NOT_MEDICAL_ADVICE: Final = (
    "reminder is a reminder and timer, not medical advice. Sharp, spreading or "
    "worsening pain, numbness or weakness: see a clinician."
)
