"""What each notification says. Pure: text for a person reading it in two
seconds, mid-stretch.

The side named in a step is the side that works ("Left side" = the left leg
or the left side of the body does the exercise), as the bundled routines'
how-to texts assume.
"""

from __future__ import annotations

from collections.abc import Sequence

from reminder.notify.base import Message
from reminder.routines.model import PHASES, Routine
from reminder.routines.plan import Plan, Step, build_plan
from reminder.schema.values import format_seconds

SESSION_ACTIONS = (("next", "Next"), ("pause", "Pause"), ("stop", "Stop"))
PAUSED_ACTIONS = (("resume", "Resume"), ("stop", "Stop"))
ASK_ACTIONS = (("start", "Start"), ("snooze", "Snooze"), ("skip", "Skip"))
LINGER = 10.0
"""Seconds a step's notification outlives the step, so it never blinks out
before the next one replaces it."""

DISCLAIMER = (
    "reminder is a reminder and timer, not medical advice. If pain is sharp, spreads "
    "down the leg, gets worse, or comes with numbness or weakness, stop and see a clinician."
)


def step_summary(step: Step) -> str:
    return f"{step.phase.capitalize()} · {step.exercise}"


def _set_note(step: Step, sets: int) -> str:
    return f" (set {step.set} of {sets})" if sets > 1 and step.set is not None else ""


def starting_side(sides: str) -> str:
    """Which side works first, as the ready step says it ("" for no sides)."""
    if sides == "both":
        return "left side first"
    if sides in ("left", "right"):
        return f"{sides} side"
    return ""


def step_body(step: Step, routine: Routine) -> str:
    exercise = next(e for e in routine.phases[step.phase] if e.name == step.exercise)
    if step.kind == "ready":
        side = starting_side(exercise.sides)
        side = f", {side}" if side else ""
        how = f". {exercise.how}" if exercise.how else ""
        return f"Get ready — {format_seconds(step.duration)}{side}{how}"
    if step.kind == "switch":
        return f"Switch to the {step.side} side — {format_seconds(step.duration)}"
    if step.kind == "rest":
        done = f" (set {step.set} of {exercise.sets} done)" if step.set is not None else ""
        return f"Rest — {format_seconds(step.duration)}{done}"
    if step.reps is not None:
        reps = "1 rep" if step.reps == 1 else f"{step.reps} reps"
        action = f"{reps}, {format_seconds(exercise.rep_time)} each"
    else:
        action = f"hold {format_seconds(step.duration)}"
    note = _set_note(step, exercise.sets)
    if step.side is None:
        return f"{action[0].upper()}{action[1:]}{note}"
    return f"{step.side.capitalize()} side — {action}{note}"


def next_text(plan: Plan, index: int) -> str:
    """What comes after step ``index``: ``Next: switch sides``, ``Next: rest 45 s``."""
    if index + 1 >= len(plan.steps):
        return "Next: done"
    step, following = plan.steps[index], plan.steps[index + 1]
    if following.kind == "switch":
        return "Next: switch sides"
    if following.kind == "rest":
        return f"Next: rest {format_seconds(following.duration)}"
    if following.exercise != step.exercise or following.phase != step.phase:
        return f"Next: {following.exercise}"
    if following.set != step.set and following.set is not None:
        sets = max(s.set or 1 for s in plan.steps if s.exercise == step.exercise)
        return f"Next: set {following.set} of {sets}"
    return f"Next: {following.side} side" if following.side else "Next: again"


def _left_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s left"
    return f"{(seconds + 30) // 60} min left"  # to the nearest minute, halves up


def position_text(plan: Plan, index: int) -> str:
    """Where the session is as step ``index`` starts: ``step 4 of 16 · 12 min left``."""
    left = plan.total_seconds - plan.steps[index].offset
    return f"step {index + 1} of {len(plan.steps)} · {_left_text(left)}"


