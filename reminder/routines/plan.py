"""A routine expanded into its timed steps. Pure: no clock, no I/O.

For each phase in order, for each exercise::

    ready
    for set in 1..sets:
        for side in sides (both = left, right; otherwise one pass):
            switch  (only before the second side)
            work    (hold, or reps × rep_time)
        rest        (only between sets)

Steps are back to back; a step of zero duration is left out.

A routine with groups runs one group's exercises a session (and those in
every session); an exercise with levels runs at the level it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from reminder.routines.model import PHASES, Exercise, Phase, Routine

StepKind = Literal["ready", "work", "switch", "rest"]
Side = Literal["left", "right"]


@dataclass(frozen=True)
class Step:
    phase: Phase
    exercise: str
    kind: StepKind
    side: Side | None
    set: int | None
    reps: int | None
    offset: int
    """Seconds from the start of the session."""
    duration: int
    level: int | None = None
    """The exercise's level; None for one without levels."""

    @property
    def end(self) -> int:
        return self.offset + self.duration

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    routine: str
    title: str
    steps: tuple[Step, ...]
    group: str | None = None
    """Whose turn this session is; None for a routine without groups."""

    @property
    def total_seconds(self) -> int:
        return self.steps[-1].end if self.steps else 0

    def phase_seconds(self, phase: Phase) -> int:
        return sum(s.duration for s in self.steps if s.phase == phase)

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "title": self.title,
            "group": self.group,
            "total_seconds": self.total_seconds,
            "steps": [s.to_json() for s in self.steps],
        }


def _sides(exercise: Exercise) -> tuple[Side | None, ...]:
    if exercise.sides == "both":
        return ("left", "right")
    if exercise.sides == "none":
        return (None,)
    return (exercise.sides,)


def build_plan(
    routine: Routine, *, group: str | None = None, levels: Mapping[str, int] | None = None
) -> Plan:
    """The session's steps: ``group``'s (the first group when None), each
    exercise at its level in ``levels`` (by the name as written; 1 when not
    given). A group the routine does not have is a ValueError."""
    session = routine.session(group, levels)
    group = group if group is not None else (routine.groups or (None,))[0]
    steps: list[Step] = []
    offset = 0

    def add(
        phase: Phase,
        exercise: Exercise,
        kind: StepKind,
        duration: int,
        side: Side | None = None,
        set_number: int | None = None,
        reps: int | None = None,
    ) -> None:
        nonlocal offset
        if duration <= 0:
            return
        level = exercise.level if exercise.written or exercise.levels else None
        steps.append(
            Step(phase, exercise.name, kind, side, set_number, reps, offset, duration, level)
        )
        offset += duration

    for phase in PHASES:
        for exercise in session.phases[phase]:
            add(phase, exercise, "ready", exercise.ready)
            for set_number in range(1, exercise.sets + 1):
                for index, side in enumerate(_sides(exercise)):
                    if index > 0:
                        add(phase, exercise, "switch", exercise.switch, side, set_number)
                    add(
                        phase,
                        exercise,
                        "work",
                        exercise.work_seconds,
                        side,
                        set_number,
                        exercise.reps,
                    )
                if set_number < exercise.sets:
                    add(phase, exercise, "rest", exercise.rest, None, set_number)
    return Plan(routine.name, routine.title, tuple(steps), group)
