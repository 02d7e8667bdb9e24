"""Commands run as another user, or as root without root's power to read
anything, through setpriv (Debian util-linux). Changing uid needs root:
outside CI a non-root run skips these tests; in CI a missing root is a
failure, not a skip."""

from __future__ import annotations

import os
import shutil

import pytest

NOBODY = 65534

# What lets root read and enter any file and folder whatever its mode.
_READ_ANYTHING = "dac_override,dac_read_search"


def _setpriv() -> str:
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("acting as another user needs root")
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (Debian util-linux) is needed"
    return setpriv


def as_user(uid: int, *, reach_the_install: bool = False) -> list[str]:
    """A command prefix: run as ``uid``, in no group.

    ``reach_the_install``: the command is the test's own ``reminder`` (or
    its Python). A clone in a folder other users cannot enter (``mktemp -d``
    gives 0700) would stop another uid from starting it, so it keeps the
    right to read and enter any folder (CAP_DAC_READ_SEARCH, as an ambient
    capability); it still cannot write where its uid may not."""
    prefix = [_setpriv(), f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    if reach_the_install:
        prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    return [*prefix, "--"]


def without_reading_rights() -> list[str]:
    """A command prefix: as root, when root is running the tests, but bound
    by file modes like any user (no CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH):
    a file of mode 0 cannot be read, while the test's own install, however
    private its folder, still can (root owns it). Empty for another user."""
    if os.geteuid() != 0:
        return []
    setpriv = _setpriv()
    drop = ",".join(f"-{cap}" for cap in _READ_ANYTHING.split(","))
    return [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}", "--"]
