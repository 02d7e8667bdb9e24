"""The README's first command on stock Debian: Debian's python3 and Debian's
pipx install reminder from a fresh clone into a throw-away home, and the
installed command runs; so does the README's line for people without pipx.

Needs the Debian package pipx (scripts/test installs it), git, and the
package index pip uses (PyPI, or the mirror pip is configured with).
Slow (a venv and its dependencies, twice): about a minute.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from support.desktop import require

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SYSTEM_PYTHON = "/usr/bin/python3"
STEP_TIMEOUT = 600
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
"""A login's PATH on Debian before ~/.profile adds to it: no venv of the tests."""


def readme_commands() -> tuple[str, str]:
    """The README's first command line, split at `&&`: (install, run)."""
    text = README.read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    first = block.splitlines()[0].split("#", 1)[0].strip()
    install, run = (part.strip() for part in first.split("&&"))
    return install, run


def readme_without_pipx() -> str:
    """The README's line for people without pipx (the venv one)."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"`(python3 -m venv [^`]+)`", text)
    assert found, "the README gives no `python3 -m venv ...` line for people without pipx"
    return found[1]


def sh(command: str, env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` as a user types it in a shell."""
    result = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"`{command}` exited {result.returncode}\nstdout:\n{result.stdout}\n"
        f"stderr:\n{result.stderr}"
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the commit under test (what CI checks out)."""
    git = require("git", "git")
    head = subprocess.run(
        [git, "-C", str(ROOT), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    folder = tmp_path_factory.mktemp("clone") / "reminder"
    subprocess.run(
        [git, "clone", "--quiet", "--no-checkout", str(ROOT), str(folder)],
        check=True,
        timeout=STEP_TIMEOUT,
    )
    subprocess.run(
        [git, "-C", str(folder), "checkout", "--quiet", head], check=True, timeout=STEP_TIMEOUT
    )
    return folder


def fresh_home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A throw-away home, and the environment of a Debian login in it: only
    the system's PATH, plus ~/.local/bin as Debian's ~/.profile adds it."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {
        name: value
        for name, value in os.environ.items()
        if name.startswith(("PIP_", "LANG", "LC_")) or name in ("TERM", "TZ")
    }
    env.update(
        HOME=str(home),
        USER=os.environ.get("USER", "user"),
        PATH=f"{home / '.local' / 'bin'}:{SYSTEM_PATH}",
        PIPX_HOME=str(home / ".local" / "pipx"),
        PIPX_BIN_DIR=str(home / ".local" / "bin"),
        XDG_RUNTIME_DIR=str(runtime),
        DBUS_SESSION_BUS_ADDRESS="",
        DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-system-bus",
    )
    return home, env


def runs_as_a_daemon(command: str, env: Mapping[str, str], cwd: Path) -> str:
    """Start ``command`` (the README's `reminder run`), wait for the daemon
    to say it started, stop it as logout would; its log."""
    process = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {command}"],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    log = ""
    deadline = time.monotonic() + 60
    try:
        while "daemon-start:" not in log:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([process.stderr], [], [], max(remaining, 0))
            line = process.stderr.readline() if ready else ""
            if not line:
                pytest.fail(f"`{command}` did not start the daemon; it said:\n{log}")
            log += line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    return log


@pytest.mark.timeout(STEP_TIMEOUT * 2)
def test_the_readme_install_command_works_with_debians_python_and_pipx(
    clone: Path, tmp_path: Path
) -> None:
    pipx = require("pipx", "pipx")
    assert Path(pipx).resolve().parent == Path("/usr/bin"), f"{pipx} is not Debian's pipx"
    with Path(pipx).open(encoding="utf-8") as script:
        assert script.readline().strip() == f"#!{SYSTEM_PYTHON}", (
            "pipx does not use Debian's python3"
        )
    install, run = readme_commands()
    assert install.startswith("pipx install"), install
    home, env = fresh_home(tmp_path)

    sh(install, env, clone)

    installed = home / ".local" / "bin" / "reminder"
    assert installed.is_symlink() or installed.is_file()
    venv_python = home / ".local" / "pipx" / "venvs" / "reminder" / "bin" / "python"
    base = sh(
        f"{shlex.quote(str(venv_python))} -c 'import sys; print(sys.base_prefix)'", env, clone
    )
    assert base.stdout.strip() == "/usr", "the pipx venv is not on Debian's python3"

    version = sh("reminder --version", env, tmp_path).stdout
    assert version.startswith("reminder "), version
    plan = sh("reminder plan desk-break", env, tmp_path).stdout
    assert plan.startswith("Desk break (desk-break, bundled): 6 min"), plan
    assert "How to do each exercise" in plan

    dry_run = sh("reminder install --method xdg --dry-run", env, tmp_path).stdout
    (exec_line,) = [
        line.strip() for line in dry_run.splitlines() if line.strip().startswith("Exec=")
    ]
    program = shlex.split(exec_line.removeprefix("Exec="))[0]
    assert Path(program).is_absolute(), exec_line
    assert os.path.realpath(program) == os.path.realpath(installed), exec_line
    assert Path(program).is_relative_to(home / ".local" / "pipx"), exec_line

    log = runs_as_a_daemon(run, env, tmp_path)
    assert "built-in default" in log  # no config yet: it says what it runs


@pytest.mark.timeout(STEP_TIMEOUT * 2)
def test_the_readme_line_for_people_without_pipx_works_too(clone: Path, tmp_path: Path) -> None:
    home, env = fresh_home(tmp_path)
    line = readme_without_pipx()
    assert "~/.local/bin" in line, line

    sh(line, env, clone)

    assert shutil.which("reminder", path=env["PATH"]) == str(home / ".local" / "bin" / "reminder")
    assert sh("reminder plan desk-break --brief", env, tmp_path).stdout.startswith("Desk break")
    dry_run = sh("reminder install --method xdg --dry-run", env, tmp_path).stdout
    (exec_line,) = [
        line.strip() for line in dry_run.splitlines() if line.strip().startswith("Exec=")
    ]
    program = shlex.split(exec_line.removeprefix("Exec="))[0]
    assert Path(program).is_absolute(), exec_line
    assert sh(f"{shlex.quote(program)} --version", env, tmp_path).stdout.startswith("reminder ")

    # bench/ runs with reminder installed and no test tools (no pytest in that venv).
    python = shlex.quote(str(Path(program).with_name("python")))
    missing = subprocess.run(
        [str(Path(program).with_name("python")), "-c", "import pytest"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert missing.returncode != 0, "the venv has pytest: it proves nothing about bench/"
    for script in sorted((clone / "bench").glob("*.py")):
        # Modules the benchmarks share (_*.py, *_components.py) are imported by them.
        if not script.name.startswith("_") and not script.name.endswith("_components.py"):
            helped = sh(f"{python} {shlex.quote(str(script))} --help", env, tmp_path)
            assert helped.stdout.startswith("usage:"), script.name
    measured = sh(
        f"{python} bench/daemon_idle.py --seconds 1 --settle 2", {**env, "TZ": "UTC"}, clone
    )
    assert "reminder run" in measured.stdout, measured.stdout
    assert "PSS" in measured.stdout
