"""Which scheduled session is due, and what became of the ones that were.

Pure: every method takes the current time; nothing here sets timers, shows
notifications or writes history. The coordinator asks the agenda what to
do, then does it.

The agenda remembers:

- which occurrences were handled (run, missed, skipped, snoozed), so none
  runs twice, even when the clock is set back;
- ``last_check``: the time up to which arrivals were looked at;
- ``deferred``: the one session snoozed to a later instant;
- ``pending``: the one session postponed until the running one ends;
- ``held``: the one session waiting for the person to come back;
- ``skips``: sessions skipped ahead of their time; each is reported as
  skipped when its time comes (``Arrivals.skipped``), not before.

Skips and snoozes decided ahead are stored in the history; ``restore`` puts
them back when the daemon starts, so they outlive any restart.
``upcoming_sessions`` gives what `reminder next` lists from the same stored
decisions, so it agrees with ``status``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reminder.config.calendar import Occurrence, occurrences
from reminder.config.load import Config
from reminder.progress.records import Decision

UTC = dt.timezone.utc
HANDLED_MEMORY = dt.timedelta(days=2)
"""How long a handled occurrence is remembered (a clock set back a day or
two must not run it again)."""


def utc(moment: dt.datetime) -> dt.datetime:
    """Datetimes that share a ZoneInfo compare and add by wall clock, ignoring
    fold: in the hour that repeats when clocks go back, 02:15 (first) and 02:15
    (second) look equal. Instants are compared and moved in UTC."""
    return moment.astimezone(UTC)


def same_instant(first: dt.datetime, second: dt.datetime) -> bool:
    return first.timestamp() == second.timestamp()


Key = tuple[float, int]
"""An occurrence's identity: its instant and its schedule."""


def _key(occurrence: Occurrence) -> Key:
    return (occurrence.at.timestamp(), occurrence.schedule)


def _decided(decision: Decision) -> Occurrence:
    """The session a decision was made for, at its own time."""
    return Occurrence(decision.scheduled_at, decision.schedule, decision.routine)


def upcoming_sessions(
    config: Config, now: dt.datetime, count: int, decisions: Iterable[Decision]
) -> list[Occurrence]:
    """The next ``count`` sessions after ``now`` as the daemon will run them:
    skipped ones left out, a snoozed one at its new time."""
    decided = list(decisions)
    settled = {(d.scheduled_at.timestamp(), d.schedule) for d in decided}
    snoozed = [
        Occurrence(d.until, d.schedule, d.routine)
        for d in decided
        if d.kind == "snooze" and d.until is not None and d.until.timestamp() > now.timestamp()
    ]
    result: list[Occurrence] = []
    for occurrence in occurrences(config, now):
        if len(result) >= count:
            break
        if _key(occurrence) not in settled:
            result.append(occurrence)
    result.extend(snoozed)
    result.sort(key=lambda o: o.at.timestamp())
    return result[:count]


@dataclass(frozen=True)
class Due:
    """What to do with the sessions whose time has come."""

    run: Occurrence | None
    missed: tuple[Occurrence, ...]


def due_sessions(arrived: Iterable[Occurrence], now: dt.datetime, grace: int) -> Due:
    """Of the sessions whose time has come (in time order), run at most one:
    the latest that is at most ``grace`` seconds late. Every other one is
    missed — a laptop that slept through 10:30 and 16:00 gets no burst of
    catch-up sessions, and no session runs twice."""
    in_time = [o for o in arrived if now.timestamp() - o.at.timestamp() <= grace]
    run = in_time[-1] if in_time else None
    missed = tuple(o for o in arrived if o is not run)
    return Due(run, missed)


@dataclass(frozen=True)
class Arrivals:
    """The outcome of looking at the sessions whose time has come."""

    missed: tuple[tuple[Occurrence, str], ...]
    """Each with its reason: quiet-hours, late or superseded."""
    run: Occurrence | None
    skipped: tuple[Occurrence, ...] = ()
    """Skipped ahead of time, and now their time has come."""


