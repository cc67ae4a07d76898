"""A warm ``check --base``: the head from the project index, the base read where it differs.

A check of the working tree against a base finds what the check without a
base finds (the rules over the head's documents), and the change from the
merge base to the head, which the change rules judge. The first part is the
warm check's (:mod:`slopolicy.check.incremental`): the project index, kept
for the same rules and settings, and the groups a change touched checked
again. For the second part the sides are compared where they differ only:

1. the merge base's files are known by blob id, the head's by content key
   (the project index); the blob map (:mod:`slopolicy.cache.blobs`) gives a
   blob's content key, and a blob it does not know is read from git and
   hashed. A file is *changed* when it is on one side only or its contents
   differ;
2. the documents of an unchanged file are the same on both sides. Matching
   reads documents by their identity and by the links between them (an
   SLO's SLI, for whether it measures something else now), which are
   :mod:`slopolicy.rules.reach`'s links: every file that shares a link with
   a changed file, on either side, is in one of its groups. The groups of
   the changed files, those of the head in the project index and those the
   base's version of each changed file links to, are compared, with the
   changed files; every other document is the same on both sides and in the
   same place, so it makes no change;
3. matching of the copies of a name reads file order (what is left over is
   paired in order, a new copy compared with the base's first), and the
   sides list files in different orders (a commit's sorted, the working
   tree's folder by folder). A group whose unchanged files the two orders
   list otherwise is compared too, so a first document is the same one
   either way.

The comparison is then of the same documents, in the same order, as the
full check's, and the change rules see the same change. The base's policy
judges as ever (:mod:`slopolicy.gitops.gate`); the cache holds data only:
a blob's content key, signed, so a map that is altered is not read.

A head commit (``--head REF``, as pre-commit's pre-push passes the commit
pushed) is served the same way when it holds the working tree's documents:
the same files, in the same order, each of the same content by its blob's
key (a pushed commit checked out, nothing edited since). Its files that
are compared are read from git, as the full check reads them. Whatever this
cannot vouch for (no project index for the trusted settings, a head commit
that is not the working tree, a symbolic link among a commit's documents)
is the full check.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from slopolicy.cache.project import KEY_BYTES, key_bytes
from slopolicy.cache.store import Cache, content_key
from slopolicy.check import analysis, engine, incremental
from slopolicy.check.incremental import Index, Totals
from slopolicy.load import discovery
from slopolicy.load.readers import CommitReader
from slopolicy.model.documents import SourceFile
from slopolicy.model.problems import Problem
from slopolicy.rules.context import Context
from slopolicy.rules.reach import file_links

if TYPE_CHECKING:
    from slopolicy.changes.changeset import BaseSide
    from slopolicy.gitops.gate import Gate


class WarmGate(NamedTuple):
    """What a warm check against a base found, and what it read."""

    found: list[Problem]  # every problem the rules found, before waivers
    ctx: Context  # the head's files the change rules saw, with the base side
    base: BaseSide
    totals: Totals
    loaded: list[SourceFile]  # every file read or restored (to be kept in the cache)


_CHUNK = 512  # files whose content keys are compared at once


def warm_gate(gate: Gate, cache: Cache, select: frozenset[str] | None,
              ignore: frozenset[str], jobs: int | None, reviews: Path | None
              ) -> WarmGate | None:
    """The check of the working tree against ``gate``'s base (or of a head commit that
    holds the working tree's documents); None: run it in full."""
    root, config = gate.project.repo_root, gate.config
    compare = gate.compare_side()
    commit = gate.head if gate.head_ref is not None else None
    if commit is not None and not isinstance(commit, CommitReader):
        return None
    if any(_linked(gate, side) for side in (compare, commit) if side is not None):
        return None  # a document that is a link in a commit: the full check reports it
    head = incremental.warm(root, config, gate.rules, cache, [], frozenset(), select, ignore,
                            jobs)
    if head is None or head.project is None:
        return None
    side = _Sides.of(gate, compare, cache, head.project, commit)
    if side is None or not side.holds_working_tree():
        return None
    head_files, base_files = side.compared(side.changed(), head.loaded, jobs)
    base = gate.judged(base_files, head_files, reviews)
    ctx = Context(head_files, base=base, assumptions=config.assumptions)
    # the rules that read no base found what they find without one: the project index's
    change_rules = {rule_id: r for rule_id, r in gate.rules.items() if r.needs_base}
    found = [*head.found, *engine.run_rules(ctx, change_rules, config, select, ignore)]
    side.save()
    return WarmGate(found, ctx, base, head.totals, [*head.loaded, *head_files, *base_files])


def _linked(gate: Gate, commit: CommitReader) -> bool:
    """Whether the globs select a symbolic link of ``commit``."""
    links = commit.links()
    return bool(links and discovery.select(gate.config, links, gate.project.repo_root))


