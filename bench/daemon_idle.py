"""What an idle daemon costs: memory, wake-ups and CPU, beside two floors.

Run: .venv/bin/python bench/daemon_idle.py [--seconds 60]

Measured side by side, over the same idle window, on one session bus with a
notification server (dbusmock):
  - bare python: ``python -c 'import time; time.sleep(1e9)'``
  - APScheduler floor: a process blocked in a BlockingScheduler with jeepney
    loaded and a D-Bus connection open
  - ``reminder run`` on the example config, no session due
Private memory (USS: Private_Clean + Private_Dirty) is the figure to compare:
PSS splits shared pages among whatever else runs, so it moves from run to
run. Targets: USS at most 3 MiB over the floor, at most 1 wake-up per idle
minute, zero CPU.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _desktop import (
    context_switches,
    cpu_seconds,
    desktop,
    library_sharers,
    pss_kib,
    rss_kib,
    uss_kib,
    write_idle_config,
)

ROOT = Path(__file__).resolve().parent.parent

FLOOR = """
import jeepney
from jeepney.io.blocking import open_dbus_connection
from apscheduler.schedulers.blocking import BlockingScheduler
connection = open_dbus_connection("SESSION")
BlockingScheduler().start()
"""


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure_side_by_side(
    programs: dict[str, list[str]], env: dict[str, str], seconds: float, settle: float
) -> dict[str, float]:
    """Run every program at once on the same bus, so shared pages are shared
    alike; return each one's private memory (USS) in MiB."""
    processes = {name: start(command, env) for name, command in programs.items()}
    uss = {}
    try:
        time.sleep(settle)  # let them start and go idle
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
        before = {
            name: (context_switches(p.pid), cpu_seconds(p.pid)) for name, p in processes.items()
        }
        last = list(processes.values())[-1]
        others = {p.pid for p in processes.values()} - {last.pid}
        for library, pids in sorted(library_sharers(last.pid, others).items()):
            print(
                f"note: {len(pids)} other process(es) map {library} (pid {', '.join(map(str, pids[:5]))}):"
                f" its pages count as shared, so the last USS below reads lower than alone"
            )
        time.sleep(seconds)
        for name, process in processes.items():
            switches = context_switches(process.pid) - before[name][0]
            cpu = cpu_seconds(process.pid) - before[name][1]
            uss[name] = uss_kib(process.pid) / 1024
            print(
                f"{name:<22} USS {uss[name]:6.2f} MiB  PSS {pss_kib(process.pid) / 1024:6.2f} MiB"
                f"  RSS {rss_kib(process.pid) / 1024:6.2f} MiB"
                f"  wake-ups {switches * 60 / seconds:5.1f}/min  CPU {cpu:.2f} s over {seconds:g} s"
            )
    finally:
        for process in processes.values():
            process.terminate()
            process.wait()
    return uss


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
        config = write_idle_config(home)
        uss = measure_side_by_side(
            {
                "bare python": [sys.executable, "-c", "import time; time.sleep(1e9)"],
                "APScheduler floor": [sys.executable, "-c", FLOOR],
                "reminder run": [reminder, "run", "--config", str(config)],
            },
            env,
            args.seconds,
            args.settle,
        )
        over = uss["reminder run"] - uss["APScheduler floor"]
        print(
            f"reminder run − floor: USS {over:+.2f} MiB "
            f"(target ≤ +3 MiB: {'met' if over <= 3 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
