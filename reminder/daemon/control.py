"""The control socket: how ``reminder status``, ``pause``, ``now`` … talk to
the running daemon.

A Unix socket in the user's runtime folder (0700, checked to be ours and not
a link), itself 0600, and the peer's uid is checked too. One JSON request a
line, one JSON reply a line::

    → {"v": 1, "cmd": "pause", "args": {"seconds": 3600}}
    ← {"ok": true, "paused_until": "2026-11-30T11:30:00+01:00"}
    ← {"ok": false, "error": "No session is running."}

A client that sends too much (over 64 KiB), too slowly (the whole request
within 2 s), JSON nested too deep or garbage gets an error reply or is
dropped; a client that has been trickling for a while gives its slot up to a
fresh one; accept() failing (out of descriptors or buffers) is logged and
retried. Nothing a client does can stall or stop the daemon. If the runtime
folder is deleted under the daemon (tmpfiles cleaning, a logout), the socket
is made again; the daemon only ever removes a socket it made itself. The
accept loop blocks in accept(): an idle daemon does not wake for the socket.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reminder.errors import ExitStatus, ReminderError
from reminder.files import private_folder

PROTOCOL = 1
MAX_REQUEST = 64 * 1024
READ_TIMEOUT = 2.0
"""Seconds a client has to send its whole request line (all of it, not each piece)."""
REPLY_TIMEOUT = 10.0
MAX_CLIENTS = 8
MAX_DEPTH = 100
"""JSON nested deeper than this is refused before it is parsed."""
ADMIT_WAIT = 0.5
"""Seconds a new client may wait for a slot before it is told the daemon is busy."""
EVICT_AFTER = 0.25
"""A client still sending its request after this long may lose its slot to a new one."""
RECREATE_DELAY = 0.5
"""After the socket or its folder goes, wait this long (a cleaner may still be
removing the folder) before making it again."""
COMMANDS = ("status", "now", "pause", "resume", "snooze", "skip", "stop", "reload")
_ACCEPT_RETRY = frozenset(
    {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.ECONNABORTED, errno.EINTR}
)
_MAX_BACKOFF = 2.0

Handler = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``(command, args) -> reply``; runs the command (on the daemon's thread)."""

NOT_RUNNING = (
    "reminder is not running. Start it with `reminder run`, or run `reminder install` "
    "to have it start at login."
)


def _peer_uid(connection: socket.socket) -> int | None:
    """The connecting process's uid, where the system tells it."""
    if hasattr(socket, "SO_PEERCRED"):
        credentials = connection.getsockopt(
            socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")
        )
        _pid, uid, _gid = struct.unpack("3i", credentials)
        return int(uid)
    if sys.platform == "darwin":  # pragma: no cover - macOS
        local_peercred = 0x001
        data = connection.getsockopt(0, local_peercred, 76)
        return int(struct.unpack_from("I", data, 4)[0])
    return None  # pragma: no cover


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def too_deep(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when JSON ``data`` nests arrays and objects deeper than ``limit``
    (checked before parsing: the parser recurses once a level)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b"", data)):
        if match[0] in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


