"""The commands a user runs to look before they leap: plan, next, routines,
init, paths, validate, --version and --help — run in-process with an
injected clock, checked against DESIGN.md and the TOML written here."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from reminder.paths import example_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RunCli = Callable[..., Result]

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("desk-break", "gluteus-medius", "iliacus", "piriformis", "psoas", "quadratus-lumborum")
PHASES = ("release", "stretch", "strengthen")
STEP_KEYS = {"phase", "exercise", "kind", "side", "set", "reps", "offset", "duration", "level"}
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9_BERLIN = dt.datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")

# Phases listed out of order on purpose: they must still run release → stretch
# → strengthen. Every default is exercised (ready 10s, switch 5s, rep_time 3s).
TEST_ROUTINE = """\
title = "Test hips"
about = "A routine written for the tests."

[[strengthen]]
exercise = "Bridge"
reps = 10
sets = 2
rep_time = "2s"
rest = "0s"

[[strengthen]]
exercise = "Clamshells"
reps = 5
sets = 2
rest = "30s"
sides = "both"
ready = "5s"

[[release]]
exercise = "Ball release"
hold = "1m30s"
sides = "both"
switch = "10s"

[[stretch]]
exercise = "Figure-4"
hold = 30
sets = 2
rest = "10s"
sides = "left"
ready = "0s"
"""

# (phase, exercise, kind, side, set, reps, offset, duration), worked out by hand
# from DESIGN.md's plan semantics. Zero-length steps (Figure-4's ready, Bridge's
# rest) are left out.
TEST_ROUTINE_STEPS: list[tuple[str, str, str, str | None, int | None, int | None, int, int]] = [
    ("release", "Ball release", "ready", None, None, None, 0, 10),
    ("release", "Ball release", "work", "left", 1, None, 10, 90),
    ("release", "Ball release", "switch", "right", 1, None, 100, 10),
    ("release", "Ball release", "work", "right", 1, None, 110, 90),
    ("stretch", "Figure-4", "work", "left", 1, None, 200, 30),
    ("stretch", "Figure-4", "rest", None, 1, None, 230, 10),
    ("stretch", "Figure-4", "work", "left", 2, None, 240, 30),
    ("strengthen", "Bridge", "ready", None, None, None, 270, 10),
    ("strengthen", "Bridge", "work", None, 1, 10, 280, 20),
    ("strengthen", "Bridge", "work", None, 2, 10, 300, 20),
    ("strengthen", "Clamshells", "ready", None, None, None, 320, 5),
    ("strengthen", "Clamshells", "work", "left", 1, 5, 325, 15),
    ("strengthen", "Clamshells", "switch", "right", 1, None, 340, 5),
    ("strengthen", "Clamshells", "work", "right", 1, 5, 345, 15),
    ("strengthen", "Clamshells", "rest", None, 1, None, 360, 30),
    ("strengthen", "Clamshells", "work", "left", 2, 5, 390, 15),
    ("strengthen", "Clamshells", "switch", "right", 2, None, 405, 5),
    ("strengthen", "Clamshells", "work", "right", 2, 5, 410, 15),
]
TEST_ROUTINE_TOTAL = 425
TEST_ROUTINE_PHASE_TOTALS = {"release": 200, "stretch": 70, "strengthen": 155}

SMALL_ROUTINE = """\
title = "My own glutes"

[[release]]
exercise = "Wall ball"
hold = "20s"

[[stretch]]
exercise = "Figure-4"
hold = "20s"

