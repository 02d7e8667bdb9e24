"""The daemon's decisions, driven by a hand-cranked clock: which sessions run,
which are missed, and how a session walks its steps. The real APScheduler,
D-Bus and process are covered end to end in tests/end-to-end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.harness import TINY_ROUTINE, TINY_SECONDS, TINY_STEP_STARTS, Harness

from reminder.daemon.presence import Presence
from reminder.errors import ReminderError
from reminder.routines.plan import build_plan

BERLIN = "Europe/Berlin"


class FakePresence:
    """Stands in for the desktop's lock, idle and do-not-disturb state."""

    def __init__(self) -> None:
        self.state = Presence(away=False, dnd=False, why=None)

    def refresh(self) -> Presence:
        return self.state


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(BERLIN))


def config(schedule: str, start: str = "auto", grace: str = "15m", extra: str = "") -> str:
    return (
        f'[settings]\ntimezone = "{BERLIN}"\nstart = "{start}"\nmisfire_grace = "{grace}"\n'
        f'snooze = "5m"\n{extra}\n{schedule}\n{TINY_ROUTINE}'
    )


AT_1030 = '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30"]\n'
AT_1030_1600 = '[[schedule]]\nroutine = "tiny"\ndays = "daily"\nat = ["10:30", "16:00"]\n'


