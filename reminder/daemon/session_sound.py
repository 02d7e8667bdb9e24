"""The daemon's sound: one ``SoundSession`` per ask or session, following it.

The session runner calls one method at each change it makes; each returns
at once and never raises. Between sessions nothing is kept but the last
session's status (so ``status`` can say why sound was unavailable): the
player process is gone, and ``reminder.sound.client`` is the only sound
module loaded in the daemon.

Call sites (``Daemon`` in daemon/core.py, to be wired by the session runner)::

    _ask                      sound.asking()
    (optional) ~2 s before an
      auto-start session      sound.warm_up()
    _answer skip/snooze,
      _ask_timed_out          sound.not_started()
    _start_session            sound.started(session, now)
    on_action "next"          sound.moved(session, now)         after skip_step
    _step_ended, retimed      sound.moved(session, now)         after retime
    on_action "pause", _pause sound.paused()
    on_action "resume",
      _resume                 sound.resumed(session, now)       after session.resume
    _notice_clock_set         sound.resumed(session, now)       after session.shift
    _end_session              sound.ended(completed=outcome == "completed")
    shutdown                  sound.ended(completed=False)
    status()                  "sound": sound.status()
    reload()                  sound.configure(config.settings.sound)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reminder.sound.status import idle_status

if TYPE_CHECKING:
    from reminder.daemon.session import Session
    from reminder.sound.client import SoundSession, SoundSettings

if TYPE_CHECKING:
    SoundFactory = Callable[[SoundSettings, Callable[[str], None]], SoundSession]


def _new_session(settings: SoundSettings, on_error: Callable[[str], None]) -> SoundSession:
    # Loaded for the first ask or session, not at start: the idle daemon
    # keeps no sound code in memory.
    from reminder.sound.client import SoundSession

    return SoundSession(settings, on_error=on_error)


class SessionSound:
    def __init__(
        self,
        settings: SoundSettings,
        report: Callable[[str], None],
        *,
        factory: SoundFactory = _new_session,
    ) -> None:
        """``report(message)`` logs the one ``sound-error`` of a session; it is
        called from a helper thread, so it should hand over to the daemon's
        thread (``daemon.soon``)."""
        self.settings = settings
        self._report = report
        self._factory = factory
        self._current: SoundSession | None = None
        self._last: SoundSession | None = None

    @property
    def own_sound(self) -> bool:
        """Whether step notifications should ask the server for quiet
        (``messages.step_message(..., own_sound=...)``)."""
        return self.settings.cues or self.settings.voice

    @property
    def own_chime(self) -> bool:
        """The same, for the ask and done notifications (cues only)."""
        return self.settings.cues

    def configure(self, settings: SoundSettings) -> None:
        """A reloaded config: from the next ask or session on."""
        self.settings = settings

    def _sound(self) -> SoundSession:
        if self._current is None:
            self._current = self._factory(self.settings, self._report)
        return self._current

    def asking(self) -> None:
        """A session asks to start: the chime, and the player warms up for it."""
        sound = self._sound()
        sound.chime()
        sound.prepare()  # with the voice alone there is no chime, but the player warms up

    def warm_up(self) -> None:
        """Optional, a few seconds before a session that starts without asking
        (``start = "auto"``): start the player, so the first step's cue is on
        time rather than late by the player's start-up (about 0.1-0.2 s)."""
        self._sound().prepare()

    def not_started(self) -> None:
        """The ask was skipped, snoozed or not answered."""
        self._close(completed=False)

    def started(self, session: Session, now: dt.datetime) -> None:
        self._sound().start(session.plan, session.anchor, now=now, index=session.index)

    def moved(self, session: Session, now: dt.datetime) -> None:
        """The current step starts now (Next, or retimed after a late wake-up)."""
        if self._current is not None:
            self._current.reschedule(
                session.plan, session.anchor, index=session.index, now=now, announce=True
            )

    def paused(self) -> None:
        if self._current is not None:
            self._current.pause()

    def resumed(self, session: Session, now: dt.datetime) -> None:
        """Resumed, or the clock was set: what is ahead, on the new times."""
        if self._current is not None and not session.paused:
            self._current.reschedule(
                session.plan, session.anchor, index=session.index, now=now, announce=False
            )

    def ended(self, *, completed: bool) -> None:
        """Completed: the done cue still plays. Otherwise silence at once."""
        self._close(completed=completed)

    def _close(self, *, completed: bool) -> None:
        sound, self._current = self._current, None
        if sound is None:
            return
        if completed:
            sound.finish()
        else:
            sound.stop()
        self._last = sound

    def status(self) -> dict[str, Any]:
        """``status --json``'s ``"sound"``: this session's, or the last one's
        problem, or the settings alone."""
        if self._current is not None:
            return self._current.status()
        status = idle_status(self.settings)
        if self._last is not None and self._last.status()["error"]:
            status["error"] = self._last.status()["error"]
        return status
