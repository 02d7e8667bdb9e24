"""The ``reminder`` command group and what its commands share: options, the
Environment, the way to the daemon. Thin: parse arguments, call the core, print.

Start-up matters: only what a command needs is imported, and never
APScheduler, jeepney or plyer outside ``run``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reminder import __version__
from reminder.errors import ExitStatus, ReminderError, error_text

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


def env_of(ctx: click.Context) -> Environment:
    env = ctx.find_object(Environment)
    return env if env is not None else Environment()


def print_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def load(env: Environment, config_path: str | None) -> tuple[Paths, Config]:
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
    _show_reminder_warnings()


def _show_reminder_warnings() -> None:
    """A ReminderWarning is one line on stderr, not Python's two-line warning."""
    import warnings

    from reminder.errors import ReminderWarning

    python_shows = warnings.showwarning
    if getattr(python_shows, "reminder", False):
        return

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, ReminderWarning):
            click.echo(f"Note: {message}", err=True)
        else:
            python_shows(message, category, filename, lineno, file, line)

    show.reminder = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def find_routine(env: Environment, reference: str, config_path: str | None) -> Routine:
    from reminder.routines.library import is_path_reference, path_reference, routine_files

    if is_path_reference(reference):  # needs no other path (nor a home folder)
        return path_reference(reference, None).load()
    paths = env.paths(config_path)
    files = routine_files(paths)
    if reference in files:
        return files[reference].load()
    inline: Mapping[str, Routine] = {}
    if paths.config_file.exists():
        inline = load(env, config_path)[1].routines
        if reference in inline:
            return inline[reference]
    available = ", ".join(sorted({*files, *inline}))
    raise ReminderError(
        f'There is no routine named "{reference}". Available: {available}. '
        "A routine file can also be given by its path.",
        ExitStatus.USAGE,
    )


def complete_routine(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Routine names for tab completion: bundled and user routines."""
    from click.shell_completion import CompletionItem

    from reminder.paths import find_paths
    from reminder.routines.library import routine_files

    names = routine_files(find_paths(ctx.params.get("config_path")))
    return [CompletionItem(name) for name in sorted(names) if name.startswith(incomplete)]


if TYPE_CHECKING:
    _ParamType = click.ParamType[int, Any]
else:  # generic only from click 8.4 on
    _ParamType = click.ParamType


def _shown(value: Any) -> str:
    """What the user typed, short enough for a one-line message."""
    text = str(value)
    return repr(text if len(text) <= 24 else text[:20] + "...")


MAX_DURATION = 366 * 24 * 3600
"""The longest pause or snooze the daemon takes: a year."""


class DurationType(_ParamType):
    """A duration as in the config: "90s", "30m", "1h30m" or whole seconds,
    from 1 s up to a year."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from reminder.schema.values import Invalid, parse_duration

        text = str(value).strip()
        if text.isascii() and text.isdigit():
            text += "s"  # whole seconds
        try:
            seconds = parse_duration(text)
        except Invalid:
            self.fail(
                f'{_shown(value)} is not a duration; write it like "90s", "30m" or "1h30m"',
                param,
                ctx,
            )
        if seconds < 1:
            self.fail("must be at least 1s", param, ctx)
        if seconds > MAX_DURATION:
            self.fail(f"{_shown(value)} is too long; the most is a year", param, ctx)
        return seconds


class PainScore(_ParamType):
    """A pain score: a whole number from 0 (none) to 10 (worst), in ASCII digits."""

    name = "score"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            score = value
        else:
            text = str(value).strip()
            whole = text.isascii() and text.isdigit() and len(text) <= 3
            score = int(text) if whole else -1
        if not 0 <= score <= 10:
            shown = str(value) if str(value).isascii() and len(str(value)) <= 24 else _shown(value)
            self.fail(
                f"{shown} is not a whole number from 0 to 10; give the pain as 0 (none) "
                "to 10 (worst), like `reminder checkin 3`",
                param,
                ctx,
            )
        return score


class WholeNumber(_ParamType):
    """A whole number from ``minimum`` to ``maximum``, written in ASCII digits."""

    name = "integer"

    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            digits = text[1:] if text[:1] in "+-" else text
            if not (digits.isascii() and digits.isdigit()):
                self.fail(
                    f"{_shown(value)} is not a whole number; use {self.minimum} to {self.maximum}",
                    param,
                    ctx,
                )
            digits = digits.lstrip("0") or "0"
            number = int(digits) if len(digits) <= 18 else self.maximum + 1
            number = -number if text.startswith("-") else number
        if not self.minimum <= number <= self.maximum:
            self.fail(
                f"{_shown(value)} is out of range; use {self.minimum} to {self.maximum}",
                param,
                ctx,
            )
        return number


def ask_daemon(
    ctx: click.Context, config_path: str | None, command: str, **args: Any
) -> dict[str, Any]:
    from reminder.daemon.control import request

    paths = env_of(ctx).paths(config_path)
    return request(
        paths.control_socket, command, **{k: v for k, v in args.items() if v is not None}
    )


def clock_time(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso)
    from reminder.cli.display import when

    return when(moment)


def method_option(function: F) -> F:
    return click.option(
        "--method",
        type=click.Choice(["systemd", "xdg", "launchd", "windows"]),
        default=None,
        help="How to start at login (default: what fits this system).",
    )(function)
