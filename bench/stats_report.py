"""How long statistics and the HTML report take over a year of history.

Writes a year of sessions (two a day, a realistic mix of outcomes) and a
check-in most days into a real SQLite history through reminder.progress.history,
then times, as the median of several runs:

- in-process: reading the history, stats.compute + relief_advice +
  stats_text, and html_report;
- when the commands exist: the installed `reminder stats` and
  `reminder report --html FILE` as subprocesses.

Run: .venv/bin/python bench/stats_report.py [--runs N]
Target: each under 300 ms median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CONFIG = """\
[settings]
timezone = "Europe/Berlin"
relief_check = 6

[[schedule]]
routine = "gluteus-medius"
days = "daily"
at = ["10:30", "16:00"]
"""
TARGET_MS = 300.0


def write_year(history_path: Path, config_path: Path, now: dt.datetime) -> tuple[int, int]:
    """A year of sessions and check-ins; returns (sessions, check-ins)."""
    from reminder.config.calendar import occurrences
    from reminder.config.load import load_config
    from reminder.paths import find_paths
    from reminder.progress.history import History
    from reminder.routines.model import Phase
    from reminder.routines.plan import build_plan

    config = load_config(find_paths(str(config_path)))
    plan = build_plan(config.routines["gluteus-medius"])
    history = History(history_path)
    chance = random.Random(2025)
    sessions = checkins = 0
    start = now - dt.timedelta(days=365)
    for occurrence in occurrences(config, start):
        if occurrence.at > now:
            break
        at, roll = occurrence.at, chance.random()
        sessions += 1
        if roll < 0.62:
            row = history.started(
                "gluteus-medius", at, schedule=occurrence.schedule, scheduled_at=at
            )
            history.ended(
                row,
                at + dt.timedelta(seconds=plan.total_seconds),
                "completed",
                phases_done=("release", "stretch", "strengthen"),
                seconds_done=plan.total_seconds,
            )
        elif roll < 0.72:
            row = history.started(
                "gluteus-medius", at, schedule=occurrence.schedule, scheduled_at=at
            )
            done: tuple[Phase, ...] = chance.choice([("release",), ("release", "stretch")])
            seconds = sum(plan.phase_seconds(p) for p in done)
            history.ended(
                row,
                at + dt.timedelta(seconds=seconds),
                chance.choice(["partial", "stopped"]),
                phases_done=done,
                seconds_done=seconds,
            )
        elif roll < 0.80:
            history.not_run(
                "gluteus-medius", "skipped", scheduled_at=at, schedule=occurrence.schedule, at=at
            )
        elif roll < 0.85:
            history.not_run(
                "gluteus-medius", "snoozed", scheduled_at=at, schedule=occurrence.schedule, at=at
            )
        else:
            reason = chance.choice(["late", "late", "paused", "no-answer", "superseded"])
            history.not_run(
                "gluteus-medius",
                "missed",
                scheduled_at=at,
                schedule=occurrence.schedule,
                reason=reason,
                at=at,
            )
    for day in range(365):
        if chance.random() < 0.8:
            checkins += 1
            history.add_checkin(
                start + dt.timedelta(days=day, hours=9),
                score=max(0, min(10, round(chance.gauss(5 - day / 120, 1.2)))),
                feeling=chance.choice(["better", "same", "same", "worse", None]),
                routine="gluteus-medius",
            )
    history.close()
    return sessions, checkins


def median_ms(run: Callable[[], object], runs: int) -> float:
    run()  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def subprocess_runner(command: list[str], env: dict[str, str]) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(command, env=env, capture_output=True, check=True)

    return run


def has_command(exe: str, name: str, env: dict[str, str]) -> bool:
    result = subprocess.run([exe, name, "--help"], env=env, capture_output=True, check=False)
    return result.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    exe = shutil.which("reminder", path=str(Path(sys.executable).parent)) or "reminder"
    now = dt.datetime.now(dt.timezone.utc)
    with tempfile.TemporaryDirectory() as home:
        root = Path(home)
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_STATE_HOME": str(root / "state"),
        }
        env.pop("REMINDER_CONFIG", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        config_path = root / "config" / "reminder" / "config.toml"
        config_path.parent.mkdir(parents=True)
        config_path.write_text(CONFIG, encoding="utf-8")
        history_path = root / "state" / "reminder" / "history.sqlite3"
        os.environ.update(
            XDG_CONFIG_HOME=env["XDG_CONFIG_HOME"], XDG_STATE_HOME=env["XDG_STATE_HOME"]
        )

        started = time.perf_counter()
        sessions, checkins = write_year(history_path, config_path, now)
        print(
            f"history: {sessions} sessions, {checkins} check-ins, "
            f"{history_path.stat().st_size // 1024} KiB, written in "
            f"{time.perf_counter() - started:.1f} s"
        )

        from reminder.config.load import load_config
        from reminder.paths import find_paths
        from reminder.progress.advice import relief_advice
        from reminder.progress.history import History
        from reminder.progress.report import html_report
        from reminder.progress.stats import compute
        from reminder.progress.stats_text import stats_text

        config = load_config(find_paths(str(config_path)))

        def read() -> tuple[list[object], list[object]]:
            history = History(history_path)
            try:
                return list(history.entries()), list(history.checkins())
            finally:
                history.close()

        history = History(history_path)
        entries, checks = history.entries(), history.checkins()
        history.close()

        def text() -> str:
            stats = compute(entries, checks, config, now)
            return stats_text(stats, relief_advice(entries, checks, config, now))

        def report() -> str:
            stats = compute(entries, checks, config, now)
            advice = relief_advice(entries, checks, config, now)
            return html_report(stats, advice, "A year of reminder", now)

        figures = {
            "read history (in-process)": median_ms(read, args.runs),
            "compute + stats_text (in-process)": median_ms(text, args.runs),
            "compute + html_report (in-process)": median_ms(report, args.runs),
        }
        html_file = root / "report.html"
        for name, command in {
            "stats": [exe, "stats"],
            "report": [exe, "report", "--html", str(html_file)],
        }.items():
            if has_command(exe, name, env):
                figures[f"reminder {' '.join(command[1:])} (subprocess)"] = median_ms(
                    subprocess_runner(command, env), args.runs
                )
            else:
                print(f"`reminder {name}` does not exist yet: timed in-process only.")

        print(
            f"median of {args.runs} runs, Python {sys.version.split()[0]}; target {TARGET_MS:.0f} ms"
        )
        for name, value in figures.items():
            verdict = "ok" if value < TARGET_MS else "OVER TARGET"
            print(f"{name:<40} {value:7.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
