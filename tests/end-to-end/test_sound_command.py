"""`reminder sound test`, the installed command, against a real PulseAudio
server: what it says, and what the sink heard."""

from __future__ import annotations

import itertools
from pathlib import Path

from conftest import RunReminder
from support.audio import PulseServer, Recorder
from support.desktop import require

CUES = (
    "ready",
    "go",
    "switch",
    "rest",
    "next",
    "done",
    "chime",
    "tick",
    "tick",
    "tick",
    "rep",
    "rep",
)
SPACING = (1.2, 1.2, 1.2, 1.4, 1.4, 1.9, 2.0, 1.0, 1.0, 1.2, 1.0)
"""Seconds between one cue and the next, as the command's timeline sets them."""


def test_it_plays_every_cue_speaks_and_says_through_what(
    run_reminder: RunReminder, pulse_server: PulseServer, recorder: Recorder
) -> None:
    require("espeak-ng", "espeak-ng")
    done = run_reminder("sound", "test", env=pulse_server.env)
    recording = recorder.stop()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        f"Playing through PulseAudio protocol at unix:{pulse_server.socket} (libpulse "
    )
    assert [line.split()[0] for line in lines[1:13]] == list(CUES)
    assert lines[13].startswith("  the voice (espeak-ng ")
    assert lines[13].endswith('): "Ball release, left side. Hold ninety seconds."')
    assert lines[14:] == [
        "Sound works.",
        "Your [sound] settings: cues on, voice off, volume 0.8, rep ticks off.",
    ]
    sounds = recording.sounds()
    starts = [s.start for s in sounds[: len(CUES)]]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(abs(gap - want) < 0.03 for gap, want in zip(gaps, SPACING, strict=True)), gaps
    spoken = recording.sounds(gap=0.8)[-1]
    assert spoken.start > starts[-1] + 1.0
    assert spoken.length > 1.5  # a sentence, not a cue


def test_with_no_sound_server_it_says_why_and_what_to_do(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    done = run_reminder("sound", "test", env={"PULSE_SERVER": f"unix:{tmp_path}/no-server"})
    assert done.returncode == 1
    assert done.stdout == ""
    first, second = done.stderr.splitlines()
    assert first.startswith(f"No sound. No sound server answered at unix:{tmp_path}/no-server (")
    assert second == (
        "Start PulseAudio or PipeWire (or check PULSE_SERVER), then try again; "
        'see "I hear nothing" in docs/troubleshooting.md.'
    )


def test_without_a_speech_engine_the_cues_still_pass_when_the_voice_is_off(
    run_reminder: RunReminder, pulse_server: PulseServer, tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    done = run_reminder("sound", "test", env={**pulse_server.env, "PATH": str(empty)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-3:] == [
        "No voice: no speech engine was found; install espeak-ng (for example "
        "`sudo apt install espeak-ng`).",
        "The cues work; the voice is only needed with voice = true.",
        "Your [sound] settings: cues on, voice off, volume 0.8, rep ticks off.",
    ]
