"""Files users really have, through the installed command: a config that is
a symbolic link (dotfile managers), ``init --force`` run twice, a link to
nothing, a read-only folder (a read-only bind mount, in a mount namespace of
the test's own), and ``report --html`` to standard output, a missing folder,
a device, a pipe and /dev/stdout. No config is ever lost, and nothing that is
not a regular file is ever replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder.paths import example_config

RunReminder = Callable[..., subprocess.CompletedProcess[str]]
MINE = b'# my own config\n[[schedule]]\nroutine = "psoas"\nat = ["09:00"]\n'
BACKUP = re.compile(r"^config\.toml\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(-\d+)?\.bak$")

pytestmark = pytest.mark.timeout(60)


def backups(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".bak"))


def succeeded(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return result


def failed(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


# -- init ------------------------------------------------------------------------------------


def test_init_force_twice_keeps_every_config(
    run_reminder: RunReminder, default_config_file: Path
) -> None:
    default_config_file.parent.mkdir(parents=True)
    default_config_file.write_bytes(MINE)
    succeeded(run_reminder("init", "--force"))
    succeeded(run_reminder("init", "--force"))
    kept = backups(default_config_file.parent)
    assert len(kept) == 2
    assert all(BACKUP.match(p.name) for p in kept), kept
    assert sorted(p.read_bytes() for p in kept) == sorted([MINE, example_config().read_bytes()])
    assert default_config_file.read_bytes() == example_config().read_bytes()


def test_init_writes_through_a_symlinked_config_and_keeps_the_link(
    run_reminder: RunReminder, default_config_file: Path, tmp_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles" / "reminder.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_bytes(MINE)
    dotfiles.chmod(0o600)
    default_config_file.parent.mkdir(parents=True)
    default_config_file.symlink_to(dotfiles)
    result = succeeded(run_reminder("init", "--force"))
    assert f"through the link {default_config_file}" in result.stdout
    assert default_config_file.is_symlink()
    assert default_config_file.resolve() == dotfiles
    assert dotfiles.read_bytes() == example_config().read_bytes()
    assert stat.S_IMODE(dotfiles.stat().st_mode) == 0o600  # the user's mode kept
    (kept,) = backups(default_config_file.parent)
    assert kept.read_bytes() == MINE
    assert list(dotfiles.parent.iterdir()) == [dotfiles]


def test_init_through_a_link_to_nothing_says_so(
    run_reminder: RunReminder, default_config_file: Path, tmp_path: Path
) -> None:
    default_config_file.parent.mkdir(parents=True)
    default_config_file.symlink_to(tmp_path / "gone" / "config.toml")
    failed(
        run_reminder("init"),
        f"{default_config_file} is a symbolic link to {tmp_path / 'gone' / 'config.toml'}",
        "does not exist",
    )
    assert not (tmp_path / "gone").exists()
    assert default_config_file.is_symlink()


def in_own_mount_namespace(script: str) -> list[str]:
    """A prefix that runs the command after ``script`` (shell, as root), in a
    mount namespace of its own: mounts there vanish with the process."""
    unshare = shutil.which("unshare")
    assert unshare, "unshare (Debian util-linux) is needed"
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("a mount namespace needs root")
    return [
        unshare,
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script + ' && exec "$@"',
        "sh",
    ]


def test_init_in_a_read_only_folder_says_so_and_keeps_the_config(
    run_reminder: RunReminder, default_config_file: Path
) -> None:
    folder = default_config_file.parent
    folder.mkdir(parents=True)
    default_config_file.write_bytes(MINE)
    read_only = in_own_mount_namespace(
        f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' '{folder}'"
    )
    message = failed(
        run_reminder("init", "--force", prefix=read_only),
        "Could not keep the old config as",
        "Read-only file system",
        "Nothing was replaced",
    )
    assert str(folder) in message
    assert default_config_file.read_bytes() == MINE
    assert backups(folder) == []


# -- report --html ------------------------------------------------------------------------


def test_report_to_standard_output(run_reminder: RunReminder) -> None:
    result = succeeded(run_reminder("report", "--html", "-"))
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert result.stdout.rstrip().endswith("</html>")


def test_report_to_dev_stdout_is_written_as_a_stream(run_reminder: RunReminder) -> None:
    result = succeeded(run_reminder("report", "--html", "/dev/stdout"))
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert Path("/dev/stdout").is_symlink()


def test_report_into_a_missing_folder_is_an_error_and_creates_nothing(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "report.html"
    failed(
        run_reminder("report", "--html", str(target)), f"The folder {target.parent} does not exist"
    )
    assert not (tmp_path / "no").exists()


def test_report_to_a_device_writes_to_it_and_never_replaces_it(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("making a device node needs root")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    result = succeeded(run_reminder("report", "--html", str(null)))
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert result.stdout == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_report_to_a_pipe_streams_the_page(run_reminder: RunReminder, tmp_path: Path) -> None:
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    succeeded(run_reminder("report", "--html", str(fifo)))
    reader.join(timeout=20)
    assert received
    assert received[0].startswith(b"<!DOCTYPE html>")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_report_through_a_link_replaces_its_target_and_keeps_the_link(
    run_reminder: RunReminder, tmp_path: Path
) -> None:
    real = tmp_path / "site" / "report.html"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "report.html"
    link.symlink_to(real)
    succeeded(run_reminder("report", "--html", str(link)))
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
