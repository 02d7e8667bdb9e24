"""The installed ``reminder run`` as a real process, and its JSON event log.

Registered as a pytest plugin by tests/conftest.py: the ``launch`` fixture
starts daemons and cleans up after them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from support.desktop import MockServer, NotifyCall

Event = dict[str, Any]
FAKETIME_CACHE_SECONDS = 1

WELCOME = "reminder is running"
"""The summary of the one-off welcome notification (not part of any session)."""


class DaemonProcess:
    """``reminder run --log-format json``; its events, waited on as they come."""

    def __init__(
        self,
        exe: Path,
        config: Path | None,
        env: Mapping[str, str],
        *,
        faketime: str | None = None,
        clock_file: Path | None = None,
        log_format: str = "json",
    ) -> None:
        """``faketime`` ("YYYY-MM-DD HH:MM:SS" in the env's TZ) starts the
        daemon's wall clock there. With ``clock_file`` too, that clock is kept
        in the file as an offset from the real clock, so ``jump()`` can set it
        forward or back while the daemon runs. ``log_format="text"``: the log
        a person reads (its lines are in ``stderr_lines``; no events)."""
        self.command = [str(exe), "run", "--log-format", log_format]
        if config is not None:
            self.command += ["--config", str(config)]
        self.env = dict(env)
        self.faketime = faketime
        self.clock_file = clock_file
        self.offset = 0.0
        """Seconds the daemon's wall clock is ahead of the real one (with clock_file)."""
        if clock_file is not None and faketime is None:
            raise ValueError("clock_file needs faketime: the time the daemon starts at")
        if faketime is not None:
            # libfaketime preloaded into the daemon itself (the faketime wrapper
            # would stand between the test and the daemon's signals). The wall
            # clock starts at `faketime` and runs; the monotonic clock (and
            # CLOCK_BOOTTIME, which the daemon compares the wall clock with to
            # see it jump) stays real, or Python's timed waits never end.
            library = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
            if library is None:
                pytest.fail("libfaketime is not installed (Debian package faketime)", pytrace=False)
            self.env["LD_PRELOAD"] = str(library)
            self.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
            if clock_file is None:
                self.env["FAKETIME"] = f"@{faketime}"
            else:
                # An offset ("+N" seconds, fractions allowed): rewriting the
                # file moves the clock and it keeps running. FAKETIME would
                # win over the file, so it must not be set.
                self.env.pop("FAKETIME", None)
                self.env["FAKETIME_TIMESTAMP_FILE"] = str(clock_file)
                # Re-read at most once a second. With FAKETIME_NO_CACHE (every
                # call), a thread reading the clock while another re-parses a
                # changed file saw the real clock, days away: 226 of 100,000
                # reads over 140 changes here with four threads; none of 3.3
                # million with this. A jump takes effect within a second.
                self.env["FAKETIME_CACHE_DURATION"] = str(FAKETIME_CACHE_SECONDS)
        self.events: list[Event] = []
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[str] | None = None

    def _write_offset(self, offset: float) -> None:
        assert self.clock_file is not None
        self.offset = offset
        # Written whole and renamed into place: the daemon never reads half a line.
        partial = self.clock_file.with_name(self.clock_file.name + ".new")
        partial.write_text(f"{offset:+.6f}\n", encoding="utf-8")
        partial.replace(self.clock_file)

    def jump(self, seconds: float) -> None:
        """Set the daemon's wall clock ``seconds`` forward (negative: back),
        within a second (libfaketime's cache).

        Under libfaketime the kernel never hears of it (no
        TFD_TIMER_CANCEL_ON_SET): the daemon notices the jump the next time it
        wakes, by comparing the wall clock with CLOCK_BOOTTIME.
        """
        if self.clock_file is None:
            raise ValueError("jump() needs a DaemonProcess started with a clock_file")
        self._write_offset(self.offset + seconds)
        # Nothing tells when libfaketime has read the file again; past its
        # one-second cache it has, and the jump is a fact for what follows.
        time.sleep(FAKETIME_CACHE_SECONDS + 0.2)

    def start(self) -> DaemonProcess:
        if self.clock_file is not None and self.faketime is not None:
            moment = dt.datetime.fromisoformat(self.faketime)
            zone = self.env.get("TZ")
            start = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone)) if zone else moment.astimezone()
            self._write_offset(start.timestamp() - time.time())
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        assert self.process.stderr is not None
        assert self.process.stdout is not None
        threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True).start()
        threading.Thread(target=self._read_stdout, args=(self.process.stdout,), daemon=True).start()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _read_stderr(self, stream: Any) -> None:
        for line in stream:
            with self._changed:
                self.stderr_lines.append(line.rstrip("\n"))
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    event = {"event": "(not json)", "line": line}
                self.events.append(event)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _read_stdout(self, stream: Any) -> None:
        for line in stream:
            with self._changed:
                self.stdout_lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def named(self, name: str) -> list[Event]:
        with self._changed:
            return [e for e in self.events if e.get("event") == name]

    def wait_for(
        self, name: str, timeout: float = 20, where: Callable[[Event], bool] = lambda _e: True
    ) -> Event:
        """The first event called ``name`` that matches ``where``, waiting up to ``timeout`` s."""

        def found() -> Event | None:
            for event in self.events:
                if event.get("event") == name and where(event):
                    return event
            return None

        with self._changed:
            self._changed.wait_for(
                lambda: (
                    found() is not None
                    or (self.process is not None and self.process.poll() is not None)
                ),
                timeout,
            )
            event = found()
        if event is None:
            pytest.fail(
                f"no {name!r} event within {timeout:g} s; the daemon logged:\n"
                + "\n".join(self.stderr_lines[-40:]),
                pytrace=False,
            )
        return event

    def wait_for_stdout(self, text: str, timeout: float = 20) -> str:
        def found() -> str | None:
            return next((line for line in self.stdout_lines if text in line), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None, timeout)
            line = found()
        if line is None:
            pytest.fail(
                f"{text!r} never appeared on stdout within {timeout:g} s; stdout:\n"
                + "\n".join(self.stdout_lines[-40:]),
                pytrace=False,
            )
        return line

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, and the exit status once it has gone."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(
                f"the daemon did not stop within {timeout:g} s of SIGTERM; it logged:\n"
                + "\n".join(self.stderr_lines[-20:]),
                pytrace=False,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def assert_no_traceback(self) -> None:
        text = "\n".join(self.stderr_lines + self.stdout_lines)
        assert "Traceback" not in text, text


