"""The agenda on its own: which session is due, which are missed and why,
and the three that wait (snoozed, postponed, held). Pure, clock passed in;
every expected instant is written by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from support.harness import TINY_ROUTINE, paths_with_config

from reminder.config.calendar import Occurrence
from reminder.config.load import Config, load_config
from reminder.daemon.agenda import Agenda, upcoming_sessions
from reminder.progress.history import Decision

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def make_config(tmp_path: Path, *, grace: str = "15m", quiet: str | None = None) -> Config:
    quiet_line = f'quiet_hours = "{quiet}"\n' if quiet else ""
    text = (
        f'[settings]\ntimezone = "Europe/Berlin"\nmisfire_grace = "{grace}"\n{quiet_line}'
        '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30", "16:00"]\n' + TINY_ROUTINE
    )
    paths = paths_with_config(tmp_path, text)
    return load_config(paths)


def test_the_latest_session_within_grace_runs_and_an_older_one_is_missed_late(
    tmp_path: Path,
) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 10))
    arrivals = agenda.arrived(at(30, 16, 5))
    assert arrivals.run == Occurrence(at(30, 16), 0, "tiny")
    assert [(o.at, reason) for o, reason in arrivals.missed] == [(at(30, 10, 30), "late")]


def test_with_a_long_grace_the_older_session_is_superseded_not_late(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path, grace="8h"), at(30, 10))
    arrivals = agenda.arrived(at(30, 16, 5))
    assert arrivals.run == Occurrence(at(30, 16), 0, "tiny")
    assert [(o.at, reason) for o, reason in arrivals.missed] == [(at(30, 10, 30), "superseded")]


def test_a_session_in_quiet_hours_is_missed_for_that_reason(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path, quiet="15:00-17:00"), at(30, 15))
    arrivals = agenda.arrived(at(30, 16))
    assert arrivals.run is None
    assert [(o.at, reason) for o, reason in arrivals.missed] == [(at(30, 16), "quiet-hours")]
    tomorrow = dt.datetime(2026, 12, 1, 10, 30, tzinfo=BERLIN)
    assert agenda.next_scheduled() == Occurrence(tomorrow, 0, "tiny")


def test_a_handled_session_never_comes_due_again_even_when_the_clock_goes_back(
    tmp_path: Path,
) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 10))
    assert agenda.arrived(at(30, 10, 31)).run is not None
    agenda.clock_set(-dt.timedelta(hours=1), at(30, 9, 31))
    again = agenda.arrived(at(30, 10, 31))
    assert again.run is None
    assert again.missed == ()
    assert agenda.next_scheduled() == Occurrence(at(30, 16), 0, "tiny")


def test_handled_sessions_are_forgotten_after_two_days(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(20, 10))
    agenda.arrived(at(20, 10, 31))
    assert agenda.handled_count == 1
    agenda.arrived(at(23, 10, 31))  # 20th 16:00 ... 23rd 10:30 arrive; the 20th 10:30 is forgotten
    assert agenda.handled_count == 6


def test_a_snoozed_session_comes_instead_of_the_scheduled_one(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 10))
    first = Occurrence(at(30, 10, 30), 0, "tiny")
    agenda.mark_handled(first, at(30, 10))
    assert agenda.defer(first, at(30, 10, 40)) is None
    upcoming = agenda.upcoming()
    assert upcoming == Occurrence(at(30, 10, 40), 0, "tiny")
    assert agenda.is_deferred(upcoming)
    # A snooze keeps its real length when the clock is set.
    agenda.clock_set(dt.timedelta(minutes=5), at(30, 10, 5))
    assert agenda.upcoming() == Occurrence(at(30, 10, 45), 0, "tiny")
    # One snoozed session at a time: another one supersedes it.
    second = Occurrence(at(30, 16), 0, "tiny")
    assert agenda.defer(second, at(30, 16, 10)) == first
    assert agenda.take_deferred() == second
    assert agenda.take_deferred() is None


def test_one_session_waits_behind_the_running_one_and_one_for_the_person(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 10))
    morning = Occurrence(at(30, 10, 30), 0, "tiny")
    afternoon = Occurrence(at(30, 16), 0, "tiny")
    assert agenda.postpone(morning) is None
    assert agenda.postpone(afternoon) == morning
    assert agenda.take_pending() == afternoon
    assert agenda.hold(morning) is None
    assert agenda.hold(morning) is None  # the same one again is no supersession
    assert agenda.hold(afternoon) == morning
    assert agenda.take_held() == afternoon


def test_still_due_is_true_within_grace_only(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 10))
    session = Occurrence(at(30, 10, 30), 0, "tiny")
    assert agenda.still_due(session, at(30, 10, 45))
    assert not agenda.still_due(session, at(30, 10, 45) + dt.timedelta(seconds=1))


def decision(
    kind: Literal["skip", "snooze"], scheduled: dt.datetime, until: dt.datetime | None = None
) -> Decision:
    return Decision(kind, "tiny", 0, scheduled, until, at(30, 9))


def test_a_skip_is_reported_when_its_time_comes_not_before(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 9))
    morning = Occurrence(at(30, 10, 30), 0, "tiny")
    agenda.skip(morning)
    assert agenda.upcoming() == Occurrence(at(30, 16), 0, "tiny")
    assert agenda.next_check() == at(30, 10, 30)  # woken to record it then
    assert agenda.arrived(at(30, 10, 29)).skipped == ()
    arrivals = agenda.arrived(at(30, 10, 30))
    assert (arrivals.skipped, arrivals.run, arrivals.missed) == ((morning,), None, ())
    assert agenda.arrived(at(30, 10, 31)).skipped == ()  # once
    assert agenda.next_check() == at(30, 16)


def test_stored_decisions_come_back_after_a_restart(tmp_path: Path) -> None:
    agenda = Agenda(make_config(tmp_path), at(30, 9))
    superseded = agenda.restore(
        [
            decision("skip", at(30, 16)),
            decision("snooze", at(30, 10, 30), at(30, 10, 40)),
        ],
        recorded=[],
        now=at(30, 9),
    )
    assert superseded == []
    assert agenda.upcoming() == Occurrence(at(30, 10, 40), 0, "tiny")
    # Neither the snoozed session at its own time nor the skipped one runs.
    arrivals = agenda.arrived(at(30, 16))
    assert arrivals.run is None
    assert arrivals.missed == ()
    assert arrivals.skipped == (Occurrence(at(30, 16), 0, "tiny"),)


def test_next_lists_what_the_daemon_will_run_from_the_stored_decisions(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    decisions = [
        decision("skip", at(30, 10, 30)),
        decision("snooze", at(30, 16), at(30, 16, 30)),
    ]
    listed = upcoming_sessions(config, at(30, 9), 3, decisions)
    first_december = dt.datetime(2026, 12, 1, 10, 30, tzinfo=BERLIN)
    assert [o.at for o in listed] == [
        at(30, 16, 30),
        first_december,
        first_december.replace(hour=16, minute=0),
    ]
