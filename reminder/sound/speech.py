"""Speech, rendered to samples ahead of time, so a phrase starts on its instant.

One engine per system, each a program that writes a WAV file or stream:

- Linux: espeak-ng (or the older espeak), ``--stdout``. speech-dispatcher is
  not used: it speaks live and cannot hand back audio, so its phrases could
  not be timed, paused or stopped with the cues.
- macOS: ``say -o FILE --file-format=WAVE --data-format=LEI16@22050``.
- Windows: SAPI through PowerShell's System.Speech
  (``SpeechSynthesizer.SetOutputToWaveFile``), one PowerShell for a whole
  batch of phrases, since starting it takes a few hundred milliseconds.

Every engine's audio comes back as 16-bit mono samples at ``synth.RATE``,
trimmed of leading silence and scaled to the volume.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol

from reminder.sound.synth import RATE

RENDER_TIMEOUT: Final = 30.0
"""Seconds one engine call may take before it counts as broken."""
SPEECH_GAIN: Final = 0.9
"""Peak level of speech at volume 1.0: a shade under the cues' loudest."""
ONSET_LEVEL: Final = 300
"""Samples quieter than this at a phrase's start are silence, trimmed away."""
LEAD_IN: Final = 0.004
"""Seconds kept before the first audible sample, so the voice does not click on."""


class SpeechError(Exception):
    """No engine, or the engine failed; the message (a clause, no full stop)
    says which and what to do."""


class Engine(Protocol):
    name: str
    """What a person reads in ``reminder sound test``, e.g. ``espeak-ng 1.51``."""

    def render(self, texts: Sequence[str]) -> list[bytes]:
        """A WAV file's bytes for each text, in order; raises SpeechError."""
        ...


