"""Start at login: the files install writes, checked by the tools that read
them (systemd-analyze, desktop-file-validate, GLib's launcher, plistlib), and
the systemctl/launchctl calls, recorded through the injected ``run``.

Every file lands under tmp_path ($HOME, $XDG_CONFIG_HOME and %APPDATA% point
there). Needs the Debian packages systemd, desktop-file-utils and
libglib2.0-bin; a missing one fails the test, in CI and out of it.
"""

from __future__ import annotations

import os
import plistlib
import re
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.desktop import require

from reminder.autostart import (
    METHODS,
    Action,
    default_command,
    default_method,
    entry_path,
    install,
    install_message,
    plan_install,
    uninstall,
    uninstall_found,
    uninstall_found_message,
    uninstall_message,
)
from reminder.errors import ExitStatus, ReminderError

TOOL_TIMEOUT = 60
LAUNCH_TIMEOUT = 10.0
SYSTEMCTL_INSTALL = [
    ["systemctl", "--user", "daemon-reload"],
    ["systemctl", "--user", "enable", "--now", "reminder.service"],
]
SYSTEMCTL_UNINSTALL = [
    ["systemctl", "--user", "disable", "--now", "reminder.service"],
    ["systemctl", "--user", "daemon-reload"],
]
# The launchctl forms launchctl(1) documents for a per-user agent.
LAUNCHCTL_SHAPES = {
    "bootstrap": re.compile(r"gui/\d+ /.+\.plist"),
    "bootout": re.compile(r"gui/\d+/[A-Za-z0-9.-]+"),
    "enable": re.compile(r"gui/\d+/[A-Za-z0-9.-]+"),
}
ODD_NAME = "odd dir $HOME 'q' \"dq\" (1) #x back\\slash ~t"
"""A folder name with every character the entry formats quote or escape
(except those a format cannot hold at all)."""
ODD_ARGUMENTS = [
    "run",
    "a b",
    'say "hi"',
    "100%",
    "50%Z",
    "$HOME",
    "${HOME}",
    "it's",
    "back\\slash",
    ";",
]


@dataclass
class Recorder:
    """Stands in for subprocess.run: records each command, answers as told."""

    replies: dict[tuple[str, ...], tuple[int, str]] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, args: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
        assert options["check"] is False
        assert options["capture_output"] is True
        assert options["text"] is True
        assert 0 < options["timeout"] <= 60
        self.calls.append(list(args))
        returncode, stderr = self.replies.get(tuple(args), (0, ""))
        return subprocess.CompletedProcess(list(args), returncode, "", stderr)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def home() -> Path:
    return Path(os.environ["HOME"])


@pytest.fixture
def appdata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "AppData" / "Roaming"
    folder.mkdir(parents=True)
    monkeypatch.setenv("APPDATA", str(folder))
    return folder


@pytest.fixture
def windows_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Python folder as on Windows (python.exe, pythonw.exe), as sys.executable."""
    folder = tmp_path / "Program Files" / "Python312"
    folder.mkdir(parents=True)
    for name in ("python.exe", "pythonw.exe"):
        (folder / name).write_bytes(b"")
    monkeypatch.setattr(sys, "executable", str(folder / "python.exe"))
    return folder


@pytest.fixture(params=METHODS)
def method(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each method, with what it needs: %APPDATA% and a Windows Python for windows."""
    name: str = request.param
    if name == "windows":
        request.getfixturevalue("appdata")
        request.getfixturevalue("windows_python")
    assert entry_path(name).is_relative_to(tmp_path), "a test must not touch the real home"
    return name


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file and folder under root, with each file's bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }


