"""Fuzzing ``reminder validate`` and ``reminder plan`` with random config and
routine files: whatever the file holds, the answer is exit 0 or 78 (or 2 for a
usage error), never a traceback, and problems come one a line as
``FILE[:LINE:COL]: key.path: message``."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reminder.schema.fields import EXERCISE_FIELDS, ROUTINE_FIELDS, SCHEDULE_FIELDS, SETTINGS_FIELDS

RunCli = Callable[..., Result]

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EX_CONFIG = 78

pytestmark = pytest.mark.timeout(120)


# A tiny TOML writer: enough for every value tomllib can return.

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_string(text: str) -> str:
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(f"no TOML for {value!r}")


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def toml_document(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """Tables as ``[a.b]`` sections and arrays of tables as ``[[a.b]]``, the
    way people write config files; everything else inline."""
    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict) or _is_array_of_tables(value):
            nested.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in nested:
        path = (*prefix, key)
        header = ".".join(toml_key(part) for part in path)
        items = [value] if isinstance(value, dict) else value
        for item in items:
            lines.append("")
            lines.append(f"[{header}]" if isinstance(value, dict) else f"[[{header}]]")
            lines.append(toml_document(item, path))
    return "\n".join(lines) + "\n"


# Strategies: the real keys, with values that are often wrong.

# Any text, line breaks included: messages must stay one problem a line.
plain_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
plausible = st.sampled_from(
    [
        "",
        " ",
        "10:30",
        "25:00",
        "9:5",
        "23:59",
        "00:00",
        "90s",
        "1m30s",
        "2m",
        "1h",
        "0s",
        "-5s",
        "10x",
        "99999h",
        "daily",
        "weekdays",
        "weekends",
        "mon",
        "Monday",
        "both",
        "left",
        "right",
        "none",
        "ask",
        "auto",
        "console",
        "freedesktop",
        "plyer",
        "local",
        "UTC",
        "Europe/Berlin",
        "Mars/Olympus",
        "../../etc/passwd",
        "22:00-07:00",
        "09:00-09:00",
        "09:00-17:30",
        "-",
        "gluteus-medius",
        "desk-break",
        "tiny",
        "routine.toml",
        "/",
    ]
)
scalars: st.SearchStrategy[Any] = st.one_of(
    plausible,
    plain_text,
    st.integers(),
    st.integers(min_value=-10, max_value=100_000),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)),
    st.times(),
)
any_value: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(plain_text, children, max_size=3),
    ),
    max_leaves=8,
)


def table_of(field_names: list[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A table with some of the real keys (and now and then an unknown one)."""
    known = st.dictionaries(st.sampled_from(field_names), value, max_size=len(field_names))
    extra = st.dictionaries(plain_text, any_value, max_size=1)
    tables = st.builds(lambda a, b: {**b, **a}, known, extra | st.just({}))
    return st.one_of(tables, tables, tables, any_value)


def names(fields: tuple[Any, ...]) -> list[str]:
    return [f.name for f in fields]


value_or_garbage: st.SearchStrategy[Any] = st.one_of(plausible, plausible, any_value)
exercise = table_of(names(EXERCISE_FIELDS), value_or_garbage)
exercise_list = st.one_of(st.lists(exercise, max_size=3), any_value)
routine_value: st.SearchStrategy[Any] = st.one_of(
    exercise_list, exercise_list, exercise_list, value_or_garbage
)
valid_see_also = st.lists(st.sampled_from(["gluteus-medius", "desk-break", "psoas"]), max_size=2)


routine = st.one_of(
    table_of(names(ROUTINE_FIELDS), routine_value),
    st.builds(
        lambda table, see_also: (
            {**table, "see_also": see_also} if isinstance(table, dict) else table
        ),
        table_of(names(ROUTINE_FIELDS), routine_value),
        valid_see_also,
    ),
)
schedule = table_of(names(SCHEDULE_FIELDS), value_or_garbage)
config_documents = st.builds(
    lambda settings_, schedules, routines, extra: (
        {
            k: v
            for k, v in {"settings": settings_, "schedule": schedules, "routines": routines}.items()
            if v is not None
        }
        | extra
    ),
    st.none() | table_of(names(SETTINGS_FIELDS), value_or_garbage),
    st.none() | st.lists(schedule, max_size=3) | any_value,
    st.none() | st.dictionaries(st.sampled_from(["tiny", "gluteus-medius", "x y"]), routine),
    st.dictionaries(plain_text, any_value, max_size=1) | st.just({}),
)


def assert_clean_answer(result: Result, path: Path, allowed: frozenset[int]) -> None:
    assert result.exit_code in allowed, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    if result.exit_code == EX_CONFIG:
        lines = result.stderr.rstrip("\n").split("\n")
        assert len(lines) >= 2, result.stderr
        assert re.match(r"^Found \d+ problems?", lines[-1]), result.stderr
        for line in lines[:-1]:
            assert line.startswith(str(path)), (line, result.stderr)
            assert ": " in line, (line, result.stderr)