def _run(command: Sequence[str], *, what: str, stdin: str | None = None) -> bytes:
    try:
        done = subprocess.run(
            list(command),
            input=stdin.encode("utf-8") if stdin is not None else None,
            capture_output=True,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except OSError as error:
        raise SpeechError(f"{what} could not run ({error.strerror or error})") from None
    except subprocess.TimeoutExpired:
        raise SpeechError(f"{what} took over {RENDER_TIMEOUT:.0f} s and was stopped") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = f": {detail[-1]}" if detail else ""
        raise SpeechError(f"{what} failed (exit status {done.returncode}){reason}")
    return done.stdout


class Espeak:
    """espeak-ng, or espeak: WAV on stdout, one call a phrase (tens of milliseconds)."""

    def __init__(self, program: str) -> None:
        self.program = program
        version = ""
        try:
            out = subprocess.run(
                [program, "--version"], capture_output=True, timeout=5, check=False, text=True
            ).stdout
            # "eSpeak NG text-to-speech: 1.51  Data at: ..."
            version = out.split(":", 1)[1].split()[0] if ":" in out else ""
        except (OSError, subprocess.TimeoutExpired, IndexError):
            pass
        self.name = f"{Path(program).name} {version}".strip()

    def render(self, texts: Sequence[str]) -> list[bytes]:
        return [
            _run([self.program, "-v", "en", "-s", "165", "--stdout", text], what=self.name)
            for text in texts
        ]


class MacSay:
    """macOS ``say``: the system voice, written to a WAV file (see ``man say``)."""

    name = "say (macOS system voice)"

    def __init__(self, program: str) -> None:
        self.program = program

    def render(self, texts: Sequence[str]) -> list[bytes]:
        results = []
        with tempfile.TemporaryDirectory(prefix="reminder-say-") as folder:
            for number, text in enumerate(texts):
                path = Path(folder, f"{number}.wav")
                _run(
                    [
                        self.program,
                        "-o",
                        str(path),
                        "--file-format=WAVE",
                        f"--data-format=LEI16@{RATE}",
                        "--",
                        text,
                    ],
                    what="say",
                )
                results.append(_read_file(path, "say"))
        return results


SAPI_SCRIPT: Final = f"""\
$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.Speech
$voice = New-Object System.Speech.Synthesis.SpeechSynthesizer
$format = New-Object System.Speech.AudioFormat.SpeechAudioFormatInfo({RATE}, [System.Speech.AudioFormat.AudioBitsPerSample]::Sixteen, [System.Speech.AudioFormat.AudioChannel]::Mono)
$jobs = [Console]::In.ReadToEnd() | ConvertFrom-Json
foreach ($job in $jobs) {{
    $voice.SetOutputToWaveFile($job.path, $format)
    $voice.Speak($job.text)
}}
$voice.SetOutputToNull()
$voice.Dispose()
"""
"""Renders every phrase of a batch (JSON ``[{"path", "text"}]`` on stdin) to
WAV files with SAPI, through .NET's System.Speech.Synthesis.SpeechSynthesizer."""


class WindowsSapi:
    """Windows SAPI through PowerShell's System.Speech, a batch per call."""

    name = "Windows SAPI (System.Speech)"

    def __init__(self, program: str) -> None:
        self.program = program

    def render(self, texts: Sequence[str]) -> list[bytes]:
        with tempfile.TemporaryDirectory(prefix="reminder-sapi-") as folder:
            paths = [Path(folder, f"{number}.wav") for number in range(len(texts))]
            jobs = [{"path": str(p), "text": t} for p, t in zip(paths, texts, strict=True)]
            _run(
                [self.program, "-NoProfile", "-NonInteractive", "-Command", SAPI_SCRIPT],
                what="Windows SAPI",
                stdin=json.dumps(jobs),
            )
            return [_read_file(path, "Windows SAPI") for path in paths]


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise SpeechError(f"{what} wrote no audio for a phrase") from None


def find_engine(platform: str = sys.platform, path: str | None = None) -> Engine:
    """The speech engine of this system; SpeechError says what to install."""
    search = path if path is not None else os.environ.get("PATH", os.defpath)
    if platform == "darwin":
        if say := shutil.which("say", path=search):
            return MacSay(say)
        raise SpeechError("macOS `say` was not found")
    if platform == "win32":
        for name in ("powershell.exe", "powershell", "pwsh.exe", "pwsh"):
            if found := shutil.which(name, path=search):
                return WindowsSapi(found)
        raise SpeechError("PowerShell was not found, so Windows SAPI cannot speak")
    for name in ("espeak-ng", "espeak"):
        if found := shutil.which(name, path=search):
            return Espeak(found)
    raise SpeechError(
        "no speech engine was found; install espeak-ng (for example `sudo apt install espeak-ng`)"
    )


# -- WAV to samples --------------------------------------------------------------------


def wav_samples(data: bytes, volume: float) -> array[int]:
    """A WAV file's audio as 16-bit mono samples at ``RATE``, leading silence
    trimmed, peak scaled to ``volume``. Also reads the header espeak-ng writes
    to a pipe, whose sizes are placeholders."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechError("the speech engine's output is not a WAV file")
    position, channels, rate, bits, pcm = 12, 1, RATE, 16, b""
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        body = position + 8
        if chunk == b"fmt ":
            fmt, channels, rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if fmt not in (1, 0xFFFE) or bits != 16:
                raise SpeechError("the speech engine's WAV is not 16-bit PCM")
        elif chunk == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF) or body + size > len(data) else body + size
            pcm = data[body:end]
            break
        position = body + size + (size & 1)
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = array("h", samples[::channels])
    if rate != RATE and samples:
        samples = _resample(samples, rate)
    return _shape(samples, volume)


def _resample(samples: array[int], rate: int) -> array[int]:
    """Linear interpolation: plenty for speech, and only a fallback."""
    count = int(len(samples) * RATE / rate)
    ratio = rate / RATE
    out = array("h", bytes(2 * count))
    last = len(samples) - 1
    for i in range(count):
        x = i * ratio
        j = int(x)
        frac = x - j
        nxt = samples[min(j + 1, last)]
        out[i] = int(samples[j] + (nxt - samples[j]) * frac)
    return out


def _shape(samples: array[int], volume: float) -> array[int]:
    start = next((i for i, v in enumerate(samples) if abs(v) >= ONSET_LEVEL), len(samples))
    start = max(0, start - int(LEAD_IN * RATE))
    trimmed = samples[start:]
    peak = max((abs(v) for v in trimmed), default=0)
    if not peak:
        return array("h")
    scale = SPEECH_GAIN * 32767 * max(0.0, min(1.0, volume)) / peak
    return array("h", (int(v * scale) for v in trimmed))