def unit_settings(text: str) -> dict[str, list[str]]:
    """``Section.Key`` → values, from a unit file (comments skipped)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key}", []).append(value)
    return settings


def executable_script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g} s", pytrace=False)
        time.sleep(0.02)


def systemd_verify(unit: Path) -> subprocess.CompletedProcess[str]:
    analyze = require("systemd-analyze", "systemd")
    return subprocess.run(
        [analyze, "verify", "--user", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )


# --- systemd -----------------------------------------------------------------


def test_systemd_unit_passes_systemd_analyze_and_starts_the_daemon(
    recorder: Recorder, xdg_config_home: Path, reminder_exe: Path
) -> None:
    actions = install("systemd", dry_run=False, run=recorder)

    unit = xdg_config_home / "systemd" / "user" / "reminder.service"
    assert [a.kind for a in actions] == ["write", "run", "run"]
    assert actions[0].target == str(unit)
    assert recorder.calls == SYSTEMCTL_INSTALL
    verified = systemd_verify(unit)
    output = verified.stdout + verified.stderr
    assert verified.returncode == 0, output
    assert "reminder.service" not in output, output

    settings = unit_settings(unit.read_text())
    assert settings["Service.ExecStart"] == [f"{reminder_exe} run"]
    assert settings["Service.Restart"] == ["on-failure"]
    assert settings["Service.RestartPreventExitStatus"] == ["78"]
    assert settings["Unit.PartOf"] == ["graphical-session.target"]
    assert settings["Unit.After"] == ["graphical-session.target"]
    wanted_by = settings["Install.WantedBy"][0].split()
    assert set(wanted_by) == {"graphical-session.target", "default.target"}


def test_systemd_quotes_an_odd_program_path_and_arguments(
    recorder: Recorder, xdg_config_home: Path, tmp_path: Path
) -> None:
    # systemd refuses quotes and backslashes in a program path, so the
    # program's folder has spaces, %, $ and parentheses only.
    program = executable_script(tmp_path / "my apps %h $USER (2)" / "reminder", "exit 0")
    install("systemd", dry_run=False, run=recorder, command=[str(program), *ODD_ARGUMENTS])

    unit = xdg_config_home / "systemd" / "user" / "reminder.service"
    verified = systemd_verify(unit)
    output = verified.stdout + verified.stderr
    # systemd-analyze finds the program only if its path was unquoted as
    # written, and warns about any escape it does not know.
    assert verified.returncode == 0, output
    assert "reminder.service" not in output, output


def test_systemd_refuses_a_program_path_it_cannot_run(
    recorder: Recorder, xdg_config_home: Path, tmp_path: Path
) -> None:
    program = tmp_path / 'quote"d' / "reminder"
    with pytest.raises(ReminderError, match=r"--method xdg") as raised:
        install("systemd", dry_run=False, run=recorder, command=[str(program), "run"])
    assert raised.value.status == ExitStatus.FAILURE
    assert recorder.calls == []
    assert not (xdg_config_home / "systemd").exists()


def test_systemd_unusable_suggests_xdg_and_leaves_nothing(
    recorder: Recorder, xdg_config_home: Path
) -> None:
    recorder.replies[("systemctl", "--user", "daemon-reload")] = (
        1,
        "Failed to connect to bus: No medium found\n",
    )
    with pytest.raises(ReminderError) as raised:
        install("systemd", dry_run=False, run=recorder)
    message = raised.value.message
    assert raised.value.status == ExitStatus.FAILURE
    assert "Failed to connect to bus: No medium found" in message
    assert "`reminder install --method xdg`" in message
    assert recorder.calls == SYSTEMCTL_INSTALL[:1]
    assert not (xdg_config_home / "systemd" / "user" / "reminder.service").exists()


def test_systemd_through_real_processes(
    xdg_config_home: Path, tmp_path: Path, reminder_exe: Path
) -> None:
    """The default ``run`` is subprocess.run: a fake systemctl on PATH records its calls."""
    log = tmp_path / "systemctl.log"
    fake_bin = tmp_path / "fake-bin"
    executable_script(fake_bin / "systemctl", f'echo "$*" >> "{log}"')
    environ = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}

    install("systemd", dry_run=False, environ=environ)
    assert log.read_text().splitlines() == [" ".join(c[1:]) for c in SYSTEMCTL_INSTALL]

    executable_script(
        fake_bin / "systemctl",
        'if [ "$2" = enable ]; then echo "Failed to enable unit: Access denied" >&2; exit 1; fi',
    )
    with pytest.raises(ReminderError, match=r"Access denied.*systemctl --user status"):
        install("systemd", dry_run=False, environ=environ)


def test_systemd_uninstall_disables_then_removes(recorder: Recorder, xdg_config_home: Path) -> None:
    install("systemd", dry_run=False, run=recorder)
    recorder.calls.clear()
    # The user manager may never have loaded the unit; that is no failure.
    recorder.replies[("systemctl", "--user", "disable", "--now", "reminder.service")] = (
        1,
        "Failed to disable unit: Unit file reminder.service does not exist.\n",
    )

    actions = uninstall("systemd", dry_run=False, run=recorder)

    assert recorder.calls == SYSTEMCTL_UNINSTALL
    assert [a.kind for a in actions] == ["run", "remove", "run"]
    assert not (xdg_config_home / "systemd" / "user" / "reminder.service").exists()
    assert "stopped and removed" in uninstall_message("systemd", actions, dry_run=False)


def test_systemd_with_a_daemon_running_enables_without_starting_a_second(
    recorder: Recorder,
) -> None:
    """A second daemon would exit at once (one per user) and systemd would
    restart it in vain; the service starts at the next login instead."""
    install("systemd", dry_run=False, run=recorder, start=False)
    assert recorder.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "reminder.service"],
    ]
    message = install_message("systemd", dry_run=False, running=4242)
    assert "already running (pid 4242)" in message
    assert "has been started" not in message


def test_launchd_with_a_daemon_running_does_not_load_the_agent(recorder: Recorder) -> None:
    """Loading it would start it (RunAtLoad), and KeepAlive would retry the
    second daemon every minute."""
    install("launchd", dry_run=False, run=recorder, start=False)
    assert [call[:2] for call in recorder.calls] == [["launchctl", "enable"]]
    assert "already running (pid 7)" in install_message("launchd", dry_run=False, running=7)


def test_uninstall_found_removes_every_method_with_an_entry_of_ours(
    recorder: Recorder, xdg_config_home: Path, home: Path
) -> None:
    install("systemd", dry_run=False, run=recorder)
    xdg_entry = entry_path("xdg")
    (xdg_text,) = [
        a.detail
        for a in plan_install(
            "xdg", command=["/usr/bin/reminder", "run"], home=home, environ=dict(os.environ)
        )
    ]
    xdg_entry.parent.mkdir(parents=True)
    xdg_entry.write_text(xdg_text, encoding="utf-8")
    recorder.calls.clear()

    found = uninstall_found(dry_run=False, run=recorder, platform="linux")

    assert [method for method, _ in found.removed] == ["systemd", "xdg"]
    assert recorder.calls == SYSTEMCTL_UNINSTALL
    assert not entry_path("systemd").exists()
    assert not xdg_entry.exists()
    message = uninstall_found_message(found, dry_run=False)
    assert "systemd user service reminder.service is stopped and removed" in message
    assert "a daemon already running keeps running" in message


def test_uninstall_found_leaves_a_file_that_is_not_ours_and_says_so(
    recorder: Recorder, home: Path
) -> None:
    users_own = entry_path("xdg")
    users_own.parent.mkdir(parents=True)
    users_own.write_text("[Desktop Entry]\nName=my reminder\n", encoding="utf-8")

    found = uninstall_found(dry_run=False, run=recorder, platform="linux")

    assert found.removed == []
    assert found.left_alone == [users_own]
    assert users_own.read_text(encoding="utf-8") == "[Desktop Entry]\nName=my reminder\n"
    message = uninstall_found_message(found, dry_run=False)
    assert message.startswith("Nothing to uninstall")
    assert "was not written by `reminder install`, so it was left alone" in message


# --- xdg ---------------------------------------------------------------------


def test_xdg_entry_passes_desktop_file_validate(
    recorder: Recorder, xdg_config_home: Path, reminder_exe: Path
) -> None:
    install("xdg", dry_run=False, run=recorder)

    entry = xdg_config_home / "autostart" / "reminder.desktop"
    validate = require("desktop-file-validate", "desktop-file-utils")
    checked = subprocess.run(
        [validate, str(entry)], capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    lines = entry.read_text().splitlines()
    assert f"Exec={reminder_exe} run" in lines
    assert "Type=Application" in lines
    assert "Terminal=false" in lines
    assert "X-GNOME-Autostart-enabled=true" in lines
    assert recorder.calls == []


def test_xdg_exec_quoting_survives_the_desktop_launcher(
    recorder: Recorder, xdg_config_home: Path, tmp_path: Path
) -> None:
    """GLib's launcher (what GNOME's autostart uses) runs the entry and gets
    back exactly the command's arguments."""
    gio = require("gio", "libglib2.0-bin")
    record = tmp_path / "argv"
    program = executable_script(
        tmp_path / ODD_NAME / "reminder",
        f"printf '%s\\0' \"$0\" \"$@\" > '{record}.part' && mv '{record}.part' '{record}'",
    )
    command = [str(program), *ODD_ARGUMENTS]
    install("xdg", dry_run=False, run=recorder, command=command)
    entry = xdg_config_home / "autostart" / "reminder.desktop"

    validate = require("desktop-file-validate", "desktop-file-utils")
    checked = subprocess.run(
        [validate, str(entry)], capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    launched = subprocess.run(
        [gio, "launch", str(entry)],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
        env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]},
    )
    assert launched.returncode == 0, launched.stderr
    wait_until(record.exists, LAUNCH_TIMEOUT, "the launched program's record")
    assert record.read_bytes().decode().split("\0")[:-1] == command


