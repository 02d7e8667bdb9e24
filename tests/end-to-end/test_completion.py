"""Tab completion, as a shell uses it: the script `reminder completion` prints,
sourced into a real bash."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

RunReminder = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(run_reminder: RunReminder, shell: str) -> None:
    result = run_reminder("completion", shell)
    assert result.returncode == 0
    assert "_REMINDER_COMPLETE" in result.stdout


def _complete(reminder_exe: Path, env: dict[str, str], words: str, cword: int) -> list[str]:
    bash = shutil.which("bash")
    assert bash, "bash is needed"
    script = (
        f'source <("{reminder_exe}" completion bash)\n'
        f"COMP_WORDS=({words}); COMP_CWORD={cword}\n"
        f'_reminder_completion "{reminder_exe}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**env, "PATH": f"{reminder_exe.parent}:{env.get('PATH', '')}"}
    result = subprocess.run(
        [bash, "-c", script], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_commands_and_routine_names(
    reminder_exe: Path, subprocess_env: dict[str, str]
) -> None:
    assert _complete(reminder_exe, subprocess_env, "reminder statu", 1) == ["status"]
    assert set(_complete(reminder_exe, subprocess_env, "reminder s", 1)) == {
        "snooze",
        "sound",
        "stats",
        "status",
        "skip",
        "stop",
    }
    assert _complete(reminder_exe, subprocess_env, "reminder plan glu", 2) == ["gluteus-medius"]
    assert _complete(reminder_exe, subprocess_env, "reminder now ps", 2) == ["psoas"]
