"""``reminder sound test``: play every cue and speak a phrase, and say what
played them (or why nothing could)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Final

import click

from reminder.cli.app import cli, config_option, env_of, load
from reminder.errors import ExitStatus

TEST_PHRASE: Final = "Ball release, left side. Hold ninety seconds."
WHAT_CUES_MEAN: Final = {
    "ready": "get ready",
    "go": "go: work starts",
    "switch": "switch sides",
    "rest": "rest",
    "next": "next exercise",
    "done": "session done",
    "chime": "a session asks to start",
    "tick": "the 3-2-1 count before a hold, rest or get-ready ends",
    "rep": "a rep tick (rep_ticks = true)",
    "voice": "the voice",
}
TIMELINE: Final = (
    (0.3, "ready"),
    (1.5, "go"),
    (2.7, "switch"),
    (3.9, "rest"),
    (5.3, "next"),
    (6.7, "done"),
    (8.6, "chime"),
    (10.6, "tick"),
    (11.6, "tick"),
    (12.6, "tick"),
    (13.8, "rep"),
    (14.8, "rep"),
)
"""Seconds from now at which each cue plays; the phrase follows the last."""
SPEAK_AT: Final = 16.0
PATIENCE: Final = 30.0
"""Seconds to wait for the player beyond the timeline (a slow speech engine)."""


@cli.group()
def sound() -> None:
    """Sound cues and the spoken walkthrough."""


@sound.command("test")
@config_option
@click.pass_context
def sound_test(ctx: click.Context, config_path: str | None) -> None:
    """Play every cue and speak one phrase; say what played them."""
    from reminder.config.load import SoundSettings
    from reminder.sound.client import SoundSession
    from reminder.sound.schedule import Event

    env = env_of(ctx)
    _, config = load(env, config_path)
    mine = config.settings.sound
    if mine.volume == 0:
        click.echo("Your [sound] volume is 0, so you will hear nothing; raise it (e.g. 0.8).")
    # Every cue, and the voice, whatever the config says: this is the test of them.
    testing = SoundSettings(cues=True, voice=True, volume=mine.volume, rep_ticks=True)
    announced = threading.Event()
    spoken = threading.Event()

    def played(name: str) -> None:
        if not announced.is_set():
            announced.set()
            click.echo(f"Playing through {session.status()['output']}:")
        if name == "voice":
            click.echo(f'  the voice ({session.status()["engine"]}): "{TEST_PHRASE}"')
            spoken.set()
        else:
            click.echo(f"  {name:<7} {WHAT_CUES_MEAN[name]}")

    session = SoundSession(testing, on_error=lambda _: spoken.set(), on_played=played)
    # The timeline starts once the player has reached the sound server.
    session.prepare()
    deadline = time.monotonic() + PATIENCE
    while session.status()["output"] is None and not session.wait(0.05):
        if time.monotonic() > deadline:
            break
    now = dt.datetime.now(dt.timezone.utc)  # real time: this is real sound
    events = [Event(now + dt.timedelta(seconds=at), cue=name) for at, name in TIMELINE]
    events.append(Event(now + dt.timedelta(seconds=SPEAK_AT), say=TEST_PHRASE))
    session.play(events)
    # Until the phrase starts, the voice fails, or the player ends (no sound server).
    deadline = time.monotonic() + SPEAK_AT + PATIENCE
    while not spoken.wait(0.2) and not session.wait(0) and time.monotonic() < deadline:
        pass
    session.finish()  # the phrase plays out
    if not session.wait(PATIENCE):
        session.stop()
        session.wait(5)
    status = session.status()
    if status["state"] == "unavailable":
        click.echo(f"No sound. {status['error'][0].upper()}{status['error'][1:]}.", err=True)
        click.echo(
            "Start PulseAudio or PipeWire (or check PULSE_SERVER), then try again; "
            'see "I hear nothing" in docs/troubleshooting.md.',
            err=True,
        )
        ctx.exit(ExitStatus.FAILURE)
    voice_problem = status["error"] if status["engine"] is None else None
    settings_line = (
        f"Your [sound] settings: cues {'on' if mine.cues else 'off'}, voice "
        f"{'on' if mine.voice else 'off'}, volume {mine.volume:g}, rep ticks "
        f"{'on' if mine.rep_ticks else 'off'}."
    )
    if voice_problem:
        click.echo(f"No voice: {voice_problem}.")
        if mine.voice:
            click.echo(settings_line)
            ctx.exit(ExitStatus.FAILURE)
        click.echo("The cues work; the voice is only needed with voice = true.")
    else:
        click.echo("Sound works.")
    click.echo(settings_line)
