"""What every start-at-login method shares: the plan's steps, how they are
carried out, and the marker that tells our files from a user's own.

A method describes install and uninstall as steps (write a file, remove a
file, run a command); ``execute`` carries them out, or, for --dry-run, they
are only described. Nothing here knows a particular login system.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reminder.errors import ExitStatus, ReminderError
from reminder.files import write_atomically

MARKER = "Written by `reminder install`; `reminder uninstall` removes it."
"""In every file we write, so uninstall never removes a file that is not ours."""

COMMAND_TIMEOUT = 30.0
"""Seconds a systemctl or launchctl call may take before it counts as failed."""

Runner = Callable[..., "subprocess.CompletedProcess[str]"]
"""``subprocess.run``, or a test's recorder: called as ``run(args,
capture_output=True, text=True, timeout=..., check=False, env=...)``."""


@dataclass(frozen=True)
class Action:
    """One thing install or uninstall does, printable for --dry-run.

    ``target`` is the file's absolute path for "write" and "remove", the
    command line for "run". ``detail`` is the text a "write" puts in the
    file (so --dry-run can show it); empty otherwise.
    """

    kind: Literal["write", "remove", "run"]
    target: str
    detail: str = ""

    def describe(self, *, dry_run: bool, home: Path | None = None) -> str:
        """``Would write ~/.config/…`` (dry run) or ``Wrote ~/.config/…``."""
        target = self.target if self.kind == "run" else display_path(Path(self.target), home)
        verbs = {
            "write": ("Would write", "Wrote"),
            "remove": ("Would remove", "Removed"),
            "run": ("Would run", "Ran"),
        }[self.kind]
        return f"{verbs[0] if dry_run else verbs[1]} {target}"

    def __str__(self) -> str:
        return self.describe(dry_run=True)


def display_path(path: Path, home: Path | None = None) -> str:
    """The path with the home folder shown as ``~``, as people write it."""
    home = home if home is not None else Path.home()
    try:
        return str(Path("~") / path.relative_to(home))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Write:
    path: Path
    data: bytes
    text: str
    """``data`` as text, for Action.detail."""


@dataclass(frozen=True)
class Remove:
    path: Path


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    ignore: Callable[[subprocess.CompletedProcess[str]], bool] = field(
        default=lambda _result: False
    )
    """True for a failure that still means done, e.g. "not loaded" when stopping."""
    hint: str = ""
    """What the user should do when the command fails: a sentence."""

    @property
    def shown(self) -> str:
        return shlex.join(self.args)


Step = Write | Remove | Run


def action(step: Step) -> Action:
    if isinstance(step, Write):
        return Action("write", str(step.path), step.text)
    if isinstance(step, Remove):
        return Action("remove", str(step.path))
    return Action("run", step.shown)


def execute(
    steps: Sequence[Step],
    *,
    run: Runner,
    environ: Mapping[str, str],
    undo_writes_on_first_failure: bool = False,
) -> list[Action]:
    """Carry out the steps in order; a failed command stops them with a ReminderError.

    With ``undo_writes_on_first_failure``, a failure of the first command
    (the login system is not usable here) removes the files this call
    created, so a failed install leaves nothing behind.
    """
    done: list[Action] = []
    created: list[Path] = []
    commands_run = 0
    for step in steps:
        if isinstance(step, Write):
            if not step.path.exists():
                created.append(step.path)
            try:
                write_atomically(step.path, step.data)
            except OSError as error:
                raise _file_error("write", step.path, error) from None
        elif isinstance(step, Remove):
            try:
                step.path.unlink(missing_ok=True)
            except OSError as error:
                raise _file_error("remove", step.path, error) from None
        else:
            try:
                _run_command(step, run=run, environ=environ)
            except ReminderError:
                if undo_writes_on_first_failure and commands_run == 0:
                    for path in created:
                        path.unlink(missing_ok=True)
                raise
            commands_run += 1
        done.append(action(step))
    return done


def _file_error(verb: str, path: Path, error: OSError) -> ReminderError:
    return ReminderError(
        f"Could not {verb} {path}: {error.strerror or error}; check that folder's "
        "permissions, then try again.",
        ExitStatus.FAILURE,
    )


def _run_command(step: Run, *, run: Runner, environ: Mapping[str, str]) -> None:
    try:
        result = run(
            list(step.args),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
            env=dict(environ),
        )
    except FileNotFoundError:
        raise ReminderError(
            f"`{step.shown}` could not run: {step.args[0]} was not found. {step.hint}".rstrip(),
            ExitStatus.FAILURE,
        ) from None
    except subprocess.TimeoutExpired:
        raise ReminderError(
            f"`{step.shown}` did not finish within {COMMAND_TIMEOUT:.0f} seconds. "
            f"{step.hint}".rstrip(),
            ExitStatus.FAILURE,
        ) from None
    except OSError as error:
        raise ReminderError(
            f"`{step.shown}` could not run: {error.strerror or error}. {step.hint}".rstrip(),
            ExitStatus.FAILURE,
        ) from None
    if result.returncode == 0 or step.ignore(result):
        return
    said = " ".join((result.stderr or result.stdout or "").split())
    reason = f" ({said})" if said else f" (exit status {result.returncode})"
    raise ReminderError(f"`{step.shown}` failed{reason}. {step.hint}".rstrip(), ExitStatus.FAILURE)


def output_says(*phrases: str) -> Callable[[subprocess.CompletedProcess[str]], bool]:
    """A ``Run.ignore`` that accepts a failure whose output contains one of the phrases."""
    lowered = tuple(phrase.lower() for phrase in phrases)

    def says(result: subprocess.CompletedProcess[str]) -> bool:
        output = f"{result.stdout or ''}\n{result.stderr or ''}".lower()
        return any(phrase in output for phrase in lowered)

    return says


def check_command(command: Sequence[str]) -> list[str]:
    """The daemon command, checked: an absolute program and no control characters."""
    if not command:
        raise ReminderError("The command to start at login is empty.", ExitStatus.FAILURE)
    if not Path(command[0]).is_absolute():
        raise ReminderError(
            f"The program to start at login must be an absolute path, not {command[0]!r}; "
            "a login system does not search your shell's PATH.",
            ExitStatus.FAILURE,
        )
    for argument in command:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in argument):
            raise ReminderError(
                f"{argument!r} contains a control character, which a login entry cannot "
                "hold; install reminder in a folder whose path has none.",
                ExitStatus.FAILURE,
            )
    return list(command)


def config_home(home: Path, environ: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME, else ~/.config (a relative value is ignored, as the spec says)."""
    value = environ.get("XDG_CONFIG_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else home / ".config"


def read_entry(path: Path) -> bytes | None:
    """The bytes of an existing entry, None when there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return b""
    except OSError as error:
        raise ReminderError(
            f"Could not read {path}: {error.strerror}; check its permissions and try again.",
            ExitStatus.FAILURE,
        ) from None


def not_ours(path: Path, *, home: Path, installing: bool) -> ReminderError:
    where = display_path(path, home)
    if installing:
        return ReminderError(
            f"{where} already exists and was not written by `reminder install`, so it was "
            "left alone; move it away, then run `reminder install` again.",
            ExitStatus.FAILURE,
        )
    return ReminderError(
        f"{where} was not written by `reminder install`, so it was left alone; "
        "remove it yourself if reminder should no longer start at login.",
        ExitStatus.FAILURE,
    )


@dataclass(frozen=True)
class Method:
    """One way to start at login, as functions of the user's home and environment."""

    name: str
    entry_path: Callable[[Path, Mapping[str, str]], Path]
    """The one file install writes."""
    render: Callable[[Sequence[str], Path, Mapping[str, str]], tuple[bytes, str]]
    """The file's bytes and text for a command (pure)."""
    is_ours: Callable[[bytes], bool]
    install_steps: Callable[[Write, bool], list[Step]]
    """The steps around writing the file; the flag says whether to start the
    daemon now too (not when one is running already)."""
    uninstall_steps: Callable[[Path], list[Step]]
    installed: Callable[[Path, Sequence[str], Path, int | None], str]
    """What install says when done: (entry, command, home, pid of a daemon
    that was running already, if any) → sentences."""
    removed: str
    """What uninstall says when done."""


def file_only_install(write: Write, start: bool) -> list[Step]:
    """Methods whose whole entry is one file: writing it is all there is
    (they start nothing before the next login anyway)."""
    return [write]


def already_running(pid: int) -> str:
    """What install says instead of "start it now" when a daemon runs."""
    return f"reminder is already running (pid {pid}), so nothing else was started."


def file_only_uninstall(entry: Path) -> list[Step]:
    return [Remove(entry)]
