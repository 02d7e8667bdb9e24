"""The terminal walkthrough's timing, driven by a fake clock and scripted keys.

The routine is tiny and every expected time is worked out by hand from
DESIGN.md's plan semantics (the comments show the arithmetic). Times are
seconds from the session start.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator

import pytest
from rich.console import Console

from reminder.cli.terminal import (
    Key,
    Result,
    _Keys,
    big_digits,
    drive,
    render,
    seconds_left,
    step_line,
    summary,
)
from reminder.cli.terminal_sound import TerminalSound
from reminder.config.load import SoundSettings
from reminder.daemon.session import Session
from reminder.errors import Problems
from reminder.routines.model import Routine, parse_routine
from reminder.routines.plan import Plan, build_plan
from reminder.schema.fields import Reporter
from reminder.schema.tomlfile import parse
from reminder.sound.client import SoundSession

START = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone.utc)

TINY = """
title = "Tiny"

[[release]]
exercise = "Ball"
how = "Lean on the ball."
hold = "2s"
ready = "1s"

[[stretch]]
exercise = "Figure-4"
hold = "2s"
sides = "both"
switch = "1s"
ready = "0s"

[[strengthen]]
exercise = "Clams"
reps = 2
rep_time = "1s"
sets = 2
rest = "1s"
ready = "0s"
"""
# index  step                       offset  duration
#   0    release  ready               0       1
#   1    release  work                1       2
#   2    stretch  work left           3       2
#   3    stretch  switch right        5       1
#   4    stretch  work right          6       2
#   5    strengthen work set 1        8       2   (2 reps × 1 s)
#   6    strengthen rest set 1       10       1
#   7    strengthen work set 2       11       2
# total 13 s


def tiny_routine() -> Routine:
    problems = Problems()
    routine = parse_routine(
        parse(TINY, "tiny.toml"),
        name="tiny",
        report=Reporter("tiny.toml", TINY, problems),
        source="file",
    )
    problems.raise_if_any()
    assert routine is not None
    return routine


class Script:
    """A fake clock and a keyboard that presses keys at given times.

    ``wait(timeout)`` moves the clock on to the next key press if it comes
    within the timeout, else by the whole timeout. ``asleep`` adds extra time
    to one wait, as if the computer slept through it.
    """

    def __init__(self, keys: list[tuple[float, Key]], asleep: tuple[float, float] | None = None):
        self.now = 0.0
        self.keys = list(keys)
        self.asleep = asleep
        self.waits: list[float | None] = []
        self.steps: list[tuple[int, float]] = []
        self.ticks: list[tuple[float, float]] = []
        self.changes: list[tuple[str, float, int, float]] = []
        """(change, when, step index, anchor), times in seconds from START."""

    def clock(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.now)

    def wait(self, timeout: float | None) -> Key | None:
        self.waits.append(timeout)
        if self.keys and (timeout is None or self.now + timeout >= self.keys[0][0]):
            at, key = self.keys.pop(0)
            self.now = at
            return key
        assert timeout is not None, "waited for a key that never comes"
        self.now += timeout
        if self.asleep is not None and self.now >= self.asleep[0]:
            self.now += self.asleep[1]
            self.asleep = None
        return None

    def on_step(self, session: Session) -> None:
        self.steps.append((session.index, self.now))

    def on_tick(self, session: Session, now: dt.datetime) -> None:
        self.ticks.append((self.now, seconds_left(session, now)))

    def on_change(self, change: str, session: Session, now: dt.datetime) -> None:
        since = (session.anchor - START).total_seconds()
        self.changes.append((change, (now - START).total_seconds(), session.index, since))

    def run(self, refresh: float | None = None) -> tuple[Result, Session]:
        routine = tiny_routine()
        session = Session(id="t", routine=routine, plan=build_plan(routine), anchor=START)
        result = drive(
            session,
            clock=self.clock,
            wait=self.wait,
            on_step=self.on_step,
            on_tick=self.on_tick,
            refresh=refresh,
            on_change=self.on_change,
        )
        return result, session


def test_steps_start_at_their_planned_offsets_and_the_walk_completes() -> None:
    script = Script([])

    result, session = script.run()

    assert result == "completed"
    assert script.steps == [(0, 0), (1, 1), (2, 3), (3, 5), (4, 6), (5, 8), (6, 10), (7, 11)]
    assert script.now == 13
    assert session.phases_done() == ("release", "stretch", "strengthen")
    # One wait per step, each exactly to the step's end: no polling without a display.
    assert script.waits == [1, 2, 2, 1, 2, 2, 1, 2]


def test_the_live_display_wakes_four_times_a_second_and_never_more() -> None:
    script = Script([])

    result, _ = script.run(refresh=0.25)

    assert result == "completed"
    assert script.steps == [(0, 0), (1, 1), (2, 3), (3, 5), (4, 6), (5, 8), (6, 10), (7, 11)]
    assert len(script.waits) == 13 * 4
    assert all(timeout == 0.25 for timeout in script.waits)


def test_pause_freezes_the_countdown_and_shifts_every_later_step() -> None:
    # Pause at 2.5 (release work, 1–3: 0.5 s left), resume at 6: a 3.5 s pause.
    script = Script([(2.5, "pause"), (6.0, "pause")])

    result, session = script.run(refresh=1.0)

    assert result == "completed"
    # Later steps start 3.5 s after their offsets: 3+3.5, 5+3.5, 6+3.5, 8+3.5, 10+3.5, 11+3.5.
    assert script.steps == [
        (0, 0),
        (1, 1),
        (2, 6.5),
        (3, 8.5),
        (4, 9.5),
        (5, 11.5),
        (6, 13.5),
        (7, 14.5),
    ]
    assert script.now == 16.5  # 13 + 3.5
    # Drawn at the pause and at the resume, 0.5 s left both times; in between the walk
    # waits for a key alone, with no redraws: nothing on the screen moves.
    assert [tick for tick in script.ticks if 2.5 <= tick[0] <= 6.0] == [(2.5, 0.5), (6.0, 0.5)]
    assert script.waits.count(None) == 1
    assert session.phases_done() == ("release", "stretch", "strengthen")


def test_next_ends_the_step_now_and_the_rest_follow_from_there() -> None:
    # n at 3.5 (stretch left, 3–5): the switch starts at 3.5 instead of 5, everything 1.5 s early.
    script = Script([(3.5, "next")])

    result, session = script.run()

    assert result == "completed"
    assert script.steps == [
        (0, 0),
        (1, 1),
        (2, 3),
        (3, 3.5),
        (4, 4.5),
        (5, 6.5),
        (6, 8.5),
        (7, 9.5),
    ]
    assert script.now == 11.5
    # Stretch: 0.5 s of the left hold and 2 s of the right, 2.5 of its 4 work
    # seconds, under two thirds: not done.
    assert session.phases_done() == ("release", "strengthen")
    assert session.end_outcome() == "partial"


def test_a_phase_is_done_with_two_thirds_of_its_work_time_spent() -> None:
    # n at 4: 1 s of the left hold and 2 s of the right, 3 of 4 work seconds.
    script = Script([(4.0, "next")])

    _, session = script.run()

    assert session.phases_done() == ("release", "stretch", "strengthen")
    assert session.end_outcome() == "completed"


def test_paused_time_is_not_counted_as_time_spent() -> None:
    # Pause at 3.5 (stretch left, 3–5), resume at 60, n at 60.1: 0.6 s of the left hold.
    script = Script([(3.5, "pause"), (60.0, "pause"), (60.1, "next")])

    _, session = script.run()

    assert session.spent[2] == pytest.approx(0.6)
    assert "stretch" not in session.phases_done()


def test_next_while_paused_starts_the_next_step_running() -> None:
    # Pause at 1.5 (release work, 1–3), n at 10: stretch left starts at 10, 7 s later than planned.
    script = Script([(1.5, "pause"), (10.0, "next")])

    result, _ = script.run()

    assert result == "completed"
    assert script.steps == [(0, 0), (1, 1), (2, 10), (3, 12), (4, 13), (5, 15), (6, 17), (7, 18)]


def test_next_on_the_last_step_completes_the_walk() -> None:
    script = Script([(12.0, "next")])  # last step runs 11–13

    result, session = script.run()

    assert result == "completed"
    assert script.now == 12
    assert session.phases_done() == ("release", "stretch", "strengthen")


def test_quit_stops_at_once_with_the_phases_done_so_far() -> None:
    script = Script([(7.0, "quit")])  # stretch right, 6–8

    result, session = script.run(refresh=0.25)

    assert result == "stopped"
    assert script.now == 7
    assert [index for index, _ in script.steps] == [0, 1, 2, 3, 4]
    assert session.phases_done() == ("release",)


def test_after_the_computer_slept_the_walk_carries_on_from_the_next_step() -> None:
    # Asleep for 60 s at the end of stretch left (at 5): the switch starts on waking, at 65,
    # and the rest follow from there, instead of racing through every missed step at once.
    script = Script([], asleep=(5.0, 60.0))

    result, _ = script.run()

    assert result == "completed"
    assert script.steps == [(0, 0), (1, 1), (2, 3), (3, 65), (4, 66), (5, 68), (6, 70), (7, 71)]


def test_the_sound_hears_every_change_that_moves_the_timeline() -> None:
    # Pause at 2.5 and resume at 6 (anchor +3.5); Next at 10.5, in stretch right
    # (6+3.5 to 8+3.5): step 5 starts then, so the anchor is 10.5 - 8 = 2.5.
    script = Script([(2.5, "pause"), (6.0, "pause"), (10.5, "next")])
    script.run()
    assert script.changes == [
        ("start", 0, 0, 0),
        ("pause", 2.5, 1, 0),
        ("resume", 6.0, 1, 3.5),
        ("next", 10.5, 5, 2.5),
    ]


def test_a_step_that_starts_late_after_sleep_is_heard_as_retimed() -> None:
    script = Script([], asleep=(5.0, 60.0))
    script.run()
    # The switch (offset 5) starts on waking at 65: anchor 60.
    assert script.changes == [("start", 0, 0, 0), ("retime", 65, 3, 60)]


class FakeSound(SoundSession):
    """The client's calls, recorded instead of sent to a player."""

    def __init__(self) -> None:
        super().__init__(SoundSettings())
        self.calls: list[tuple[object, ...]] = []

    def start(self, plan: Plan, anchor: dt.datetime, *, now: dt.datetime, index: int = 0) -> None:
        self.calls.append(("start", index, anchor, now))

    def reschedule(
        self,
        plan: Plan,
        anchor: dt.datetime,
        *,
        index: int,
        now: dt.datetime,
        announce: bool = True,
    ) -> None:
        self.calls.append(("reschedule", index, anchor, now, announce))

    def pause(self) -> None:
        self.calls.append(("pause",))

    def finish(self) -> None:
        self.calls.append(("finish",))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def wait(self, timeout: float | None = None) -> bool:
        return True