[[strengthen]]
exercise = "Clamshells"
reps = 5
"""
SMALL_ROUTINE_TOTAL = (10 + 20) + (10 + 20) + (10 + 5 * 3)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (
        f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "Traceback" not in result.stderr
    return result


def seconds(value: int | str) -> int:
    """A duration as DESIGN.md defines them: "90s", "1m30s", "2m" or whole seconds."""
    if isinstance(value, int):
        return value
    assert value, "an empty string is not a duration"
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", value)
    assert match is not None, f"not a duration: {value!r}"
    hours, minutes, secs = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def exercise_seconds(exercise: Mapping[str, Any]) -> int:
    """DESIGN.md: ready + sets × (n_sides × work + (n_sides − 1) × switch) + (sets − 1) × rest."""
    ready = seconds(exercise.get("ready", "10s"))
    sets = int(exercise.get("sets", 1))
    rest = seconds(exercise.get("rest", "0s"))
    switch = seconds(exercise.get("switch", "5s"))
    n_sides = 2 if exercise.get("sides", "none") == "both" else 1
    if "hold" in exercise:
        work = seconds(exercise["hold"])
    else:
        work = int(exercise["reps"]) * seconds(exercise.get("rep_time", "3s"))
    return ready + sets * (n_sides * work + (n_sides - 1) * switch) + (sets - 1) * rest


def routine_seconds(routine: Mapping[str, Any]) -> int:
    """A session at level 1; of a programme, its first group's (DESIGN.md: the
    groups take turns in the order they first appear, release to strengthen)."""
    groups = [e["group"] for phase in PHASES for e in routine[phase] if "group" in e]
    first = groups[0] if groups else None
    return sum(
        exercise_seconds(e)
        for phase in PHASES
        for e in routine[phase]
        if e.get("group", first) == first
    )


def bundled_toml(name: str) -> dict[str, Any]:
    with (ROOT / "schedules" / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def as_tuples(
    steps: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str, str, str | None, int | None, int | None, int, int]]:
    return [
        (
            s["phase"],
            s["exercise"],
            s["kind"],
            s["side"],
            s["set"],
            s["reps"],
            s["offset"],
            s["duration"],
        )
        for s in steps
    ]


def assert_plan_shape(plan: Mapping[str, Any]) -> None:
    """DESIGN.md's `plan --json`: keys, step fields, back-to-back steps, total."""
    assert set(plan) == {"routine", "title", "group", "total_seconds", "steps"}
    steps = plan["steps"]
    assert steps, "a plan has steps"
    offset = 0
    for step in steps:
        assert set(step) == STEP_KEYS, step
        assert step["phase"] in PHASES
        assert step["kind"] in ("ready", "work", "switch", "rest")
        assert step["side"] in ("left", "right", None)
        assert step["set"] is None or isinstance(step["set"], int)
        assert step["reps"] is None or isinstance(step["reps"], int)
        assert step["level"] is None or step["level"] >= 1
        assert step["offset"] == offset, f"step does not start where the last ended: {step}"
        assert step["duration"] > 0, f"zero-length steps are left out: {step}"
        offset += step["duration"]
    assert plan["total_seconds"] == offset


def duration_forms(total: int) -> list[str]:
    """Ways a table may write a duration: 3 min 20 s, 3m20s, 3:20, 200 s."""
    minutes, secs = divmod(total, 60)
    forms = [f"{total} s", f"{total}s", f"{minutes}:{secs:02d}"]
    if minutes and secs:
        forms += [f"{minutes} min {secs} s", f"{minutes}m{secs}s", f"{minutes}m {secs}s"]
    elif minutes:
        forms += [f"{minutes} min", f"{minutes}m"]
    return forms


def next_json(run_cli: RunCli, config: Path, count: int, now: dt.datetime) -> list[dict[str, Any]]:
    result = ok(run_cli("next", "--config", str(config), "--count", str(count), "--json", now=now))
    sessions: list[dict[str, Any]] = json.loads(result.stdout)
    for session in sessions:
        assert set(session) == {"at", "routine", "schedule", "group"}, session
        assert ISO_WITH_OFFSET.fullmatch(session["at"]), session["at"]
        assert isinstance(session["schedule"], int)
    return sessions


def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def moments(sessions: Sequence[Mapping[str, Any]]) -> list[tuple[dt.datetime, str, int]]:
    return [(dt.datetime.fromisoformat(s["at"]), s["routine"], s["schedule"]) for s in sessions]


# plan


def test_plan_json_of_a_routine_file_follows_the_plan_semantics(
    run_cli: RunCli, tmp_path: Path
) -> None:
    routine = write(tmp_path / "routines" / "test-hips.toml", TEST_ROUTINE)
    plan = json.loads(ok(run_cli("plan", str(routine), "--json")).stdout)
    assert_plan_shape(plan)
    assert plan["routine"] == "test-hips"
    assert plan["title"] == "Test hips"
    assert as_tuples(plan["steps"]) == TEST_ROUTINE_STEPS
    assert plan["total_seconds"] == TEST_ROUTINE_TOTAL


def test_plan_of_a_relative_routine_path(run_cli: RunCli) -> None:
    write(Path.cwd() / "mine" / "test-hips.toml", TEST_ROUTINE)
    plan = json.loads(ok(run_cli("plan", "mine/test-hips.toml", "--json")).stdout)
    assert plan["total_seconds"] == TEST_ROUTINE_TOTAL