class ControlServer:
    def __init__(
        self,
        path: Path,
        handler: Handler,
        log: Callable[..., None],
    ) -> None:
        self.path = path
        self._handler = handler
        self._log = log
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._identity: tuple[int, int] | None = None
        """(device, inode) of the socket file we made: the only one we remove."""
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._reading: dict[socket.socket, float] = {}
        """Connections still sending their request, and since when (monotonic)."""
        self._evicted: set[socket.socket] = set()
        self._closed = False
        self._watcher: Any = None
        self._recheck: threading.Timer | None = None

    def start(self) -> None:
        """Make the socket and serve it; ReminderError when the runtime folder
        is not ours or another daemon already answers there."""
        self._bind()
        if sys.platform.startswith("linux"):
            from reminder.daemon.watchers import FileWatcher

            self._watcher = FileWatcher(self._socket_changed)
            self._watcher.watch([self.path], [])

    def _bind(self) -> None:
        folder = self.path.parent
        if private_folder(folder, holds="control socket", setting="XDG_RUNTIME_DIR"):
            self._log(
                "runtime-folder-tightened",
                f"{folder} was open to other users; made it private (0700).",
                folder=str(folder),
            )
        self._remove_stale()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            server.bind(str(self.path))
        except OSError as error:
            server.close()
            raise ReminderError(
                f"Could not make the control socket {self.path}: {error.strerror or error}."
            ) from None
        finally:
            os.umask(old_umask)
        info = os.lstat(self.path)
        server.listen(16)
        with self._lock:
            old, self._socket = self._socket, server
            self._identity = (info.st_dev, info.st_ino)
        if old is not None:
            _shut(old)
        threading.Thread(
            target=self._accept_loop, args=(server,), name="control", daemon=True
        ).start()

    def _remove_stale(self) -> None:
        """A socket left here by a daemon that died goes; one that answers
        belongs to a daemon still running (with another state folder), which
        must not lose it."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        if stat.S_ISSOCK(info.st_mode):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            probe.settimeout(1)
            try:
                probe.connect(str(self.path))
            except OSError:
                pass  # nobody listens: stale
            else:
                raise ReminderError(
                    f"Another reminder daemon already answers at {self.path}; "
                    "stop it (`reminder status` shows its pid) before starting this one."
                )
            finally:
                probe.close()
        elif stat.S_ISDIR(info.st_mode):
            raise ReminderError(
                f"{self.path} is a folder, so the control socket cannot go there; "
                "remove it and start again."
            )
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            server, self._socket = self._socket, None
            identity, self._identity = self._identity, None
            if self._recheck is not None:
                self._recheck.cancel()
        if self._watcher is not None:
            self._watcher.close()
        if server is not None:
            _shut(server)
        if identity is not None and self._ours(identity):
            self.path.unlink(missing_ok=True)

    def _ours(self, identity: tuple[int, int] | None) -> bool:
        try:
            info = os.lstat(self.path)
        except OSError:
            return False
        return identity == (info.st_dev, info.st_ino)

    # -- the socket going away ---------------------------------------------------

    def _socket_changed(self) -> None:
        """The watcher saw the socket's name or folder change: look again a
        little later, once whatever is removing things has finished."""
        with self._lock:
            if self._closed:
                return
            if self._recheck is not None:
                self._recheck.cancel()
            self._recheck = threading.Timer(RECREATE_DELAY, self._recreate_if_gone)
            self._recheck.daemon = True
            self._recheck.start()

    def _recreate_if_gone(self) -> None:
        with self._lock:
            if self._closed:
                return
            identity = self._identity
        if self._ours(identity):
            return
        try:
            self._bind()
        except (ReminderError, OSError) as error:
            message = error.message if isinstance(error, ReminderError) else str(error)
            self._log(
                "control-socket-lost",
                f"The control socket {self.path} was removed and could not be made again: "
                f"{message} Commands like `reminder status` cannot reach the daemon; restart it.",
            )
            return
        self._log(
            "control-socket-recreated",
            f"The control socket {self.path} was removed (by a cleaner or a logout?); made it again.",
            path=str(self.path),
        )
        if self._watcher is not None:
            self._watcher.watch([self.path], [])

    # -- accepting ---------------------------------------------------------------

    def _accept_loop(self, server: socket.socket) -> None:
        failures = 0
        backoff = 0.0
        while True:
            try:
                connection, _ = server.accept()
            except OSError as error:
                with self._lock:
                    if server is not self._socket:
                        return  # closed, or replaced by a new socket
                failures += 1
                backoff = min(_MAX_BACKOFF, max(0.05, backoff * 2))
                if failures == 1 or error.errno not in _ACCEPT_RETRY:
                    self._log(
                        "control-accept-error",
                        f"Could not accept a control connection ({error.strerror or error}); "
                        "trying again shortly.",
                        errno=errno.errorcode.get(error.errno or 0, str(error.errno)),
                    )
                time.sleep(backoff)
                continue
            if failures:
                self._log(
                    "control-accept-recovered",
                    f"Accepting control connections again, after {failures} failed tries.",
                    failures=failures,
                )
                failures, backoff = 0, 0.0
            self._admit(connection)

    def _admit(self, connection: socket.socket) -> None:
        if not self._take_slot():
            self._reply(connection, _error("The daemon is busy; try again."))
            connection.close()
            return
        with self._lock:
            self._reading[connection] = time.monotonic()
        try:
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()
        except RuntimeError:  # no thread to be had
            self._done_reading(connection)
            self._slots.release()
            self._reply(connection, _error("The daemon is busy; try again."))
            connection.close()

    def _take_slot(self) -> bool:
        """A slot for a new client: at once, or by dropping a client that has
        been sending its request for a while, within ADMIT_WAIT."""
        if self._slots.acquire(blocking=False):
            return True
        deadline = time.monotonic() + ADMIT_WAIT
        while (left := deadline - time.monotonic()) > 0:
            self._evict_slow_reader()
            if self._slots.acquire(timeout=min(left, 0.05)):
                return True
        return False

    def _evict_slow_reader(self) -> None:
        """Make room for a new client: the one that has been sending its
        request longest goes, if it has taken more than a moment."""
        now = time.monotonic()
        with self._lock:
            slow = [(since, c) for c, since in self._reading.items() if c not in self._evicted]
            if not slow:
                return
            since, oldest = min(slow, key=lambda item: item[0])
            if now - since < EVICT_AFTER:
                return
            self._evicted.add(oldest)
        with contextlib.suppress(OSError):
            oldest.shutdown(socket.SHUT_RD)  # its recv returns at once

    def _done_reading(self, connection: socket.socket) -> bool:
        """Whether the connection was evicted while it read."""
        with self._lock:
            self._reading.pop(connection, None)
            evicted = connection in self._evicted
            self._evicted.discard(connection)
        return evicted

    # -- one client --------------------------------------------------------------

    def _serve(self, connection: socket.socket) -> None:
        try:
            with connection:
                self._reply(connection, self._checked_answer(connection))
                self._drain(connection)
        except OSError:
            pass  # the client went away; nothing to do
        finally:
            self._done_reading(connection)
            self._slots.release()

    def _checked_answer(self, connection: socket.socket) -> dict[str, Any]:
        try:
            uid = _peer_uid(connection)
            if uid is not None and uid != os.getuid():
                self._done_reading(connection)
                self._log("control-refused", f"Refused a control request from uid {uid}.", uid=uid)
                return _error("Permission denied.")
            return self._answer(connection)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001 - logged, and the daemon carries on
            import traceback

            self._log(
                "internal-error",
                "A control request went wrong inside reminder; it carries on. Please report "
                "this:\n" + "".join(traceback.format_exception(error)),
                error=repr(error),
            )
            return _error("Something went wrong inside reminder; see its log.")

    def _read_request(self, connection: socket.socket) -> bytes | dict[str, Any]:
        """The request line, or the error reply when there is none in time."""
        deadline = time.monotonic() + READ_TIMEOUT
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                return _error("Request not received in time.")
            connection.settimeout(left)
            try:
                chunk = connection.recv(4096)
            except TimeoutError:
                return _error("Request not received in time.")
            if not chunk:
                break
            data += chunk
            if len(data) > MAX_REQUEST and b"\n" not in data[: MAX_REQUEST + 1]:
                return _error(f"Request too large (over {MAX_REQUEST} bytes).")
        line = data.split(b"\n", 1)[0]
        if len(line) > MAX_REQUEST:
            return _error(f"Request too large (over {MAX_REQUEST} bytes).")
        return line

    def _answer(self, connection: socket.socket) -> dict[str, Any]:
        line = self._read_request(connection)
        if self._done_reading(connection):
            return _error("Request not received in time; another client needed the slot.")
        if isinstance(line, dict):
            return line
        if too_deep(line):
            return _error(f"The request nests deeper than {MAX_DEPTH} levels.")
        try:
            request = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _error("Not a JSON request.")
        if not isinstance(request, dict):
            return _error("A request is a JSON object.")
        if request.get("v") != PROTOCOL:
            return _error(
                f"Protocol version {_shown(request.get('v'))} is not {PROTOCOL}; "
                "the reminder command and the running daemon differ. Restart the daemon."
            )
        command, args = request.get("cmd"), request.get("args", {})
        if command not in COMMANDS:
            return _error(f"Unknown command {_shown(command)}.")
        if not isinstance(args, dict):
            return _error("args must be a JSON object.")
        return self._handler(command, args)

    @staticmethod
    def _drain(connection: socket.socket) -> None:
        """Read what a client still sends (bounded), so that closing does not
        reset the connection before it has read our reply."""
        deadline = time.monotonic() + READ_TIMEOUT
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                connection.settimeout(left)
                if not connection.recv(65536):
                    break

    @staticmethod
    def _reply(connection: socket.socket, reply: dict[str, Any]) -> None:
        try:
            data = json.dumps(reply, default=_json_value).encode()
        except (TypeError, ValueError, RecursionError):
            data = json.dumps(_error("Something went wrong inside reminder; see its log.")).encode()
        with contextlib.suppress(OSError):
            connection.settimeout(READ_TIMEOUT)
            connection.sendall(data + b"\n")


def _shown(value: object) -> str:
    """A client's value in a message: short, whatever it sent."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shut(server: socket.socket) -> None:
    """Close a listening socket and wake the thread blocked in its accept()."""
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        server.close()


