"""The ``reminder`` command line. Thin: parse arguments, call the core, print.

Start-up matters: only what a command needs is imported, and never
APScheduler, jeepney or plyer outside ``run``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reminder import __version__
from reminder.errors import ConfigError, ExitStatus, ReminderError, error_text

if TYPE_CHECKING:
    from reminder.config.load import Config
    from reminder.paths import Paths
    from reminder.routines.model import Routine

F = TypeVar("F", bound=Callable[..., Any])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Environment:
    """What a command may touch of the outside world; tests pass their own."""

    now: Callable[[], dt.datetime] = _now

    def paths(self, config_option: str | None) -> Paths:
        from reminder.paths import find_paths

        return find_paths(config_option)


class ReminderGroup(click.Group):
    """Turns every ReminderError into its message and exit status, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReminderError as error:
            click.echo(error_text(error), err=True)
            ctx.exit(error.status)


def config_option(function: F) -> F:
    return click.option(
        "--config",
        "config_path",
        metavar="PATH",
        default=None,
        help="Config file to use (default: REMINDER_CONFIG, else the standard location).",
    )(function)


def ignored_config_option(function: F) -> F:
    """--config on a command that reads no config: every command takes it."""
    return click.option(
        "--config",
        "_config_path",
        metavar="PATH",
        default=None,
        help="Accepted as by every command; this one reads no config.",
    )(function)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (stable, documented).")(
        function
    )


def _env(ctx: click.Context) -> Environment:
    env = ctx.find_object(Environment)
    return env if env is not None else Environment()


def _print_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _load(env: Environment, config_path: str | None) -> tuple[Paths, Config]:
    from reminder.config.load import load_config

    paths = env.paths(config_path)
    return paths, load_config(paths)