@FUZZ
@given(document=config_documents)
def test_random_config_documents_validate_or_list_their_problems(
    document: dict[str, Any], run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml_document(document), encoding="utf-8")
    result = run_cli("validate", "--config", str(path))
    assert_clean_answer(result, path, frozenset({0, EX_CONFIG}))


random_bytes = st.one_of(
    st.binary(max_size=2000),
    # Huge lines, some of them in the middle of something that parses.
    st.builds(
        lambda head, n, fill, tail: head + fill * n + tail,
        st.binary(max_size=50),
        st.integers(min_value=1000, max_value=10 * 1024),
        st.sampled_from([b"a", b"\x00", b"\xff", b'"', b"[", b"#", b"=", b" "]),
        st.binary(max_size=50),
    ),
    # Text that is nearly a config, with stray bytes (invalid UTF-8, NUL) mixed in.
    st.builds(
        lambda doc, cut, junk: (
            toml_document(doc).encode()[:cut] + junk + toml_document(doc).encode()[cut:]
        ),
        config_documents,
        st.integers(min_value=0, max_value=400),
        st.binary(min_size=1, max_size=8),
    ),
)


@FUZZ
@given(data=random_bytes)
def test_random_bytes_validate_or_list_their_problems(
    data: bytes, run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    result = run_cli("validate", "--config", str(path))
    assert_clean_answer(result, path, frozenset({0, EX_CONFIG}))


# Routine files for `reminder plan`: mostly valid exercises, now and then not.

good_duration = st.one_of(
    st.integers(min_value=0, max_value=120),
    st.sampled_from(["0s", "5s", "30s", "1m", "1m30s", "2m"]),
)
good_exercise = st.fixed_dictionaries(
    {"exercise": st.sampled_from(["Ball", "Figure-4", "Clamshell"])},
    optional={
        "hold": st.integers(min_value=1, max_value=300) | st.sampled_from(["30s", "1m"]),
        "reps": st.integers(min_value=1, max_value=30),
        "sets": st.integers(min_value=1, max_value=5),
        "rep_time": st.integers(min_value=1, max_value=10),
        "rest": good_duration,
        "sides": st.sampled_from(["both", "left", "right", "none"]),
        "switch": good_duration,
        "ready": good_duration,
        "how": plain_text,
    },
)
plan_exercise = st.one_of(good_exercise, good_exercise, good_exercise, exercise)
routine_files = st.fixed_dictionaries(
    {
        "release": st.lists(plan_exercise, min_size=1, max_size=3),
        "stretch": st.lists(plan_exercise, min_size=1, max_size=3),
        "strengthen": st.lists(plan_exercise, min_size=1, max_size=3),
    },
    optional={"title": plain_text, "see_also": valid_see_also},
)


@FUZZ
@given(document=routine_files)
def test_a_random_routine_plans_back_to_back_steps_or_says_why_not(
    document: dict[str, Any], run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "fuzzed.toml"
    path.write_text(toml_document(document), encoding="utf-8")
    result = run_cli("plan", str(path), "--json")
    assert result.exit_code in {0, 2, EX_CONFIG}, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert result.stderr.strip(), "a refusal must say why"
        return
    plan = json.loads(result.stdout)
    offset = 0
    for step in plan["steps"]:
        assert step["offset"] == offset, plan
        assert step["duration"] > 0, step
        offset += step["duration"]
    assert plan["total_seconds"] == offset
    assert [s["phase"] for s in plan["steps"]] == sorted(
        (s["phase"] for s in plan["steps"]),
        key=["release", "stretch", "strengthen"].index,
    )


def test_a_newline_in_a_value_keeps_one_problem_a_line(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[settings]\ntimezone = "a\\nb"\n\n[[schedule]]\nroutine = "gluteus-medius"\n'
        'at = ["10:30"]\n',
        encoding="utf-8",
    )
    result = run_cli("validate", "--config", str(path))
    assert_clean_answer(result, path, frozenset({EX_CONFIG}))


def test_a_wrong_see_also_is_a_problem_not_a_crash(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "wrong-see-also.toml"
    exercise_ = 'exercise = "Ball"\nhold = "30s"\n'
    path.write_text(
        "see_also = [1]\n"
        + "".join(f"\n[[{phase}]]\n{exercise_}" for phase in ("release", "stretch", "strengthen")),
        encoding="utf-8",
    )
    result = run_cli("plan", str(path), "--json")
    assert result.exit_code == EX_CONFIG
    assert "see_also" in result.stderr


# Hostile files: nesting thousands deep, numbers thousands of digits long,
# files near and over 1 MiB, routines that would run for days or expand into
# millions of steps. Whatever they hold, the answer is quick and clean.

HOSTILE_SECONDS = 10.0
"""No answer may take longer than this (a 1 MiB routine once took 78 s)."""


def nested(depth: int, kind: str, leaf: str = "1") -> str:
    """A TOML value nested ``depth`` deep: arrays, inline tables or a mix."""
    if kind == "array":
        return "[" * depth + leaf + "]" * depth
    if kind == "table":
        return "{a = " * depth + leaf + "}" * depth
    opening = "".join("[" if i % 2 else "{b = " for i in range(depth))
    closing = "".join("]" if i % 2 else "}" for i in reversed(range(depth)))
    return opening + leaf + closing


@st.composite
def hostile_configs(draw: st.DrawFn) -> str:
    """A config that is fine but for one hostile thing, put somewhere in it."""
    base = toml_document(draw(config_documents))
    kind = draw(
        st.sampled_from(["nesting", "dotted", "digits", "long-string", "huge-array", "padding"])
    )
    if kind == "nesting":
        depth = draw(st.integers(min_value=90, max_value=6000))
        thing = f"deep = {nested(depth, draw(st.sampled_from(['array', 'table', 'mixed'])))}"
    elif kind == "dotted":
        depth = draw(st.integers(min_value=90, max_value=3000))
        thing = ".".join(["k"] * depth) + " = 1"
    elif kind == "digits":
        thing = "n = " + "9" * draw(st.integers(min_value=10, max_value=6000))
    elif kind == "long-string":
        thing = 'title = "' + "x" * draw(st.integers(min_value=1000, max_value=300_000)) + '"'
    elif kind == "huge-array":
        thing = "at = [" + ", ".join(['"10:30"'] * draw(st.integers(2, 50_000))) + "]"
    else:
        size = draw(st.sampled_from([1024 * 1024 - 100, 1024 * 1024, 1024 * 1024 + 1, 3 << 20]))
        thing = "#" * size
    # At the top, or inside the first table of the file.
    if draw(st.booleans()):
        return thing + "\n" + base
    return base + "\n" + thing + "\n"


@FUZZ
@given(text=hostile_configs())
def test_hostile_configs_are_answered_quickly_and_cleanly(
    text: str, run_cli: RunCli, tmp_path: Path
) -> None:
    import time

    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run_cli("validate", "--config", str(path))
    assert time.monotonic() - started < HOSTILE_SECONDS
    assert_clean_answer(result, path, frozenset({0, EX_CONFIG}))


@st.composite
def hostile_routines(draw: st.DrawFn) -> str:
    """Routines of many exercises with many sets and long holds, or nested deep."""
    exercise_count = draw(st.integers(min_value=1, max_value=6000))
    body = (
        '[[release]]\nexercise = "Ball"\n'
        f"hold = {draw(st.integers(1, 3600))}\nsets = {draw(st.integers(1, 50))}\n"
        f'rest = {draw(st.integers(0, 3600))}\nsides = "{draw(st.sampled_from(["both", "none"]))}"\n'
    ) * exercise_count
    rest = '[[stretch]]\nexercise = "S"\nhold = 1\n[[strengthen]]\nexercise = "C"\nreps = 1\n'
    if draw(st.integers(0, 9)) == 0:
        rest += f"deep = {nested(draw(st.integers(90, 5000)), 'array')}\n"
    return body + rest


@FUZZ
@given(text=hostile_routines())
def test_hostile_routines_plan_within_the_limits_or_say_why_not(
    text: str, run_cli: RunCli, tmp_path: Path
) -> None:
    import time

    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run_cli("plan", str(path), "--json")
    assert time.monotonic() - started < HOSTILE_SECONDS
    assert result.exit_code in {0, EX_CONFIG}, (result.exit_code, result.stderr[:500])
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        plan = json.loads(result.stdout)
        assert len(plan["steps"]) <= 2000
        assert plan["total_seconds"] <= 4 * 3600
    else:
        assert result.stderr.startswith(str(path)), result.stderr[:500]


@FUZZ
@given(texts=st.lists(hostile_configs() | hostile_routines(), min_size=1, max_size=3))
def test_hostile_files_in_the_routines_folder_leave_the_others_listed(
    texts: list[str], run_cli: RunCli, user_routines_dir: Path
) -> None:
    user_routines_dir.mkdir(parents=True, exist_ok=True)
    for old in user_routines_dir.iterdir():
        old.unlink()
    for number, text in enumerate(texts):
        (user_routines_dir / f"hostile-{number}.toml").write_text(text, encoding="utf-8")
    result = run_cli("routines", "--json")
    assert result.exit_code in {0, EX_CONFIG}, (result.exit_code, result.stderr[:500])
    assert "Traceback" not in result.stderr
    listed = {entry["name"] for entry in json.loads(result.stdout)}
    assert {"gluteus-medius", "desk-break"} <= listed  # the bundled ones, whatever happened