def test_plan_table_shows_phases_exercises_sides_sets_and_totals(
    run_cli: RunCli, tmp_path: Path
) -> None:
    routine = write(tmp_path / "test-hips.toml", TEST_ROUTINE)
    table = ok(run_cli("plan", str(routine), "--brief")).stdout
    lines = table.splitlines()
    assert "Test hips" in lines[0]

    lowered = table.lower()
    assert lowered.index("release") < lowered.index("stretch") < lowered.index("strengthen")
    for exercise in ("Ball release", "Figure-4", "Bridge", "Clamshells"):
        assert exercise in table
    # One row per step: work and switch rows name their side.
    assert sum(1 for line in lines if re.search(r"\bleft\b", line)) == 5
    assert sum(1 for line in lines if re.search(r"\bright\b", line)) == 6
    # Set numbers 1 and 2 appear in step rows.
    assert any(re.search(r"\bleft\s+2\b", line) for line in lines), table

    for phase, total in TEST_ROUTINE_PHASE_TOTALS.items():
        subtotal = [line for line in lines if phase in line.lower() and "total" in line.lower()]
        assert subtotal, f"no {phase} total in:\n{table}"
        assert any(form in subtotal[0] for form in duration_forms(total)), subtotal[0]
    grand = [line for line in lines if line.lower().startswith("total")]
    assert len(grand) == 1, table
    assert any(form in grand[0] for form in duration_forms(TEST_ROUTINE_TOTAL)), grand[0]


@pytest.mark.parametrize("name", BUNDLED)
def test_plan_of_a_bundled_routine_says_what_it_needs_and_how_to_do_each_exercise(
    run_cli: RunCli, name: str
) -> None:
    routine = bundled_toml(name)
    assert routine["equipment"], f"{name} lists no equipment"
    text = ok(run_cli("plan", name)).stdout
    needs = next(line for line in text.splitlines() if line.startswith("You need: "))
    for item in routine["equipment"]:
        assert item in needs
    # A programme's plan is its next session: an exercise of a group shows in
    # that group's plan (--group), one without in every session's.
    groups = {
        e["group"] for p in ("release", "stretch", "strengthen") for e in routine[p] if "group" in e
    }
    shown = {group: ok(run_cli("plan", name, "--group", group)).stdout for group in groups}
    for phase in ("release", "stretch", "strengthen"):
        for exercise in routine[phase]:
            in_plan = shown[exercise["group"]] if "group" in exercise else text
            flat = " ".join(in_plan.split())  # the how-to is wrapped to the terminal
            assert f"{phase.capitalize()} · {exercise['exercise']}" in in_plan
            assert exercise["how"] in flat
    brief = ok(run_cli("plan", name, "--brief")).stdout
    assert "You need" not in brief
    for exercise in routine["release"]:
        assert exercise["exercise"] in brief
        assert exercise["how"] not in " ".join(brief.split())
    table = brief[brief.index("start  phase") :].strip()
    assert table in text  # the same table, only alone


def test_plan_says_which_side_each_exercise_starts_on(run_cli: RunCli, tmp_path: Path) -> None:
    routine = write(tmp_path / "test-hips.toml", TEST_ROUTINE)
    text = ok(run_cli("plan", str(routine))).stdout
    guide = text[text.index("How to do each exercise") :].splitlines()
    assert "Release · Ball release (both sides, left first)" in guide
    assert "Stretch · Figure-4 (left side)" in guide
    assert "Strengthen · Bridge" in guide  # sides = "none": no side to name


@pytest.mark.parametrize("name", BUNDLED)
def test_plan_json_of_a_bundled_routine(run_cli: RunCli, name: str) -> None:
    plan = json.loads(ok(run_cli("plan", name, "--json")).stdout)
    assert_plan_shape(plan)
    assert plan["routine"] == name
    assert plan["title"] == bundled_toml(name)["title"]
    assert plan["total_seconds"] == routine_seconds(bundled_toml(name))


def test_plan_of_an_unknown_routine_is_a_usage_error_listing_the_available_ones(
    run_cli: RunCli,
) -> None:
    result = run_cli("plan", "gluteus")
    assert result.exit_code == 2
    assert "gluteus" in result.stderr
    for name in BUNDLED:
        assert name in result.stderr
    assert result.stdout == ""


