"""Statistics and the relief rule over a hand-built history.

Every expected figure below is worked out by hand from the sessions listed in
``HISTORY`` (the comments show the arithmetic), not copied from the program.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reminder.config.load import Config, parse_config
from reminder.paths import Paths
from reminder.progress.advice import relief_advice
from reminder.progress.history import Checkin, Entry
from reminder.progress.stats import compute
from reminder.progress.stats_text import heatmap, stats_text
from reminder.schema.tomlfile import parse

BERLIN = ZoneInfo("Europe/Berlin")

CONFIG = """
[settings]
timezone = "Europe/Berlin"
relief_check = {relief_check}

# release 60 s, stretch 2 x 60 s = 120 s, strengthen 10 x 6 s = 60 s: 240 s.
[routines.tiny]
title = "Tiny"
muscle = "tiny muscle"
see_also = ["other", "tiny-too", "quadratus-lumborum"]
[[routines.tiny.release]]
exercise = "Ball"
hold = "60s"
ready = "0s"
[[routines.tiny.stretch]]
exercise = "Reach"
hold = "60s"
sides = "both"
switch = "0s"
ready = "0s"
[[routines.tiny.strengthen]]
exercise = "Lift"
reps = 10
rep_time = "6s"
ready = "0s"

[routines.other]
title = "Other muscle"
muscle = "other muscle"
[[routines.other.release]]
exercise = "Ball"
hold = "30s"
[[routines.other.stretch]]
exercise = "Reach"
hold = "30s"
[[routines.other.strengthen]]
exercise = "Lift"
reps = 5

# Works the same muscle as tiny, so it is never offered in its place.
[routines.tiny-too]
title = "Tiny, standing"
muscle = "tiny muscle"
[[routines.tiny-too.release]]
exercise = "Ball"
hold = "30s"
[[routines.tiny-too.stretch]]
exercise = "Reach"
hold = "30s"
[[routines.tiny-too.strengthen]]
exercise = "Lift"
reps = 5

