"""How soon a saved config edit is applied by the running daemon.

Run: .venv/bin/python bench/reload_latency.py [--edits 20]

Starts the real daemon, then saves the config N times (alternating a
rename-over save and an in-place write, as editors do) and times each save
until the daemon logs ``reload``. Target: under 1 s.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _desktop import desktop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()
    reminder = str(Path(sys.executable).parent / "reminder")
    with desktop() as (env, home):
        config = home / "config.toml"

        def text(minute: int) -> str:
            return f'[[schedule]]\nroutine = "gluteus-medius"\nat = ["03:{minute:02d}"]\n'

        config.write_text(text(0), encoding="utf-8")
        process = subprocess.Popen(
            [reminder, "run", "--log-format", "json", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        events: queue.Queue[dict[str, object]] = queue.Queue()

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                events.put(json.loads(line))

        threading.Thread(target=read, daemon=True).start()
        while events.get(timeout=30)["event"] != "next":
            pass
        latencies = []
        for edit in range(1, args.edits + 1):
            started = time.perf_counter()
            if edit % 2:
                swap = config.with_name(".config.toml.tmp")
                swap.write_text(text(edit), encoding="utf-8")
                swap.replace(config)
            else:
                config.write_text(text(edit), encoding="utf-8")
            while events.get(timeout=10)["event"] != "reload":
                pass
            latencies.append((time.perf_counter() - started) * 1000)
        process.terminate()
        process.wait()
    print(
        f"{len(latencies)} edits: save to applied median {statistics.median(latencies):.0f} ms, "
        f"worst {max(latencies):.0f} ms"
    )


if __name__ == "__main__":
    main()
