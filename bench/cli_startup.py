"""Median wall time of the everyday CLI commands, beside a bare interpreter.

Run: .venv/bin/python bench/cli_startup.py [--runs N]
Target: each command under 100 ms median on the bundled config.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_ms(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, env=env, capture_output=True, check=False)  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    exe = shutil.which("reminder", path=str(Path(sys.executable).parent)) or "reminder"
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CONFIG_HOME": home, "XDG_STATE_HOME": home}
        env.pop("REMINDER_CONFIG", None)
        # As installed by pip: bytecode cached. (This machine sets
        # PYTHONDONTWRITEBYTECODE, which would time compiling instead.)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        config = str(root / "config.example.toml")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "reminder --help": [exe, "--help"],
            "reminder validate": [exe, "validate", "--config", config],
            "reminder plan gluteus-medius": [exe, "plan", "gluteus-medius"],
            "reminder next": [exe, "next", "--config", config],
            "reminder routines": [exe, "routines"],
        }
        print(f"median of {args.runs} runs, Python {sys.version.split()[0]}")
        for name, command in commands.items():
            print(f"{name:<30} {median_ms(command, args.runs, env):7.1f} ms")


if __name__ == "__main__":
    main()
