"""Notifications sent from a thread of their own, so that the daemon's timer
thread never waits on a notification server for long.

A server that hangs (stopped, swapping, deadlocked) used to cost every step
the full D-Bus call timeout on the daemon's thread. Now ``show`` and
``close`` hand the work to a sender thread and wait for it only briefly
(``WAIT``): with a server that answers, a notification is on screen before
``show`` returns, as before; with one that does not, the step goes on at
its time and the sender catches up. While the sender is stuck, updates of
the same notification that have gone stale are skipped for the newest one:
nobody needs to see eight old steps flash by when the server wakes up.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from reminder.notify.base import ActionHandler, EventLogger, Message, Notifier

WAIT = 0.5
"""Seconds ``show`` and ``close`` wait for the sender before going on."""
STALE = 1.0
"""An update waiting this long, with a newer one for the same notification
behind it, is skipped."""
FLUSH = 5.0
"""Seconds ``shutdown`` gives what is still waiting to be sent."""


@dataclass
class _Work:
    tag: str
    message: Message | None
    """None: close the tag's notification."""
    queued: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)


class Background(Notifier):
    def __init__(self, inner: Notifier, *, log: EventLogger, wait: float = WAIT) -> None:
        self.name = inner.name
        self.inner = inner
        self._log = log
        self._wait = wait
        self._changed = threading.Condition()
        self._pending: deque[_Work] = deque()
        self._busy_since: float | None = None
        """When the sender (or supports_actions) started using the inner notifier."""
        self._actions = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- the Notifier protocol ---------------------------------------------------

    def show(self, tag: str, message: Message) -> None:
        self._hand_over(_Work(tag, message))

    def close(self, tag: str) -> None:
        self._hand_over(_Work(tag, None))

    def supports_actions(self) -> bool:
        """Asked of the server when the sender is idle; while it is stuck on a
        server that does not answer, the last answer (no buttons at first)."""
        with self._changed:
            if self._busy_since is not None or self._pending or self._stopping:
                return self._actions
            self._busy_since = time.monotonic()
        try:
            actions = self.inner.supports_actions()
        except Exception:  # noqa: BLE001 - a backend bug must not stop the daemon
            actions = False
        with self._changed:
            self._busy_since = None
            self._actions = actions
            self._changed.notify_all()
        return actions

    def set_action_handler(self, handler: ActionHandler) -> None:
        self.inner.set_action_handler(handler)

    def shutdown(self) -> None:
        """Send what is waiting (for up to FLUSH seconds), then shut the inner one."""
        deadline = time.monotonic() + FLUSH
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            self._changed.wait_for(
                lambda: not self._pending and self._busy_since is None,
                max(0.0, deadline - time.monotonic()),
            )
        self.inner.shutdown()

    # -- the sender ----------------------------------------------------------------

    def _hand_over(self, work: _Work) -> None:
        with self._changed:
            if self._stopping and self._thread is None:
                return
            stuck = (
                self._busy_since is not None and time.monotonic() - self._busy_since > self._wait
            )
            self._pending.append(work)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._send_loop, name="reminder-notify-send", daemon=True
                )
                self._thread.start()
            self._changed.notify_all()
        if not stuck:  # a server that answers: on screen before we go on
            work.done.wait(self._wait)

    def _next(self) -> _Work | None:
        """The next work to do, skipping stale updates that newer ones replace
        (called with the condition held); None when stopping with nothing left."""
        while True:
            self._changed.wait_for(
                lambda: (bool(self._pending) and self._busy_since is None) or self._stopping
            )
            if not self._pending:
                if self._stopping:
                    return None
                continue
            if self._busy_since is not None:  # supports_actions is asking
                self._changed.wait()
                continue
            work = self._pending.popleft()
            newer = any(later.tag == work.tag for later in self._pending)
            if newer and time.monotonic() - work.queued > STALE:
                work.done.set()
                continue
            self._busy_since = time.monotonic()
            return work

    def _send_loop(self) -> None:
        while True:
            with self._changed:
                work = self._next()
            if work is None:
                return
            try:
                if work.message is None:
                    self.inner.close(work.tag)
                else:
                    self.inner.show(work.tag, work.message)
                    # Known by now (cached), so supports_actions can answer
                    # without waiting while the sender is stuck later.
                    actions = self.inner.supports_actions()
                    with self._changed:
                        self._actions = actions
            except Exception as error:  # noqa: BLE001 - the sender must live on
                self._log(
                    "notify-error",
                    {
                        "message": f"Sending a notification failed: {error!r}.",
                        "backend": self.name,
                        "error": repr(error),
                        "tag": work.tag,
                    },
                )
            finally:
                work.done.set()
                with self._changed:
                    self._busy_since = None
                    self._changed.notify_all()