# --- launchd -----------------------------------------------------------------


def check_launchctl_shapes(calls: list[list[str]]) -> None:
    for call in calls:
        assert call[0] == "launchctl", call
        shape = LAUNCHCTL_SHAPES.get(call[1])
        assert shape is not None, f"undocumented launchctl subcommand: {call}"
        assert shape.fullmatch(" ".join(call[2:])), call


def test_launchd_plist_round_trips_with_the_documented_keys(
    recorder: Recorder, home: Path, reminder_exe: Path
) -> None:
    uid = os.getuid()
    # Before the first install the agent is not loaded, so bootout fails.
    recorder.replies[("launchctl", "bootout", f"gui/{uid}/org.reminder.daemon")] = (
        3,
        "Boot-out failed: 3: No such process\n",
    )

    install("launchd", dry_run=False, run=recorder)

    plist_path = home / "Library" / "LaunchAgents" / "org.reminder.daemon.plist"
    job = plistlib.loads(plist_path.read_bytes())
    label = job["Label"]
    assert isinstance(label, str)
    assert plist_path.name == f"{label}.plist"
    arguments = job["ProgramArguments"]
    assert isinstance(arguments, list)
    assert all(isinstance(a, str) for a in arguments)
    assert arguments == [str(reminder_exe), "run"]
    assert Path(arguments[0]).is_absolute()
    assert job["RunAtLoad"] is True
    assert job["KeepAlive"] == {"SuccessfulExit": False}
    assert isinstance(job["ThrottleInterval"], int)
    assert job["ThrottleInterval"] > 10
    assert Path(job["StandardErrorPath"]).is_absolute()
    assert job["ProcessType"] in {"Background", "Standard", "Interactive", "Adaptive"}

    check_launchctl_shapes(recorder.calls)
    assert recorder.calls[-1] == ["launchctl", "bootstrap", f"gui/{uid}", str(plist_path)]

    recorder.calls.clear()
    uninstall("launchd", dry_run=False, run=recorder)
    check_launchctl_shapes(recorder.calls)
    assert recorder.calls == [["launchctl", "bootout", f"gui/{uid}/{label}"]]
    assert not plist_path.exists()


