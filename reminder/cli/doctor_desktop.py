"""`reminder doctor`'s desktop checks: the session bus, the notification
server (and a test notification through the daemon's own backend), and the
sources that tell reminder you are away or in do-not-disturb.

Loaded only by `reminder doctor`: it imports jeepney.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reminder.cli.doctor import Check, Context

CALL_TIMEOUT = 2.0
"""Seconds any one D-Bus call may take."""

TEST_SUMMARY = "reminder doctor: this is a test"
TEST_BODY = "If you can read this, reminder's notifications reach your desktop."

CAPABILITIES = (
    ("actions", "buttons"),
    ("body-markup", "body markup"),
    ("persistence", "kept in a list"),
)
"""The server capabilities that change what reminder shows, and their names for people."""

NO_SERVER_FIX = (
    "Start your desktop's notification server; window managers need one of their own "
    "(dunst, mako or swaync) started with the session. Check with `notify-send hello`."
)


def _not_shown(ctx: Context) -> str | None:
    """Why the desktop does not matter for this config, or None when it does."""
    if ctx.uses_freedesktop:
        return None
    setting = ctx.notifier_setting
    if setting == "console":
        return 'not needed: notifier = "console" prints sessions on the daemon\'s output'
    return f"not needed: notifications go through plyer (notifier = {setting!r}) here"


def _call(address: str, method: str) -> tuple[Any, ...]:
    """One method call to the notification server; raises with a readable message."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    from reminder.notify.freedesktop import BUS_NAME, INTERFACE, OBJECT_PATH

    server = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
    with open_dbus_connection(bus=address, auth_timeout=CALL_TIMEOUT) as conn:
        reply = conn.send_and_get_reply(new_method_call(server, method), timeout=CALL_TIMEOUT)
        return tuple(unwrap_msg(reply))


def check_session_bus(ctx: Context) -> Iterable[Check]:
    from reminder.notify.freedesktop import session_bus_address

    skip = _not_shown(ctx)
    if skip is not None:
        yield Check("session bus", "skip", skip)
        return
    address = session_bus_address(ctx.environ)
    if address is None:
        yield Check(
            "session bus",
            "fail",
            "there is none: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus "
            "does not exist, so no desktop notification can be shown",
            "Run reminder inside your desktop session (a login over ssh or on a bare "
            "console has no session bus).",
            {"address": None},
        )
        return
    from jeepney.io.blocking import open_dbus_connection

    try:
        with open_dbus_connection(bus=address, auth_timeout=CALL_TIMEOUT):
            pass
    except Exception as error:  # noqa: BLE001 - any failure to connect is the finding
        yield Check(
            "session bus",
            "fail",
            f"{address} does not answer ({error or type(error).__name__})",
            "Log out and in again; if that does not help, your session's D-Bus is broken.",
            {"address": address, "error": str(error)},
        )
        return
    ctx.bus_address = address
    yield Check("session bus", "ok", address, "", {"address": address})


def check_notification_server(ctx: Context) -> Iterable[Check]:
    skip = _not_shown(ctx)
    if skip is not None:
        yield Check("notification server", "skip", skip)
        return
    if ctx.bus_address is None:
        yield Check("notification server", "skip", "not checked: no session bus")
        return
    try:
        name, vendor, version, spec = (
            str(part) for part in _call(ctx.bus_address, "GetServerInformation")
        )
        (capabilities,) = _call(ctx.bus_address, "GetCapabilities")
    except Exception as error:  # noqa: BLE001 - no server, a refusal, a timeout: the finding
        text = str(error) or type(error).__name__
        missing = "ServiceUnknown" in text or "NameHasNoOwner" in text or "Spawn" in text
        summary = (
            "none answers on the session bus (no owner of org.freedesktop.Notifications), "
            "so sessions would only print on the daemon's output"
            if missing
            else f"the server did not answer ({text})"
        )
        yield Check("notification server", "fail", summary, NO_SERVER_FIX, {"error": text})
        return
    found = sorted(str(c) for c in capabilities)
    ctx.server = {
        "name": name,
        "vendor": vendor,
        "version": version,
        "spec_version": spec,
        "capabilities": found,
    }
    has = ", ".join(f"{label}: {'yes' if key in found else 'no'}" for key, label in CAPABILITIES)
    summary = f"{name} {version} by {vendor} (spec {spec}); {has}"
    if "actions" not in found:
        yield Check(
            "notification server",
            "warn",
            summary,
            'It shows no buttons: start = "ask" begins sessions at once, and you steer them '
            "with `reminder pause`, `reminder stop`, `reminder snooze` and `reminder skip`.",
            dict(ctx.server),
        )
        return
    yield Check("notification server", "ok", summary, "", dict(ctx.server))


def check_test_notification(ctx: Context) -> Iterable[Check]:
    if ctx.server is None:
        yield Check("test notification", "skip", "not sent: no notification server to send to")
        return
    if not ctx.send_test:
        yield Check("test notification", "skip", "not sent (--no-test)")
        return
    from reminder.notify import FreedesktopNotifier, Message, NotifierError

    def ignore(event: str, fields: dict[str, object]) -> None:
        pass

    notifier = FreedesktopNotifier(ctx.environ, log=ignore, call_timeout=CALL_TIMEOUT)
    try:
        notifier.show("doctor", Message(TEST_SUMMARY, TEST_BODY, timeout=15.0, urgency="low"))
    except NotifierError as error:
        yield Check(
            "test notification",
            "fail",
            f"the server refused it ({error})",
            NO_SERVER_FIX,
            {"sent": False, "error": str(error)},
        )
        return
    finally:
        notifier.shutdown()
    yield Check(
        "test notification",
        "ok",
        f'sent "{TEST_SUMMARY}" as the daemon sends its own; it shows for 15 s',
        "",
        {"sent": True, "summary": TEST_SUMMARY},
    )


def check_presence(ctx: Context) -> Iterable[Check]:
    from reminder.daemon.presence import PresenceWatcher

    watcher = PresenceWatcher(lambda _presence: None, environ=ctx.environ)
    try:
        sources = watcher.start()
        now = watcher.current()
    finally:
        watcher.stop()
    details = {"sources": sources, "away": now.away, "dnd": now.dnd, "why": now.why}
    if not sources:
        yield Check(
            "away, lock, DND",
            "warn",
            "nothing here says when you are away, the screen is locked or notifications "
            "are paused, so sessions start regardless",
            "Fine on a desktop without them; logind, a screensaver, dunst, KDE or GNOME "
            "let reminder hold a session until you are back.",
            details,
        )
        return
    if now.dnd:
        yield Check(
            "away, lock, DND",
            "warn",
            f"heard from {', '.join(sources)}: notifications are paused (do not disturb), "
            "so due sessions wait until you turn it off",
            "Turn do-not-disturb off to get your sessions.",
            details,
        )
        return
    yield Check("away, lock, DND", "ok", f"heard from {', '.join(sources)}", "", details)
