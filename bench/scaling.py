"""How the cost of a config grows with its number of [[schedule]] entries.

Run: .venv/bin/python bench/scaling.py [--sizes 1 10 100 1000] [--runs 5]

For each N, writes a config of N schedules (alternating `at` and
`every`/`between`) and measures: `reminder validate` and `reminder next
--count 20` wall time (median of subprocess runs of the installed command),
in-process `load_config` time (median), and the tracemalloc peak while
loading. No daemon is started. The "x/10x" columns divide each cost by the
one at N/10: 10 or less means linear or better.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from reminder.config.load import load_config
from reminder.paths import Paths

DAYS = ('"daily"', '"weekdays"', '"weekends"', '["mon", "thu"]')


def config_text(n: int) -> str:
    lines = [
        "[settings]",
        'timezone = "Europe/Berlin"',
        'start = "auto"',
        'quiet_hours = "22:00-07:00"',
        "",
    ]
    for index in range(n):
        lines += ["[[schedule]]", 'routine = "gluteus-medius"', f"days = {DAYS[index % 4]}"]
        minute = index % 60
        if index % 2 == 0:
            lines.append(f'at = ["{8 + index % 8:02d}:{minute:02d}", "19:{minute:02d}"]')
        else:
            lines += [f'every = "{30 + index % 60}m"', f'between = "09:{minute:02d}-17:30"']
        lines.append("")
    return "\n".join(lines)


def command() -> Path:
    return Path(sys.executable).parent / "reminder"


def median_run(args: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(times)


def paths_for(config: Path, home: Path) -> Paths:
    return Paths(
        config_file=config,
        config_from="--config",
        config_dir=home / "cfg",
        routines_dir=home / "cfg" / "routines",
        state_dir=home / "state",
        runtime_dir=home / "run",
    )


@dataclass(frozen=True)
class Row:
    n: int
    validate: float
    next_20: float
    load: float
    peak: int


def measure(n: int, runs: int, home: Path) -> Row:
    config = home / f"config-{n}.toml"
    config.write_text(config_text(n), encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "cfg"), "XDG_STATE_HOME": str(home)}
    env.pop("REMINDER_CONFIG", None)
    exe = str(command())
    validate = median_run([exe, "validate", "--config", str(config)], runs, env)
    next_20 = median_run([exe, "next", "--count", "20", "--config", str(config)], runs, env)
    paths = paths_for(config, home)
    load_config(paths)  # warm imports and caches
    loads = []
    for _ in range(runs):
        began = time.perf_counter()
        load_config(paths)
        loads.append(time.perf_counter() - began)
    tracemalloc.start()
    loaded = load_config(paths)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(loaded.schedules) == n
    return Row(n, validate, next_20, statistics.median(loads), peak)


def ratio(rows: list[Row], index: int, value: str) -> str:
    if index == 0:
        return "—"
    now, before = getattr(rows[index], value), getattr(rows[index - 1], value)
    return f"{now / before:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            rows.append(measure(n, args.runs, Path(folder)))
    print(
        f"{'N':>5} | {'validate':>9} {'x/10x':>6} | {'next 20':>9} {'x/10x':>6} | "
        f"{'load':>9} {'x/10x':>6} | {'load peak':>10} {'x/10x':>6}"
    )
    for i, row in enumerate(rows):
        print(
            f"{row.n:>5} | {row.validate * 1000:>7.1f}ms {ratio(rows, i, 'validate'):>6} | "
            f"{row.next_20 * 1000:>7.1f}ms {ratio(rows, i, 'next_20'):>6} | "
            f"{row.load * 1000:>7.2f}ms {ratio(rows, i, 'load'):>6} | "
            f"{row.peak / 1024:>7.1f}KiB {ratio(rows, i, 'peak'):>6}"
        )
    print("x/10x: cost divided by the cost at the previous size (10x fewer entries).")


if __name__ == "__main__":
    main()