# --- windows -----------------------------------------------------------------


def test_windows_vbs_starts_pythonw_hidden(
    recorder: Recorder, appdata: Path, windows_python: Path
) -> None:
    install("windows", dry_run=False, run=recorder)

    vbs = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "reminder.vbs"
    data = vbs.read_bytes()
    assert data.startswith(b"\xff\xfe"), "UTF-16 with a byte-order mark, for non-ASCII paths"
    text = data[2:].decode("utf-16-le")
    assert "\r\n" in text
    run_line = next(line for line in text.splitlines() if ".Run " in line)
    found = re.fullmatch(
        r'CreateObject\("WScript\.Shell"\)\.Run "((?:[^"]|"")*)", 0, False', run_line
    )
    assert found is not None, run_line
    command_line = found.group(1).replace('""', '"')
    assert command_line == f'"{windows_python / "pythonw.exe"}" -m reminder run'
    assert recorder.calls == []


def test_windows_default_command_uses_pythonw_when_there(windows_python: Path) -> None:
    assert default_command("windows") == [
        str(windows_python / "pythonw.exe"),
        "-m",
        "reminder",
        "run",
    ]
    (windows_python / "pythonw.exe").unlink()
    assert default_command("windows") == [
        str(windows_python / "python.exe"),
        "-m",
        "reminder",
        "run",
    ]


