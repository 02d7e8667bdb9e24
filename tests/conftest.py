"""Fixtures shared by every test: an isolated home, and ways to run the CLI.

No test may read or write the real user's files, so every test runs with
$HOME, the XDG folders and the working directory inside its own tmp_path, and
without REMINDER_CONFIG. The CLI runs two ways: in-process through click's
CliRunner with an injectable clock (``run_cli``), and as the installed console
script in a subprocess with the same environment (``run_reminder``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reminder.cli.main import Environment, cli

# The desktop: a session bus, dbusmock and dunst notification servers, and
# dbusmock's logind on a stand-in system bus; and `launch`, which starts the
# installed daemon and cleans up after it.
pytest_plugins = [
    "support.desktop",
    "support.logind",
    "support.daemon_process",
    "support.audio",
]

RunCli = Callable[..., Result]
"""``run_cli(*args, now=None, environ=None)`` → click Result (exit_code, stdout, stderr)."""

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
"""``run_reminder(*args, exe=None, cwd=None, env=None, prefix=(), timeout=60)``."""

SUBPROCESS_TIMEOUT = 60


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $HOME, every XDG folder and the working directory into tmp_path."""
    folders = {
        "HOME": tmp_path / "home",
        "XDG_CONFIG_HOME": tmp_path / "xdg-config",
        "XDG_STATE_HOME": tmp_path / "xdg-state",
        "XDG_DATA_HOME": tmp_path / "xdg-data",
        "XDG_CACHE_HOME": tmp_path / "xdg-cache",
        "XDG_RUNTIME_DIR": tmp_path / "xdg-runtime",
    }
    for name, folder in folders.items():
        folder.mkdir(mode=0o700)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("REMINDER_CONFIG", raising=False)
    # No sound reaches the machine's sound server: a test that wants sound
    # starts its own (support.audio) and points PULSE_SERVER at it.
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-sound-server")
    # "local" must mean the same zone on every machine the suite runs on.
    monkeypatch.setenv("TZ", "UTC")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


@pytest.fixture
def xdg_config_home() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"])


@pytest.fixture
def xdg_state_home() -> Path:
    return Path(os.environ["XDG_STATE_HOME"])


@pytest.fixture
def xdg_runtime_dir() -> Path:
    return Path(os.environ["XDG_RUNTIME_DIR"])


@pytest.fixture
def default_config_file(xdg_config_home: Path) -> Path:
    """Where reminder looks for the config when nothing overrides it (not created)."""
    return xdg_config_home / "reminder" / "config.toml"


@pytest.fixture
def user_routines_dir(xdg_config_home: Path) -> Path:
    """The user's routines folder (not created)."""
    return xdg_config_home / "reminder" / "routines"


def _clock_at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    if moment.tzinfo is None:
        raise ValueError("the injected clock must be time-zone aware")
    return lambda: moment


@pytest.fixture
def run_cli() -> RunCli:
    """Run the real CLI in-process; stdout and stderr come back separately.

    ``now`` fixes the clock; ``environ`` sets environment variables for the
    call (on top of the isolated os.environ). Exceptions are not caught, so an
    unexpected one fails the test with its traceback instead of hiding in
    ``result.exception``.
    """

    def run(
        *args: str,
        now: dt.datetime | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Result:
        env = Environment()
        if now is not None:
            env.now = _clock_at(now)
        runner = CliRunner()
        return runner.invoke(
            cli,
            list(args),
            obj=env,
            env=dict(environ) if environ is not None else None,
            prog_name="reminder",
            catch_exceptions=False,
        )

    return run


@pytest.fixture(scope="session")
def reminder_exe() -> Path:
    """The installed console script, from the venv running the tests first."""
    bin_dir = Path(sys.executable).parent
    found = shutil.which("reminder", path=os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    exe = Path(found) if found else bin_dir / "reminder"
    assert exe.is_file(), (
        f"the `reminder` console script is not installed (looked in {bin_dir} and PATH); "
        "run `pip install -e .` in the venv"
    )
    return exe


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The isolated environment for a child process, without Python path overrides."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "REMINDER_CONFIG"):
        env.pop(name, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture
def run_reminder(reminder_exe: Path, subprocess_env: dict[str, str]) -> RunReminder:
    """Run the installed ``reminder`` (or ``exe``) as a real process.

    ``env`` adds to (or, with value None, removes from) the isolated
    environment; ``prefix`` is put before the command, e.g. to run it as
    another user.
    """

    def run(
        *args: str,
        exe: Path | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        prefix: Sequence[str] = (),
        timeout: float = SUBPROCESS_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        environ = dict(subprocess_env)
        for name, value in (env or {}).items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        command = [*prefix, str(exe or reminder_exe), *args]
        return subprocess.run(
            command,
            cwd=cwd or Path.cwd(),
            env=environ,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )

    return run
