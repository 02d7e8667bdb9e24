"""The terminal walkthrough's sound: the same cues and voice as the daemon's
sessions, through the same player process (``reminder.sound.client``).

``TerminalSound`` follows the walk's changes (``drive``'s ``on_change``):
the start, Next, a pause and its resume, a step retimed after the computer
lost time; at the end the done cue rings out before the command returns, and
a stop is silence at once. A sound problem is said once (``report``) and the
walk goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final, Literal

from reminder.daemon.session import Session
from reminder.sound.client import SoundSession, SoundSettings

Change = Literal["start", "next", "pause", "resume", "retime"]
RING_OUT: Final = 6.0
"""Seconds the done cue and the last phrase may take after the last step."""
WARM_UP: Final = 1.0
"""Seconds the walk waits for the player to reach the sound server, so the
first step's cue is on time rather than late by the player's start-up."""


class TerminalSound:
    def __init__(
        self,
        settings: SoundSettings,
        report: Callable[[str], None],
        *,
        sound: SoundSession | None = None,
    ) -> None:
        self.sound = sound if sound is not None else SoundSession(settings, on_error=report)

    def warm_up(self) -> None:
        """Start the player and give it a moment to be ready."""
        self.sound.prepare()
        self.sound.wait_ready(WARM_UP)

    def __call__(self, change: Change, session: Session, now: dt.datetime) -> None:
        plan, anchor, index = session.plan, session.anchor, session.index
        if change == "start":
            self.sound.start(plan, anchor, now=now, index=index)
        elif change == "pause":
            self.sound.pause()
        elif change == "resume":
            self.sound.reschedule(plan, anchor, index=index, now=now, announce=False)
        else:  # next, retime: this step starts now
            self.sound.reschedule(plan, anchor, index=index, now=now)

    def end(self, completed: bool) -> None:
        """Completed: let the done cue and phrase ring out. Stopped: silence now."""
        if completed:
            self.sound.finish()
            if self.sound.wait(RING_OUT):
                return
        self.sound.stop()
        self.sound.wait(2.0)
