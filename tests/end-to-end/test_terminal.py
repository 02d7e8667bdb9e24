"""The terminal walkthrough as a person meets it: the real code in a real
pseudo-terminal (pexpect), steered by key presses, and as lines in a pipe.

A tiny entry point calls ``walk()`` on a routine file the test writes; the CLI
is not involved. Nothing here sleeps to wait: every wait is an expect (or a
read) with a timeout.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from support.audio import PulseServer, Recorder

from reminder.cli.terminal import big_digits

ENTRY = """\
import sys
from pathlib import Path

from reminder.routines.model import load_routine_file
from reminder.cli.terminal import walk

routine = load_routine_file(Path(sys.argv[1]), name="test", source="file", shown="routine.toml")
outcome = walk(routine, stdin=sys.stdin, stdout=sys.stdout)
phases = " ".join(outcome.phases_done) or "-"
rich = "rich" in sys.modules
print(f"OUTCOME {outcome.outcome} {phases} interrupted={outcome.interrupted} rich={rich}")
"""

# Stretch holds for a minute, so a key press is what moves it on, not the clock.
HIPS = """\
title = "Hips"

[[release]]
exercise = "Ball release"
how = "Lean into the ball."
hold = "1s"
ready = "0s"

[[stretch]]
exercise = "Seated figure-4"
how = "Sit tall, ankle on the other knee."
hold = "60s"
sets = 2
rest = "5s"
sides = "both"
switch = "0s"
ready = "0s"

[[strengthen]]
exercise = "Clamshells"
reps = 2
rep_time = "1s"
ready = "0s"
"""
# release work 0–1; stretch left set 1 1–61, right set 1 61–121, rest, left 2, right 2;
# clamshells: 7 steps.

QUICK = """\
title = "Quick"

[[release]]
exercise = "Ball release"
hold = "1s"
ready = "0s"

[[stretch]]
exercise = "Seated figure-4"
hold = "1s"
ready = "0s"

[[strengthen]]
exercise = "Clamshells"
reps = 1
rep_time = "1s"
ready = "0s"
"""

TINY = """\
title = "Tiny"

[[release]]
exercise = "Ball release"
how = '''Lean into
the ball.'''
hold = "1s"
ready = "1s"

[[stretch]]
exercise = "Seated figure-4"
hold = "1s"
sides = "both"
switch = "1s"
ready = "0s"

