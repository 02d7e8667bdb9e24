"""Commands about the programme: rate how hard a session was, see and set levels."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from reminder.cli.app import (
    Environment,
    cli,
    complete_routine,
    config_option,
    env_of,
    find_routine,
    json_option,
    load,
    print_json,
)
from reminder.errors import ConfigError, ExitStatus, ReminderError

if TYPE_CHECKING:
    from reminder.paths import Paths
    from reminder.progress.programme_store import ProgrammeState, Rated
    from reminder.routines.model import Routine


def _known_routines(
    env: Environment, config_path: str | None
) -> tuple[dict[str, Routine], dt.tzinfo]:
    """Every routine that loads (bundled, user, then the config's, which win)
    and the config's time zone. A broken config is an error, as everywhere."""
    from reminder.routines.library import routine_files

    paths, config = load(env, config_path)
    known: dict[str, Routine] = {}
    for name, file in routine_files(paths).items():
        with contextlib.suppress(ConfigError):
            known[name] = file.load()
    known.update(config.routines)
    return known, config.settings.timezone


T = TypeVar("T")


def _history_error(action: Callable[[], T]) -> T:
    from reminder.progress.history import HistoryError

    try:
        return action()
    except HistoryError as error:
        raise ReminderError(str(error)) from None


@cli.command()
@click.argument("effort", type=click.Choice(["easy", "right", "hard"]), metavar="easy|right|hard")
@config_option
@click.pass_context
def rate(ctx: click.Context, effort: str, config_path: str | None) -> None:
    """Say how hard the last session was (within 12 hours): easy, right or hard.

    Two easy sessions in a row take an exercise one level up (at most once a
    week); two too hard ones take it one level down.
    """
    from reminder.progress.history import History
    from reminder.progress.programme_store import NothingToRate, ProgrammeStore, rate_last

    env = env_of(ctx)
    paths = env.paths(config_path)
    known, tz = _known_routines(env, config_path)
    history, store = History(paths.history_db), ProgrammeStore(paths.history_db)
    try:
        rated = _history_error(lambda: rate_last(history, store, effort, env.now(), known.get))
    except NothingToRate:
        raise ReminderError(
            "No session ran in the last 12 hours, so there is nothing to rate. Rate a "
            "session soon after it ends."
        ) from None
    finally:
        history.close()
        store.close()
    click.echo(rated_text(rated, tz))


def rated_text(rated: Rated, tz: dt.tzinfo) -> str:
    """What `reminder rate` says: what was rated, and what changes next time."""
    from reminder.cli.display import when
    from reminder.progress import programme

    entry = rated.entry
    title = rated.routine.title if rated.routine else entry.routine
    words = programme.EFFORT_WORDS[rated.effort]
    lines = [f"Rated {title} of {when(entry.when.astimezone(tz))}: {words}."]
    if rated.routine is None:
        lines.append(f'The routine "{entry.routine}" is gone, so no level moves.')
        return "\n".join(lines)
    if rated.held_by is not None:
        lines.append(programme.clinician_advice(rated.held_by))
        return "\n".join(lines)
    if not rated.decisions:
        lines.append("This routine has no levels, so nothing else changes.")
        return "\n".join(lines)
    changed = programme.next_time(rated.decisions)
    if changed:
        lines.append(changed)
    staying: dict[str, list[str]] = {}
    for decision in rated.decisions:
        if not decision.changed:
            name = decision.exercise.at_level(decision.level).name
            staying.setdefault(decision.reason, []).append(name)
    for reason, names in staying.items():
        lines.append(f"Staying as they are: {', '.join(names)} ({reason}).")
    return "\n".join(lines)


# -- progress ---------------------------------------------------------------------------


def programme_states(
    paths: Paths, routines: dict[str, Routine], now: dt.datetime
) -> dict[str, ProgrammeState]:
    """The programme of every routine that has groups or levels, settled for now."""
    from reminder.progress.history import History
    from reminder.progress.programme_store import ProgrammeStore, settle

    history, store = History(paths.history_db), ProgrammeStore(paths.history_db)
    try:
        states = {
            name: settle(history, store, routine, now)
            for name, routine in sorted(routines.items())
            if routine.groups or routine.programme
        }
    finally:
        history.close()
        store.close()
    return states


@cli.group(invoke_without_command=True)
@json_option
@config_option
@click.pass_context
def progress(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """Show every exercise's level in your programmes and why it last changed."""
    if ctx.invoked_subcommand is not None:
        return
    env = env_of(ctx)
    known, tz = _known_routines(env, config_path)
    states = _history_error(lambda: programme_states(env.paths(config_path), known, env.now()))
    if as_json:
        print_json({"routines": {name: state.to_json() for name, state in states.items()}})
        return
    click.echo(progress_text(states, tz))


def progress_text(states: dict[str, ProgrammeState], tz: dt.tzinfo) -> str:
    """`reminder progress` for people: a block a routine, a line an exercise."""
    from reminder.cli.display import when
    from reminder.progress import programme

    if not states:
        return 'No routine has groups or levels yet; see README, "Your programme".'
    blocks = []
    held_by = None
    for name, state in states.items():
        group = f"; next session: group {state.next_group}" if state.next_group else ""
        lines = [f"{state.routine.title} ({name}){group}"]
        width = max((len(s.current.name) for s in state.standings.values()), default=0)
        for standing in state.standings.values():
            level = f"level {standing.level} of {standing.exercise.top_level}"
            why = "as written"
            if standing.changed is not None:
                moment = when(standing.changed.at.astimezone(tz))
                why = f"{moment}: {standing.changed.reason}"
            lines.append(
                f"  {standing.current.name.ljust(width)}  {level:<12}  "
                f"{programme.dose(standing.current):<10}  {why}"
            )
        blocks.append("\n".join(lines))
        held_by = state.held_by
    if held_by is not None:
        blocks.append(programme.clinician_advice(held_by))
    return "\n\n".join(blocks)


@progress.command(name="set")
@click.argument("routine", shell_complete=complete_routine)
@click.argument("exercise")
@click.argument("level", type=click.IntRange(min=1))
@config_option
@click.pass_context
def set_(
    ctx: click.Context, routine: str, exercise: str, level: int, config_path: str | None
) -> None:
    """Set EXERCISE of ROUTINE to LEVEL by hand (1 is the exercise as written)."""
    from reminder.progress import programme
    from reminder.progress.programme_store import ProgrammeStore, set_level

    env = env_of(ctx)
    if config_path is None and ctx.parent is not None:
        config_path = ctx.parent.params.get("config_path")  # `progress --config X set ...`
    found = find_routine(env, routine, config_path)
    paths = env.paths(config_path)
    states = _history_error(lambda: programme_states(paths, {found.name: found}, env.now()))
    state = states.get(found.name)
    with_levels = sorted(state.standings) if state else []
    if exercise not in with_levels:
        listed = ", ".join(f'"{name}"' for name in with_levels) or "none"
        raise ReminderError(
            f'{found.title} has no exercise "{exercise}" with levels. Those with levels: '
            f"{listed}. Give the name as the routine writes it.",
            ExitStatus.USAGE,
        )
    assert state is not None
    standing = state.standings[exercise]
    top = standing.exercise.top_level
    if level > top:
        raise ReminderError(
            f'"{exercise}" has {top} levels; give a level from 1 to {top}.', ExitStatus.USAGE
        )
    store = ProgrammeStore(paths.history_db)
    try:
        _history_error(lambda: set_level(store, state, exercise, level, env.now()))
    finally:
        store.close()
    now_at = standing.exercise.at_level(level)
    click.echo(
        f"{exercise} in {found.title} is at level {level} of {top} now: "
        f"{now_at.name} {programme.dose(now_at)}."
    )
