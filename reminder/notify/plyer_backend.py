"""Notifications through plyer, for macOS and Windows.

plyer has no buttons and no in-place updates: every show is a new notification.
It is imported at the first show, never at start-up.
"""

from __future__ import annotations

import math

from reminder.notify.base import Message, NotifierError, OneWayNotifier

APP_NAME = "reminder"


class PlyerNotifier(OneWayNotifier):
    name = "plyer"

    def show(self, tag: str, message: Message) -> None:
        try:
            from plyer import notification

            notification.notify(
                title=message.summary,
                message=message.body,
                app_name=APP_NAME,
                # Whole seconds: plyer's D-Bus path raises on a float timeout (plyer #658).
                timeout=max(1, math.ceil(message.timeout)),
            )
        # plyer raises whatever its platform backend raises (ImportError, OSError,
        # NotImplementedError, COM and D-Bus errors): any of them means "not shown".
        except Exception as error:
            raise NotifierError(
                f"plyer could not show the notification: {type(error).__name__}: {error}"
            ) from error