[[schedule]]
routine = "tiny"
days = "weekdays"
at = ["10:00", "16:00"]
"""


def make_config(tmp_path: Path, relief_check: int = 6) -> Config:
    text = CONFIG.format(relief_check=relief_check)
    paths = Paths(
        config_file=tmp_path / "config.toml",
        config_from="--config",
        config_dir=tmp_path / "cfg",
        routines_dir=tmp_path / "cfg" / "routines",
        state_dir=tmp_path / "state",
        runtime_dir=tmp_path / "run",
    )
    return parse_config(
        parse(text, "config.toml"), text=text, shown="config.toml", path=None, paths=paths
    )


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def berlin(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=BERLIN)


def entry(
    month: int,
    day: int,
    hour: int,
    outcome: str,
    *,
    seconds: int = 0,
    phases: tuple[str, ...] = (),
    reason: str | None = None,
    routine: str = "tiny",
    scheduled: bool = True,
) -> Entry:
    moment = berlin(month, day, hour)
    ran = outcome in ("completed", "partial")
    return Entry(
        id=0,
        routine=routine,
        schedule=0 if scheduled else None,
        scheduled_at=moment if scheduled else None,
        started_at=moment if ran else None,
        ended_at=moment + dt.timedelta(seconds=seconds) if ran else moment,
        outcome=outcome,
        reason=reason,
        phases_done=("release", "stretch", "strengthen") if outcome == "completed" else phases,
        seconds_done=seconds,
    )


def checkin(
    month: int,
    day: int,
    hour: int,
    score: int | None = None,
    feeling: str | None = None,
    routine: str | None = "tiny",
) -> Checkin:
    return Checkin(0, berlin(month, day, hour), score, feeling, None, routine, None)


# Schedule: weekdays 10:00 and 16:00. "Now" is Wed 19 March 2025, 12:00 (CET).
NOW = berlin(3, 19, 12)
FULL = 240
HISTORY = [
    # Before the window: Mon 24 to Fri 28 February, one completed a day.
    *(entry(2, day, 10, "completed", seconds=FULL) for day in range(24, 29)),
    # Week 10 (3-9 March): 10 scheduled.
    entry(3, 3, 10, "completed", seconds=FULL),
    entry(3, 3, 16, "completed", seconds=FULL),
    entry(3, 4, 10, "completed", seconds=FULL),
    entry(3, 4, 16, "missed", reason="late"),
    entry(3, 5, 10, "partial", seconds=70, phases=("release",)),
    entry(3, 5, 16, "skipped"),
    entry(3, 6, 10, "completed", seconds=FULL),
    entry(3, 6, 16, "missed", reason="paused"),
    # Friday 7th: nothing recorded at all.
    entry(3, 8, 11, "completed", seconds=FULL, scheduled=False),  # by hand, a Saturday
    # Week 11 (10-16 March): 10 scheduled.
    entry(3, 10, 10, "completed", seconds=FULL),
    entry(3, 10, 16, "completed", seconds=FULL),
    entry(3, 11, 10, "completed", seconds=120),  # steps skipped: half the time
    entry(3, 11, 16, "missed", reason="no-answer"),
    entry(3, 12, 10, "missed", reason="superseded"),
    entry(3, 13, 10, "completed", seconds=FULL),
    entry(3, 13, 16, "completed", seconds=FULL),
    entry(3, 14, 10, "partial", seconds=190, phases=("release", "stretch")),
    entry(3, 14, 16, "completed", seconds=FULL),
    # Week 12 (17-23 March), up to Wednesday noon: 2 + 2 + 1 = 5 scheduled.
    entry(3, 17, 10, "completed", seconds=FULL),
    entry(3, 18, 10, "missed", reason="late"),
    entry(3, 18, 16, "completed", seconds=FULL),
    entry(3, 19, 10, "missed", reason="late"),
]
CHECKINS = [
    checkin(2, 25, 18, score=6),
    checkin(3, 3, 18, score=6, feeling="same"),
    checkin(3, 4, 18, score=5, feeling="better"),
    checkin(3, 6, 18, score=5, feeling="same"),
    checkin(3, 10, 18, score=4, feeling="better"),
    checkin(3, 10, 20, score=5),
    checkin(3, 14, 18, score=4, feeling="worse"),
    checkin(3, 18, 18, score=3, feeling="better"),
]


def test_adherence_per_iso_week_counts_scheduled_completed_and_partial(config: Config) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    rows = [(w.label, w.scheduled, w.completed, w.partial, w.adherence) for w in stats.weeks]
    assert rows == [
        # completed: 3rd ×2, 4th, 6th, 8th (by hand); partial: 5th
        ("2025-W10", 10, 5, 1, 0.5),
        # completed: 10th ×2, 11th, 13th ×2, 14th; partial: 14th
        ("2025-W11", 10, 6, 1, 0.6),
        # scheduled so far: Mon 2, Tue 2, Wed 10:00; completed 17th, 18th
        ("2025-W12", 5, 2, 0, 0.4),
    ]
    assert stats.weeks[0].start == berlin(3, 3)
    assert stats.start == berlin(3, 3)


def test_streaks_skip_free_days_break_on_undone_days_and_wait_for_today(
    config: Config,
) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    # Feb 24-28 (5), weekend not due, Mar 3, 4 -> 7 (best); the 5th had only a
    # partial session -> 0; 6th -> 1; 7th due, nothing -> 0; Sat 8th -> 1;
    # 10th, 11th -> 3; 12th only missed -> 0; 13th, 14th, 17th, 18th -> 4.
    # Today (19th) is not done yet, which does not break it.
    assert (stats.current_streak, stats.best_streak) == (4, 7)

    # A day later, the 19th is over and nothing was done: the streak is gone.
    later = compute(HISTORY, CHECKINS, config, berlin(3, 20, 12), weeks=3)
    assert (later.current_streak, later.best_streak) == (0, 7)


def test_minutes_per_phase_split_completed_by_plan_and_partial_by_phases_done(
    config: Config,
) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    # Completed in the window: 12 × 240 s (60/120/60) and one of 120 s
    # (30/60/30). Partial: release (60) on the 5th; release + stretch
    # (60 + 120) on the 14th.
    assert dict(stats.phase_seconds) == {
        "release": 12 * 60 + 30 + 60 + 60,
        "stretch": 12 * 120 + 60 + 120,
        "strengthen": 12 * 60 + 30,
    }
    assert stats.to_json()["phase_minutes"] == {
        "release": 14.5,
        "stretch": 27.0,
        "strengthen": 12.5,
    }


def test_missed_by_reason_and_skipped_count_only_the_window(config: Config) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    assert dict(stats.missed_by_reason) == {
        "late": 3,
        "no-answer": 1,
        "paused": 1,
        "superseded": 1,
    }
    assert stats.skipped == 1
    one_week = compute(HISTORY, CHECKINS, config, NOW, weeks=1)
    assert dict(one_week.missed_by_reason) == {"late": 2}
    assert one_week.skipped == 0


def test_pain_by_day_feelings_and_trend(config: Config) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    # Feb 25 is before the window; the 10th has two scores: (4 + 5) / 2.
    assert [(d.date.day, d.score, d.checkins) for d in stats.pain_days] == [
        (3, 6.0, 1),
        (4, 5.0, 1),
        (6, 5.0, 1),
        (10, 4.5, 2),
        (14, 4.0, 1),
        (18, 3.0, 1),
    ]
    assert dict(stats.feelings) == {"better": 3, "same": 2, "worse": 1}
    trend = stats.trend
    # The last 28 days (after Feb 19 12:00): all eight scores, each its own
    # point in time, from 6 (Feb 25 18:00) to 3 (Mar 18 18:00), 21 days apart.
    points = [((c.at - CHECKINS[0].at).total_seconds() / 86400, c.score) for c in CHECKINS]
    line = statistics.linear_regression([x for x, _ in points], [float(y or 0) for _, y in points])
    assert trend.change == pytest.approx(line.slope * 21)
    assert trend.change is not None
    assert trend.change < -1
    assert (trend.direction, trend.basis, trend.checkins) == ("improving", "scores", 8)
    assert (trend.first_score, trend.last_score) == (6, 3)
    assert trend.since == CHECKINS[0].at


def test_trend_falls_back_to_feelings_without_scores_in_both_fortnights(
    config: Config,
) -> None:
    feelings = [
        checkin(3, 10, 18, feeling="worse"),
        checkin(3, 12, 18, feeling="worse"),
        checkin(3, 14, 18, feeling="better"),
        checkin(3, 17, 18, score=5),
    ]
    trend = compute(HISTORY, feelings, config, NOW, weeks=3).trend
    assert (trend.direction, trend.basis, trend.better, trend.worse) == (
        "worsening",
        "feelings",
        1,
        2,
    )
    assert compute(HISTORY, [], config, NOW, weeks=3).trend.direction is None


def test_json_is_documented_shape_with_offsets(config: Config) -> None:
    data = compute(HISTORY, CHECKINS, config, NOW, weeks=3).to_json()
    assert data["now"] == "2025-03-19T12:00:00+01:00"
    assert data["window"]["start"] == "2025-03-03T00:00:00+01:00"
    assert data["weeks"][2] == {
        "week": "2025-W12",
        "start": "2025-03-17T00:00:00+01:00",
        "scheduled": 5,
        "completed": 2,
        "partial": 0,
        "adherence": 0.4,
    }
    assert data["streak"] == {"current": 4, "best": 7}
    assert data["totals"] == {
        "scheduled": 25,
        "completed": 13,
        "partial": 2,
        "missed": 6,
        "skipped": 1,
    }
    assert data["pain"]["trend"]["direction"] == "improving"


def test_heatmap_of_two_weeks(config: Config) -> None:
    # 10th: 2 of 2 done; 11th: 1 of 2; 12th: none of 2; 13th: 2 of 2;
    # 14th: 1 done + 1 partial; weekend: nothing scheduled; 17th, 18th: 1 of 2;
    # 19th (today): the 10:00 one missed. Thursday 20th on: still to come.
    assert heatmap(HISTORY, config, NOW, weeks=2) == "\n".join(
        [
            "    Mar",
            "Mon █ ▒",
            "Tue ▒ ▒",
            "Wed ░ ░",
            "Thu █",
            "Fri ▒",
            "Sat ·",
            "Sun ·",
            "    · nothing scheduled  ░ none done  ▒ some done  █ all done",
        ]
    )


def test_heatmap_names_the_month_a_week_starts_in(config: Config) -> None:
    # Weeks of Mon 24 Feb and Mon 3 Mar; "Feb" would overlap "Mar", so the
    # later month wins. Feb 24-28 each had one completed of two.
    text = heatmap(HISTORY, config, berlin(3, 3, 9), weeks=2)
    lines = text.splitlines()
    assert lines[0] == "      Mar"
    assert lines[1] == "Mon ▒ ·"  # Mar 3 at 09:00: nothing due yet
    assert lines[5] == "Fri ▒"


# -- the relief rule ----------------------------------------------------------------

RELIEF_NOW = berlin(3, 16, 12)
SIX_SESSIONS = [entry(3, day, 10, "completed", seconds=FULL) for day in (1, 3, 5, 7, 9, 11)]
# Midpoint between the first session (Mar 1 10:00) and now (Mar 16 12:00): Mar 8 23:00.
FLAT = [
    checkin(3, 2, 18, score=5, feeling="same"),
    checkin(3, 6, 18, score=5, feeling="worse"),
    checkin(3, 10, 18, score=5, feeling="same"),
    checkin(3, 14, 18, score=5, feeling="same"),
]


def advise(
    config: Config,
    checkins: Sequence[Checkin] = FLAT,
    entries: Sequence[Entry] = SIX_SESSIONS,
    now: dt.datetime = RELIEF_NOW,
) -> object:
    return relief_advice(entries, checkins, config, now)


def test_relief_advice_after_six_sessions_over_two_weeks_without_improvement(
    config: Config,
) -> None:
    advice = relief_advice(SIX_SESSIONS, FLAT, config, RELIEF_NOW)
    assert advice is not None
    assert advice.routine == "tiny"
    assert advice.completed == 6
    assert advice.since == berlin(3, 1, 10)
    # tiny-too works the same muscle, so it is not offered.
    assert advice.see_also == ("other", "quadratus-lumborum")
    message = advice.message
    assert "Other muscle" in message
    assert "Quadratus lumborum" in message
    assert "tiny muscle" in message
    assert "clinician" in message
    assert "diagnos" not in message.lower()
    assert "cure" not in message.lower()
    assert "Tiny, standing" not in message


def test_relief_advice_holds_when_pain_gets_worse(config: Config) -> None:
    worse = [
        checkin(3, 2, 18, score=4),
        checkin(3, 12, 18, score=6, feeling="worse"),
    ]
    assert advise(config, worse) is not None


def test_relief_advice_holds_for_a_small_fall_and_half_better(config: Config) -> None:
    # Mean 5.5 -> 5.0: under one point; "better" is half the feelings, not more.
    small = [
        checkin(3, 2, 18, score=6, feeling="better"),
        checkin(3, 6, 18, score=5, feeling="same"),
        checkin(3, 10, 18, score=5, feeling="better"),
        checkin(3, 14, 18, score=5, feeling="same"),
    ]
    assert advise(config, small) is not None


def test_no_relief_advice_with_fewer_sessions(config: Config) -> None:
    assert advise(config, entries=SIX_SESSIONS[:5]) is None
    # Partial and missed sessions do not count.
    others = [*SIX_SESSIONS[:5], entry(3, 12, 10, "partial", seconds=60, phases=("release",))]
    assert advise(config, entries=others) is None


def test_no_relief_advice_under_fourteen_days(config: Config) -> None:
    # From Mar 1 10:00 to Mar 15 09:59 is just under 14 days.
    assert advise(config, now=berlin(3, 15, 9, 59)) is None
    assert advise(config, now=berlin(3, 15, 10, 0)) is not None


def test_no_relief_advice_when_scores_fall_a_point(config: Config) -> None:
    falling = [
        checkin(3, 2, 18, score=6),
        checkin(3, 6, 18, score=6),
        checkin(3, 10, 18, score=5),
        checkin(3, 14, 18, score=5),
    ]
    assert advise(config, falling) is None


def test_no_relief_advice_when_most_check_ins_feel_better(config: Config) -> None:
    better = [
        checkin(3, 2, 18, feeling="better"),
        checkin(3, 6, 18, feeling="same"),
        checkin(3, 10, 18, feeling="better"),
    ]
    assert advise(config, better) is None


def test_no_relief_advice_without_check_ins_that_can_tell(config: Config) -> None:
    assert advise(config, []) is None
    # Scores on one side of the midpoint only, and no feelings: no trend.
    assert advise(config, [checkin(3, 10, 18, score=7), checkin(3, 14, 18, score=8)]) is None
    # Check-ins about another routine, or before the first session, do not count.
    other = [checkin(3, d, 18, score=5, feeling="same", routine="other") for d in (2, 14)]
    assert advise(config, other) is None
    assert advise(config, [checkin(2, 20, 18, score=5, feeling="same")]) is None


def test_no_relief_advice_when_switched_off(tmp_path: Path) -> None:
    assert advise(make_config(tmp_path, relief_check=0)) is None


def test_stats_text_shows_the_figures_and_the_advice(config: Config) -> None:
    stats = compute(HISTORY, CHECKINS, config, NOW, weeks=3)
    advice = relief_advice(SIX_SESSIONS, FLAT, config, RELIEF_NOW)
    text = stats_text(stats, advice)
    assert "2025-W11     6       1         10        60%" in text
    assert "Streak: 4 days now, best 7 days." in text
    assert "release 14 min · stretch 27 min · strengthen 12 min" in text
    assert "Missed: 6 (late 3, no-answer 1, paused 1, superseded 1); skipped: 1." in text
    assert advice is not None
    assert advice.message in text
    assert "not medical advice" in text


# -- from the first use on ----------------------------------------------------------


def test_nothing_is_scheduled_before_reminder_was_first_used(config: Config) -> None:
    # First started Tuesday 18 March at 12:00: the 16:00 of that day and the
    # 10:00 of Wednesday are all that was scheduled since (1 done, 1 missed).
    first_use = berlin(3, 18, 12)
    used = [e for e in HISTORY if e.when >= first_use]
    stats = compute(used, [], config, NOW, weeks=2, first_use=first_use)
    assert (stats.scheduled, stats.completed, stats.missed) == (2, 1, 1)
    assert [w.scheduled for w in stats.weeks] == [0, 2]
    assert [d.level for d in stats.days] == ["before"] * 8 + ["all", "missed"]
    assert stats.weeks[0].adherence is None  # nothing was due then
    data = stats.to_json()
    assert data["first_use"] == "2025-03-18T12:00:00+01:00"
    assert data["days"][0]["level"] == "before"
    text = stats_text(stats, None)
    assert "1 (50% of 2 scheduled)" in text
    assert "first used on Tuesday 18 March 2025" in text
    assert "- before reminder" in text


def test_on_day_one_before_any_session_nothing_is_missed(config: Config) -> None:
    first_use = berlin(3, 19, 11)  # installed Wednesday 11:00, after the 10:00
    stats = compute([], [], config, NOW, first_use=first_use)
    assert (stats.scheduled, stats.completed, stats.missed) == (0, 0, 0)
    assert {d.level for d in stats.days[:-1]} == {"before"}
    assert stats.days[-1].level == "none"
    assert "scheduled)" not in stats_text(stats, None)


def test_a_rise_within_a_day_is_not_averaged_away(config: Config) -> None:
    # 6 eighteen days ago, then 4 and 6 today: the day's mean (5) would read
    # as a fall from 6; in time order the pain is where it was.
    scores = [checkin(3, 1, 12, score=6), checkin(3, 19, 9, score=4), checkin(3, 19, 11, score=6)]
    trend = compute(HISTORY, scores, config, NOW).trend
    days = [(c.at - scores[0].at).total_seconds() / 86400 for c in scores]
    line = statistics.linear_regression(days, [6.0, 4.0, 6.0])
    assert trend.change == pytest.approx(line.slope * days[-1])
    assert (trend.direction, trend.checkins, trend.first_score, trend.last_score) == (
        "steady",
        3,
        6,
        6,
    )
    text = stats_text(compute(HISTORY, scores, config, NOW), None)
    assert "Pain is steady: 3 check-ins with a score in the last four weeks, from 6 to 6" in text


def test_two_scores_rising_on_one_day_are_worsening(config: Config) -> None:
    scores = [checkin(3, 19, 9, score=4), checkin(3, 19, 11, score=6)]
    trend = compute(HISTORY, scores, config, NOW).trend
    # Two points: the line runs through both, 4 to 6.
    assert trend.change == pytest.approx(2.0)
    assert (trend.direction, trend.basis, trend.checkins) == ("worsening", "scores", 2)
    assert compute(HISTORY, scores, config, NOW).to_json()["pain"]["trend"] == {
        "direction": "worsening",
        "basis": "scores",
        "checkins": 2,
        "first_score": 4,
        "last_score": 6,
        "change": 2.0,
        "since": "2025-03-19T09:00:00+01:00",
        "better": 0,
        "worse": 0,
    }
