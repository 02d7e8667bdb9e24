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
from reminder.errors import ConfigError

if TYPE_CHECKING:
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


@cli.command()
@click.argument("routine", shell_complete=complete_routine)
@json_option
@config_option
@click.pass_context
def plan(ctx: click.Context, routine: str, as_json: bool, config_path: str | None) -> None:
    """Show ROUTINE's timed steps: a name, or the path of a routine file."""
    from reminder.routines.plan import build_plan

    found = find_routine(env_of(ctx), routine, config_path)
    steps = build_plan(found)
    if as_json:
        print_json(steps.to_json())
        return
    from reminder.cli.display import plan_table

    click.echo(plan_table(steps, found))


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
    from reminder.config.calendar import upcoming

    env = env_of(ctx)
    _, config = load(env, config_path)
    now = env.now()
    sessions = upcoming(config, now, count)
    if as_json:
        print_json([s.to_json() for s in sessions])
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
    click.echo(sessions_table(sessions, now.astimezone(config.settings.timezone), titles))


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
