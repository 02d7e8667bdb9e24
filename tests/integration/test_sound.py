"""A session's sound through a real PulseAudio server, as the sink heard it.

Each test starts PulseAudio with a null sink in its own runtime folder,
records the sink's monitor with parec, drives a ``SoundSession`` (the
daemon's client, which starts the real player process) and analyses the
recording: when each sound starts, how long it lasts, where it is silent.
Expected instants are the plan's, worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.audio import PulseServer, Recorder, Sound
from support.desktop import require

from reminder.config.load import SoundSettings
from reminder.daemon.session import Session
from reminder.daemon.session_sound import SessionSound
from reminder.routines.model import Exercise, Phase, Routine
from reminder.routines.plan import Plan, build_plan
from reminder.sound.client import SoundSession, player_command
from reminder.sound.client import SoundSettings as SoundSettingsProtocol

WORST = 0.15
"""Seconds: the most any sound may be off its instant (the target)."""
MEDIAN = 0.03
START_TIMEOUT = 15.0


def exercise(name: str, *, hold: int | None = None, reps: int | None = None, ready: int = 0,
             rep_time: int = 1) -> Exercise:  # fmt: skip
    return Exercise(name, None, hold, reps, 1, rep_time, 0, "none", 5, ready)


def routine_of(release: Exercise, stretch: Exercise, strengthen: Exercise) -> Routine:
    phases: dict[Phase, tuple[Exercise, ...]] = {
        "release": (release,),
        "stretch": (stretch,),
        "strengthen": (strengthen,),
    }
    return Routine("t", "T", None, None, (), phases, "config")


def plan_of(release: Exercise, stretch: Exercise, strengthen: Exercise) -> Plan:
    return build_plan(routine_of(release, stretch, strengthen))


# 0 get ready 1 s | 1 hold 10 s (3-2-1 at 8, 9, 10) | 11 hold 1 s | 12 two reps of 1 s | done 14
CUE_ROUTINE = routine_of(
    exercise("Ball", hold=10, ready=1), exercise("Reach", hold=1), exercise("Bridge", reps=2)
)
CUE_PLAN = build_plan(CUE_ROUTINE)
CUE_TIMES = {0: "ready", 1: "go", 8: "tick", 9: "tick", 10: "tick", 11: "go", 12: "go", 14: "done"}

# 0 get ready 3 s | 3 hold 4 s | 7 hold 4 s | 11 one rep of 3 s | done 14
VOICE_PLAN = plan_of(
    exercise("Ball", hold=4, ready=3),
    exercise("Reach", hold=4),
    exercise("Bridge", reps=1, rep_time=3),
)
VOICE_TIMES = (0, 3, 7, 11, 14)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(0.02)


class Errors(list[str]):
    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    def __call__(self, message: str) -> None:
        self.append(message)
        self.event.set()


def session(
    server: PulseServer,
    *,
    errors: Errors | None = None,
    env: dict[str, str] | None = None,
    output: str | None = None,
    **settings: bool | float,
) -> SoundSession:
    chosen = SoundSettings(**settings)  # type: ignore[arg-type]
    return SoundSession(
        chosen,
        on_error=errors,
        command=player_command(chosen, output),
        env=env if env is not None else {**os.environ, **server.env},
    )


def warm(sound: SoundSession) -> None:
    """Start the player and wait until it reached the server (and the engine)."""
    sound.prepare()
    wait_for(lambda: sound.status()["output"] is not None, "the player to reach the server")
    if sound.settings.voice:
        wait_for(lambda: sound.status()["engine"] is not None, "the speech engine")


def offsets(planned: list[float], sounds: list[Sound]) -> list[float]:
    """For each planned instant, how far the nearest recorded sound's start is from it."""
    assert sounds, "the recording is silent"
    return [min((s.start - p for s in sounds), key=abs) for p in planned]


def assert_on_time(deltas: list[float]) -> None:
    shown = ", ".join(f"{d * 1000:+.0f}" for d in deltas)
    assert max(abs(d) for d in deltas) <= WORST, f"ms off the plan: {shown}"
    assert statistics.median(abs(d) for d in deltas) <= MEDIAN, f"ms off the plan: {shown}"


