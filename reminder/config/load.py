"""Loading and validating the user's config, and the built-in default.

Every problem is collected and reported at once, each naming its file, key
path and (where found) line; a config with any problem is never used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from reminder.errors import ConfigError, Problems
from reminder.paths import Paths
from reminder.routines.library import RoutineFile, is_path_reference, path_reference, routine_files
from reminder.routines.model import Routine, parse_routine
from reminder.schema import fields as schema
from reminder.schema import values
from reminder.schema.fields import Reporter
from reminder.schema.tomlfile import quote
from reminder.schema.values import Window

DEFAULT_CONFIG: Final = """\
# The built-in default, used while there is no config file.
[[schedule]]
routine = "gluteus-medius"
days = "weekdays"
at = ["10:30", "16:00"]
"""


@dataclass(frozen=True)
class SoundSettings:
    cues: bool = True
    voice: bool = False
    volume: float = 0.8
    rep_ticks: bool = False


@dataclass(frozen=True)
class Settings:
    timezone_name: str
    timezone: dt.tzinfo
    notifier: str
    start: str
    quiet_hours: Window | None
    misfire_grace: int
    snooze: int
    relief_check: int
    """Completed sessions before "no relief: try another muscle"; 0 = off."""
    sound: SoundSettings = SoundSettings()


@dataclass(frozen=True)
class Schedule:
    index: int
    routine: str
    """The routine's name (a key of ``Config.routines``)."""
    days: frozenset[int]
    at: tuple[dt.time, ...]
    every: int | None
    between: Window | None


@dataclass(frozen=True)
class Config:
    path: Path | None
    """The file it came from; None for the built-in default."""
    shown: str
    settings: Settings
    schedules: tuple[Schedule, ...]
    routines: Mapping[str, Routine]
    """Every routine the schedules use and every inline one, by name."""

    @property
    def is_default(self) -> bool:
        return self.path is None


def load_config(paths: Paths) -> Config:
    """The config at ``paths.config_file``; the built-in default if there is
    none at the default location. Raises ConfigError listing every problem."""
    from reminder.schema import tomlfile

    path = paths.config_file
    shown = str(path)
    if paths.config_from == "default" and not path.exists() and not path.is_symlink():
        return parse_config(
            tomlfile.parse(DEFAULT_CONFIG, "(built-in default)"),
            text=DEFAULT_CONFIG,
            shown="(built-in default)",
            path=None,
            paths=paths,
        )
    data, text = tomlfile.load(path, shown, lambda: _missing_hint(paths))
    return parse_config(data, text=text, shown=shown, path=path, paths=paths)


def _missing_hint(paths: Paths) -> str:
    """How to make the config that is not there: init writes where the
    default or REMINDER_CONFIG points, and --config's path only when given it."""
    init = "reminder init"
    if paths.config_from == "--config":
        import shlex

        init += f" --config {shlex.quote(str(paths.config_file))}"
    return f"check the path, or run `{init}` to create a config there"


def parse_config(
    data: Mapping[str, Any], *, text: str | None, shown: str, path: Path | None, paths: Paths
) -> Config:
    problems = Problems()
    report = Reporter(shown, text, problems)
    top = schema.check_table(dict(data), schema.CONFIG_FIELDS, (), report) or {}

    settings = _parse_settings(top.get("settings") or {}, report)
    sound = _parse_sound(top.get("sound") or {}, report)

    inline: dict[str, Routine] = {}
    broken_inline: set[str] = set()  # reported already; schedules using them say no more
    for name, body in (top.get("routines") or {}).items():
        try:
            values.routine_name(name)
        except values.Invalid as error:
            report(("routines", name), str(error))
            continue
        routine = parse_routine(
            body, name=name, report=report, path=("routines", name), source="config"
        )
        if routine is not None:
            inline[name] = routine
        else:
            broken_inline.add(name)

    schedule_data = top.get("schedule")
    if schedule_data is None and "schedule" not in data:
        report(
            (),
            "has no [[schedule]] sections, so no session would ever start; add one, e.g. "
            '[[schedule]] routine = "gluteus-medius", at = ["10:30"]',
        )
    elif schedule_data == []:
        report(("schedule",), "is empty, so no session would ever start; add at least one")

    files = routine_files(paths)
    routines: dict[str, Routine] = dict(inline)
    schedules: list[Schedule] = []
    resolved: dict[str, Routine | None] = {}  # each routine loaded and reported once
    for index, item in enumerate(schedule_data or []):
        schedule = _parse_schedule(item, index, report)
        reference = item.get("routine") if isinstance(item, dict) else None
        if not isinstance(reference, str) or reference in broken_inline:
            continue
        if reference not in resolved:
            resolved[reference] = _resolve_routine(
                reference, ("schedule", index, "routine"), inline, files, path, report, problems
            )
        routine = resolved[reference]
        if routine is None or schedule is None:
            continue
        routines[routine.name] = routine
        schedules.append(
            schedule if reference == routine.name else _renamed(schedule, routine.name)
        )

    problems.raise_if_any()
    assert settings is not None
    assert sound is not None
    return Config(path, shown, replace(settings, sound=sound), tuple(schedules), routines)


