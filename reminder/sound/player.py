"""The player process: one per session, started by ``client.SoundSession``.

It reads commands, one JSON object a line, on stdin:

- ``{"cmd": "play", "events": [{"at": ISO, "cue": NAME} | {"at": ISO, "say": TEXT}, ...]}``:
  the schedule from now on. It replaces any earlier one at once (Next, resume
  after a pause, a retimed or clock-shifted session).
- ``{"cmd": "chime"}``: the ask chime, now.
- ``{"cmd": "pause"}``: silence at once; nothing plays until the next ``play``.
- ``{"cmd": "finish"}``: play what is due in the next few seconds (the done
  cue), then exit.
- ``{"cmd": "stop"}``, or stdin closing: silence at once, exit.

It writes events, one JSON object a line, on stdout: ``ready`` (with the
``output`` it plays through and the ``voice`` engine, or ``voice_error``),
``played`` (each sound as it starts: ``sound``, ``planned``, ``heard``),
``error`` (``part`` is ``output`` or ``voice``; ``message`` says why) and
``exit``. An output error ends the player (exit status 1); a voice error
only silences the voice.

Phrases are rendered in a thread of their own in the order they are due, as
soon as a schedule arrives, so each is ready long before its instant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from array import array
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Final

from reminder.sound import synth
from reminder.sound.mixer import Mixer, Scheduled
from reminder.sound.output import Connecting, OutputError, Stream

if TYPE_CHECKING:
    from reminder.sound.speech import Engine

KEEP_OPEN: Final = 3.0
"""With nothing sounding and nothing due within this many seconds, the
stream is closed: no wake-ups, and the sound card may sleep, through a long hold."""
OPEN_AHEAD: Final = 1.5
"""Seconds before the next sound that a closed stream is opened again."""
FINISH_WITHIN: Final = 5.0
"""On finish, sounds due within this many seconds still play (the done cue)."""
HIGH_WATER: Final = 0.15
"""Seconds of audio buffered ahead before the writer sleeps."""


def _instant(text: str) -> float:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment.timestamp()


def parse_events(items: list[Any]) -> list[Scheduled]:
    events = []
    for item in items:
        cue, say = item.get("cue"), item.get("say")
        if cue is not None and cue not in synth.SHAPES:
            raise ValueError(f"unknown cue {cue!r}")
        if (cue is None) == (say is None):
            raise ValueError("an event needs a cue or a phrase")
        events.append(Scheduled(_instant(item["at"]), cue, say, item["at"]))
    return events


class Sounds:
    """Every sound the player may play, rendered once: cues on first use,
    phrases by the speech thread."""

    def __init__(self, volume: float) -> None:
        self.volume = volume
        self._cues: dict[str, array[int]] = {}
        self._phrases: dict[str, array[int]] = {}
        self._lock = threading.Lock()
        self.voice_broken = False

    def cue(self, name: str) -> array[int]:
        with self._lock:
            if name not in self._cues:
                self._cues[name] = synth.render(name, self.volume)
            return self._cues[name]

    def phrase(self, text: str) -> array[int] | None:
        return self._phrases.get(text)

    def add_phrase(self, text: str, samples: array[int]) -> None:
        self._phrases[text] = samples

    def lookup(self, event: Scheduled) -> array[int] | None:
        if event.cue is not None:
            return self.cue(event.cue)
        assert event.say is not None
        if self.voice_broken:
            return array("h")  # silently nothing, rather than waiting for ever
        return self.phrase(event.say)


class Player:
    """The shared state of the command, speech and output threads."""

    def __init__(
        self,
        sounds: Sounds,
        emit: Callable[[dict[str, Any]], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sounds = sounds
        self.emit = emit
        self.clock = clock
        self.mixer = Mixer(sounds.lookup, self._played)
        self.cond = threading.Condition()
        self.flush_needed = False
        self.stopping = False
        self.finishing = False
        self.to_render: list[tuple[str | None, str | None]] = []

    def _played(self, event: Scheduled, heard: float) -> None:
        self.emit(
            {
                "event": "played",
                "sound": event.cue or "voice",
                "planned": event.planned,
                "heard": dt.datetime.fromtimestamp(heard, dt.timezone.utc).isoformat(),
            }
        )

    # -- commands (the stdin thread) ------------------------------------------------

    def command(self, data: dict[str, Any]) -> None:
        name = data.get("cmd")
        with self.cond:
            if name == "play":
                events = parse_events(data.get("events", []))
                self.mixer.replace(events)
                self.flush_needed = True
                self.finishing = False
                # Rendered in the order they are due, by the render thread.
                self.to_render = list(dict.fromkeys((e.cue, e.say) for e in events))
            elif name == "chime":
                now = self.clock()
                self.mixer.add(Scheduled(now, "chime", None, _iso(now)))
            elif name == "pause":
                self.mixer.clear()
                self.flush_needed = True
            elif name == "finish":
                self.mixer.drop_after(self.clock() + FINISH_WITHIN)
                self.finishing = True
            elif name == "stop":
                self.stop()
            else:
                raise ValueError(f"unknown command {name!r}")
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.mixer.clear()
            self.stopping = True
            self.flush_needed = True
            self.cond.notify_all()

    def read_commands(self, stream: IO[str]) -> None:
        for line in stream:
            if not line.strip():
                continue
            try:
                self.command(json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                self.emit({"event": "warning", "message": f"Ignored a command: {error}."})
        self.stop()  # the client went away: silence

    # -- rendering ahead (its own thread) -------------------------------------------

    def render_ahead(self, find_engine: Callable[[], Engine] | None) -> None:
        """Render each sound of the schedule before it is due, in the order
        due: cues on first use, phrases through the speech engine (None: no
        voice). A broken engine is reported once and the voice stays silent."""
        engine: Engine | None = None
        if find_engine is not None:
            from reminder.sound.speech import SpeechError

            try:
                engine = find_engine()
                self.emit({"event": "voice", "voice": engine.name})
            except SpeechError as error:
                self._voice_failed(str(error))
        while True:
            with self.cond:
                while not self.stopping and not self.to_render:
                    self.cond.wait()
                if self.stopping:
                    return
                cue, text = self.to_render.pop(0)
            if cue is not None:
                self.sounds.cue(cue)
            elif text is not None and engine is not None and self.sounds.phrase(text) is None:
                engine = self._render_phrase(engine, text)

    def _render_phrase(self, engine: Engine, text: str) -> Engine | None:
        from reminder.sound.speech import SpeechError, wav_samples

        try:
            samples = wav_samples(engine.render([text])[0], self.sounds.volume)
        except SpeechError as error:
            self._voice_failed(str(error))
            return None
        self.sounds.add_phrase(text, samples)
        return engine

    def _voice_failed(self, message: str) -> None:
        self.sounds.voice_broken = True
        self.emit({"event": "error", "part": "voice", "message": message})

    # -- output (its own thread; the only one that touches the stream) ----------------

    def _wait(self, seconds: float) -> None:
        with self.cond:
            if not self.flush_needed and not self.stopping:
                self.cond.wait(max(0.0, seconds))

    def play(self, open_stream: Callable[[], Stream], first: Stream | None = None) -> None:
        """Write the mixer's audio until stopped or finished; closes the stream
        through long silences and opens it again just before the next sound."""
        stream = first
        frames = int(0.05 * synth.RATE)
        expected: float | None = None
        try:
            while True:
                with self.cond:
                    if self.stopping:
                        break
                    flush, self.flush_needed = self.flush_needed, False
                    done = self.finishing and self.mixer.idle()
                    due = self.mixer.next_due()
                    sounding = self.mixer.sounding()
                if done:
                    break
                now = self.clock()
                if stream is not None and flush:
                    stream.flush()
                    expected = None
                if not sounding and (due is None or due - now > KEEP_OPEN):
                    if stream is not None:
                        stream.drain()
                        stream.close()
                        stream, expected = None, None
                    self._wait(due - now - OPEN_AHEAD if due is not None else 3600.0)
                    continue
                if stream is None:
                    stream = open_stream()
                latency = stream.latency()
                if latency > HIGH_WATER:
                    self._wait(latency - HIGH_WATER + frames / synth.RATE / 2)
                    continue
                start = self.clock() + latency
                # Keep the sample timeline continuous while the estimate agrees.
                if expected is not None and abs(start - expected) < 0.004:
                    start = expected
                with self.cond:
                    data = self.mixer.render(frames, start)
                stream.write(data)
                expected = start + frames / synth.RATE
            if stream is not None and not self.stopping:
                stream.drain()
        finally:
            if stream is not None:
                with contextlib.suppress(OutputError):  # a server gone already is silent
                    if self.stopping:
                        stream.flush()
                stream.close()


def _iso(instant: float) -> str:
    return dt.datetime.fromtimestamp(instant, dt.timezone.utc).isoformat()


def main(
    *, volume: float, voice: bool, connecting: Connecting, stdin: IO[str], stdout: IO[str]
) -> int:
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        with lock:
            try:
                stdout.write(json.dumps(event) + "\n")
                stdout.flush()
            except (OSError, ValueError):
                pass  # the client went away; stdin closes too and we stop

    sounds = Sounds(volume)
    player = Player(sounds, emit)
    # Commands are read, and the first cues rendered, while the stream opens.
    threading.Thread(target=player.read_commands, args=(stdin,), daemon=True).start()
    engine_finder: Callable[[], Engine] | None = None
    if voice:
        from reminder.sound.speech import find_engine

        engine_finder = find_engine
    threading.Thread(target=player.render_ahead, args=(engine_finder,), daemon=True).start()
    try:
        stream = connecting.result()
    except OutputError as error:
        emit({"event": "error", "part": "output", "message": str(error)})
        emit({"event": "exit"})
        return 1
    emit({"event": "ready", "output": stream.name})
    status = 0
    try:
        player.play(connecting.opener, stream)
    except OutputError as error:
        emit({"event": "error", "part": "output", "message": str(error)})
        status = 1
    player.stop()
    emit({"event": "exit"})
    return status