def _selected(gate: Gate, compare: CommitReader, listed: Mapping[str, int]) -> list[str] | None:
    """The merge base's documents, as the trusted globs select them (sorted); None when the
    globs are of a folder outside the repository.

    A file the project index lists is one the same globs selected on disk,
    and a commit's file is selected as the same path on disk is
    (:func:`slopolicy.load.discovery.select`): only the others are matched.
    """
    root, config = gate.project.repo_root, gate.config
    try:
        folder = config.root.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    inside = "" if folder == "." else folder + "/"  # the globs select nothing outside it
    paths = compare.paths()
    rest = [p for p in paths if p not in listed and p.startswith(inside)]
    if not rest:
        return sorted(p for p in paths if p in listed)
    walked = _Walked(config.root.resolve(), root.resolve())
    unsure = [p for p in rest if not walked.would_list(p)]
    chosen = discovery.select(config, unsure, root) if unsure else []
    return sorted([*(p for p in paths if p in listed), *chosen])


class _Walked:
    """Whether the scan of the working tree would list a file if the globs selected it.

    Such a file that the project index does not list is not selected: it is
    not matched again (matching loads the glob library, which costs more than
    a warm check's whole comparison). A file the scan might not reach (behind
    a link, in a nested repository, in a folder it cannot list, outside the
    project) is left to the globs.
    """

    def __init__(self, top: Path, repository: Path) -> None:
        self.top, self.repository = top, repository
        self.folders: dict[Path, bool] = {}

    def would_list(self, path: str) -> bool:
        full = self.repository / path
        try:
            if not stat.S_ISREG(os.lstat(full).st_mode):
                return False
        except OSError:
            return False
        return self.top in full.parents and self._walked(full.parent)

    def _walked(self, folder: Path) -> bool:
        found = self.folders.get(folder)
        if found is None:
            found = self.folders[folder] = self._plain(folder) and (
                folder == self.top or self._walked(folder.parent))
        return found

    def _plain(self, folder: Path) -> bool:
        """A folder the scan lists: a real one it can read, no repository of its own."""
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
        except OSError:
            return False
        nested = folder != self.repository and os.path.lexists(folder / ".git")
        return not nested and os.access(folder, os.R_OK | os.X_OK)


