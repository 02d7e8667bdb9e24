"""What a session sounds like, and when: a plan and its anchor → timed events.

Pure: no clock (the caller passes ``now``), no I/O, standard library and the
plan model only, so the daemon can build a schedule without loading anything
of the player.

- A cue at each step's planned instant, by kind: ``ready`` for the session's
  first get-ready, ``next`` for a later exercise's, ``go`` when work starts,
  ``switch`` and ``rest``; ``done`` where the last step ends.
- A 3-2-1 count (``tick`` at 3, 2 and 1 s before the end) in every hold, rest
  and get-ready step of 10 s or more.
- With ``rep_ticks``, a ``rep`` tick at each repetition's end but the last
  (the next step's cue marks that one).
- With ``voice``, a phrase for each step, spoken just after its cue:
  "Ball release, left side. Hold ninety seconds."
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from reminder.routines.plan import Plan, Step

COUNT_FROM: Final = 10
"""Holds, rests and get-ready steps this long (seconds) or longer end with a 3-2-1 count."""
COUNT: Final = (3, 2, 1)
VOICE_AFTER_CUE: Final = 0.1
"""Seconds between a step's cue and its phrase: the phrase begins under the
cue's fading tail, well within 150 ms of the step."""


class SoundChoices(Protocol):
    """The ``[sound]`` settings the schedule depends on."""

    @property
    def cues(self) -> bool: ...
    @property
    def voice(self) -> bool: ...
    @property
    def rep_ticks(self) -> bool: ...


@dataclass(frozen=True)
class Event:
    """One sound at one instant: a cue by name, or a phrase to speak."""

    at: dt.datetime
    cue: str | None = None
    say: str | None = None

    def to_json(self) -> dict[str, Any]:
        utc = self.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
        return {"at": utc, "cue": self.cue} if self.cue else {"at": utc, "say": self.say}


# -- words ---------------------------------------------------------------------------

_ONES: Final = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
    *("seventeen", "eighteen", "nineteen"),
)
_TENS: Final = (
    "",
    "",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)


def number_words(number: int) -> str:
    """``45`` → ``forty-five``; up to 999 999, as a voice should say it."""
    if number < 0:
        return "minus " + number_words(-number)
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def _unit(count: int, singular: str) -> str:
    return f"{number_words(count)} {singular}{'' if count == 1 else 's'}"


def duration_words(seconds: int) -> str:
    """``90`` → ``ninety seconds``, ``120`` → ``two minutes``, ``150`` →
    ``two minutes thirty seconds``: seconds up to 90, minutes beyond."""
    if seconds <= 90:
        return _unit(seconds, "second")
    minutes, secs = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        text = _unit(hours, "hour") + (f" {_unit(minutes, 'minute')}" if minutes else "")
        return text + (f" {_unit(secs, 'second')}" if secs else "")
    return _unit(minutes, "minute") + (f" {_unit(secs, 'second')}" if secs else "")


def spoken_name(name: str) -> str:
    """An exercise name as a voice should read it: ``Seated figure-4`` →
    ``Seated figure four`` (a synthesiser reads "-4" as "minus four")."""
    name = re.sub(r"(?<=[A-Za-z])-(?=\d)", " ", name)
    return re.sub(r"\d+", lambda m: number_words(int(m.group())), name)


# -- phrases ---------------------------------------------------------------------------


def _sets_of(plan: Plan, step: Step) -> int:
    return max(
        (s.set or 1 for s in plan.steps if s.phase == step.phase and s.exercise == step.exercise),
        default=1,
    )


def _first_side(plan: Plan, index: int) -> str | None:
    step = plan.steps[index]
    for later in plan.steps[index + 1 :]:
        if later.phase != step.phase or later.exercise != step.exercise:
            return None
        if later.kind == "work":
            return later.side
    return None


def _action(step: Step) -> str:
    if step.reps is not None:
        return f"{number_words(step.reps).capitalize()} {'rep' if step.reps == 1 else 'reps'}."
    return f"Hold {duration_words(step.duration)}."


