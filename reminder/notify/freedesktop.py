"""Native desktop notifications: the freedesktop Notifications API on the session D-Bus.

jeepney is imported at the first show, never when this module is imported, so
commands other than the daemon do not pay for it.

Threads, when connected: jeepney's receiver thread, blocked reading the bus
socket, and ours, blocked on a queue of signals (button presses, closed
notifications, server restarts). Neither has a timeout: an idle daemon never
wakes. Every method call does have one, so a hung server cannot block the
daemon.

The server may be missing, or restart at any time. A failed call raises
NotifierError (the Resilient wrapper shows the message elsewhere); the next show
reconnects from scratch if the bus connection died, and asks a new server for
its capabilities. Notification ids are the server's, so they are forgotten when
its owner changes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import math
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from queue import SimpleQueue
from typing import Any

from reminder.notify.base import (
    ACTION_KEYS,
    ActionHandler,
    EventLogger,
    Message,
    Notifier,
    NotifierError,
)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
APP_NAME = "reminder"
CALL_TIMEOUT = 5.0
"""Seconds any one D-Bus call may take."""
PROBE_TIMEOUT = 2.0

_URGENCY = {"low": 0, "normal": 1, "critical": 2}
_MAX_EXPIRE_MS = 2**31 - 1  # the expire_timeout argument is an int32
_SERVER_GONE = frozenset(
    {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        # The server left the bus while our call was waiting for its reply.
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.Disconnected",
    }
)
_SPAWN_FAILED = "org.freedesktop.DBus.Error.Spawn."  # bus activation could not start a server
# concurrent.futures.TimeoutError is the builtin only from Python 3.11 on.
_TIMEOUTS = (TimeoutError, concurrent.futures.TimeoutError)
_ADDRESS_SAFE = frozenset("-_/.\\*0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def session_bus_address(environ: Mapping[str, str]) -> str | None:
    """$DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus if that socket exists."""
    address = environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address
    runtime_dir = environ.get("XDG_RUNTIME_DIR", "")
    if not runtime_dir:
        return None
    socket_path = Path(runtime_dir) / "bus"
    try:
        if not socket_path.is_socket():
            return None
    except OSError:
        return None
    escaped = "".join(
        char if char in _ADDRESS_SAFE else "".join(f"%{byte:02x}" for byte in char.encode())
        for char in str(socket_path)
    )
    return f"unix:path={escaped}"


def expire_timeout_ms(seconds: float) -> int:
    """The Notify expire_timeout for a message that should stay ``seconds``.

    Never 0 (never expires) nor -1 (the server's default, often "never"): a
    notification that never expires keeps some desktops awake. An int, never a
    float (plyer #658).
    """
    milliseconds = math.ceil(round(seconds * 1000, 3))  # round first: 1.1 s is 1100 ms, not 1101
    return min(max(milliseconds, 1000), _MAX_EXPIRE_MS)


class _ServerGone(NotifierError):
    """No notification server owns the name (any more)."""


class _ErrorReply(NotifierError):
    """The server answered a call with a D-Bus error."""


class _BusLost(NotifierError):
    """The connection to the session bus broke."""


@functools.cache
def _quiet_router_class() -> Any:
    from jeepney.io.threading import DBusRouter

    class QuietRouter(DBusRouter):  # type: ignore[misc]
        """jeepney's DBusRouter, whose receiver thread ends quietly when the bus goes away.

        jeepney lets the receiver's ConnectionResetError escape the thread, which
        prints a traceback on stderr (the daemon's log). Calls raise RouterClosed
        either way; ``on_stop`` tells the owner the connection is dead.
        """

        def __init__(self, conn: Any, on_stop: Callable[[], None]) -> None:
            self._on_stop = on_stop
            super().__init__(conn)

        def _receiver(self) -> None:
            try:
                with contextlib.suppress(Exception):
                    super()._receiver()
            finally:
                self._on_stop()

    return QuietRouter


def quiet_router(conn: Any, on_stop: Callable[[], None] = lambda: None) -> Any:
    """A jeepney DBusRouter on ``conn`` that ends quietly if the bus goes away."""
    return _quiet_router_class()(conn, on_stop)


def _connect_errors() -> tuple[type[BaseException], ...]:
    from jeepney.io.common import RouterClosed
    from jeepney.wrappers import DBusErrorResponse

    # OSError: no socket, refused, auth timeout; ValueError: a malformed address or
    # failed authentication; RuntimeError: an unsupported transport (tcp:).
    return (OSError, ValueError, RuntimeError, *_TIMEOUTS, DBusErrorResponse, RouterClosed)


def _open_connection(address: str, timeout: float) -> Any:
    from jeepney.io.threading import open_dbus_connection

    try:
        return open_dbus_connection(bus=address, auth_timeout=timeout)
    except _connect_errors() as error:
        raise _BusLost(
            f"Could not connect to the session D-Bus at {address}: {error or type(error).__name__}."
        ) from error


def close_connection(conn: Any) -> None:
    """Close a jeepney threading connection, and the pipe jeepney leaves open."""
    with contextlib.suppress(OSError):
        conn.close()
    # jeepney's threading DBusConnection.close() leaves its interrupt pipe open:
    # two file descriptors lost per reconnect in a daemon that runs for months.
    for fd in (getattr(conn, "_stop_r", None), getattr(conn, "_stop_w", None)):
        if isinstance(fd, int):
            with contextlib.suppress(OSError):
                os.close(fd)


def _escape_markup(text: str) -> str:
    """Plain text as the spec's body markup (a small XML subset); html.escape
    would import html.entities, half a MiB kept for the daemon's life."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _server_call(method: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> Any:
    from jeepney import DBusAddress, new_method_call

    server = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
    return new_method_call(server, method, signature, body)


def _match_rules() -> list[Any]:
    from jeepney import MatchRule

    server_signals = MatchRule(type="signal", interface=INTERFACE, path=OBJECT_PATH)
    owner_changes = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
        path="/org/freedesktop/DBus",
    )
    owner_changes.add_arg_condition(0, BUS_NAME)
    return [server_signals, owner_changes]


class _Link:
    """One connection to the session bus, with its receiver and signal threads."""

    def __init__(self, conn: Any, on_signal: Callable[[Any], None]) -> None:
        self.conn = conn
        self.signals: SimpleQueue[Any] = SimpleQueue()
        self.stopped = threading.Event()
        self._closed = False
        self.router = _quiet_router_class()(conn, self._receiver_ended)
        self._thread = threading.Thread(
            target=self._deliver, args=(on_signal,), name="reminder-notify-signals", daemon=True
        )
        self._thread.start()

    def _receiver_ended(self) -> None:
        self.stopped.set()
        self.signals.put(None)

    def _deliver(self, on_signal: Callable[[Any], None]) -> None:
        # Blocks without a timeout: no periodic wakeups while idle.
        while (message := self.signals.get()) is not None:
            on_signal(message)

    def close(self, join_timeout: float) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.router.close()
        close_connection(self.conn)
        self.signals.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(join_timeout)


class FreedesktopNotifier(Notifier):
    """Notifications through org.freedesktop.Notifications, updated in place per tag."""

    name = "freedesktop"

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        log: EventLogger | None = None,
        call_timeout: float = CALL_TIMEOUT,
    ) -> None:
        self._environ = environ  # None: os.environ as it is when connecting
        self._log = log
        self._call_timeout = call_timeout
        # One conversation with the bus at a time; guards _link and _shut_down.
        self._call_lock = threading.Lock()
        # Guards the fields below; never held across a D-Bus call, since the
        # signal thread takes it.
        self._state_lock = threading.Lock()
        self._link: _Link | None = None
        self._shut_down = False
        self._owner: str | None = None  # the server's unique bus name
        self._capabilities: frozenset[str] | None = None
        # The link on which GetCapabilities went unanswered: not asked again
        # on it (a hung server cost every step the call timeout) until the
        # server answers something else.
        self._unanswered_on: _Link | None = None
        self._ids: dict[str, int] = {}  # tag -> the server's notification id
        self._handler: ActionHandler | None = None

    # -- the Notifier protocol -------------------------------------------------

    def supports_actions(self) -> bool:
        with self._call_lock:
            try:
                link = self._ensure_link()
                if self._unanswered_on is link:
                    return False
                capabilities = self._ensure_capabilities(link)
            except NotifierError:
                return False
        return "actions" in capabilities

    def show(self, tag: str, message: Message) -> None:
        with self._call_lock:
            link = self._ensure_link()
            capabilities: frozenset[str]
            if self._unanswered_on is link:
                capabilities = frozenset()  # plain text, no buttons, until it answers again
            else:
                capabilities = self._ensure_capabilities(link)
            with self._state_lock:
                replaces_id = self._ids.get(tag, 0)
            reply = self._call(
                link, self._notify_call(replaces_id, message, capabilities), what="Notify"
            )
            self._unanswered_on = None  # it answers: ask it again next time
            try:
                (notification_id,) = reply.body
                notification_id = int(notification_id)
            except (TypeError, ValueError) as error:
                raise _ErrorReply(
                    f"The notification server answered Notify with {reply.body!r}, not an id."
                ) from error
            sender = _sender(reply)
            with self._state_lock:
                if sender != self._owner:
                    # The server was replaced after we last asked it anything (its
                    # NameOwnerChanged is still on its way): what we knew was the old one's.
                    self._forget_server()
                    self._owner = sender
                for other in [t for t, i in self._ids.items() if i == notification_id]:
                    del self._ids[other]
                self._ids[tag] = notification_id

    def close(self, tag: str) -> None:
        with self._call_lock:
            with self._state_lock:
                notification_id = self._ids.pop(tag, None)
            link = self._link
            if notification_id is None or link is None or link.stopped.is_set():
                return
            with contextlib.suppress(_ServerGone, _ErrorReply, _BusLost):
                # An error reply means the notification no longer exists (the
                # spec's answer to closing an unknown id); a gone server or bus
                # took it along.
                self._call(
                    link,
                    _server_call("CloseNotification", "u", (notification_id,)),
                    what="CloseNotification",
                )

    def set_action_handler(self, handler: ActionHandler) -> None:
        with self._state_lock:
            self._handler = handler

    def shutdown(self) -> None:
        with self._call_lock:
            self._shut_down = True
            link, self._link = self._link, None
            with self._state_lock:
                self._forget_server()
        if link is not None:
            link.close(self._call_timeout)

    # -- connection ------------------------------------------------------------

    def _ensure_link(self) -> _Link:
        if self._shut_down:
            raise NotifierError("The freedesktop notifier was shut down.")
        link = self._link
        if link is not None and not link.stopped.is_set():
            return link
        if link is not None:
            self._drop_link(link)
        environ = os.environ if self._environ is None else self._environ
        address = session_bus_address(environ)
        if address is None:
            raise _BusLost(
                "There is no session D-Bus: DBUS_SESSION_BUS_ADDRESS is not set "
                "and $XDG_RUNTIME_DIR/bus does not exist."
            )
        link = _Link(_open_connection(address, self._call_timeout), self._on_signal)
        try:
            from jeepney.bus_messages import message_bus

            for rule in _match_rules():
                link.router.filter(rule, queue=link.signals)
                self._call(link, message_bus.AddMatch(rule), what="AddMatch")
        except NotifierError:
            link.close(self._call_timeout)
            raise
        self._link = link
        return link

    def _drop_link(self, link: _Link) -> None:
        if self._link is link:
            self._link = None
        with self._state_lock:
            self._forget_server()
        link.close(self._call_timeout)

    def _forget_server(self) -> None:
        """Drop what belonged to the server we knew (caller holds _state_lock)."""
        self._owner = None
        self._capabilities = None
        self._ids.clear()

    def _ensure_capabilities(self, link: _Link) -> frozenset[str]:
        with self._state_lock:
            if self._capabilities is not None:
                return self._capabilities
        try:
            reply = self._call(link, _server_call("GetCapabilities"), what="GetCapabilities")
        except NotifierError as error:
            if isinstance(error.__cause__, _TIMEOUTS):
                self._unanswered_on = link
            raise
        capabilities = frozenset(str(c) for c in reply.body[0]) if reply.body else frozenset()
        sender = _sender(reply)
        with self._state_lock:
            if sender != self._owner:
                self._forget_server()
            self._owner = sender
            self._capabilities = capabilities
        return capabilities

    def _call(self, link: _Link, call: Any, *, what: str) -> Any:
        from jeepney import HeaderFields, MessageType
        from jeepney.io.common import RouterClosed

        try:
            reply = link.router.send_and_get_reply(call, timeout=self._call_timeout)
        except _TIMEOUTS as error:  # before OSError: TimeoutError is one
            raise NotifierError(
                f"The notification server did not answer {what} within {self._call_timeout:g} s."
            ) from error
        except (RouterClosed, OSError) as error:
            self._drop_link(link)
            raise _BusLost(
                f"Lost the connection to the session D-Bus ({error or type(error).__name__}); "
                "the next notification reconnects."
            ) from error
        except (ValueError, TypeError) as error:  # the message could not be encoded
            raise NotifierError(f"Could not send {what} over D-Bus: {error}.") from error
        if reply.header.message_type != MessageType.error:
            return reply
        error_name = str(reply.header.fields.get(HeaderFields.error_name, ""))
        detail = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        if error_name in _SERVER_GONE or error_name.startswith(_SPAWN_FAILED):
            with self._state_lock:
                self._forget_server()
            raise _ServerGone(
                f"No notification server is running on the session D-Bus ({error_name})."
            )
        raise _ErrorReply(
            f"The notification server refused {what}: {error_name}"
            + (f": {detail}" if detail else "")
            + "."
        )

    # -- messages and signals --------------------------------------------------

    def _notify_call(self, replaces_id: int, message: Message, capabilities: frozenset[str]) -> Any:
        actions = (
            [part for pair in message.actions for part in pair] if "actions" in capabilities else []
        )
        body = _escape_markup(message.body) if "body-markup" in capabilities else message.body
        hints: dict[str, tuple[str, Any]] = {"urgency": ("y", _URGENCY[message.urgency])}
        if message.suppress_sound:
            hints["suppress-sound"] = ("b", True)
        if message.progress is not None:
            hints["value"] = ("i", message.progress)
        return _server_call(
            "Notify",
            "susssasa{sv}i",
            (
                APP_NAME,
                replaces_id,
                "",  # no icon
                message.summary,
                body,
                actions,
                hints,
                expire_timeout_ms(message.timeout),
            ),
        )

    def _on_signal(self, signal: Any) -> None:
        """On the signal thread, in the order the bus delivered them."""
        from jeepney import HeaderFields

        member = signal.header.fields.get(HeaderFields.member)
        try:
            if member == "NameOwnerChanged":
                name, old_owner, _new_owner = signal.body
                with self._state_lock:
                    if name == BUS_NAME and old_owner and old_owner == self._owner:
                        self._forget_server()
                return
            if member not in ("ActionInvoked", "NotificationClosed"):
                return
            notification_id, detail = signal.body[0], signal.body[1]
        except (ValueError, TypeError, IndexError):
            return  # not the signal the spec describes: ignore it
        with self._state_lock:
            if self._owner is None or _sender(signal) != self._owner:
                return
            tag = next((t for t, i in self._ids.items() if i == notification_id), None)
            if tag is None:
                return
            if member == "NotificationClosed":
                # Closed (expired, dismissed): the next show makes a new one.
                del self._ids[tag]
                return
            handler = self._handler
        key = str(detail)
        if handler is None or key not in ACTION_KEYS:
            return  # e.g. "default" (a click on the body), which we never offer
        try:
            handler(tag, key)
        except Exception as error:  # noqa: BLE001 - the signal thread must live on
            self._report_handler_error(tag, key, error)

    def _report_handler_error(self, tag: str, key: str, error: Exception) -> None:
        text = f"{type(error).__name__}: {error}"
        fields: dict[str, object] = {
            "message": f"The {key!r} button on notification {tag!r} failed: {text}.",
            "backend": self.name,
            "error": text,
            "tag": tag,
            "action": key,
        }
        if self._log is not None:
            self._log("notify-error", fields)
        else:
            sys.stderr.write(f"reminder: {fields['message']}\n")


def _sender(message: Any) -> str | None:
    from jeepney import HeaderFields

    sender = message.header.fields.get(HeaderFields.sender)
    return str(sender) if sender is not None else None


def probe(environ: Mapping[str, str] | None = None, *, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a notification server answers GetServerInformation within ``timeout``."""
    address = session_bus_address(os.environ if environ is None else environ)
    if address is None:
        return False
    try:
        conn = _open_connection(address, timeout)
    except NotifierError:
        return False
    from jeepney import MessageType
    from jeepney.io.common import RouterClosed

    stopped = threading.Event()
    try:
        router = _quiet_router_class()(conn, stopped.set)
        try:
            reply = router.send_and_get_reply(_server_call("GetServerInformation"), timeout=timeout)
        finally:
            router.close()
    except (*_TIMEOUTS, RouterClosed, OSError, ValueError):
        return False
    finally:
        close_connection(conn)
    return bool(reply.header.message_type == MessageType.method_return)
