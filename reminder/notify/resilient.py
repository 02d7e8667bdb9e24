"""A notifier that never fails: the primary backend, else the console, retried each time.

A notification server may be missing at login and start later, or restart
mid-session; every show tries the primary backend first, so it is picked up
again as soon as it answers.

The fallback is logged once, when it begins (``notify-error`` with
``retrying``), and its end once (``notify-recovered``): a session shown on the
console costs one line a step, not an error line for each.
"""

from __future__ import annotations

import threading

from reminder.notify.base import ActionHandler, EventLogger, Message, Notifier


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__


class Resilient(Notifier):
    def __init__(self, primary: Notifier, fallback: Notifier, *, log: EventLogger) -> None:
        self.name = primary.name
        self.primary = primary
        self.fallback = fallback
        self._log = log
        self._lock = threading.Lock()
        self._degraded = False
        self._error: str | None = None
        self._missed = 0  # shows that went to the fallback since it began

    @property
    def degraded(self) -> bool:
        """True while the last show had to use the fallback."""
        return self._degraded

    @property
    def in_use(self) -> str:
        """The backend the last show went to (the primary before any show)."""
        return self.fallback.name if self._degraded else self.primary.name

    @property
    def retrying(self) -> str | None:
        """The backend tried again at every show while the fallback stands in; else None."""
        return self.primary.name if self._degraded else None

    @property
    def error(self) -> str | None:
        """Why the primary failed last, while the fallback stands in; else None."""
        return self._error if self._degraded else None

    def describe(self) -> str:
        """``freedesktop``, or ``console (retrying freedesktop)``."""
        retrying = self.retrying
        return f"{self.in_use} (retrying {retrying})" if retrying else self.in_use

    def supports_actions(self) -> bool:
        if self._degraded:
            return False
        try:
            return self.primary.supports_actions()
        except Exception:  # noqa: BLE001 - a backend bug must not stop the daemon
            return False

    def show(self, tag: str, message: Message) -> None:
        try:
            self.primary.show(tag, message)
        # NotifierError is the expected failure; anything else is a backend bug,
        # and no backend failure may stop the daemon: log it and fall back alike.
        except Exception as error:  # noqa: BLE001
            with self._lock:
                began, self._degraded = not self._degraded, True
                self._error = _describe(error)
                self._missed += 1
            if began:
                self._log_error(self.primary, error, tag, fallback=True)
            try:
                self.fallback.show(tag, message)
            except Exception as fallback_error:  # noqa: BLE001
                self._log_error(self.fallback, fallback_error, tag, fallback=False)
            return
        with self._lock:
            recovered, self._degraded = self._degraded, False
            missed, self._missed = self._missed, 0
            self._error = None
        if recovered:
            self._log(
                "notify-recovered",
                {
                    "message": f"Notifications show through {self.primary.name} again "
                    f"({missed} shown on the {self.fallback.name} meanwhile).",
                    "backend": self.primary.name,
                    "tag": tag,
                    "fallback_shows": missed,
                },
            )

    def close(self, tag: str) -> None:
        for backend in (self.primary, self.fallback):
            try:
                backend.close(tag)
            except Exception as error:  # noqa: BLE001
                self._log_error(backend, error, tag, fallback=False)

    def set_action_handler(self, handler: ActionHandler) -> None:
        self.primary.set_action_handler(handler)
        self.fallback.set_action_handler(handler)

    def shutdown(self) -> None:
        for backend in (self.primary, self.fallback):
            try:
                backend.shutdown()
            except Exception as error:  # noqa: BLE001
                self._log_error(backend, error, "", fallback=False)

    def _log_error(self, backend: Notifier, error: Exception, tag: str, *, fallback: bool) -> None:
        text = _describe(error)
        reason = text.rstrip(".")
        fields: dict[str, object] = {"backend": backend.name, "error": text, "tag": tag}
        if fallback:
            fields["message"] = (
                f"{backend.name} notifications failed ({reason}); showing them on the "
                f"{self.fallback.name} instead, and trying {backend.name} again at every "
                "notification. This is said once; `reminder status` shows it meanwhile."
            )
            fields["retrying"] = True
        else:
            fields["message"] = f"{backend.name} notifications failed ({reason})."
        self._log("notify-error", fields)
