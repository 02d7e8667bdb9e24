"""`reminder install` and `uninstall` as a user runs them (XDG autostart, which
needs no service manager); the methods themselves are tested in
tests/integration/test_autostart.py."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

RunReminder = Callable[..., subprocess.CompletedProcess[str]]


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_dry_run_says_what_it_would_write_and_changes_nothing(
    run_reminder: RunReminder, xdg_config_home: Path, reminder_exe: Path
) -> None:
    before = _tree(xdg_config_home)
    result = run_reminder("install", "--method", "xdg", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would write" in result.stdout
    assert "autostart/reminder.desktop" in result.stdout
    assert "Nothing was changed (--dry-run)." in result.stdout
    assert _tree(xdg_config_home) == before


def test_install_then_uninstall_leaves_nothing_behind(
    run_reminder: RunReminder, xdg_config_home: Path, reminder_exe: Path
) -> None:
    entry = xdg_config_home / "autostart" / "reminder.desktop"
    first = run_reminder("install", "--method", "xdg")
    assert first.returncode == 0, first.stderr
    text = entry.read_text(encoding="utf-8")
    assert f"Exec={reminder_exe} run" in text
    again = run_reminder("install", "--method", "xdg")  # idempotent
    assert again.returncode == 0
    assert entry.read_text(encoding="utf-8") == text
    gone = run_reminder("uninstall", "--method", "xdg")
    assert gone.returncode == 0
    assert not entry.exists()
    nothing = run_reminder("uninstall", "--method", "xdg")
    assert nothing.returncode == 0
    assert "Nothing to uninstall" in nothing.stdout


def test_install_refuses_a_broken_config(run_reminder: RunReminder, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[schedule]]\nroutine = "gluteus-medius"\nat = ["25:00"]\n', encoding="utf-8"
    )
    result = run_reminder("install", "--method", "xdg", "--config", str(config))
    assert result.returncode == 78
    assert "25:00" in result.stderr


def test_install_with_a_config_starts_the_daemon_on_that_config(
    run_reminder: RunReminder, xdg_config_home: Path, tmp_path: Path
) -> None:
    config = tmp_path / "my config.toml"
    config.write_text('[[schedule]]\nroutine = "desk-break"\nat = ["11:00"]\n', encoding="utf-8")
    result = run_reminder("install", "--method", "xdg", "--config", str(config))
    assert result.returncode == 0, result.stderr
    text = (xdg_config_home / "autostart" / "reminder.desktop").read_text(encoding="utf-8")
    assert "--config" in text
    assert "my config.toml" in text
