"""The daemon hears about config edits and wall-clock deadlines from the
kernel (inotify, timerfd), with real files and real timers."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from reminder.daemon.watchers import ClockWatcher, FileWatcher

WAIT = 5.0


class Changes:
    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_for_more_than(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.count > count, WAIT), "no change seen"


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "reminder"
    folder.mkdir()
    (folder / "config.toml").write_text("# v1\n", encoding="utf-8")
    return folder


@pytest.fixture
def watcher(changes: Changes, config_dir: Path) -> FileWatcher:
    watcher = FileWatcher(changes)
    watcher.watch([config_dir / "config.toml"], [config_dir / "routines"])
    return watcher


def test_an_edit_in_place_is_seen(changes: Changes, watcher: FileWatcher, config_dir: Path) -> None:
    (config_dir / "config.toml").write_text("# v2\n", encoding="utf-8")
    changes.wait_for_more_than(0)


def test_a_save_by_rename_over_is_seen(
    changes: Changes, watcher: FileWatcher, config_dir: Path
) -> None:
    swap = config_dir / ".config.toml.swp"
    swap.write_text("# v2\n", encoding="utf-8")
    seen = changes.count
    swap.replace(config_dir / "config.toml")
    changes.wait_for_more_than(seen)


def test_a_routines_folder_made_later_and_a_routine_saved_in_it_are_seen(
    changes: Changes, watcher: FileWatcher, config_dir: Path
) -> None:
    (config_dir / "routines").mkdir()
    changes.wait_for_more_than(0)
    seen = changes.count
    (config_dir / "routines" / "mine.toml").write_text("title = 'Mine'\n", encoding="utf-8")
    changes.wait_for_more_than(seen)


def test_a_config_folder_that_does_not_exist_yet_is_waited_for(
    changes: Changes, tmp_path: Path
) -> None:
    folder = tmp_path / "later" / "reminder"
    watcher = FileWatcher(changes)
    watcher.watch([folder / "config.toml"], [folder / "routines"])
    folder.mkdir(parents=True)  # what `reminder init` does
    changes.wait_for_more_than(0)
    seen = changes.count
    (folder / "config.toml").write_text("# new\n", encoding="utf-8")
    changes.wait_for_more_than(seen)


def test_a_wall_clock_deadline_wakes_the_watcher() -> None:
    woke = threading.Event()
    reasons: list[str] = []

    def on_event(why: str, jump: float) -> None:
        reasons.append(why)
        woke.set()

    watcher = ClockWatcher(on_event)
    watcher.start()
    watcher.arm(time.time() + 0.2)
    assert woke.wait(WAIT)
    assert reasons == ["timer"]
    watcher.stop()


def test_setting_the_clock_wakes_the_watcher_at_once() -> None:
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("setting the clock needs root (CAP_SYS_TIME)")
    woke = threading.Event()
    reasons: list[str] = []

    def on_event(why: str, jump: float) -> None:
        reasons.append(why)
        woke.set()

    watcher = ClockWatcher(on_event)
    watcher.start()
    watcher.arm(time.time() + 3600)
    # "Set" the clock to what it already says: a change of microseconds,
    # which the kernel still reports to every TFD_TIMER_CANCEL_ON_SET timer.
    time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))
    assert woke.wait(WAIT)
    assert reasons == ["clock-set"]
    watcher.stop()


def test_a_symlinked_config_is_watched_where_it_points_and_followed_when_repointed(
    changes: Changes, tmp_path: Path
) -> None:
    """Dotfile managers: config.toml is a link into another folder, where the
    edits happen; and the link may be pointed at another file later."""
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "reminder.toml").write_text("# v1\n", encoding="utf-8")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    config = config_dir / "config.toml"
    config.symlink_to(dotfiles / "reminder.toml")
    watcher = FileWatcher(changes)
    watcher.watch([config], [])
    try:
        (dotfiles / "reminder.toml").write_text("# v2\n", encoding="utf-8")
        changes.wait_for_more_than(0)

        elsewhere = tmp_path / "other-dotfiles"
        elsewhere.mkdir()
        (elsewhere / "reminder.toml").write_text("# v3\n", encoding="utf-8")
        seen = changes.count
        repointed = config_dir / "config.toml.new"
        repointed.symlink_to(elsewhere / "reminder.toml")
        repointed.replace(config)  # ln -sfn does this
        changes.wait_for_more_than(seen)

        seen = changes.count
        (elsewhere / "reminder.toml").write_text("# v4\n", encoding="utf-8")
        changes.wait_for_more_than(seen)
    finally:
        watcher.close()