def test_the_terminal_sound_follows_the_walk_as_the_daemon_would() -> None:
    script = Script([(2.5, "pause"), (6.0, "pause"), (10.5, "next")])
    fake = FakeSound()
    follower = TerminalSound(SoundSettings(), lambda message: None, sound=fake)
    routine = tiny_routine()
    session = Session(id="t", routine=routine, plan=build_plan(routine), anchor=START)
    drive(session, clock=script.clock, wait=script.wait, on_step=script.on_step, on_change=follower)
    follower.end(completed=True)

    def at(seconds: float) -> dt.datetime:
        return START + dt.timedelta(seconds=seconds)

    assert fake.calls == [
        ("start", 0, at(0), at(0)),
        ("pause",),
        ("reschedule", 1, at(3.5), at(6), False),  # resume: the current step is not announced
        ("reschedule", 5, at(2.5), at(10.5), True),  # Next: step 5 starts now
        ("finish",),
    ]


def test_a_stopped_walk_silences_the_sound() -> None:
    fake = FakeSound()
    TerminalSound(SoundSettings(), lambda message: None, sound=fake).end(completed=False)
    assert fake.calls == [("stop",)]


def test_piped_lines_name_the_offset_phase_exercise_and_what_to_do() -> None:
    routine = tiny_routine()
    lines = [step_line(step, routine) for step in build_plan(routine).steps]

    assert lines == [
        "0:00 Release · Ball — Get ready — 1 s. Lean on the ball.",
        "0:01 Release · Ball — Hold 2 s",
        "0:03 Stretch · Figure-4 — Left side — hold 2 s",
        "0:05 Stretch · Figure-4 — Switch to the right side — 1 s",
        "0:06 Stretch · Figure-4 — Right side — hold 2 s",
        "0:08 Strengthen · Clams — 2 reps, 1 s each (set 1 of 2)",
        "0:10 Strengthen · Clams — Rest — 1 s (set 1 of 2 done)",
        "0:11 Strengthen · Clams — 2 reps, 1 s each (set 2 of 2)",
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], "Done: Tiny, 13 s — release, stretch, strengthen."),
        ([(3.5, "next")], "Done: Tiny, 13 s — release, strengthen; you skipped part of stretch."),
        ([(7.0, "quit")], "Stopped: Tiny after 7 s — done: release."),
        ([(0.5, "quit")], "Stopped: Tiny after 1 s, before any phase was done."),
    ],
)
def test_the_last_line_says_how_it_ended(keys: list[tuple[float, Key]], expected: str) -> None:
    script = Script(keys)

    result, session = script.run()

    assert summary(session, result, script.now) == expected