def test_plan_of_a_user_routine_by_name(run_cli: RunCli, user_routines_dir: Path) -> None:
    write(user_routines_dir / "evening.toml", SMALL_ROUTINE)
    plan = json.loads(ok(run_cli("plan", "evening", "--json")).stdout)
    assert plan["title"] == "My own glutes"
    assert plan["total_seconds"] == SMALL_ROUTINE_TOTAL


def test_plan_of_a_missing_routine_file_does_not_suggest_init(run_cli: RunCli) -> None:
    result = run_cli("plan", "missing.toml")
    assert result.exit_code == 78
    assert "missing.toml" in result.stderr
    assert "init" not in result.stderr


# next


BERLIN_CONFIG = """\
[settings]
timezone = "Europe/Berlin"
quiet_hours = "12:00-16:30"

[[schedule]]
routine = "gluteus-medius"
days = ["mon", "wed"]
at = ["10:30", "16:00"]
"""


def test_next_honours_days_and_quiet_hours(run_cli: RunCli, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", BERLIN_CONFIG)
    sessions = next_json(run_cli, config, 3, MONDAY_9_BERLIN)
    # 16:00 falls in quiet hours; Tuesday is not a scheduled day.
    assert moments(sessions) == [
        (at(2026, 11, 30, 10, 30), "gluteus-medius", 0),
        (at(2026, 12, 2, 10, 30), "gluteus-medius", 0),
        (at(2026, 12, 7, 10, 30), "gluteus-medius", 0),
    ]
    assert sessions[0]["at"].startswith("2026-11-30T10:30")
    assert sessions[0]["at"].endswith("+01:00")


@pytest.mark.parametrize("count", [1, 4])
def test_next_count(run_cli: RunCli, tmp_path: Path, count: int) -> None:
    config = write(tmp_path / "config.toml", BERLIN_CONFIG)
    assert len(next_json(run_cli, config, count, MONDAY_9_BERLIN)) == count


def test_next_every_between_and_several_schedules(run_cli: RunCli, tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        """\
[settings]
timezone = "Europe/Berlin"

[[schedule]]
routine = "desk-break"
days = "daily"
every = "2h"
between = "09:00-13:30"

[[schedule]]
routine = "psoas"
days = "weekends"
at = ["18:00"]
""",
    )
    sessions = next_json(run_cli, config, 18, MONDAY_9_BERLIN)
    # 09:00 on Monday is now, so not upcoming; 13:00 is the last start before 13:30.
    expected = [(at(2026, 11, 30, h, 0), "desk-break", 0) for h in (11, 13)]
    for day in (1, 2, 3, 4, 5):  # Tuesday 1 Dec to Saturday 5 Dec
        expected += [(at(2026, 12, day, h, 0), "desk-break", 0) for h in (9, 11, 13)]
    expected.append((at(2026, 12, 5, 18, 0), "psoas", 1))
    assert moments(sessions) == expected


def test_next_quiet_hours_that_wrap_midnight(run_cli: RunCli, tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        """\
[settings]
timezone = "Europe/Berlin"
quiet_hours = "22:00-07:00"

[[schedule]]
routine = "desk-break"
at = ["06:30", "07:30", "21:30", "23:00"]
""",
    )
    sessions = next_json(run_cli, config, 3, MONDAY_9_BERLIN)
    assert [m for m, _, _ in moments(sessions)] == [
        at(2026, 11, 30, 21, 30),
        at(2026, 12, 1, 7, 30),
        at(2026, 12, 1, 21, 30),
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            at(2027, 3, 27, 12, 0),
            # 02:30 does not exist on 28 March 2027 (02:00 → 03:00): the first valid instant.
            ["2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00"],
            id="spring-forward",
        ),
        pytest.param(
            at(2027, 10, 30, 12, 0),
            # 02:30 happens twice on 31 October 2027: once, at the first (summer time).
            ["2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00"],
            id="fall-back",
        ),
    ],
)
def test_next_across_daylight_saving_changes(
    run_cli: RunCli, tmp_path: Path, now: dt.datetime, expected: list[str]
) -> None:
    config = write(
        tmp_path / "config.toml",
        '[settings]\ntimezone = "Europe/Berlin"\n\n'
        '[[schedule]]\nroutine = "desk-break"\nat = ["02:30"]\n',
    )
    sessions = next_json(run_cli, config, 2, now)
    assert [m for m, _, _ in moments(sessions)] == [dt.datetime.fromisoformat(e) for e in expected]
    assert [s["at"][-6:] for s in sessions] == [e[-6:] for e in expected]


