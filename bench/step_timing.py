"""How punctual the steps are: |sent - planned| over a whole session.

Run: .venv/bin/python bench/step_timing.py [--minutes 10]

Runs the real daemon (no clock tricks) on a session bus with dbusmock's
notification server, schedules a generated routine of about MINUTES minutes
at the next whole minute, and reads the ``step`` events of its JSON log:
``planned`` is session start + the step's offset, ``sent`` is when the
notification call returned. Targets: median under 20 ms, worst
under 250 ms over a 10-minute session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
from pathlib import Path

from _desktop import desktop


def routine(minutes: float) -> str:
    # Per phase: ready 2 s, then sets of (5 s left, 1 s switch, 5 s right) with 2 s rest.
    sets = max(1, round(minutes * 60 / 3 / 13))
    phases = []
    for phase in ("release", "stretch", "strengthen"):
        phases.append(
            f'[[routines.bench.{phase}]]\nexercise = "{phase.capitalize()} drill"\nhold = "5s"\n'
            f'sets = {sets}\nrest = "2s"\nsides = "both"\nswitch = "1s"\nready = "2s"\n'
        )
    return '[routines.bench]\ntitle = "Bench"\n' + "\n".join(phases)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    reminder = str(Path(sys.executable).parent / "reminder")
    now = dt.datetime.now(dt.timezone.utc)
    start = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (start - now).total_seconds() < 5:
        start += dt.timedelta(minutes=1)
    with desktop() as (env, home):
        config = home / "config.toml"
        config.write_text(
            '[settings]\ntimezone = "UTC"\nstart = "auto"\n\n'
            f'[[schedule]]\nroutine = "bench"\nat = ["{start:%H:%M}"]\n\n' + routine(args.minutes),
            encoding="utf-8",
        )
        print(
            f"session at {start:%H:%M:%S} UTC, about {args.minutes:g} min; waiting...", flush=True
        )
        process = subprocess.Popen(
            [reminder, "run", "--log-format", "json", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        lags: list[float] = []
        for line in process.stderr:
            event = json.loads(line)
            if event["event"] == "step":
                planned = dt.datetime.fromisoformat(event["planned"])
                sent = dt.datetime.fromisoformat(event["sent"])
                lags.append(abs((sent - planned).total_seconds()) * 1000)
            elif event["event"] == "session-end":
                break
        process.terminate()
        process.wait()
    lags.sort()
    print(
        f"{len(lags)} steps: |sent - planned| median {statistics.median(lags):.1f} ms, "
        f"p95 {lags[int(len(lags) * 0.95) - 1]:.1f} ms, worst {lags[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