def step_message(
    step: Step,
    routine: Routine,
    plan: Plan | None = None,
    *,
    own_sound: bool = False,
    elapsed: float | None = None,
) -> Message:
    """The notification of a step. A work step's says what comes next and
    where the session is. ``own_sound``: reminder plays this step's cue or
    voice itself, so the server should stay quiet (``suppress-sound``).
    ``elapsed``: seconds into the step, for a progress bar where the server
    draws one (send it again at most every ``PROGRESS_EVERY`` seconds)."""
    body = step_body(step, routine)
    if step.kind == "work":
        plan = plan or build_plan(routine)
        index = next(i for i, s in enumerate(plan.steps) if s.offset == step.offset)
        body += f"\n{next_text(plan, index)} · {position_text(plan, index)}"
    return Message(
        summary=step_summary(step),
        body=body,
        timeout=step.duration + LINGER,
        actions=SESSION_ACTIONS,
        suppress_sound=own_sound,
        progress=None if elapsed is None else step_progress(step, elapsed),
    )


PROGRESS_EVERY = 5.0
"""Seconds between progress updates of a step's notification: no per-second
redraws (each one is a D-Bus call and a repaint)."""


def step_progress(step: Step, elapsed: float) -> int:
    """How far a step is, 0–100."""
    if step.duration <= 0:
        return 100
    return max(0, min(100, int(100 * elapsed / step.duration)))


def paused_message(step: Step, remaining: int) -> Message:
    return Message(
        summary=f"Paused · {step.exercise}",
        body=f"{format_seconds(remaining)} left in this step. Resume when you are ready.",
        timeout=15 * 60,
        actions=PAUSED_ACTIONS,
    )


def _phase_line(plan: Plan) -> str:
    return ", ".join(f"{phase} {format_seconds(plan.phase_seconds(phase))}" for phase in PHASES)


def needs_line(routine: Routine) -> str:
    """``You need: a massage ball, a wall and a chair.`` ("" when it needs nothing listed)."""
    items = list(routine.equipment)
    if not items:
        return ""
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return f"You need: {listed}."


def _group_note(plan: Plan) -> str:
    """``Group A · `` before a programme session's length; nothing otherwise."""
    return f"Group {plan.group} · " if plan.group else ""


def ask_message(
    routine: Routine, plan: Plan, timeout: float, *, own_sound: bool = False
) -> Message:
    """``own_sound``: reminder plays its ask chime, so the server stays quiet."""
    needs = needs_line(routine)
    needs = f" {needs}" if needs else ""
    return Message(
        summary=f"Time for {routine.title}",
        body=f"{_group_note(plan)}{format_seconds(plan.total_seconds)}: {_phase_line(plan)}."
        f"{needs} Start now?",
        timeout=timeout,
        actions=ASK_ACTIONS,
        suppress_sound=own_sound,
    )


def start_message(routine: Routine, plan: Plan) -> Message:
    return Message(
        summary=f"Starting {routine.title}",
        body=f"{_group_note(plan)}{format_seconds(plan.total_seconds)}: {_phase_line(plan)}. "
        "Stop any step that hurts.",
        timeout=10.0,
    )


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


CHECKIN_ACTIONS = (("better", "Better"), ("same", "Same"), ("worse", "Worse"))


def done_message(
    routine: Routine,
    plan: Plan,
    *,
    ask_checkin: bool = False,
    phases_done: tuple[str, ...] = PHASES,
    own_sound: bool = False,
) -> Message:
    """The end of a session; a session that reached its end without every
    phase done (steps cut short with Next) says which were."""
    if tuple(phases_done) == PHASES:
        summary = f"Done · {routine.title}"
        body = (
            f"Well done: {format_seconds(plan.total_seconds)} of release, stretch and strengthen."
        )
    else:
        summary = f"Session over · {routine.title}"
        short = [p for p in PHASES if p not in phases_done]
        did = f"You did {_join(list(phases_done))}; " if phases_done else ""
        body = (
            f"{did}{_join(short)} {'was' if len(short) == 1 else 'were'} cut short, "
            "so it counts as partly done."
        )
    if ask_checkin:
        body += " How is the pain compared with last time?"
    return Message(
        summary=summary,
        body=body,
        timeout=120.0 if ask_checkin else 30.0,
        actions=CHECKIN_ACTIONS if ask_checkin else (),
        urgency="low",
        suppress_sound=own_sound,
    )


