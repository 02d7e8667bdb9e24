"""The programme over the stats window: each exercise's level over time, and
which group ran on which day (the A/B rhythm). Pure: it takes the settled
programme states (``programme_store.settle``), the window and the clock, so
``stats``, ``report``, ``plan`` and ``progress`` show the same levels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reminder.progress import programme

if TYPE_CHECKING:
    from reminder.progress.programme_store import ProgrammeState


@dataclass(frozen=True)
class LevelStep:
    at: dt.datetime
    level: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "level": self.level, "reason": self.reason}


@dataclass(frozen=True)
class ExerciseLevels:
    """One exercise's level through the window."""

    routine: str
    exercise: str
    """As written (level 1)."""
    levels: int
    start_level: int
    """Its level when the window began."""
    steps: tuple[LevelStep, ...]
    """Every change inside the window, oldest first."""
    level: int
    """Now."""
    now_as: str
    """What it is now, like "Clamshells 2 × 12"."""

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "levels": self.levels,
            "start_level": self.start_level,
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class ProgrammeStats:
    exercises: tuple[ExerciseLevels, ...]
    day_groups: Mapping[dt.date, tuple[str, ...]]
    """The groups of the programme sessions that ran each day, in the order they ran."""

    def to_json(self) -> dict[str, Any]:
        """``stats --json``'s ``"programme"``: ``{"routines": {ROUTINE: {"exercises":
        {EXERCISE: {"level", "levels", "start_level", "steps": [{"at", "level",
        "reason"}]}}}}, "days": [{"date", "groups": [...]}]}``."""
        routines: dict[str, dict[str, Any]] = {}
        for exercise in self.exercises:
            routine = routines.setdefault(exercise.routine, {"exercises": {}})
            routine["exercises"][exercise.exercise] = exercise.to_json()
        return {
            "routines": routines,
            "days": [
                {"date": day.isoformat(), "groups": list(groups)}
                for day, groups in sorted(self.day_groups.items())
            ],
        }


def programme_stats(
    states: Mapping[str, ProgrammeState],
    start: dt.datetime,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> ProgrammeStats:
    """Levels and groups from ``start`` up to ``now``; days in ``tz``."""
    exercises: list[ExerciseLevels] = []
    day_groups: dict[dt.date, list[str]] = {}
    for name, state in states.items():
        for exercise, standing in state.standings.items():
            changes = [c for c in state.changes if c.exercise == exercise and c.at <= now]
            before = [c for c in changes if c.at < start]
            inside = [c for c in changes if c.at >= start]
            top = standing.exercise.top_level
            exercises.append(
                ExerciseLevels(
                    routine=name,
                    exercise=exercise,
                    levels=top,
                    start_level=_within(before[-1].level if before else 1, top),
                    steps=tuple(LevelStep(c.at, _within(c.level, top), c.reason) for c in inside),
                    level=standing.level,
                    now_as=f"{standing.current.name} {programme.dose(standing.current)}",
                )
            )
        if state.routine.groups:
            for ran in state.ran:
                if start <= ran.at <= now and ran.group is not None:
                    groups = day_groups.setdefault(ran.at.astimezone(tz).date(), [])
                    if ran.group not in groups:
                        groups.append(ran.group)
    return ProgrammeStats(tuple(exercises), {d: tuple(g) for d, g in day_groups.items()})


def _within(level: int, top: int) -> int:
    return max(1, min(level, top))


def level_line(exercise: ExerciseLevels, tz: dt.tzinfo) -> str:
    """``Clamshells: level 1 → 2 (Mon 9 Nov) → 3 (Tue 17 Nov); now Clamshells 2 × 15.``"""
    path = [f"level {exercise.start_level}"]
    for step in exercise.steps:
        local = step.at.astimezone(tz)
        path.append(f"{step.level} ({local:%a} {local.day} {local:%b})")
    moved = " → ".join(path) if exercise.steps else f"level {exercise.level} all along"
    return f"{exercise.exercise}: {moved}; now {exercise.now_as} (of {exercise.levels} levels)."


def group_cell(groups: Sequence[str]) -> str:
    """A day in the text calendar: the first letter of each group that ran,
    in order, at most two (``AB``); empty when none did."""
    return "".join(group[0] for group in groups)[:2]
