"""The bundled routines against ../PROTOCOL.md: its dosing facts at every
level, and the gluteus medius programme's shape (rotation, progression,
session length). Facts are read from the TOML files themselves; session
lengths come from `reminder plan --json`, as a user would see them."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from support.routines import routine_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RunCli = Callable[..., Result]
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("desk-break", "gluteus-medius", "iliacus", "piriformis", "psoas", "quadratus-lumborum")
PHASES = ("release", "stretch", "strengthen")
LEVEL_KEYS = ("exercise", "how", "hold", "reps", "sets", "rep_time", "rest")


def bundled(name: str) -> dict[str, Any]:
    with (ROOT / "schedules" / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def seconds(value: int | str) -> int:
    if isinstance(value, int):
        return value
    minutes, _, rest = value.partition("m") if "m" in value else ("0", "", value)
    return int(minutes or 0) * 60 + int(rest.rstrip("s") or 0)


def levels_of(exercise: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The exercise at level 1, 2, …, each as a whole table (DESIGN.md: a
    level changes some keys from level 1; hold and reps replace each other)."""
    yield dict(exercise)
    for level in exercise.get("levels", []):
        merged = {k: v for k, v in exercise.items() if k != "levels"}
        if "hold" in level:
            merged.pop("reps", None)
            merged.pop("rep_time", None)
        if "reps" in level:
            merged.pop("hold", None)
        merged.update(level)
        yield merged


