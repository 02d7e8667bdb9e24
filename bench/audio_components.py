"""A real PulseAudio server with a null sink, and a recorder of what it
played: for the sound tests and bench/cue_timing.py. No pytest here, so
bench/ runs with reminder installed and no test tools; the tests' fixtures
are in tests/support/audio.py."""

from __future__ import annotations

import bisect
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

from desktop_components import stop_process

RATE = 22050
"""Samples a second of the recording (the player's own rate: no resampling)."""
START_TIMEOUT = 15.0
SILENCE = 200
"""Recorded samples at or under this (of 32 767) are silence."""


def require(program: str, package: str) -> str:
    """The program's path, or an error naming the Debian package to install."""
    path = shutil.which(program)
    if path is None:
        raise RuntimeError(
            f"{program} is not installed; install the Debian package {package} "
            "(scripts/test installs it)."
        )
    return path


def _fail(message: str, pytrace: bool = False) -> None:
    raise RuntimeError(message)


class PulseServer:
    """``pulseaudio -n`` with a null sink and the native protocol, nothing else."""

    def __init__(self) -> None:
        # A short path: a unix socket's path is limited to 107 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="rpa-"))
        self.runtime_dir = self.root / "run"
        self.home = self.root / "home"
        self.runtime_dir.mkdir(mode=0o700)
        self.home.mkdir(mode=0o700)
        self.socket = self.runtime_dir / "pulse" / "native"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / "pulseaudio.log"

    @property
    def env(self) -> dict[str, str]:
        """What a client needs to find this server."""
        return {"PULSE_SERVER": f"unix:{self.socket}"}

    def start(self) -> None:
        exe = require("pulseaudio", "pulseaudio")
        env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "DBUS_SESSION_BUS_ADDRESS": "disabled:",
        }
        env.pop("PULSE_SERVER", None)
        command = [
            exe,
            "-n",  # no default.pa: only the modules below
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            "-L",
            "module-null-sink sink_name=t rate=44100",
            "-L",
            "module-native-protocol-unix auth-anonymous=1",
        ]
        if os.geteuid() == 0:
            command.append("--system=false")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = self.log.read_text(errors="replace")
                self.stop()
                _fail(f"pulseaudio did not start:\n{text}", pytrace=False)
            time.sleep(0.02)

    def kill(self) -> None:
        """Gone at once, as a crashed server is."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class Sound:
    start: float
    """Wall-clock instant of the first audible sample (seconds since the epoch)."""
    end: float
    peak: int

    @property
    def length(self) -> float:
        return self.end - self.start


WINDOW = RATE
"""Samples after a sample whose arrivals date it."""


@dataclass
class Recording:
    samples: array[int]
    arrivals: list[tuple[float, int]]
    """(wall-clock instant, samples received by then), in order."""

    def __post_init__(self) -> None:
        self._counts = [count for _, count in self.arrivals]

    @property
    def origin(self) -> float:
        return self.at(0)

    def at(self, index: int) -> float:
        """Wall-clock instant of sample ``index``."""
        first = bisect.bisect_left(self._counts, index)
        last = bisect.bisect_right(self._counts, index + WINDOW)
        near = self.arrivals[first:last] or self.arrivals[-1:]
        return min(arrived - (count - index) / RATE for arrived, count in near)

    def index(self, instant: float) -> int:
        guess = round((instant - self.at(0)) * RATE)
        for _ in range(2):  # the local clock differs from the start's by milliseconds
            guess += round((instant - self.at(max(0, guess))) * RATE)
        return max(0, min(len(self.samples), guess))

    @property
    def end(self) -> float:
        return self.at(len(self.samples))

    def peak_between(self, first: float, last: float) -> int:
        part = self.samples[self.index(first) : self.index(last)]
        return max((abs(v) for v in part), default=0)

    def sounds(self, gap: float = 0.03) -> list[Sound]:
        """Every stretch of sound, split where silence lasts ``gap`` seconds."""
        found: list[Sound] = []
        gap_samples = int(gap * RATE)
        start = last = None
        peak = 0
        for i, value in enumerate(self.samples):
            if abs(value) <= SILENCE:
                continue
            if start is not None and last is not None and i - last > gap_samples:
                found.append(Sound(self.at(start), self.at(last + 1), peak))
                start, peak = None, 0
            if start is None:
                start = i
            last = i
            peak = max(peak, abs(value))
        if start is not None and last is not None:
            found.append(Sound(self.at(start), self.at(last + 1), peak))
        return found


class Recorder:
    """``parec`` on the null sink's monitor, read block by block."""

    def __init__(self, server: PulseServer) -> None:
        exe = require("parec", "pulseaudio-utils")
        self.process = subprocess.Popen(
            [
                exe,
                "--device=t.monitor",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=5",
            ],
            env={**os.environ, **server.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._data = bytearray()
        self._arrivals: list[tuple[float, int]] = []
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if not self._first.wait(START_TIMEOUT):
            self.process.kill()
            _fail("parec recorded nothing", pytrace=False)

    def _read(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            block = os.read(fd, 65536)
            now = time.time()
            if not block:
                return
            self._data += block
            self._arrivals.append((now, len(self._data) // 2))
            self._first.set()

    def peek(self) -> array[int]:
        """What has been recorded so far."""
        samples = array("h")
        data = bytes(self._data)
        samples.frombytes(data[: len(data) // 2 * 2])
        return samples

    def stop(self) -> Recording:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._thread.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        samples = array("h")
        samples.frombytes(bytes(self._data[: len(self._data) // 2 * 2]))
        return Recording(samples, self._arrivals)
