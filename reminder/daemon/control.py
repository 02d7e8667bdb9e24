"""The control socket: how ``reminder status``, ``pause``, ``now`` … talk to
the running daemon.

A Unix socket in the user's runtime folder (0700), itself 0600, and the
peer's uid is checked too. One JSON request a line, one JSON reply a line::

    → {"v": 1, "cmd": "pause", "args": {"seconds": 3600}}
    ← {"ok": true, "paused_until": "2026-11-30T11:30:00+01:00"}
    ← {"ok": false, "error": "No session is running."}

A client that sends too much, too slowly or garbage gets an error or is
dropped; nothing a client does can stall or stop the daemon. The accept loop
blocks in accept(): an idle daemon does not wake for the socket.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
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

PROTOCOL = 1
MAX_REQUEST = 64 * 1024
READ_TIMEOUT = 2.0
"""Seconds a client has to send its whole request line."""
REPLY_TIMEOUT = 10.0
MAX_CLIENTS = 8
COMMANDS = ("status", "now", "pause", "resume", "snooze", "skip", "stop", "reload")

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
        self._socket: socket.socket | None = None
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)

    def start(self) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
        if info.st_uid != os.getuid():
            raise ReminderError(
                f"{folder} belongs to another user; reminder keeps its control socket there. "
                "Remove the folder or set XDG_RUNTIME_DIR to a folder of your own."
            )
        if stat.S_IMODE(info.st_mode) & 0o077:
            folder.chmod(0o700)
        # We hold the single-instance lock, so a socket left here is stale.
        self.path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old_umask)
        self.path.chmod(0o600)
        server.listen(16)
        self._socket = server
        threading.Thread(target=self._accept_loop, name="control", daemon=True).start()

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
        self.path.unlink(missing_ok=True)

    def _accept_loop(self) -> None:
        while self._socket is not None:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                self._reply(connection, {"ok": False, "error": "The daemon is busy; try again."})
                connection.close()
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            with connection:
                uid = _peer_uid(connection)
                if uid is not None and uid != os.getuid():
                    self._log(
                        "control-refused", f"Refused a control request from uid {uid}.", uid=uid
                    )
                    self._reply(connection, {"ok": False, "error": "Permission denied."})
                    self._drain(connection)
                    return
                self._reply(connection, self._answer(connection))
                self._drain(connection)
        except OSError:
            pass  # the client went away; nothing to do
        finally:
            self._slots.release()

    def _answer(self, connection: socket.socket) -> dict[str, Any]:
        connection.settimeout(READ_TIMEOUT)
        data = b""
        try:
            while b"\n" not in data:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                data += chunk
                if len(data) > MAX_REQUEST:
                    return {"ok": False, "error": f"Request too large (over {MAX_REQUEST} bytes)."}
        except TimeoutError:
            return {"ok": False, "error": "Request not received in time."}
        line = data.split(b"\n", 1)[0]
        try:
            request = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return {"ok": False, "error": "Not a JSON request."}
        if not isinstance(request, dict):
            return {"ok": False, "error": "A request is a JSON object."}
        if request.get("v") != PROTOCOL:
            return {
                "ok": False,
                "error": f"Protocol version {request.get('v')!r} is not {PROTOCOL}; "
                "the reminder command and the running daemon differ. Restart the daemon.",
            }
        command, args = request.get("cmd"), request.get("args", {})
        if command not in COMMANDS:
            return {"ok": False, "error": f"Unknown command {command!r}."}
        if not isinstance(args, dict):
            return {"ok": False, "error": "args must be a JSON object."}
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
        with contextlib.suppress(OSError):
            connection.sendall(json.dumps(reply, default=_json_value).encode() + b"\n")


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
