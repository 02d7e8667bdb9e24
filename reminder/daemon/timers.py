"""Timers on APScheduler: the only module that imports it.

APScheduler is the daemon's timer wheel and main loop. All callbacks run one
at a time on a single worker thread, so the daemon's state needs no locks.
Jobs always run however late they are (``misfire_grace_time=None``): the
daemon itself decides what a late session means (run within grace, else
record it missed), which APScheduler's own misfire handling cannot report.

APScheduler 3 waits on a monotonic clock, so after a suspend or a clock
change it wakes late (APScheduler #794); ``wakeup()`` is called by the clock
and sleep watchers to make it look at the wall clock again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler

_UTC = dt.timezone.utc
_SOON = dt.datetime(2000, 1, 1, tzinfo=_UTC)


class Timers:
    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        # Keep APScheduler's chatter ("Added job ...") out of the daemon's log.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self._scheduler = BlockingScheduler(
            timezone=_UTC,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            # One worker thread runs everything in turn, so instances never
            # overlap; a limit of 1 would make APScheduler drop a timer that
            # replaced itself while it was still running (e.g. the next step,
            # set by a step whose notification call was slow).
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1000},
        )
        self._ids = itertools.count()
        self._on_error = on_error

    def _guarded(self, function: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                function()
            except Exception as error:  # a bug must not stop the daemon  # noqa: BLE001
                if self._on_error is not None:
                    self._on_error(error)

        return run

    def call_at(self, key: str, when: dt.datetime, function: Callable[[], None]) -> None:
        """Run ``function`` at ``when``, replacing any timer of the same key."""
        self._scheduler.add_job(
            self._guarded(function), "date", run_date=when, id=key, replace_existing=True
        )

    def call_soon(self, function: Callable[[], None]) -> None:
        """Run ``function`` on the worker thread as soon as it is free."""
        # Due "long ago", so it runs before any timer that is also due: a
        # clock change must shift a session before its step timer fires.
        # Zero-padded ids keep these in the order they were asked for.
        self._scheduler.add_job(
            self._guarded(function), "date", run_date=_SOON, id=f"soon-{next(self._ids):012d}"
        )

    def cancel(self, key: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(key)

    def next_wakeup(self) -> dt.datetime | None:
        """When the next timer is due (work queued with call_soon is not a timer)."""
        # Jobs added before start() have no next_run_time yet.
        jobs = [job for job in self._scheduler.get_jobs() if not job.id.startswith("soon-")]
        times = [t for t in (getattr(job, "next_run_time", None) for job in jobs) if t]
        return min(times) if times else None

    def wakeup(self) -> None:
        self._scheduler.wakeup()

    def run(self) -> None:
        """Block, running timers, until ``stop()``."""
        self._scheduler.start()

    def stop(self) -> None:
        # APScheduler 3 marks itself stopped without holding its job store
        # lock. If its main loop is between submitting a one-off job and
        # removing it, remove_job then raises JobLookupError and the loop dies
        # (seen under load). Holding that lock keeps the two apart.
        with self._scheduler._jobstores_lock:
            self._scheduler.shutdown(wait=False)
