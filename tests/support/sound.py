"""A stand-in for ``reminder.sound.client.SoundSession`` in the hand-cranked
daemon: it plays nothing and records what the daemon asked of it, so tests
can check that each session change reaches the sound. The real player is
tested against a real PulseAudio server in tests/integration/test_sound.py;
this fake's methods are checked against the real class's signatures
(tests/unit/test_daemon_sound.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from reminder.routines.plan import Plan
from reminder.sound.client import SoundSession, SoundSettings
from reminder.sound.status import idle_status


class RecordingSound:
    """What one ask or session asked of its sound, in order."""

    def __init__(self, settings: SoundSettings, on_error: Callable[[str], None]) -> None:
        self.settings = settings
        self.on_error = on_error
        self.calls: list[tuple[str, Any]] = []

    def prepare(self) -> None:
        self.calls.append(("prepare", None))

    def chime(self) -> None:
        self.calls.append(("chime", None))

    def start(self, plan: Plan, anchor: dt.datetime, *, now: dt.datetime, index: int = 0) -> None:
        self.calls.append(("start", index))

    def reschedule(
        self,
        plan: Plan,
        anchor: dt.datetime,
        *,
        index: int,
        now: dt.datetime,
        announce: bool = True,
    ) -> None:
        self.calls.append(("reschedule" if announce else "resume", index))

    def pause(self) -> None:
        self.calls.append(("pause", None))

    def finish(self) -> None:
        self.calls.append(("finish", None))

    def stop(self) -> None:
        self.calls.append(("stop", None))

    def status(self) -> dict[str, Any]:
        return idle_status(self.settings)


class SoundRecorder:
    """The factory the daemon takes (``sound_factory``): every session's sound."""

    def __init__(self) -> None:
        self.sessions: list[RecordingSound] = []

    def __call__(self, settings: SoundSettings, on_error: Callable[[str], None]) -> SoundSession:
        sound = RecordingSound(settings, on_error)
        self.sessions.append(sound)
        return sound  # type: ignore[return-value]  # the same methods; checked by signature