def _renamed(schedule: Schedule, name: str) -> Schedule:
    return Schedule(
        schedule.index, name, schedule.days, schedule.at, schedule.every, schedule.between
    )


def _parse_settings(data: Any, report: Reporter) -> Settings | None:
    values = schema.check_table(data, schema.SETTINGS_FIELDS, ("settings",), report)
    if values is None or not schema.all_converted(data, values, schema.SETTINGS_FIELDS):
        return None
    from reminder.schema.timezones import resolve

    return Settings(
        timezone_name=values["timezone"],
        timezone=resolve(values["timezone"]),
        notifier=values["notifier"],
        start=values["start"],
        quiet_hours=values["quiet_hours"],
        misfire_grace=values["misfire_grace"],
        snooze=values["snooze"],
        relief_check=values["relief_check"],
    )


def _parse_sound(data: Any, report: Reporter) -> SoundSettings | None:
    values = schema.check_table(data, schema.SOUND_FIELDS, ("sound",), report)
    if values is None or not schema.all_converted(data, values, schema.SOUND_FIELDS):
        return None
    return SoundSettings(**values)


def _parse_schedule(data: Any, index: int, report: Reporter) -> Schedule | None:
    path = ("schedule", index)
    values = schema.check_table(data, schema.SCHEDULE_FIELDS, path, report)
    if values is None:
        return None
    ok = schema.all_converted(data, values, schema.SCHEDULE_FIELDS) and "routine" in values
    has_at, has_every, has_between = "at" in data, "every" in data, "between" in data
    if has_at and (has_every or has_between):
        report(path, "has both at and every/between; use at for fixed times, or every with between")
        ok = False
    elif not has_at and not has_every:
        report(
            path,
            'needs at (like at = ["10:30"]) or every with between (like every = "50m", between = "09:00-17:00")',
        )
        ok = False
    elif has_every and not has_between:
        report(
            (*path, "every"), 'needs between, the window to repeat in, like between = "09:00-17:30"'
        )
        ok = False
    elif has_between and not has_every:
        report((*path, "between"), 'only goes with every, like every = "50m"')
        ok = False
    if not ok:
        return None
    return Schedule(
        index=index,
        routine=values["routine"],
        days=values["days"],
        at=values["at"] or (),
        every=values["every"],
        between=values["between"],
    )


def _resolve_routine(
    reference: str,
    path: tuple[str | int, ...],
    inline: Mapping[str, Routine],
    files: Mapping[str, RoutineFile],
    config_path: Path | None,
    report: Reporter,
    problems: Problems,
) -> Routine | None:
    if is_path_reference(reference):
        file = path_reference(reference, config_path.parent if config_path else None)
    elif reference in inline:
        return inline[reference]
    elif reference in files:
        file = files[reference]
    else:
        available = sorted({*files, *inline})
        report(
            path, f"{quote(reference)} is not a known routine; available: {', '.join(available)}"
        )
        return None
    try:
        return file.load()
    except ConfigError as error:
        if file.source == "file" and any(
            p.message.startswith("no such file") for p in error.problems
        ):
            report(path, f"{quote(reference)} does not exist (looked for {file.location})")
        else:
            problems.extend(error.problems)
        return None


def files_to_watch(paths: Paths, config: Config) -> tuple[list[Path], list[Path]]:
    """What the daemon's FileWatcher must watch for ``config``: (files,
    folders). The config file and every routine file it names by path, and
    the user's routines folder (any *.toml in it). Symbolic links among them
    are followed by the FileWatcher itself, again after every change."""
    files = [paths.config_file]
    files += [Path(r.path) for r in config.routines.values() if r.source == "file" and r.path]
    return files, [paths.routines_dir]
