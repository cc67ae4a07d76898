"""The per-user key that signs the result cache, kept outside it.

Whoever can write to a cache folder (a CI cache restored after other jobs,
a shared runner's home, a shared ``--cache-dir``) could otherwise plant an
entry that says a broken file has no problems. Every cache file carries an
HMAC-SHA256 of its content under this key, and a file whose MAC is missing
or wrong is not read. The key is 32 random bytes, created on first use in
the user's configuration directory with mode 0600 and published atomically
(an exclusive create, then a hard link that fails if another run was first),
so concurrent first runs agree on one key. It is never inside the cache
folder: a key there would sign nothing.
"""
from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path

KEY_FILE = "cache.key"
KEY_BYTES = 32


class KeyUnavailable(Exception):
    """Why the cache runs without a key (the run goes on without the cache)."""


def key_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("slopolicy")) / KEY_FILE


def user_key(cache_folder: Path, path: Path | None = None) -> bytes:
    """The key (created if there is none yet); :class:`KeyUnavailable` if it cannot be had."""
    path = path or key_path()
    if _inside(path, cache_folder):
        raise KeyUnavailable(f"the cache key {path} would be inside the cache folder "
                             f"{cache_folder}, where it would protect nothing")
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    _create(path)
    try:
        return _read(path)
    except FileNotFoundError:
        raise KeyUnavailable(f"the cache key {path} vanished as it was made") from None


def _inside(path: Path, folder: Path) -> bool:
    try:
        key = path.parent.resolve() / path.name
        return key.is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return True  # unresolvable: do not trust it


def _read(path: Path) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the cache key {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyUnavailable(f"the cache key {path} is not a regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise KeyUnavailable(f"the cache key {path} belongs to another user")
        if info.st_mode & 0o077 and os.name == "posix":  # elsewhere modes do not say who reads
            raise KeyUnavailable(f"the cache key {path} is open to other users "
                                 f"(mode {stat.S_IMODE(info.st_mode):04o}; it must be 0600)")
        text = os.read(fd, 256)
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the cache key {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(f"the cache key {path} is not {KEY_BYTES * 2} hex digits")
    return key


def _create(path: Path) -> None:
    """Publish a new key at ``path`` unless another run does first; never replace one."""
    text = (os.urandom(KEY_BYTES).hex() + "\n").encode("ascii")  # the system's CSPRNG
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # written whole to a private file first (mkstemp: O_EXCL, mode 0600 whatever the
        # umask), so no run ever reads half a key
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # atomic, and fails if a key exists
            except FileExistsError:
                pass  # another run made one first: that one is used
            except OSError:
                _create_in_place(path, text)  # a file system without hard links
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError as exc:
        raise KeyUnavailable(f"cannot create the cache key {path}: {exc.strerror}") from None


def _create_in_place(path: Path, text: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(text)


def note(reason: KeyUnavailable) -> None:
    """One line on stderr: the run goes on, without the cache."""
    sys.stderr.write(f"slopolicy: note: {reason}; checking without the result cache\n")
