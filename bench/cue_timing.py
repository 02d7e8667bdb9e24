"""How punctual the cues are: onset in the recorded audio vs the planned instant.

Run: .venv/bin/python bench/cue_timing.py [--minutes 10] [--voice] [--cold]
     [--output pulse|miniaudio] [--routine gluteus-medius] [--paplay]

Starts PulseAudio with a null sink in a private runtime folder, records its
monitor with parec, and plays the first MINUTES of a routine's session
through the real player, driven by the daemon's client (``SoundSession``)
as a session runner drives it. Every planned sound is matched to the
nearest onset in the recording (the first sample above the silence level);
the offsets' median and worst are printed. Targets (issue 12): median
<= 30 ms, worst <= 150 ms; speech for a step within 150 ms of it.

By default the player is started first and the session begins 0.5 s later,
as after the ask chime; ``--cold`` starts the session and the player at the
same instant (``start = "auto"``), so its first cue pays the player's start-up.
``--voice`` measures the spoken phrases alone (cues off). ``--paplay`` plays
each cue instead by starting ``paplay`` (pulseaudio-utils) on a WAV file at
its instant: what shelling out to a player per cue would cost.

The recording is stamped with the wall clock as it arrives; the null sink
hands audio to its monitor when it renders it, a sink latency (a few ms)
before the instant it counts as played, so onsets read slightly early.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from audio_components import RATE, PulseServer, Recorder, Sound

from reminder.config.load import SoundSettings
from reminder.paths import find_paths
from reminder.routines.library import routine_files
from reminder.routines.plan import build_plan
from reminder.sound.client import SoundSession, player_command
from reminder.sound.schedule import session_events


def matched(planned: list[float], sounds: list[Sound]) -> list[float]:
    return [min((s.start - p for s in sounds), key=abs) for p in planned]


def report(planned: list[float], sounds: list[Sound]) -> list[float]:
    offsets = matched(planned, sounds)
    absolute = sorted(abs(o) for o in offsets)
    print(f"planned sounds: {len(planned)}; sounds recorded: {len(sounds)}")
    print(f"first sound: {offsets[0] * 1000:+.1f} ms")
    print(
        f"|onset - planned|: median {statistics.median(absolute) * 1000:.1f} ms, "
        f"95th percentile {absolute[int(0.95 * (len(absolute) - 1))] * 1000:.1f} ms, "
        f"worst {absolute[-1] * 1000:.1f} ms"
    )
    print(
        f"signed: median {statistics.median(offsets) * 1000:+.1f} ms, "
        f"range {min(offsets) * 1000:+.1f} to {max(offsets) * 1000:+.1f} ms"
    )
    return offsets


def shell_out(args: argparse.Namespace) -> None:
    import subprocess
    import tempfile
    import wave

    from reminder.sound.synth import render

    routine = routine_files(find_paths(None))[args.routine].load()
    settings = SoundSettings()
    server = PulseServer()
    server.start()
    folder = Path(tempfile.mkdtemp(prefix="cue-wavs-"))
    try:
        for name in ("ready", "go", "switch", "rest", "next", "done", "tick"):
            with wave.open(str(folder / f"{name}.wav"), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(RATE)
                out.writeframes(render(name, 0.8).tobytes())
        recorder = Recorder(server)
        anchor = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
        end = anchor + dt.timedelta(minutes=args.minutes)
        plan = build_plan(routine)
        events = [e for e in session_events(plan, anchor, settings) if e.at < end]
        print(f"{len(events)} cues over {args.minutes:g} min, a paplay each; playing...")
        env = {**os.environ, **server.env}
        players = []
        for event in events:
            time.sleep(max(0.0, event.at.timestamp() - time.time()))
            players.append(subprocess.Popen(["paplay", str(folder / f"{event.cue}.wav")], env=env))
        for player in players:
            player.wait()
        time.sleep(0.5)
        recording = recorder.stop()
    finally:
        server.stop()
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
    report([e.at.timestamp() for e in events], recording.sounds())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--routine", default="gluteus-medius")
    parser.add_argument("--voice", action="store_true", help="speech alone, no cues")
    parser.add_argument("--cold", action="store_true", help="start the player with the session")
    parser.add_argument("--output", choices=("pulse", "miniaudio"), default=None)
    parser.add_argument("--paplay", action="store_true", help="a paplay per cue instead")
    args = parser.parse_args()
    if args.paplay:
        shell_out(args)
        return

    routine = routine_files(find_paths(None))[args.routine].load()
    plan = build_plan(routine)
    settings = SoundSettings(cues=not args.voice, voice=args.voice)
    server = PulseServer()
    server.start()
    try:
        recorder = Recorder(server)
        errors: list[str] = []
        sound = SoundSession(
            settings,
            on_error=errors.append,
            command=player_command(settings, args.output),
            env={**os.environ, **server.env},
        )
        if args.cold:
            anchor = dt.datetime.now(dt.timezone.utc)
        else:
            sound.prepare()
            if not sound.wait_ready(15):
                sys.exit(f"the player did not start: {errors}")
            if args.voice:
                time.sleep(0.5)  # let the engine load too, as during an ask
            anchor = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=0.5)
        end = anchor + dt.timedelta(minutes=args.minutes)
        events = [e for e in session_events(plan, anchor, settings) if e.at < end]
        print(
            f"{len(events)} sounds over {args.minutes:g} min of {args.routine} "
            f"({'voice' if args.voice else 'cues'}, {'cold' if args.cold else 'warm'} start); "
            "playing...",
            flush=True,
        )
        sound.start(plan, anchor, now=dt.datetime.now(dt.timezone.utc))
        time.sleep(max(0.0, end.timestamp() + 4 - time.time()))
        sound.stop()
        sound.wait(10)
        recording = recorder.stop()
    finally:
        server.stop()
    if errors:
        sys.exit(f"sound errors: {errors}")

    sounds = recording.sounds(gap=0.8 if args.voice else 0.03)
    print(f"output: {sound.status()['output']}")
    if args.voice:
        print(f"engine: {sound.status()['engine']}")
    report([e.at.timestamp() for e in events], sounds)
    # How far the recording's own sample clock strays from the wall clock over
    # the run (samples lost under load, or the clocks drifting): each onset is
    # dated from the arrivals around it, so this does not enter the figures above.
    start = recording.at(0)
    stray = [
        recording.at(index) - (start + index / RATE)
        for index in range(0, len(recording.samples), 60 * RATE)
    ]
    print(f"recording clock vs wall clock: {min(stray) * 1000:+.1f} to {max(stray) * 1000:+.1f} ms")


if __name__ == "__main__":
    main()
