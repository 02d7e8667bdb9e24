"""Fuzzing the control socket of a real ``reminder run``: ten thousand random,
malformed and truncated requests over a few thousand connections, from four
threads at once. Every reply that arrives is a JSON object with ``ok``; the
daemon stays up, idle, answering and without a traceback."""

from __future__ import annotations

import datetime as dt
import json
import random
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_process import DaemonProcess, Launch, pid_alive
from support.routines import IDLE_ROUTINE, config_text, write_config

from reminder.daemon.control import COMMANDS

if TYPE_CHECKING:
    from support.desktop import MockServer

RunReminder = Callable[..., subprocess.CompletedProcess[str]]

MESSAGES = 10_000
WORKERS = 4
TIME_BUDGET = 60.0
SEED = 20261130


def hours_from_now(hours: int) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
    return f"{moment:%H:%M}"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    # Sessions six and twelve hours away: none can start while the test runs.
    return write_config(
        tmp_path, config_text(IDLE_ROUTINE, at=[hours_from_now(6), hours_from_now(12)])
    )


@pytest.fixture
def daemon(mock_server: MockServer, config_file: Path, launch: Launch) -> DaemonProcess:
    process = launch(config_file)
    process.wait_for("next")
    return process


# Requests: nothing here may change the daemon's state. Real commands other
# than "status" are never sent with v = 1.

