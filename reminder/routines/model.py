"""Routines: parsing and validating routine files into a model.

A routine always has all three phases, and they always run release → stretch
→ strengthen, whatever order the file lists them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from reminder.errors import Problems
from reminder.schema import fields as schema
from reminder.schema.fields import Reporter
from reminder.schema.tomlfile import KeyPath

if TYPE_CHECKING:
    from reminder.paths import Traversable

Phase = Literal["release", "stretch", "strengthen"]
PHASES: Final[tuple[Phase, ...]] = ("release", "stretch", "strengthen")
Sides = Literal["both", "left", "right", "none"]
Source = Literal["bundled", "user", "config", "file"]

MAX_SECONDS: Final = 4 * 60 * 60
"""A routine lasts at most this long; a longer one is a mistake (or an attack)."""
MAX_STEPS: Final = 2000
"""And has at most this many steps (a 1 MiB file could expand to millions)."""


@dataclass(frozen=True)
class Exercise:
    name: str
    how: str | None
    hold: int | None
    reps: int | None
    sets: int
    rep_time: int
    rest: int
    sides: Sides
    switch: int
    ready: int

    @property
    def work_seconds(self) -> int:
        """One side of one set: the hold, or reps × rep_time."""
        if self.hold is not None:
            return self.hold
        assert self.reps is not None
        return self.reps * self.rep_time


@dataclass(frozen=True)
class Routine:
    name: str
    title: str
    muscle: str | None
    about: str | None
    see_also: tuple[str, ...]
    phases: Mapping[Phase, tuple[Exercise, ...]]
    source: Source
    path: str | None = None


def parse_routine(
    data: Any,
    *,
    name: str,
    report: Reporter,
    path: KeyPath = (),
    source: Source,
    file_path: str | None = None,
) -> Routine | None:
    """Validate one routine's data; report every problem, return None if any."""
    before = len(report.problems)
    values = schema.check_table(data, schema.ROUTINE_FIELDS, path, report)
    if values is None:
        return None
    phases: dict[Phase, tuple[Exercise, ...]] = {}
    for phase in PHASES:
        items = values.get(phase)
        if items is None:
            continue  # missing or not an array: already reported
        if not items:
            report((*path, phase), f"is empty; every routine needs at least one {phase} exercise")
            continue
        exercises = [
            _parse_exercise(item, (*path, phase, index), report) for index, item in enumerate(items)
        ]
        phases[phase] = tuple(e for e in exercises if e is not None)
    if name in values.get("see_also", ()):
        report((*path, "see_also"), f'lists the routine itself ("{name}")')
    if len(report.problems) == before:
        _check_size(phases, path, report)
    if len(report.problems) > before:
        return None
    return Routine(
        name=name,
        title=values["title"] or name,
        muscle=values["muscle"],
        about=values["about"],
        see_also=values["see_also"],
        phases=phases,
        source=source,
        path=file_path,
    )


def exercise_size(exercise: Exercise) -> tuple[int, int]:
    """(steps, seconds) the exercise adds to a plan, worked out without
    building it (routines.plan's rules: zero-length steps are left out)."""
    sides = 2 if exercise.sides == "both" else 1
    sets = exercise.sets
    steps = sets * sides  # work, never zero
    seconds = sets * sides * exercise.work_seconds + exercise.ready
    steps += 1 if exercise.ready > 0 else 0
    if exercise.switch > 0:
        steps += sets * (sides - 1)
        seconds += sets * (sides - 1) * exercise.switch
    if exercise.rest > 0:
        steps += sets - 1
        seconds += (sets - 1) * exercise.rest
    return steps, seconds


def _check_size(
    phases: Mapping[Phase, tuple[Exercise, ...]], path: KeyPath, report: Reporter
) -> None:
    """At most MAX_STEPS steps and MAX_SECONDS: reported at the exercise that
    goes past the limit, before any plan is built."""
    from reminder.schema.fields import format_seconds

    steps = seconds = 0
    for phase in PHASES:
        for index, exercise in enumerate(phases.get(phase, ())):
            more_steps, more_seconds = exercise_size(exercise)
            steps, seconds = steps + more_steps, seconds + more_seconds
            where = (*path, phase, index)
            if seconds > MAX_SECONDS:
                report(
                    where,
                    f"brings the routine past {MAX_SECONDS // 3600} hours ({format_seconds(seconds)} "
                    f"by the end of this exercise); a routine lasts at most {MAX_SECONDS // 3600} "
                    "hours, so split it into shorter routines",
                )
                return
            if steps > MAX_STEPS:
                report(
                    where,
                    f"brings the routine past {MAX_STEPS:,} steps ({steps:,} by the end of this "
                    f"exercise); a routine has at most {MAX_STEPS:,} steps, so split it into "
                    "shorter routines",
                )
                return


def _parse_exercise(data: Any, path: KeyPath, report: Reporter) -> Exercise | None:
    values = schema.check_table(data, schema.EXERCISE_FIELDS, path, report)
    if values is None:
        return None
    given = data.keys()
    if "hold" in given and "reps" in given:
        report(
            path,
            "has both hold and reps; give hold for a timed hold or reps for repetitions, not both",
        )
        return None
    if "hold" not in given and "reps" not in given:
        report(path, 'needs hold (a timed hold, like "30s") or reps (repetitions, like 10)')
        return None
    if "rep_time" in given and "hold" in given:
        report((*path, "rep_time"), "only goes with reps; a hold is timed by hold itself")
        return None
    if not schema.all_converted(data, values, schema.EXERCISE_FIELDS):
        return None  # a value did not convert; already reported
    return Exercise(
        name=values["exercise"],
        how=values["how"],
        hold=values["hold"],
        reps=values["reps"],
        sets=values["sets"],
        rep_time=values["rep_time"],
        rest=values["rest"],
        sides=values["sides"],
        switch=values["switch"],
        ready=values["ready"],
    )


def load_routine_file(path: Traversable, *, name: str, source: Source, shown: str) -> Routine:
    """Load one routine file; ConfigError listing every problem if it is invalid."""
    from reminder.schema import tomlfile

    data, text = tomlfile.load(path, shown)
    problems = Problems()
    routine = parse_routine(
        data,
        name=name,
        report=Reporter(shown, text, problems),
        source=source,
        file_path=str(path),
    )
    problems.raise_if_any()
    assert routine is not None
    return routine
