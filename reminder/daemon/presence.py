"""Is the user at the desk, and willing to be interrupted?

The daemon holds a due session while the user is away (screen locked, or
idle) or has paused notifications (do not disturb), and starts it when they
are back. What it listens to, each source optional:

==================  ====================================================  ============
source              what                                                  how
==================  ====================================================  ============
logind              the user's session: LockedHint, IdleHint              signal
                    (system bus; set by screen lockers and GNOME)
screensaver         org.freedesktop.ScreenSaver (KDE, xfce4-screensaver,  signal
                    others) and org.gnome.ScreenSaver: GetActive /
                    ActiveChanged — counted as "locked"
dunst               org.dunstproject.cmd0 ``paused`` (``dunstctl          signal
                    set-paused``); dunst emits PropertiesChanged for it
kde-notifications   org.freedesktop.Notifications ``Inhibited`` (Plasma's  signal
                    do not disturb)
gnome-banners       GSettings org.gnome.desktop.notifications             refresh()
                    show-banners = false (GNOME's do not disturb), read
                    with ``gsettings`` only when XDG_CURRENT_DESKTOP is
                    GNOME
==================  ====================================================  ============

"signal": kept current by D-Bus signals, so :meth:`PresenceWatcher.current`
is up to date; "refresh()": read only by :meth:`PresenceWatcher.refresh`,
which the daemon calls once when a session is due (it also re-reads every
other source and connects to buses and logind sessions that were missing at
start). Nothing polls: between events every thread is blocked reading a bus
socket, so an idle daemon has no wake-ups.

Not supported: X11 XScreenSaver idle time (it has no change signal; it would
need polling), GNOME's org.gnome.Mutter.IdleMonitor watches, xfce4-notifyd's
do-not-disturb (an xfconf property), mako's modes and swaync's DND (no D-Bus
property we could read). logind computes IdleHint for text-console sessions
on read, without a signal; graphical desktops that do not call SetIdleHint
(most besides GNOME) never report idle there.

Finding the user's logind session: a daemon started by ``systemd --user`` is
in no session, so GetSessionByPID fails for it. The order is
$XDG_SESSION_ID, then the user's "display" session (the User object's Display
property), then GetSession("auto"), then GetSessionByPID.

Threads: one jeepney receiver thread per bus, blocked on its socket; a
short-lived thread re-reads a source when its bus name gets a new owner (a
call cannot be made from the receiver thread, which must read the reply).
``on_change`` is called from those threads, and from the thread calling
start() or refresh(), one call at a time and in order; it must return soon
and must not call refresh() (that would wait on the thread delivering it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reminder.notify.freedesktop import close_connection, session_bus_address

CALL_TIMEOUT = 2.0
"""Seconds any one D-Bus call (or gsettings) may take: start() must not hang."""
REFRESH_WAIT = 1.0
"""Seconds refresh() waits in all: a hung notification server must not hold a
due session for two call timeouts; a late answer comes in as a change."""
SYSTEM_BUS_DEFAULT = "unix:path=/var/run/dbus/system_bus_socket"

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
LOGIND_SESSION = "org.freedesktop.login1.Session"
LOGIND_USER = "org.freedesktop.login1.User"
PROPERTIES = "org.freedesktop.DBus.Properties"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DUNST = "org.dunstproject.cmd0"
SCREENSAVERS = {
    # bus name and interface -> an object path that has GetActive
    "org.freedesktop.ScreenSaver": "/org/freedesktop/ScreenSaver",
    "org.gnome.ScreenSaver": "/org/gnome/ScreenSaver",
}
_SCREENSAVER_SOURCE = {
    "org.freedesktop.ScreenSaver": "screensaver",
    "org.gnome.ScreenSaver": "gnome-screensaver",
}


@dataclass(frozen=True)
class Presence:
    away: bool
    """The screen is locked or the user is idle."""
    dnd: bool
    """Notifications are paused (do not disturb)."""
    why: str | None
    """"locked", "idle" or "dnd": the first that applies, for the log and history."""


NOT_AWAY = Presence(away=False, dnd=False, why=None)


class _Unavailable(Exception):
    """A source or bus did not answer (absent, an error reply, a timeout)."""


def _call_errors() -> tuple[type[BaseException], ...]:
    import concurrent.futures

    from jeepney.io.common import RouterClosed
    from jeepney.wrappers import DBusErrorResponse

    return (
        OSError,
        ValueError,
        RuntimeError,
        TimeoutError,
        concurrent.futures.TimeoutError,
        DBusErrorResponse,
        RouterClosed,
    )


class _Link:
    """One bus connection with jeepney's receiver thread."""

    def __init__(self, address: str, on_stop: Callable[[_Link], None]) -> None:
        from jeepney.io.threading import open_dbus_connection

        from reminder.notify.freedesktop import quiet_router

        try:
            self.conn = open_dbus_connection(bus=address, auth_timeout=CALL_TIMEOUT)
        except _call_errors() as error:
            raise _Unavailable(str(error)) from error
        self.closed = False
        self.router = quiet_router(self.conn, lambda: on_stop(self))

    def call(
        self,
        destination: str,
        path: str,
        interface: str,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        """A method call's reply body; never starts a service that is not running."""
        from jeepney import DBusAddress, MessageFlag, new_method_call
        from jeepney.wrappers import unwrap_msg

        message = new_method_call(
            DBusAddress(path, bus_name=destination, interface=interface), method, signature, body
        )
        message.header.flags |= MessageFlag.no_auto_start
        try:
            reply = self.router.send_and_get_reply(message, timeout=CALL_TIMEOUT)
            return tuple(unwrap_msg(reply))
        except _call_errors() as error:
            raise _Unavailable(f"{destination} {method}: {error}") from error

    def get_bool(self, destination: str, path: str, interface: str, name: str) -> bool:
        (variant,) = self.call(destination, path, PROPERTIES, "Get", "ss", (interface, name))
        signature, value = variant
        if signature != "b":
            raise _Unavailable(f"{interface}.{name} is {signature!r}, not a boolean")
        return bool(value)

    def listen(self, rule: Any, handler: Callable[[Any], None]) -> None:
        """Deliver signals matching ``rule`` to ``handler`` in the receiver thread."""
        from jeepney.bus_messages import message_bus
        from jeepney.wrappers import unwrap_msg

        self.router.filter(rule, queue=_Callback(handler))
        try:
            unwrap_msg(
                self.router.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT)
            )
        except _call_errors() as error:
            raise _Unavailable(f"AddMatch: {error}") from error

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            self.router.close()
        close_connection(self.conn)


