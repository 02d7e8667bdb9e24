"""The real ``reminder.daemon.coordinator.Daemon`` on a hand-cranked clock.

Shared by the unit tests of the daemon's decisions (tests/unit/
test_daemon_logic.py) and the reliability suites that run it for days
(tests/reliability/test_soak.py, test_dst.py). Everything the daemon touches
is real except time, the notification server and the desktop: the config is
parsed from TOML text in a file, the history is SQLite in tmp_path, and the
JSON event log is read back as the daemon writes it.

- ``ManualTimers``: the daemon's timer wheel (``reminder.daemon.coordinator.TimerWheel``)
  and its clock; time moves only when the test says so.
- ``FakeNotifier``: a notification backend (``reminder.notify.base.Notifier``)
  that records what it is asked to show, stamped with the manual clock.
- ``EventSink``: the JSON event log, parsed line by line as it is written.
- ``Harness``: the daemon wired to all three, started.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NamedTuple

from reminder.config.load import load_config
from reminder.daemon.coordinator import Daemon, PresenceSource
from reminder.daemon.events import EventLog
from reminder.daemon.upgrade import UpgradeWatch
from reminder.notify.base import ActionHandler, Message
from reminder.paths import Paths
from reminder.progress.history import History
from support.sound import SoundRecorder

UTC = dt.timezone.utc

TINY_ROUTINE = """
[routines.tiny]
title = "Tiny"
[[routines.tiny.release]]
exercise = "Ball"
hold = "20s"
ready = "5s"
[[routines.tiny.stretch]]
exercise = "Figure-4"
hold = "10s"
sets = 2
rest = "5s"
sides = "both"
switch = "3s"
ready = "0s"
[[routines.tiny.strengthen]]
exercise = "Clamshell"
reps = 2
rep_time = "2s"
ready = "0s"
"""
"""A short routine, ``tiny``, written inline: append it to a config."""
# Steps: ready 5, hold 20 | hold L 10, switch 3, hold R 10, rest 5, hold L 10,
# switch 3, hold R 10 | 2 reps x 2 s = 4.  Total 80 s.
TINY_STEP_STARTS = [0, 5, 25, 35, 38, 48, 53, 63, 66, 76]
"""When each of tiny's ten steps starts, in seconds from the session's start."""
TINY_SECONDS = 80
"""How long tiny lasts."""

Event = dict[str, Any]
"""One record of the daemon's JSON log: ``event``, ``ts`` and its fields."""


