"""Files to analysed documents: read, parsed and schema-checked once per content.

Restored from the result cache when their content (or stat signature) is
known, analysed on every core when there are many, in the same order and
with the same result whatever the cache holds or the number of workers.

Within a run, a content is analysed once however many paths or sides hold
it (:class:`Analyses`): ``check --base`` loads two sides that are almost
all the same bytes. This is safe because the analysis depends on the bytes
alone, never on the path, the side or the configuration: the schemas are
slopolicy's own, and what a configuration chooses (the files, the rules and
their options) is applied after it. A file of a side is therefore what
analysing it alone would give, whatever the other side holds.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from stat import S_ISLNK
from typing import TYPE_CHECKING

from slopolicy import runtime
from slopolicy.cache.store import Cache, content_key, signature
from slopolicy.load import schemas
from slopolicy.load.discovery import relative
from slopolicy.load.files import load_bytes, read_regular, symlink_file
from slopolicy.model.documents import FileSnapshot, LoadProblem, SourceFile

if TYPE_CHECKING:
    from slopolicy.config.project import Project


PARALLEL_THRESHOLD = 400  # files to analyse before worker processes pay off


def analyse(rel: str, raw: bytes) -> FileSnapshot:
    """Parse one file and validate its documents: the per-file, cacheable work.

    Every document of a known kind is validated here, so the schema rule
    only reads the results (kept with the file in the cache).
    """
    source = load_bytes(rel, raw)
    for position, doc in enumerate(source.documents):
        if doc.known and doc.mapped_from is None:  # a mapped document's original is checked
            source.schema_results[position] = schemas.document_errors(doc.data)
    return source.snapshot()


class Analyses:
    """The contents analysed in one run, by content: each analysed once, for every path.

    A content is found by its digest and then compared byte for byte, so
    two files share an analysis only when they are the same bytes; what one
    side holds can never stand in for a different file of the other.
    """

    def __init__(self) -> None:
        self._done: dict[str, tuple[bytes, FileSnapshot]] = {}

    def get(self, key: str, raw: bytes) -> FileSnapshot | None:
        found = self._done.get(key)
        return found[1] if found is not None and found[0] == raw else None

    def add(self, key: str, raw: bytes, snapshot: FileSnapshot) -> None:
        self._done.setdefault(key, (raw, snapshot))

    def contents(self) -> list[bytes]:
        """The bytes of every content analysed."""
        return [raw for raw, _ in self._done.values()]

    def __len__(self) -> int:
        return len(self._done)


def _analyse_batch(batch: list[tuple[str, bytes]]) -> list[FileSnapshot]:
    return [analyse(rel, raw) for rel, raw in batch]


PROGRESS_THRESHOLD = 1000  # files: below this a check is quick enough to stay silent


class _Progress:
    """``slopolicy: 1,200/4,000 files`` on an interactive stderr, for long work."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.shown = total >= PROGRESS_THRESHOLD and sys.stderr.isatty()

    def add(self, count: int) -> None:
        self.done += count
        if self.shown:
            sys.stderr.write(f"\rslopolicy: analysed {self.done:,}/{self.total:,} files")
            if self.done >= self.total:
                sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _analyse_all(work: list[tuple[str, bytes]], jobs: int | None) -> list[FileSnapshot]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs is None and len(work) < PARALLEL_THRESHOLD:
        workers = 1
    workers = min(workers, max(1, len(work)))
    size = max(1, -(-len(work) // (workers * 8)))
    batches = [work[i:i + size] for i in range(0, len(work), size)]
    progress = _Progress(len(work))
    results: list[FileSnapshot] = []

    def done(batch: list[FileSnapshot]) -> None:
        results.extend(batch)
        progress.add(len(batch))

    runtime.parallel_map(_analyse_batch, batches, workers, done)
    return results


def load_files(
    paths: Iterable[str | Path], repo_root: Path, cache: Cache | None = None, jobs: int | None = 1,
    analyses: Analyses | None = None,
) -> list[SourceFile]:
    """Read, parse and schema-check files; cached by content, in parallel when large.

    ``jobs``: worker processes; None means all cores when the work is large.
    ``analyses``: the contents this run analysed already, shared (see
    :class:`Analyses`). The result is the same whatever ``jobs``, the cache
    and ``analyses`` hold.
    """
    batch = _Batch(analyses)
    with runtime.loading():
        _restore_cached(paths, repo_root, cache, batch)
    return batch.analysed(jobs)


def load_known(
    files: Iterable[tuple[str, str]], repo_root: Path, cache: Cache, jobs: int | None = 1
) -> list[SourceFile]:
    """Files (path, content key) whose content is known: restored by key, else read.

    A warm check knows the content of its unchanged files from the project
    index (:mod:`slopolicy.check.incremental`); an empty key, or one the
    cache has no entry for, means the file is read, hashed and analysed.
    """
    batch = _Batch()
    with runtime.loading():
        for path, key in files:
            rel = relative(path, repo_root)
            source = cache.restore(key, rel, path) if key else None
            if source is None:
                _restore_cached([path], repo_root, cache, batch, stat_index=False)
            else:
                batch.files.append(source)
    return batch.analysed(jobs)


def load_contents(
    contents: Iterable[tuple[str, bytes]], cache: Cache | None = None, jobs: int | None = 1,
    analyses: Analyses | None = None,
) -> list[SourceFile]:
    """Files from bytes already read (a commit's blobs), as :func:`load_files` loads them.

    Each file keeps its bytes to locate problems (it is on no disk).
    """
    batch = _Batch(analyses)
    kept: list[bytes] = []
    with runtime.loading():
        for rel, raw in contents:
            kept.append(raw)
            key = content_key(raw)
            source = cache.restore(key, rel, None) if cache is not None else None
            if source is None:
                batch.queue(rel, raw, key, None)
            else:
                batch.files.append(source)
    loaded = batch.analysed(jobs)
    for source, raw in zip(loaded, kept):
        source.raw = raw
    return loaded


class _Batch:
    """Files in order: restored from the cache, or queued to be analysed.

    With :class:`Analyses`, a content already analysed in this run (or
    queued twice) is analysed once, and each file restored from it under
    its own path.
    """

    def __init__(self, analyses: Analyses | None = None) -> None:
        self.files: list[SourceFile | None] = []
        self.work: list[tuple[str, bytes]] = []  # each content to analyse: a path of it, bytes
        self.keys: list[str] = []  # the content key of each piece of work
        # place, path, content key, origin, and its place in work or its analysis
        self.slots: list[tuple[int, str, str, str | None, int | FileSnapshot]] = []
        self.analyses = analyses
        self.queued: dict[str, int] = {}  # content key -> its place in work

    def queue(self, rel: str, raw: bytes, key: str, origin: str | None) -> None:
        self.files.append(None)
        place = len(self.files) - 1
        if self.analyses is not None:
            key = key or content_key(raw)
            found: int | FileSnapshot | None = self.analyses.get(key, raw)
            if found is None:
                index = self.queued.get(key)
                found = index if index is not None and self.work[index][1] == raw else None
            if found is not None:
                self.slots.append((place, rel, key, origin, found))
                return
            self.queued.setdefault(key, len(self.work))
        self.slots.append((place, rel, key, origin, len(self.work)))
        self.work.append((rel, raw))
        self.keys.append(key)

    def analysed(self, jobs: int | None) -> list[SourceFile]:
        """Every file, the queued ones analysed (the cyclic collector on: parsing makes garbage)."""
        done = _analyse_all(self.work, jobs)
        if self.analyses is not None:
            for key, (_, raw), snapshot in zip(self.keys, self.work, done):
                self.analyses.add(key, raw, snapshot)
        for slot, rel, key, origin, what in self.slots:
            snapshot = done[what] if isinstance(what, int) else what
            source = self.files[slot] = SourceFile.restore(rel, "", snapshot, origin, key)
            source.dirty = True
        return [f for f in self.files if f is not None]


def open_cache(project: Project, folder: Path | None = None) -> Cache | None:
    """The project's result cache, in ``folder`` or the user cache directory.

    None when it cannot be trusted (no per-user key to sign it): the run
    goes on without it.
    """
    from slopolicy.cache.store import default_dir
    from slopolicy.cache.store import open_cache as open_signed

    plugins = {r.source for r in project.rules.values() if r.source.startswith("plugin ")}
    with runtime.loading():
        return open_signed(folder or default_dir(), project.config.root, plugins)


def save_cache(cache: Cache | None, files: Iterable[SourceFile]) -> None:
    """Store what this run learnt about each file (after the rules ran)."""
    if cache is not None:
        cache.keep(files)


def _restore_cached(
    paths: Iterable[str | Path], repo_root: Path, cache: Cache | None, batch: _Batch,
    stat_index: bool = True,
) -> None:
    """Restore each file from the cache, or read it and queue it for analysis.

    A file whose stat signature is the one the cache recorded with its
    content key is not read at all (see slopolicy.cache); without
    ``stat_index`` every file is read and found by its content.
    """
    for path in paths:
        rel = relative(path, repo_root)
        origin = str(path)
        try:
            status = os.lstat(origin)
            if S_ISLNK(status.st_mode):  # refused in every mode (a commit's too): no document
                batch.files.append(symlink_file(rel, os.readlink(origin)))
                continue
            stat = signature(status) if cache is not None else None
            known = (cache.known(rel, stat, origin)
                     if stat is not None and cache is not None and stat_index else None)
            if known is not None:
                batch.files.append(known)
                continue
            raw, problem = read_regular(origin, status)  # a regular file, within the size cap
        except OSError as exc:
            raw, problem = None, f"cannot read file: {exc.strerror}"
        if raw is None:
            source = SourceFile(rel, "")
            source.problems.append(LoadProblem("yaml-syntax", problem or "cannot read", 1, 1))
            batch.files.append(source)
            continue
        if cache is None or stat is None:
            batch.queue(rel, raw, "", origin)
            continue
        key = content_key(raw)
        if stat_index:
            cache.note(rel, stat, key)
        restored = cache.restore(key, rel, origin)
        if restored is None:
            batch.queue(rel, raw, key, origin)
        else:
            batch.files.append(restored)
