"""The [sound] section: its defaults, and every mistake reported at its key
and line with exit 78, as `reminder validate` shows it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from reminder.config.load import SoundSettings, parse_config
from reminder.paths import find_paths
from reminder.schema import tomlfile

RunCli = Callable[..., Result]

SCHEDULE = '[[schedule]]\nroutine = "gluteus-medius"\nat = ["10:30"]\n'


def parse(text: str) -> SoundSettings:
    config = parse_config(
        tomlfile.parse(text, "config.toml"),
        text=text,
        shown="config.toml",
        path=None,
        paths=find_paths(None),
    )
    return config.settings.sound


def test_without_a_sound_section_cues_play_and_the_voice_is_off() -> None:
    assert parse(SCHEDULE) == SoundSettings(cues=True, voice=False, volume=0.8, rep_ticks=False)


def test_every_sound_key_is_read() -> None:
    text = "[sound]\ncues = false\nvoice = true\nvolume = 0.25\nrep_ticks = true\n\n" + SCHEDULE
    assert parse(text) == SoundSettings(cues=False, voice=True, volume=0.25, rep_ticks=True)


def test_volume_may_be_written_as_a_whole_number() -> None:
    assert parse("[sound]\nvolume = 1\n\n" + SCHEDULE).volume == 1.0


@pytest.mark.parametrize(
    ("line", "key_path", "says"),
    [
        ("volume = 1.5", "sound.volume", "1.5 is out of range; use 0.0 (silent) to 1.0 (loudest)"),
        ("volume = -0.1", "sound.volume", "-0.1 is out of range"),
        (
            'volume = "loud"',
            "sound.volume",
            'must be a number from 0.0 to 1.0, like 0.8, not "loud"',
        ),
        ("volume = nan", "sound.volume", "nan is out of range"),
        ('cues = "yes"', "sound.cues", 'must be true or false (no quotes), not "yes"'),
        ("voice = 1", "sound.voice", "must be true or false (no quotes), not 1"),
        ("rep_tiks = true", "sound.rep_tiks", 'unknown key; did you mean "rep_ticks"?'),
    ],
)
def test_a_sound_mistake_names_its_key_and_line(
    run_cli: RunCli, tmp_path: Path, line: str, key_path: str, says: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[sound]\nrep_ticks = false\n{line}\n\n{SCHEDULE}", encoding="utf-8")
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 78, result.output
    assert "Traceback" not in result.stderr
    # The mistake is on line 3 of the file, where the key starts.
    expected = f"{config}:3:1: {key_path}: {says}"
    assert any(shown.startswith(expected) for shown in result.stderr.splitlines()), result.stderr


def test_sound_that_is_not_a_table_is_a_mistake(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"sound = true\n{SCHEDULE}", encoding="utf-8")
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 78
    assert f"{config}:1:1: sound: must be a table, not true" in result.stderr
