"""What the daemon does when one of its own callbacks raises.

A bug, or a file no one foresaw, must not leave a session "running" forever
with no timer. The daemon ends the session as ``interrupted`` with reason
``error``, shows ``messages.internal_error_message``, and carries on; the
traceback goes to the log once (the same failure again is counted, not
repeated, so a failure at every step cannot flood the log).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

OUTCOME = "interrupted"
REASON = "error"


class InternalErrors:
    """Logs each distinct internal error's traceback once, as one event."""

    def __init__(self, log: Callable[..., None]) -> None:
        self._log = log
        self._seen: dict[tuple[str, ...], int] = {}

    def __call__(self, error: BaseException, *, ended: str | None = None) -> None:
        """Log ``error``; ``ended`` names the session it ended, if any."""
        frames = traceback.extract_tb(error.__traceback__)
        key = (type(error).__name__, *(f"{f.filename}:{f.lineno}" for f in frames[-3:]))
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        what = f"; the session {ended} ended as interrupted" if ended else ""
        if count == 1:
            self._log(
                "internal-error",
                f"Something went wrong inside reminder{what}; it carries on. Please report "
                "this:\n" + "".join(traceback.format_exception(error)),
                error=repr(error),
                session=ended,
            )
        else:
            self._log(
                "internal-error",
                f"The same thing went wrong inside reminder again ({count} times now){what}: "
                f"{error!r}.",
                error=repr(error),
                session=ended,
                repeated=count,
            )
