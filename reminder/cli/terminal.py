"""A session walked in the terminal: `reminder now ROUTINE --terminal`.

On a terminal (stdin and stdout both TTYs) a live screen shows the step, a big
countdown and progress, and single keys steer it: space pauses or resumes,
``n`` skips to the next step, ``q`` (or Ctrl-C) stops. Anywhere else (output
piped to a file or another program) it prints one line per step as the step
starts, and no keys are read.

Each step starts at the session's anchor + its planned offset, and every wait
is worked out from the clock again, so no delay accumulates. The loop itself
(``drive``) is pure apart from the ``wait`` it is given, so tests run it with a
fake clock and scripted keys. rich is imported only when a live screen is
drawn: no other command pays for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import select
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

from reminder.daemon import messages
from reminder.daemon.session import Session
from reminder.routines.model import PHASES, Phase, Routine
from reminder.routines.plan import Step, build_plan
from reminder.schema.values import format_seconds

if TYPE_CHECKING:
    from rich.console import RenderableType

    from reminder.cli.terminal_sound import TerminalSound
    from reminder.sound.client import SoundSettings

Key = Literal["pause", "next", "quit"]
"""What a key press asks for: space, n, q."""
Wait = Callable[[float | None], Key | None]
"""Block until a key is pressed (its meaning) or ``timeout`` seconds pass
(None); a timeout of None waits for a key alone."""
Result = Literal["completed", "stopped"]
Change = Literal["start", "next", "pause", "resume", "retime"]
OnChange = Callable[[Change, Session, dt.datetime], None]

REFRESH = 0.25
"""Seconds between redraws of the live screen: the countdown never lags the
clock by more than this."""
RETIME_AFTER = dt.timedelta(seconds=2)
"""A step that ends this late means the computer lost time (asleep, or the
process was stopped): carry on from the next step now rather than rushing
through the ones missed."""
KEYS: dict[bytes, Key] = {b" ": "pause", b"n": "next", b"N": "next", b"q": "quit", b"Q": "quit"}


@dataclass(frozen=True)
class Outcome:
    outcome: Result
    phases_done: tuple[Phase, ...]
    interrupted: bool = False
    """Stopped by Ctrl-C (the CLI may exit 130) rather than by ``q``."""
    recorded: str = "stopped"
    """As the history keeps it: completed, partial (reached the end without
    every phase done) or stopped."""
    seconds_done: int = 0
    """Seconds actually spent in the steps, pauses excluded."""
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None


def _outcome(
    session: Session, result: Result, start: dt.datetime, end: dt.datetime, interrupted: bool
) -> Outcome:
    session.finish(end)
    recorded = session.end_outcome() if result == "completed" else "stopped"
    return Outcome(
        result,
        session.phases_done(),
        interrupted,
        recorded,
        session.seconds_spent(),
        start,
        end,
    )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- the timing loop: pure apart from the wait it is given ------------------------------


def seconds_left(session: Session, now: dt.datetime) -> float:
    """Of the current step; frozen while paused."""
    moment = session.paused_at or now
    return max(0.0, (session.step_end() - moment).total_seconds())


def session_left(session: Session, now: dt.datetime) -> float:
    moment = session.paused_at or now
    end = session.anchor + dt.timedelta(seconds=session.plan.total_seconds)
    return max(0.0, (end - moment).total_seconds())


def drive(
    session: Session,
    *,
    clock: Callable[[], dt.datetime],
    wait: Wait,
    on_step: Callable[[Session], None],
    on_tick: Callable[[Session, dt.datetime], None] | None = None,
    refresh: float | None = None,
    on_change: OnChange | None = None,
) -> Result:
    """Walk ``session`` to its end or until ``quit``.

    ``on_step`` is called as each step starts (the first one included);
    ``on_tick`` after every other wake-up (a redraw every ``refresh``
    seconds while the step runs, a pause, a resume). Between them the loop
    sleeps in ``wait`` until the step's end, the next redraw or a key,
    whichever comes first; while paused, until a key. ``on_change`` hears
    what moves the timeline (the sound follows it): ``start``, ``next``,
    ``pause``, ``resume``, and ``retime`` when a step starts late.
    """

    def changed(change: Change, now: dt.datetime) -> None:
        if on_change is not None:
            on_change(change, session, now)

    changed("start", clock())
    on_step(session)
    while True:
        now = clock()
        if not session.paused and now >= session.step_end():
            late = now - session.step_end()
            if not session.advance():
                return "completed"
            if late > RETIME_AFTER:
                session.retime(now)
                changed("retime", now)
            on_step(session)
            continue
        if session.paused:
            timeout = None  # nothing moves on screen until a key: no wake-ups at all
        else:
            timeout = seconds_left(session, now)
            if refresh is not None:
                timeout = min(timeout, refresh)
        key = wait(timeout)
        now = clock()
        if key == "quit":
            return "stopped"
        if key == "next":
            if not session.skip_step(now):
                return "completed"
            changed("next", now)
            on_step(session)
            continue
        if key == "pause":
            if session.pause(now):
                changed("pause", now)
            else:
                session.resume(now)
                changed("resume", now)
        if on_tick is not None and (session.paused or now < session.step_end()):
            on_tick(session, now)


# -- what the person reads --------------------------------------------------------------


def clock_text(seconds: float) -> str:
    """``m:ss``, minutes unbounded: ``75`` → ``1:15``."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def step_line(step: Step, routine: Routine) -> str:
    """The line piped output gets as a step starts."""
    body = " ".join(messages.step_body(step, routine).split())
    return f"{clock_text(step.offset)} {messages.step_summary(step)} — {body}"


