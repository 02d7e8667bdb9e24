"""The daemon's sound follows its sessions: the chime when it asks, the
player told of every start, Next, pause, resume, stop and end. The sound
itself is a recording stand-in here (tests/support/sound.py); the real
player is timed against a real PulseAudio server in
tests/integration/test_sound.py."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from zoneinfo import ZoneInfo

from support.harness import TINY_ROUTINE, Harness
from support.sound import RecordingSound

from reminder.sound.client import SoundSession

BERLIN = ZoneInfo("Europe/Berlin")
AT_1030 = '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30"]\n'


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 30, hour, minute, second, tzinfo=BERLIN)


def config(start: str) -> str:
    return f'[settings]\ntimezone = "Europe/Berlin"\nstart = "{start}"\n{AT_1030}{TINY_ROUTINE}'


def test_the_stand_in_has_the_real_players_methods() -> None:
    for name, method in inspect.getmembers(RecordingSound, inspect.isfunction):
        if name.startswith("_"):
            continue
        real = getattr(SoundSession, name)
        assert inspect.signature(method) == inspect.signature(real), name


def test_an_asked_session_chimes_then_follows_next_pause_resume_and_ends_with_the_done_cue(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config("ask"), at(10, 0))
    h.timers.advance_to(at(10, 30))
    h.press("start")
    h.timers.advance_to(at(10, 30, 2))
    h.press("next")
    h.press("pause")
    h.timers.advance_to(at(10, 31))
    h.press("resume")
    h.timers.advance_to(at(10, 40))
    (sound,) = h.sound.sessions
    assert [name for name, _ in sound.calls] == [
        "chime",
        "prepare",
        "start",
        "reschedule",
        "pause",
        "resume",
        "finish",
    ]
    assert h.daemon.control("status", {})["sound"]["state"] == "idle"
    done = [s for s in h.notifier.shown if s.message.summary.startswith("Done")]
    assert done[-1].message.suppress_sound  # reminder rings its own done cue


def test_a_skipped_ask_and_a_stopped_session_fall_silent_at_once(tmp_path: Path) -> None:
    h = Harness(tmp_path, config("ask"), at(10, 0))
    h.timers.advance_to(at(10, 30))
    h.press("skip")
    h.daemon.control("now", {"routine": "tiny"})
    h.press("stop")
    asked, walked = h.sound.sessions
    assert [name for name, _ in asked.calls] == ["chime", "prepare", "stop"]
    assert [name for name, _ in walked.calls] == ["start", "stop"]