def _json_value(value: object) -> object:
    """Times as ISO 8601 with their offset (README: every --json time)."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def request(path: Path, command: str, **args: Any) -> dict[str, Any]:
    """Send one command to the running daemon and return its reply.

    ReminderError (exit 1) when no daemon answers, or when it says no."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(REPLY_TIMEOUT)
    try:
        client.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        client.close()
        raise ReminderError(NOT_RUNNING) from None
    except OSError as error:
        client.close()
        raise ReminderError(
            f"Could not reach the reminder daemon at {path}: {error.strerror}."
        ) from None
    try:
        with client:
            client.sendall(
                json.dumps({"v": PROTOCOL, "cmd": command, "args": args}).encode() + b"\n"
            )
            data = b""
            while not data.endswith(b"\n"):
                chunk = client.recv(65536)
                if not chunk:
                    break
                data += chunk
    except TimeoutError:
        raise ReminderError(
            "The reminder daemon did not answer in time; it may be stuck. Restart it."
        ) from None
    except OSError as error:
        raise ReminderError(
            f"Lost the connection to the reminder daemon: {error.strerror}."
        ) from None
    try:
        reply: dict[str, Any] = json.loads(data)
    except ValueError:
        raise ReminderError(
            "The reminder daemon sent a reply that is not JSON; restart it."
        ) from None
    if not reply.get("ok"):
        raise ReminderError(
            str(reply.get("error", "The daemon refused the request.")), ExitStatus.FAILURE
        )
    return reply