def test_a_session_walks_every_step_at_its_planned_time(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    steps = h.events("step")
    start = berlin(2026, 11, 30, 10, 30)
    assert [s["offset"] for s in steps] == TINY_STEP_STARTS
    assert [dt.datetime.fromisoformat(str(s["planned"])) for s in steps] == [
        start + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS
    ]
    # Each step's notification (a long step's progress updates come between).
    changes = [s for s in h.notifier.shown if not s.message.progress]
    shown_at = [when for when, tag, _ in changes if tag.startswith("tiny")]
    assert shown_at[: len(TINY_STEP_STARTS)] == [
        start + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS
    ]
    # The 20 s hold (10:30:05-25) shows how far it is every 5 s.
    progress = [(when, m.progress) for when, _, m in h.notifier.shown if m.progress]
    assert progress == [
        (start + dt.timedelta(seconds=10), 25),
        (start + dt.timedelta(seconds=15), 50),
        (start + dt.timedelta(seconds=20), 75),
    ]
    summaries = [m.summary for _, _, m in changes]
    assert summaries[0] == "Release · Ball"
    assert summaries[2] == "Stretch · Figure-4"
    assert summaries[-2] == "Strengthen · Clamshell"
    assert summaries[-1] == "Done · Tiny"
    bodies = [m.body for _, _, m in changes]
    # 80 s in all; this step starts at 25.
    assert bodies[2] == (
        "Left side — hold 10 s (set 1 of 2)\nNext: switch sides · step 3 of 10 · 55 s left"
    )
    assert bodies[3] == "Switch to the right side — 3 s"
    assert bodies[5] == "Rest — 5 s (set 1 of 2 done)"
    assert bodies[9] == "2 reps, 2 s each\nNext: done · step 10 of 10 · 4 s left"
    end = h.events("session-end")
    assert end[0]["outcome"] == "completed"
    assert end[0]["phases_done"] == ["release", "stretch", "strengthen"]
    ended = dt.datetime.fromisoformat(str(h.events("session-end")[0]["ts"]))
    assert ended == start + dt.timedelta(seconds=TINY_SECONDS)


def test_every_step_notification_expires_but_outlives_its_step(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    plan = build_plan(h.daemon.config.routines["tiny"])
    step_messages = [m for _, _, m in h.notifier.shown][: len(plan.steps)]
    for step, message in zip(plan.steps, step_messages, strict=True):
        assert step.duration < message.timeout < step.duration + 60


def test_laptop_asleep_through_two_sessions_runs_only_the_one_within_grace(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    h.timers.sleep_until(berlin(2026, 11, 30, 16, 5))
    h.daemon.resumed()
    h.timers.advance_to(berlin(2026, 11, 30, 16, 10))
    missed = h.events("missed")
    assert [(m["at"], m["reason"]) for m in missed] == [("2026-11-30T10:30:00+01:00", "late")]
    starts = h.events("session-start")
    assert [s["scheduled"] for s in starts] == ["2026-11-30T16:00:00+01:00"]


def test_waking_after_grace_records_both_missed_and_runs_nothing(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    h.timers.sleep_until(berlin(2026, 11, 30, 16, 20))
    h.daemon.resumed()
    h.timers.advance_to(berlin(2026, 11, 30, 16, 30))
    assert [m["at"] for m in h.events("missed")] == [
        "2026-11-30T10:30:00+01:00",
        "2026-11-30T16:00:00+01:00",
    ]
    assert h.events("session-start") == []
    # ...and the next day goes on as usual.
    h.timers.advance_to(berlin(2026, 12, 1, 10, 31))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-12-01T10:30:00+01:00"]


def test_a_wake_with_no_resume_signal_is_still_judged_by_the_wall_clock(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.sleep_until(berlin(2026, 11, 30, 10, 50))
    h.timers.run_due()  # the timer fires late, as APScheduler does after a suspend
    assert [m["reason"] for m in h.events("missed")] == ["late"]
    assert h.events("session-start") == []


def test_ask_then_start_runs_the_session_in_the_same_notification(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    _, tag, asked = h.notifier.shown[-1]
    assert asked.summary == "Time for Tiny"
    assert [key for key, _ in asked.actions] == ["start", "snooze", "skip"]
    h.timers.advance_to(berlin(2026, 11, 30, 10, 31))
    h.press("start")
    assert h.notifier.shown[-1][1] == tag
    assert h.notifier.shown[-1][2].summary == "Release · Ball"
    assert [key for key, _ in h.notifier.shown[-1][2].actions] == ["next", "pause", "stop"]


def test_the_ask_lists_what_the_routine_needs(tmp_path: Path) -> None:
    needs = TINY_ROUTINE.replace(
        'title = "Tiny"', 'title = "Tiny"\nequipment = ["a massage ball", "a wall", "a chair"]'
    )
    text = config(AT_1030, start="ask").replace(TINY_ROUTINE, needs)
    h = Harness(tmp_path, text, berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 1))
    asked = h.notifier.shown[-1][2]
    assert asked.summary == "Time for Tiny"
    assert "You need: a massage ball, a wall and a chair." in asked.body


def test_the_ready_step_says_which_side_starts(tmp_path: Path) -> None:
    sided = TINY_ROUTINE.replace(
        'exercise = "Figure-4"\nhold = "10s"',
        'exercise = "Figure-4"\nhow = "Sit tall."\nhold = "10s"',
    ).replace('sides = "both"\nswitch = "3s"\nready = "0s"', 'sides = "both"\nswitch = "3s"')
    h = Harness(tmp_path, config(AT_1030).replace(TINY_ROUTINE, sided), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    ready = next(m.body for _, _, m in h.notifier.shown if m.summary == "Stretch · Figure-4")
    assert ready == "Get ready — 10 s, left side first. Sit tall."
    ball = next(m.body for _, _, m in h.notifier.shown if m.summary == "Release · Ball")
    assert ball == "Get ready — 5 s"  # no sides: nothing to say


def test_snooze_asks_again_after_the_snooze_time(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("snooze")
    h.timers.advance_to(berlin(2026, 11, 30, 10, 34, 59))
    assert sum(m.summary == "Time for Tiny" for _, _, m in h.notifier.shown) == 1
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert sum(m.summary == "Time for Tiny" for _, _, m in h.notifier.shown) == 2
    assert h.events("snoozed")[0]["until"] == "2026-11-30T10:35:00+01:00"


def test_skip_records_it_and_starts_nothing(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("skip")
    h.timers.advance_to(berlin(2026, 11, 30, 11, 0))
    assert len(h.events("skipped")) == 1
    assert h.events("session-start") == []


def test_an_unanswered_ask_is_missed_when_grace_runs_out(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask", grace="10m"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 39))
    assert h.events("missed") == []
    h.timers.advance_to(berlin(2026, 11, 30, 10, 41))
    assert [m["reason"] for m in h.events("missed")] == ["no-answer"]
    assert h.events("session-start") == []


def test_ask_without_action_support_begins_at_once(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0), actions=False)
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    assert h.notifier.shown[-1][2].summary == "Release · Ball"


def test_next_ends_the_step_now_and_shifts_the_rest(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 1))  # 1 s into "get ready" (5 s)
    h.press("next")
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    start = berlin(2026, 11, 30, 10, 30)
    assert planned[0] == start
    assert planned[1] == start + dt.timedelta(seconds=1)
    # The rest keeps its spacing, 4 s earlier than planned.
    assert planned[2:] == [start + dt.timedelta(seconds=o - 4) for o in TINY_STEP_STARTS[2:]]


def test_pause_freezes_the_step_and_resume_shifts_the_rest(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))  # 5 s into the 20 s hold
    h.press("pause")
    assert h.notifier.shown[-1][2].summary == "Paused · Ball"
    assert h.notifier.shown[-1][2].body.startswith("15 s left")
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    assert len(h.events("step")) == 2  # nothing moved while paused
    h.press("resume")  # 9 min 50 s later
    h.timers.advance_to(berlin(2026, 11, 30, 10, 45))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    shifted = berlin(2026, 11, 30, 10, 39, 50)
    assert planned[2:] == [shifted + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS[2:]]
    assert h.events("session-end")[0]["outcome"] == "completed"


def test_stop_ends_the_session_and_says_which_phases_were_done(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 30))  # into the stretch
    h.press("stop")
    end = h.events("session-end")[0]
    assert end["outcome"] == "stopped"
    assert end["phases_done"] == ["release"]
    assert h.notifier.shown[-1][2].summary == "Stopped · Tiny"
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert len(h.events("step")) == 3


def test_a_session_due_while_another_runs_waits_for_it(tmp_path: Path) -> None:
    schedule = (
        '[[schedule]]\nroutine = "tiny"\nat = ["10:30"]\n'
        '[[schedule]]\nroutine = "tiny"\nat = ["10:31"]\n'
    )
    # Make the session longer than a minute: 80 s.
    h = Harness(tmp_path, config(schedule), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    starts = h.events("session-start")
    assert [s["scheduled"] for s in starts] == [
        "2026-11-30T10:30:00+01:00",
        "2026-11-30T10:31:00+01:00",
    ]
    ends = h.events("session-end")
    assert dt.datetime.fromisoformat(str(ends[0]["ts"])) <= dt.datetime.fromisoformat(
        str(starts[1]["ts"])
    )
    assert len(h.events("postponed")) == 1


def test_a_session_never_runs_twice_when_the_clock_is_set_back(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    assert len(h.events("session-start")) == 1
    h.timers.now = berlin(2026, 11, 30, 10, 20)  # someone sets the clock back 20 min
    h.daemon.clock_event()
    h.timers.advance_to(berlin(2026, 11, 30, 10, 45))
    assert len(h.events("session-start")) == 1
    assert h.events("clock-change")[0]["jump_seconds"] == -1200


def test_a_clock_jump_mid_session_keeps_the_steps_in_real_time(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))
    h.timers.now = berlin(2026, 11, 30, 13, 30, 10)  # clock set forward 3 h
    h.daemon.clock_event()
    h.timers.advance_to(berlin(2026, 11, 30, 13, 35))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    later = berlin(2026, 11, 30, 13, 30)
    assert planned[2:] == [later + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS[2:]]
    assert h.events("session-end")[0]["outcome"] == "completed"
    # The 3 h skipped over held no other session: nothing missed.
    assert h.events("missed") == []


def test_a_step_timer_made_overdue_by_a_clock_set_forward_does_not_cut_the_step(
    tmp_path: Path,
) -> None:
    """The overdue step timer runs before the clock watcher reports the jump:
    the step still lasts its real time, and the jump is applied once."""
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))  # 15 s into the 20 s hold
    h.timers.now = berlin(2026, 11, 30, 13, 30, 10)  # clock set forward 3 h
    h.timers.run_due()  # the hold's timer, due at 10:30:25, is now 3 h overdue
    h.daemon.clock_event()  # the clock watcher's report comes after it
    h.timers.advance_to(berlin(2026, 11, 30, 13, 35))
    steps = h.events("step")
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in steps]
    later = berlin(2026, 11, 30, 13, 30)
    # The hold (step 1) ends at 13:30:25, 15 s of real time after the jump.
    assert planned[2:] == [later + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS[2:]]
    assert [e["jump_seconds"] for e in h.events("clock-change")] == [10800]
    assert h.events("retimed") == []
    assert h.events("session-end")[0]["outcome"] == "completed"


def test_a_session_started_late_by_a_clock_set_forward_is_not_moved_again(
    tmp_path: Path,
) -> None:
    """Within a long grace, the session found due after a jump starts on the
    new clock and keeps it: the watcher's later report moves nothing."""
    h = Harness(tmp_path, config(AT_1030, grace="4h"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 29, 58))
    h.timers.now = berlin(2026, 11, 30, 13, 29, 58)  # clock set forward 3 h
    h.timers.run_due()  # the 10:30 session's timer is 3 h overdue: it starts now
    h.daemon.clock_event()
    h.timers.advance_to(berlin(2026, 11, 30, 13, 35))
    started = berlin(2026, 11, 30, 13, 29, 58)
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    assert planned == [started + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS]
    assert h.events("session-end")[0]["outcome"] == "completed"


def test_a_step_timer_armed_before_the_clock_was_set_back_waits_for_the_step(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))
    h.timers.now = berlin(2026, 11, 30, 9, 30, 10)  # clock set back 1 h
    h.daemon.clock_event()
    h.timers.advance_to(berlin(2026, 11, 30, 9, 35))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    earlier = berlin(2026, 11, 30, 9, 30)
    assert planned[2:] == [earlier + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS[2:]]
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T10:30:00+01:00"]
    assert h.events("session-end")[0]["outcome"] == "completed"


def test_a_clock_set_while_the_daemon_is_busy_is_noticed_without_the_watcher(
    tmp_path: Path,
) -> None:
    """Set between the daemon looking at the clock and arming its next timer:
    the kernel tells the watcher nothing (the timer is armed on the new clock),
    so the daemon must notice by itself, or the step would last an hour."""
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))

    def set_back() -> None:
        h.timers.now = berlin(2026, 11, 30, 9, 30, 10)

    h.daemon.soon(set_back)  # e.g. while it answers `reminder status`
    h.timers.run_due()
    h.timers.advance_to(berlin(2026, 11, 30, 9, 35))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    earlier = berlin(2026, 11, 30, 9, 30)
    assert planned[2:] == [earlier + dt.timedelta(seconds=o) for o in TINY_STEP_STARTS[2:]]
    assert [e["jump_seconds"] for e in h.events("clock-change")] == [-3600]
    assert h.events("session-end")[0]["outcome"] == "completed"


