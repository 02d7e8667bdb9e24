"""The user docs: the configuration reference is the schema's, and the
troubleshooting guide covers what users get stuck on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reminder.cli.main import cli
from reminder.config.reference import config_reference
from reminder.schema import fields as schema
from reminder.schema import values

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
    "level": schema.LEVEL_FIELDS,
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


def _row(table: str, field: schema.Field) -> str:
    """The reference's table row of ``field`` in the section of ``table``."""
    text = CONFIGURATION.read_text(encoding="utf-8")
    headings = {
        "config": "## The config file",
        "settings": "## `[settings]`",
        "schedule": "## `[[schedule]]`",
        "routine": "## `[routines.NAME]`",
        "exercise": "## Exercises",
        "level": "## Exercises",  # a level's keys are the exercise's, checked alike
    }
    section = text[text.index(headings[table]) :]
    return next(line for line in section.splitlines() if line.startswith(f"| `{field.name}` |"))


BOUNDED = [
    (table, field) for table, field in _all_fields() if field.type_name in ("integer", "duration")
]


@pytest.mark.parametrize(("table", "field"), BOUNDED, ids=lambda v: getattr(v, "name", v))
def test_the_reference_states_the_range_the_validator_enforces(
    table: str, field: schema.Field
) -> None:
    """Probed at the edges: the least and the most pass, one beyond fails,
    and the reference's row says both."""
    assert isinstance(field.convert, values.Limited), f"{field.name} states no limits"
    assert field.convert.bounds is not None
    low, high = field.convert.bounds
    field.convert(low)
    field.convert(high)
    with pytest.raises(values.Invalid):
        field.convert(high + 1)
    if low > 0:
        with pytest.raises(values.Invalid):
            field.convert(low - 1)
    row = _row(table, field)
    if field.type_name == "duration":
        said = (values.format_seconds(low), values.format_seconds(high))
    else:
        said = (f"{low} to {high}", f"{low} to {high}")
    for words in said:
        assert words in row, f"docs/configuration.md does not say {words!r} for {field.name}"


TEXTS = [(table, field) for table, field in _all_fields() if field.type_name == "string"]


@pytest.mark.parametrize(("table", "field"), TEXTS, ids=lambda v: getattr(v, "name", v))
def test_the_reference_states_every_length_or_choice_of_a_string(
    table: str, field: schema.Field
) -> None:
    row = _row(table, field)
    if field.limits:
        length = int(re.search(r"at most (\d+) characters", field.limits)[1])  # type: ignore[index]
        field.convert("x" * length)
        with pytest.raises(values.Invalid):
            field.convert("x" * (length + 1))
        assert f"at most {length} characters" in row
        return
    # Not a free text: a choice (each option in the row) or a time zone name.
    with pytest.raises(values.Invalid):
        field.convert("certainly not a valid value")
    assert '"' in row, f"{field.name}: the reference names none of its values"


def test_the_reference_states_the_file_size_limit() -> None:
    from reminder.schema.tomlfile import MAX_BYTES

    assert f"at most {MAX_BYTES // (1024 * 1024)} MiB" in CONFIGURATION.read_text(encoding="utf-8")


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
        "reminder doctor",
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
    assert {"status", "validate", "stop", "pause", "snooze", "skip", "doctor"} <= named
    assert named <= set(cli.commands), f"not commands: {sorted(named - set(cli.commands))}"


def test_the_troubleshooting_guide_and_the_readme_start_with_doctor() -> None:
    guide = TROUBLESHOOTING.read_text(encoding="utf-8")
    first_section = guide.split("\n## ", 2)[1]
    assert first_section.startswith("Start with `reminder doctor`")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Something not working?") :].split("\n## ", 1)[0]
    assert section.split("```sh\n", 1)[1].startswith("reminder doctor\n")
    assert "docs/troubleshooting.md" in section


def test_the_troubleshooting_guide_names_every_doctor_check() -> None:
    """The guide's table has a row for each line doctor prints."""
    import inspect

    from reminder.cli import doctor, doctor_desktop

    guide = TROUBLESHOOTING.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in guide.splitlines() if line.startswith("| ")}
    source = inspect.getsource(doctor) + inspect.getsource(doctor_desktop)
    named = set(re.findall(r'Check\(\s*"([a-z ,]+|[a-zA-Z ,]+)",', source))
    assert named, "no check names found"
    assert named <= rows, f"not in the guide: {sorted(named - rows)}"


PERFORMANCE = ROOT / "docs" / "performance.md"


def _section(text: str, heading: str) -> str:
    return text[text.index(heading) :].split("\n## ", 1)[0]


def _last_table(section: str) -> list[list[str]]:
    """The rows of the section's last table, cells stripped (header and rule left out)."""
    tables = re.findall(r"((?:^\|.*\|\n)+)", section, re.MULTILINE)
    assert tables, "no table in the section"
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")] for line in tables[-1].splitlines()
    ]
    return rows[2:]


def test_the_readme_memory_figures_are_the_latest_idle_daemon_run() -> None:
    """README quotes the last run of bench/daemon_idle.py in docs/performance.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(
        r"([\d.]+) MiB RSS beside an\s+APScheduler floor of ([\d.]+) MiB measured in the same"
        r" run \(PSS ([\d.]+) vs ([\d.]+);\s+private memory, USS, ([\d.]+) vs ([\d.]+)\)",
        readme,
    )
    assert said, "README's idle-daemon figures are not where the test looks"
    rows = _last_table(_section(PERFORMANCE.read_text(encoding="utf-8"), "## The idle daemon"))
    by_name = {row[0]: row for row in rows}
    floor = by_name["APScheduler floor"]
    reminder = by_name["`reminder run`, no session due"]

    def mib(cell: str) -> str:
        return f"{float(cell.split(maxsplit=1)[0]):.1f}"

    assert (said[1], said[2]) == (mib(reminder[3]), mib(floor[3])), "RSS"
    assert (said[3], said[4]) == (mib(reminder[2]), mib(floor[2])), "PSS"
    assert (said[5], said[6]) == (mib(reminder[1]), mib(floor[1])), "USS"


def test_the_readme_step_timing_is_the_latest_quiet_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"Steps are sent ([\d.]+) ms after .*?worst ([\d.]+) ms", readme, re.DOTALL)
    assert said, "README's step timing is not where the test looks"
    rows = _last_table(_section(PERFORMANCE.read_text(encoding="utf-8"), "## Step timing"))
    quiet = [row for row in rows if row[0].startswith("quiet machine")][-1]
    assert (f"{said[1]} ms", f"{said[2]} ms") == (quiet[2], quiet[4])


def test_performance_speaks_of_features_not_issue_numbers() -> None:
    text = PERFORMANCE.read_text(encoding="utf-8")
    assert not re.search(r"\bissues?\b", text, re.IGNORECASE), re.findall(
        r".*\bissues?\b.*", text, re.IGNORECASE
    )
