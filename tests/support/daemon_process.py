"""The installed ``reminder run`` as a real process, and its JSON event log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

Event = dict[str, Any]


class DaemonProcess:
    """``reminder run --log-format json``; its events, waited on as they come."""

    def __init__(
        self,
        exe: Path,
        config: Path | None,
        env: Mapping[str, str],
        *,
        faketime: str | None = None,
    ) -> None:
        self.command = [str(exe), "run", "--log-format", "json"]
        if config is not None:
            self.command += ["--config", str(config)]
        self.env = dict(env)
        if faketime is not None:
            # libfaketime preloaded into the daemon itself (the faketime wrapper
            # would stand between the test and the daemon's signals). The wall
            # clock starts at `faketime` and runs; the monotonic clock stays
            # real, or Python's timed waits never end under libfaketime.
            library = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
            if library is None:
                pytest.fail("libfaketime is not installed (Debian package faketime)", pytrace=False)
            self.env["LD_PRELOAD"] = str(library)
            self.env["FAKETIME"] = f"@{faketime}"
            self.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        self.events: list[Event] = []
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> DaemonProcess:
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
