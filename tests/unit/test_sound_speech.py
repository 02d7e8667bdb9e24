"""Speech engines and their audio. The macOS and Windows engines run against
stand-ins of `say` and PowerShell that accept only the command lines and
calls the real ones document (`man say`; .NET's System.Speech.Synthesis
SpeechSynthesizer.SetOutputToWaveFile(string, SpeechAudioFormatInfo) and
SpeechAudioFormatInfo(int, AudioBitsPerSample, AudioChannel)), and write a
WAV where the real ones would. espeak-ng itself runs in the integration tests."""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from array import array
from pathlib import Path

import pytest

from reminder.sound import speech
from reminder.sound.synth import RATE


def wav(rate: int = RATE, channels: int = 1, silence: float = 0.0, seconds: float = 0.2) -> bytes:
    """A 440 Hz tone after ``silence`` seconds of nothing."""
    frames = array("h", [0] * int(silence * rate))
    frames += array(
        "h",
        (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate))),
    )
    interleaved = array("h", (v for v in frames for _ in range(channels)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(interleaved.tobytes())
    return out.getvalue()


def test_a_wav_becomes_samples_at_the_players_rate_with_leading_silence_trimmed() -> None:
    samples = speech.wav_samples(wav(silence=0.5), volume=1.0)
    assert len(samples) == pytest.approx(0.2 * RATE + speech.LEAD_IN * RATE, abs=3)
    assert max(abs(v) for v in samples) == pytest.approx(speech.SPEECH_GAIN * 32767, abs=2)


def test_stereo_and_other_rates_are_converted() -> None:
    samples = speech.wav_samples(wav(rate=16000, channels=2), volume=1.0)
    assert len(samples) / RATE == pytest.approx(0.2, abs=0.002)


def test_the_header_espeak_ng_writes_to_a_pipe_is_read() -> None:
    # espeak-ng --stdout cannot seek back, so its sizes are placeholders.
    data = bytearray(wav())
    data[4:8] = struct.pack("<I", 0x7FFFF024)
    data[40:44] = struct.pack("<I", 0x7FFFF000)
    assert len(speech.wav_samples(bytes(data), 1.0)) == len(speech.wav_samples(wav(), 1.0))


def test_volume_scales_speech() -> None:
    loud = max(abs(v) for v in speech.wav_samples(wav(), 1.0))
    quiet = max(abs(v) for v in speech.wav_samples(wav(), 0.25))
    assert quiet == pytest.approx(loud / 4, abs=2)


def test_what_is_not_a_wav_is_an_error_not_a_crash() -> None:
    with pytest.raises(speech.SpeechError, match=r"^the speech engine's output is not a WAV file$"):
        speech.wav_samples(b"espeak-ng: no such voice\n", 1.0)


def test_without_an_engine_the_error_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(speech.SpeechError, match=r"^no speech engine was found; install espeak-ng"):
        speech.find_engine("linux", path=str(tmp_path))


def fake(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


WRITE_WAV = f"""
import io, json, math, sys, wave
from array import array
def write_wav(path, text):
    # The length of the audio tells the test which text it was.
    frames = array("h", (int(8000 * math.sin(i / 5)) for i in range(100 * len(text))))
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate({RATE})
        w.writeframes(frames.tobytes())
"""

FAKE_SAY = (
    WRITE_WAV
    + """
# `man say`: say [-v voice] [-o outfile [--file-format=format] [--data-format=format]] [string ...]
args = sys.argv[1:]
out = None
formats = {}
while args and args[0].startswith("-"):
    arg = args.pop(0)
    if arg == "--":
        break
    if arg == "-o":
        out = args.pop(0)
    elif arg.startswith("--file-format="):
        formats["file"] = arg.split("=", 1)[1]
    elif arg.startswith("--data-format="):
        formats["data"] = arg.split("=", 1)[1]
    else:
        sys.exit(f"say: unknown option {arg}")
if out is None or formats != {"file": "WAVE", "data": "LEI16@22050"} or not args:
    sys.exit(f"say: not the documented form: {sys.argv[1:]}")
write_wav(out, " ".join(args))
"""
)

FAKE_POWERSHELL = (
    WRITE_WAV
    + r"""
import re
args = sys.argv[1:]
if args[:3] != ["-NoProfile", "-NonInteractive", "-Command"] or len(args) != 4:
    sys.exit(f"powershell: unexpected arguments {args}")
script = args[3]
documented = [
    r"Add-Type -AssemblyName System\.Speech",
    r"New-Object System\.Speech\.Synthesis\.SpeechSynthesizer",
    # SpeechAudioFormatInfo(int samplesPerSecond, AudioBitsPerSample, AudioChannel)
    r"New-Object System\.Speech\.AudioFormat\.SpeechAudioFormatInfo\(22050, "
    r"\[System\.Speech\.AudioFormat\.AudioBitsPerSample\]::Sixteen, "
    r"\[System\.Speech\.AudioFormat\.AudioChannel\]::Mono\)",
    # SetOutputToWaveFile(string path, SpeechAudioFormatInfo formatInfo), then Speak(string)
    r"\$voice\.SetOutputToWaveFile\(\$job\.path, \$format\)\s+\$voice\.Speak\(\$job\.text\)",
    r"ConvertFrom-Json",
]
for pattern in documented:
    if not re.search(pattern, script):
        sys.exit(f"powershell: the script lacks {pattern}")
for job in json.loads(sys.stdin.read()):
    write_wav(job["path"], job["text"])
"""
)


def test_macos_say_renders_each_phrase_to_a_wav(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    fake(folder, "say", FAKE_SAY)
    engine = speech.find_engine("darwin", path=str(folder))
    assert engine.name == "say (macOS system voice)"
    texts = ["Switch to the right side.", "Done. Well done.", "-starts with a dash"]
    rendered = [speech.wav_samples(data, 1.0) for data in engine.render(texts)]
    assert [len(samples) // 100 for samples in rendered] == [len(t) for t in texts]


def test_macos_without_say_says_so(tmp_path: Path) -> None:
    with pytest.raises(speech.SpeechError, match="say"):
        speech.find_engine("darwin", path=str(tmp_path))


def test_windows_sapi_renders_a_whole_batch_in_one_powershell(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    fake(folder, "powershell.exe", FAKE_POWERSHELL)
    engine = speech.find_engine("win32", path=str(folder))
    assert engine.name == "Windows SAPI (System.Speech)"
    texts = ["Ball release, left side. Hold ninety seconds.", 'Say "hi"; {braces}']
    rendered = [speech.wav_samples(data, 1.0) for data in engine.render(texts)]
    assert [len(samples) // 100 for samples in rendered] == [len(t) for t in texts]


def test_a_failing_engine_is_a_speech_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    fake(folder, "powershell.exe", "import sys\nsys.exit('Add-Type : Cannot find System.Speech')")
    engine = speech.find_engine("win32", path=str(folder))
    with pytest.raises(speech.SpeechError, match=r"Windows SAPI failed .*System\.Speech"):
        engine.render(["Hello."])


def test_the_sapi_script_is_sent_as_written(tmp_path: Path) -> None:
    """The stand-in checks the script's calls; this checks it runs them all."""
    folder = tmp_path / "bin"
    log = tmp_path / "script.txt"
    fake(
        folder,
        "pwsh",
        FAKE_POWERSHELL.replace(
            "script = args[3]", f"script = args[3]\nopen({str(log)!r}, 'w').write(script)"
        ),
    )
    speech.find_engine("win32", path=str(folder)).render(["One."])
    assert log.read_text() == speech.SAPI_SCRIPT
