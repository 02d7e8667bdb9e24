"""reminder updated on disk while the daemon runs: it restarts into the new
version once the files have settled, and never in the middle of a session,
a start question or a pause (the daemon on a hand-cranked clock; the real
process executing itself again is tests/end-to-end/test_upgrade.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from support.harness import TINY_ROUTINE, TINY_SECONDS, Harness

from reminder.daemon import upgrade
from reminder.daemon.upgrade import UpgradeWatch

UTC = dt.timezone.utc
CONFIG = (
    '[settings]\ntimezone = "UTC"\nstart = "auto"\n'
    '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30"]\n' + TINY_ROUTINE
)


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 30, hour, minute, second, tzinfo=UTC)


class Installed:
    """The installed package's fingerprint, as the test makes it change."""

    def __init__(self) -> None:
        self.value: object = ("v1",)

    def read(self) -> object:
        return self.value


def started(tmp_path: Path, when: dt.datetime) -> tuple[Harness, Installed]:
    installed = Installed()
    h = Harness(tmp_path, CONFIG, when, upgrade=UpgradeWatch(installed.read))
    return h, installed


def restarted_at(h: Harness) -> dt.datetime | None:
    events = h.events("updated")
    assert len(events) <= 1
    return dt.datetime.fromisoformat(str(events[0]["ts"])) if events else None


def test_an_idle_daemon_restarts_once_the_update_has_settled(tmp_path: Path) -> None:
    h, installed = started(tmp_path, at(9, 0))
    installed.value = ("v2, half written",)
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(9, 0, 7))
    installed.value = ("v2",)  # the installer is still writing
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(9, 0, 16))
    assert restarted_at(h) is None  # changed within the last 5 s
    h.timers.advance_to(at(9, 1))
    # 9:00:12 looked and saw a change since 9:00:07; 9:00:17 saw it settled.
    assert restarted_at(h) == at(9, 0, 17)
    assert h.daemon.restart_wanted
    assert h.daemon.stopped.is_set()
    stop = h.events("daemon-stop")
    assert [e["reason"] for e in stop] == ["restarting into the updated reminder"]


def test_nothing_restarts_when_the_files_are_as_they_were_or_gone(tmp_path: Path) -> None:
    h, installed = started(tmp_path, at(9, 0))
    upgrade.files_changed(h.daemon)  # an event, but the package is the same
    h.timers.advance_to(at(9, 1))
    installed.value = None  # uninstalled, or a reinstall not finished
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(9, 2))
    assert restarted_at(h) is None
    assert not h.daemon.stopped.is_set()
    installed.value = ("v2",)  # the reinstall ends: its files appear
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(9, 3))
    assert restarted_at(h) == at(9, 2, 10)


def test_a_running_session_finishes_before_the_restart(tmp_path: Path) -> None:
    h, installed = started(tmp_path, at(10, 29))
    h.timers.advance_to(at(10, 30, 10))
    installed.value = ("v2",)
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(10, 31))
    assert restarted_at(h) is None  # mid-session
    h.timers.advance_to(at(10, 35))
    ends = h.events("session-end")
    assert [e["outcome"] for e in ends] == ["completed"]
    end = at(10, 30) + dt.timedelta(seconds=TINY_SECONDS)
    assert restarted_at(h) == end


def test_paused_reminders_stay_paused_until_resumed_then_it_restarts(tmp_path: Path) -> None:
    h, installed = started(tmp_path, at(9, 0))
    h.daemon.control("pause", {})
    installed.value = ("v2",)
    upgrade.files_changed(h.daemon)
    h.timers.advance_to(at(9, 30))
    assert restarted_at(h) is None  # a restart would forget the pause
    assert h.daemon.status()["state"] == "paused"
    h.daemon.control("resume", {})
    h.timers.advance_to(at(9, 30))
    assert restarted_at(h) == at(9, 30)
