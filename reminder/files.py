"""Files and folders reminder owns: written whole, kept private, never
followed through a link someone else planted.

The runtime folder may sit in a shared or world-writable place (a shared
``$XDG_RUNTIME_DIR``, the fallback folder), where another user could
pre-create ``reminder/`` or a file in it as a symbolic link to something the
victim can write. So a folder is checked (a real folder, ours, 0700) before
anything is opened in it, and files are opened with O_NOFOLLOW.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from reminder.errors import ReminderError

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
PRIVATE = os.name == "posix"
"""Owners and modes mean something here (not on Windows)."""


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def private_folder(folder: Path, *, holds: str, setting: str, links_ok: bool = False) -> bool:
    """Make sure ``folder`` is a real folder of ours that nobody else can use.

    Creates it 0700 (and its missing parents) if it is not there. Refuses,
    with a ReminderError naming the folder and the fix, when it is a symbolic
    link (unless ``links_ok``: then the folder it points to is checked), not
    a folder, or another user's: ``holds`` says what reminder keeps there,
    ``setting`` the environment variable that moves it. Returns True when a
    folder of ours was open to others and has been made 0700, so that the
    caller can say so (once).
    """
    fix = f"Set {setting} to a folder only you can use, or remove {folder}, and start again."
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir(0o700)
        except FileExistsError:
            created = False
        else:
            created = True
        info = os.lstat(folder)
        if links_ok and stat.S_ISLNK(info.st_mode):
            info = folder.stat()
    except OSError as error:
        raise ReminderError(
            f"Could not create {folder} for the {holds}: {error.strerror or error}. {fix}"
        ) from None
    if stat.S_ISLNK(info.st_mode):
        raise ReminderError(
            f"{folder} is a symbolic link, so someone else could choose where the {holds} go; "
            f"reminder keeps them only in a real folder of its own. {fix}"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise ReminderError(f"{folder} is not a folder, so the {holds} cannot go there. {fix}")
    if not PRIVATE:  # pragma: no cover - Windows: the profile folder is private
        return False
    if info.st_uid != os.geteuid():
        raise ReminderError(
            f"{folder} belongs to another user (uid {info.st_uid}), so reminder will not keep "
            f"its {holds} there. {fix}"
        )
    if created or stat.S_IMODE(info.st_mode) != 0o700:
        try:
            folder.chmod(0o700)
        except OSError as error:
            raise ReminderError(
                f"Could not make {folder} private (mode 0700): {error.strerror}. {fix}"
            ) from None
        return not created and bool(stat.S_IMODE(info.st_mode) & 0o077)
    return False


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` for a file in a private folder: never through a symbolic
    link, and only a regular file of ours; a ReminderError otherwise.
    Returns the descriptor (close-on-exec)."""
    try:
        fd = os.open(path, flags | NOFOLLOW | CLOEXEC, mode)
    except OSError as error:
        if error.errno == errno.ELOOP or (NOFOLLOW and path.is_symlink()):
            raise ReminderError(
                f"{path} is a symbolic link, which reminder never follows there; "
                "someone may have planted it. Remove it and start again."
            ) from None
        raise ReminderError(f"Could not open {path}: {error.strerror or error}.") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif PRIVATE and info.st_uid != os.geteuid():
        problem = f"belongs to another user (uid {info.st_uid})"
    if problem:
        os.close(fd)
        raise ReminderError(
            f"{path} {problem}, so reminder will not use it. Remove it and start again."
        )
    return fd


def tighten(path: Path, mode: int) -> bool:
    """Give an existing file of ours ``mode`` if it is looser; True when it was."""
    if not PRIVATE:  # pragma: no cover - Windows
        return False
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
            return False
        if stat.S_IMODE(info.st_mode) & ~mode:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
            return True
    except OSError:
        return False
    return False
