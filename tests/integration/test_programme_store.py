"""The programme's records in a real history file (SQLite): level changes with
their time and reason, effort ratings, and the rules fed from the history."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from support.history import record_completed
from support.routines import routine_toml

import reminder.progress.history as history_module
from reminder.progress.history import History
from reminder.progress.programme_store import (
    NothingToRate,
    ProgrammeStore,
    judge_after_session,
    judge_session,
    last_ran,
    next_session,
    rate_last,
    rate_session,
    set_level,
    settle,
)
from reminder.routines.model import Routine

UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
TOOK = dt.timedelta(minutes=18)

PROGRAMME = """\
title = "Hips"

[[release]]
exercise = "Ball"
hold = "30s"

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Clamshells"
reps = 10
sets = 2
group = "A"
levels = [{ reps = 12 }, { reps = 15 }]

[[strengthen]]
exercise = "Bridge"
reps = 10
sets = 2
group = "B"

[[strengthen]]
exercise = "Stance"
hold = "20s"
levels = [{ hold = "25s" }, { hold = "30s" }]
"""


@pytest.fixture
def routine() -> Routine:
    return routine_toml(PROGRAMME, name="hips")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "history.sqlite3"


def day(n: int, hour: int = 10) -> dt.datetime:
    return MONDAY.replace(hour=hour) + dt.timedelta(days=n)


def session(history: History, n: int) -> int:
    """A completed session of hips on day ``n``; its row."""
    return record_completed(history, "hips", day(n), took=TOOK, seconds_done=900)


def test_a_fresh_programme_reads_nothing_and_writes_nothing(routine: Routine, db: Path) -> None:
    state = settle(History(db), ProgrammeStore(db), routine, day(0))
    assert state.next_group == "A"
    assert state.levels == {"Clamshells": 1, "Stance": 1}
    assert not db.exists()


def test_rating_two_easy_sessions_steps_up_and_keeps_why(routine: Routine, db: Path) -> None:
    history, store = History(db), ProgrammeStore(db)
    first = session(history, 0)  # A
    store.rate(first, "hips", "easy", day(0) + TOOK)
    decisions, _ = judge_session(history, store, routine, first, day(0) + TOOK)
    assert not any(d.changed for d in decisions)

    second = session(history, 1)  # B: only Stance
    store.rate(second, "hips", "easy", day(1) + TOOK)
    rated_at = day(1) + TOOK
    decisions, state = judge_session(history, store, routine, second, rated_at)

    assert [(d.exercise.name, d.level) for d in decisions] == [("Stance", 2)]
    assert state.levels == {"Clamshells": 1, "Stance": 2}
    assert state.next_group == "A"
    [change] = ProgrammeStore(db).changes("hips")
    assert (change.exercise, change.previous, change.level) == ("Stance", 1, 2)
    assert change.at == rated_at
    assert change.session_id == second
    assert "easy" in change.reason


def test_a_break_is_recorded_once_and_dated_when_it_reached_14_days(
    routine: Routine, db: Path
) -> None:
    history, store = History(db), ProgrammeStore(db)
    session(history, 0)
    set_level(store, settle(history, store, routine, day(0, 12)), "Stance", 3, day(0, 12))

    settle(history, store, routine, day(20))
    settle(history, store, routine, day(30))
    state = settle(history, store, routine, day(31))

    assert state.levels["Stance"] == 2
    changes = store.changes("hips")
    assert (changes[0].level, changes[0].reason) == (3, "set by hand")
    assert len(changes) == 2
    assert changes[1].at == day(0) + dt.timedelta(days=14)
    assert "14 days" in changes[1].reason


def test_rate_last_rates_the_last_session_that_ran_within_12_hours(db: Path) -> None:
    history = History(db)
    ran = session(history, 0)
    history.not_run("hips", "skipped", scheduled_at=day(0, 14), at=day(0, 14))
    history.not_run("hips", "missed", scheduled_at=day(0, 16), reason="late", at=day(0, 16))
    entry = last_ran(history.entries(), day(0, 20))
    assert entry is not None
    assert entry.id == ran
    assert last_ran(history.entries(), day(0) + TOOK + dt.timedelta(hours=12, seconds=1)) is None


def test_a_second_rating_of_a_session_replaces_the_first(routine: Routine, db: Path) -> None:
    history, store = History(db), ProgrammeStore(db)
    row = session(history, 0)
    rate_last(history, store, "hard", day(0, 12), lambda name: routine)
    rated = rate_last(history, store, "easy", day(0, 13), lambda name: routine)
    assert rated.entry.id == row
    assert store.efforts() == {row: "easy"}


def test_nothing_to_rate_without_a_recent_session(routine: Routine, db: Path) -> None:
    history, store = History(db), ProgrammeStore(db)
    with pytest.raises(NothingToRate):
        rate_last(history, store, "easy", day(0), lambda name: routine)
    session(history, 0)
    with pytest.raises(NothingToRate):
        rate_last(history, store, "easy", day(1, 12), lambda name: routine)


def test_the_programme_tables_sit_beside_the_history_without_changing_its_schema(
    routine: Routine, db: Path
) -> None:
    store = ProgrammeStore(db)
    # The programme's tables come first: the history still creates its own after.
    set_level(store, settle(History(db), store, routine, day(0)), "Clamshells", 2, day(0))
    store.close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    history = History(db)
    row = session(history, 1)
    assert [e.id for e in history.entries()] == [row]
    history.close()
    with sqlite3.connect(db) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    assert {"sessions", "checkins", "level_changes", "ratings"} <= tables
    # The history's own migrations, untouched by the programme's tables.
    assert version == len(history_module._MIGRATIONS)


def test_next_session_runs_the_next_group_at_its_levels(routine: Routine, db: Path) -> None:
    history, store = History(db), ProgrammeStore(db)
    session(history, 0)
    set_level(store, settle(history, store, routine, day(0, 12)), "Stance", 2, day(0, 12))

    found = next_session(db, routine, day(1))

    assert found.group == "B"
    assert found.error is None
    assert [e.name for e in found.routine.phases["strengthen"]] == ["Bridge", "Stance"]
    assert found.routine.phases["strengthen"][1].hold == 25
    stance_steps = [s for s in found.plan.steps if s.exercise == "Stance" and s.kind == "work"]
    assert [s.duration for s in stance_steps] == [25]


def test_next_session_runs_level_1_of_the_first_group_when_the_history_is_unreadable(
    routine: Routine, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    found = next_session(db, routine, day(0))
    assert found.error is not None
    assert found.group == "A"
    assert found.plan.total_seconds > 0


def test_next_session_of_a_plain_routine_does_not_touch_the_history(tmp_path: Path) -> None:
    plain = routine_toml(PROGRAMME.replace('group = "A"\n', "").replace('group = "B"\n', ""))
    plain = replace(
        plain,
        phases={
            phase: tuple(replace(e, levels=()) for e in exercises)
            for phase, exercises in plain.phases.items()
        },
    )
    db = tmp_path / "missing" / "history.sqlite3"
    found = next_session(db, plain, day(0))
    assert found.group is None
    assert found.error is None
    assert not db.parent.exists()


def test_the_daemons_two_calls_rate_then_judge(routine: Routine, db: Path) -> None:
    history = History(db)
    first, second = session(history, 0), session(history, 1)
    history.close()
    for row in (first, second):
        rate_session(db, row, "hips", "easy", day(1, 11))
    history.add_checkin(day(1, 11), feeling="better", routine="hips", session_id=second)
    history.close()

    judged = judge_after_session(db, routine, second, day(1, 11))

    assert judged.next_time == "Next time: Stance 1 × 25 s, up from 1 × 20 s."
    assert [d.exercise.name for d in judged.changes] == ["Stance"]
    assert judged.held_by is None
    assert ProgrammeStore(db).changes("hips")[0].session_id == second
