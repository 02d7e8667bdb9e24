"""The wheel a user installs: built from this checkout, installed into a fresh
venv (not editable), and run from a folder outside the project. The bundled
routines and the example config must come from the installed copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("desk-break", "gluteus-medius", "iliacus", "piriformis", "psoas", "quadratus-lumborum")
STEP_TIMEOUT = 300


def run(
    command: Sequence[str | Path], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.timeout(900)
def test_wheel_installs_and_runs_from_its_own_files(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wheels = tmp_path / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", wheels, ROOT],
        subprocess_env,
        elsewhere,
    )
    built = list(wheels.glob("reminder-*.whl"))
    assert len(built) == 1, built

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], subprocess_env, elsewhere)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    run([python, "-m", "pip", "install", built[0]], subprocess_env, elsewhere)
    purelib = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            subprocess_env,
            elsewhere,
        ).stdout.strip()
    ).resolve()
    module = run(
        [python, "-c", "import reminder; print(reminder.__file__)"], subprocess_env, elsewhere
    ).stdout.strip()
    assert Path(module).resolve().is_relative_to(purelib), module

    reminder = bin_dir / "reminder"
    paths = json.loads(run([reminder, "paths", "--json"], subprocess_env, elsewhere).stdout)
    bundled_dir = Path(paths["bundled_routines"]).resolve()
    assert bundled_dir.is_relative_to(purelib), bundled_dir
    assert not bundled_dir.is_relative_to(ROOT), bundled_dir

    listed = json.loads(run([reminder, "routines", "--json"], subprocess_env, elsewhere).stdout)
    assert sorted(r["name"] for r in listed) == sorted(BUNDLED)
    assert {r["source"] for r in listed} == {"bundled"}
    text = run([reminder, "routines"], subprocess_env, elsewhere).stdout
    for name in BUNDLED:
        assert name in text

    plan = json.loads(
        run([reminder, "plan", "desk-break", "--json"], subprocess_env, elsewhere).stdout
    )
    assert plan["routine"] == "desk-break"
    assert 4 * 60 <= plan["total_seconds"] <= 7 * 60
    assert plan["total_seconds"] == sum(s["duration"] for s in plan["steps"])

    # The example config ships too: init copies it, and it validates.
    config = tmp_path / "config" / "config.toml"
    run([reminder, "init", "--config", config], subprocess_env, elsewhere)
    assert config.read_bytes() == (ROOT / "config.example.toml").read_bytes()
    run([reminder, "validate", "--config", config], subprocess_env, elsewhere)