[[strengthen]]
exercise = "Clamshells"
reps = 2
rep_time = "1s"
ready = "0s"
"""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COUNTDOWN = re.compile(r"(\d+):(\d\d) of 1:00")


@dataclass
class Frame:
    raw: str
    text: str
    """Without escape sequences."""

    @property
    def countdown(self) -> int:
        match = COUNTDOWN.search(self.text)
        assert match, self.text
        return int(match[1]) * 60 + int(match[2])


PROMPT = "walk-test$ "


class Walk:
    """``walk()`` on a routine in a pseudo-terminal.

    Run from ``bash -c`` so that ``stty -a`` afterwards reads the terminal
    modes the walk left behind; or, with ``job_control``, typed at an
    interactive bash, where Ctrl-Z and ``fg`` work as they do for a person.
    """

    def __init__(self, tmp_path: Path, routine: str, *, job_control: bool = False) -> None:
        entry, routine_file = tmp_path / "walk.py", tmp_path / "routine.toml"
        entry.write_text(ENTRY)
        routine_file.write_text(routine)
        command = f"'{sys.executable}' '{entry}' '{routine_file}'"
        if job_control:
            args = ["--noprofile", "--norc", "--noediting", "-i"]
        else:
            args = ["--noprofile", "--norc", "-c", f'{command}; echo "EXIT $?"; stty -a']
        self.child = pexpect.spawn(
            "bash",
            args,
            dimensions=(40, 100),
            encoding="utf-8",
            codec_errors="replace",
            timeout=10,
            env=_terminal_env(),
        )
        self.seen = ""
        if job_control:
            self.child.expect_exact(PROMPT)
            self.child.sendline(command)

    def at_prompt(self) -> str:
        """What the walk and the shell printed until the shell's next prompt."""
        self.child.expect_exact(PROMPT)
        self.seen += self.child.before
        return ANSI.sub("", self.child.before)

    def shell(self, command: str) -> str:
        self.child.sendline(command)
        return self.at_prompt()

    def frame(self, timeout: float = 5.0) -> Frame:
        """The next whole frame of the live screen."""
        self.child.expect("╭", timeout=timeout)
        self.seen += self.child.before + "╭"
        self.child.expect("╯", timeout=timeout)
        raw = self.child.before
        self.seen += raw + "╯"
        return Frame(raw, ANSI.sub("", raw))

    def wait_for(self, predicate: Callable[[Frame], bool], timeout: float = 5.0) -> Frame:
        """The first frame from now on for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        last = None
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.frame(left)
            except pexpect.TIMEOUT:
                break
            if predicate(frame):
                return frame
            last = frame
        pytest.fail(f"no such frame within {timeout} s; the last one:\n{last.text if last else ''}")

    def finish(self) -> str:
        """Everything the walk and then bash printed, until the terminal closes."""
        self.child.expect(pexpect.EOF, timeout=10)
        self.seen += self.child.before
        return ANSI.sub("", self.child.before)

    def close(self) -> None:
        self.child.close(force=True)


def _terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
    env["TERM"] = "xterm-256color"
    env["PS1"] = PROMPT
    env["HISTFILE"] = "/dev/null"
    return env


@pytest.fixture
def hips(tmp_path: Path) -> Iterator[Walk]:
    walk = Walk(tmp_path, HIPS)
    yield walk
    walk.close()


def assert_terminal_restored(after: str) -> None:
    """``stty -a`` after the walk: line editing and echo are back on."""
    assert_modes_restored(after.rsplit("EXIT", 1)[1])


def assert_modes_restored(modes: str) -> None:
    assert re.search(r"(?<!-)\bicanon\b", modes), modes
    assert re.search(r"(?<!-)\becho\b", modes), modes


def test_screen_shows_the_step_and_keys_pause_skip_and_stop(hips: Walk) -> None:
    stretch = hips.wait_for(lambda f: "Seated figure-4" in f.text)

    text = stretch.text
    assert "Hips" in text
    assert re.search(r"\x1b\[[\d;]*\b7m stretch ", stretch.raw), "the current phase is highlighted"
    assert "release ✓ →  stretch  → strengthen" in text
    assert "Stretch · Seated figure-4" in text
    assert "Left side — hold 1 min (set 1 of 2)" in text
    assert "Sit tall, ankle on the other knee." in text
    assert "Left side   Set 1 of 2" in text
    assert "Step 2 of 7" in text
    assert stretch.countdown in (59, 60)
    for line in big_digits(f"0:{stretch.countdown:02d}" if stretch.countdown < 60 else "1:00"):
        assert line in text
    assert "q stop" in text
    assert "PAUSED" not in text
    assert hips.child.getecho() is False  # keys arrive without echo

    hips.child.send(" ")
    paused = hips.wait_for(lambda f: "PAUSED" in f.text)
    assert "space resume" in paused.text
    # Paused, nothing moves: not one redraw in two seconds.
    with pytest.raises(pexpect.TIMEOUT):
        hips.frame(timeout=2.0)

    hips.child.send(" ")
    resumed = hips.wait_for(lambda f: "PAUSED" not in f.text)
    assert "space pause" in resumed.text
    # It carries on from where it stopped, not two seconds further on.
    assert resumed.countdown in (paused.countdown, paused.countdown - 1)
    ticking = hips.wait_for(lambda f: f.countdown < resumed.countdown, timeout=3)
    assert "Left side — hold 1 min (set 1 of 2)" in ticking.text

    hips.child.send("n")
    # Planned a minute after the left side began; here within seconds of the key.
    right = hips.wait_for(lambda f: "Right side — hold 1 min (set 1 of 2)" in f.text, timeout=3)
    assert "Right side   Set 1 of 2" in right.text
    assert "Step 3 of 7" in right.text
    assert right.countdown in (59, 60)

    hips.child.send("q")
    after = hips.finish()
    assert re.search(r"Stopped: Hips after \d+ s — done: release\.\r?\n", after), after
    assert "OUTCOME stopped release interrupted=False rich=True" in after
    assert "EXIT 0" in after
    assert "Traceback" not in hips.seen
    assert "\x1b[?25h" in hips.seen  # the cursor is shown again
    assert_terminal_restored(after)


def test_ctrl_c_stops_cleanly_and_restores_the_terminal(hips: Walk) -> None:
    hips.wait_for(lambda f: "Seated figure-4" in f.text)

    hips.child.sendintr()
    after = hips.finish()

    assert re.search(r"Stopped: Hips after \d+ s — done: release\.", after), after
    assert "OUTCOME stopped release interrupted=True rich=True" in after
    assert "EXIT 0" in after
    assert "Traceback" not in hips.seen
    assert "KeyboardInterrupt" not in hips.seen
    assert_terminal_restored(after)


def test_ctrl_z_hands_the_terminal_back_and_fg_takes_it_again(tmp_path: Path) -> None:
    walk = Walk(tmp_path, HIPS, job_control=True)
    try:
        walk.wait_for(lambda f: "Seated figure-4" in f.text)

        walk.child.sendcontrol("z")
        stopped = walk.at_prompt()
        assert "Stopped" in stopped  # bash's own job message
        assert "\x1b[?25h" in walk.seen  # the cursor shown for the shell
        assert_modes_restored(walk.shell("stty -a"))

        walk.child.sendline("fg")
        again = walk.wait_for(lambda f: "Seated figure-4" in f.text, timeout=3)
        assert "Left side — hold 1 min (set 1 of 2)" in again.text
        walk.child.send("q")  # a single key without Enter works again
        after = walk.at_prompt()
        assert re.search(r"Stopped: Hips after \d+ s — done: release\.", after), after
        assert "Traceback" not in walk.seen
        assert_modes_restored(walk.shell("stty -a"))
        walk.child.sendline("exit")
        walk.child.expect(pexpect.EOF)
    finally:
        walk.close()


def test_a_walk_left_alone_runs_to_the_end(tmp_path: Path) -> None:
    walk = Walk(tmp_path, QUICK)
    try:
        started = time.monotonic()
        walk.wait_for(lambda f: "Release · Ball release" in f.text)
        walk.wait_for(lambda f: "Stretch · Seated figure-4" in f.text)
        walk.wait_for(lambda f: "Strengthen · Clamshells" in f.text)
        after = walk.finish()
        took = time.monotonic() - started
    finally:
        walk.close()

    assert "Done: Quick, 3 s — release, stretch, strengthen." in after
    assert "OUTCOME completed release stretch strengthen interrupted=False rich=True" in after
    assert 2.5 < took < 6
    assert_terminal_restored(after)


def test_piped_output_is_one_line_per_step_as_it_starts(tmp_path: Path) -> None:
    entry, routine_file = tmp_path / "walk.py", tmp_path / "routine.toml"
    entry.write_text(ENTRY)
    routine_file.write_text(TINY)

    started = time.monotonic()
    with subprocess.Popen(
        [sys.executable, str(entry), str(routine_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as process:
        assert process.stdout is not None
        arrivals = [(time.monotonic() - started, line) for line in process.stdout]
        stderr = process.stderr.read() if process.stderr else ""
        code = process.wait(timeout=30)

    assert code == 0, stderr
    assert stderr == ""
    lines = [line for _, line in arrivals]
    assert lines == [
        "0:00 Release · Ball release — Get ready — 1 s. Lean into the ball.\n",
        "0:01 Release · Ball release — Hold 1 s\n",
        "0:02 Stretch · Seated figure-4 — Left side — hold 1 s\n",
        "0:03 Stretch · Seated figure-4 — Switch to the right side — 1 s\n",
        "0:04 Stretch · Seated figure-4 — Right side — hold 1 s\n",
        "0:05 Strengthen · Clamshells — 2 reps, 1 s each\n",
        "Done: Tiny, 7 s — release, stretch, strengthen.\n",
        # rich draws the live screen only: lines cost no import of it.
        "OUTCOME completed release stretch strengthen interrupted=False rich=False\n",
    ]
    # Each line arrives as its step starts (flushed), on the planned second after the first.
    first = arrivals[0][0]
    for (at, _), offset in zip(arrivals, [0, 1, 2, 3, 4, 5, 7], strict=False):
        assert offset - 0.05 <= at - first <= offset + 0.5, arrivals


def test_ctrl_c_while_piped_stops_with_the_phases_done(tmp_path: Path) -> None:
    entry, routine_file = tmp_path / "walk.py", tmp_path / "routine.toml"
    entry.write_text(ENTRY)
    routine_file.write_text(TINY)

    with subprocess.Popen(
        [sys.executable, str(entry), str(routine_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        lines = [process.stdout.readline() for _ in range(3)]  # up to the stretch's first step
        process.send_signal(signal.SIGINT)
        rest = process.stdout.read()
        stderr = process.stderr.read()
        code = process.wait(timeout=10)

    assert lines[2] == "0:02 Stretch · Seated figure-4 — Left side — hold 1 s\n"
    assert re.fullmatch(
        r"Stopped: Tiny after [23] s — done: release\.\n"
        r"OUTCOME stopped release interrupted=True rich=False\n",
        rest,
    ), rest
    assert code == 0
    assert stderr == ""


def test_reminder_now_terminal_from_the_command_line_prints_each_step_when_piped(
    tmp_path: Path, reminder_exe: Path, subprocess_env: dict[str, str]
) -> None:
    routine = tmp_path / "quick.toml"
    routine.write_text(
        'title = "Quick"\n'
        '[[release]]\nexercise = "Ball"\nhold = "1s"\nready = "0s"\n'
        '[[stretch]]\nexercise = "Reach"\nhold = "1s"\nready = "0s"\n'
        '[[strengthen]]\nexercise = "Lift"\nreps = 1\nrep_time = "1s"\nready = "0s"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(reminder_exe), "now", str(routine), "--terminal"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "0:00 Release · Ball — Hold 1 s",
        "0:01 Stretch · Reach — Hold 1 s",
        "0:02 Strengthen · Lift — 1 rep, 1 s each",
        "Done: Quick, 3 s — release, stretch, strengthen.",
    ]


def test_the_walk_in_the_terminal_is_heard_too(
    tmp_path: Path,
    reminder_exe: Path,
    subprocess_env: dict[str, str],
    pulse_server: PulseServer,
    recorder: Recorder,
) -> None:
    routine = tmp_path / "heard.toml"
    routine.write_text(
        # 0 get ready 1 s | 1 hold 2 s | 3 hold 1 s | 4 one rep of 1 s | done at 5
        'title = "Heard"\n'
        '[[release]]\nexercise = "Ball"\nhold = "2s"\nready = "1s"\n'
        '[[stretch]]\nexercise = "Reach"\nhold = "1s"\nready = "0s"\n'
        '[[strengthen]]\nexercise = "Lift"\nreps = 1\nrep_time = "1s"\nready = "0s"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(reminder_exe), "now", str(routine), "--terminal"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**subprocess_env, **pulse_server.env},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    finished = time.time()
    recording = recorder.stop()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no sound problem to report
    sounds = recording.sounds()
    starts = [s.start - sounds[0].start for s in sounds]
    # ready, go, go, go, done; within 0.15 s (the first cue may come a little
    # late on a loaded machine: the player starts with the walk)
    assert len(starts) == 5, starts
    assert all(abs(s - want) <= 0.15 for s, want in zip(starts, [0, 1, 3, 4, 5], strict=True)), (
        starts
    )
    # The command returned only after the done cue rang out.
    assert sounds[-1].length > 1.0
    assert sounds[-1].end <= finished