def test_every_step_cue_and_each_count_sounds_at_its_planned_instant(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    sound = session(pulse_server)
    warm(sound)
    anchor = utc_now() + dt.timedelta(seconds=0.3)
    sound.start(CUE_PLAN, anchor, now=utc_now())
    # The session ends (the daemon's last step is over) just before the done cue is due:
    # it still plays, in full, and then the player exits by itself.
    time.sleep(anchor.timestamp() + 13.8 - time.time())
    sound.finish()
    assert sound.wait(10)
    recording = recorder.stop()

    sounds = recording.sounds()
    planned = [anchor.timestamp() + t for t in CUE_TIMES]
    assert_on_time(offsets(planned, sounds))
    # Nothing else sounded, and ticks are short knocks while step cues ring on.
    assert len(sounds) == len(CUE_TIMES), [round(s.start - anchor.timestamp(), 2) for s in sounds]
    for sound_heard, name in zip(sounds, CUE_TIMES.values(), strict=True):
        if name == "tick":
            assert sound_heard.length < 0.1, name
        else:
            assert sound_heard.length > 0.3, name
    assert sounds[-1].length > 1.0  # the done cue rang out
    assert sound.status()["error"] is None


def test_rep_ticks_pace_each_repetition(pulse_server: PulseServer, recorder: Recorder) -> None:
    sound = session(pulse_server, rep_ticks=True)
    warm(sound)
    anchor = utc_now() + dt.timedelta(seconds=0.3) - dt.timedelta(seconds=11.5)
    # Start at the last exercise: two reps of 1 s from 12, a rep tick at 13.
    sound.start(CUE_PLAN, anchor, now=utc_now(), index=3)
    time.sleep(anchor.timestamp() + 16 - time.time())
    sound.stop()
    recording = recorder.stop()
    sounds = recording.sounds()
    planned = [anchor.timestamp() + t for t in (12, 13, 14)]  # go, rep, done
    assert_on_time(offsets(planned, sounds))
    assert len(sounds) == 3
    assert sounds[1].length < 0.1


def test_each_step_is_spoken_as_it_starts(pulse_server: PulseServer, recorder: Recorder) -> None:
    require("espeak-ng", "espeak-ng")
    sound = session(pulse_server, cues=False, voice=True)
    warm(sound)
    assert sound.status()["engine"].startswith("espeak-ng")
    anchor = utc_now() + dt.timedelta(seconds=0.5)
    sound.start(VOICE_PLAN, anchor, now=utc_now())
    time.sleep(anchor.timestamp() + 16.5 - time.time())
    sound.finish()
    assert sound.wait(10)
    recording = recorder.stop()

    # Words are split by short pauses: a phrase is what sounds with no gap of 0.8 s.
    phrases = recording.sounds(gap=0.8)
    planned = [anchor.timestamp() + t for t in VOICE_TIMES]
    deltas = offsets(planned, phrases)
    assert max(abs(d) for d in deltas) <= WORST, deltas
    assert len(phrases) == len(VOICE_TIMES)
    # Spoken sentences, not cues: "Get ready: Ball." to "Done. Well done." last a second or two.
    assert all(0.6 < p.length < 3.5 for p in phrases), [p.length for p in phrases]


def test_a_paused_session_is_silent_and_resumes_on_the_new_times(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    sound = session(pulse_server)
    warm(sound)
    anchor = utc_now() + dt.timedelta(seconds=0.3)
    sound.start(CUE_PLAN, anchor, now=utc_now())
    # Pause 2.5 s into the 10 s hold (step 1, 1..11), for 7 s: the count at 8, 9, 10
    # would have sounded during the pause.
    time.sleep(anchor.timestamp() + 3.5 - time.time())
    paused_at = time.time()
    sound.pause()
    time.sleep(7)
    resumed = utc_now()
    new_anchor = anchor + (resumed - dt.datetime.fromtimestamp(paused_at, dt.timezone.utc))
    sound.reschedule(CUE_PLAN, new_anchor, index=1, now=resumed, announce=False)
    time.sleep(new_anchor.timestamp() + 12.5 - time.time())
    sound.stop()
    recording = recorder.stop()

    assert recording.peak_between(paused_at + 0.05, resumed.timestamp()) == 0
    # After resuming: the count at 8, 9, 10 and the go at 11 and 12, on the shifted times.
    after = [s for s in recording.sounds() if s.start > resumed.timestamp()]
    planned = [new_anchor.timestamp() + t for t in (8, 9, 10, 11, 12)]
    assert_on_time(offsets(planned, after))
    assert len(after) == 5


def test_stop_silences_a_sound_at_once_and_the_player_exits(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    sound = session(pulse_server)
    warm(sound)
    anchor = utc_now() + dt.timedelta(seconds=0.3)
    # Start at the end: the done cue rings for 1.4 s from 14.
    sound.start(CUE_PLAN, anchor - dt.timedelta(seconds=13.7), now=utc_now(), index=4)
    time.sleep(anchor.timestamp() + 0.3 - time.time())
    stopped_at = time.time()
    sound.stop()
    assert sound.wait(5)
    time.sleep(1.5)
    recording = recorder.stop()
    assert recording.peak_between(anchor.timestamp(), stopped_at) > 5000  # it was ringing
    assert recording.peak_between(stopped_at + 0.05, recording.end) == 0
    assert sound.status()["state"] == "idle"


def test_a_sound_server_that_dies_mid_session_is_reported_once(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    errors = Errors()
    sound = session(pulse_server, errors=errors)
    warm(sound)
    anchor = utc_now()
    sound.start(CUE_PLAN, anchor, now=utc_now())
    time.sleep(1.5)
    recorder.stop()
    pulse_server.kill()
    assert errors.event.wait(20), "no sound error was reported"
    # The session's later steps come and go: still one report, and the client carries on.
    for index in range(1, 5):
        sound.reschedule(CUE_PLAN, anchor, index=index, now=utc_now())
    sound.pause()
    sound.reschedule(CUE_PLAN, anchor, index=2, now=utc_now(), announce=False)
    sound.chime()
    sound.stop()
    assert sound.wait(5)
    assert len(errors) == 1, errors
    # Killed while playing, or between sounds with the stream closed: either way it says so.
    assert errors[0].startswith(
        (
            "Sound unavailable: the sound server stopped answering",
            "Sound unavailable: no sound server answered",
        )
    ), errors
    assert errors[0].endswith(". The session goes on without sound.")
    status = sound.status()
    assert status["state"] == "unavailable"
    assert "sound server" in status["error"]


def test_the_next_session_tries_again_and_plays(pulse_server: PulseServer) -> None:
    gone = dict(os.environ, PULSE_SERVER=f"unix:{pulse_server.root}/nothing-here")
    errors = Errors()
    first = session(pulse_server, errors=errors, env=gone)
    first.start(CUE_PLAN, utc_now(), now=utc_now())
    assert errors.event.wait(START_TIMEOUT)
    assert first.wait(5)
    assert len(errors) == 1
    assert errors[0].startswith(
        f"Sound unavailable: no sound server answered at unix:{pulse_server.root}/nothing-here ("
    )
    assert errors[0].endswith("). The session goes on without sound.")
    assert first.status()["state"] == "unavailable"

    recorder = Recorder(pulse_server)
    second = session(pulse_server, errors=errors)
    second.chime()
    wait_for(lambda: recorder_heard(recorder), "the chime", timeout=10)
    second.stop()
    recorder.stop()
    assert len(errors) == 1


def recorder_heard(recorder: Recorder) -> bool:
    return any(abs(v) > 5000 for v in recorder.peek())


def test_without_a_speech_engine_the_cues_still_play(
    pulse_server: PulseServer, recorder: Recorder, tmp_path: Path
) -> None:
    # A PATH with python but no espeak-ng: the player's voice finds no engine.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    errors = Errors()
    env = {**os.environ, **pulse_server.env, "PATH": str(bin_dir)}
    sound = session(pulse_server, errors=errors, env=env, voice=True)
    anchor = utc_now() + dt.timedelta(seconds=0.5)
    sound.start(CUE_PLAN, anchor - dt.timedelta(seconds=11), now=utc_now(), index=2)
    time.sleep(anchor.timestamp() + 1.5 - time.time())
    sound.stop()
    recording = recorder.stop()
    assert errors == [
        "Voice unavailable: no speech engine was found; install espeak-ng (for example "
        "`sudo apt install espeak-ng`). The cues still play."
    ]
    assert_on_time(offsets([anchor.timestamp(), anchor.timestamp() + 1], recording.sounds()))
    assert sound.status()["state"] != "unavailable"


def test_the_player_finds_the_server_where_a_desktop_puts_it(pulse_server: PulseServer) -> None:
    """No PULSE_SERVER: $XDG_RUNTIME_DIR/pulse/native, as PulseAudio and PipeWire place it."""
    env = {k: v for k, v in os.environ.items() if k != "PULSE_SERVER"}
    env["XDG_RUNTIME_DIR"] = str(pulse_server.runtime_dir)
    sound = session(pulse_server, env=env)
    warm(sound)
    assert str(pulse_server.socket) in sound.status()["output"]
    sound.stop()
    assert sound.wait(5)


def test_the_macos_and_windows_output_plays_on_time_too(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    """miniaudio (CoreAudio, WASAPI) played here through its PulseAudio backend."""
    sound = session(pulse_server, output="miniaudio")
    warm(sound)
    assert "through miniaudio" in sound.status()["output"]
    anchor = utc_now() + dt.timedelta(seconds=0.3)
    sound.start(CUE_PLAN, anchor - dt.timedelta(seconds=11), now=utc_now(), index=2)
    time.sleep(anchor.timestamp() + 3.8 - time.time())
    sound.finish()
    assert sound.wait(10)
    recording = recorder.stop()
    planned = [anchor.timestamp() + t for t in (0, 1, 3)]  # go at 11 and 12, done at 14
    assert_on_time(offsets(planned, recording.sounds()))


def test_the_daemon_chimes_when_it_asks_and_the_session_it_starts_is_on_time(
    pulse_server: PulseServer, recorder: Recorder
) -> None:
    """SessionSound, as the daemon's session runner uses it: the ask chime,
    a few seconds to press Start, the steps, Stop."""
    errors = Errors()

    def factory(settings: SoundSettingsProtocol, report: Callable[[str], None]) -> SoundSession:
        return SoundSession(
            settings,
            on_error=report,
            command=player_command(settings),
            env={**os.environ, **pulse_server.env},
        )

    sound = SessionSound(SoundSettings(), errors, factory=factory)
    asked = time.time()
    sound.asking()
    time.sleep(5)  # the chime rings out, the player closes its stream; then Start
    anchor = utc_now()
    session = Session("t-1", CUE_ROUTINE, CUE_PLAN, anchor)
    sound.started(session, anchor)
    time.sleep(1.8)
    stopped = time.time()
    sound.ended(completed=False)
    time.sleep(1.0)
    recording = recorder.stop()

    chime, *steps = recording.sounds()
    assert asked < chime.start < asked + 1.0
    assert chime.length > 1.0  # the ding-dong
    assert_on_time(offsets([anchor.timestamp(), anchor.timestamp() + 1], steps))
    assert recording.peak_between(stopped + 0.05, recording.end) == 0
    assert errors == []
    assert sound.status()["state"] == "idle"


def test_after_a_session_nothing_of_sound_is_left_in_the_process(
    pulse_server: PulseServer, tmp_path: Path
) -> None:
    """What the daemon keeps after sessions with sound: no audio or speech
    library mapped, no child process, private memory within 1.5 MiB."""
    script = tmp_path / "host.py"
    script.write_text(HOST_SCRIPT, encoding="utf-8")
    # As installed: modules load from cached bytecode, not compiled afresh at each import
    # (compiling leaves the heap larger than the modules themselves).
    env = {**os.environ, **pulse_server.env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, "-c", "import reminder.sound.client, reminder.sound.schedule"],
        env=env,
        check=True,
        timeout=60,
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before, after, mapped, children = done.stdout.split("|")
    assert mapped == "", f"mapped after the sessions: {mapped}"
    assert children == "0"
    assert int(after) - int(before) <= 1.5 * 1024, f"USS grew from {before} to {after} KiB"


HOST_SCRIPT = """
import datetime as dt, gc, os, time
from reminder.config.load import SoundSettings
from reminder.routines.library import routine_files
from reminder.routines.plan import build_plan
from reminder.paths import find_paths

def uss():
    with open("/proc/self/smaps_rollup") as f:
        return sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean", "Private_Dirty")))

plan = build_plan(routine_files(find_paths(None))["desk-break"].load())
gc.collect()
before = uss()
from reminder.sound.client import SoundSession
for n in range(3):
    sound = SoundSession(SoundSettings(voice=True))
    sound.chime()
    now = dt.datetime.now(dt.timezone.utc)
    sound.start(plan, now, now=now)
    time.sleep(1.0)
    sound.pause()
    sound.stop()
    assert sound.wait(10)
    assert sound.status()["output"], sound.status()
del sound
gc.collect()
after = uss()
maps = open("/proc/self/maps").read()
mapped = sorted({l.split()[-1] for l in maps.splitlines() if any(k in l for k in ("pulse", "espeak", "miniaudio", "asound"))})
children = [p for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/stat").read().split()[3] == str(os.getpid())]
print(before, after, ",".join(mapped), len(children), sep="|", end="")
"""


def test_a_reminder_package_in_the_current_folder_is_not_played(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon may have been started from a folder another user can write:
    the player started for a session is reminder's own."""
    planted = tmp_path / "cwd" / "reminder" / "sound"
    planted.mkdir(parents=True)
    (planted.parent / "__init__.py").write_text("", encoding="utf-8")
    (planted / "__init__.py").write_text("", encoding="utf-8")
    (planted / "__main__.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('ran').touch()\n", encoding="utf-8"
    )
    monkeypatch.chdir(planted.parent.parent)
    errors: list[str] = []
    session = SoundSession(SoundSettings(), on_error=errors.append)
    session.prepare()
    session.stop()
    assert session.wait(20)
    assert not (planted / "ran").exists()
