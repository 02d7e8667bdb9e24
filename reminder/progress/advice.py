"""The protocol's relief rule: release that brings no relief after several sessions points to another muscle. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reminder.config.load import Config
from reminder.progress.history import Checkin, Entry
from reminder.progress.stats import FEELINGS, SCORE_CHANGE, mean
from reminder.routines.model import Routine

RELIEF_MIN_DAYS: Final = 14
"""The first counted session must be at least this many days old."""


@dataclass(frozen=True)
class Advice:
    """The protocol's "no relief: probably another muscle" suggestion."""

    routine: str
    completed: int
    """Completed sessions of the routine so far."""
    since: dt.datetime
    """When the first of them started."""
    see_also: tuple[str, ...]
    """The routine's see_also names, less any known to work the same muscle."""
    message: str

    @property
    def key(self) -> str:
        """For "tell once": one notice per routine."""
        return f"relief:{self.routine}"

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "completed": self.completed,
            "since": self.since.isoformat(),
            "see_also": list(self.see_also),
            "message": self.message,
        }


def _shows_improvement(
    checkins: Sequence[Checkin], since: dt.datetime, now: dt.datetime
) -> bool | None:
    """Whether check-ins from ``since`` to ``now`` show the pain easing;
    None when they cannot tell. See ``relief_advice``."""
    feelings = [c.feeling for c in checkins if c.feeling in FEELINGS]
    middle = since + (now - since) / 2
    early = [c.score for c in checkins if c.score is not None and c.at < middle]
    late = [c.score for c in checkins if c.score is not None and c.at >= middle]
    early_mean, late_mean = mean(early), mean(late)
    scores_tell = early_mean is not None and late_mean is not None
    if not feelings and not scores_tell:
        return None
    if feelings and 2 * feelings.count("better") > len(feelings):
        return True
    return bool(
        early_mean is not None and late_mean is not None and late_mean <= early_mean - SCORE_CHANGE
    )


def _label(name: str, routines: Mapping[str, Routine]) -> str:
    routine = routines.get(name)
    return routine.title if routine is not None else name.replace("-", " ").capitalize()


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def relief_advice(
    entries: Sequence[Entry],
    checkins: Sequence[Checkin],
    config: Config,
    now: dt.datetime,
    *,
    routines: Mapping[str, Routine] | None = None,
) -> Advice | None:
    """The protocol's rule: release that brings no relief after several
    sessions means the pain probably comes from another muscle.

    A routine qualifies when all of these hold:

    1. ``settings.relief_check`` (N) is above 0;
    2. it has at least N completed sessions up to ``now``, and the first of
       them started at least 14 days before ``now``;
    3. its check-ins — those from that first completed session up to ``now``
       naming this routine or none — can tell: at least one has a feeling, or
       there are scores both before and after the midpoint between that first
       session and ``now`` (with no check-ins at all, nothing is said);
    4. they show no improvement: "better" is not the feeling of more than half
       of the check-ins that have one, and the mean score after the midpoint is
       not at least one point (of 0–10) below the mean before it.

    Of several qualifying routines, the one whose first completed session is
    the oldest is named (then by name). ``routines`` gives titles and muscles
    of routines beyond the config's (e.g. the bundled ones); a see_also
    routine known to work the same muscle is not suggested.
    """
    needed = config.settings.relief_check
    if needed <= 0:
        return None
    known: dict[str, Routine] = {**(routines or {}), **config.routines}
    completed: dict[str, list[dt.datetime]] = {}
    for entry in entries:
        if entry.outcome == "completed" and entry.when <= now:
            completed.setdefault(entry.routine, []).append(entry.when)
    candidates: list[tuple[dt.datetime, str, int]] = []
    for name, moments in completed.items():
        routine = known.get(name)
        if routine is None or len(moments) < needed:
            continue
        since = min(moments)
        if now - since < dt.timedelta(days=RELIEF_MIN_DAYS):
            continue
        relevant = [c for c in checkins if since <= c.at <= now and c.routine in (None, name)]
        if _shows_improvement(relevant, since, now) is False:
            candidates.append((since, name, len(moments)))
    if not candidates:
        return None
    since, name, count = min(candidates)
    routine = known[name]
    see_also = tuple(
        other
        for other in routine.see_also
        if other != name
        and not (
            other in known and routine.muscle is not None and known[other].muscle == routine.muscle
        )
    )
    return Advice(
        name, count, since, see_also, _message(routine, count, since, see_also, known, config)
    )


def _message(
    routine: Routine,
    count: int,
    since: dt.datetime,
    see_also: Sequence[str],
    known: Mapping[str, Routine],
    config: Config,
) -> str:
    local = since.astimezone(config.settings.timezone)
    muscle = routine.muscle or routine.title.lower()
    lines = [
        f"You have done {count} {routine.title} sessions since {local.day} {local:%B}, "
        "and your check-ins do not show the pain easing.",
        f"When release brings no relief after this many sessions, the pain probably "
        f"does not come from {muscle} but from another muscle that sends pain to the "
        "same places.",
    ]
    if see_also:
        titles = [_label(other, known) for other in see_also]
        lines.append(
            f"Try the {_join(titles)} routine next, e.g. `reminder now {see_also[0]}`, "
            "or add it to a [[schedule]] in your config."
        )
    lines.append(
        "If the pain stays, or is sharp, spreading, or comes with numbness or "
        "weakness, please see a clinician."
    )
    return " ".join(lines)
