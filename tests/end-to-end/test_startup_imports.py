"""Everyday commands start fast because they never import the daemon's heavy
dependencies (APScheduler alone costs ~100 ms)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("apscheduler", "jeepney", "plyer", "rich")

PROBE = """
import json, sys
sys.argv = ["reminder", *json.loads(sys.argv[1])]
from reminder.cli.main import main
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
sys.stderr.write("\\nHEAVY=" + json.dumps(heavy) + "\\n")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["validate", "--config", str(ROOT / "config.example.toml")],
        ["plan", "gluteus-medius"],
        ["next", "--config", str(ROOT / "config.example.toml")],
        ["routines"],
        ["paths"],
    ],
    ids=lambda args: args[0],
)
def test_everyday_commands_do_not_import_the_daemon_dependencies(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    marker = result.stderr.rsplit("HEAVY=", 1)
    assert len(marker) == 2, result.stderr
    assert json.loads(marker[1]) == []
    assert result.stdout  # the command did its work
