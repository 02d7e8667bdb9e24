"""The daemon's side of a session's sound: a light handle on a player process.

``SoundSession`` imports only the standard library; the schedule is built by
``reminder.sound.schedule`` (pure, imported on first use) and everything that
makes sound runs in the player process (``python -m reminder.sound play``),
which lives from the first sound of a session (the ask chime, or its first
step) to its end. Between sessions nothing of it is left in the daemon: no
process, no thread, no audio or speech library.

Every method returns at once and never raises: sound must never get in the
way of a session. What goes wrong is said once per session through
``on_error`` (called from a helper thread) and kept for ``status()``; the
next session's ``SoundSession`` tries again from scratch.

Typical use, in the session runner (times are aware datetimes)::

    sound = SoundSession(config.settings.sound, on_error=report)
    sound.chime()                                   # asking to start
    sound.start(plan, anchor, now=now)              # the session begins
    sound.reschedule(plan, anchor, index=i, now=now)                  # Next, retime
    sound.reschedule(plan, anchor, index=i, now=now, announce=False)  # resume, clock set
    sound.pause()
    sound.finish()                                  # completed: the done cue plays
    sound.stop()                                    # stopped, skipped, snoozed
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from reminder.paths import own_module_command

if TYPE_CHECKING:
    import datetime as dt

    from reminder.routines.plan import Plan
    from reminder.sound.schedule import Event

REAP_TIMEOUT: Final = 5.0
"""Seconds a player has to exit after stop before it is killed."""


class SoundSettings(Protocol):
    """The ``[sound]`` settings (``reminder.config.load.SoundSettings``)."""

    @property
    def cues(self) -> bool: ...
    @property
    def voice(self) -> bool: ...
    @property
    def volume(self) -> float: ...
    @property
    def rep_ticks(self) -> bool: ...


def player_command(settings: SoundSettings, output: str | None = None) -> list[str]:
    # -P (and the root folder to run in, below): a module in the daemon's
    # current folder (another user's, perhaps) must not shadow the package.
    command = own_module_command("reminder.sound", "play", "--volume", f"{settings.volume:g}")
    if settings.voice:
        command.append("--voice")
    if output is not None:
        command += ["--output", output]
    return command


class SoundSession:
    """The sound of one session (and of the ask before it)."""

    def __init__(
        self,
        settings: SoundSettings,
        *,
        on_error: Callable[[str], None] | None = None,
        on_played: Callable[[str], None] | None = None,
        command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``command`` and ``env`` start the player differently (tests,
        another output); by default ``player_command(settings)`` in this
        process's environment. ``on_played`` is told the name of each sound
        (a cue's, or ``voice``) as it starts, from a helper thread."""
        self.settings = settings
        self._on_error = on_error
        self._on_played = on_played
        self._command = list(command) if command is not None else player_command(settings)
        self._env = dict(env) if env is not None else None
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._outbox: queue.SimpleQueue[bytes | None] | None = None
        self._state = "idle" if self.enabled else "off"
        self._output: str | None = None
        self._engine: str | None = None
        self._error: str | None = None
        self._voice_error: str | None = None
        self._reported = False
        self._ended = threading.Event()
        self._ended.set()
        self._ready = threading.Event()

    @property
    def enabled(self) -> bool:
        return self.settings.cues or self.settings.voice

    # -- what the session runner calls ------------------------------------------------

    def prepare(self) -> None:
        """Start the player now, so the first sound needs no start-up time."""
        if self.enabled:
            self._ensure_player()

    def chime(self) -> None:
        """The ask chime, now (only with ``cues``)."""
        if self.settings.cues:
            self._send({"cmd": "chime"})

    def start(self, plan: Plan, anchor: dt.datetime, *, now: dt.datetime, index: int = 0) -> None:
        """The session begins (at step ``index``, usually 0): its first step
        is announced even if ``anchor`` is a little in the past."""
        self.reschedule(plan, anchor, index=index, now=now, announce=True)

    def reschedule(
        self,
        plan: Plan,
        anchor: dt.datetime,
        *,
        index: int,
        now: dt.datetime,
        announce: bool = True,
    ) -> None:
        """The steps from ``index`` on, each at ``anchor + offset``, replace
        whatever was scheduled. ``announce``: step ``index`` starts now, so
        its cue and phrase play (Next, a step retimed after a late wake).
        Without it (resume after a pause, a clock set) only what is still
        ahead plays."""
        if not self.enabled:
            return
        from reminder.sound.schedule import session_events

        events = session_events(
            plan, anchor, self.settings, index=index, now=now, announce=announce
        )
        with self._lock:
            if self._state == "paused":
                self._state = "on"
        self.play(events)

    def play(self, events: Sequence[Event]) -> None:
        """These sounds, each at its instant, replace whatever was scheduled."""
        self._send({"cmd": "play", "events": [e.to_json() for e in events]})

    def pause(self) -> None:
        """Silence at once; nothing plays until the next ``reschedule``."""
        if self._running():
            with self._lock:
                if self._state == "on":
                    self._state = "paused"
            self._send({"cmd": "pause"})

    def finish(self) -> None:
        """The session is over: what is due now (the done cue) still plays,
        then the player exits by itself."""
        if self._running():
            # stdin stays open: the player takes its closing as "stop".
            self._send({"cmd": "finish"})

    def stop(self) -> None:
        """Silence at once, and the player exits."""
        if self._running():
            self._send({"cmd": "stop"})
            self._close_outbox()

    def wait_ready(self, timeout: float) -> bool:
        """After ``prepare``: block until the player has reached the sound
        server (True) or given up, or ``timeout`` passed (False)."""
        return self._ready.wait(timeout) and self._state != "unavailable"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the player has exited (tests, the terminal walkthrough)."""
        return self._ended.wait(timeout)

    def status(self) -> dict[str, Any]:
        """For ``status --json``'s ``"sound"``: ``state`` is ``off`` (no cues,
        no voice), ``idle`` (no player now), ``on``, ``paused`` or
        ``unavailable`` (``error`` says why); ``output`` and ``engine`` say
        what plays and speaks, ``error`` the last problem, voice or output."""
        with self._lock:
            return {
                "state": self._state,
                "cues": self.settings.cues,
                "voice": self.settings.voice,
                "output": self._output,
                "engine": self._engine,
                "error": self._error or self._voice_error,
            }

    # -- the player process -------------------------------------------------------------

    def _running(self) -> bool:
        with self._lock:
            return self._process is not None and self._outbox is not None

    def _send(self, message: dict[str, Any]) -> None:
        if not self._ensure_player():
            return
        with self._lock:
            outbox = self._outbox
        if outbox is not None:
            outbox.put(json.dumps(message).encode() + b"\n")

    def _ensure_player(self) -> bool:
        with self._lock:
            if self._process is not None:
                return self._outbox is not None
            if self._state == "unavailable":
                return False  # said once; the next session tries again
            try:
                process = subprocess.Popen(
                    self._command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=self._env,
                    cwd=Path(os.sep).resolve(),
                    close_fds=True,
                    start_new_session=True,  # a Ctrl-C in a terminal is the walkthrough's to handle
                )
            except OSError as error:
                self._state = "unavailable"
                message = f"the sound player could not start ({error.strerror or error})"
            else:
                outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
                self._process, self._outbox = process, outbox
                self._state = "on"
                self._ended.clear()
                message = ""
        if message:
            self._fail("output", message)
            self._ready.set()
            return False
        threading.Thread(
            target=self._write, args=(process, outbox), name="sound-writer", daemon=True
        ).start()
        threading.Thread(
            target=self._read, args=(process,), name="sound-reader", daemon=True
        ).start()
        return True

    def _close_outbox(self) -> None:
        with self._lock:
            outbox, self._outbox = self._outbox, None
        if outbox is not None:
            outbox.put(None)

    @staticmethod
    def _write(process: subprocess.Popen[bytes], outbox: queue.SimpleQueue[bytes | None]) -> None:
        assert process.stdin is not None
        while (data := outbox.get()) is not None:
            try:
                process.stdin.write(data)
                process.stdin.flush()
            except (OSError, ValueError):
                return  # the player is gone; the reader says why
        with contextlib.suppress(OSError, ValueError):
            process.stdin.close()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        assert process.stderr is not None
        said_exit = False
        for line in process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "ready":
                with self._lock:
                    self._output = str(event.get("output"))
                self._ready.set()
            elif kind == "voice":
                with self._lock:
                    self._engine = str(event.get("voice"))
            elif kind == "error":
                self._fail(str(event.get("part")), str(event.get("message")))
            elif kind == "played" and self._on_played is not None:
                with contextlib.suppress(Exception):
                    self._on_played(str(event.get("sound")))
            elif kind == "exit":
                said_exit = True
        status = _reap(process, REAP_TIMEOUT)
        stderr = process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        process.stdout.close()
        process.stderr.close()
        if not said_exit and status != 0:
            last = f": {stderr[-1]}" if stderr else ""
            self._fail(
                "output", f"the sound player stopped unexpectedly (exit status {status}){last}"
            )
        with self._lock:
            self._process = None
            if self._outbox is not None:
                self._outbox.put(None)
                self._outbox = None
            if self._state in ("on", "paused"):
                self._state = "idle"
        self._ended.set()
        self._ready.set()

    def _fail(self, part: str, message: str) -> None:
        with self._lock:
            if part == "voice":
                self._voice_error = message
            else:
                self._error = message
                self._state = "unavailable"
            first, self._reported = not self._reported, True
        if first and self._on_error is not None:
            with contextlib.suppress(Exception):
                self._on_error(self._sentence(part, message))

    def _sentence(self, part: str, message: str) -> str:
        if part == "voice":
            still = (
                "The cues still play." if self.settings.cues else "The session goes on silently."
            )
            return f"Voice unavailable: {message}. {still}"
        return f"Sound unavailable: {message}. The session goes on without sound."


def _reap(process: subprocess.Popen[bytes], timeout: float) -> int:
    """The player's exit status, killing it after ``timeout`` seconds.

    Not ``Popen.wait(timeout)``: it sleeps in steps computed from the clock,
    and under a clock moved by libfaketime (the tests' clock jumps) a step
    can come out negative and time.sleep raises EINVAL. A condition wait
    takes any timeout."""
    pause = threading.Event()
    waited = 0.0
    while (status := process.poll()) is None:
        if waited >= timeout:
            process.kill()
            return process.wait()
        pause.wait(0.02)
        waited += 0.02
    return status