def every_level(name: str, phase: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for exercise in bundled(name)[phase]:
        for number, level in enumerate(levels_of(exercise), start=1):
            yield f"{exercise['exercise']} level {number}", level


# -- PROTOCOL.md "Dosing", at every level of every bundled routine ------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_release_is_one_to_three_bouts_of_30_to_120_seconds(name: str) -> None:
    for label, level in every_level(name, "release"):
        assert 30 <= seconds(level["hold"]) <= 120, label
        assert 1 <= level.get("sets", 1) <= 3, label


@pytest.mark.parametrize("name", BUNDLED)
def test_stretches_hold_10_to_30_seconds_two_to_four_times(name: str) -> None:
    for label, level in every_level(name, "stretch"):
        assert 10 <= seconds(level["hold"]) <= 30, label
        assert 2 <= level.get("sets", 1) <= 4, label
        assert not bundled(name)["stretch"][0].get("levels"), "stretch holds stay constant"


@pytest.mark.parametrize("name", [n for n in BUNDLED if n != "desk-break"])
def test_strengthening_is_two_to_four_sets_with_30_to_60_seconds_rest(name: str) -> None:
    for label, level in every_level(name, "strengthen"):
        assert 2 <= level.get("sets", 1) <= 4, label
        if "reps" in level:
            assert 8 <= level["reps"] <= 20, label
            assert 30 <= seconds(level.get("rest", 0)) <= 60, label
        else:  # a hold: a plank or the balance stance
            assert seconds(level["hold"]) <= 30, label


def test_the_desk_break_stays_one_short_session() -> None:
    routine = bundled("desk-break")
    for phase in PHASES:
        for exercise in routine[phase]:
            assert "group" not in exercise
            assert "levels" not in exercise


# -- the gluteus medius programme (PROTOCOL.md "A programme over weeks") --------------------


def groups_of(routine: Mapping[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for phase in PHASES:
        for exercise in routine[phase]:
            found.setdefault(exercise.get("group", "every session"), set()).add(
                exercise["exercise"]
            )
    return found


def test_gluteus_medius_strengthening_takes_turns_and_the_rest_is_in_every_session() -> None:
    routine = bundled("gluteus-medius")
    assert groups_of(routine) == {
        "every session": {"Ball release", "Seated figure-4", "Pigeon stretch", "Single-leg stance"},
        "A": {"Side-lying hip abduction", "Clamshells"},
        "B": {"Fire hydrants", "Single-leg deadlift"},
    }
    for phase in ("release", "stretch"):
        assert all("group" not in e for e in routine[phase])


def test_gluteus_medius_every_strengthening_exercise_starts_at_two_sets_and_has_levels() -> None:
    for exercise in bundled("gluteus-medius")["strengthen"]:
        assert exercise.get("sets", 1) >= 2, exercise["exercise"]
        assert exercise.get("levels"), exercise["exercise"]


REP_STEPS = [(2, 10), (2, 12), (2, 15), (3, 12), (3, 15)]


@pytest.mark.parametrize(
    "exercise", ["Side-lying hip abduction", "Clamshells", "Fire hydrants", "Single-leg deadlift"]
)
def test_repetitions_climb_by_the_protocols_steps_then_a_harder_variant(exercise: str) -> None:
    written = next(e for e in bundled("gluteus-medius")["strengthen"] if e["exercise"] == exercise)
    levels = list(levels_of(written))
    assert [(lv["sets"], lv["reps"]) for lv in levels[:5]] == REP_STEPS
    variant = levels[5]
    assert variant["exercise"] != exercise, "level 6 is a harder variant, with its own name"
    assert variant["exercise"].startswith(exercise.split(maxsplit=1)[0])
    assert variant["how"] != written["how"], "a variant says how it differs"
    assert (variant["sets"], variant["reps"]) == (2, 10), "back at 2 × 10"
    assert seconds(variant["rep_time"]) > seconds(written["rep_time"]), "each rep is harder"
    assert len(levels) == 6


def test_the_stance_hold_grows_by_five_seconds_up_to_thirty() -> None:
    stance = next(
        e for e in bundled("gluteus-medius")["strengthen"] if e["exercise"] == "Single-leg stance"
    )
    levels = list(levels_of(stance))
    plain = [lv for lv in levels if lv["exercise"] == "Single-leg stance"]
    closed = [lv for lv in levels if lv["exercise"] != "Single-leg stance"]
    for run in (plain, closed):
        holds = [seconds(lv["hold"]) for lv in run if lv["sets"] == run[0]["sets"]]
        assert all(b - a == 5 for a, b in itertools.pairwise(holds)), holds
        assert holds[-1] == 30
    assert "eyes closed" in closed[0]["exercise"]


def plan_json(run_cli: RunCli, *args: str) -> dict[str, Any]:
    result = run_cli("plan", "gluteus-medius", "--json", *args)
    assert result.exit_code == 0, result.stderr
    plan: dict[str, Any] = json.loads(result.stdout)
    return plan


@pytest.mark.parametrize("group", ["A", "B"])
def test_each_gluteus_medius_session_lasts_15_to_20_minutes(run_cli: RunCli, group: str) -> None:
    plan = plan_json(run_cli, "--group", group)
    assert plan["group"] == group
    assert 15 * 60 <= plan["total_seconds"] <= 20 * 60, plan["total_seconds"]
    assert sum(s["duration"] for s in plan["steps"]) == plan["total_seconds"]
    strengthening = {s["exercise"] for s in plan["steps"] if s["phase"] == "strengthen"}
    assert strengthening == groups_of(bundled("gluteus-medius"))[group] | {"Single-leg stance"}


def test_every_strengthening_exercise_gets_two_or_three_sets_each_time_it_runs(
    run_cli: RunCli,
) -> None:
    for group in ("A", "B"):
        plan = plan_json(run_cli, "--group", group)
        sets: dict[str, int] = {}
        for step in plan["steps"]:
            if step["phase"] == "strengthen" and step["kind"] == "work":
                sets[step["exercise"]] = max(sets.get(step["exercise"], 0), step["set"])
        assert set(sets.values()) <= {2, 3}, sets


def test_a_session_at_the_hardest_levels_stays_under_25_minutes() -> None:
    """Volume grows with the levels; at three sets of everything a session is
    longest (README says about 24 minutes)."""
    from reminder.routines.plan import build_plan

    text = (ROOT / "schedules" / "gluteus-medius.toml").read_text(encoding="utf-8")
    routine = routine_toml(text, name="gluteus-medius")
    longest = max(
        build_plan(
            routine, group=group, levels={e.name: level for e in routine.programme}
        ).total_seconds
        for group in routine.groups
        for level in range(1, 8)
    )
    assert 20 * 60 < longest <= 25 * 60, longest
