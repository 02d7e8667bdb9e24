"""One session walked through its steps. Pure:
every method takes the current time; nothing here sleeps or does I/O.

Each step starts at ``anchor + step.offset``: the anchor is the instant the
plan's offset 0 maps to, and it only moves when the person asks (Next,
Pause/Resume) or the computer lost time (suspend, a clock change), so no
delay accumulates from step to step.

The time actually spent in each step is counted as the session goes:
from the step's start to its end, to Next, to a pause or to a stop, never
more than the step lasts; paused time is not counted. A phase is done when
at least two thirds of its planned work seconds were spent in its work
steps (DESIGN.md, "Records"), so tapping Next through a session does not
make it done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from reminder.config.calendar import Occurrence
from reminder.routines.model import PHASES, Phase, Routine
from reminder.routines.plan import Plan, Step

DONE_SHARE = 2 / 3
"""A phase is done when at least this share of its planned work time was spent."""
_ROUNDING = 1e-6

EndOutcome = Literal["completed", "partial"]


@dataclass
class Session:
    id: str
    routine: Routine
    plan: Plan
    anchor: dt.datetime
    occurrence: Occurrence | None = None
    """The scheduled time it came from; None when started by hand."""
    index: int = 0
    paused_at: dt.datetime | None = None
    finished: bool = False
    spent: dict[int, float] = field(default_factory=dict)
    """Seconds actually spent in each step so far (by index), pauses excluded."""
    counted_from: dt.datetime | None = None
    """Since when the current step's time runs uncounted; None while paused
    and after the end."""

    def __post_init__(self) -> None:
        if self.counted_from is None and self.paused_at is None and self.plan.steps:
            self.counted_from = self.step_start()

    @property
    def step(self) -> Step:
        return self.plan.steps[self.index]

    def step_start(self, index: int | None = None) -> dt.datetime:
        step = self.plan.steps[self.index if index is None else index]
        return self.anchor + dt.timedelta(seconds=step.offset)

    def step_end(self) -> dt.datetime:
        return self.anchor + dt.timedelta(seconds=self.step.end)

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def _count(self, upto: dt.datetime) -> None:
        """Add the current step's time from ``counted_from`` to ``upto`` (at
        most to the step's end; at most the step's length in all)."""
        since, self.counted_from = self.counted_from, None
        if since is None:
            return
        end = min(upto.timestamp(), self.step_end().timestamp())
        seconds = max(0.0, end - since.timestamp())
        total = self.spent.get(self.index, 0.0) + seconds
        self.spent[self.index] = min(float(self.step.duration), total)

    def advance(self) -> bool:
        """The current step ended on time: move to the next. False when the
        session is over."""
        self._count(self.step_end())
        if self.index + 1 >= len(self.plan.steps):
            self.finished = True
            return False
        self.index += 1
        self.counted_from = self.step_start()
        return True

    def skip_step(self, now: dt.datetime) -> bool:
        """Next: end this step now and shift the rest to follow from now."""
        self._count(now)
        if self.index + 1 >= len(self.plan.steps):
            self.finished = True
            return False
        self.index += 1
        self.anchor = now - dt.timedelta(seconds=self.step.offset)
        self.paused_at = None
        self.counted_from = now
        return True

    def finish(self, now: dt.datetime) -> None:
        """Stopped (or cut short) at ``now``: count the step's time so far."""
        if self.paused_at is None:
            self._count(now)
        self.counted_from = None

    def pause(self, now: dt.datetime) -> bool:
        if self.paused_at is not None:
            return False
        self._count(now)
        self.paused_at = now
        return True

    def resume(self, now: dt.datetime) -> bool:
        if self.paused_at is None:
            return False
        self.anchor += now - self.paused_at
        self.paused_at = None
        self.counted_from = now
        return True

    def remaining(self, now: dt.datetime) -> int:
        """Whole seconds left in the current step (frozen while paused)."""
        moment = self.paused_at or now
        return max(0, round((self.step_end() - moment).total_seconds()))

    def shift(self, delta: dt.timedelta) -> None:
        """The wall clock was set by ``delta``: keep the steps in real time."""
        self.anchor += delta
        if self.paused_at is not None:
            self.paused_at += delta
        if self.counted_from is not None:
            self.counted_from += delta

    def retime(self, now: dt.datetime) -> None:
        """Start the current step now (after the computer lost time asleep)."""
        self.anchor = now - dt.timedelta(seconds=self.step.offset)
        if self.paused_at is None:
            self.counted_from = now

    def work_seconds(self, phase: Phase) -> tuple[float, int]:
        """(spent, planned) seconds of ``phase``'s work steps."""
        spent, planned = 0.0, 0
        for index, step in enumerate(self.plan.steps):
            if step.phase == phase and step.kind == "work":
                planned += step.duration
                spent += self.spent.get(index, 0.0)
        return spent, planned

    def phases_done(self) -> tuple[Phase, ...]:
        """Phases with at least two thirds of their planned work time spent."""
        done = []
        for phase in PHASES:
            spent, planned = self.work_seconds(phase)
            if spent + _ROUNDING >= planned * DONE_SHARE:
                done.append(phase)
        return tuple(done)

    def end_outcome(self) -> EndOutcome:
        """How a session that reached its end is recorded: completed when
        every phase is done, else partial."""
        return "completed" if self.phases_done() == PHASES else "partial"

    def seconds_spent(self) -> int:
        """Seconds spent in the session's steps so far, pauses excluded."""
        return round(sum(self.spent.values()))
