"""The daemon knows when the user is away or in do not disturb, from real
desktop components: dbusmock's logind on a private system bus, screen savers,
dunst under Xvfb, a Plasma-like notification server and GNOME's setting."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.desktop import (
    SYSTEM_PYTHON,
    Dunst,
    MockServer,
    SessionBus,
    require,
    stop_process,
)

from reminder.daemon.presence import Presence, PresenceWatcher

WAIT = 10.0
MOCK = "org.freedesktop.DBus.Mock"
LOGIND = "org.freedesktop.login1"
SESSION = "org.freedesktop.login1.Session"
NOT_AWAY = Presence(away=False, dnd=False, why=None)


class Changes:
    """What on_change was told, waited on with a timeout."""

    def __init__(self) -> None:
        self.seen: list[Presence] = []
        self._changed = threading.Condition()

    def __call__(self, presence: Presence) -> None:
        with self._changed:
            self.seen.append(presence)
            self._changed.notify_all()

    def wait_for(self, expected: Presence) -> None:
        with self._changed:
            arrived = self._changed.wait_for(lambda: self.seen[-1:] == [expected], WAIT)
        assert arrived, f"on_change was not told {expected} within {WAIT:g} s: {self.seen}"


def call(
    bus: SessionBus,
    destination: str,
    path: str,
    interface: str,
    method: str,
    signature: str | None = None,
    body: tuple[Any, ...] = (),
) -> Any:
    from jeepney import DBusAddress, new_method_call

    address = DBusAddress(path, bus_name=destination, interface=interface)
    return bus.call(new_method_call(address, method, signature, body))


def start_dbusmock(bus: SessionBus, *args: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [SYSTEM_PYTHON, "-m", "dbusmock", *args],
            env=bus.env(DBUS_SYSTEM_BUS_ADDRESS=bus.address),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    bus.wait_for_name(name, owned=True)
    return process


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def no_bus(tmp_path: Path) -> dict[str, str]:
    """An environment with neither a system nor a session bus."""
    return {
        "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-system-bus",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture
def start_watcher(changes: Changes) -> Iterator[Callable[[dict[str, str]], PresenceWatcher]]:
    watchers: list[PresenceWatcher] = []

    def start(environ: dict[str, str]) -> PresenceWatcher:
        watcher = PresenceWatcher(changes, environ=environ)
        watchers.append(watcher)
        return watcher

    yield start
    for watcher in watchers:
        watcher.stop()


@pytest.fixture
def system_bus(dbusmock_installed: None) -> Iterator[SessionBus]:
    """A private bus standing in for the system bus."""
    bus = SessionBus(Path(tempfile.mkdtemp(prefix="reminder-system-")))
    bus.start()
    yield bus
    bus.stop()
    shutil.rmtree(bus.runtime_dir, ignore_errors=True)


@pytest.fixture
def logind(system_bus: SessionBus, tmp_path: Path) -> Iterator[str]:
    """dbusmock's logind with one active session, "c1"; yields the session's path."""
    process = start_dbusmock(
        system_bus, "--system", "--template", "logind", name=LOGIND, log=tmp_path / "logind.log"
    )
    try:
        (path,) = call(
            system_bus,
            LOGIND,
            "/org/freedesktop/login1",
            MOCK,
            "AddSession",
            "ssusb",
            ("c1", "seat0", os.getuid(), "user", True),
        )
        yield str(path)
    finally:
        stop_process(process)


@pytest.mark.parametrize("found_by", ["XDG_SESSION_ID", "the user's display session"])
def test_a_locked_or_idle_logind_session_is_away_until_the_user_is_back(
    found_by: str,
    system_bus: SessionBus,
    logind: str,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
) -> None:
    environ = {**no_bus, "DBUS_SYSTEM_BUS_ADDRESS": system_bus.address}
    if found_by == "XDG_SESSION_ID":
        environ["XDG_SESSION_ID"] = "c1"
    else:
        # How a daemon started by systemd --user (in no session) finds the desktop's.
        # The template's GetUser adds a number to a string (dbusmock 0.28.7): mend it.
        mended = 'ret = "/org/freedesktop/login1/user/%d" % args[0]'
        manager = "org.freedesktop.login1.Manager"
        call(
            system_bus,
            LOGIND,
            "/org/freedesktop/login1",
            MOCK,
            "AddMethod",
            "sssss",
            (manager, "GetUser", "u", "o", mended),
        )
        call(
            system_bus,
            LOGIND,
            f"/org/freedesktop/login1/user/{os.getuid()}",
            "org.freedesktop.DBus.Properties",
            "Set",
            "ssv",
            ("org.freedesktop.login1.User", "Display", ("(so)", ("c1", logind))),
        )
    watcher = start_watcher(environ)
    assert watcher.start() == ["logind"]
    assert watcher.current() == NOT_AWAY

    # What a screen locker does.
    call(system_bus, LOGIND, logind, SESSION, "SetLockedHint", "b", (True,))
    changes.wait_for(Presence(away=True, dnd=False, why="locked"))
    assert watcher.current().why == "locked"
    call(system_bus, LOGIND, logind, SESSION, "SetLockedHint", "b", (False,))
    changes.wait_for(NOT_AWAY)

    # What logind does when the desktop reports the user idle.
    idle = ("b", True)
    call(
        system_bus,
        LOGIND,
        logind,
        MOCK,
        "UpdateProperties",
        "sa{sv}",
        (SESSION, {"IdleHint": idle}),
    )
    changes.wait_for(Presence(away=True, dnd=False, why="idle"))
    assert watcher.refresh() == Presence(away=True, dnd=False, why="idle")
    back = ("b", False)
    call(
        system_bus,
        LOGIND,
        logind,
        MOCK,
        "UpdateProperties",
        "sa{sv}",
        (SESSION, {"IdleHint": back}),
    )
    changes.wait_for(NOT_AWAY)


def test_a_session_locked_before_the_daemon_started_is_away_at_once(
    system_bus: SessionBus,
    logind: str,
    no_bus: dict[str, str],
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
) -> None:
    call(system_bus, LOGIND, logind, SESSION, "SetLockedHint", "b", (True,))
    watcher = start_watcher(
        {**no_bus, "DBUS_SYSTEM_BUS_ADDRESS": system_bus.address, "XDG_SESSION_ID": "c1"}
    )
    assert watcher.start() == ["logind"]
    assert watcher.current() == Presence(away=True, dnd=False, why="locked")


def test_pausing_dunst_is_do_not_disturb_until_it_is_resumed(
    dunst: Dunst,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
) -> None:
    watcher = start_watcher({**no_bus, "DBUS_SESSION_BUS_ADDRESS": dunst.bus.address})
    assert watcher.start() == ["dunst"]
    assert watcher.current() == NOT_AWAY
    dunstctl = require("dunstctl", "dunst")

    subprocess.run([dunstctl, "set-paused", "true"], env=dunst.bus.env(), check=True, timeout=WAIT)
    changes.wait_for(Presence(away=False, dnd=True, why="dnd"))
    assert watcher.refresh() == Presence(away=False, dnd=True, why="dnd")

    subprocess.run([dunstctl, "set-paused", "false"], env=dunst.bus.env(), check=True, timeout=WAIT)
    changes.wait_for(NOT_AWAY)


def test_when_dunst_quits_its_pause_no_longer_counts(
    dunst: Dunst,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
) -> None:
    watcher = start_watcher({**no_bus, "DBUS_SESSION_BUS_ADDRESS": dunst.bus.address})
    watcher.start()
    dunstctl = require("dunstctl", "dunst")
    subprocess.run([dunstctl, "set-paused", "true"], env=dunst.bus.env(), check=True, timeout=WAIT)
    changes.wait_for(Presence(away=False, dnd=True, why="dnd"))
    stop_process(dunst.process)
    changes.wait_for(NOT_AWAY)
    assert watcher.sources() == []


def test_plasma_do_not_disturb_is_heard_from_the_inhibited_property(
    start_mock: Callable[[str], MockServer],
    session_bus: SessionBus,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
) -> None:
    server = start_mock("body actions")
    notifications = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications", MOCK)
    call(
        session_bus,
        *notifications,
        "AddProperty",
        "ssv",
        (notifications[0], "Inhibited", ("b", False)),
    )
    watcher = start_watcher({**no_bus, "DBUS_SESSION_BUS_ADDRESS": server.bus.address})
    assert watcher.start() == ["kde-notifications"]

    for inhibited, expected in ((True, Presence(False, True, "dnd")), (False, NOT_AWAY)):
        change = {"Inhibited": ("b", inhibited)}
        call(session_bus, *notifications, "UpdateProperties", "sa{sv}", (notifications[0], change))
        changes.wait_for(expected)


def test_an_active_gnome_screen_saver_is_away(
    session_bus: SessionBus,
    dbusmock_installed: None,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
    tmp_path: Path,
) -> None:
    name = "org.gnome.ScreenSaver"
    process = start_dbusmock(
        session_bus, "--template", "gnome_screensaver", name=name, log=tmp_path / "saver.log"
    )
    try:
        watcher = start_watcher({**no_bus, "DBUS_SESSION_BUS_ADDRESS": session_bus.address})
        assert watcher.start() == ["gnome-screensaver"]
        for active, expected in ((True, Presence(True, False, "locked")), (False, NOT_AWAY)):
            call(session_bus, name, "/org/gnome/ScreenSaver", name, "SetActive", "b", (active,))
            changes.wait_for(expected)
    finally:
        stop_process(process)


def test_a_freedesktop_screen_saver_active_at_start_is_away_until_it_ends(
    session_bus: SessionBus,
    dbusmock_installed: None,
    no_bus: dict[str, str],
    changes: Changes,
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
    tmp_path: Path,
) -> None:
    name, path = "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"
    process = start_dbusmock(session_bus, name, path, name, name=name, log=tmp_path / "saver.log")
    try:
        call(
            session_bus,
            name,
            path,
            MOCK,
            "AddMethod",
            "sssss",
            ("", "GetActive", "", "b", "ret = True"),
        )
        watcher = start_watcher({**no_bus, "DBUS_SESSION_BUS_ADDRESS": session_bus.address})
        assert watcher.start() == ["screensaver"]
        assert watcher.current() == Presence(away=True, dnd=False, why="locked")
        call(
            session_bus,
            name,
            path,
            MOCK,
            "EmitSignal",
            "sssav",
            ("", "ActiveChanged", "b", [("b", False)]),
        )
        changes.wait_for(NOT_AWAY)
    finally:
        stop_process(process)


def test_gnome_banners_turned_off_is_do_not_disturb_when_refreshed(
    no_bus: dict[str, str],
    start_watcher: Callable[[dict[str, str]], PresenceWatcher],
    tmp_path: Path,
) -> None:
    require("gsettings", "libglib2.0-bin")
    # GSettings' keyfile backend stands in for dconf: the same schema and key.
    keyfile = tmp_path / "config" / "glib-2.0" / "settings" / "keyfile"
    keyfile.parent.mkdir(parents=True)
    section = "[org/gnome/desktop/notifications]\n"
    keyfile.write_text(section + "show-banners=false\n", encoding="utf-8")
    environ = {
        **no_bus,
        "XDG_CURRENT_DESKTOP": "ubuntu:GNOME",
        "GSETTINGS_BACKEND": "keyfile",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    watcher = start_watcher(environ)
    assert watcher.start() == ["gnome-banners"]
    assert watcher.current() == Presence(away=False, dnd=True, why="dnd")
    keyfile.write_text(section + "show-banners=true\n", encoding="utf-8")
    assert watcher.refresh() == NOT_AWAY


def test_with_no_buses_at_all_the_user_is_present(
    no_bus: dict[str, str], start_watcher: Callable[[dict[str, str]], PresenceWatcher]
) -> None:
    watcher = start_watcher(no_bus)
    assert watcher.start() == []
    assert watcher.current() == NOT_AWAY
    assert watcher.refresh() == NOT_AWAY
