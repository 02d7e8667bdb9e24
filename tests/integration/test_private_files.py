"""Folders and files reminder keeps for itself, on the real file system:
checked before use (ours, 0700, not a link), opened without following
links, and the history kept private. As root the suite also hands a folder
to another uid (chown), as an attacker in a shared folder would have it."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from support.users import NOBODY

from reminder.daemon.lock import InstanceLock
from reminder.errors import ReminderError
from reminder.files import open_private, private_folder
from reminder.progress.history import History

as_root = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"), reason="giving a file away needs root"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_missing_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "shared" / "reminder"
    old = os.umask(0o022)
    try:
        assert private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR") is False
    finally:
        os.umask(old)
    assert folder.is_dir()
    assert mode(folder) == 0o700


def test_a_folder_of_ours_open_to_others_is_tightened_and_said(tmp_path: Path) -> None:
    folder = tmp_path / "reminder"
    folder.mkdir()
    folder.chmod(0o777)
    assert private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR") is True
    assert mode(folder) == 0o700
    assert private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR") is False


def test_a_symlinked_folder_is_refused_naming_it_and_the_fix(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder = tmp_path / "reminder"
    folder.symlink_to(elsewhere)
    with pytest.raises(ReminderError) as caught:
        private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR")
    assert str(folder) in caught.value.message
    assert "symbolic link" in caught.value.message
    assert "XDG_RUNTIME_DIR" in caught.value.message
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_state_folder_of_ours_is_allowed(tmp_path: Path) -> None:
    """Dotfile managers link the state folder; it is in the user's home."""
    real = tmp_path / "synced"
    real.mkdir(mode=0o755)
    folder = tmp_path / "state"
    folder.symlink_to(real)
    private_folder(folder, holds="history", setting="XDG_STATE_HOME", links_ok=True)
    assert mode(real) == 0o700


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reminder"
    folder.write_text("not a folder")
    with pytest.raises(ReminderError, match="is not a folder"):
        private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR")


@as_root
def test_another_users_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reminder"
    folder.mkdir(mode=0o777)
    os.chown(folder, NOBODY, NOBODY)
    with pytest.raises(ReminderError) as caught:
        private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR")
    assert f"belongs to another user (uid {NOBODY})" in caught.value.message
    assert str(folder) in caught.value.message


def test_open_private_never_follows_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("my thesis")
    planted = tmp_path / "daemon.pid"
    planted.symlink_to(victim)
    with pytest.raises(ReminderError, match="symbolic link"):
        open_private(planted, os.O_RDWR | os.O_CREAT)
    assert victim.read_text() == "my thesis"


def test_the_lock_writes_our_pid_and_a_second_one_names_it(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "state")
    first.acquire()
    try:
        assert (tmp_path / "state" / "daemon.pid").read_text() == f"{os.getpid()}\n"
        assert mode(tmp_path / "state" / "daemon.pid") == 0o600
        with pytest.raises(ReminderError) as caught:
            InstanceLock(tmp_path / "state").acquire()
        assert caught.value.message.startswith(f"reminder is already running (pid {os.getpid()})")
    finally:
        first.release()
    again = InstanceLock(tmp_path / "state")
    again.acquire()
    again.release()


def test_the_lock_refuses_a_planted_pid_file_link(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("my thesis")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "daemon.pid").symlink_to(victim)
    with pytest.raises(ReminderError, match="symbolic link"):
        InstanceLock(state).acquire()
    assert victim.read_text() == "my thesis"


def test_a_new_history_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        history = History(tmp_path / "state" / "reminder" / "history.sqlite3")
        history.notice("hello", _now())
        history.close()
    finally:
        os.umask(old)
    assert mode(tmp_path / "state" / "reminder") == 0o700
    assert mode(history.path) == 0o600


def test_an_existing_history_open_to_others_is_tightened_once(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    history = History(folder / "history.sqlite3")
    history.notice("hello", _now())
    history.close()
    history.path.chmod(0o644)
    tightened = history.make_private()
    assert set(tightened) == {folder, history.path}
    assert mode(folder) == 0o700
    assert mode(history.path) == 0o600
    assert history.make_private() == []


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