class _Callback:
    """A queue-like sink for jeepney's router filters: calls a function."""

    def __init__(self, function: Callable[[Any], None]) -> None:
        self._function = function

    def put_nowait(self, item: Any) -> None:
        self._function(item)


def _changed_bool(message: Any, name: str) -> bool | str | None:
    """From a PropertiesChanged body: the new value of ``name``, "invalidated", or None."""
    try:
        _interface, changed, invalidated = message.body
    except (TypeError, ValueError):
        return None
    if name in changed:
        signature, value = changed[name]
        return bool(value) if signature == "b" else None
    if name in invalidated:
        return "invalidated"
    return None


class PresenceWatcher:
    """Tells ``on_change`` whenever the user's :class:`Presence` changes.

    ``environ`` (default: os.environ at start) supplies the bus addresses,
    XDG_SESSION_ID, XDG_CURRENT_DESKTOP and what ``gsettings`` runs with.
    """

    def __init__(
        self, on_change: Callable[[Presence], None], *, environ: Mapping[str, str] | None = None
    ) -> None:
        self._on_change = on_change
        self._environ = environ
        # Guards the fields below; never held across a D-Bus call or on_change.
        self._lock = threading.Lock()
        # Serialises notifications, so on_change sees changes in order.
        self._notify_lock = threading.Lock()
        self._flags: dict[str, bool] = {}  # source key -> away/dnd flag
        self._system: _Link | None = None
        self._session: _Link | None = None
        self._session_path: str | None = None
        self._last = NOT_AWAY
        self._stopped = False
        self._reading: threading.Event | None = None
        """Set when the refresh reading now (in a thread of its own) is done."""

    # -- the public interface ------------------------------------------------

    def start(self) -> list[str]:
        """Connect to what is there; the names of the sources listened to. Never raises."""
        # Presence is a nicety: no source may stop the daemon.
        with contextlib.suppress(Exception):
            self._connect_system()
        with contextlib.suppress(Exception):
            self._connect_session()
        with contextlib.suppress(Exception):
            self._read_gnome()
        self._publish()
        return self.sources()

    def current(self) -> Presence:
        """The latest known presence (no I/O)."""
        with self._lock:
            return self._presence()

    def refresh(self) -> Presence:
        """Re-read every source now; call when a session is due. Waits at most
        REFRESH_WAIT for the answers: what comes later is a change (on_change).

        Connects to buses and the logind session if they were missing, and
        reads GNOME's show-banners, which has no signal.
        """
        with self._lock:
            reading = self._reading
            if reading is None or reading.is_set():  # else: still reading, wait for that
                reading = self._reading = threading.Event()
                self._in_thread(self._read_everything, done=reading)
        reading.wait(REFRESH_WAIT)
        return self._publish()

    def _read_everything(self) -> None:
        with contextlib.suppress(Exception):
            self._connect_system()
            self._read_logind()
        with contextlib.suppress(Exception):
            self._connect_session()
            link = self._session
            if link is not None:
                for name in (*SCREENSAVERS, NOTIFICATIONS):
                    self._read_session_name(link, name)
        with contextlib.suppress(Exception):
            self._read_gnome()

    def sources(self) -> list[str]:
        """The sources currently answering, e.g. ["logind", "dunst"]."""
        with self._lock:
            keys = set(self._flags)
        names = []
        if {"logind-locked", "logind-idle"} & keys:
            names.append("logind")
        names += [_SCREENSAVER_SOURCE[name] for name in SCREENSAVERS if name in keys]
        names += [name for name in ("dunst", "kde-notifications", "gnome-banners") if name in keys]
        return names

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            links = [self._system, self._session]
            self._system = self._session = None
        for link in links:
            if link is not None:
                link.close()

    # -- state -------------------------------------------------------------------

    def _presence(self) -> Presence:
        flags = self._flags
        locked = flags.get("logind-locked", False) or any(flags.get(n, False) for n in SCREENSAVERS)
        idle = flags.get("logind-idle", False)
        dnd = any(flags.get(n, False) for n in ("dunst", "kde-notifications", "gnome-banners"))
        why = "locked" if locked else "idle" if idle else "dnd" if dnd else None
        return Presence(away=locked or idle, dnd=dnd, why=why)

    def _set(self, values: Mapping[str, bool | None]) -> None:
        """Record flags (None: the source is gone) and tell on_change if that changed anything."""
        with self._lock:
            for key, value in values.items():
                if value is None:
                    self._flags.pop(key, None)
                else:
                    self._flags[key] = value
        self._publish()

    def _publish(self) -> Presence:
        with self._notify_lock:
            with self._lock:
                presence = self._presence()
                changed = presence != self._last and not self._stopped
                self._last = presence
            if changed:
                self._on_change(presence)
        return presence

    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def _link_stopped(self, link: _Link) -> None:
        """A bus went away: forget what it told us (the next refresh reconnects)."""
        with self._lock:
            if self._system is link:
                self._system = None
                self._session_path = None
                keys: Iterable[str] = ("logind-locked", "logind-idle")
            elif self._session is link:
                self._session = None
                keys = (*SCREENSAVERS, "dunst", "kde-notifications")
            else:
                return
        link.close()
        self._set(dict.fromkeys(keys))

    # -- logind (system bus) -----------------------------------------------------

    def _connect_system(self) -> None:
        with self._lock:
            if self._stopped or self._system is not None:
                return
        address = self._env().get("DBUS_SYSTEM_BUS_ADDRESS", "").strip() or SYSTEM_BUS_DEFAULT
        link = _Link(address, self._link_stopped)
        with self._lock:
            if self._stopped or self._system is not None:
                link.close()
                return
            self._system = link
        self._find_logind_session(link)

    def _find_logind_session(self, link: _Link) -> None:
        from jeepney import MatchRule

        for path in self._session_candidates(link):
            try:
                self._read_session_hints(link, path)
            except _Unavailable:
                continue
            rule = MatchRule(
                type="signal", interface=PROPERTIES, member="PropertiesChanged", path=path
            )
            rule.add_arg_condition(0, LOGIND_SESSION)
            try:
                link.listen(rule, functools.partial(self._logind_changed, path))
                # Again: a change between the first read and AddMatch would be lost.
                hints = self._read_session_hints(link, path)
            except _Unavailable:
                continue
            with self._lock:
                self._session_path = path
            self._set(hints)
            return

    def _session_candidates(self, link: _Link) -> Iterable[str]:
        def manager(method: str, signature: str, value: object) -> str:
            return str(
                link.call(LOGIND, LOGIND_PATH, LOGIND_MANAGER, method, signature, (value,))[0]
            )

        session_id = self._env().get("XDG_SESSION_ID", "").strip()
        if session_id:
            with contextlib.suppress(_Unavailable):
                yield manager("GetSession", "s", session_id)
        display = self._display_session(link, "/org/freedesktop/login1/user/self")
        if display is None:
            with contextlib.suppress(_Unavailable):
                display = self._display_session(link, manager("GetUser", "u", os.getuid()))
        if display is not None:
            yield display
        with contextlib.suppress(_Unavailable):
            yield manager("GetSession", "s", "auto")
        with contextlib.suppress(_Unavailable):
            yield manager("GetSessionByPID", "u", os.getpid())

    @staticmethod
    def _display_session(link: _Link, user: str) -> str | None:
        """The path of the user's graphical session, from their User object."""
        try:
            (variant,) = link.call(LOGIND, user, PROPERTIES, "Get", "ss", (LOGIND_USER, "Display"))
            _display_id, path = variant[1]
        except (_Unavailable, ValueError, TypeError, IndexError):
            return None
        return str(path) if path and path != "/" else None

    @staticmethod
    def _read_session_hints(link: _Link, path: str) -> dict[str, bool | None]:
        return {
            "logind-locked": link.get_bool(LOGIND, path, LOGIND_SESSION, "LockedHint"),
            "logind-idle": link.get_bool(LOGIND, path, LOGIND_SESSION, "IdleHint"),
        }

    def _read_logind(self) -> None:
        with self._lock:
            link, path = self._system, self._session_path
        if link is None:
            return
        if path is None:
            self._find_logind_session(link)
            return
        try:
            hints = self._read_session_hints(link, path)
        except _Unavailable:
            # The session has ended: look for the user's current one.
            with self._lock:
                if self._session_path == path:
                    self._session_path = None
            self._set(dict.fromkeys(("logind-locked", "logind-idle")))
            self._find_logind_session(link)
            return
        self._set(hints)

    def _logind_changed(self, path: str, message: Any) -> None:
        with self._lock:
            if path != self._session_path:
                return  # a session we looked at and gave up on
        values: dict[str, bool | None] = {}
        reread = False
        for key, name in (("logind-locked", "LockedHint"), ("logind-idle", "IdleHint")):
            value = _changed_bool(message, name)
            if isinstance(value, bool):
                values[key] = value
            elif value == "invalidated":
                reread = True
        if values:
            self._set(values)
        if reread:
            self._in_thread(self._read_logind)

    # -- the session bus -----------------------------------------------------------

    def _connect_session(self) -> None:
        from jeepney import MatchRule

        with self._lock:
            if self._stopped or self._session is not None:
                return
        address = session_bus_address(self._env())
        if address is None:
            return
        link = _Link(address, self._link_stopped)
        with self._lock:
            if self._stopped or self._session is not None:
                link.close()
                return
            self._session = link
        try:
            notifications = MatchRule(
                type="signal",
                interface=PROPERTIES,
                member="PropertiesChanged",
                path=NOTIFICATIONS_PATH,
            )
            link.listen(notifications, self._notifications_changed)
            for name in SCREENSAVERS:
                rule = MatchRule(type="signal", interface=name, member="ActiveChanged")
                link.listen(rule, functools.partial(self._screensaver_changed, name))
            for name in (*SCREENSAVERS, NOTIFICATIONS):
                owner = MatchRule(
                    type="signal",
                    sender="org.freedesktop.DBus",
                    interface="org.freedesktop.DBus",
                    member="NameOwnerChanged",
                    path="/org/freedesktop/DBus",
                )
                owner.add_arg_condition(0, name)
                link.listen(owner, functools.partial(self._owner_changed, link))
        except _Unavailable:
            self._link_stopped(link)
            return
        for name in (*SCREENSAVERS, NOTIFICATIONS):
            self._read_session_name(link, name)

    def _read_session_name(self, link: _Link, name: str) -> None:
        """Read what the owner of ``name`` says now; forget it if there is none."""
        values: dict[str, bool | None]
        if name in SCREENSAVERS:
            try:
                (active,) = link.call(name, SCREENSAVERS[name], name, "GetActive")
                values = {name: bool(active)}
            except (_Unavailable, ValueError):
                values = {name: None}
        else:
            values = {}
            for key, interface, prop in (
                ("dunst", DUNST, "paused"),
                ("kde-notifications", NOTIFICATIONS, "Inhibited"),
            ):
                try:
                    values[key] = link.get_bool(NOTIFICATIONS, NOTIFICATIONS_PATH, interface, prop)
                except (_Unavailable, ValueError):
                    values[key] = None
        self._set(values)

    def _notifications_changed(self, message: Any) -> None:
        interface = str(message.body[0]) if message.body else ""
        known = {DUNST: ("dunst", "paused"), NOTIFICATIONS: ("kde-notifications", "Inhibited")}
        if interface not in known:
            return
        key, name = known[interface]
        value = _changed_bool(message, name)
        if isinstance(value, bool):
            self._set({key: value})
        elif value == "invalidated":
            link = self._session
            if link is not None:
                self._in_thread(lambda: self._read_session_name(link, NOTIFICATIONS))

    def _screensaver_changed(self, name: str, message: Any) -> None:
        if message.body:
            self._set({name: bool(message.body[0])})

    def _owner_changed(self, link: _Link, message: Any) -> None:
        name, _old, new = message.body
        if new:
            self._in_thread(lambda: self._read_session_name(link, name))
        elif name in SCREENSAVERS:
            self._set({name: None})
        else:
            self._set({"dunst": None, "kde-notifications": None})

    # -- GNOME ---------------------------------------------------------------------

    def _read_gnome(self) -> None:
        environ = self._env()
        if "GNOME" not in environ.get("XDG_CURRENT_DESKTOP", "").upper().split(":"):
            return
        gsettings = shutil.which("gsettings", path=environ.get("PATH"))
        if gsettings is None:
            return
        try:
            result = subprocess.run(
                [gsettings, "get", "org.gnome.desktop.notifications", "show-banners"],
                env=dict(environ),
                capture_output=True,
                text=True,
                timeout=CALL_TIMEOUT,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            self._set({"gnome-banners": None})
            return
        banners = result.stdout.strip()
        self._set({"gnome-banners": banners == "false" if banners in {"true", "false"} else None})

    # -- helpers -------------------------------------------------------------------

    def _in_thread(self, work: Callable[[], None], done: threading.Event | None = None) -> None:
        """Run ``work`` (D-Bus calls) off the receiver thread, which must read
        their replies; ``done`` is set when it has finished."""

        def run() -> None:
            with contextlib.suppress(Exception):
                work()
            if done is not None:
                done.set()

        threading.Thread(target=run, name="reminder-presence-read", daemon=True).start()
