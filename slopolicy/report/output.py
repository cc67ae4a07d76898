"""Writing files safely: a reader never sees half a file, and nothing else at the path is destroyed."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import TextIO

from slopolicy.model.errors import UsageError

# Paths that name a stream of this process or a device (/dev/stdout, /proc/self/fd/1): written
# through even when they lead to a regular file, which its opener may be appending to.
_STREAMS = ("/dev/", "/proc/")
# A file name that is not UTF-8 reaches a report as lone surrogates, which UTF-8 cannot hold:
# written as their escape (\udcff), never a crash.
_UNENCODABLE = "backslashreplace"


def write_atomic(path: Path, text: str | TextIO) -> None:
    """Write ``text`` (a string, or a stream read to its end in pieces, so a report of
    tens of megabytes is never held whole) to ``path``; UsageError (exit 2) when it cannot
    be written.

    A regular file, or a new one, is replaced through a temporary file and a
    rename, so a reader never sees half of it; the new file gets the mode the
    umask gives (an existing file keeps its own). A symlink is followed: its
    target is replaced and the link stays. Anything else (a device such as
    /dev/null, a FIFO, a terminal, /dev/stdout) is written to, never replaced.
    """
    try:
        found: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        found = None  # a new file, or a symlink to one
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise UsageError(f"cannot write {path}: it is a folder; name a file")
    try:
        if found is not None and (not stat.S_ISREG(found.st_mode) or _stream(path)):
            # appending: a stream opened with >> by the shell keeps what it holds
            with open(path, "a", encoding="utf-8", errors=_UNENCODABLE, newline="") as f:
                _copy(text, f)
            return
        mode = stat.S_IMODE(found.st_mode) if found is not None else 0o666 & ~_umask()
        _replace(Path(os.path.realpath(path)), text, mode)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def rewrite_atomic(path: Path, text: str) -> None:
    """Replace the regular file at ``path`` (a document ``fmt`` or ``convert --in-place``
    rewrites) through a temporary file beside it and a rename, keeping its mode; UsageError
    (exit 2) when it is no longer a regular file.

    Never through a symbolic link: the rename replaces the name itself, so a
    file swapped for a link since it was read is replaced, and what the link
    leads to is never written.
    """
    try:
        found = os.lstat(path)
        if not stat.S_ISREG(found.st_mode):
            raise UsageError(f"cannot write {path}: it is no longer a regular file")
        _replace(path, text, stat.S_IMODE(found.st_mode))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _stream(path: Path) -> bool:
    """Whether ``path``, or a symlink on the way to its file, is under /dev or /proc."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        if current.startswith(_STREAMS):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return False


def _replace(path: Path, text: str | TextIO, mode: int) -> None:
    """Write a temporary file beside ``path`` and rename it over ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)  # mkstemp makes it 0600 whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8", errors=_UNENCODABLE, newline="") as f:
            _copy(text, f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _copy(text: str | TextIO, into: TextIO) -> None:
    if isinstance(text, str):
        into.write(text)
    else:
        shutil.copyfileobj(text, into)


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