def phrase(plan: Plan, index: int) -> str:
    """What the voice says as step ``index`` starts."""
    step = plan.steps[index]
    previous = plan.steps[index - 1] if index else None
    same_exercise = (
        previous is not None and previous.phase == step.phase and previous.exercise == step.exercise
    )
    name = spoken_name(step.exercise)
    sets = _sets_of(plan, step)
    if step.kind == "ready":
        side = _first_side(plan, index)
        first = f", {side} side first" if side else ""
        return f"Get ready: {name}{first}." if index == 0 else f"Next exercise: {name}{first}."
    if step.kind == "switch":
        return f"Switch to the {step.side} side."
    if step.kind == "rest":
        following = plan.steps[index + 1] if index + 1 < len(plan.steps) else None
        upcoming = ""
        if following is not None and following.set is not None and sets > 1:
            upcoming = f" Next: set {number_words(following.set)} of {number_words(sets)}."
        return f"Rest {duration_words(step.duration)}.{upcoming}"
    # work
    side = f"{step.side.capitalize()} side. " if step.side else ""
    set_note = (
        f"Set {number_words(step.set)} of {number_words(sets)}. "
        if sets > 1 and step.set is not None
        else ""
    )
    if not same_exercise or previous is None or previous.kind == "ready":
        named = f"{name}, {step.side} side. " if step.side else f"{name}. "
        return f"{named}{set_note}{_action(step)}"
    if previous.kind == "rest":
        return f"{set_note}{side}{_action(step)}"
    return _action(step)  # after a switch, which named the side


DONE_PHRASE: Final = "Done. Well done."


# -- the schedule ---------------------------------------------------------------------


def step_cue(plan: Plan, index: int) -> str:
    step = plan.steps[index]
    if step.kind == "ready":
        return "ready" if index == 0 else "next"
    if step.kind == "work":
        return "go"
    return step.kind  # switch, rest


def _step_events(plan: Plan, index: int, start: dt.datetime, choices: SoundChoices) -> list[Event]:
    step = plan.steps[index]
    events: list[Event] = []
    if choices.cues:
        events.append(Event(start, cue=step_cue(plan, index)))
    if choices.voice:
        delay = dt.timedelta(seconds=VOICE_AFTER_CUE if choices.cues else 0.0)
        events.append(Event(start + delay, say=phrase(plan, index)))
    if not choices.cues:
        return events
    counted = step.kind in ("ready", "rest") or (step.kind == "work" and step.reps is None)
    if step.duration >= COUNT_FROM and counted:
        end = start + dt.timedelta(seconds=step.duration)
        events += [Event(end - dt.timedelta(seconds=n), cue="tick") for n in COUNT]
    if choices.rep_ticks and step.kind == "work" and step.reps:
        rep_time = step.duration / step.reps
        events += [
            Event(start + dt.timedelta(seconds=rep_time * n), cue="rep")
            for n in range(1, step.reps)
        ]
    return events


def session_events(
    plan: Plan,
    anchor: dt.datetime,
    choices: SoundChoices,
    *,
    index: int = 0,
    now: dt.datetime | None = None,
    announce: bool = True,
) -> list[Event]:
    """Every sound from step ``index`` to the session's end, in time order.

    Each step starts at ``anchor + step.offset`` (``anchor`` as in the
    session: it moves with Next, pause and clock changes). Sounds before
    ``now`` are left out, except that with ``announce`` the cue and phrase of
    step ``index`` are kept (moved to ``now`` if its start has passed): the
    step begins now and the person should hear so. Without ``announce``
    (resume after a pause, a clock set) the current step is not announced
    again; only what is still ahead of it plays.
    """
    if not plan.steps or not (choices.cues or choices.voice):
        return []
    events: list[Event] = []
    for i in range(index, len(plan.steps)):
        start = anchor + dt.timedelta(seconds=plan.steps[i].offset)
        step_events = _step_events(plan, i, start, choices)
        if i == index and announce and now is not None and start < now:
            late = now - start
            announced = {id(e) for e in step_events if e.cue in (None, step_cue(plan, i))}
            step_events = [
                Event(e.at + late, e.cue, e.say) if id(e) in announced else e for e in step_events
            ]
        elif i == index and not announce:
            step_events = [e for e in step_events if e.cue in ("tick", "rep")]
        events += step_events
    end = anchor + dt.timedelta(seconds=plan.total_seconds)
    if choices.cues:
        events.append(Event(end, cue="done"))
    if choices.voice:
        delay = dt.timedelta(seconds=VOICE_AFTER_CUE if choices.cues else 0.0)
        events.append(Event(end + delay, say=DONE_PHRASE))
    if now is not None:
        events = [e for e in events if e.at >= now]
    return sorted(events, key=lambda e: e.at)


def phrases(events: Sequence[Event]) -> list[str]:
    """The distinct phrases of a schedule, in the order they are due."""
    seen: dict[str, None] = {}
    for event in events:
        if event.say is not None:
            seen.setdefault(event.say, None)
    return list(seen)