def frame(session: Session, now: dt.datetime) -> str:
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None, force_terminal=False)
    console.print(render(session, now))
    return out.getvalue()


def test_a_frame_shows_the_step_the_countdown_and_the_way_out() -> None:
    routine = tiny_routine()
    session = Session(id="t", routine=routine, plan=build_plan(routine), anchor=START)
    session.advance()
    session.advance()  # stretch, left side, 3–5

    running = frame(session, START + dt.timedelta(seconds=3.4))
    session.pause(START + dt.timedelta(seconds=3.4))
    paused = frame(session, START + dt.timedelta(seconds=30))

    for text in ("Tiny", "release", "stretch", "strengthen", "Stretch · Figure-4", "Left side"):
        assert text in running
    assert "Left side — hold 2 s" in running
    assert "0:02 of 0:02" in running  # 1.6 s left, shown rounded up as a countdown does
    assert "\n".join(big_digits("0:02")).splitlines()[0] in running
    assert "Step 3 of 8" in running
    assert "10 s left" in running  # 13 − 3.4 = 9.6, rounded up
    assert "q stop" in running
    assert "PAUSED" not in running
    assert "PAUSED" in paused
    assert "0:02 of 0:02" in paused  # frozen
    assert "space resume" in paused


def test_big_digits_are_three_lines_of_block_characters() -> None:
    assert big_digits("1:05") == [
        "▄▄██   ▄▄ ██▀▀██ ██▀▀▀▀",
        "  ██   ▄▄ ██  ██ ▀▀▀▀██",
        "▀▀▀▀▀▀    ▀▀▀▀▀▀ ▀▀▀▀▀▀",
    ]


@pytest.fixture
def keys() -> Iterator[tuple[_Keys, int, int]]:
    """Keys read from a pipe, with the pipe that wakes a wait: (keys, typing, waking)."""
    key_read, key_write = os.pipe()
    wake_read, wake_write = os.pipe()
    yield _Keys(key_read, wake_read), key_write, wake_write
    for fd in (key_read, key_write, wake_read, wake_write):
        os.close(fd)


def test_keys_are_read_one_at_a_time_and_others_ignored(keys: tuple[_Keys, int, int]) -> None:
    reader, typing, _ = keys

    assert reader.wait(0) is None
    os.write(typing, b"x nq")
    assert [reader.wait(0), reader.wait(0), reader.wait(0), reader.wait(0)] == [
        "pause",
        "next",
        "quit",
        None,
    ]
    os.write(typing, b"\x1b[A")  # an arrow key: its letters are not keys
    assert reader.wait(0) is None


def test_a_wake_up_ends_a_wait_for_keys_without_a_key(keys: tuple[_Keys, int, int]) -> None:
    reader, typing, waking = keys

    os.write(waking, b"!")
    assert reader.wait(None) is None  # would block for ever without the wake-up
    os.write(typing, b"n")
    assert reader.wait(None) == "next"