class Agenda:
    def __init__(self, config: Config, now: dt.datetime) -> None:
        self.config = config
        self.last_check = now
        self._handled: dict[Key, dt.datetime] = {}
        self.skips: dict[Key, Occurrence] = {}
        """Sessions skipped ahead of their time."""
        self.deferred: tuple[dt.datetime, Occurrence] | None = None
        """The next session, snoozed: when it comes instead."""
        self.pending: Occurrence | None = None
        self.held: Occurrence | None = None
        """A due session held back while the user is away or in do-not-disturb."""

    @property
    def handled_count(self) -> int:
        return len(self._handled)

    def next_scheduled(self) -> Occurrence | None:
        """The next scheduled occurrence not yet handled (quiet hours left out)."""
        for occurrence in occurrences(self.config, self.last_check):
            if _key(occurrence) not in self._handled and _key(occurrence) not in self.skips:
                return occurrence
        return None

    def next_check(self) -> dt.datetime | None:
        """When to look at arrivals next: the next session, or a skipped
        one's time (its row is written then, not before)."""
        times = [o.at for o in self.skips.values()]
        scheduled = self.next_scheduled()
        if scheduled is not None:
            times.append(scheduled.at)
        return min(times, key=lambda t: t.timestamp()) if times else None

    def upcoming(self) -> Occurrence | None:
        """The next session: a snoozed one, or the next scheduled one."""
        scheduled = self.next_scheduled()
        if self.deferred is not None:
            when, occurrence = self.deferred
            deferred = Occurrence(when, occurrence.schedule, occurrence.routine)
            if scheduled is None or deferred.at.timestamp() <= scheduled.at.timestamp():
                return deferred
        return scheduled

    def is_deferred(self, occurrence: Occurrence) -> bool:
        """Whether ``occurrence`` (as ``upcoming`` gives it) is the snoozed session."""
        return self.deferred is not None and same_instant(occurrence.at, self.deferred[0])

    def arrived(self, now: dt.datetime, *, off: bool = False) -> Arrivals:
        """Sessions whose time has come: at most one to run, the rest missed.
        ``off``: they came while reminder was not running (the catch-up at
        start), so that is why they were missed. Every one of them is
        handled from now on."""
        arrived = []
        missed: list[tuple[Occurrence, str]] = []
        for occurrence in occurrences(self.config, self.last_check, include_quiet=True):
            if occurrence.at.timestamp() > now.timestamp():
                break
            if _key(occurrence) in self._handled or _key(occurrence) in self.skips:
                continue
            self.mark_handled(occurrence, now)
            if occurrence.quiet:
                missed.append((occurrence, "quiet-hours"))
            else:
                arrived.append(occurrence)
        self.last_check = max(self.last_check, now)
        grace = self.config.settings.misfire_grace
        due = due_sessions(arrived, now, grace)
        for occurrence in due.missed:
            late = utc(now) - utc(occurrence.at) > dt.timedelta(seconds=grace)
            reason = "late" if late else "superseded"
            missed.append((occurrence, "off" if off else reason))
        return Arrivals(tuple(missed), due.run, self._skips_due(now))

    def _skips_due(self, now: dt.datetime) -> tuple[Occurrence, ...]:
        due = sorted(
            (o for o in self.skips.values() if o.at.timestamp() <= now.timestamp()),
            key=lambda o: o.at.timestamp(),
        )
        for occurrence in due:
            del self.skips[_key(occurrence)]
            self.mark_handled(occurrence, now)
        return tuple(due)

    def skip(self, occurrence: Occurrence) -> None:
        """Skip a session ahead of its time: it is reported when its time comes."""
        self.skips[_key(occurrence)] = occurrence

    def restore(
        self, decisions: Iterable[Decision], recorded: Iterable[Key], now: dt.datetime
    ) -> list[Occurrence]:
        """At start: the skips and the snooze stored by an earlier run, and
        the sessions that already have a row, so none is recorded or run
        again. Returns snoozed sessions beyond the one kept (a newer snooze
        superseded them)."""
        for key in recorded:
            self._handled[key] = now
        superseded = []
        for decision in decisions:
            occurrence = _decided(decision)
            if decision.kind == "skip":
                self.skip(occurrence)
            elif decision.until is not None:
                self.mark_handled(occurrence, now)
                older = self.defer(occurrence, decision.until)
                if older is not None:
                    superseded.append(older)
        return superseded

    def still_due(self, occurrence: Occurrence, now: dt.datetime) -> bool:
        """Whether ``occurrence`` may still run at ``now`` (within grace)."""
        return due_sessions([occurrence], now, self.config.settings.misfire_grace).run is not None

    def mark_handled(self, occurrence: Occurrence, now: dt.datetime) -> None:
        self._handled[_key(occurrence)] = now
        for key, when in list(self._handled.items()):
            if now - when > HANDLED_MEMORY:
                del self._handled[key]

    # -- the three sessions that wait: snoozed, postponed, held ---------------------

    def defer(self, occurrence: Occurrence, until: dt.datetime) -> Occurrence | None:
        """Hold a session back until ``until`` (a snooze). One at a time: returns
        a different session snoozed earlier, which is now missed."""
        superseded = None
        if self.deferred is not None and self.deferred[1] != occurrence:
            superseded = self.deferred[1]
        self.deferred = (until, occurrence)
        return superseded

    def take_deferred(self) -> Occurrence | None:
        deferred, self.deferred = self.deferred, None
        return deferred[1] if deferred is not None else None

    def postpone(self, occurrence: Occurrence) -> Occurrence | None:
        """Keep ``occurrence`` until the running session ends. Returns the one
        that waited before it, which is now missed."""
        superseded, self.pending = self.pending, occurrence
        return superseded

    def take_pending(self) -> Occurrence | None:
        pending, self.pending = self.pending, None
        return pending

    def hold(self, occurrence: Occurrence) -> Occurrence | None:
        """Keep ``occurrence`` until the person is back. Returns a different
        session held before it, which is now missed."""
        superseded = self.held if self.held is not None and self.held != occurrence else None
        self.held = occurrence
        return superseded

    def take_held(self) -> Occurrence | None:
        held, self.held = self.held, None
        return held

    def clock_set(self, delta: dt.timedelta, now: dt.datetime) -> None:
        """The wall clock was set by ``delta``: a snooze keeps its real length;
        set back, arrivals are looked at again from ``now`` (handled ones
        still never run twice)."""
        if self.deferred is not None:
            until, occurrence = self.deferred
            self.deferred = (until + delta, occurrence)
        if delta < dt.timedelta(0):
            self.last_check = min(self.last_check, now)
