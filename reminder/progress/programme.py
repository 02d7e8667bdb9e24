"""A programme over weeks: whose turn it is, and when an exercise's level moves.

Pure: every function takes the history it needs and the clock as arguments.
The rules are DESIGN.md's, per exercise with levels:

- **up** one level when its last two sessions that ran were both rated
  ``easy``, neither had a ``worse`` pain answer, and its level has not changed
  in the last 7 days;
- **down** one level (not below 1) when its last two were both ``hard``, or
  both ``worse``, or after 14 days without a session of the routine;
- otherwise **hold**. A check-in score of 7 or more holds every level.

"Its last two sessions" are those since its level last changed: the sessions
before a change were done at another level and say nothing about this one.
A session that ran is one that was completed or partly done; a partial one
counts for an exercise only when the exercise's phase was done.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from reminder.routines.model import PHASES, Exercise, Phase, Routine
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from reminder.progress.history import Checkin, Entry

Effort = Literal["easy", "right", "hard"]
EFFORTS: Final[tuple[Effort, ...]] = ("easy", "right", "hard")
EFFORT_WORDS: Final[Mapping[str, str]] = {
    "easy": "easy",
    "right": "about right",
    "hard": "too hard",
}
RAN: Final = ("completed", "partial")
"""Outcomes of sessions that ran: only these count, for turns and for levels."""
STEP_WAIT: Final = dt.timedelta(days=7)
"""At most one step up in this long."""
BREAK: Final = dt.timedelta(days=14)
"""This long without a session of the routine steps every level down one."""
CLINICIAN_SCORE: Final = 7
"""A check-in score from which every level is held and a clinician advised."""


@dataclass(frozen=True)
class Ran:
    """A session of the routine that ran, and whose turn it was."""

    id: int
    at: dt.datetime
    group: str | None
    outcome: str
    phases_done: tuple[str, ...]

    def had(self, exercise: Exercise, phase: Phase) -> bool:
        """Whether ``exercise`` was done in this session."""
        if not exercise.in_group(self.group):
            return False
        return self.outcome == "completed" or phase in self.phases_done


@dataclass(frozen=True)
class Change:
    """One move of an exercise's level, kept in the history database."""

    routine: str
    exercise: str
    """The exercise's name as written (its level 1)."""
    level: int
    previous: int
    at: dt.datetime
    reason: str
    session_id: int | None = None


@dataclass(frozen=True)
class Standing:
    """Where one exercise stands now."""

    exercise: Exercise
    """As written: level 1, with its levels."""
    phase: Phase
    level: int
    changed: Change | None
    """Its last change; None while it is at level 1 as it started."""

    @property
    def current(self) -> Exercise:
        return self.exercise.at_level(self.level)

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "levels": self.exercise.top_level,
            "changed_at": self.changed.at.isoformat() if self.changed else None,
            "reason": self.changed.reason if self.changed else None,
        }


@dataclass(frozen=True)
class Decision:
    """What the rules say for one exercise: its level before and after, and why."""

    standing: Standing
    level: int
    reason: str

    @property
    def changed(self) -> bool:
        return self.level != self.standing.level

    @property
    def exercise(self) -> Exercise:
        return self.standing.exercise

    def change(self, routine: str, at: dt.datetime, session_id: int | None = None) -> Change:
        return Change(
            routine,
            self.exercise.name,
            self.level,
            self.standing.level,
            at,
            self.reason,
            session_id,
        )


# -- turns ------------------------------------------------------------------------------


def sessions_ran(entries: Iterable[Entry], routine: Routine) -> list[Ran]:
    """The routine's sessions that ran, oldest first, each with its group:
    the groups take turns in order, one a session that ran."""
    ran = sorted(
        (
            e
            for e in entries
            if e.routine == routine.name and e.outcome in RAN and e.started_at is not None
        ),
        key=lambda e: (e.when, e.id),
    )
    groups = routine.groups
    return [
        Ran(
            id=entry.id,
            at=entry.when,
            group=groups[index % len(groups)] if groups else None,
            outcome=entry.outcome,
            phases_done=entry.phases_done,
        )
        for index, entry in enumerate(ran)
    ]


def next_group(routine: Routine, ran: Sequence[Ran]) -> str | None:
    """Whose turn the next session is; None for a routine without groups."""
    return upcoming_group(routine, ran, 0)


def upcoming_group(routine: Routine, ran: Sequence[Ran], ahead: int) -> str | None:
    """Whose turn the session ``ahead`` sessions after the next one is, if all run."""
    groups = routine.groups
    return groups[(len(ran) + ahead) % len(groups)] if groups else None


# -- levels -----------------------------------------------------------------------------


def standings(routine: Routine, changes: Iterable[Change]) -> dict[str, Standing]:
    """Every exercise with levels, by its name as written, at its latest level
    (kept within the levels the routine has now)."""
    last: dict[str, Change] = {}
    for change in sorted(changes, key=lambda c: c.at):
        if change.routine == routine.name:
            last[change.exercise] = change
    found: dict[str, Standing] = {}
    for phase in PHASES:
        for exercise in routine.phases.get(phase, ()):
            if not exercise.levels:
                continue
            latest = last.get(exercise.name)
            level = max(1, min(latest.level if latest else 1, exercise.top_level))
            found[exercise.name] = Standing(exercise, phase, level, latest)
    return found


