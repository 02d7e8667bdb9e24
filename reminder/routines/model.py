"""Routines: parsing and validating routine files into a model.

A routine always has all three phases, and they always run release → stretch
→ strengthen, whatever order the file lists them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
    group: str | None = None
    """Runs only in this group's sessions; None: in every session."""
    levels: tuple[Exercise, ...] = ()
    """Levels 2, 3, …: the whole exercise at each harder step."""
    level: int = 1
    written: str | None = None
    """The exercise's name as written (level 1), when this is a harder level."""

    @property
    def work_seconds(self) -> int:
        """One side of one set: the hold, or reps × rep_time."""
        if self.hold is not None:
            return self.hold
        assert self.reps is not None
        return self.reps * self.rep_time

    @property
    def key(self) -> str:
        """What its level is kept under: the name as written, whatever the level."""
        return self.written or self.name

    @property
    def top_level(self) -> int:
        return 1 + len(self.levels)

    def at_level(self, level: int) -> Exercise:
        """This exercise at ``level``, kept within 1 and its top level."""
        level = max(1, min(level, self.top_level))
        return self if level == 1 else self.levels[level - 2]

    def in_group(self, group: str | None) -> bool:
        return self.group is None or self.group == group


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
    equipment: tuple[str, ...] = ()
    """What it needs ("a massage ball", "a wall"), to have at hand before it starts."""

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        """Every exercise in session order: release, stretch, strengthen."""
        return tuple(e for phase in PHASES for e in self.phases.get(phase, ()))

    @property
    def groups(self) -> tuple[str, ...]:
        """Its groups in the order they first appear in a session; they take turns."""
        return tuple(dict.fromkeys(e.group for e in self.exercises if e.group is not None))

    @property
    def programme(self) -> tuple[Exercise, ...]:
        """The exercises that have levels."""
        return tuple(e for e in self.exercises if e.levels)

    def session(self, group: str | None = None, levels: Mapping[str, int] | None = None) -> Routine:
        """The routine as one session runs it: only ``group``'s exercises (and
        those in every session), each at its level (1 when not given).

        ``group`` None means the first group; a group the routine does not
        have is a ValueError."""
        groups = self.groups
        if group is None:
            group = groups[0] if groups else None
        elif group not in groups:
            raise ValueError(group)
        levels = levels or {}
        phases = {
            phase: tuple(e.at_level(levels.get(e.key, 1)) for e in exercises if e.in_group(group))
            for phase, exercises in self.phases.items()
        }
        return replace(self, phases=phases)


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
    _check_programme(phases, path, report)
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
        equipment=values["equipment"],
    )


_EXERCISE_KEYS = frozenset(f.name for f in schema.EXERCISE_FIELDS)
_BOTH = "has both hold and reps; give hold for a timed hold or reps for repetitions, not both"


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
    from reminder.schema.values import format_seconds

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
        report(path, _BOTH)
        return None
    if "hold" not in given and "reps" not in given:
        report(path, 'needs hold (a timed hold, like "30s") or reps (repetitions, like 10)')
        return None
    if "rep_time" in given and "hold" in given:
        report((*path, "rep_time"), "only goes with reps; a hold is timed by hold itself")
        return None
    if not schema.all_converted(data, values, schema.EXERCISE_FIELDS):
        return None  # a value did not convert; already reported
    exercise = Exercise(
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
        group=values["group"],
    )
    levels = [
        _parse_level(item, exercise, number, (*path, "levels", index), report)
        for index, (number, item) in enumerate(enumerate(values["levels"], start=2))
    ]
    if any(level is None for level in levels):
        return None
    return replace(exercise, levels=tuple(level for level in levels if level is not None))


def _parse_level(
    data: Any, base: Exercise, number: int, path: KeyPath, report: Reporter
) -> Exercise | None:
    """One ``levels`` table: what changes from level 1, checked like the exercise."""
    if data == {}:
        report(path, "is empty; say what changes at this level, like { reps = 12 }")
        return None
    if isinstance(data, dict):
        fixed = [key for key in data if key in _EXERCISE_KEYS and key not in schema.LEVEL_KEYS]
        for key in fixed:
            report(
                (*path, key),
                "stays as written at every level; a level may change only "
                + ", ".join(schema.LEVEL_KEYS),
            )
        if fixed:
            return None
    values = schema.check_table(data, schema.LEVEL_FIELDS, path, report)
    if values is None:
        return None
    given = {key for key in data if key in schema.LEVEL_KEYS}
    if len(given) < len(data) or not schema.all_converted(data, values, schema.LEVEL_FIELDS):
        return None  # an unknown key or a bad value; already reported
    if "hold" in given and "reps" in given:
        report(path, _BOTH)
        return None
    changed = {key: values[key] for key in given}
    if "hold" in given:
        changed["reps"] = None
    if "reps" in given:
        changed["hold"] = None
    name = changed.pop("exercise", base.name)
    level = replace(base, **changed, name=name, level=number, written=base.name, levels=())
    if "rep_time" in given and level.hold is not None:
        report((*path, "rep_time"), "only goes with reps; this level is a timed hold")
        return None
    return level


def _check_programme(
    phases: Mapping[Phase, tuple[Exercise, ...]], path: KeyPath, report: Reporter
) -> None:
    """Every group's sessions have all three phases; levels are kept by name,
    so two exercises with levels may not share one."""
    exercises = [e for phase in PHASES for e in phases.get(phase, ())]
    groups = dict.fromkeys(e.group for e in exercises if e.group is not None)
    for phase in PHASES:
        for group in groups:
            if not any(e.in_group(group) for e in phases.get(phase, ())):
                report(
                    (*path, phase),
                    f'has nothing for group "{group}", so its sessions would have no {phase}; '
                    f'give one {phase} exercise group = "{group}", or one with no group '
                    "(it runs in every session)",
                )
    names = Counter(e.name for e in exercises)
    for phase in PHASES:
        for index, exercise in enumerate(phases.get(phase, ())):
            if exercise.levels and names[exercise.name] > 1:
                report(
                    (*path, phase, index, "exercise"),
                    f'"{exercise.name}" has levels, and another exercise has the same name; '
                    "levels are kept by name, so give each its own",
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
