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
3. matching takes the first document of each name in file order, and the
   sides list files in different orders (a commit's sorted, the working
   tree's folder by folder). A group whose unchanged files the two orders
   list otherwise is compared too, so a first document is the same one
   either way.

The comparison is then of the same documents, in the same order, as the
full check's, and the change rules see the same change. The base's policy
judges as ever (:mod:`slopolicy.gitops.gate`); the cache holds data only:
a blob's content key, signed, so a map that is altered is not read. Whatever
this cannot vouch for (no project index for the trusted settings, a commit
as the head, a symbolic link among the base's documents) is the full check.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

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


def warm_gate(gate: Gate, cache: Cache, select: frozenset[str] | None,
              ignore: frozenset[str], jobs: int | None, reviews: Path | None
              ) -> WarmGate | None:
    """The check of the working tree against ``gate``'s base; None: run it in full."""
    if gate.head_ref is not None:
        return None  # the head is a commit: the project index is the working tree's
    root, config = gate.project.repo_root, gate.config
    compare = gate.compare_side()
    if compare.links() and discovery.select(config, compare.links(), root):
        return None  # a document that is a link at the base: the full check reports it
    paths = discovery.select(config, compare.paths(), root)
    head = incremental.warm(root, config, gate.rules, cache, [], frozenset(), select, ignore,
                            jobs)
    if head is None or head.index is None:
        return None
    side = _Sides(gate, compare, cache, paths, head.index)
    changed = side.changed()
    head_files, base_files = side.compared(changed, head.loaded, jobs)
    base = gate.judged(base_files, head_files, reviews)
    ctx = Context(head_files, base=base, assumptions=config.assumptions)
    # the rules that read no base found the same as without one: the project index's
    change_rules = {rule_id: r for rule_id, r in gate.rules.items() if r.needs_base}
    found = [*head.found, *engine.run_rules(ctx, change_rules, config, select, ignore)]
    side.save()
    return WarmGate(found, ctx, base, head.totals, [*head.loaded, *head_files, *base_files])


class _Sides:
    """The merge base's documents against the head's, by path and content key."""

    def __init__(self, gate: Gate, compare: CommitReader, cache: Cache, paths: list[str],
                 index: Index) -> None:
        self.gate, self.compare, self.cache, self.paths, self.index = (
            gate, compare, cache, paths, index)
        self.root = gate.project.repo_root
        self.row = {path: row for row, path in enumerate(index.files.path)}
        self.known = cache.read_blobs()
        self.learnt = False  # whether a blob's key was learnt
        self.raw: dict[str, bytes] = {}  # the base's files read from git, by path

    def changed(self) -> set[str]:
        """The paths whose file is on one side only or differs (a file with no content key
        on the head, one that did not load, counts as changed)."""
        files, row, known = self.index.files, self.row, self.known
        unknown = [p for p in self.paths if self.compare.blob(p) not in known]
        self._read(unknown)
        keys = files.keys
        changed = set()
        for path in self.paths:
            at = row.get(path)
            key = known.get(self.compare.blob(path) or "")
            if at is None or key is None or keys[at * KEY_BYTES:(at + 1) * KEY_BYTES] != key:
                changed.add(path)
        at_base = set(self.paths)
        changed.update(p for p in files.path if p not in at_base)
        return changed

    def _read(self, paths: Sequence[str]) -> None:
        """Read ``paths`` at the merge base (those not read yet), learning each blob's key."""
        found = self.compare.read(p for p in paths if p not in self.raw)
        for path, raw in found.items():
            self.raw[path] = raw
            blob = self.compare.blob(path)
            if blob is not None and blob not in self.known:
                self.known[blob] = key_bytes(content_key(raw))
                self.learnt = True

    def compared(self, changed: set[str], loaded: list[SourceFile], jobs: int | None
                 ) -> tuple[list[SourceFile], list[SourceFile]]:
        """The files to compare, head's and base's, each side in its own order."""
        files, row = self.index.files, self.row
        group = files.group
        groups = {group[row[p]] for p in changed if p in row}
        at_base = [p for p in self.paths if p in changed]
        self._read([*at_base, *(p for p in self.paths
                                if p in row and group[row[p]] in groups)])
        base_changed = self._load(at_base, jobs)
        groups.update(self.index.links(link) for f in base_changed for link in file_links(f))
        groups.discard(-1)
        groups |= self._misordered(changed, groups)
        head_paths = [p for p in files.path if p in changed or group[row[p]] in groups]
        base_paths = [p for p in self.paths
                      if p in changed or (p in row and group[row[p]] in groups)]
        by_path = {f.path: f for f in base_changed}
        rest = [p for p in base_paths if p not in by_path]
        self._read(rest)
        by_path.update(zip(rest, self._load(rest, jobs)))
        return self._head(head_paths, loaded, jobs), [by_path[p] for p in base_paths]

    def _load(self, paths: Iterable[str], jobs: int | None) -> list[SourceFile]:
        return analysis.load_contents(((p, self.raw[p]) for p in paths), self.cache, jobs,
                                      self.gate.analyses)

    def _misordered(self, changed: set[str], groups: set[int]) -> set[int]:
        """The groups whose unchanged files the base lists in another order than the head."""
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
        """The head's files of ``paths``, those the warm check read as it read them."""
        by_path = {f.path: f for f in loaded}
        rest = [p for p in paths if p not in by_path]
        prefix = str(self.root.resolve()) + "/"
        by_path.update(zip(rest, analysis.load_known([(prefix + p, "") for p in rest],
                                                     self.root, self.cache, jobs)))
        return [by_path[p] for p in paths]

    def save(self) -> None:
        """Keep the blob map of the merge base's documents, when this run learnt a blob."""
        if self.learnt:
            remember_keys(self.cache, self.compare, self.paths, self.known)


def remember(cache: Cache, compare: CommitReader, files: Iterable[SourceFile]) -> None:
    """Keep each base file's blob id with its content key, for the next warm check."""
    keys = {f.path: key_bytes(f.cache_key) for f in files if f.cache_key}
    known = cache.read_blobs()
    fresh = {compare.blob(p): k for p, k in keys.items()}
    if any(known.get(b) != k for b, k in fresh.items() if b is not None):
        known.update((b, k) for b, k in fresh.items() if b is not None)
        remember_keys(cache, compare, list(keys), known)


def remember_keys(cache: Cache, compare: CommitReader, paths: Iterable[str],
                  known: dict[str, bytes]) -> None:
    """Write the blob map: the keys of the blobs of ``paths`` at ``compare`` (a map as large
    as the documents of one commit, not every blob ever read)."""
    kept = {}
    for path in paths:
        blob = compare.blob(path)
        if blob is not None and blob in known:
            kept[blob] = known[blob]
    cache.write_blobs(kept)