def levels_of(found: Mapping[str, Standing]) -> dict[str, int]:
    """What ``build_plan`` takes: each exercise's level by its name as written."""
    return {name: standing.level for name, standing in found.items()}


def pain_hold(checkins: Iterable[Checkin]) -> int | None:
    """The last check-in score when it is 7 or more: every level is held."""
    scored = [c for c in checkins if c.score is not None]
    if not scored:
        return None
    last = max(scored, key=lambda c: (c.at, c.id))
    assert last.score is not None
    return last.score if last.score >= CLINICIAN_SCORE else None


def worse_sessions(checkins: Iterable[Checkin]) -> set[int]:
    """Sessions after which the pain was answered "worse"."""
    return {c.session_id for c in checkins if c.feeling == "worse" and c.session_id is not None}


def judge(
    standing: Standing,
    ran: Sequence[Ran],
    efforts: Mapping[int, str],
    worse: set[int],
    now: dt.datetime,
    *,
    held_by: int | None = None,
) -> Decision:
    """Up, down or hold for one exercise after a rated session, by its last
    two sessions since its level last changed."""
    level = standing.level
    if held_by is not None:
        return Decision(standing, level, f"your last check-in was {held_by}/10")
    since = standing.changed.at if standing.changed else None
    had = [r for r in ran if r.had(standing.exercise, standing.phase)]
    if since is not None:
        had = [r for r in had if r.at > since]
    if len(had) < 2:
        return Decision(standing, level, "it takes two sessions at a level to judge it")
    last_two = had[-2:]
    rated = [efforts.get(r.id) for r in last_two]
    if all(r.id in worse for r in last_two):
        if level > 1:
            return Decision(standing, level - 1, "the pain was worse after two sessions in a row")
        return Decision(standing, level, "the pain was worse twice, and it is at level 1")
    if rated == ["hard", "hard"]:
        if level > 1:
            return Decision(standing, level - 1, "two sessions in a row were too hard")
        return Decision(standing, level, "too hard twice, and it is at level 1")
    if rated == ["easy", "easy"]:
        if any(r.id in worse for r in last_two):
            return Decision(standing, level, "the pain was worse after one of them")
        if since is not None and now - since < STEP_WAIT:
            return Decision(standing, level, "it changed less than a week ago")
        if level >= standing.exercise.top_level:
            return Decision(standing, level, "it is at its top level")
        return Decision(standing, level + 1, "two sessions in a row felt easy")
    return Decision(standing, level, "the last two sessions did not both feel easy")


def break_decision(
    standing: Standing, ran: Sequence[Ran], now: dt.datetime, *, held_by: int | None = None
) -> tuple[Decision, dt.datetime] | None:
    """A step down for a break of 14 days or more without a session of the
    routine that came after its level last changed; with the moment the
    break reached 14 days. None when there is none to take."""
    if held_by is not None or standing.level <= 1:
        return None
    since = standing.changed.at if standing.changed else None
    moments = [r.at for r in ran] + [now]
    for start, end in itertools.pairwise(moments):
        reached = start + BREAK
        if end >= reached and (since is None or since < reached):
            reason = f"a break of {BREAK.days} days or more without a session"
            return Decision(standing, standing.level - 1, reason), reached
    return None


# -- words ------------------------------------------------------------------------------


def dose(exercise: Exercise) -> str:
    """``2 × 12``, or ``3 × 30 s`` for a hold."""
    if exercise.hold is not None:
        return f"{exercise.sets} × {format_seconds(exercise.hold)}"
    return f"{exercise.sets} × {exercise.reps}"


def change_text(decision: Decision) -> str:
    """``Clamshells 2 × 12, up from 2 × 10``; the names of both when a level
    is another variant."""
    old = decision.exercise.at_level(decision.standing.level)
    new = decision.exercise.at_level(decision.level)
    way = "up" if decision.level > decision.standing.level else "down"
    was = dose(old) if old.name == new.name else f"{old.name} {dose(old)}"
    extra = ""
    if old.name == new.name and old.rep_time != new.rep_time and new.reps is not None:
        extra = f" at {format_seconds(new.rep_time)} a rep"
    return f"{new.name} {dose(new)}{extra}, {way} from {was}"


def next_time(decisions: Iterable[Decision]) -> str | None:
    """``Next time: Clamshells 2 × 12, up from 2 × 10.`` for the changes; None
    when nothing changes."""
    changes = [change_text(d) for d in decisions if d.changed]
    return f"Next time: {'; '.join(changes)}." if changes else None


def clinician_advice(score: int) -> str:
    return (
        f"Your last check-in was {score}/10, so every level stays where it is. Pain that "
        "high is worth showing to a clinician; record how it is with `reminder checkin` "
        "when it changes."
    )
