"""The result cache: what slopolicy learnt about each file, by content.

An entry is keyed by the SHA-256 of a file's bytes, in a folder whose name
binds the slopolicy version (and the state of its code), the cache format,
the project, the schema bundle and the installed plugins' versions, so a new
version, a changed schema or an upgraded plugin never reads an old answer.
Only per-file work is cached: parsing, schema errors, what document-scope
rules found (the rule's options are part of that result's key) and the
small facts that rules spanning files remember of each document (its
references, service, terms), all of which depend on nothing but the file's
bytes. Every rule that spans files runs again on every run, so a changed
SLO that an SLA refers to, or a changed configuration, always shows.

A second, small file, the index, remembers each file's stat signature (size,
modification and change times in nanoseconds, inode, device) with the key of
the content it had, so a warm run reads only the files whose signature
changed. Like git's index it guards against "racy" files: a signature is
recorded only when the file's modification and change times are older than
the run by more than the coarsest file-system clock tick (2 s), so an edit
made in the same tick as a run is never mistaken for no edit.

Entries live in 256 shards by the first byte of their key, so a run that
changed one file rewrites one or two small shards, not the whole cache. Each
shard is replaced atomically (a temporary file and a rename): several
processes (pre-commit, editors) may run at once, the last writer wins and no
reader sees half a file. Shards hold pickled plain data written only by
slopolicy itself into the user's own cache directory. A run that starts a new
folder removes the folders no run has used for 30 days.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slopolicy import __version__
from slopolicy.load.resources import data_dir
from slopolicy.load.schemas import BUNDLE, FORMATS_BUNDLE

FORMAT = 7  # 7: documents carry what they were mapped from


def default_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("slopolicy"))


def _fingerprint(project_root: Path, rules: Iterable[str]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{project_root.resolve()}\0".encode())
    digest.update((data_dir("schemas") / BUNDLE).read_bytes())
    digest.update((data_dir("schemas") / FORMATS_BUNDLE).read_bytes())
    digest.update(_code_stamp().encode())
    digest.update("\0".join(sorted(rules)).encode())
    return digest.hexdigest()[:32]


def _code_stamp() -> str:
    """Size and modification time of slopolicy's own modules.

    A release changes the version; a checkout under development changes its
    files, and a cached answer of the old code would mislead its author.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def content_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


Signature = tuple[int, int, int, int, int]
UNUSED_DAYS = 30  # a results folder no run used for this long is removed
_FOLDER = re.compile(r"results-[0-9a-f]{32}")
_FILE = re.compile(r"(index|[0-9a-f]{2})\.pickle|\.(index|[0-9a-f]{2})\.pickle-\w+\.tmp")
RACY_NS = 2_000_000_000  # FAT keeps modification times to 2 s


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def _load(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError,
            IndexError):
        return None  # an unreadable file is an empty one


class Cache:
    """Snapshots of analysed files by content hash, for one project."""

    def __init__(self, folder: Path, project_root: Path, rules: Iterable[str] = ()) -> None:
        """``rules``: where the project's rules come from (plugins with their versions)."""
        self.path = folder / f"results-{_fingerprint(project_root, rules)}"
        self.shards: dict[str, dict[str, tuple[Any, ...]]] = {}
        self.used: set[str] = set()
        self.dirty: set[str] = set()
        self.started_ns = time.time_ns()
        index = _load(self.path / "index.pickle")
        self.index: dict[str, tuple[Signature, str]] = index if isinstance(index, dict) else {}
        self.seen: dict[str, tuple[Signature, str]] = {}
        self.stated = False  # whether this run looked files up by signature
        try:
            names = os.listdir(self.path)
            os.utime(self.path)  # in use: see prune()
            self.existed = True
        except OSError:
            names = []  # no cache yet
            self.existed = False
        # Unpickling builds many containers and frees none: callers keep the
        # cyclic garbage collector off meanwhile (runtime.loading).
        for name in names:
            if name.endswith(".pickle") and len(name) == len("00.pickle"):
                loaded = _load(self.path / name)
                if isinstance(loaded, dict):
                    self.shards[name[:2]] = loaded

    def note(self, path: str, stat: Signature, key: str) -> None:
        """Record ``path``'s signature and content key, unless the file is racy."""
        if max(stat[1], stat[2]) < self.started_ns - RACY_NS:
            self.seen[path] = (stat, key)

    def known(self, path: str, stat: Signature) -> tuple[str, tuple[Any, ...]] | None:
        """The content key and snapshot of an unchanged file: its signature is recorded."""
        self.stated = True
        entry = self.index.get(path)
        if entry is None or entry[0] != stat:
            return None
        key = entry[1]
        snapshot = self.shards.get(key[:2], {}).get(key)
        if snapshot is None:
            return None
        self.seen[path] = entry
        self.used.add(key)
        return key, snapshot

    def get(self, key: str) -> tuple[Any, ...] | None:
        entry = self.shards.get(key[:2], {}).get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def put(self, key: str, snapshot: tuple[Any, ...]) -> None:
        self.shards.setdefault(key[:2], {})[key] = snapshot
        self.used.add(key)
        self.dirty.add(key[:2])

    def save(self) -> None:
        """Write the shards this run changed, dropping entries no file has any more."""
        for shard, entries in self.shards.items():
            stale = [key for key in entries if key not in self.used]
            if stale or shard in self.dirty:
                for key in stale:
                    del entries[key]
                self._write(f"{shard}.pickle", entries)
        self.dirty.clear()
        if self.stated and self.seen != self.index:  # a run of a commit's files keeps it
            self._write("index.pickle", self.seen)
            self.index = dict(self.seen)
        if not self.existed and self.path.is_dir():
            self.existed = True
            self.prune()

    def prune(self) -> None:
        """Remove the folders of other fingerprints that no run used for UNUSED_DAYS.

        A new version, an edited schema or a moved project starts a new folder;
        the old one would stay forever. Only folders that hold nothing but
        slopolicy's own files are removed, whatever ``--cache-dir`` names.
        """
        limit = time.time() - UNUSED_DAYS * 86400
        for sibling in self.path.parent.iterdir():
            if sibling == self.path or not _FOLDER.fullmatch(sibling.name):
                continue
            try:
                if sibling.is_symlink() or sibling.stat().st_mtime >= limit:
                    continue
                names = os.listdir(sibling)
                if all(_FILE.fullmatch(name) for name in names):
                    for name in names:
                        os.unlink(sibling / name)
                    sibling.rmdir()
            except OSError:
                continue  # another run is using or removing it

    def _write(self, name: str, entries: dict[str, Any]) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    pickle.dump(entries, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path / name)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only or full cache folder only costs speed
