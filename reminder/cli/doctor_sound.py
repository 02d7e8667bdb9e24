"""``reminder doctor``'s sound check: what plays the cues and speaks the
steps, proved by a short test tone (the player of ``reminder.sound``, as a
session uses it). Kept apart so the other checks never load sound code."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reminder.cli.doctor import Check

if TYPE_CHECKING:
    from reminder.cli.doctor import Context

PATIENCE = 5.0
"""Seconds to wait for the player to reach the sound server."""
FIX = (
    "Start PulseAudio or PipeWire (or check PULSE_SERVER); `reminder sound test` plays every "
    'cue, and docs/troubleshooting.md has "I hear nothing".'
)


def check_sound(ctx: Context) -> Iterable[Check]:
    from reminder.config.load import SoundSettings
    from reminder.sound.client import SoundSession
    from reminder.sound.schedule import Event

    mine = ctx.config.settings.sound if ctx.config is not None else SoundSettings()
    if not mine.cues and not mine.voice:
        yield Check("sound", "skip", "sound is off in [sound] (cues = false, voice = false)")
        return
    # A short tone (the "go" cue) and, with voice = true, the engine found.
    session = SoundSession(SoundSettings(cues=True, voice=mine.voice, volume=mine.volume))
    session.prepare()
    deadline = time.monotonic() + PATIENCE
    while session.status()["output"] is None and not session.wait(0.05):
        if time.monotonic() > deadline:
            break
    status = session.status()
    if status["output"] is not None and ctx.send_test:
        now = dt.datetime.now(dt.timezone.utc)
        session.play([Event(now + dt.timedelta(seconds=0.1), cue="go")])
        session.finish()
        session.wait(PATIENCE)
    session.stop()
    session.wait(PATIENCE)
    status = session.status()
    details = {k: status[k] for k in ("output", "engine", "error")}
    if status["output"] is None:
        # Sessions are still shown and timed without sound: worth a look, no failure.
        yield Check(
            "sound",
            "warn",
            f"no sound: {status['error'] or 'the sound player did not start'}; sessions go on "
            "with notifications alone",
            FIX,
            details,
        )
        return
    played = "played a test tone" if ctx.send_test else "reached"
    if mine.voice and status["engine"] is None:
        yield Check(
            "sound",
            "warn",
            f"{played} through {status['output']}, but no speech engine: {status['error']}",
            "Install espeak-ng (Linux) to hear the steps spoken, or set voice = false.",
            details,
        )
        return
    voice = f"; voice: {status['engine']}" if mine.voice else ""
    yield Check("sound", "ok", f"{played} through {status['output']}{voice}", "", details)
