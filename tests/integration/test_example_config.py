"""config.example.toml, the validator's schema and the docs must not drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reminder.config.load import parse_config
from reminder.paths import example_config, find_paths
from reminder.schema import fields as schema
from reminder.schema import tomlfile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")


def _all_fields() -> list[tuple[str, schema.Field]]:
    tables = {
        "config": schema.CONFIG_FIELDS,
        "settings": schema.SETTINGS_FIELDS,
        "sound": schema.SOUND_FIELDS,
        "schedule": schema.SCHEDULE_FIELDS,
        "routine": schema.ROUTINE_FIELDS,
        "exercise": schema.EXERCISE_FIELDS,
    }
    return [(table, field) for table, fields in tables.items() for field in fields]


def _uncommented_routine_example() -> str:
    """The commented-out inline routine, with its comment marks taken off."""
    start = EXAMPLE.index("# [routines.")
    lines = []
    for line in EXAMPLE[start:].splitlines():
        if re.match(r"^# (\[|[a-z_]+ = )", line):
            lines.append(line[2:])
    return "\n".join(lines)


@pytest.mark.parametrize(("table", "field"), _all_fields(), ids=lambda v: getattr(v, "name", v))
def test_example_mentions_every_key_the_validator_accepts(table: str, field: schema.Field) -> None:
    if table == "config":
        pattern = rf"^(# )?\[\[?{field.name}[\].]"
    elif table in ("routine", "exercise"):
        # Routine keys are shown in the commented-out inline routine.
        pattern = rf"^# (\[\[routines\.[a-z-]+\.)?{field.name}( = |\]\])"
    else:
        pattern = rf"^{field.name} = "
    assert re.search(pattern, EXAMPLE, re.MULTILINE), (
        f"{table} key {field.name!r} is not in the example"
    )


def test_example_validates_as_shipped(tmp_path: Path) -> None:
    data = tomlfile.parse(EXAMPLE, "config.example.toml")
    config = parse_config(
        data,
        text=EXAMPLE,
        shown="config.example.toml",
        path=None,
        paths=find_paths(None),
    )
    assert [s.routine for s in config.schedules] == ["gluteus-medius", "desk-break"]
    assert config.settings.quiet_hours is not None
    assert str(config.settings.quiet_hours) == "22:00-07:00"


def test_commented_inline_routine_is_valid_once_uncommented(tmp_path: Path) -> None:
    routine_text = _uncommented_routine_example()
    assert "[routines.evening-hips]" in routine_text
    text = routine_text + '\n[[schedule]]\nroutine = "evening-hips"\nat = ["20:00"]\n'
    config = parse_config(
        tomlfile.parse(text, "example"),
        text=text,
        shown="example",
        path=None,
        paths=find_paths(None),
    )
    routine = config.routines["evening-hips"]
    exercises = [e.name for phase in routine.phases.values() for e in phase]
    assert exercises == ["Ball release", "Seated figure-4", "Clamshells", "Glute bridge"]
    assert routine.groups == ("A", "B")
    assert routine.phases["strengthen"][0].at_level(3).sets == 3


def test_every_exercise_key_is_used_in_the_commented_routine() -> None:
    routine_text = _uncommented_routine_example()
    for field in schema.EXERCISE_FIELDS:
        assert re.search(rf"^{field.name} = ", routine_text, re.MULTILINE), field.name


def test_the_shipped_example_is_the_one_init_writes() -> None:
    assert example_config().read_bytes() == (ROOT / "config.example.toml").read_bytes()