# --- every method ------------------------------------------------------------


def test_install_twice_writes_the_same_bytes_and_one_entry(method: str, recorder: Recorder) -> None:
    install(method, dry_run=False, run=recorder)
    entry = entry_path(method)
    first = entry.read_bytes()
    calls_once = list(recorder.calls)

    install(method, dry_run=False, run=recorder)

    assert entry.read_bytes() == first
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]
    assert recorder.calls == calls_once * 2


def test_uninstall_removes_exactly_what_install_wrote(
    method: str, recorder: Recorder, tmp_path: Path
) -> None:
    before = snapshot(tmp_path)
    install(method, dry_run=False, run=recorder)
    entry = entry_path(method)
    assert entry.is_file()

    uninstall(method, dry_run=False, run=recorder)

    after = snapshot(tmp_path)
    # Only folders install had to create may stay; no file is left behind.
    assert {k: v for k, v in after.items() if v is not None} == {
        k: v for k, v in before.items() if v is not None
    }
    assert not entry.exists()


def test_a_file_that_is_not_ours_is_never_touched(
    method: str, recorder: Recorder, tmp_path: Path
) -> None:
    entry = entry_path(method)
    entry.parent.mkdir(parents=True, exist_ok=True)
    users_own = (
        plistlib.dumps({"Label": "org.example.mine", "ProgramArguments": ["/bin/true"]})
        if method == "launchd"
        else b"[Desktop Entry]\n# the user's own\n"
    )
    entry.write_bytes(users_own)
    before = snapshot(tmp_path)

    with pytest.raises(ReminderError, match="not written by `reminder install`") as raised:
        install(method, dry_run=False, run=recorder)
    assert "move it away" in raised.value.message
    with pytest.raises(ReminderError, match="not written by `reminder install`") as raised:
        uninstall(method, dry_run=False, run=recorder)
    assert "left alone" in raised.value.message

    assert snapshot(tmp_path) == before
    assert recorder.calls == []


def test_uninstall_with_nothing_installed_does_nothing(
    method: str, recorder: Recorder, tmp_path: Path
) -> None:
    before = snapshot(tmp_path)

    actions = uninstall(method, dry_run=False, run=recorder)

    assert actions == []
    assert recorder.calls == []
    assert snapshot(tmp_path) == before
    message = uninstall_message(method, actions, dry_run=False)
    assert message.startswith("Nothing to uninstall: ")
    assert "does not exist" in message


def test_dry_run_touches_nothing(method: str, recorder: Recorder, tmp_path: Path) -> None:
    before = snapshot(tmp_path)

    planned = install(method, dry_run=True, run=recorder)

    assert snapshot(tmp_path) == before
    assert recorder.calls == []
    command = default_command(method)
    assert planned == plan_install(
        method, command=command, home=Path.home(), environ=dict(os.environ)
    )
    assert planned[0] == Action("write", str(entry_path(method)), planned[0].detail)
    assert install_message(method, dry_run=True) == "Nothing was changed (--dry-run)."

    install(method, dry_run=False, run=recorder)
    installed = snapshot(tmp_path)
    calls = len(recorder.calls)
    would_remove = uninstall(method, dry_run=True, run=recorder)

    assert snapshot(tmp_path) == installed
    assert len(recorder.calls) == calls
    assert Action("remove", str(entry_path(method))) in would_remove


def test_dry_run_detail_is_what_install_writes(method: str, recorder: Recorder) -> None:
    planned = install(method, dry_run=True, run=recorder)
    install(method, dry_run=False, run=recorder)
    written = entry_path(method).read_bytes()
    detail = planned[0].detail
    if method == "windows":
        assert written[2:].decode("utf-16-le") == detail.replace("\n", "\r\n")
    else:
        assert written.decode() == detail


