"""What sessions with sound leave behind in the process that ran them.

Run: .venv/bin/python bench/sound_idle.py [--sessions 3] [--seconds 30]

A host process stands in for the daemon: it imports what the daemon has
loaded anyway (the plan, the config), measures its private memory (USS,
from /proc/self/smaps_rollup), then runs SESSIONS sessions with cues and
voice through ``SoundSession`` against a private PulseAudio with a null
sink (chime, start, pause, stop), and measures again. Then it sits idle for
SECONDS while this script counts its context switches (wake-ups), and lists
any audio or speech library mapped into it and any child process left.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _desktop import context_switches
from audio_components import PulseServer

HOST = """
import datetime as dt, gc, os, sys, time
from reminder.config.load import SoundSettings
from reminder.paths import find_paths
from reminder.routines.library import routine_files
from reminder.routines.plan import build_plan

def uss():
    with open("/proc/self/smaps_rollup") as f:
        return sum(int(l.split()[1]) for l in f if l.startswith(("Private_Clean", "Private_Dirty")))

plan = build_plan(routine_files(find_paths(None))["desk-break"].load())
gc.collect()
before = uss()
from reminder.sound.client import SoundSession
for n in range(int(sys.argv[1])):
    sound = SoundSession(SoundSettings(voice=True))
    sound.chime()
    time.sleep(1.5)
    now = dt.datetime.now(dt.timezone.utc)
    sound.start(plan, now, now=now)
    time.sleep(3)
    sound.pause()
    sound.stop()
    assert sound.wait(10), "the player did not exit"
    assert sound.status()["error"] is None, sound.status()
del sound
gc.collect()
after = uss()
maps = open("/proc/self/maps").read()
mapped = sorted({l.split()[-1] for l in maps.splitlines()
                 if any(k in l for k in ("pulse", "espeak", "miniaudio", "asound", "cffi"))})
print(f"USS before the first session: {before} KiB; after {sys.argv[1]}: {after} KiB "
      f"({after - before:+d} KiB)", flush=True)
print(f"audio or speech libraries mapped: {', '.join(mapped) or 'none'}", flush=True)
print("IDLE", flush=True)
time.sleep(1e9)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    server = PulseServer()
    server.start()
    try:
        host = subprocess.Popen(
            [sys.executable, "-c", HOST, str(args.sessions)],
            env={**os.environ, **server.env},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert host.stdout is not None
        for line in host.stdout:
            if line.strip() == "IDLE":
                break
            print(line, end="")
        time.sleep(2)
        first = context_switches(host.pid)
        time.sleep(args.seconds)
        woke = context_switches(host.pid) - first
        children = [
            proc
            for proc in Path("/proc").iterdir()
            if proc.name.isdigit()
            and (proc / "stat").exists()
            and (proc / "stat").read_text().split()[3] == str(host.pid)
        ]
        print(
            f"idle wake-ups over {args.seconds:g} s: {woke}; child processes left: {len(children)}"
        )
        host.kill()
        host.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
