"""Commands that run or steer the daemon: run, now, status, pause, resume, snooze, skip, stop, reload."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

import click

from reminder.cli.app import (
    DurationType,
    Environment,
    ask_daemon,
    cli,
    clock_time,
    complete_routine,
    config_option,
    env_of,
    find_routine,
    json_option,
    load,
    print_json,
)
from reminder.errors import ExitStatus, ReminderError
from reminder.paths import own_module_command

if TYPE_CHECKING:
    from reminder.config.load import SoundSettings


@cli.command()
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to log events on stderr: text for people, json for one object a line.",
)
@config_option
@click.pass_context
def run(ctx: click.Context, log_format: str, config_path: str | None) -> None:
    """Run the reminder daemon in the foreground (what login starts)."""
    paths = env_of(ctx).paths(config_path)
    if os.name == "posix":
        # Become the daemon without click and platformdirs in memory: same pid, signals and
        # stdio (reminder/daemon/__main__.py). Windows has no real exec: there,
        # and if exec fails, the daemon runs in this process. -P: the current
        # folder must not shadow the package, as with the console script.
        command = own_module_command("reminder.daemon", log_format, paths.to_json())
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
            os.execv(command[0], command)
    from reminder.daemon.__main__ import start

    status = start(paths, json_logs=log_format == "json")
    if status:
        ctx.exit(status)


@cli.command()
@json_option
@config_option
@click.pass_context
def status(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """Show what the running daemon is doing."""
    reply = ask_daemon(ctx, config_path, "status")
    reply.pop("ok", None)
    if as_json:
        print_json(reply)
        return
    from reminder.cli.display import status_text

    click.echo(status_text(reply, env_of(ctx).now()))


@cli.command()
@click.argument("routine", required=False, shell_complete=complete_routine)
@click.option(
    "--terminal", is_flag=True, help="Walk through it here in the terminal, without the daemon."
)
@config_option
@click.pass_context
def now(ctx: click.Context, routine: str | None, terminal: bool, config_path: str | None) -> None:
    """Start a session now: ROUTINE, or the next scheduled one."""
    if terminal:
        _walk_in_terminal(ctx, routine, config_path)
        return
    reply = ask_daemon(ctx, config_path, "now", routine=routine)
    from reminder.cli.display import format_seconds

    click.echo(f"Started {reply['routine']} ({format_seconds(int(reply['total_seconds']))}).")


def _sound_settings(env: Environment, config_path: str | None) -> SoundSettings:
    """The config's [sound], or the defaults: a config with a mistake does not
    keep a walk in the terminal from starting (validate says what to fix)."""
    from reminder.config.load import SoundSettings

    try:
        return load(env, config_path)[1].settings.sound
    except ReminderError:
        return SoundSettings()


def _walk_in_terminal(ctx: click.Context, routine: str | None, config_path: str | None) -> None:
    env = env_of(ctx)
    if routine is None:
        from reminder.config.calendar import upcoming

        _, config = load(env, config_path)
        sessions = upcoming(config, env.now(), 1)
        if not sessions:
            raise ReminderError(
                "No session is scheduled; name a routine: `reminder now ROUTINE --terminal`.",
                ExitStatus.USAGE,
            )
        found = config.routines[sessions[0].routine]
    else:
        found = find_routine(env, routine, config_path)
    from reminder.cli.terminal import walk
    from reminder.cli.terminal_record import ask_effort, ask_feeling, rate_and_judge, record
    from reminder.daemon.programme import is_programme
    from reminder.progress import ops
    from reminder.progress.history import History
    from reminder.progress.programme_store import next_session

    if sys.stdout is None:  # started with standard output closed (>&-)
        raise ReminderError(
            "Standard output is closed, so the steps have nowhere to go; run it in a terminal, "
            "or without --terminal to have the daemon show them."
        )
    import io

    history_db = env.paths(config_path).history_db
    # A programme walks its next group's session, each exercise at its level.
    session = next_session(history_db, found, env.now())
    if session.error is not None:
        click.echo(f"{session.error} Walking level 1 of the first group.", err=True)
    outcome = walk(
        session.routine,
        stdin=sys.stdin or io.StringIO(),
        stdout=sys.stdout,
        sound=_sound_settings(env, config_path),
        stderr=sys.stderr,
    )
    feeling = effort = None
    if outcome.recorded in ("completed", "partial") and not outcome.interrupted:
        if is_programme(session.plan):
            effort = ask_effort(sys.stdin, sys.stdout)
        feeling = ask_feeling(sys.stdin, sys.stdout)
    key = ops.new_key()
    problem = record(History(history_db), session.routine, outcome, feeling, key)
    if problem is not None:
        click.echo(problem, err=True)
    if effort is not None:
        said = rate_and_judge(history_db, found, key, effort, env.now())
        if said:
            click.echo(said)
    if outcome.interrupted:
        ctx.exit(130)  # Ctrl-C, as shells report it


@cli.command()
@click.argument("duration", type=DurationType(), required=False, metavar="[FOR]")
@config_option
@click.pass_context
def pause(ctx: click.Context, duration: int | None, config_path: str | None) -> None:
    """Pause reminders (and a running session) FOR a while, like 1h, or until resumed."""
    reply = ask_daemon(ctx, config_path, "pause", seconds=duration)
    until = reply.get("paused_until")
    if until:
        click.echo(f"Paused until {clock_time(str(until))}; `reminder resume` to go on sooner.")
    else:
        click.echo("Paused until you run `reminder resume`.")


@cli.command()
@config_option
@click.pass_context
def resume(ctx: click.Context, config_path: str | None) -> None:
    """Resume reminders (and a paused session)."""
    ask_daemon(ctx, config_path, "resume")
    click.echo("Resumed.")


@cli.command()
@click.argument("duration", type=DurationType(), required=False, metavar="[FOR]")
@config_option
@click.pass_context
def snooze(ctx: click.Context, duration: int | None, config_path: str | None) -> None:
    """Put off the session that is asking, or the next one, FOR a while (default: the config's snooze)."""
    reply = ask_daemon(ctx, config_path, "snooze", seconds=duration)
    click.echo(f"Snoozed {reply['routine']} until {clock_time(str(reply['until']))}.")


@cli.command()
@config_option
@click.pass_context
def skip(ctx: click.Context, config_path: str | None) -> None:
    """Skip the next session (it is recorded as skipped)."""
    reply = ask_daemon(ctx, config_path, "skip")
    at = reply.get("at")
    click.echo(f"Skipped {reply['routine']}" + (f" of {clock_time(str(at))}." if at else "."))


@cli.command()
@config_option
@click.pass_context
def stop(ctx: click.Context, config_path: str | None) -> None:
    """End the session that is running."""
    reply = ask_daemon(ctx, config_path, "stop")
    if "skipped" in reply:  # it was only asking to start
        click.echo(f"Skipped {reply['skipped']}; it had not started yet.")
    else:
        click.echo("Stopped the session.")


@cli.command()
@config_option
@click.pass_context
def reload(ctx: click.Context, config_path: str | None) -> None:
    """Make the daemon read its config again now."""
    reply = ask_daemon(ctx, config_path, "reload")
    errors = reply.get("config_errors") or []
    if errors:
        for line in errors:
            click.echo(line, err=True)
        raise ReminderError(
            "The config has mistakes, so the daemon keeps the last good one. Fix them and save.",
            ExitStatus.CONFIG,
        )
    click.echo("Config applied." if reply.get("changed") else "Config unchanged.")