def summary(session: Session, result: Result, elapsed: float) -> str:
    routine, plan = session.routine, session.plan
    done = session.phases_done()
    if result == "completed":
        if done == PHASES:
            return f"Done: {routine.title}, {format_seconds(plan.total_seconds)} — {', '.join(PHASES)}."
        skipped = ", ".join(p for p in PHASES if p not in done)
        finished = f" — {', '.join(done)}" if done else ""
        return (
            f"Done: {routine.title}, {format_seconds(plan.total_seconds)}{finished}; "
            f"you skipped part of {skipped}."
        )
    took = format_seconds(max(1, int(elapsed + 0.5)))
    if not done:
        return f"Stopped: {routine.title} after {took}, before any phase was done."
    return f"Stopped: {routine.title} after {took} — done: {', '.join(done)}."


def _exercise_how(step: Step, routine: Routine) -> str | None:
    exercise = next(e for e in routine.phases[step.phase] if e.name == step.exercise)
    return exercise.how


def _sets(step: Step, routine: Routine) -> int:
    return next(e.sets for e in routine.phases[step.phase] if e.name == step.exercise)


# A 3×5 pixel font, two pixels to a character cell: the countdown readable from the mat.
_FONT = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
    ":": "000010000010000",
}
_HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def big_digits(text: str) -> list[str]:
    """``text`` (digits and colons) drawn three lines high in block characters."""
    lines = ["", "", ""]
    for char in text:
        pixels = [bit == "1" for bit in _FONT[char]] + [False] * 3
        columns = (1,) if char == ":" else (0, 1, 2)
        for row in range(3):
            upper, lower = pixels[6 * row : 6 * row + 3], pixels[6 * row + 3 : 6 * row + 6]
            cells = "".join(_HALF_BLOCKS[upper[c], lower[c]] * 2 for c in columns)
            lines[row] += cells + " "
    return [line.rstrip() for line in lines]


def _facts(step: Step, routine: Routine) -> str:
    """Side, set and reps at a glance (empty for a get-ready or a rest step)."""
    parts = []
    if step.side is not None:
        parts.append(f"{step.side.capitalize()} side")
    sets = _sets(step, routine)
    if step.set is not None and sets > 1 and step.kind != "rest":
        parts.append(f"Set {step.set} of {sets}")
    if step.reps is not None:
        parts.append(f"{step.reps} reps")
    return "   ".join(parts)


