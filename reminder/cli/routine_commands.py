"""Commands about routines and the config: validate, plan, next, routines, init, paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reminder.cli.app import (
    WholeNumber,
    cli,
    complete_routine,
    config_option,
    env_of,
    find_routine,
    json_option,
    load,
    print_json,
)
from reminder.errors import ConfigError, ReminderError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reminder.cli.app import Environment
    from reminder.config.calendar import Occurrence
    from reminder.config.load import Config
    from reminder.routines.model import Routine


@cli.command()
@config_option
@click.pass_context
def validate(ctx: click.Context, config_path: str | None) -> None:
    """Check the config and every routine it uses."""
    env = env_of(ctx)
    paths, config = load(env, config_path)
    if config.is_default:
        click.echo(
            f"No config file at {paths.config_file}, so the built-in default applies: "
            "gluteus-medius on weekdays at 10:30 and 16:00.\n"
            "Run `reminder init` to create a config you can edit."
        )
        return
    schedules = len(config.schedules)
    used = sorted({s.routine for s in config.schedules})
    click.echo(
        f"{config.shown} is valid: {schedules} schedule{'s' if schedules != 1 else ''}, "
        f"routines {', '.join(used)}."
    )
    from reminder.config.checks import warnings

    for line in warnings(config, env.now()):
        click.echo(f"warning: {config.shown}: {line}", err=True)


@cli.command()
@click.argument("routine", shell_complete=complete_routine)
@click.option("--brief", is_flag=True, help="The table of steps alone, without the how-to.")
@click.option(
    "--group",
    metavar="G",
    default=None,
    help="Show group G's session instead of the next one (for a routine with groups).",
)
@json_option
@config_option
@click.pass_context
def plan(
    ctx: click.Context,
    routine: str,
    brief: bool,
    group: str | None,
    as_json: bool,
    config_path: str | None,
) -> None:
    """Show ROUTINE's next session, step by step, what it needs and how to do
    each exercise: a name, or the path of a routine file.

    A programme's session is its next group's, each exercise at its level.
    """
    from reminder.progress.history import History, HistoryError
    from reminder.progress.programme_store import ProgrammeStore, settle

    env = env_of(ctx)
    found = find_routine(env, routine, config_path)
    if group is not None and group not in found.groups:
        have = ", ".join(f'"{g}"' for g in found.groups)
        raise click.BadParameter(
            f'{found.name} has no group "{group}"; '
            + (f"its groups are {have}." if have else "it has no groups."),
            param_hint="--group",
        )
    if not found.groups and not found.programme:
        # A plain routine: nothing in the history changes it (and no home
        # folder is needed to show a routine given by its path).
        from reminder.routines.plan import build_plan

        steps, session = build_plan(found), found
    else:
        history_db = env.paths(config_path).history_db
        history, store = History(history_db), ProgrammeStore(history_db)
        try:
            state = settle(history, store, found, env.now())
        except HistoryError as error:
            raise ReminderError(str(error)) from None
        finally:
            history.close()
            store.close()
        steps = state.plan(group)
        session = found.session(group or state.next_group, state.levels)
    if as_json:
        print_json(steps.to_json())
        return
    from reminder.cli.display import plan_text

    click.echo(plan_text(steps, session, brief=brief))


@cli.command(name="next")
@click.option(
    "--count",
    "-n",
    type=WholeNumber(1, 1000),
    default=5,
    show_default=True,
    help="How many sessions to show.",
)
@json_option
@config_option
@click.pass_context
def next_(ctx: click.Context, count: int, as_json: bool, config_path: str | None) -> None:
    """Show the upcoming sessions."""
    from reminder.daemon.agenda import upcoming_sessions
    from reminder.progress.history import History
    from reminder.progress.stored import stored_decisions

    env = env_of(ctx)
    paths, config = load(env, config_path)
    now = env.now()
    # Skips and snoozes decided ahead, as the daemon keeps them: `next`
    # agrees with `status`.
    decisions = stored_decisions(History(paths.history_db))
    sessions = upcoming_sessions(config, now, count, decisions)
    groups = _upcoming_groups(env, config_path, config, sessions)
    if as_json:
        print_json([{**s.to_json(), "group": g} for s, g in zip(sessions, groups, strict=True)])
        return
    from reminder.cli.display import sessions_table

    zone = config.settings.timezone_name
    if zone == "local":
        zone = f"local: {config.settings.timezone}"
    source = "built-in default" if config.is_default else config.shown
    click.echo(f"Upcoming sessions ({source}; times in {zone}):")
    if not sessions:
        click.echo(
            "None: every scheduled time falls in quiet hours or on no day. Check [settings] quiet_hours and each schedule's days."
        )
        return
    titles = {name: r.title for name, r in config.routines.items()}
    click.echo(sessions_table(sessions, now.astimezone(config.settings.timezone), titles, groups))


def _upcoming_groups(
    env: Environment, config_path: str | None, config: Config, sessions: Sequence[Occurrence]
) -> list[str | None]:
    """Whose turn each upcoming session is, if every one before it runs."""
    from reminder.progress.history import History, HistoryError
    from reminder.progress.programme import sessions_ran, upcoming_group

    if not any(config.routines[s.routine].groups for s in sessions):
        return [None] * len(sessions)
    history = History(env.paths(config_path).history_db)
    try:
        entries = history.entries()
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    finally:
        history.close()
    ahead: dict[str, int] = {}
    groups: list[str | None] = []
    for session in sessions:
        routine = config.routines[session.routine]
        ran = sessions_ran(entries, routine)
        groups.append(upcoming_group(routine, ran, ahead.get(routine.name, 0)))
        ahead[routine.name] = ahead.get(routine.name, 0) + 1
    return groups


@cli.command()
@json_option
@config_option
@click.pass_context
def routines(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """List the bundled and user routines."""
    from reminder.errors import Problem
    from reminder.routines.library import misnamed_routine_files, routine_files
    from reminder.routines.plan import build_plan

    env = env_of(ctx)
    paths = env.paths(config_path)
    found: list[Routine] = []
    problems: list[Problem] = [
        Problem(
            shown,
            "",
            "the file name is not valid UTF-8, so no schedule can name it; rename it "
            "(letters, digits, - and _)",
        )
        for shown in misnamed_routine_files(paths)
    ]
    for file in routine_files(paths).values():
        try:
            found.append(file.load())
        except ConfigError as error:
            problems.extend(error.problems)
    if paths.config_file.exists():
        try:
            config = load(env, config_path)[1]
            found.extend(r for r in config.routines.values() if r.source == "config")
        except ConfigError as error:
            problems.extend(error.problems)
    rows = [(r, build_plan(r).total_seconds) for r in found]
    if as_json:
        print_json(
            [
                {
                    "name": r.name,
                    "title": r.title,
                    "muscle": r.muscle,
                    "total_seconds": total,
                    "source": r.source,
                    "path": r.path,
                    "equipment": list(r.equipment),
                }
                for r, total in rows
            ]
        )
    else:
        from reminder.cli.display import minutes

        width = max((len(r.name) for r, _ in rows), default=0)
        for r, total in rows:
            click.echo(f"{r.name.ljust(width)}  {minutes(total):>6}  {r.source:<7}  {r.title}")
    if problems:
        raise ConfigError(problems)


@cli.command()
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing config (the old one is kept as a timestamped .bak file).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@config_option
@click.pass_context
def init(ctx: click.Context, force: bool, dry_run: bool, config_path: str | None) -> None:
    """Write the example config, with every setting explained, for editing."""
    from reminder.cli.config_file import InitPlan
    from reminder.paths import example_config

    env = env_of(ctx)
    plan = InitPlan.for_path(env.paths(config_path).config_file, env.now(), force=force)
    if dry_run:
        for line in plan.describe():
            click.echo(line)
        return
    for line in plan.carry_out(example_config().read_bytes()):
        click.echo(line)


@cli.command()
@json_option
@config_option
@click.pass_context
def paths(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """Show where reminder reads and writes its files."""
    from reminder.paths import bundled_routines_dir

    found = env_of(ctx).paths(config_path)
    table = {
        "config": str(found.config_file),
        "config_from": found.config_from,
        "routines": str(found.routines_dir),
        "bundled_routines": str(bundled_routines_dir()),
        "state": str(found.state_dir),
        "history": str(found.history_db),
        "control_socket": str(found.control_socket),
    }
    if as_json:
        print_json(table)
        return
    width = max(len(k) for k in table)
    for key, value in table.items():
        note = " (does not exist yet)" if key == "config" and not found.config_file.exists() else ""
        click.echo(f"{key.replace('_', ' ').ljust(width)}  {value}{note}")