Launch = Callable[..., DaemonProcess]
"""``launch(config, *, faketime=None, clock_file=None, log_format="json", **env)``: a
started DaemonProcess."""


@pytest.fixture
def launch(reminder_exe: Path, subprocess_env: dict[str, str]) -> Iterator[Launch]:
    """Starts daemons (``env`` adds to the isolated environment); every one
    still alive at the end is killed, pass or fail, and none may have logged
    a traceback."""
    started: list[DaemonProcess] = []

    def launch(
        config: Path | None,
        *,
        faketime: str | None = None,
        clock_file: Path | None = None,
        log_format: str = "json",
        **env: str,
    ) -> DaemonProcess:
        process = DaemonProcess(
            reminder_exe,
            config,
            daemon_env(subprocess_env, **env),
            faketime=faketime,
            clock_file=clock_file,
            log_format=log_format,
        )
        started.append(process.start())
        return process

    yield launch
    for process in started:
        process.kill()
    for process in started:
        process.assert_no_traceback()


def session_calls(server: MockServer) -> list[NotifyCall]:
    """What the notification server was asked to show, less the welcome."""
    return [c for c in server.notify_calls() if c.summary != WELCOME]


def reminder_json(
    run_reminder: Callable[..., subprocess.CompletedProcess[str]], config: Path, *args: str
) -> Any:
    """``reminder ARGS --json --config CONFIG`` run as the user would: its
    parsed output (it must succeed, without a traceback)."""
    result = run_reminder(*args, "--json", "--config", str(config))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def daemon_env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k != "REMINDER_CONFIG"}
    env.update(extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