@click.group(cls=ReminderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "-V", "--version", prog_name="reminder", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Exercise reminders that walk you through release, stretch and
    strengthen routines, step by step, at the times you choose.

    This is a reminder and timer, not medical advice. Sharp, radiating or
    worsening pain, numbness or weakness: see a clinician.
    """
    ctx.ensure_object(Environment)


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
    paths = _env(ctx).paths(config_path)
    if os.name == "posix":
        # Become the daemon without click and platformdirs in memory: same pid, signals and
        # stdio (reminder/daemon/__main__.py). Windows has no real exec: there,
        # and if exec fails, the daemon runs in this process. -P: the current
        # folder must not shadow the package, as with the console script.
        safe_path = ["-P"] if sys.version_info >= (3, 11) else []
        arguments = [log_format, paths.to_json()]
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
            os.execv(
                sys.executable,
                [sys.executable, *safe_path, "-m", "reminder.daemon", *arguments],
            )
    from reminder.daemon.core import run as run_daemon

    run_daemon(paths, json_logs=log_format == "json")


@cli.command()
@config_option
@click.pass_context
def validate(ctx: click.Context, config_path: str | None) -> None:
    """Check the config and every routine it uses."""
    env = _env(ctx)
    paths, config = _load(env, config_path)
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


def _find_routine(env: Environment, reference: str, config_path: str | None) -> Routine:
    from reminder.routines.library import is_path_reference, path_reference, routine_files

    paths = env.paths(config_path)
    if is_path_reference(reference):
        return path_reference(reference, None).load()
    files = routine_files(paths)
    if reference in files:
        return files[reference].load()
    inline: Mapping[str, Routine] = {}
    if paths.config_file.exists():
        inline = _load(env, config_path)[1].routines
        if reference in inline:
            return inline[reference]
    available = ", ".join(sorted({*files, *inline}))
    raise ReminderError(
        f'There is no routine named "{reference}". Available: {available}. '
        "A routine file can also be given by its path.",
        ExitStatus.USAGE,
    )


def _complete_routine(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Routine names for tab completion: bundled and user routines."""
    from click.shell_completion import CompletionItem

    from reminder.paths import find_paths
    from reminder.routines.library import routine_files

    names = routine_files(find_paths(ctx.params.get("config_path")))
    return [CompletionItem(name) for name in sorted(names) if name.startswith(incomplete)]


@cli.command()
@click.argument("routine", shell_complete=_complete_routine)
@json_option
@config_option
@click.pass_context
def plan(ctx: click.Context, routine: str, as_json: bool, config_path: str | None) -> None:
    """Show ROUTINE's timed steps: a name, or the path of a routine file."""
    from reminder.routines.plan import build_plan

    found = _find_routine(_env(ctx), routine, config_path)
    steps = build_plan(found)
    if as_json:
        _print_json(steps.to_json())
        return
    from reminder.cli.display import plan_table

    click.echo(plan_table(steps, found))


@cli.command(name="next")
@click.option(
    "--count",
    "-n",
    type=click.IntRange(1, 1000),
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

    env = _env(ctx)
    _, config = _load(env, config_path)
    now = env.now()
    sessions = upcoming(config, now, count)
    if as_json:
        _print_json([s.to_json() for s in sessions])
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
    from reminder.routines.library import routine_files
    from reminder.routines.plan import build_plan

    env = _env(ctx)
    paths = env.paths(config_path)
    found: list[Routine] = []
    problems: list[Problem] = []
    for file in routine_files(paths).values():
        try:
            found.append(file.load())
        except ConfigError as error:
            problems.extend(error.problems)
    if paths.config_file.exists():
        try:
            config = _load(env, config_path)[1]
            found.extend(r for r in config.routines.values() if r.source == "config")
        except ConfigError as error:
            problems.extend(error.problems)
    rows = [(r, build_plan(r).total_seconds) for r in found]
    if as_json:
        _print_json(
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
    "--force", is_flag=True, help="Replace an existing config (the old one is kept as .bak)."
)
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@config_option
@click.pass_context
def init(ctx: click.Context, force: bool, dry_run: bool, config_path: str | None) -> None:
    """Write the example config, with every setting explained, for editing."""
    from reminder.files import write_atomically
    from reminder.paths import example_config

    paths = _env(ctx).paths(config_path)
    target = paths.config_file
    exists = target.exists() or target.is_symlink()
    if target.is_dir():
        raise ReminderError(
            f"{target} is a directory; give a file path with --config.", ExitStatus.CONFIG
        )
    if exists and not force:
        raise ReminderError(
            f"{target} already exists, so nothing was written. Edit it, or run "
            "`reminder init --force` to replace it (the old one is kept as a .bak file)."
        )
    backup = target.with_name(target.name + ".bak")
    if dry_run:
        if exists:
            click.echo(f"Would keep the old config as {backup}.")
        click.echo(f"Would write the example config to {target}.")
        return
    if exists:
        write_atomically(backup, target.read_bytes())
        click.echo(f"Kept the old config as {backup}.")
    write_atomically(target, example_config().read_bytes())
    click.echo(f"Wrote {target}. Edit it, then check it with `reminder validate`.")


@cli.command()
@json_option
@config_option
@click.pass_context
def paths(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """Show where reminder reads and writes its files."""
    from reminder.paths import bundled_routines_dir

    found = _env(ctx).paths(config_path)
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
        _print_json(table)
        return
    width = max(len(k) for k in table)
    for key, value in table.items():
        note = " (does not exist yet)" if key == "config" and not found.config_file.exists() else ""
        click.echo(f"{key.replace('_', ' ').ljust(width)}  {value}{note}")


if TYPE_CHECKING:
    _ParamType = click.ParamType[int, Any]
else:  # generic only from click 8.4 on
    _ParamType = click.ParamType


class DurationType(_ParamType):
    """A duration as in the config: "90s", "30m", "1h30m" or whole seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from reminder.schema.fields import Invalid, parse_duration

        try:
            seconds = parse_duration(int(value) if str(value).isdigit() else value)
        except Invalid as error:
            self.fail(str(error), param, ctx)
        if seconds < 1:
            self.fail("must be at least 1s", param, ctx)
        return seconds


def _ask_daemon(
    ctx: click.Context, config_path: str | None, command: str, **args: Any
) -> dict[str, Any]:
    from reminder.daemon.control import request

    paths = _env(ctx).paths(config_path)
    return request(
        paths.control_socket, command, **{k: v for k, v in args.items() if v is not None}
    )


@cli.command()
@json_option
@config_option
@click.pass_context
def status(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """Show what the running daemon is doing."""
    reply = _ask_daemon(ctx, config_path, "status")
    reply.pop("ok", None)
    if as_json:
        _print_json(reply)
        return
    from reminder.cli.display import status_text

    click.echo(status_text(reply, _env(ctx).now()))


@cli.command()
@click.argument("routine", required=False, shell_complete=_complete_routine)
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
    reply = _ask_daemon(ctx, config_path, "now", routine=routine)
    from reminder.cli.display import format_seconds

    click.echo(f"Started {reply['routine']} ({format_seconds(int(reply['total_seconds']))}).")


def _walk_in_terminal(ctx: click.Context, routine: str | None, config_path: str | None) -> None:
    env = _env(ctx)
    if routine is None:
        from reminder.config.calendar import upcoming

        _, config = _load(env, config_path)
        sessions = upcoming(config, env.now(), 1)
        if not sessions:
            raise ReminderError(
                "No session is scheduled; name a routine: `reminder now ROUTINE --terminal`.",
                ExitStatus.USAGE,
            )
        found = config.routines[sessions[0].routine]
    else:
        found = _find_routine(env, routine, config_path)
    from reminder.cli.terminal import walk

    outcome = walk(found, stdin=sys.stdin, stdout=sys.stdout)
    if outcome.interrupted:
        ctx.exit(130)  # Ctrl-C, as shells report it


@cli.command()
@click.argument("duration", type=DurationType(), required=False, metavar="[FOR]")
@config_option
@click.pass_context
def pause(ctx: click.Context, duration: int | None, config_path: str | None) -> None:
    """Pause reminders (and a running session) FOR a while, like 1h, or until resumed."""
    reply = _ask_daemon(ctx, config_path, "pause", seconds=duration)
    until = reply.get("paused_until")
    if until:
        click.echo(f"Paused until {_clock_time(str(until))}; `reminder resume` to go on sooner.")
    else:
        click.echo("Paused until you run `reminder resume`.")


@cli.command()
@config_option
@click.pass_context
def resume(ctx: click.Context, config_path: str | None) -> None:
    """Resume reminders (and a paused session)."""
    _ask_daemon(ctx, config_path, "resume")
    click.echo("Resumed.")


@cli.command()
@click.argument("duration", type=DurationType(), required=False, metavar="[FOR]")
@config_option
@click.pass_context
def snooze(ctx: click.Context, duration: int | None, config_path: str | None) -> None:
    """Put off the session that is asking, or the next one, FOR a while (default: the config's snooze)."""
    reply = _ask_daemon(ctx, config_path, "snooze", seconds=duration)
    click.echo(f"Snoozed {reply['routine']} until {_clock_time(str(reply['until']))}.")


@cli.command()
@config_option
@click.pass_context
def skip(ctx: click.Context, config_path: str | None) -> None:
    """Skip the next session (it is recorded as skipped)."""
    reply = _ask_daemon(ctx, config_path, "skip")
    at = reply.get("at")
    click.echo(f"Skipped {reply['routine']}" + (f" of {_clock_time(str(at))}." if at else "."))


@cli.command()
@config_option
@click.pass_context
def stop(ctx: click.Context, config_path: str | None) -> None:
    """End the session that is running."""
    reply = _ask_daemon(ctx, config_path, "stop")
    if "skipped" in reply:  # it was only asking to start
        click.echo(f"Skipped {reply['skipped']}; it had not started yet.")
    else:
        click.echo("Stopped the session.")


@cli.command()
@config_option
@click.pass_context
def reload(ctx: click.Context, config_path: str | None) -> None:
    """Make the daemon read its config again now."""
    reply = _ask_daemon(ctx, config_path, "reload")
    errors = reply.get("config_errors") or []
    if errors:
        for line in errors:
            click.echo(line, err=True)
        raise ReminderError(
            "The config has mistakes, so the daemon keeps the last good one. Fix them and save.",
            ExitStatus.CONFIG,
        )
    click.echo("Config applied." if reply.get("changed") else "Config unchanged.")


def _clock_time(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso)
    from reminder.cli.display import when

    return when(moment)


@cli.command()
@click.option(
    "--since",
    metavar="DATE",
    default=None,
    help="Only sessions from this day on (YYYY-MM-DD, in the config's time zone).",
)
@json_option
@config_option
@click.pass_context
def history(ctx: click.Context, since: str | None, as_json: bool, config_path: str | None) -> None:
    """Show what was done: every session and how it ended."""
    from reminder.progress.history import History, HistoryError

    env = _env(ctx)
    paths, config = _load(env, config_path)
    tz = config.settings.timezone
    start = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"{since!r} is not a date like 2026-11-30", param_hint="--since"
            ) from None
        start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    try:
        entries = History(paths.history_db).entries(since=start)
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    if as_json:
        _print_json([e.to_json() for e in entries])
        return
    if not entries:
        click.echo("No sessions recorded yet." if start is None else f"No sessions since {since}.")
        return
    from reminder.cli.display import history_table

    click.echo(history_table(entries, tz))


@cli.command()
@click.argument("score", type=click.IntRange(0, 10), metavar="SCORE")
@click.option("--note", default=None, help="A few words to remember with it.")
@config_option
@click.pass_context
def checkin(ctx: click.Context, score: int, note: str | None, config_path: str | None) -> None:
    """Record how the pain is now: SCORE from 0 (none) to 10 (worst)."""
    from reminder.progress.history import History, HistoryError

    env = _env(ctx)
    paths = env.paths(config_path)
    if note is not None and len(note) > 1000:
        raise click.BadParameter("keep the note under 1000 characters", param_hint="--note")
    try:
        History(paths.history_db).add_checkin(env.now(), score=score, note=note)
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    click.echo(f"Recorded: pain {score}/10" + (f" ({note})." if note else "."))


def _insights(ctx: click.Context, config_path: str | None) -> tuple[Any, Any, Config]:
    """The stats and the protocol's advice from the history, for stats and report."""
    from reminder.progress.history import History, HistoryError
    from reminder.progress.stats import compute, relief_advice
    from reminder.routines.library import routine_files

    env = _env(ctx)
    paths, config = _load(env, config_path)
    now = env.now()
    history = History(paths.history_db)
    try:
        entries, checkins = history.entries(), history.checkins()
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    known: dict[str, Routine] = {}
    for name, file in routine_files(paths).items():
        with contextlib.suppress(ConfigError):
            known[name] = file.load()
    known.update(config.routines)
    stats = compute(entries, checkins, config, now)
    return stats, relief_advice(entries, checkins, config, now, routines=known), config


@cli.command()
@json_option
@config_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """How it is going: adherence, streaks, minutes per phase, missed sessions, pain."""
    found, advice, _ = _insights(ctx, config_path)
    if as_json:
        _print_json({**found.to_json(), "advice": advice.to_json() if advice else None})
        return
    from reminder.progress.stats import stats_text

    click.echo(stats_text(found, advice))


@cli.command()
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the report (one self-contained HTML file).",
)
@config_option
@click.pass_context
def report(ctx: click.Context, html_file: str, config_path: str | None) -> None:
    """Write an HTML report with charts: adherence, pain trend, minutes per phase."""
    from reminder.files import write_atomically
    from reminder.progress.report import html_report

    found, advice, _ = _insights(ctx, config_path)
    page = html_report(found, advice, "reminder report", _env(ctx).now())
    target = Path(html_file)
    try:
        write_atomically(target, page.encode("utf-8"))
    except OSError as error:
        raise ReminderError(f"Could not write {target}: {error.strerror}.") from None
    click.echo(f"Wrote {target}. Open it in a browser.")


def _method_option(function: F) -> F:
    return click.option(
        "--method",
        type=click.Choice(["systemd", "xdg", "launchd", "windows"]),
        default=None,
        help="How to start at login (default: what fits this system).",
    )(function)


@cli.command()
@_method_option
@click.option("--dry-run", is_flag=True, help="Show what would be written and run; change nothing.")
@config_option
@click.pass_context
def install(ctx: click.Context, method: str | None, dry_run: bool, config_path: str | None) -> None:
    """Start the reminder daemon at every login."""
    from reminder import autostart

    # A broken config would make the login service fail at every start: say so now.
    _load(_env(ctx), config_path)
    chosen = method or autostart.default_method()
    command = None
    if config_path:
        command = [*autostart.default_command(chosen), "--config", str(Path(config_path).resolve())]
    actions = autostart.install(chosen, dry_run=dry_run, command=command)
    for action in actions:
        click.echo(action.describe(dry_run=dry_run))
    click.echo(autostart.install_message(chosen, dry_run=dry_run, command=command))


@cli.command()
@_method_option
@click.option("--dry-run", is_flag=True, help="Show what would be removed and run; change nothing.")
@ignored_config_option
def uninstall(method: str | None, dry_run: bool, _config_path: str | None) -> None:
    """Stop starting the reminder daemon at login."""
    from reminder import autostart

    chosen = method or autostart.default_method()
    actions = autostart.uninstall(chosen, dry_run=dry_run)
    for action in actions:
        click.echo(action.describe(dry_run=dry_run))
    click.echo(autostart.uninstall_message(chosen, actions, dry_run=dry_run))


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@ignored_config_option
def completion(shell: str, _config_path: str | None) -> None:
    """Print the tab-completion script for SHELL.

    \b
    bash:  reminder completion bash >> ~/.bashrc
    zsh:   reminder completion zsh >> ~/.zshrc
    fish:  reminder completion fish > ~/.config/fish/completions/reminder.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None
    click.echo(completer(cli, {}, "reminder", "_REMINDER_COMPLETE").source())


def main() -> None:
    try:
        cli.main(prog_name="reminder")
    except BrokenPipeError:
        # Output piped into something like `head` that stopped reading.
        sys.stderr.close()
        sys.exit(ExitStatus.FAILURE)
