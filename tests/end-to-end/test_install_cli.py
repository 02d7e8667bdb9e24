"""`reminder install` and `uninstall` as a user runs them (XDG autostart, which
needs no service manager); the methods themselves are tested in
tests/integration/test_autostart.py."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.routines import IDLE_ROUTINE, config_text, write_config

if TYPE_CHECKING:
    from support.daemon_process import Launch

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

FAKE_SYSTEMCTL = """#!/bin/sh
# A user service manager that answers: records its arguments, succeeds.
echo "$*" >> "{log}"
exit 0
"""


@pytest.fixture
def systemd_answers(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A PATH on which `systemctl --user` answers, as on a systemd desktop
    (this machine has no user manager); and the log of what it was asked."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(FAKE_SYSTEMCTL.format(log=log), encoding="utf-8")
    systemctl.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, log


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


def test_dry_run_shows_the_whole_file_it_would_write(
    run_reminder: RunReminder, xdg_config_home: Path
) -> None:
    shown = run_reminder("install", "--method", "xdg", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert run_reminder("install", "--method", "xdg").returncode == 0
    written = (xdg_config_home / "autostart" / "reminder.desktop").read_text(encoding="utf-8")
    printed = [line.strip() for line in shown.stdout.splitlines()]
    for line in written.splitlines():
        assert line.strip() in printed, f"--dry-run did not show {line!r}:\n{shown.stdout}"


def test_uninstall_removes_an_xdg_entry_on_a_systemd_desktop(
    run_reminder: RunReminder,
    xdg_config_home: Path,
    systemd_answers: tuple[dict[str, str], Path],
) -> None:
    """install chose xdg once (or was told to); on a machine where it would
    choose systemd now, uninstall must still find and remove that entry."""
    env, log = systemd_answers
    entry = xdg_config_home / "autostart" / "reminder.desktop"
    assert run_reminder("install", "--method", "xdg", env=env).returncode == 0
    assert entry.is_file()

    gone = run_reminder("uninstall", env=env)

    assert gone.returncode == 0, gone.stderr
    assert not entry.exists()
    assert f"Removed {entry}" in gone.stdout
    assert "no longer starts at login" in gone.stdout
    # No unit file of ours: systemd was left alone.
    assert "disable" not in (log.read_text(encoding="utf-8") if log.exists() else "")


def test_uninstall_removes_the_systemd_service_and_a_stray_xdg_entry_together(
    run_reminder: RunReminder,
    xdg_config_home: Path,
    systemd_answers: tuple[dict[str, str], Path],
) -> None:
    env, log = systemd_answers
    entry = xdg_config_home / "autostart" / "reminder.desktop"
    unit = xdg_config_home / "systemd" / "user" / "reminder.service"
    assert run_reminder("install", "--method", "systemd", env=env).returncode == 0
    # An entry left from before, written by install (say, by an older version).
    entry.parent.mkdir(parents=True, exist_ok=True)
    unit_text = unit.read_text(encoding="utf-8")
    marker = unit_text.splitlines()[0]  # "# Written by `reminder install`; ..."
    entry.write_text(f"{marker}\n[Desktop Entry]\nType=Application\nName=reminder\n")

    gone = run_reminder("uninstall", env=env)

    assert gone.returncode == 0, gone.stderr
    assert not unit.exists()
    assert not entry.exists()
    assert "--user disable --now reminder.service" in log.read_text(encoding="utf-8")


def test_uninstall_with_nothing_installed_says_where_it_looked(run_reminder: RunReminder) -> None:
    result = run_reminder("uninstall")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Nothing to uninstall")
    assert "autostart/reminder.desktop" in result.stdout
    assert "systemd/user/reminder.service" in result.stdout


def test_install_with_a_daemon_running_says_so_instead_of_start_it_now(
    run_reminder: RunReminder, xdg_config_home: Path, tmp_path: Path, launch: Launch
) -> None:
    config = write_config(tmp_path, config_text(IDLE_ROUTINE, notifier="console"))
    daemon = launch(config)
    daemon.wait_for("daemon-start")

    result = run_reminder("install", "--method", "xdg", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert f"already running (pid {daemon.pid})" in result.stdout
    assert "start it now" not in result.stdout
    assert (xdg_config_home / "autostart" / "reminder.desktop").is_file()
    assert daemon.stop() == 0