def render(session: Session, now: dt.datetime, note: str | None = None) -> RenderableType:
    """One frame of the live screen; ``note``: a line about sound, if any."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    step, routine, plan = session.step, session.routine, session.plan
    paused = session.paused
    done = session.phases_done()

    phases = Text()
    for index, phase in enumerate(PHASES):
        if index:
            phases.append(" → ", style="dim")
        if phase == step.phase:
            phases.append(f" {phase} ", style="bold reverse")
        elif phase in done:
            phases.append(f"{phase} ✓", style="green")
        else:
            phases.append(phase, style="dim")

    how = _exercise_how(step, routine)
    body = messages.step_body(step, routine)
    if step.kind == "ready" and how and body.endswith(f". {how}"):
        body = body[: -len(how) - 2]  # the how-to has a line of its own below

    left = seconds_left(session, now)
    shown = math.ceil(left - 1e-6)
    countdown = Table.grid(padding=(0, 3))
    countdown.add_column()
    countdown.add_column(vertical="middle")
    digits_style = "bold yellow" if paused else "bold"
    state = Text("PAUSED", style="bold black on yellow") if paused else Text("")
    countdown.add_row(
        Text("\n".join(big_digits(clock_text(shown))), style=digits_style, no_wrap=True), state
    )

    bars = Table.grid(padding=(0, 2), expand=True)
    bars.add_column(no_wrap=True)
    bars.add_column(ratio=1)
    bars.add_column(no_wrap=True)
    bars.add_row(
        Text("This step", style="dim"),
        ProgressBar(total=step.duration, completed=step.duration - left),
        Text(f"{clock_text(shown)} of {clock_text(step.duration)}"),
    )
    total_left = session_left(session, now)
    bars.add_row(
        Text(f"Step {session.index + 1} of {len(plan.steps)}", style="dim"),
        ProgressBar(total=plan.total_seconds, completed=plan.total_seconds - total_left),
        Text(f"{format_seconds(math.ceil(total_left - 1e-6))} left"),
    )

    rows: list[RenderableType] = [
        phases,
        Text(""),
        Text(messages.step_summary(step), style="bold cyan"),
        Text(body, style="bold"),
    ]
    if how:
        rows.append(Text(how, style="italic"))
    rows += [Text(""), Text(_facts(step, routine), style="bold"), Text(""), countdown, Text("")]
    rows.append(bars)
    if note:
        rows.append(Text(note, style="dim"))
    keys = "space resume" if paused else "space pause"
    return Panel(
        Group(*rows),
        title=Text(routine.title, style="bold"),
        subtitle=Text(f"{keys} · n next step · q stop — stop if anything hurts"),
        border_style="yellow" if paused else "cyan",
        padding=(0, 1),
    )


# -- the two faces ----------------------------------------------------------------------


class _OutputGone(Exception):
    """Whatever read our output went away (a closed pipe): stop walking."""


def walk(
    routine: Routine,
    *,
    stdin: TextIO,
    stdout: TextIO,
    clock: Callable[[], dt.datetime] = utc_now,
    interactive: bool | None = None,
    sound: SoundSettings | None = None,
    stderr: TextIO | None = None,
) -> Outcome:
    """Walk ``routine`` now, step by step: on a live screen steered by keys
    when ``interactive`` (by default: stdin and stdout are both terminals that
    can move the cursor), else as one line per step. Ctrl-C stops it like
    ``q``; the outcome says which. With ``sound`` (the ``[sound]`` settings)
    the steps are heard as in the daemon's sessions; a sound problem is shown
    once, on the live screen or on ``stderr``."""
    if interactive is None:
        interactive = (
            os.name == "posix"  # keys are read with termios
            and os.environ.get("TERM") != "dumb"  # no cursor movement: lines read better
            and _isatty(stdin)
            and _isatty(stdout)
        )
    notes: list[str] = []
    follower = _sound(sound, notes, None if interactive else stderr)
    if follower is not None:
        follower.warm_up()
    start = clock()
    session = Session(id="terminal", routine=routine, plan=build_plan(routine), anchor=start)
    interrupted = False
    result: Result = "stopped"
    try:
        if interactive:
            result = _walk_live(
                session, stdin=stdin, stdout=stdout, clock=clock, on_change=follower, notes=notes
            )
        else:
            result = _walk_lines(session, stdout=stdout, clock=clock, on_change=follower)
    except KeyboardInterrupt:
        result, interrupted = "stopped", True
    except _OutputGone:
        return _outcome(session, "stopped", start, clock(), interrupted=False)
    finally:
        if follower is not None:
            follower.end(completed=result == "completed")
    end = clock()
    session.finish(end)
    line = summary(session, result, (end - start).total_seconds())
    with contextlib.suppress(OSError, ValueError):  # nothing left to tell it to
        stdout.write(line + "\n")
        stdout.flush()
    return _outcome(session, result, start, end, interrupted)


def _sound(
    settings: SoundSettings | None, notes: list[str], stderr: TextIO | None
) -> TerminalSound | None:
    if settings is None or not (settings.cues or settings.voice):
        return None
    from reminder.cli.terminal_sound import TerminalSound

    def report(message: str) -> None:
        notes.append(message)  # the live screen shows it from its next frame
        if stderr is not None:
            with contextlib.suppress(OSError, ValueError):
                stderr.write(message + "\n")
                stderr.flush()

    return TerminalSound(settings, report)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def _walk_lines(
    session: Session,
    *,
    stdout: TextIO,
    clock: Callable[[], dt.datetime],
    on_change: OnChange | None = None,
) -> Result:
    def on_step(session: Session) -> None:
        try:
            stdout.write(step_line(session.step, session.routine) + "\n")
            stdout.flush()
        except (OSError, ValueError) as error:  # a closed pipe, a hung-up terminal
            raise _OutputGone from error

    def wait(timeout: float | None) -> None:
        assert timeout is not None, "only a key ends a pause, and no keys are read here"
        time.sleep(timeout)

    return drive(session, clock=clock, wait=wait, on_step=on_step, on_change=on_change)


def _walk_live(
    session: Session,
    *,
    stdin: TextIO,
    stdout: TextIO,
    clock: Callable[[], dt.datetime],
    on_change: OnChange | None = None,
    notes: list[str] | None = None,
) -> Result:
    from rich.console import Console
    from rich.live import Live

    console = Console(file=stdout, highlight=False, markup=False, emoji=False)
    with (
        _single_keys(stdin.fileno(), stdout.fileno()) as keys,
        Live(
            console=console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live,
    ):

        def show(session: Session, now: dt.datetime | None = None) -> None:
            note = notes[0] if notes else None
            live.update(render(session, now or clock(), note=note), refresh=True)

        return drive(
            session,
            clock=clock,
            wait=keys.wait,
            on_step=show,
            on_tick=show,
            refresh=REFRESH,
            on_change=on_change,
        )


class _Keys:
    """Single key presses from a terminal in cbreak mode; ``wake`` is the
    read end of a pipe that ends a wait early (to redraw after Ctrl-Z, fg)."""

    def __init__(self, fd: int, wake: int) -> None:
        self.fd = fd
        self.wake = wake
        self.pending: deque[Key] = deque()

    def wait(self, timeout: float | None) -> Key | None:
        if not self.pending:
            ready, _, _ = select.select([self.fd, self.wake], [], [], timeout)
            if self.wake in ready:
                os.read(self.wake, 64)
            if self.fd not in ready:
                return None
            data = os.read(self.fd, 64)
            if not data:  # the terminal hung up
                return "quit"
            self.pending.extend(KEYS[key] for key in _split(data) if key in KEYS)
        return self.pending.popleft() if self.pending else None


def _split(data: bytes) -> list[bytes]:
    # An escape sequence (an arrow, a function key) is one key, not its letters.
    if data.startswith(b"\x1b"):
        return []
    return [data[i : i + 1] for i in range(len(data))]


_SHOW_CURSOR, _HIDE_CURSOR = b"\x1b[?25h", b"\x1b[?25l"


@contextlib.contextmanager
def _single_keys(fd: int, out: int) -> Iterator[_Keys]:
    """Keys without Enter and without echo; the terminal's modes come back
    however the walk ends (q, Ctrl-C, an exception) and while it is
    suspended (Ctrl-Z): the shell gets its terminal back as it left it."""
    import signal
    import termios
    import threading
    import tty

    saved = termios.tcgetattr(fd)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)

    def suspend(signum: int, frame: object) -> None:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        with contextlib.suppress(OSError):
            os.write(out, _SHOW_CURSOR)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        # Stopped until `fg` (SIGCONT): then back to single keys and a fresh frame.
        signal.signal(signal.SIGTSTP, suspend)
        tty.setcbreak(fd, termios.TCSANOW)
        with contextlib.suppress(OSError):
            os.write(out, _HIDE_CURSOR)
            os.write(wake_write, b"!")

    # Signal handlers can only be set from the main thread; elsewhere Ctrl-Z
    # suspends with the walk's terminal modes, as it would without this.
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTSTP, suspend) if on_main_thread else None
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        yield _Keys(fd, wake_read)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if on_main_thread:
            signal.signal(signal.SIGTSTP, signal.SIG_DFL if previous is None else previous)
        os.close(wake_read)
        os.close(wake_write)
