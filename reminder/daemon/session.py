"""One session walked through its steps. Pure:
every method takes the current time; nothing here sleeps or does I/O.

Each step starts at ``anchor + step.offset``: the anchor is the instant the
plan's offset 0 maps to, and it only moves when the person asks (Next,
Pause/Resume) or the computer lost time (suspend, a clock change), so no
delay accumulates from step to step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reminder.config.calendar import Occurrence
from reminder.routines.model import PHASES, Phase, Routine
from reminder.routines.plan import Plan, Step


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
    done_steps: set[int] = field(default_factory=set)

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

    def advance(self) -> bool:
        """The current step ended on time: move to the next. False when the
        session is over."""
        self.done_steps.add(self.index)
        if self.index + 1 >= len(self.plan.steps):
            self.finished = True
            return False
        self.index += 1
        return True

    def skip_step(self, now: dt.datetime) -> bool:
        """Next: end this step now and shift the rest to follow from now."""
        if self.index + 1 >= len(self.plan.steps):
            self.done_steps.add(self.index)
            self.finished = True
            return False
        self.index += 1
        self.anchor = now - dt.timedelta(seconds=self.step.offset)
        self.paused_at = None
        return True

    def pause(self, now: dt.datetime) -> bool:
        if self.paused_at is not None:
            return False
        self.paused_at = now
        return True

    def resume(self, now: dt.datetime) -> bool:
        if self.paused_at is None:
            return False
        self.anchor += now - self.paused_at
        self.paused_at = None
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

    def retime(self, now: dt.datetime) -> None:
        """Start the current step now (after the computer lost time asleep)."""
        self.anchor = now - dt.timedelta(seconds=self.step.offset)

    def phases_done(self) -> tuple[Phase, ...]:
        """Phases whose every step was done."""
        done = []
        for phase in PHASES:
            indexes = [i for i, s in enumerate(self.plan.steps) if s.phase == phase]
            if indexes and all(i in self.done_steps for i in indexes):
                done.append(phase)
        return tuple(done)