def test_install_says_what_happened(method: str, recorder: Recorder) -> None:
    install(method, dry_run=False, run=recorder)
    message = install_message(method, dry_run=False)
    assert message.startswith("reminder now starts at every ")
    assert message.endswith(".")


def test_a_relative_command_is_refused(method: str, recorder: Recorder, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    for command in (["reminder", "run"], ["bin/reminder", "run"], []):
        with pytest.raises(ReminderError):
            install(method, dry_run=False, run=recorder, command=command)
    assert snapshot(tmp_path) == before
    assert recorder.calls == []


# --- choosing ----------------------------------------------------------------


def test_systemd_and_xdg_are_never_both_installed(recorder: Recorder) -> None:
    install("xdg", dry_run=False, run=recorder)
    with pytest.raises(ReminderError, match=r"`reminder uninstall --method xdg` first"):
        install("systemd", dry_run=True, run=recorder)
    assert recorder.calls == []


def test_actions_read_as_sentences(home: Path) -> None:
    environ = {"HOME": str(home)}  # no XDG_CONFIG_HOME: ~/.config
    actions = plan_install(
        "systemd", command=["/usr/bin/reminder", "run"], home=home, environ=environ
    )
    assert [a.describe(dry_run=True, home=home) for a in actions] == [
        "Would write ~/.config/systemd/user/reminder.service",
        "Would run systemctl --user daemon-reload",
        "Would run systemctl --user enable --now reminder.service",
    ]
    assert actions[0].describe(dry_run=False, home=home) == (
        "Wrote ~/.config/systemd/user/reminder.service"
    )
    assert str(actions[2]) == "Would run systemctl --user enable --now reminder.service"


@dataclass
class Probe:
    """systemctl --user show-environment, answering with a status or an error."""

    answer: int | Exception
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, args: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        if isinstance(self.answer, Exception):
            raise self.answer
        return subprocess.CompletedProcess(list(args), self.answer, "", "")


@pytest.mark.parametrize(
    ("platform", "answer", "expected"),
    [
        ("linux", 0, "systemd"),
        ("linux", 1, "xdg"),
        ("linux", FileNotFoundError(2, "No such file or directory", "systemctl"), "xdg"),
        ("linux", subprocess.TimeoutExpired(["systemctl"], 5), "xdg"),
        ("darwin", 0, "launchd"),
        ("win32", 0, "windows"),
        ("freebsd14", 0, "xdg"),
    ],
)
def test_default_method(platform: str, answer: int | Exception, expected: str) -> None:
    probe = Probe(answer)
    assert default_method(platform=platform, environ={}, run=probe) == expected
    if platform == "linux":
        assert probe.calls == [["systemctl", "--user", "show-environment"]]
    else:
        assert probe.calls == []


def test_default_command_is_absolute(reminder_exe: Path, tmp_path: Path) -> None:
    assert default_command("systemd") == [str(reminder_exe), "run"]
    bare_python = tmp_path / "python-without-reminder" / "python3"
    bare_python.parent.mkdir()
    assert default_command("xdg", executable=str(bare_python)) == [
        str(bare_python),
        "-m",
        "reminder",
        "run",
    ]


def test_an_unwritable_place_is_a_message_not_a_traceback(
    method: str, recorder: Recorder, tmp_path: Path
) -> None:
    folder = entry_path(method).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where a folder should be\n")

    with pytest.raises(ReminderError, match=r"^Could not (read|write) .*try again\.$") as raised:
        install(method, dry_run=False, run=recorder)
    assert raised.value.status == ExitStatus.FAILURE
    assert recorder.calls == []


def test_launchd_without_launchctl_leaves_nothing(home: Path, tmp_path: Path) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    environ = {**os.environ, "PATH": str(empty_bin)}

    with pytest.raises(ReminderError, match=r"launchctl was not found.*nothing was installed"):
        install("launchd", dry_run=False, environ=environ)
    assert not (home / "Library" / "LaunchAgents" / "org.reminder.daemon.plist").exists()