def test_sleeping_mid_session_beyond_grace_interrupts_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, grace="5m"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))
    h.timers.sleep_until(berlin(2026, 11, 30, 11, 0))
    h.daemon.resumed()
    h.timers.run_due()
    end = h.events("session-end")[0]
    assert (end["outcome"], end["reason"]) == ("interrupted", "asleep")


def test_sleeping_briefly_mid_session_restarts_the_step_from_now(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))  # in the 20 s hold (ends :25)
    h.timers.sleep_until(berlin(2026, 11, 30, 10, 32))
    h.timers.run_due()
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    planned = [dt.datetime.fromisoformat(str(s["planned"])) for s in h.events("step")]
    resumed = berlin(2026, 11, 30, 10, 32)
    assert planned[2] == resumed
    assert planned[3] == resumed + dt.timedelta(seconds=10)
    assert len(h.events("retimed")) == 1


def test_reload_applies_a_good_edit_and_keeps_the_config_on_a_bad_one(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.config_file.write_text(
        config('[[schedule]]\nroutine = "tiny"\nat = ["10:45"]\n'), encoding="utf-8"
    )
    h.daemon.reload()
    assert h.events("reload")[0]["schedules"] == 1
    h.config_file.write_text(
        config('[[schedule]]\nroutine = "tiny"\nat = ["25:00"]\n'), encoding="utf-8"
    )
    h.daemon.reload()
    errors = h.events("config-error")
    assert len(errors) == 1
    problems = errors[0]["problems"]
    assert isinstance(problems, list)
    assert "schedule[0].at" in problems[0]
    assert "25:00" in problems[0]
    note = h.notifier.shown[-1][2]
    assert note.summary == "Config not applied: it has a mistake"
    assert "25:00" in note.body
    # The last good config (10:45) stays in force.
    h.timers.advance_to(berlin(2026, 11, 30, 10, 46))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T10:45:00+01:00"]


def test_the_config_error_notification_counts_the_mistakes(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.config_file.write_text(
        config('[[schedule]]\nroutine = "tiny"\nat = ["25:00", "26:00"]\ndays = ["funday"]\n'),
        encoding="utf-8",
    )
    h.daemon.reload()
    (error,) = h.events("config-error")
    assert isinstance(error["problems"], list)
    assert len(error["problems"]) == 3
    assert h.notifier.shown[-1][2].summary == "Config not applied: it has 3 mistakes"


def test_quiet_hours_hold_back_sessions(tmp_path: Path) -> None:
    schedule = '[[schedule]]\nroutine = "tiny"\nat = ["06:30", "10:30"]\n'
    h = Harness(
        tmp_path, config(schedule, extra='quiet_hours = "22:00-07:00"'), berlin(2026, 11, 30, 0, 0)
    )
    h.timers.advance_to(berlin(2026, 11, 30, 11, 0))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T10:30:00+01:00"]


def test_shutdown_mid_session_records_it_interrupted(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))
    h.daemon.shutdown("SIGTERM")
    end = h.events("session-end")[0]
    assert (end["outcome"], end["reason"]) == ("interrupted", "SIGTERM")
    assert h.timers.stopped
    assert h.events()[-1]["event"] == "daemon-stop"


def test_sessions_due_while_paused_are_missed_and_pause_for_ends_by_itself(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    reply = h.daemon.control("pause", {"seconds": 3 * 3600})
    assert reply["paused_until"] == berlin(2026, 11, 30, 13, 0)
    assert h.daemon.status()["state"] == "paused"
    h.timers.advance_to(berlin(2026, 11, 30, 13, 0, 1))
    assert [(m["at"], m["reason"]) for m in h.events("missed")] == [
        ("2026-11-30T10:30:00+01:00", "paused")
    ]
    assert h.daemon.status()["state"] == "idle"
    h.timers.advance_to(berlin(2026, 11, 30, 16, 1))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T16:00:00+01:00"]


def test_pause_for_lasts_its_real_length_when_the_clock_is_set_back(tmp_path: Path) -> None:
    """`reminder pause 10m`, then the clock goes back an hour: the pause still
    ends 10 minutes later, not 70."""
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 9, 0))
    h.daemon.control("pause", {"seconds": 10 * 60})
    h.timers.advance_to(berlin(2026, 11, 30, 9, 2))
    h.timers.now = berlin(2026, 11, 30, 8, 2)  # clock set back 1 h
    h.daemon.clock_event()
    assert h.daemon.status()["paused_until"] == berlin(2026, 11, 30, 8, 10)
    h.timers.advance_to(berlin(2026, 11, 30, 8, 10, 1))
    assert h.daemon.status()["state"] == "idle"