def test_next_as_text_lists_the_sessions(run_cli: RunCli, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", BERLIN_CONFIG)
    result = ok(run_cli("next", "--config", str(config), "--count", "3", now=MONDAY_9_BERLIN))
    rows = [line for line in result.stdout.splitlines() if "gluteus-medius" in line]
    assert len(rows) == 3, result.stdout
    assert all("10:30" in row for row in rows)
    assert "16:00" not in result.stdout
    assert "Europe/Berlin" in result.stdout


def test_next_without_a_config_uses_the_built_in_default(run_cli: RunCli) -> None:
    saturday_noon = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)
    result = ok(run_cli("next", "--count", "4", "--json", now=saturday_noon))
    sessions = json.loads(result.stdout)
    assert [s["routine"] for s in sessions] == ["gluteus-medius"] * 4
    # Weekdays at 10:30 and 16:00 in the local zone: Monday and Tuesday.
    local = [dt.datetime.fromisoformat(s["at"]) for s in sessions]
    assert [(m.date(), m.hour, m.minute) for m in local] == [
        (dt.date(2026, 11, 30), 10, 30),
        (dt.date(2026, 11, 30), 16, 0),
        (dt.date(2026, 12, 1), 10, 30),
        (dt.date(2026, 12, 1), 16, 0),
    ]
    text = ok(run_cli("next", now=saturday_noon)).stdout
    assert "default" in text


# routines


def test_routines_lists_the_six_bundled_ones(run_cli: RunCli) -> None:
    text = ok(run_cli("routines")).stdout
    for name in BUNDLED:
        rows = [line for line in text.splitlines() if line.split() and line.split()[0] == name]
        assert len(rows) == 1, text
        assert "bundled" in rows[0]
        assert bundled_toml(name)["title"] in rows[0]


def test_routines_json(run_cli: RunCli) -> None:
    listed = json.loads(ok(run_cli("routines", "--json")).stdout)
    by_name = {r["name"]: r for r in listed}
    assert sorted(by_name) == sorted(BUNDLED)
    assert len(listed) == len(BUNDLED)
    for name, entry in by_name.items():
        assert {"name", "title", "total_seconds", "source"} <= set(entry)
        assert entry["source"] == "bundled"
        assert entry["title"] == bundled_toml(name)["title"]
        assert entry["total_seconds"] == routine_seconds(bundled_toml(name))


def test_user_routine_shadows_the_bundled_one(run_cli: RunCli, user_routines_dir: Path) -> None:
    write(user_routines_dir / "gluteus-medius.toml", SMALL_ROUTINE)
    write(user_routines_dir / "evening.toml", SMALL_ROUTINE.replace("My own glutes", "Evening"))
    listed = json.loads(ok(run_cli("routines", "--json")).stdout)
    by_name = {r["name"]: r for r in listed}
    assert len(listed) == len(by_name) == len(BUNDLED) + 1
    assert by_name["gluteus-medius"]["source"] == "user"
    assert by_name["gluteus-medius"]["title"] == "My own glutes"
    assert by_name["gluteus-medius"]["total_seconds"] == SMALL_ROUTINE_TOTAL
    assert by_name["evening"]["source"] == "user"
    assert by_name["desk-break"]["source"] == "bundled"
    # And the shadowing one is what plan and schedules use.
    plan = json.loads(ok(run_cli("plan", "gluteus-medius", "--json")).stdout)
    assert plan["title"] == "My own glutes"


def test_broken_user_routine_is_reported_and_the_good_ones_still_listed(
    run_cli: RunCli, user_routines_dir: Path
) -> None:
    write(user_routines_dir / "evening.toml", SMALL_ROUTINE)
    broken = write(
        user_routines_dir / "broken.toml", SMALL_ROUTINE.replace("reps = 5", 'reps = "five"')
    )
    result = run_cli("routines")
    assert result.exit_code == 78
    assert "Traceback" not in result.stderr
    for name in (*BUNDLED, "evening"):
        assert re.search(rf"^{re.escape(name)}\b", result.stdout, re.MULTILINE), result.stdout
    assert "broken" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(broken))]
    assert len(lines) == 1, result.stderr
    assert "strengthen[0].reps" in lines[0]


