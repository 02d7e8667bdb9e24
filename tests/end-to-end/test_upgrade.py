"""reminder updated on disk while the daemon runs (`pipx install --force`,
`pip install -U`): the real process restarts into the new version, as the
same process, and answers with the new code. (When it waits for a session
or a pause to end: tests/unit/test_upgrade_timing.py.)"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from support.daemon_process import Launch
from support.routines import config_text, write_config

if TYPE_CHECKING:
    from conftest import RunReminder
    from support.desktop import MockServer

ROOT = Path(__file__).resolve().parents[2]


def installed_copy(tmp_path: Path) -> Path:
    """reminder as an install lays it out (package, bundled routines and the
    example beside it), in a folder of its own that the test may update."""
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "reminder", site / "reminder", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "schedules", site / "schedules")
    shutil.copy2(ROOT / "config.example.toml", site)
    return site


def test_an_update_on_disk_restarts_the_idle_daemon_into_the_new_version(
    mock_server: MockServer, launch: Launch, tmp_path: Path, run_reminder: RunReminder
) -> None:
    site = installed_copy(tmp_path)
    far = (dt.datetime.now(dt.timezone.utc).hour + 6) % 24
    config = write_config(tmp_path, config_text(at=(f"{far:02d}:00",)))
    daemon = launch(config, PYTHONPATH=str(site))
    first = daemon.wait_for("daemon-start")
    daemon.wait_for("next")

    # The installer writes the new __init__.py whole and renames it into place.
    init = site / "reminder" / "__init__.py"
    updated, count = re.subn(
        r'__version__ = "[^"]*"', '__version__ = "99.0.0"', init.read_text(encoding="utf-8")
    )
    assert count == 1
    partial = init.with_name("__init__.py.partial")
    partial.write_text(updated, encoding="utf-8")
    partial.replace(init)

    said = daemon.wait_for("updated", timeout=30)
    assert said["message"] == "reminder was updated on disk; restarting to run the new version."
    stop = daemon.wait_for("daemon-stop")
    assert stop["reason"] == "restarting into the updated reminder"
    again = daemon.wait_for("daemon-start", where=lambda e: e["ts"] > said["ts"])
    assert again["pid"] == first["pid"] == daemon.pid  # the same process, started anew
    daemon.wait_for("next", where=lambda e: e["ts"] > again["ts"])

    shown = run_reminder("status", "--json", "--config", str(config))
    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout)
    assert (answer["version"], answer["pid"], answer["state"]) == ("99.0.0", daemon.pid, "idle")
    assert daemon.stop() == 0
