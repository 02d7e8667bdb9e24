"""The user docs: the configuration reference is the schema's, and the
troubleshooting guide covers what users get stuck on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reminder.cli.main import cli
from reminder.config.reference import config_reference
from reminder.schema import fields as schema

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = ROOT / "docs" / "configuration.md"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"

REGENERATE = (
    '.venv/bin/python -c "from reminder.config.reference import config_reference; '
    "print(config_reference(), end='')\" > docs/configuration.md"
)

TABLES = {
    "config": schema.CONFIG_FIELDS,
    "settings": schema.SETTINGS_FIELDS,
    "sound": schema.SOUND_FIELDS,
    "schedule": schema.SCHEDULE_FIELDS,
    "routine": schema.ROUTINE_FIELDS,
    "exercise": schema.EXERCISE_FIELDS,
}


def _all_fields() -> list[tuple[str, schema.Field]]:
    return [(table, field) for table, fields in TABLES.items() for field in fields]


def test_configuration_reference_matches_the_schema() -> None:
    committed = CONFIGURATION.read_text(encoding="utf-8")
    assert committed == config_reference(), (
        "docs/configuration.md is out of date with reminder/schema/fields.py; regenerate it "
        f"from the project root with: {REGENERATE}"
    )


@pytest.mark.parametrize(("table", "field"), _all_fields(), ids=lambda v: getattr(v, "name", v))
def test_configuration_reference_documents_every_key(table: str, field: schema.Field) -> None:
    text = CONFIGURATION.read_text(encoding="utf-8")
    assert f"`{field.name}`" in text, (
        f"docs/configuration.md does not mention the {table} key {field.name!r}"
    )


@pytest.mark.parametrize(
    "phrase",
    [
        "reminder validate",
        "reminder status",
        "misfire_grace",
        "journalctl",
        "timezone",
        "GNOME",
        "Wayland",
        "notify-send",
        "I hear nothing",
        "reminder sound test",
        "espeak-ng",
    ],
)
def test_troubleshooting_covers_the_usual_problems(phrase: str) -> None:
    assert TROUBLESHOOTING.is_file(), "docs/troubleshooting.md is missing"
    assert phrase in TROUBLESHOOTING.read_text(encoding="utf-8")


def test_every_reminder_command_the_troubleshooting_guide_names_exists() -> None:
    """A user copies `reminder pause` from the guide: it must be a real command."""
    named = set(re.findall(r"`reminder\s+([a-z-]+)", TROUBLESHOOTING.read_text(encoding="utf-8")))
    assert {"status", "validate", "stop", "pause", "snooze", "skip"} <= named
    assert named <= set(cli.commands), f"not commands: {sorted(named - set(cli.commands))}"
