"""The daemon's sound follows its sessions: which client call each change
makes, and what status says between sessions. The client is a recording
stand-in here; tests/integration/test_sound.py plays the real thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from reminder.config.load import SoundSettings
from reminder.daemon.session import Session
from reminder.daemon.session_sound import SessionSound
from reminder.routines.model import Exercise, Routine
from reminder.routines.plan import Plan, build_plan
from reminder.sound.client import SoundSession
from reminder.sound.client import SoundSettings as Choices

NOW = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.timezone.utc)


class Recorded(SoundSession):
    def __init__(self, settings: Choices, on_error: Callable[[str], None]) -> None:
        super().__init__(settings, on_error=on_error)
        self.calls: list[tuple[Any, ...]] = []
        self.error: str | None = None

    def chime(self) -> None:
        self.calls.append(("chime",))

    def prepare(self) -> None:
        self.calls.append(("prepare",))

    def start(self, plan: Plan, anchor: dt.datetime, *, now: dt.datetime, index: int = 0) -> None:
        self.calls.append(("start", anchor, index))

    def reschedule(
        self,
        plan: Plan,
        anchor: dt.datetime,
        *,
        index: int,
        now: dt.datetime,
        announce: bool = True,
    ) -> None:
        self.calls.append(("reschedule", anchor, index, announce))

    def pause(self) -> None:
        self.calls.append(("pause",))

    def finish(self) -> None:
        self.calls.append(("finish",))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def status(self) -> dict[str, Any]:
        return {"state": "unavailable" if self.error else "on", "error": self.error}


class Factory:
    def __init__(self) -> None:
        self.made: list[Recorded] = []

    def __call__(self, settings: Choices, on_error: Callable[[str], None]) -> SoundSession:
        self.made.append(Recorded(settings, on_error))
        return self.made[-1]


def session() -> Session:
    hold = Exercise("Hold", None, 30, None, 1, 3, 0, "both", 5, 10)
    routine = Routine(
        "r",
        "R",
        None,
        None,
        (),
        dict.fromkeys(("release", "stretch", "strengthen"), (hold,)),
        "config",
    )
    return Session(id="r-1", routine=routine, plan=build_plan(routine), anchor=NOW)


def test_an_asked_session_chimes_then_plays_and_follows_every_change() -> None:
    factory = Factory()
    sound = SessionSound(SoundSettings(), lambda message: None, factory=factory)
    s = session()
    sound.asking()
    sound.started(s, NOW)
    s.skip_step(NOW + dt.timedelta(seconds=4))  # Next in the get-ready step
    sound.moved(s, NOW + dt.timedelta(seconds=4))
    s.pause(NOW + dt.timedelta(seconds=10))
    sound.paused()
    s.resume(NOW + dt.timedelta(seconds=20))
    sound.resumed(s, NOW + dt.timedelta(seconds=20))
    sound.ended(completed=True)
    (made,) = factory.made  # one client for the ask and the session it started
    assert made.calls == [
        ("chime",),
        ("prepare",),
        ("start", NOW, 0),
        ("reschedule", NOW - dt.timedelta(seconds=6), 1, True),
        ("pause",),
        ("reschedule", NOW + dt.timedelta(seconds=4), 1, False),
        ("finish",),
    ]


def test_a_skipped_ask_is_silenced_and_the_next_session_gets_a_new_client() -> None:
    factory = Factory()
    sound = SessionSound(SoundSettings(), lambda message: None, factory=factory)
    sound.asking()
    sound.not_started()
    sound.started(session(), NOW)
    sound.ended(completed=False)
    first, second = factory.made
    assert first.calls == [("chime",), ("prepare",), ("stop",)]
    assert second.calls == [("start", NOW, 0), ("stop",)]


def test_nothing_is_sent_between_sessions() -> None:
    factory = Factory()
    sound = SessionSound(SoundSettings(), lambda message: None, factory=factory)
    s = session()
    sound.paused()
    sound.moved(s, NOW)
    sound.resumed(s, NOW)
    sound.ended(completed=True)
    assert factory.made == []


def test_a_clock_set_while_paused_waits_for_the_resume() -> None:
    factory = Factory()
    sound = SessionSound(SoundSettings(), lambda message: None, factory=factory)
    s = session()
    sound.started(s, NOW)
    s.pause(NOW)
    sound.paused()
    s.shift(dt.timedelta(hours=1))
    sound.resumed(s, NOW + dt.timedelta(hours=1))
    assert factory.made[0].calls == [("start", NOW, 0), ("pause",)]


def test_status_between_sessions_keeps_the_last_problem() -> None:
    factory = Factory()
    sound = SessionSound(SoundSettings(voice=True), lambda message: None, factory=factory)
    assert sound.status() == {
        "state": "idle",
        "cues": True,
        "voice": True,
        "output": None,
        "engine": None,
        "error": None,
    }
    sound.started(session(), NOW)
    factory.made[0].error = "no sound server answered at unix:/run/user/1000/pulse/native"
    assert sound.status()["state"] == "unavailable"
    sound.ended(completed=False)
    after = sound.status()
    assert after["state"] == "idle"
    assert after["error"] == "no sound server answered at unix:/run/user/1000/pulse/native"


def test_off_when_neither_cues_nor_voice_and_notifications_keep_their_own_sound() -> None:
    sound = SessionSound(SoundSettings(cues=False, voice=False), lambda message: None)
    assert sound.status()["state"] == "off"
    assert not sound.own_sound
    assert not sound.own_chime
    voice_only = SessionSound(SoundSettings(cues=False, voice=True), lambda message: None)
    assert voice_only.own_sound
    assert not voice_only.own_chime
