"""Notifications as lines on a terminal: the backend of last resort."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from reminder.notify.base import Message, NotifierError, OneWayNotifier


def _local_now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def _one_line(text: str) -> str:
    # One line per notification, so a log reader or a pipe sees one record each.
    return " / ".join(part.strip() for part in text.splitlines() if part.strip())


class ConsoleNotifier(OneWayNotifier):
    """Prints ``[HH:MM:SS] summary — body`` for every show; has no buttons."""

    name = "console"

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        # None means whatever sys.stdout is at the time of the show.
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()

    def show(self, tag: str, message: Message) -> None:
        line = (
            f"[{self._clock().strftime('%H:%M:%S')}] "
            f"{_one_line(message.summary)} — {_one_line(message.body)}\n"
        )
        stream = self._stream if self._stream is not None else sys.stdout
        if stream is None:  # pythonw on Windows has no stdout
            raise NotifierError("There is no console to show notifications on.")
        try:
            with self._lock:
                stream.write(line)
                stream.flush()
        except (OSError, ValueError) as error:  # a closed pipe or stream
            raise NotifierError(
                f"Could not write the notification to the console: {error}."
            ) from error