class ManualTimers:
    """A timer wheel whose clock moves only when the test says so.

    Instants are kept in UTC: datetimes that share a ZoneInfo compare by wall
    time, ignoring fold, so in the hour that repeats when clocks go back they
    would run out of order. ``clock()`` gives the time in ``zone`` (the real
    daemon's clock is UTC; by default the zone of ``start``).
    """

    def __init__(self, start: dt.datetime, zone: dt.tzinfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("the manual clock must be time-zone aware")
        self._now = start.astimezone(UTC)
        self._boot = 0.0
        """Seconds since boot, asleep included (CLOCK_BOOTTIME): it moves with
        time passing and sleeping, never when the clock is set."""
        self.zone: dt.tzinfo = zone if zone is not None else start.tzinfo
        self.jobs: dict[str, tuple[dt.datetime, Callable[[], None]]] = {}
        self._soon = 0
        self.stopped = False

    @property
    def now(self) -> dt.datetime:
        """The current instant, in UTC. Setting it sets the clock (no timer runs)."""
        return self._now

    @now.setter
    def now(self, moment: dt.datetime) -> None:
        self._now = moment.astimezone(UTC)

    def _pass(self, moment: dt.datetime) -> None:
        """Time passes (awake or asleep) up to ``moment``."""
        moment = moment.astimezone(UTC)
        self._boot += max((moment - self._now).total_seconds(), 0.0)
        self._now = max(self._now, moment)

    def clock(self) -> dt.datetime:
        """The daemon's clock."""
        return self._now.astimezone(self.zone)

    def offset(self) -> float:
        """Wall clock minus time since boot, as ``reminder.daemon.watchers.wall_minus_boot``:
        it changes only when someone sets the clock (``now = ...``)."""
        return self._now.timestamp() - self._boot

    def call_at(self, key: str, when: dt.datetime, function: Callable[[], None]) -> None:
        self.jobs[key] = (when.astimezone(UTC), function)

    def call_soon(self, function: Callable[[], None]) -> None:
        self._soon += 1
        self.jobs[f"soon-{self._soon}"] = (self._now, function)

    def cancel(self, key: str) -> None:
        self.jobs.pop(key, None)

    def next_wakeup(self) -> dt.datetime | None:
        return min((when for when, _ in self.jobs.values()), default=None)

    def wakeup(self) -> None:
        pass

    def stop(self) -> None:
        self.stopped = True

    def run_due(self) -> None:
        """Run every timer that is due now, earliest first."""
        while True:
            due = [(when, key) for key, (when, _) in self.jobs.items() if when <= self._now]
            if not due:
                return
            _, key = min(due)
            _, function = self.jobs.pop(key)
            function()

    def advance_to(self, moment: dt.datetime) -> None:
        """Run every timer up to ``moment`` at its own time, in order."""
        while True:
            upcoming = self.next_wakeup()
            if upcoming is None or upcoming > moment:
                break
            self._pass(upcoming)
            self.run_due()
        self._pass(moment)
        self.run_due()

    def sleep_until(self, moment: dt.datetime) -> None:
        """The computer was suspended: time passes, nothing runs."""
        self._pass(moment)


class Shown(NamedTuple):
    """One ``Notifier.show`` call: when (the manual clock), which tag, what."""

    at: dt.datetime
    tag: str
    message: Message


class FakeNotifier:
    """A notification backend with the interface of
    ``reminder.notify.base.Notifier`` (mypy checks it where the Harness hands
    it to the Daemon, whose ``notifier`` is a ``Notifier``). It keeps every show and close, stamped with
    ``clock``; with ``record=False`` it only counts them, so memory measured
    around the daemon is the daemon's own."""

    name = "recording"

    def __init__(
        self,
        *,
        actions: bool = True,
        record: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.shown: list[Shown] = []
        self.closed: list[str] = []
        self.shows = 0
        """Every show, counted even when not recorded."""
        self.handler: ActionHandler | None = None
        self._actions = actions
        self._record = record
        self.clock: Callable[[], dt.datetime] = clock or (lambda: dt.datetime.now(UTC))

    def supports_actions(self) -> bool:
        return self._actions

    def show(self, tag: str, message: Message) -> None:
        self.shows += 1
        if self._record:
            self.shown.append(Shown(self.clock(), tag, message))

    def close(self, tag: str) -> None:
        if self._record:
            self.closed.append(tag)

    def set_action_handler(self, handler: ActionHandler) -> None:
        self.handler = handler

    def shutdown(self) -> None:
        pass


class EventSink(io.StringIO):
    """The daemon's JSON log, parsed as it is written, without keeping the text.

    ``keep``: the names of the events whose records to keep (None: all). Any
    event whose name says "error" is also kept, as its line, in ``problems``.
    """

    def __init__(self, keep: Collection[str] | None = None) -> None:
        super().__init__()
        self._keep = None if keep is None else frozenset(keep)
        self.records: list[Event] = []
        self.problems: list[str] = []

    def write(self, text: str, /) -> int:
        for line in text.splitlines():
            record: Event = json.loads(line)
            name = str(record["event"])
            if "error" in name:
                self.problems.append(line)
            if self._keep is None or name in self._keep:
                self.records.append(record)
        return len(text)

    def events(self, name: str | None = None) -> list[Event]:
        return [r for r in self.records if name is None or r["event"] == name]


def paths_with_config(tmp_path: Path, config_text: str) -> Paths:
    """Paths whose config file (in ``tmp_path``) holds ``config_text``."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(config_text, encoding="utf-8")
    return Paths(
        config_file=config_file,
        config_from="--config",
        config_dir=tmp_path / "cfg",
        routines_dir=tmp_path / "cfg" / "routines",
        state_dir=tmp_path / "state" / "reminder",
        runtime_dir=tmp_path / "run",
    )


class Harness:
    """A started daemon, its config file written from ``config_text``, its
    history in ``tmp_path/state/reminder/history.sqlite3``.

    ``zone``: the zone of the daemon's clock (default: that of ``start``).
    ``actions``: whether the notifier has buttons. ``record``: whether the
    notifier keeps what it shows. ``keep_events``: which log events to keep
    (default all). ``started``: False to make the daemon without starting it.
    ``upgrade``: what tells it reminder was updated on disk.
    """

    def __init__(
        self,
        tmp_path: Path,
        config_text: str,
        start: dt.datetime,
        *,
        zone: dt.tzinfo | None = None,
        actions: bool = True,
        presence: PresenceSource | None = None,
        record: bool = True,
        keep_events: Collection[str] | None = None,
        started: bool = True,
        upgrade: UpgradeWatch | None = None,
    ) -> None:
        state = tmp_path / "state" / "reminder"
        state.mkdir(parents=True, exist_ok=True)
        (state / "welcomed").touch()
        self.config_file = tmp_path / "config.toml"
        self.config_file.write_text(config_text, encoding="utf-8")
        self.paths = Paths(
            config_file=self.config_file,
            config_from="--config",
            config_dir=tmp_path / "cfg",
            routines_dir=tmp_path / "cfg" / "routines",
            state_dir=state,
            runtime_dir=tmp_path / "run",
        )
        self._zone = zone
        self._presence = presence
        self._upgrade = upgrade
        self.timers = ManualTimers(start, zone)
        self.notifier = FakeNotifier(actions=actions, record=record, clock=self.timers.clock)
        self.sink = EventSink(keep_events)
        self.history = History(self.paths.history_db)
        self.sound = SoundRecorder()
        self.daemon = self._start(started)

    def _start(self, started: bool = True) -> Daemon:
        self.notifier.clock = self.timers.clock
        self.log = EventLog(self.sink, json_lines=True, clock=self.timers.clock)
        daemon = Daemon(
            presence=self._presence,
            history=self.history.path,
            paths=self.paths,
            config=load_config(self.paths),
            notifier=self.notifier,
            timers=self.timers,
            log=self.log,
            clock=self.timers.clock,
            clock_offset=self.timers.offset,
            sound_factory=self.sound,
            upgrade=self._upgrade,
        )
        if started:
            daemon.start()
        return daemon

    def restart(self, at: dt.datetime, *, stop: str | None = "SIGTERM") -> None:
        """The daemon stops (``stop``: how; None: it is killed, nothing
        recorded) and a new one starts at ``at`` on the same files."""
        if stop is not None:
            self.daemon.shutdown(stop)
        self.history.close()
        self.timers = ManualTimers(at, self._zone)
        self.daemon = self._start()

    def events(self, name: str | None = None) -> list[Event]:
        """The log's records so far, all or those of one event."""
        return self.sink.events(name)

    def press(self, key: str) -> None:
        """Press a button on the notification shown last."""
        self.daemon.on_action(self.notifier.shown[-1].tag, key)