def checkin_thanks(feeling: str) -> Message:
    words = {
        "better": "Good to hear. Keep going.",
        "same": "Noted. Give it a few more sessions.",
        "worse": "Noted. Go gently; if it keeps getting worse, see a clinician.",
    }
    return Message(summary="Thanks", body=words.get(feeling, "Noted."), timeout=8.0, urgency="low")


def stopped_message(routine: Routine) -> Message:
    return Message(
        summary=f"Stopped · {routine.title}",
        body="Session stopped. If something hurt, rest it; if pain persists, see a clinician.",
        timeout=20.0,
        urgency="low",
    )


def mistakes(count: int) -> str:
    """``a mistake``, ``3 mistakes``."""
    return "a mistake" if count == 1 else f"{count} mistakes"


def config_error_message(shown: str, lines: list[str]) -> Message:
    first = "\n".join(lines[:3])
    more = f"\n…and {len(lines) - 3} more; run `reminder validate`." if len(lines) > 3 else ""
    return Message(
        summary=f"Config not applied: it has {mistakes(len(lines))}",
        body=f"Still using the last good config. Fix {shown}:\n{first}{more}",
        # Not "critical": some desktops keep those until dismissed, whatever the timeout.
        timeout=60.0,
    )


def welcome_message(default_config: bool) -> Message:
    extra = (
        " No config file yet: running the built-in default (gluteus medius, weekdays 10:30 "
        "and 16:00). Run `reminder init` to make your own."
        if default_config
        else ""
    )
    return Message(summary="reminder is running", body=DISCLAIMER + extra, timeout=30.0)


# -- a programme's done notification: effort, then pain, then what changes ----------------

EFFORT_ACTIONS = (("easy", "Easy"), ("right", "About right"), ("hard", "Too hard"))
ANSWER_TIMEOUT = 120.0
"""Seconds a question after a session stays up."""


def effort_message(routine: Routine, plan: Plan) -> Message:
    """The done notification of a programme session: how hard was it?"""
    return Message(
        summary=f"Done · {routine.title}",
        body=f"Well done: {format_seconds(plan.total_seconds)} of release, stretch and "
        "strengthen. How hard was it?",
        timeout=ANSWER_TIMEOUT,
        actions=EFFORT_ACTIONS,
        urgency="low",
    )


def pain_message(routine: Routine, effort: str) -> Message:
    """After the effort answer, in the same notification: the pain question."""
    words = {"easy": "easy", "right": "about right", "hard": "too hard"}
    return Message(
        summary=f"Done · {routine.title}",
        body=f"Noted: {words.get(effort, effort)}. How is the pain compared with last time?",
        timeout=ANSWER_TIMEOUT,
        actions=CHECKIN_ACTIONS,
        urgency="low",
    )


def next_time_message(
    feeling: str | None, next_time: str | None, *, held_by: int | None = None
) -> Message:
    """The last word after a programme session: thanks for the pain answer
    (None: it was not given), and what changes next time.

    ``next_time`` is ``programme.next_time(decisions)``, like "Next time:
    Clamshells 2 × 12, up from 2 × 10."; ``held_by`` a check-in score of 7 or
    more, which holds every level."""
    words = {
        "better": "Good to hear.",
        "same": "Noted.",
        "worse": "Noted; go gently. Levels do not go up after a worse session.",
    }
    parts = [words[feeling]] if feeling in words else []
    if held_by is not None:
        parts.append(
            f"Your last check-in was {held_by}/10, so levels stay as they are; "
            "pain that high is worth showing to a clinician."
        )
    elif next_time:
        parts.append(next_time)
    else:
        parts.append("Next time: the same levels.")
    return Message(
        summary="Thanks",
        body=" ".join(parts),
        timeout=30.0 if next_time or held_by is not None else 8.0,
        urgency="low",
    )


def internal_error_message(routine: Routine) -> Message:
    """A session ended because something went wrong inside reminder."""
    return Message(
        summary=f"Stopped · {routine.title}",
        body=(
            "Something went wrong inside reminder, so this session stopped; the next one "
            "starts as planned. The log says what happened."
        ),
        timeout=60.0,
    )
