"""The result cache: what loading and schema validation found, by content.

An entry is keyed by the SHA-256 of a file's bytes, inside a cache file whose
name binds the slopolicy version and the schema bundle, so a new version or a
changed schema never reads an old answer. Only per-file work is cached
(parsing and schema errors, which depend on nothing but the file's bytes);
every rule that spans files runs again on every run, so a changed SLO that an
SLA refers to, or a changed configuration, always shows.

The cache file is replaced atomically (a temporary file and a rename), so
several processes (pre-commit, editors) may run at once: the last writer
wins and no reader sees half a file. It holds pickled plain data written
only by slopolicy itself into the user's own cache directory.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from slopolicy import __version__
from slopolicy.resources import data_dir
from slopolicy.schemas import BUNDLE

FORMAT = 1


def default_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("slopolicy"))


def _fingerprint(project_root: Path) -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{project_root.resolve()}\0".encode())
    digest.update((data_dir("schemas") / BUNDLE).read_bytes())
    return digest.hexdigest()[:32]


def _load_without_gc(f: Any) -> Any:
    # Unpickling builds many containers and frees none: collecting meanwhile
    # only costs time (more than half of the load).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(f)
    finally:
        if enabled:
            gc.enable()


def content_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Cache:
    """Snapshots of analysed files by content hash, for one project."""

    def __init__(self, folder: Path, project_root: Path) -> None:
        self.path = folder / f"results-{_fingerprint(project_root)}.pickle"
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.used: set[str] = set()
        self.dirty = False
        try:
            with open(self.path, "rb") as f:
                loaded = _load_without_gc(f)
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            self.entries = {}  # a missing or unreadable cache is an empty one

    def get(self, key: str) -> tuple[Any, ...] | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def put(self, key: str, snapshot: tuple[Any, ...]) -> None:
        self.entries[key] = snapshot
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the entries used by this run (dropping stale ones), atomically."""
        if not self.dirty and len(self.used) == len(self.entries):
            return
        keep = {key: self.entries[key] for key in self.used if key in self.entries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".results-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(keep, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only or full cache folder only costs speed