class _Sides:
    """The merge base's documents against the head's, by path and content key."""

    def __init__(self, gate: Gate, compare: CommitReader, cache: Cache, paths: list[str],
                 index: Index, row: dict[str, int], commit: CommitReader | None) -> None:
        self.gate, self.compare, self.cache, self.paths, self.index = (
            gate, compare, cache, paths, index)
        self.commit = commit  # the head, when it is a commit (else the working tree)
        self.root = gate.project.repo_root
        self.row = row
        self.same = paths == index.files.path  # the same files in the same order (most runs)
        self.known = cache.read_blobs()
        self.learnt = False  # whether a blob's key was learnt
        self.raw: dict[str, bytes] = {}  # the base's files read from git, by path

    @classmethod
    def of(cls, gate: Gate, compare: CommitReader, cache: Cache, index: Index,
           commit: CommitReader | None) -> _Sides | None:
        row = {path: at for at, path in enumerate(index.files.path)}
        paths = _selected(gate, compare, row)
        return None if paths is None else cls(gate, compare, cache, paths, index, row, commit)

    def holds_working_tree(self) -> bool:
        """Whether the head holds the working tree's documents: the same files, in the same
        order (a commit lists its files sorted), each of the same content."""
        if self.commit is None:
            return True
        files = self.index.files
        if _selected(self.gate, self.commit, self.row) != files.path:
            return False
        blobs = self.commit.blobs_of(files.path)
        self._learn(self.commit, [p for p, b in zip(files.path, blobs) if b not in self.known])
        keys = [self.known.get(b or "") for b in blobs]
        return None not in keys and b"".join(cast(list[bytes], keys)) == files.keys

    def changed(self) -> set[str]:
        """The paths whose file is on one side only or differs (a file with no content key
        on the head, one that did not load, counts as changed)."""
        files, known = self.index.files, self.known
        blobs = self.compare.blobs_of(self.paths)
        self._read([p for p, b in zip(self.paths, blobs) if b not in known])
        keys = [known.get(b or "") for b in blobs]
        if self.same and None not in keys:
            # each file's key at the base against its row's: compared in C, chunk by chunk
            base = b"".join(cast(list[bytes], keys))
            head, width = files.keys, KEY_BYTES * _CHUNK
            return {self.paths[at] for start in range(0, len(base), width)
                    if base[start:start + width] != head[start:start + width]
                    for at in range(start // KEY_BYTES, min(len(keys), (start + width) //
                                                             KEY_BYTES))
                    if keys[at] != files.key(at)}
        changed = set()
        for path, key in zip(self.paths, keys):
            at = self.row.get(path)
            if at is None or key is None or files.key(at) != key:
                changed.add(path)
        at_base = set(self.paths)
        changed.update(p for p in files.path if p not in at_base)
        return changed

    def _read(self, paths: Sequence[str]) -> None:
        """Read ``paths`` at the merge base (those not read yet), learning each blob's key."""
        self.raw.update(self._learn(self.compare, [p for p in paths if p not in self.raw]))

    def _learn(self, commit: CommitReader, paths: Sequence[str]) -> dict[str, bytes]:
        """``paths`` read at ``commit``, each blob's content key learnt."""
        found = commit.read(paths)
        for path, raw in found.items():
            [blob] = commit.blobs_of([path])
            if blob is not None and blob not in self.known:
                self.known[blob] = key_bytes(content_key(raw))
                self.learnt = True
        return found

    def compared(self, changed: set[str], loaded: list[SourceFile], jobs: int | None
                 ) -> tuple[list[SourceFile], list[SourceFile]]:
        """The files to compare, head's and base's, each side in its own order."""
        files, row = self.index.files, self.row
        group = files.group
        groups = {group[row[p]] for p in changed if p in row}
        at_base = [p for p in self.paths if p in changed]
        self._read([*at_base, *self._base_paths(changed, groups)])
        base_changed = self._load(at_base, jobs)
        groups.update(self.index.links(link) for f in base_changed for link in file_links(f))
        groups.discard(-1)
        groups |= self._misordered(changed, groups)
        rows = set(incremental.rows_in(group, groups))
        rows.update(row[p] for p in changed if p in row)
        head_paths = [files.path[at] for at in sorted(rows)]
        base_paths = self._base_paths(changed, groups)
        by_path = {f.path: f for f in base_changed}
        rest = [p for p in base_paths if p not in by_path]
        self._read(rest)
        by_path.update(zip(rest, self._load(rest, jobs)))
        return self._head(head_paths, loaded, jobs), [by_path[p] for p in base_paths]

    def _base_paths(self, changed: set[str], groups: set[int]) -> list[str]:
        """The base's files of ``changed`` and of ``groups``, in the base's order."""
        group, row = self.index.files.group, self.row
        if self.same:
            rows = {*incremental.rows_in(group, groups), *(row[p] for p in changed if p in row)}
            return [self.paths[at] for at in sorted(rows)]
        return [p for p in self.paths if p in changed or (p in row and group[row[p]] in groups)]

    def _load(self, paths: Iterable[str], jobs: int | None) -> list[SourceFile]:
        return analysis.load_contents(((p, self.raw[p]) for p in paths), self.cache, jobs,
                                      self.gate.analyses)

    def _misordered(self, changed: set[str], groups: set[int]) -> set[int]:
        """The groups whose unchanged files the base lists in another order than the head."""
        if self.same:
            return set()
        group, row = self.index.files.group, self.row
        rows = [row[p] for p in self.paths if p not in changed]
        if all(a < b for a, b in zip(rows, rows[1:])):
            return set()
        last: dict[int, int] = {}
        found = set()
        for at in rows:
            number = group[at]
            if number in groups or number in found:
                continue
            if last.get(number, -1) > at:
                found.add(number)
            last[number] = at
        return found

    def _head(self, paths: list[str], loaded: list[SourceFile], jobs: int | None
              ) -> list[SourceFile]:
        """The head's files of ``paths``, those the warm check read as it read them (a head
        commit's as the full check reads them: from git)."""
        if self.commit is not None:
            raw = self.commit.read(paths)
            return analysis.load_contents(((p, raw[p]) for p in paths), self.cache, jobs,
                                          self.gate.analyses)
        by_path = {f.path: f for f in loaded}
        rest = [p for p in paths if p not in by_path]
        prefix = str(self.root.resolve()) + os.sep
        by_path.update(zip(rest, analysis.load_known([(prefix + p, "") for p in rest],
                                                     self.root, self.cache, jobs)))
        return [by_path[p] for p in paths]

    def save(self) -> None:
        """Keep the blob map of the merge base's documents, when this run learnt a blob."""
        if self.learnt:
            sides = [(self.compare, self.paths)]
            if self.commit is not None:
                sides.append((self.commit, self.index.files.path))
            remember_keys(self.cache, sides, self.known)


def remember(cache: Cache, compare: CommitReader, files: Iterable[SourceFile]) -> None:
    """Keep each base file's blob id with its content key, for the next warm check."""
    keys = {f.path: key_bytes(f.cache_key) for f in files if f.cache_key}
    known = cache.read_blobs()
    fresh = dict(zip(compare.blobs_of(keys), keys.values()))
    if any(known.get(b) != k for b, k in fresh.items() if b is not None):
        known.update((b, k) for b, k in fresh.items() if b is not None)
        remember_keys(cache, [(compare, list(keys))], known)


def remember_keys(cache: Cache, sides: Iterable[tuple[CommitReader, Iterable[str]]],
                  known: dict[str, bytes]) -> None:
    """Write the blob map: the keys of the blobs of each side's paths (a map as large as
    the documents of the commits compared, not every blob ever read)."""
    kept = {}
    for commit, paths in sides:
        for blob in commit.blobs_of(paths):
            if blob is not None and blob in known:
                kept[blob] = known[blob]
    cache.write_blobs(kept)
