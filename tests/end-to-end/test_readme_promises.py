"""README promises that no other test checked, each against the installed
``reminder`` run as a user runs it: a real process, real files, real SQLite,
and for the daemon a real session bus with python-dbusmock's notification
server.

Every test's docstring quotes the README sentence it holds the program to;
expected values are worked out by hand from the README, never taken from the
code under test. The full promise → test map is in the issue note; promises
other test files already check are not repeated here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import plistlib
import re
import sqlite3
import subprocess
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.requirements import Requirement
from support.daemon_process import Launch
from support.history import record_completed
from support.routines import (
    DUE,
    IDLE_ROUTINE,
    QUICK_ROUTINE,
    TWO_SECONDS_BEFORE,
    config_text,
    write_config,
)

from reminder.progress.history import History

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
UTC = dt.timezone.utc
EX_CONFIG = 78
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")

# The fields of a plan step (README, `plan --json`).
STEP_ORDER = ("phase", "exercise", "kind", "side", "set", "reps", "offset", "duration")
STEP_FIELDS = {*STEP_ORDER, "level"}

# (phase, exercise, kind, side, set, reps, offset, duration), by hand.
QUICK_STEPS = [
    ("release", "Ball", "work", None, 1, None, 0, 1),
    ("stretch", "Figure-4", "work", None, 1, None, 1, 1),
    ("strengthen", "Clamshell", "work", None, 1, 1, 2, 1),
]


def save_by_rename(path: Path, text: str) -> None:
    """An editor's save: a new file renamed over the old one."""
    partial = path.with_name(f".{path.name}.swp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def readme_block(heading: str, language: str = "toml") -> str:
    """The first ```language block after the README's ``heading`` line."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(f"\n{heading}\n") :]
    found = re.search(rf"^```{language}\n(.*?)^```$", after, re.MULTILINE | re.DOTALL)
    assert found is not None, f"no {language} block under {heading!r} in README.md"
    return found.group(1)


def faketime_env(moment: str) -> dict[str, str | None]:
    """The environment that starts a command's wall clock at ``moment`` (in TZ)."""
    library = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
    if library is None:
        pytest.fail("libfaketime is not installed (Debian package faketime)", pytrace=False)
    return {
        "LD_PRELOAD": str(library),
        "FAKETIME": f"@{moment}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def cli(run_reminder: RunReminder) -> RunReminder:
    """``reminder ARGS`` as a user runs it, on the bus and runtime folder the
    test's daemon uses (set by the session_bus fixture, whenever it came up)."""

    def run(*args: str, env: Mapping[str, str | None] | None = None) -> Any:
        current = {
            name: os.environ[name]
            for name in ("XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")
            if name in os.environ
        }
        return run_reminder(*args, env={**current, **(env or {})})

    return run


def status(cli: RunReminder, config: Path) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(ok(cli("status", "--json", "--config", str(config))).stdout)
    return answer


def assert_iso_with_offset(value: Any) -> dt.datetime:
    """``value`` as README's JSON promises a time: ISO-8601 with its UTC offset."""
    assert isinstance(value, str), value
    assert ISO_WITH_OFFSET.fullmatch(value), value
    return dt.datetime.fromisoformat(value)


def moment(value: Any) -> dt.datetime:
    """A time from `status --json`."""
    assert isinstance(value, str), value
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


# --- Commands ----------------------------------------------------------------

SUBCOMMANDS = [
    "run",
    "validate",
    "plan",
    "next",
    "routines",
    "status",
    "now",
    "pause",
    "resume",
    "snooze",
    "skip",
    "stop",
    "reload",
    "history",
    "checkin",
    "stats",
    "report",
    "install",
    "uninstall",
    "init",
    "paths",
    "completion",
    "doctor",
]


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_subcommand_accepts_config(
    run_reminder: RunReminder, tmp_path: Path, subcommand: str
) -> None:
    """README: "Every subcommand accepts `--config PATH`."

    ``--help`` after the option makes the command do nothing else; an option
    the command does not know fails the parse before help is shown."""
    config = write_config(tmp_path, config_text(QUICK_ROUTINE))
    result = run_reminder(subcommand, "--config", str(config), "--help")
    assert "No such option" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "--config" in result.stdout


def test_the_readme_example_of_config_mistakes_is_what_validate_prints(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    """README: "Config mistakes are listed all at once, one a line, as
    `FILE:LINE:COL: key.path: message`" — with the README's own example:
    `config.toml:7:7: schedule[0].at[0]: "25:00" is not a time of day (HH:MM,
    24-hour clock)` and `config.toml:9:1: schedule[1].routine: "desk-brake" is
    not a known routine; available: desk-break, gluteus-medius, iliacus,
    piriformis, psoas, quadratus-lumborum`."""
    (tmp_path / "config.toml").write_text(
        "[settings]\n"
        'timezone = "UTC"\n'
        "\n"
        "[[schedule]]\n"
        'routine = "gluteus-medius"\n'
        'days = "weekdays"\n'
        'at = ["25:00"]\n'
        "[[schedule]]\n"
        'routine = "desk-brake"\n'
        'at = ["11:00"]\n',
        encoding="utf-8",
    )
    result = run_reminder("validate", "--config", "config.toml", cwd=tmp_path)
    assert result.returncode == EX_CONFIG
    assert result.stdout == ""
    assert result.stderr.splitlines()[:2] == [
        'config.toml:7:7: schedule[0].at[0]: "25:00" is not a time of day (HH:MM, 24-hour clock)',
        'config.toml:9:1: schedule[1].routine: "desk-brake" is not a known routine; '
        "available: desk-break, gluteus-medius, iliacus, piriformis, psoas, quadratus-lumborum",
    ]


def test_the_readme_config_example_validates_and_schedules_as_described(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    """README (Configuration): the example config — gluteus-medius on
    weekdays at 10:30 and 16:00, desk-break `every = "50m"` `between =
    "09:00-17:30"` — and "the first session is at the window's start, then one
    every interval while the start time is before the window's end"."""
    config = tmp_path / "config.toml"
    config.write_text(readme_block("## Configuration"), encoding="utf-8")
    valid = ok(run_reminder("validate", "--config", str(config)))
    assert "is valid" in valid.stdout
    # Monday 30 November 2026, 08:00 in TZ=UTC ("local").
    upcoming = ok(
        run_reminder(
            "next",
            "--count",
            "14",
            "--json",
            "--config",
            str(config),
            env=faketime_env("2026-11-30 08:00:00"),
        )
    )
    desk = [
        "09:00",
        "09:50",
        "10:40",
        "11:30",
        "12:20",
        "13:10",
        "14:00",
        "14:50",
        "15:40",
        "16:30",
        "17:20",
    ]
    expected = sorted(
        [(f"2026-11-30T{t}:00+00:00", "desk-break", 1) for t in desk]
        + [(f"2026-11-30T{t}:00+00:00", "gluteus-medius", 0) for t in ("10:30", "16:00")]
    )
    expected.append(("2026-12-01T09:00:00+00:00", "desk-break", 1))  # 17:20 was the last
    got = [(s["at"], s["routine"], s["schedule"]) for s in json.loads(upcoming.stdout)]
    assert got == expected


# Worked out by hand from the README's routine example and its key table.
README_ROUTINE_STEPS = [
    ("release", "ready", None, None, None, 0, 10),
    ("release", "work", "left", 1, None, 10, 90),
    ("release", "switch", "right", 1, None, 100, 5),
    ("release", "work", "right", 1, None, 105, 90),
    ("stretch", "ready", None, None, None, 195, 10),
    ("stretch", "work", "left", 1, None, 205, 30),
    ("stretch", "switch", "right", 1, None, 235, 5),
    ("stretch", "work", "right", 1, None, 240, 30),
    ("stretch", "rest", None, 1, None, 270, 10),
    ("stretch", "work", "left", 2, None, 280, 30),
    ("stretch", "switch", "right", 2, None, 310, 5),
    ("stretch", "work", "right", 2, None, 315, 30),
    ("strengthen", "ready", None, None, None, 345, 10),
    ("strengthen", "work", "left", 1, 10, 355, 30),
    ("strengthen", "switch", "right", 1, None, 385, 5),
    ("strengthen", "work", "right", 1, 10, 390, 30),
    ("strengthen", "rest", None, 1, None, 420, 60),
    ("strengthen", "work", "left", 2, 10, 480, 30),
    ("strengthen", "switch", "right", 2, None, 510, 5),
    ("strengthen", "work", "right", 2, 10, 515, 30),
    ("strengthen", "rest", None, 2, None, 545, 60),
    ("strengthen", "work", "left", 3, 10, 605, 30),
    ("strengthen", "switch", "right", 3, None, 635, 5),
    ("strengthen", "work", "right", 3, 10, 640, 30),
]


def test_the_readme_routine_example_plans_every_step_with_its_start_and_phase_totals(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    """README (Routine format): "Each exercise runs as: get ready; then for
    each set, each side (with a switch before the second), then a rest between
    sets." and "`reminder plan ROUTINE` (or a file path) shows every step with
    its start time and the total per phase." — for the README's own routine."""
    routine = tmp_path / "glutes.toml"
    routine.write_text(readme_block("## Routine format"), encoding="utf-8")
    plan = json.loads(ok(run_reminder("plan", str(routine), "--json")).stdout)
    assert plan["title"] == "Gluteus medius"
    assert plan["total_seconds"] == 670
    assert [
        (s["phase"], s["kind"], s["side"], s["set"], s["reps"], s["offset"], s["duration"])
        for s in plan["steps"]
    ] == README_ROUTINE_STEPS

    table = ok(run_reminder("plan", str(routine))).stdout
    starts = [m.group(1) for m in re.finditer(r"^\s*(\d+:\d\d)\s", table, re.MULTILINE)]
    assert starts == [f"{o // 60}:{o % 60:02d}" for *_, o, _ in README_ROUTINE_STEPS]
    for total in (
        "Release total: 3 min 15 s",
        "Stretch total: 2 min 30 s",
        "Strengthen total: 5 min 25 s",
        "Total: 11 min 10 s",
    ):
        assert total in table, table


def test_reminder_config_in_the_environment_picks_the_config(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    """README: "`--config PATH` or `REMINDER_CONFIG=PATH` use another file.\""""
    other = tmp_path / "elsewhere.toml"
    other.write_text(
        '[settings]\ntimezone = "UTC"\n[[schedule]]\nroutine = "psoas"\nat = ["07:15"]\n',
        encoding="utf-8",
    )
    result = ok(
        run_reminder(
            "next",
            "--count",
            "2",
            "--json",
            env={"REMINDER_CONFIG": str(other), **faketime_env("2026-11-30 08:00:00")},
        )
    )
    assert [(s["at"], s["routine"]) for s in json.loads(result.stdout)] == [
        ("2026-12-01T07:15:00+00:00", "psoas"),
        ("2026-12-02T07:15:00+00:00", "psoas"),
    ]


def test_routines_json_has_the_documented_fields_and_sources(
    run_reminder: RunReminder, tmp_path: Path, xdg_config_home: Path
) -> None:
    """README: "`routines --json`: `[{"name", "title", "muscle",
    "total_seconds", "source": "bundled"|"user"|"config", "path",
    "equipment": [text]}]`"."""
    mine = xdg_config_home / "reminder" / "routines" / "evening.toml"
    mine.parent.mkdir(parents=True)
    mine.write_text(
        'title = "Evening"\n'
        '[[release]]\nexercise = "Ball"\nhold = "20s"\n'
        '[[stretch]]\nexercise = "Figure-4"\nhold = "20s"\n'
        '[[strengthen]]\nexercise = "Bridge"\nreps = 5\n',
        encoding="utf-8",
    )
    config = write_config(tmp_path, config_text(QUICK_ROUTINE))
    listed = json.loads(ok(run_reminder("routines", "--json", "--config", str(config))).stdout)
    for entry in listed:
        assert set(entry) == {
            "name",
            "title",
            "muscle",
            "total_seconds",
            "source",
            "path",
            "equipment",
        }
    by_name = {e["name"]: e for e in listed}
    assert (by_name["tiny"]["source"], by_name["tiny"]["title"]) == ("config", "Tiny")
    assert by_name["tiny"]["total_seconds"] == 3
    # ready 10 + 20, ready 10 + 20, ready 10 + 5 reps of 3 s: 85 s (the defaults).
    assert (by_name["evening"]["source"], by_name["evening"]["total_seconds"]) == ("user", 85)
    assert by_name["evening"]["path"] == str(mine)
    assert by_name["psoas"]["source"] == "bundled"
    assert by_name["evening"]["equipment"] == []
    assert Path(by_name["psoas"]["path"]).name == "psoas.toml"


def test_the_readme_routine_table_is_what_reminder_routines_says(run_reminder: RunReminder) -> None:
    """README: "Six routines come with it (`reminder routines` lists them …)",
    each with its time and what it needs."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| routine | time | for | you need |")
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text[start:].split("\n\n", 1)[0].splitlines()[2:]
    ]
    listed = json.loads(ok(run_reminder("routines", "--json")).stdout)
    bundled = {e["name"]: e for e in listed if e["source"] == "bundled"}
    assert sorted(row[0].strip("`") for row in rows) == sorted(bundled)
    assert "Six routines" in text
    assert len(bundled) == 6
    printed = {
        line.split()[0]: " ".join(line.split()[1:3])
        for line in ok(run_reminder("routines")).stdout.splitlines()
    }
    for name, minutes, _for, needs in rows:
        routine = bundled[name.strip("`")]
        assert minutes == printed[routine["name"]], name
        assert needs == ", ".join(routine["equipment"]), name


# --- Tab completion ------------------------------------------------------------


def completions(run_reminder: RunReminder, shell: str, line: str) -> list[str]:
    """What the shell's completion function gets back from `reminder` for the
    command line ``line`` (its last word being completed), by the protocol the
    script printed by `reminder completion SHELL` speaks."""
    words = line.split(" ")
    env = {"_REMINDER_COMPLETE": f"{shell}_complete", "COMP_WORDS": line}
    # bash and zsh pass the index of the word; fish passes the word itself.
    env["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    output = ok(run_reminder(env=env)).stdout
    if shell == "zsh":  # type, value, help: three lines each
        return output.splitlines()[1::3]
    return [line.split(",", 1)[1].split("\t")[0] for line in output.splitlines()]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_offers_commands_options_and_routine_names(
    run_reminder: RunReminder, shell: str
) -> None:
    """README: "**Tab completion** (commands, options and routine names)" for
    `reminder completion bash`, `zsh` and `fish`."""
    script = ok(run_reminder("completion", shell)).stdout
    registers = {
        "bash": "complete -o nosort -F _reminder_completion reminder",
        "zsh": "compdef _reminder_completion reminder",
        "fish": "--command reminder",
    }
    assert registers[shell] in script
    assert sorted(completions(run_reminder, shell, "reminder sta")) == ["stats", "status"]
    assert sorted(completions(run_reminder, shell, "reminder next --c")) == ["--config", "--count"]
    assert completions(run_reminder, shell, "reminder plan quad") == ["quadratus-lumborum"]
    assert completions(run_reminder, shell, "reminder now pir") == ["piriformis"]


# --- Start at login ------------------------------------------------------------


def test_launchd_agent_logs_to_library_logs(run_reminder: RunReminder, tmp_path: Path) -> None:
    """README: "**macOS** (`--method launchd`): a LaunchAgent in
    `~/Library/LaunchAgents`, loaded at once; log in
    `~/Library/Logs/reminder.log`." (launchctl stands in as a script that
    records its calls.)"""
    home = Path(os.environ["HOME"])
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "launchctl.log"
    launchctl = fake_bin / "launchctl"
    launchctl.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\n', encoding="utf-8")
    launchctl.chmod(0o755)
    ok(
        run_reminder(
            "install", "--method", "launchd", env={"PATH": f"{fake_bin}:{os.environ['PATH']}"}
        )
    )
    (agent,) = (home / "Library" / "LaunchAgents").glob("*.plist")
    job = plistlib.loads(agent.read_bytes())
    assert job["StandardErrorPath"] == str(home / "Library" / "Logs" / "reminder.log")
    assert any(line.startswith("bootstrap ") for line in calls.read_text().splitlines())


# --- Dependencies --------------------------------------------------------------


def test_the_dependencies_are_the_ones_the_readme_lists() -> None:
    """README (Dependencies): "Each one earns its place" — apscheduler
    (>=3.11.3,<4), click, tomli (Python 3.10 only), platformdirs, tzlocal,
    jeepney, plyer, rich, miniaudio (macOS and Windows only); "Not used, on
    purpose: **watchdog**"."""
    runtime = [
        Requirement(text) for text in metadata.requires("reminder") or [] if "extra ==" not in text
    ]
    by_name = {r.name.lower(): r for r in runtime}
    assert set(by_name) == {
        "apscheduler",
        "click",
        "tomli",
        "platformdirs",
        "tzlocal",
        "jeepney",
        "plyer",
        "rich",
        "miniaudio",
    }
    pins = by_name["apscheduler"].specifier
    assert not pins.contains("3.11.2")
    assert pins.contains("3.11.3")
    assert not pins.contains("4.0.0")
    tomli = by_name["tomli"].marker
    assert tomli is not None
    assert tomli.evaluate({"python_version": "3.10"})
    assert not tomli.evaluate({"python_version": "3.11"})
    # "Sound on Linux needs no Python package".
    miniaudio = by_name["miniaudio"].marker
    assert miniaudio is not None
    assert miniaudio.evaluate({"sys_platform": "darwin"})
    assert miniaudio.evaluate({"sys_platform": "win32"})
    assert not miniaudio.evaluate({"sys_platform": "linux"})


# --- Progress ----------------------------------------------------------------

NOW = "2026-11-30 18:00:00"
"""Monday of ISO week 2026-W49, 18:00 UTC."""


def test_stats_show_the_last_twelve_weeks(
    run_reminder: RunReminder, tmp_path: Path, xdg_state_home: Path
) -> None:
    """README: "`reminder stats` shows the last 12 weeks"."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[settings]\ntimezone = "UTC"\n[[schedule]]\nroutine = "psoas"\nat = ["10:30"]\n',
        encoding="utf-8",
    )
    paths = json.loads(ok(run_reminder("paths", "--json", "--config", str(config))).stdout)
    history = History(Path(paths["history"]))
    # Monday 14 September 2026 starts the twelfth week back (2026-W38); the
    # Sunday before it is outside.
    for day in (
        dt.datetime(2026, 9, 13, 10, 30, tzinfo=UTC),
        dt.datetime(2026, 9, 14, 10, 30, tzinfo=UTC),
    ):
        record_completed(history, "psoas", day, took=dt.timedelta(minutes=15), seconds_done=900)
    history.close()
    result = run_reminder("stats", "--json", "--config", str(config), env=faketime_env(NOW))
    stats = json.loads(ok(result).stdout)
    assert stats["window"]["weeks"] == 12
    assert stats["window"]["start"] == "2026-09-14T00:00:00+00:00"
    assert [w["week"] for w in stats["weeks"]] == [f"2026-W{n}" for n in range(38, 50)]
    assert stats["totals"]["completed"] == 1
    assert stats["weeks"][0]["completed"] == 1


def write_sessions_without_relief(history_file: Path, sessions: int) -> None:
    """``sessions`` completed gluteus-medius sessions every other day from
    Monday 9 November 2026 (three weeks before NOW), each followed by a
    check-in of 5/10 that feels the same."""
    history = History(history_file)
    for n in range(sessions):
        start = dt.datetime(2026, 11, 9, 10, 30, tzinfo=UTC) + dt.timedelta(days=2 * n)
        record_completed(
            history, "gluteus-medius", start, took=dt.timedelta(minutes=20), seconds_done=1200
        )
        history.add_checkin(
            start + dt.timedelta(hours=2), score=5, feeling="same", routine="gluteus-medius"
        )
    history.close()


@pytest.mark.parametrize(
    ("sessions", "relief_check", "advised"),
    [
        pytest.param(6, None, True, id="six-by-default"),
        pytest.param(5, None, False, id="five-are-too-few"),
        pytest.param(6, 0, False, id="switched-off"),
    ],
)
def test_no_relief_after_relief_check_sessions_names_the_routines_to_try_next(
    run_reminder: RunReminder,
    tmp_path: Path,
    sessions: int,
    relief_check: int | None,
    advised: bool,
) -> None:
    """README: "After `relief_check` completed sessions of a routine (default
    6) over at least two weeks with check-ins that show no improvement,
    reminder says so once and names the routines to try next (each routine's
    `see_also`), and to see a clinician if it persists. `relief_check = 0`
    switches it off." (gluteus-medius's see_also, from the README's routine
    example: quadratus-lumborum, iliacus, psoas, piriformis.)"""
    config = tmp_path / "config.toml"
    setting = "" if relief_check is None else f"relief_check = {relief_check}\n"
    config.write_text(
        f'[settings]\ntimezone = "UTC"\n{setting}'
        '[[schedule]]\nroutine = "gluteus-medius"\ndays = "daily"\nat = ["10:30"]\n',
        encoding="utf-8",
    )
    paths = json.loads(ok(run_reminder("paths", "--json", "--config", str(config))).stdout)
    write_sessions_without_relief(Path(paths["history"]), sessions)
    result = run_reminder("stats", "--json", "--config", str(config), env=faketime_env(NOW))
    advice = json.loads(ok(result).stdout)["advice"]
    if not advised:
        assert advice is None
        return
    assert advice is not None
    assert advice["routine"] == "gluteus-medius"
    assert advice["completed"] == 6
    assert advice["see_also"] == ["quadratus-lumborum", "iliacus", "psoas", "piriformis"]
    for title in ("Quadratus lumborum", "Iliacus", "Psoas", "Piriformis"):
        assert title in advice["message"]
    assert "clinician" in advice["message"]
    text = ok(run_reminder("stats", "--config", str(config), env=faketime_env(NOW))).stdout
    assert advice["message"] in text


# --- The daemon ----------------------------------------------------------------


def test_json_log_is_one_object_a_line_and_the_session_lands_in_history_sqlite3(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "`reminder run --log-format json` writes one JSON object a line
    to stderr for every event (...), with the event's name under `"event"` and
    its time under `"ts"`; a `step` event carries the plan step's fields plus
    `planned` and `sent`." and "Every session is recorded in
    `history.sqlite3` in the state folder (`reminder paths`)"."""
    config = write_config(tmp_path, config_text(QUICK_ROUTINE))
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    end = daemon.wait_for("session-end", timeout=30)
    assert end["outcome"] == "completed"
    assert daemon.stop() == 0

    assert daemon.stderr_lines, "nothing was logged"
    for line in daemon.stderr_lines:
        event = json.loads(line)
        assert isinstance(event, dict), line
        assert isinstance(event["event"], str), line
        assert_iso_with_offset(event["ts"])
    names = [e["event"] for e in daemon.events]
    for name in ("daemon-start", "session-start", "step", "session-end"):
        assert name in names
    steps = daemon.named("step")
    assert [tuple(s[k] for k in STEP_ORDER) for s in steps] == QUICK_STEPS
    for step in steps:
        planned = assert_iso_with_offset(step["planned"])
        assert planned == DUE + dt.timedelta(seconds=step["offset"])
        assert assert_iso_with_offset(step["sent"]) >= planned

    paths = json.loads(ok(cli("paths", "--json", "--config", str(config))).stdout)
    database = Path(paths["state"]) / "history.sqlite3"
    assert database.is_file()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT routine, outcome FROM sessions").fetchall()
    assert rows == [("tiny", "completed")]


def test_sigint_ends_the_daemon_cleanly_and_records_the_session_interrupted(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "SIGTERM or SIGINT end it cleanly; a session in progress is
    recorded as interrupted." (SIGTERM: test_daemon.py.)"""
    import signal

    config = write_config(tmp_path, config_text(IDLE_ROUTINE))
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("step")
    daemon.signal(signal.SIGINT)
    assert daemon.stop() == 0
    assert [e["outcome"] for e in daemon.named("session-end")] == ["interrupted"]
    recorded = json.loads(ok(cli("history", "--json", "--config", str(config))).stdout)
    assert [(e["routine"], e["outcome"]) for e in recorded] == [("tiny", "interrupted")]


def test_a_saved_edit_applies_without_a_restart_and_a_broken_one_is_logged_in_full(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "The running daemon applies a saved edit within a second." and
    "A broken edit keeps the last good config, shows a notification with the
    first mistakes and logs all of them.\""""
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=("10:30",)))
    daemon = launch(config)
    daemon.wait_for("next", where=lambda e: e["at"].endswith("T10:30:00+00:00"))

    # How soon is measured by bench/reload_latency.py (docs/performance.md).
    save_by_rename(config, config_text(IDLE_ROUTINE, at=("11:45",)))
    daemon.wait_for("reload", timeout=5)
    daemon.wait_for("next", where=lambda e: e["at"].endswith("T11:45:00+00:00"))

    three_mistakes = config_text(IDLE_ROUTINE, at=("25:00",), start="sometimes").replace(
        'snooze = "1m"', 'snooze = "soon"'
    )
    save_by_rename(config, three_mistakes)
    error = daemon.wait_for("config-error", timeout=5)
    logged = "\n".join(error["problems"])
    assert len(error["problems"]) == 3, logged
    for mistake in ("settings.start", "settings.snooze", "schedule[0].at[0]"):
        assert mistake in logged
    note = [c for c in mock_server.notify_calls() if c.summary.startswith("Config not applied")]
    assert len(note) == 1
    assert note[0].summary == "Config not applied: it has 3 mistakes"
    assert any(word in note[0].body for word in ("sometimes", "soon", "25:00"))
    # The last good config is still the one in force.
    assert len(daemon.named("reload")) == 1
    answer = status(cli, config)
    assert moment(answer["next"]["at"]).time() == dt.time(11, 45)
    assert len(answer["config_errors"]) == 3
    assert daemon.stop() == 0


STATUS_KEYS = {
    "state",
    "sound",
    "notifier_in_use",
    "notifier_retrying",
    "notifier_error",
    "held",
    "history",
    "history_error",
    "pid",
    "version",
    "config",
    "config_errors",
    "notifier",
    "session",
    "asking",
    "next",
    "paused",
    "paused_until",
}
SESSION_KEYS = {
    "id",
    "routine",
    "title",
    "index",
    "steps",
    "step",
    "step_ends",
    "remaining_seconds",
    "session_remaining_seconds",
    "paused",
}


def test_status_json_has_the_documented_shape_and_pause_takes_a_duration(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "`status --json`: `{"state": "idle"|"asking"|"in-session"|
    "session-paused"|"paused", "pid", "version", "config", "config_errors":
    [lines], "notifier", "session": null | {"id", "routine", "title", "index",
    "steps", "step": {plan step fields, "summary", "body"}, "step_ends",
    "remaining_seconds", "session_remaining_seconds", "paused"}, "asking":
    null | {"routine", "at"}, "next": null | {"at", "routine", "schedule"},
    "paused", "paused_until", "held": null | {"routine", "at"}, "history",
    "history_error", "notifier_in_use", "notifier_retrying", "notifier_error",
    "sound": {...}}`" and "FOR is a duration like `30m`, `1h` or `1h30m`"."""
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=("03:00",)))
    daemon = launch(config)
    daemon.wait_for("next")

    idle = status(cli, config)
    assert set(idle) == STATUS_KEYS
    assert (idle["state"], idle["session"], idle["asking"], idle["held"], idle["paused"]) == (
        "idle",
        None,
        None,
        None,
        False,
    )
    assert (idle["history"], idle["history_error"]) == (
        str(Path(os.environ["XDG_STATE_HOME"]) / "reminder" / "history.sqlite3"),
        None,
    )
    assert idle["version"] == metadata.version("reminder")
    assert set(idle["next"]) == {"at", "routine", "schedule"}
    moment(idle["next"]["at"])

    before = dt.datetime.now(UTC)
    ok(cli("pause", "1h30m", "--config", str(config)))
    paused = status(cli, config)
    assert (paused["state"], paused["paused"]) == ("paused", True)
    until = moment(paused["paused_until"])
    assert dt.timedelta(minutes=90) <= until - before <= dt.timedelta(minutes=90, seconds=10)
    ok(cli("resume", "--config", str(config)))

    ok(cli("now", "tiny", "--config", str(config)))
    daemon.wait_for("step")
    running = status(cli, config)
    assert set(running) == STATUS_KEYS
    assert running["state"] == "in-session"
    session = running["session"]
    assert set(session) == SESSION_KEYS
    assert set(session["step"]) == STEP_FIELDS | {"summary", "body"}
    assert (session["routine"], session["title"], session["index"], session["steps"]) == (
        "tiny",
        "Tiny",
        0,
        3,
    )
    assert (session["step"]["phase"], session["step"]["exercise"]) == ("release", "Ball")
    moment(session["step_ends"])
    assert 0 < session["remaining_seconds"] <= 30
    assert 60 < session["session_remaining_seconds"] <= 90
    assert session["paused"] is False
    ok(cli("stop", "--config", str(config)))
    daemon.wait_for("session-end")
    assert daemon.stop() == 0


def test_status_shows_the_asking_session_and_snooze_puts_it_off(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "`reminder snooze [FOR]` put off the session that is asking, or
    the next one" and `status --json`'s `"asking": null | {"routine", "at"}`.
    (Snoozing the next one: test_control.py.)"""
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, start="ask"))
    daemon = launch(config, faketime=TWO_SECONDS_BEFORE)
    daemon.wait_for("ask")

    asking = status(cli, config)
    assert asking["state"] == "asking"
    assert set(asking["asking"]) == {"routine", "at"}
    assert asking["asking"]["routine"] == "tiny"
    assert moment(asking["asking"]["at"]) == DUE
    fresh = [c for c in mock_server.notify_calls() if c.replaces_id == 0]
    # The server numbers new notifications 1, 2, 3, ...
    asked_id = next(n for n, c in enumerate(fresh, 1) if c.summary == "Time for Tiny")

    snoozed = ok(cli("snooze", "2m", "--config", str(config)))
    assert snoozed.stdout.startswith("Snoozed tiny until ")
    event = daemon.wait_for("snoozed")
    assert event["routine"] == "tiny"
    put_off = assert_iso_with_offset(event["until"]) - assert_iso_with_offset(event["ts"])
    # "ts" is to the millisecond; "until" is not.
    assert abs(put_off - dt.timedelta(minutes=2)) < dt.timedelta(seconds=1)
    after = status(cli, config)
    assert after["asking"] is None
    assert after["state"] == "idle"
    assert daemon.named("session-start") == []
    assert [asked_id] in mock_server.method_calls("CloseNotification")
    assert daemon.stop() == 0


def test_status_json_times_are_iso_8601_with_their_offset(
    mock_server: MockServer, cli: RunReminder, launch: Launch, tmp_path: Path
) -> None:
    """README: "`--json` output is stable; every time in it is ISO-8601 with its
    UTC offset" — for `status --json` as for the others."""
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, at=("03:00",)))
    daemon = launch(config)
    daemon.wait_for("next")
    ok(cli("pause", "1h", "--config", str(config)))
    paused = status(cli, config)
    assert paused["state"] == "paused"
    assert_iso_with_offset(paused["next"]["at"])
    assert_iso_with_offset(paused["paused_until"])
    assert daemon.stop() == 0