def test_snooze_from_the_command_line_moves_the_next_session(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    reply = h.daemon.control("snooze", {"seconds": 20 * 60})
    assert reply["until"] == berlin(2026, 11, 30, 10, 50)
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 10, 50)
    h.timers.advance_to(berlin(2026, 11, 30, 10, 49))
    assert h.events("session-start") == []
    h.timers.advance_to(berlin(2026, 11, 30, 10, 52))
    starts = h.events("session-start")
    assert len(starts) == 1
    assert dt.datetime.fromisoformat(str(starts[0]["ts"])) == berlin(2026, 11, 30, 10, 50)
    assert h.events("missed") == []


def test_skip_from_the_command_line_skips_only_the_next_session(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    reply = h.daemon.control("skip", {})
    assert reply["at"] == berlin(2026, 11, 30, 10, 30)
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 16, 0)
    h.timers.advance_to(berlin(2026, 11, 30, 16, 5))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T16:00:00+01:00"]
    assert h.events("missed") == []


def test_status_during_a_session_names_the_step_and_time_left(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 12))  # 7 s into the 20 s hold
    status = h.daemon.status()
    assert status["state"] == "in-session"
    session = status["session"]
    assert (session["index"], session["steps"]) == (1, 10)
    assert session["step"]["summary"] == "Release · Ball"
    assert session["remaining_seconds"] == 13
    assert session["session_remaining_seconds"] == TINY_SECONDS - 12
    assert session["step_ends"] == berlin(2026, 11, 30, 10, 30, 25)


