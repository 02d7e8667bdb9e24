"""The daemon's log: one line per event on stderr, for people or as JSON.

Every event has a name (``session-start``, ``step``, ``missed``, …) and a
time; JSON lines carry them under ``event`` and ``ts`` with the fields.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from reminder.notify.base import Notifier

_WRITING = threading.Lock()
"""One for every log of the process: two logs on one stream never mix their lines."""


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class EventLog:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        json_lines: bool = False,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._json = json_lines
        self._clock = clock or (lambda: dt.datetime.now().astimezone())
        self._lock = _WRITING
        self._skip_text: Callable[[str], bool] | None = None

    def skip_text_when(self, shown_elsewhere: Callable[[str], bool]) -> None:
        """Leave out of the text log (not the JSON one) the events for which
        ``shown_elsewhere(event)`` is true: a step the console notifier just
        printed would otherwise read twice."""
        self._skip_text = shown_elsewhere

    def __call__(self, event: str, message: str = "", **fields: Any) -> None:
        if not self._json and self._skip_text is not None and self._skip_text(event):
            return
        now = self._clock()
        if self._json:
            record = {"event": event, "ts": now.isoformat(timespec="milliseconds"), **fields}
            if message:
                record["message"] = message
            line = json.dumps(record, default=_json_default, ensure_ascii=False)
        else:
            line = f"{now:%Y-%m-%d %H:%M:%S} {event}: {message or _fields_text(fields)}"
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass  # stderr gone (closed terminal): the daemon carries on

    def fields_logger(self) -> Callable[[str, dict[str, object]], None]:
        """The ``log(event, fields)`` form the notifiers take."""

        def log(event: str, fields: dict[str, object]) -> None:
            message = str(fields.get("message", ""))
            self(event, message, **{k: v for k, v in fields.items() if k != "message"})

        return log


def install_hooks(log: EventLog) -> None:
    """Route what Python itself would print on stderr (an exception nobody
    caught in a thread, an unraisable error, a warning) through ``log``, so
    a JSON log stays one JSON object a line whatever happens."""
    import traceback
    import warnings

    def thread_failed(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        error = args.exc_value if args.exc_value is not None else args.exc_type()
        log(
            "internal-error",
            f"Something went wrong inside reminder (thread {getattr(args.thread, 'name', '?')}); "
            "it carries on. Please report this:\n"
            + "".join(traceback.format_exception(args.exc_type, error, args.exc_traceback)),
            error=repr(error),
        )

    def unraisable(args: sys.UnraisableHookArgs) -> None:
        log(
            "internal-error",
            f"{args.err_msg or 'Exception ignored'}: {args.exc_value!r}",
            error=repr(args.exc_value),
        )

    def show_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        from reminder.errors import ReminderWarning

        if issubclass(category, ReminderWarning):
            log("warning", str(message))
        else:
            log("warning", f"{category.__name__}: {message} ({filename}:{lineno})")

    threading.excepthook = thread_failed
    sys.unraisablehook = unraisable
    warnings.showwarning = show_warning


def _fields_text(fields: dict[str, Any]) -> str:
    return " ".join(
        f"{k}={_json_default(v) if not isinstance(v, str) else v}" for k, v in fields.items()
    )


def steps_on_console(notifier_of: Callable[[], Notifier]) -> Callable[[str], bool]:
    """For ``EventLog.skip_text_when``: a ``step`` whose notification went to
    the console (chosen, or standing in for a missing desktop) is already one
    line on the daemon's output; its log line would repeat it."""
    from reminder.notify import shows_on_console

    def shown(event: str) -> bool:
        return event == "step" and shows_on_console(notifier_of())

    return shown
