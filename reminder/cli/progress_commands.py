"""Commands about what was done: history, checkin, stats, report."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reminder.cli.app import (
    PainScore,
    cli,
    config_option,
    env_of,
    json_option,
    load,
    print_json,
)
from reminder.errors import ConfigError, ReminderError

if TYPE_CHECKING:
    from reminder.config.load import Config
    from reminder.routines.model import Routine


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

    env = env_of(ctx)
    paths, config = load(env, config_path)
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
        print_json([e.to_json() for e in entries])
        return
    if not entries:
        click.echo("No sessions recorded yet." if start is None else f"No sessions since {since}.")
        return
    from reminder.cli.display import history_table

    click.echo(history_table(entries, tz))


@cli.command()
@click.argument("score", type=PainScore(), metavar="SCORE")
@click.option("--note", default=None, help="A few words to remember with it.")
@config_option
@click.pass_context
def checkin(ctx: click.Context, score: int, note: str | None, config_path: str | None) -> None:
    """Record how the pain is now: SCORE from 0 (none) to 10 (worst)."""
    from reminder.progress.history import History, HistoryError

    env = env_of(ctx)
    paths = env.paths(config_path)
    if note is not None and len(note) > 1000:
        raise click.BadParameter("keep the note under 1000 characters", param_hint="--note")
    if note is not None and not _is_text(note):
        raise click.BadParameter(
            "is not UTF-8 text (check the terminal's character encoding); nothing was recorded",
            param_hint="--note",
        )
    try:
        History(paths.history_db).add_checkin(env.now(), score=score, note=note)
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    click.echo(f"Recorded: pain {score}/10" + (f" ({note})." if note else "."))


def insights(ctx: click.Context, config_path: str | None) -> tuple[Any, Any, Config, Any]:
    """The stats, the protocol's advice and the programme's levels from the
    history, for stats and report."""
    from reminder.progress.advice import relief_advice
    from reminder.progress.history import History, HistoryError
    from reminder.progress.stats import compute
    from reminder.routines.library import routine_files

    env = env_of(ctx)
    paths, config = load(env, config_path)
    now = env.now()
    history = History(paths.history_db)
    try:
        entries, checkins = history.entries(), history.checkins()
        # Nothing counts as scheduled before reminder was first used.
        first_use = history.first_use() or now
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    known: dict[str, Routine] = {}
    for name, file in routine_files(paths).items():
        with contextlib.suppress(ConfigError):
            known[name] = file.load()
    known.update(config.routines)
    stats = compute(entries, checkins, config, now, first_use=first_use)
    advice = relief_advice(entries, checkins, config, now, routines=known)
    return stats, advice, config, _programme(env, config_path, known, config, stats)


def _programme(
    env: Any, config_path: str | None, known: dict[str, Routine], config: Config, stats: Any
) -> Any:
    """Levels and groups over the stats window, settled as plan and progress see them."""
    from reminder.cli.programme_commands import programme_states
    from reminder.progress.history import HistoryError
    from reminder.progress.programme_stats import programme_stats

    try:
        states = programme_states(env.paths(config_path), known, env.now())
    except HistoryError as error:
        raise ReminderError(str(error)) from None
    scheduled = {schedule.routine for schedule in config.schedules}
    shown = {
        name: state
        for name, state in states.items()
        if state.ran or state.changes or name in scheduled
    }
    return programme_stats(shown, stats.start, env.now(), stats.now.tzinfo)


@cli.command()
@json_option
@config_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool, config_path: str | None) -> None:
    """How it is going: adherence, streaks, minutes per phase, missed sessions, pain."""
    found, advice, _, programme = insights(ctx, config_path)
    if as_json:
        print_json(
            {
                **found.to_json(),
                "advice": advice.to_json() if advice else None,
                "programme": programme.to_json(),
            }
        )
        return
    from reminder.progress.stats_text import stats_text

    click.echo(stats_text(found, advice, programme))


@cli.command()
@click.option(
    "--html",
    "html_file",
    required=True,
    metavar="FILE",
    help="Where to write the report (one self-contained HTML file); - for standard output.",
)
@config_option
@click.pass_context
def report(ctx: click.Context, html_file: str, config_path: str | None) -> None:
    """Write an HTML report with charts: adherence, pain trend, minutes per phase."""
    from reminder.progress.report import html_report

    found, advice, _, programme = insights(ctx, config_path)
    page = html_report(found, advice, "reminder report", env_of(ctx).now(), programme).encode(
        "utf-8"
    )
    if html_file == "-":
        _to_stdout(page)
        return
    if _write_report(Path(html_file), page):
        click.echo(f"Wrote {html_file}. Open it in a browser.")


def _to_stdout(data: bytes) -> None:
    stream = sys.stdout
    if stream is None:
        raise ReminderError("Standard output is closed; give a file name to --html instead.")
    stream.flush()
    stream.buffer.write(data)
    stream.buffer.flush()


def _write_report(target: Path, data: bytes) -> bool:
    """Write the page to ``target``; True when it is a file (not a stream).

    A regular file (or a link to one) is replaced whole, never seen half
    written; something else that exists (a device, a pipe, /dev/stdout) is
    written to as a stream, never replaced; a folder that does not exist is
    an error, not created."""
    import stat

    from reminder.files import write_atomically

    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise ReminderError(f"Could not write {target}: {error.strerror or error}.") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ReminderError(
            f"{target} is a folder; give the path of a file to write the report to."
        )
    try:
        # /dev/stdout and the like name a stream even when it is a regular file.
        streamed = str(target).startswith(("/dev/", "/proc/"))
        if info is not None and (streamed or not stat.S_ISREG(info.st_mode)):
            with target.open("wb") as stream:
                stream.write(data)
            return False
        real = target.resolve() if target.is_symlink() else target
        if not real.parent.is_dir():
            raise ReminderError(
                f"The folder {real.parent} does not exist, so {target} was not written; "
                "create it first or choose another place."
            )
        write_atomically(real, data)
    except OSError as error:
        raise ReminderError(f"Could not write {target}: {error.strerror or error}.") from None
    return True


def _is_text(value: str) -> bool:
    """False for arguments with bytes that were not UTF-8 (Python keeps them
    as surrogates, which SQLite and the terminal refuse)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
