"""What an idle daemon costs: memory, wake-ups and CPU, beside two floors.

Run: .venv/bin/python bench/daemon_idle.py [--seconds 60]

Measured over the same idle window, in one run, with a session bus and a
notification server (dbusmock) present:
  - bare python: ``python -c 'import time; time.sleep(1e9)'``
  - APScheduler floor: a process blocked in a BlockingScheduler with jeepney
    loaded and a D-Bus connection open
  - ``reminder run`` on the example config, no session due
Targets: PSS under 22 MiB on Python 3.11, at most 1 wake-up per
idle minute, zero CPU.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _desktop import context_switches, cpu_seconds, desktop, pss_kib, rss_kib

ROOT = Path(__file__).resolve().parent.parent

FLOOR = """
import jeepney
from jeepney.io.blocking import open_dbus_connection
from apscheduler.schedulers.blocking import BlockingScheduler
connection = open_dbus_connection("SESSION")
BlockingScheduler().start()
"""


def measure(
    name: str, command: list[str], env: dict[str, str], seconds: float, settle: float
) -> None:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(settle)  # let it start and go idle
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        switches, cpu = context_switches(process.pid), cpu_seconds(process.pid)
        time.sleep(seconds)
        switches = context_switches(process.pid) - switches
        cpu = cpu_seconds(process.pid) - cpu
        per_minute = switches * 60 / seconds
        print(
            f"{name:<22} PSS {pss_kib(process.pid) / 1024:6.2f} MiB  RSS {rss_kib(process.pid) / 1024:6.2f} MiB"
            f"  wake-ups {per_minute:5.1f}/min  CPU {cpu:.2f} s over {seconds:g} s"
        )
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=5)
    args = parser.parse_args()
    reminder = str(Path(sys.executable).parent / "reminder")
    print(
        f"Python {sys.version.split()[0]}; idle window {args.seconds:g} s after {args.settle:g} s to settle"
    )
    with desktop() as (env, home):
        # The example's desk-break runs every 2 h from 09:00: pick a config
        # whose next session is hours away whatever the time now.
        config = home / "config.toml"
        hour = (time.localtime().tm_hour + 6) % 24
        config.write_text(
            f'[[schedule]]\nroutine = "gluteus-medius"\nat = ["{hour:02d}:00"]\n', encoding="utf-8"
        )
        measure(
            "bare python",
            [sys.executable, "-c", "import time; time.sleep(1e9)"],
            env,
            args.seconds,
            args.settle,
        )
        measure("APScheduler floor", [sys.executable, "-c", FLOOR], env, args.seconds, args.settle)
        measure(
            "reminder run",
            [reminder, "run", "--config", str(config)],
            env,
            args.seconds,
            args.settle,
        )


if __name__ == "__main__":
    main()