def test_history_records_each_session_with_its_outcome(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))  # 10:30 runs to the end
    h.timers.advance_to(berlin(2026, 11, 30, 16, 0, 30))  # 16:00 starts...
    h.daemon.on_action(h.notifier.shown[-1][1], "stop")  # ...and is stopped in the stretch
    h.timers.sleep_until(berlin(2026, 12, 1, 16, 30))  # asleep through both of the next day
    h.daemon.resumed()
    entries = h.history.entries()
    assert [(e.routine, e.outcome, e.phases_done, e.reason) for e in entries] == [
        ("tiny", "completed", ("release", "stretch", "strengthen"), None),
        # Stopped before its end: stopped, whatever was done (DESIGN.md, "Records").
        ("tiny", "stopped", ("release",), "stopped by you"),
        ("tiny", "missed", (), "late"),
        ("tiny", "missed", (), "late"),
    ]
    assert entries[0].seconds_done == TINY_SECONDS
    assert entries[0].started_at == berlin(2026, 11, 30, 10, 30)
    assert entries[1].seconds_done == 30  # ready 5 + hold 20, then 5 s of the stretch


def test_history_records_skips_and_shutdowns(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    h.daemon.control("skip", {})
    h.timers.advance_to(berlin(2026, 11, 30, 16, 0, 10))
    h.daemon.shutdown("SIGTERM")
    assert [(e.outcome, e.reason) for e in h.history.entries()] == [
        ("skipped", None),
        ("interrupted", "SIGTERM"),
    ]


def test_a_history_that_cannot_be_written_does_not_stop_reminders(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.history.close()
    for file in h.paths.state_dir.glob("history.sqlite3*"):
        file.unlink()
    h.paths.history_db.mkdir()  # a folder where the file should be
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert h.events("session-end")[0]["outcome"] == "completed"
    errors = h.events("history-error")
    assert len(errors) == 1  # said once, not at every write
    assert "history.sqlite3" in str(errors[0]["error"])
    assert "history.sqlite3" in str(h.daemon.status()["history_error"])


def test_the_done_notification_asks_how_the_pain_is_and_records_the_answer(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    _, tag, done = h.notifier.shown[-1]
    assert done.summary == "Done · Tiny"
    assert done.body.endswith("How is the pain compared with last time?")
    assert [key for key, _ in done.actions] == ["better", "same", "worse"]
    h.daemon.on_action(tag, "worse")
    (checkin,) = h.history.checkins()
    assert (checkin.feeling, checkin.routine) == ("worse", "tiny")
    assert checkin.session_id == h.history.entries()[0].id
    assert "clinician" in h.notifier.shown[-1][2].body
    h.daemon.on_action(tag, "better")  # a second press counts once only
    assert len(h.history.checkins()) == 1


def test_a_snoozed_session_never_runs_beside_another(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("snooze")  # asks again at 10:35
    h.timers.advance_to(berlin(2026, 11, 30, 10, 34, 30))
    h.daemon.control("now", {"routine": "tiny"})  # 80 s, until 10:35:50
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    starts, ends = h.events("session-start"), h.events("session-end")
    assert len(starts) == len(ends)  # every session that started also ended
    asks = [m for _, _, m in h.notifier.shown if m.summary == "Time for Tiny"]
    assert len(asks) == 2  # the snoozed one asked again, after the other ended
    assert h.events("postponed")


def test_pause_closes_an_open_ask_and_holds_a_snoozed_session(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("snooze")
    h.daemon.control("pause", {})
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    assert [m["reason"] for m in h.events("missed")] == ["paused"]
    assert sum(m.summary == "Time for Tiny" for _, _, m in h.notifier.shown) == 1

    h2 = Harness(tmp_path / "b", config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h2.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h2.daemon.control("pause", {})  # while it asks
    assert h2.daemon.asking is None
    assert [m["reason"] for m in h2.events("missed")] == ["paused"]


def test_skip_after_a_snooze_skips_the_snoozed_session(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("snooze")
    reply = h.daemon.control("skip", {})
    assert reply["at"] == berlin(2026, 11, 30, 10, 35)
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 16, 0)


def test_snoozing_an_earlier_session_does_not_run_the_wrong_routine(tmp_path: Path) -> None:
    schedule = (
        '[[schedule]]\nroutine = "tiny"\nat = ["10:30"]\n'
        '[[schedule]]\nroutine = "desk-break"\nat = ["11:00"]\n'
    )
    h = Harness(tmp_path, config(schedule), berlin(2026, 11, 30, 10, 0))
    assert h.daemon.control("snooze", {"seconds": 7200})["routine"] == "tiny"  # to 12:30
    assert h.daemon.control("snooze", {"seconds": 600})["routine"] == "desk-break"  # to 11:10
    h.timers.advance_to(berlin(2026, 11, 30, 11, 12))
    assert [s["routine"] for s in h.events("session-start")] == ["desk-break"]
    # tiny, pushed aside by the second snooze, is recorded, not silently lost.
    assert [(m["routine"], m["reason"]) for m in h.events("missed")] == [("tiny", "superseded")]


def test_a_postponed_session_that_waited_past_grace_is_missed(tmp_path: Path) -> None:
    schedule = '[[schedule]]\nroutine = "tiny"\nat = ["10:30", "10:31"]\n'
    # The 80 s session runs until 10:31:20; 10:31 waits 20 s, more than its 10 s grace.
    h = Harness(tmp_path, config(schedule, grace="10s"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T10:30:00+01:00"]
    assert [(m["at"], m["reason"]) for m in h.events("missed")] == [
        ("2026-11-30T10:31:00+01:00", "late")
    ]


def test_snoozing_an_ask_lets_a_session_waiting_behind_it_go(tmp_path: Path) -> None:
    schedule = '[[schedule]]\nroutine = "tiny"\nat = ["10:30", "10:31"]\n'
    h = Harness(tmp_path, config(schedule, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 31, 30))  # 10:31 waits behind the 10:30 ask
    h.press("snooze")
    assert h.daemon.asking is not None
    assert h.daemon.asking.occurrence.at == berlin(2026, 11, 30, 10, 31)


def test_stop_while_asking_skips_that_session(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    assert h.daemon.control("stop", {}) == {"skipped": "tiny"}
    assert len(h.events("skipped")) == 1


def test_a_session_due_while_the_screen_is_locked_waits_for_the_user(tmp_path: Path) -> None:
    presence = FakePresence()
    presence.state = Presence(away=True, dnd=False, why="locked")
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0), presence=presence)
    h.timers.advance_to(berlin(2026, 11, 30, 10, 36))
    assert h.events("session-start") == []
    assert h.events("held")[0]["why"] == "locked"
    assert h.daemon.status()["state"] == "held"
    presence.state = Presence(away=False, dnd=False, why=None)
    h.daemon.presence_changed(presence.state)  # unlocked at 10:36, within the 15 min grace
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    assert len(h.events("session-start")) == 1
    assert h.events("missed") == []


def test_a_held_session_is_missed_if_the_user_stays_away(tmp_path: Path) -> None:
    presence = FakePresence()
    presence.state = Presence(away=False, dnd=True, why="dnd")
    h = Harness(tmp_path, config(AT_1030), berlin(2026, 11, 30, 10, 0), presence=presence)
    h.timers.advance_to(berlin(2026, 11, 30, 11, 0))
    assert [(m["reason"], m["at"]) for m in h.events("missed")] == [
        ("dnd", "2026-11-30T10:30:00+01:00")
    ]
    (entry,) = h.history.entries()
    assert (entry.outcome, entry.reason) == ("missed", "dnd")
    # Coming back after grace starts nothing.
    h.daemon.presence_changed(Presence(away=False, dnd=False, why=None))
    assert h.events("session-start") == []


def test_no_relief_after_weeks_of_sessions_is_told_once(tmp_path: Path) -> None:
    text = config(AT_1030, extra="relief_check = 3")
    h = Harness(tmp_path, text, berlin(2026, 11, 30, 10, 0))
    # Three weeks of completed sessions, each followed by "same".
    for days_ago in (20, 13, 6):
        start = berlin(2026, 11, 30, 10, 30) - dt.timedelta(days=days_ago)
        row = h.history.started("tiny", start)
        h.history.ended(
            row,
            start + dt.timedelta(seconds=TINY_SECONDS),
            "completed",
            phases_done=("release", "stretch", "strengthen"),
            seconds_done=TINY_SECONDS,
        )
        h.history.add_checkin(start + dt.timedelta(minutes=5), feeling="same", routine="tiny")
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    advice = [m for _, tag, m in h.notifier.shown if tag == "relief"]
    assert len(advice) == 1
    assert advice[0].summary == "No relief yet? Try another muscle"
    assert "clinician" in advice[0].body
    assert len(h.events("relief-advice")) == 1
    h.timers.advance_to(berlin(2026, 12, 1, 10, 35))  # another session: not told again
    assert len([m for _, tag, m in h.notifier.shown if tag == "relief"]) == 1


def test_sessions_in_quiet_hours_are_recorded_missed_for_that_reason(tmp_path: Path) -> None:
    schedule = '[[schedule]]\nroutine = "tiny"\nat = ["06:30", "10:30"]\n'
    text = config(schedule, extra='quiet_hours = "22:00-07:00"')
    h = Harness(tmp_path, text, berlin(2026, 11, 30, 0, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert [(e.outcome, e.reason, e.scheduled_at) for e in h.history.entries()] == [
        ("missed", "quiet-hours", berlin(2026, 11, 30, 6, 30)),
        ("completed", None, berlin(2026, 11, 30, 10, 30)),
    ]


def test_a_session_snoozed_when_reminder_stops_comes_back_after_the_restart(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(AT_1030, start="ask"), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    h.press("snooze")  # 5 min: until 10:35
    h.restart(berlin(2026, 11, 30, 10, 31))
    assert h.history.entries() == []  # nothing recorded ahead of its time
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 10, 35)
    h.timers.advance_to(berlin(2026, 11, 30, 10, 35))
    assert h.notifier.shown[-1].message.summary == "Time for Tiny"
    h.press("start")
    h.timers.advance_to(berlin(2026, 11, 30, 10, 40))
    (entry,) = h.history.entries()
    assert (entry.outcome, entry.scheduled_at) == ("completed", berlin(2026, 11, 30, 10, 30))


def test_a_skip_outlives_a_restart_and_is_recorded_once_when_its_time_comes(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 9, 0))
    h.daemon.control("skip", {})
    assert h.history.entries() == []  # not dated ahead of its time
    h.restart(berlin(2026, 11, 30, 9, 10))
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 16, 0)
    h.restart(berlin(2026, 11, 30, 9, 20), stop=None)  # killed this time
    h.timers.advance_to(berlin(2026, 11, 30, 10, 31))
    assert h.events("session-start") == []
    (entry,) = h.history.entries()
    assert (entry.outcome, entry.scheduled_at) == ("skipped", berlin(2026, 11, 30, 10, 30))
    assert entry.ended_at == berlin(2026, 11, 30, 10, 30)  # written when its time came
    h.timers.advance_to(berlin(2026, 11, 30, 16, 1))
    assert [s["scheduled"] for s in h.events("session-start")] == ["2026-11-30T16:00:00+01:00"]


def test_skip_during_a_session_refuses_and_names_stop(tmp_path: Path) -> None:
    h = Harness(tmp_path, config(AT_1030_1600), berlin(2026, 11, 30, 10, 0))
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30, 10))
    with pytest.raises(ReminderError, match="reminder stop"):
        h.daemon.control("skip", {})
    assert h.daemon.status()["next"]["at"] == berlin(2026, 11, 30, 16, 0)
    assert [e.outcome for e in h.history.entries()] == ["running"]


def test_status_names_one_state_through_every_transition(tmp_path: Path) -> None:
    presence = FakePresence()
    h = Harness(
        tmp_path,
        config(AT_1030_1600, start="ask", grace="1m"),
        berlin(2026, 11, 30, 10, 0),
        presence=presence,
    )

    def state() -> str:
        return str(h.daemon.control("status", {})["state"])

    seen = [state()]
    h.timers.advance_to(berlin(2026, 11, 30, 10, 30))
    seen.append(state())
    h.press("start")
    seen.append(state())
    h.press("pause")
    seen.append(state())
    h.daemon.control("pause", {})  # reminders paused too
    seen.append(state())
    h.daemon.control("resume", {})  # resumes the session and the reminders
    seen.append(state())
    h.press("stop")
    seen.append(state())
    h.daemon.control("pause", {})
    seen.append(state())
    h.daemon.control("resume", {})
    presence.state = Presence(away=True, dnd=False, why="locked")
    h.timers.advance_to(berlin(2026, 11, 30, 16, 0))
    seen.append(state())
    # A session started by hand while one is held: the hold running out
    # later must not make the daemon forget the running session.
    h.daemon.control("now", {"routine": "tiny"})
    seen.append(state())
    h.timers.advance_to(berlin(2026, 11, 30, 16, 1, 5))
    assert [e["reason"] for e in h.events("missed")] == ["away"]
    seen.append(state())
    assert seen == [
        "idle",
        "asking",
        "in-session",
        "session-paused",
        "session-paused",
        "in-session",
        "idle",
        "paused",
        "held",
        "in-session",
        "in-session",
    ]


PROGRAMME = """
[routines.prog]
title = "Prog"
[[routines.prog.release]]
exercise = "Ball"
hold = "20s"
ready = "0s"
[[routines.prog.stretch]]
exercise = "Figure-4"
hold = "10s"
ready = "0s"
[[routines.prog.strengthen]]
exercise = "Clamshell"
group = "A"
reps = 2
rep_time = "2s"
ready = "0s"
levels = [{ reps = 3 }]
[[routines.prog.strengthen]]
exercise = "Hydrant"
group = "B"
reps = 2
rep_time = "2s"
ready = "0s"
"""
PROG_DAILY = '[[schedule]]\nroutine = "prog"\ndays = "daily"\nat = ["10:30"]\n'


def test_a_programme_session_asks_effort_then_pain_and_two_easy_ones_step_it_up(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, config(PROG_DAILY, extra="") + PROGRAMME, berlin(2026, 11, 30, 10, 0))
    sessions = []
    for day in (30, 1, 2):
        month = 11 if day == 30 else 12
        h.timers.advance_to(berlin(2026, month, day, 10, 31))
        done = h.notifier.shown[-1]
        sessions.append(done)
        assert [key for key, _ in done.message.actions] == ["easy", "right", "hard"]
        h.press("easy")
        assert "How is the pain" in h.notifier.shown[-1].message.body
        h.press("better")
        h.timers.advance_to(berlin(2026, month, day, 10, 32))
    said = [s.message.body for s in h.notifier.shown if s.message.summary == "Thanks"]
    # Groups take turns: A, B, A. Clamshells (group A) was easy twice -> level 2.
    starts = [e.get("group") for e in h.events("session-start")]
    assert starts == ["A", "B", "A"]
    assert "Next time: the same levels." in said[0]
    assert "Clamshell" in said[-1]
    assert "up from" in said[-1]
    (change,) = h.events("level-change")
    assert (change["exercise"], change["level"]) == ("Clamshell", 2)
    plan = build_plan(h.daemon.config.routines["prog"], group="A", levels={"Clamshell": 2})
    assert [s.reps for s in plan.steps if s.exercise == "Clamshell"] == [3]