# init


def test_init_writes_the_example_config_which_validates(
    run_cli: RunCli, default_config_file: Path
) -> None:
    result = ok(run_cli("init"))
    assert str(default_config_file) in result.stdout
    written = default_config_file.read_bytes()
    assert written == example_config().read_bytes()
    assert written == (ROOT / "config.example.toml").read_bytes()
    validated = ok(run_cli("validate"))
    assert "valid" in validated.stdout
    assert str(default_config_file) in validated.stdout


def test_init_to_a_config_path(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "reminder.toml"
    ok(run_cli("init", "--config", str(target)))
    assert target.read_bytes() == example_config().read_bytes()


def test_init_refuses_to_overwrite_without_force(
    run_cli: RunCli, default_config_file: Path
) -> None:
    mine = b"# my own config\n" + b'[[schedule]]\nroutine = "psoas"\nat = ["09:00"]\n'
    write(default_config_file, "").write_bytes(mine)
    result = run_cli("init")
    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert str(default_config_file) in result.stderr
    assert default_config_file.read_bytes() == mine
    assert sorted(p.name for p in default_config_file.parent.iterdir()) == ["config.toml"]


def test_init_force_keeps_the_old_config_as_bak(run_cli: RunCli, default_config_file: Path) -> None:
    mine = b"# my own config\n"
    write(default_config_file, "").write_bytes(mine)
    ok(run_cli("init", "--force"))
    assert default_config_file.read_bytes() == example_config().read_bytes()
    backups = [p for p in default_config_file.parent.iterdir() if p.name.endswith(".bak")]
    assert len(backups) == 1
    assert backups[0].read_bytes() == mine


def test_init_dry_run_writes_nothing(run_cli: RunCli, xdg_config_home: Path) -> None:
    result = ok(run_cli("init", "--dry-run"))
    assert str(xdg_config_home / "reminder" / "config.toml") in result.stdout
    assert list(xdg_config_home.iterdir()) == []


def test_init_dry_run_with_force_changes_nothing(
    run_cli: RunCli, default_config_file: Path
) -> None:
    mine = b"# my own config\n"
    write(default_config_file, "").write_bytes(mine)
    ok(run_cli("init", "--force", "--dry-run"))
    assert default_config_file.read_bytes() == mine
    assert sorted(p.name for p in default_config_file.parent.iterdir()) == ["config.toml"]


# paths


def test_paths_json_follows_the_xdg_folders(
    run_cli: RunCli, xdg_config_home: Path, xdg_state_home: Path, xdg_runtime_dir: Path
) -> None:
    paths = json.loads(ok(run_cli("paths", "--json")).stdout)
    assert {"config", "routines", "bundled_routines", "state", "control_socket"} <= set(paths)
    assert Path(paths["config"]) == xdg_config_home / "reminder" / "config.toml"
    assert Path(paths["routines"]) == xdg_config_home / "reminder" / "routines"
    assert Path(paths["state"]).is_relative_to(xdg_state_home)
    assert Path(paths["control_socket"]) == xdg_runtime_dir / "reminder" / "control.sock"
    bundled = Path(paths["bundled_routines"])
    assert sorted(p.stem for p in bundled.glob("*.toml")) == sorted(BUNDLED)


def test_paths_honours_reminder_config_and_the_option_beats_it(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = tmp_path / "from-env.toml"
    from_option = tmp_path / "from-option.toml"
    monkeypatch.setenv("REMINDER_CONFIG", str(from_env))
    assert Path(json.loads(ok(run_cli("paths", "--json")).stdout)["config"]) == from_env
    shown = json.loads(ok(run_cli("paths", "--json", "--config", str(from_option))).stdout)
    assert Path(shown["config"]) == from_option


def test_paths_as_text_names_the_config(run_cli: RunCli, default_config_file: Path) -> None:
    assert str(default_config_file) in ok(run_cli("paths")).stdout


# validate, --version, --help


def test_validate_says_a_good_config_is_valid(run_cli: RunCli, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", BERLIN_CONFIG)
    result = ok(run_cli("validate", "--config", str(config)))
    assert "valid" in result.stdout
    assert str(config) in result.stdout
    # Its 16:00 falls in quiet hours (12:00-16:30) on purpose: said, not an error.
    assert result.stderr.splitlines() == [
        f"warning: {config}: schedule[0].at[1]: 16:00 falls in quiet hours (12:00-16:30), "
        "so gluteus-medius never runs then. Move it, or change quiet_hours."
    ]


def test_validate_a_config_using_a_routine_next_to_it(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path / "conf" / "routines" / "test-hips.toml", TEST_ROUTINE)
    config = write(
        tmp_path / "conf" / "config.toml",
        '[[schedule]]\nroutine = "routines/test-hips.toml"\nat = ["10:30"]\n',
    )
    assert "valid" in ok(run_cli("validate", "--config", str(config))).stdout


def test_validate_without_a_config_explains_the_default(run_cli: RunCli) -> None:
    result = ok(run_cli("validate"))
    assert "default" in result.stdout
    assert "reminder init" in result.stdout


def test_version(run_cli: RunCli) -> None:
    result = ok(run_cli("--version"))
    assert result.stdout.strip() == f"reminder {metadata.version('reminder')}"


def test_help_lists_the_commands(run_cli: RunCli) -> None:
    text = ok(run_cli("--help")).stdout
    for command in ("validate", "plan", "next", "routines", "init", "paths"):
        assert re.search(rf"^\s+{command}\b", text, re.MULTILINE), f"{command} not in:\n{text}"


# The bundled routines themselves.


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_routine_has_all_phases_in_order(run_cli: RunCli, name: str) -> None:
    plan = json.loads(ok(run_cli("plan", name, "--json")).stdout)
    phases = [s["phase"] for s in plan["steps"]]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == list(PHASES)
    for phase in PHASES:
        assert bundled_toml(name)[phase], f"{name} has no {phase} exercise"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_routine_length(name: str) -> None:
    total = routine_seconds(bundled_toml(name))
    low, high = (4 * 60, 7 * 60) if name == "desk-break" else (10 * 60, 20 * 60)
    assert low <= total <= high, f"{name} lasts {total} s"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_routine_explains_every_exercise(name: str) -> None:
    routine = bundled_toml(name)
    for phase in PHASES:
        for exercise in routine[phase]:
            assert str(exercise.get("how", "")).strip(), f"{name}: {exercise['exercise']}"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_routine_see_also_names_other_bundled_routines(name: str) -> None:
    see_also = bundled_toml(name).get("see_also", [])
    assert see_also
    assert set(see_also) <= set(BUNDLED) - {name}


def test_next_leaves_out_a_skipped_session_and_lists_a_snoozed_one_at_its_new_time(
    run_cli: RunCli, tmp_path: Path, xdg_state_home: Path
) -> None:
    from reminder.progress import ops
    from reminder.progress.history import History

    config = write(tmp_path / "config.toml", BERLIN_CONFIG)
    history = History(xdg_state_home / "reminder" / "history.sqlite3")
    history.apply(
        ops.decide(
            "skip",
            "gluteus-medius",
            schedule=0,
            scheduled_at=at(2026, 11, 30, 10, 30),
            until=None,
            decided_at=MONDAY_9_BERLIN,
        )
    )
    history.apply(
        ops.decide(
            "snooze",
            "gluteus-medius",
            schedule=0,
            scheduled_at=at(2026, 12, 2, 10, 30),
            until=at(2026, 12, 2, 11, 0),
            decided_at=MONDAY_9_BERLIN,
        )
    )
    history.close()
    sessions = next_json(run_cli, config, 2, MONDAY_9_BERLIN)
    assert moments(sessions) == [
        (at(2026, 12, 2, 11, 0), "gluteus-medius", 0),
        (at(2026, 12, 7, 10, 30), "gluteus-medius", 0),
    ]


def test_next_says_how_far_away_in_real_hours_across_the_spring_change(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = write(
        tmp_path / "config.toml",
        '[settings]\ntimezone = "Europe/Berlin"\n'
        '[[schedule]]\nroutine = "gluteus-medius"\ndays = "daily"\nat = ["10:30"]\n',
    )
    # Saturday 28 March 2026, 21:30 CET (20:30 UTC); Sunday's 10:30 is CEST
    # (08:30 UTC): 12 hours away, though the wall clock shows 13 between them.
    saturday_night = dt.datetime(2026, 3, 28, 20, 30, tzinfo=dt.timezone.utc)
    text = ok(run_cli("next", "--config", str(config), "--count", "1", now=saturday_night)).stdout
    assert "in 12 h" in text
    assert "13 h" not in text
