"""The config file going wrong under a running daemon: replaced by a folder,
deleted, unreadable, caught half-written, renamed over with a broken file.
Each time the daemon says so, keeps the last good config (``status`` shows the
same next session and the errors), and takes a good file again once it is
back. Everything waits on the daemon's events; nothing sleeps."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_process import DaemonProcess, Launch, reminder_json
from support.routines import IDLE_ROUTINE, write_config
from support.routines import config_text as routine_config

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

GOOD_AT = "10:30:00+00:00"
FIXED_AT = "11:45:00+00:00"

pytestmark = pytest.mark.timeout(60)


def config_text(at: str) -> str:
    return routine_config(IDLE_ROUTINE, at=[at])


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path, config_text("10:30"))


@pytest.fixture
def daemon(mock_server: MockServer, config_file: Path, launch: Launch) -> DaemonProcess:
    process = launch(config_file)
    process.wait_for("next", where=lambda e: str(e["at"]).endswith(GOOD_AT))
    return process


@pytest.fixture
def status(run_reminder: RunReminder, config_file: Path) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        answer: dict[str, Any] = reminder_json(run_reminder, config_file, "status")
        return answer

    return run


def assert_last_good_config_kept(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], *words: str
) -> None:
    """A config-error naming ``words``; status keeps 10:30 and shows the errors."""
    error = daemon.wait_for("config-error", timeout=10)
    text = " ".join(error.get("problems", [])).lower()
    assert any(word.lower() in text for word in words), error
    answer = status()
    assert answer["state"] == "idle"
    assert str(answer["next"]["at"]).endswith(GOOD_AT), answer
    assert answer["config_errors"], answer
    assert daemon.named("reload") == []  # nothing broken was applied


def restore_and_assert_reloaded(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    config_file.write_text(config_text("11:45"), encoding="utf-8")
    daemon.wait_for("reload", timeout=10)
    daemon.wait_for("next", timeout=10, where=lambda e: str(e["at"]).endswith(FIXED_AT))
    answer = status()
    assert answer["config_errors"] == [], answer
    assert str(answer["next"]["at"]).endswith(FIXED_AT), answer


def test_config_replaced_by_a_folder(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    config_file.unlink()
    config_file.mkdir()
    assert_last_good_config_kept(daemon, status, "folder", "directory")
    config_file.rmdir()
    restore_and_assert_reloaded(daemon, status, config_file)


def test_config_deleted(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    config_file.unlink()
    assert_last_good_config_kept(daemon, status, "no such file", "missing")
    restore_and_assert_reloaded(daemon, status, config_file)


def test_config_unreadable(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    # chmod 000 does not stop root (the suite may run as root), and neither
    # does a 000 folder; a symlink that points at itself fails for everyone
    # with ELOOP ("Too many levels of symbolic links").
    config_file.unlink()
    config_file.symlink_to(config_file.name)
    assert_last_good_config_kept(daemon, status, "symbolic links", "read", "loop")
    config_file.unlink()
    restore_and_assert_reloaded(daemon, status, config_file)


def test_config_caught_half_written(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    text = config_text("11:45")
    half = text.index('"11:45"') + 3  # inside a string: a TOML syntax error
    with config_file.open("w", encoding="utf-8") as stream:
        stream.write(text[:half])
        stream.flush()
        assert_last_good_config_kept(daemon, status, "syntax", "TOML")
        stream.write(text[half:])
    daemon.wait_for("reload", timeout=10)
    daemon.wait_for("next", timeout=10, where=lambda e: str(e["at"]).endswith(FIXED_AT))
    answer = status()
    assert answer["config_errors"] == [], answer
    assert str(answer["next"]["at"]).endswith(FIXED_AT), answer


def test_broken_then_fixed_file_renamed_over_it(
    daemon: DaemonProcess, status: Callable[[], dict[str, Any]], config_file: Path
) -> None:
    swap = config_file.with_name(".config.toml.swp")
    swap.write_text(config_text("25:00"), encoding="utf-8")
    swap.replace(config_file)
    assert_last_good_config_kept(daemon, status, "25:00")
    swap.write_text(config_text("11:45"), encoding="utf-8")
    swap.replace(config_file)
    daemon.wait_for("reload", timeout=10)
    daemon.wait_for("next", timeout=10, where=lambda e: str(e["at"]).endswith(FIXED_AT))
    answer = status()
    assert answer["config_errors"] == [], answer
    assert str(answer["next"]["at"]).endswith(FIXED_AT), answer


def test_edits_to_the_target_of_a_symlinked_config_are_applied(
    mock_server: MockServer, tmp_path: Path, launch: Launch, run_reminder: RunReminder
) -> None:
    """Dotfile managers keep the config elsewhere and link to it."""
    dotfiles = tmp_path / "dotfiles" / "reminder.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text(config_text("10:30"), encoding="utf-8")
    link = tmp_path / "conf" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    daemon = launch(link)
    daemon.wait_for("next", where=lambda e: str(e["at"]).endswith(GOOD_AT))
    dotfiles.write_text(config_text("11:45"), encoding="utf-8")
    daemon.wait_for("reload", timeout=10)
    daemon.wait_for("next", timeout=10, where=lambda e: str(e["at"]).endswith(FIXED_AT))
    answer = reminder_json(run_reminder, link, "status")
    assert str(answer["next"]["at"]).endswith(FIXED_AT), answer