NOT_COMMANDS = [
    "",
    "STATUS",
    "Status ",
    "statu",
    "format-disk",
    "stop!",
    "now\n",
    "pause\x00",
    "__init__",
    "help",
    "reload2",
    "☃",
]
assert not set(NOT_COMMANDS) & set(COMMANDS)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(2**70), 2**70)
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e308, float("nan"), float("inf")])
    if kind in (4, 5):
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(12)))
    if kind in (6, 7):
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {random_text(rng): random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def random_text(rng: random.Random) -> str:
    return "".join(chr(rng.randrange(0x20, 0x7F)) for _ in range(rng.randrange(10)))


def random_request(rng: random.Random) -> dict[str, Any]:
    request: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.15:
        request["cmd"] = "status"
    elif roll < 0.6:
        request["cmd"] = rng.choice(NOT_COMMANDS)
    elif roll < 0.8:
        request["cmd"] = random_json(rng)
    cmd = request.get("cmd")
    if isinstance(cmd, str) and cmd in COMMANDS:
        # Whatever "v" becomes (true and 1.0 equal 1 too), only status may act.
        request["cmd"] = "status"
    version_roll = rng.random()
    if version_roll < 0.6:
        request["v"] = 1
    elif version_roll < 0.9:
        request["v"] = random_json(rng)
    if rng.random() < 0.5:
        request["args"] = random_json(rng)
    if rng.random() < 0.1:
        request[random_text(rng)] = random_json(rng)
    return request


def random_message(rng: random.Random) -> bytes:
    """One line (with its newline), or something that is not one."""
    roll = rng.random()
    if roll < 0.45:
        return json.dumps(random_request(rng)).encode() + b"\n"
    if roll < 0.6:
        whole = json.dumps(random_request(rng)).encode()
        return whole[: rng.randrange(len(whole))] + b"\n"  # truncated JSON
    if roll < 0.75:
        return rng.randbytes(rng.randrange(1, 200)).replace(b"\n", b"") + b"\n"
    if roll < 0.85:
        return json.dumps(random_json(rng)).encode() + b"\n"
    if roll < 0.95:
        return rng.choice([b"\n", b"{}\n", b"[]\n", b"null\n", b'"status"\n', b"\xff\xfe\x00\n"])
    return b"x" * rng.randrange(1, 70 * 1024) + b"\n"  # huge lines, some over the limit


@dataclass
class Tally:
    connections: int = 0
    replies: int = 0
    ok_true: int = 0
    dropped: list[bytes] = field(default_factory=list)
    bad_replies: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Connection:
    payload: bytes
    close_early: bool
    must_answer: bool


def plan_connections(rng: random.Random) -> list[Connection]:
    """MESSAGES messages: mostly one a connection, now and then a batch (the
    daemon answers the first line only), and some connections cut short."""
    connections: list[Connection] = []
    sent = 0
    while sent < MESSAGES:
        batch = 1 if rng.random() < 0.9 else rng.randrange(2, 30)
        messages = [random_message(rng) for _ in range(batch)]
        sent += batch
        payload = b"".join(messages)
        close_early = rng.random() < 0.05
        if close_early:
            payload = payload[: rng.randrange(len(payload) + 1)]
        # A reply must come unless the client hung up first, or sent so much
        # that the daemon may have closed while the client was still writing.
        must_answer = not close_early and len(payload) <= 60 * 1024
        connections.append(Connection(payload, close_early, must_answer))
    return connections


def exchange(path: Path, connection: Connection) -> bytes | None:
    """Send one connection's bytes; the reply, or None when there was none."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(10)
        client.connect(str(path))
        try:
            client.sendall(connection.payload)
            if connection.close_early:
                return None  # hang up without reading
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the daemon closed on us (too large); a reply may still be there
        data = b""
        try:
            while chunk := client.recv(65536):
                data += chunk
        except OSError:
            return data or None
        return data or None


def test_ten_thousand_bad_requests_leave_the_daemon_idle_and_answering(
    daemon: DaemonProcess,
    run_reminder: RunReminder,
    config_file: Path,
    xdg_runtime_dir: Path,
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    rng = random.Random(SEED)
    connections = plan_connections(rng)
    tally = Tally(connections=len(connections))
    deadline = time.monotonic() + TIME_BUDGET

    def run(connection: Connection) -> tuple[Connection, bytes | None]:
        if time.monotonic() > deadline:
            return connection, b"(skipped)"
        return connection, exchange(sock, connection)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(run, connections))
    assert time.monotonic() <= deadline + 15, "the daemon answered too slowly"
    skipped = sum(1 for _, reply in results if reply == b"(skipped)")
    assert skipped == 0, f"{skipped} of {len(connections)} connections not sent in time"

    for connection, reply in results:
        if reply is None:
            if connection.must_answer:
                tally.dropped.append(connection.payload[:80])
            continue
        tally.replies += 1
        try:
            answer = json.loads(reply)
        except ValueError:
            tally.bad_replies.append((connection.payload[:80], reply[:200]))
            continue
        if not (isinstance(answer, dict) and isinstance(answer.get("ok"), bool)):
            tally.bad_replies.append((connection.payload[:80], reply[:200]))
            continue
        if answer["ok"]:
            tally.ok_true += 1
            assert answer.get("state") == "idle", answer
        else:
            assert isinstance(answer.get("error"), str), answer
            assert answer["error"], answer

    assert tally.bad_replies == []
    assert tally.dropped == []
    assert tally.replies > len(connections) * 0.9
    assert tally.ok_true > 0  # some plain status requests got through

    assert pid_alive(daemon.pid)
    assert daemon.process is not None
    assert daemon.process.poll() is None
    status = run_reminder("status", "--json", "--config", str(config_file))
    assert status.returncode == 0, status.stderr
    answer = json.loads(status.stdout)
    assert answer["state"] == "idle"
    assert answer["pid"] == daemon.pid
    assert answer["session"] is None
    assert sock.exists()  # the socket is still there
    assert daemon.named("session-start") == []
    daemon.assert_no_traceback()


# Nesting and slow writers.

NESTED_MESSAGES = 600
SLOW_WRITERS = 16
FRESH_CLIENTS = 60


def nested_payload(rng: random.Random) -> tuple[bytes, int]:
    """A request with JSON nested somewhere in it, and how deep it nests."""
    depth = rng.choice([rng.randrange(1, 100), 100, 101, rng.randrange(100, 32_000)])
    pairs = [("[", "]"), ('{"k": ', "}")]
    opening, closing = [], []
    for _ in range(depth - 2):  # the request object and args count as two levels
        left, right = rng.choice(pairs)
        opening.append(left)
        closing.append(right)
    inner = "".join(opening) + "0" + "".join(reversed(closing))
    decoy = '"' + "[{" * rng.randrange(0, 300) + '"'  # brackets in a string do not nest
    text = '{"v": 1, "cmd": "status", "args": {"x": ' + inner + ', "y": ' + decoy + "}}"
    return text.encode() + b"\n", depth


def test_nested_json_gets_an_error_when_over_a_hundred_deep(
    daemon: DaemonProcess, xdg_runtime_dir: Path
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    rng = random.Random(SEED + 1)
    cases = [nested_payload(rng) for _ in range(NESTED_MESSAGES)]
    too_deep = answered = 0
    for payload, depth in cases:
        reply = exchange(sock, Connection(payload, close_early=False, must_answer=True))
        assert reply is not None, payload[:80]
        answer = json.loads(reply)
        answered += 1
        if len(payload) > 64 * 1024:
            assert "too large" in answer["error"], answer
        elif depth > 100:
            too_deep += 1
            assert answer == {"ok": False, "error": "The request nests deeper than 100 levels."}
        else:
            assert answer["ok"] is True, (depth, answer)
    assert answered == NESTED_MESSAGES
    assert too_deep > NESTED_MESSAGES // 4
    daemon.assert_no_traceback()
    assert daemon.named("(not json)") == []  # the JSON log stayed JSON


def test_slow_writers_are_cut_off_and_fresh_clients_still_answered(
    daemon: DaemonProcess, xdg_runtime_dir: Path
) -> None:
    sock = xdg_runtime_dir / "reminder" / "control.sock"
    rng = random.Random(SEED + 2)
    results: dict[str, list[float]] = {"slow": [], "fresh": []}
    failures: list[str] = []

    def slow_writer(pause: float) -> None:
        started = time.monotonic()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(pause)
            client.connect(str(sock))
            reply = b""
            for byte in b'{"v": 1, "cmd": "status"' + b" " * 200:
                try:
                    client.send(bytes([byte]))
                    reply = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                break
        took = time.monotonic() - started
        results["slow"].append(took)
        # Cut off in time, told to come back, or made room for a fresh client.
        told = any(words in reply for words in (b"in time", b"busy"))
        if not told or took > 2.0 + pause + 0.5:
            failures.append(f"slow writer ({pause:.2f} s a byte): {reply!r} after {took:.1f} s")

    def fresh_client() -> None:
        started = time.monotonic()
        reply = exchange(sock, Connection(b'{"v": 1, "cmd": "status"}\n', False, True))
        took = time.monotonic() - started
        results["fresh"].append(took)
        if reply is None or not json.loads(reply).get("ok") or took > 1.0:
            failures.append(f"fresh client: {reply!r} after {took:.2f} s")

    with ThreadPoolExecutor(max_workers=SLOW_WRITERS + 4) as pool:
        for _ in range(SLOW_WRITERS):
            pool.submit(slow_writer, rng.uniform(0.05, 1.5))
        for _ in range(FRESH_CLIENTS):
            time.sleep(0.05)  # a steady trickle of ordinary commands while they write
            pool.submit(fresh_client)
    assert failures == []
    assert len(results["slow"]) == SLOW_WRITERS
    assert len(results["fresh"]) == FRESH_CLIENTS
    daemon.assert_no_traceback()
