"""A warm check that costs what changed: the project index, and the rules re-run where their inputs changed.

After a check of the whole project, the project index
(:mod:`slopolicy.cache.project`) keeps every file's signature and content
key, the groups that the documents' links form (:mod:`slopolicy.rules.reach`)
and every problem the rules found. The next check

1. takes the list of files as kept while no folder the scan listed changed
   (else it scans again), and compares each file's stat signature with the
   kept one, reading and hashing only the files whose signature changed;
2. with no content changed, takes the kept problems as they are: no
   document is restored, no rule runs;
3. else finds the groups the change touches: the changed files' groups
   before the change, and the groups of the links they have now (a new
   reference to an SLO ties the SLA to that SLO's group), and, when a
   changed file declares other names than it did, the groups with a missing
   reference (whose did-you-mean reads every name of a kind).
   It restores the files of those groups only, runs every rule over them,
   and keeps the other groups' problems.

A rule that spans documents reads only documents its document is linked to,
so the problems of a group depend on nothing outside it; a problem that
points outside the groups checked again means that did not hold, and the
check runs in full. Whatever this module cannot vouch for (a plugin's rule,
a house rule that reads ``documents``, a named file the globs do not
select, an index written for other settings) is a full check, which writes
the index again. Waivers, and the rules that judge them, are applied to
every run's whole list of problems, as a full check applies them.
"""
from __future__ import annotations

import array
import bisect
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from itertools import compress, count, repeat
from operator import attrgetter, ne
from pathlib import Path
from typing import NamedTuple, overload

from slopolicy.cache import store
from slopolicy.cache.codec import Malformed
from slopolicy.cache.project import (
    KEY_BYTES,
    NO_SIGNATURE,
    DeltaRecord,
    Files,
    FolderColumns,
    ProblemRow,
    ProjectRecord,
    RelatedRow,
    files_of,
    key_bytes,
    pack,
    unpack,
)
from slopolicy.cache.store import Cache, Signature, signature
from slopolicy.check import analysis, engine
from slopolicy.config.settings import Config
from slopolicy.load import discovery
from slopolicy.model.documents import SourceFile
from slopolicy.model.problems import Problem, RelatedLocation
from slopolicy.rules import Rule
from slopolicy.rules.context import CEL_STEPS, CelSteps, Context
from slopolicy.rules.reach import file_links

FORMAT = "3"  # what the run fingerprint means; bump when the index means something else
MISSING_REFERENCE = "unresolved-reference"  # its did-you-mean reads every name of a kind


class Totals(NamedTuple):
    """What a report counts of each file of the project, in scan order."""

    path: list[str]
    documents: Sequence[int]  # of a known kind, not mapped from another format
    others: Sequence[int]  # objects of no known apiVersion


class Index(NamedTuple):
    """The project index as a warm check left it: every file's row (its path, content key
    and group, in scan order) and the group of a link, for what compares the project with
    another side of it (:mod:`slopolicy.gitops.warm`)."""

    files: Files
    links: Callable[[str], int]  # the group of a link's text; -1 for none


class Warm(NamedTuple):
    """What a warm check found, and what it read."""

    found: list[Problem]  # every problem the rules found in the project, before waivers
    ctx: Context  # the files checked again (none when nothing changed)
    loaded: list[SourceFile]  # every file read or restored (to be kept in the cache)
    totals: Totals
    project: Index | None = None  # the index now


def totals(files: Sequence[SourceFile]) -> Totals:
    return Totals([f.path for f in files], [_documents(f) for f in files],
                  [f.others for f in files])


def _documents(source: SourceFile) -> int:
    return sum(1 for d in source.documents if d.known and d.mapped_from is None)


def declared_names(source: SourceFile) -> int:
    """A digest of the names the file's documents declare, in order (0: none)."""
    declared = "\0".join(f"{d.api_version}/{d.kind}/{d.name}" for d in source.documents
                         if d.known)
    if not declared:
        return 0
    return int.from_bytes(hashlib.blake2b(declared.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little", signed=True)


# -- what the problems depend on besides the files ----------------------------------------


def run_key(rules: Mapping[str, Rule], config: Config, select: frozenset[str] | None,
            ignore: frozenset[str]) -> str | None:
    """The fingerprint of the rules' settings for this run; None if a rule's reach is unknown."""
    parts = [FORMAT, str(config.root), repr(config.include), repr(config.exclude),
             repr(config.assumptions), repr(sorted(select) if select is not None else None),
             repr(sorted(ignore)), _zones()]
    for rule_id in sorted(rules):
        rule = rules[rule_id]
        reach = _reach(rule)
        if reach is None:
            return None
        setting = config.setting(rule)
        parts.append(repr((rule_id, setting.severity, sorted(setting.options.items()), reach,
                           rule.needs_base, rule.after_waivers)))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _zones() -> str:
    """The time zone database's release: calendar verdicts are computed with it."""
    import importlib

    try:
        zones = importlib.import_module("tzdata")
    except ImportError:
        return ""
    return str(getattr(zones, "IANA_VERSION", ""))


def _reach(rule: Rule) -> str | None:
    """What a rule reads besides its settings: "" for a built-in rule; None if not known.

    A house rule that reads only its document is its definition's
    fingerprint, and its CEL cost limits; one that reads ``documents`` reads
    every document, and a plugin's rule may read anything.
    """
    if not rule.source:
        return ""
    compiled = next(iter(getattr(rule.check, "args", ())), None)
    fingerprint = getattr(compiled, "fingerprint", None)
    if not isinstance(fingerprint, str) or getattr(compiled, "reads_documents", True):
        return None
    return f"{fingerprint} {getattr(compiled, 'limits', None)}"


# -- the warm check -----------------------------------------------------------------------


class _Scan(NamedTuple):
    """The files the globs select now, each with its row in the index (-1: a new file)."""

    prefix: str  # the repository root, ending in a separator
    rows: list[str]  # repository-relative paths, in scan order
    old: Sequence[int]
    walked: list[str] | None  # the folders listed, when the scan ran again

    @property
    def same(self) -> bool:
        """Whether the files are the index's, in its order."""
        return isinstance(self.old, range)


class _Changes(NamedTuple):
    loaded: dict[int, SourceFile]  # by row: every file read this run
    signatures: dict[int, Signature | None]  # by row: its signature now (None: racy)
    changed: set[int]  # rows whose content is not the kept one (and new files)
    gone: set[int]  # rows of the index no longer among the files


def warm(project_root: Path, config: Config, rules: Mapping[str, Rule], cache: Cache,
         named: Iterable[str], explicit: frozenset[str], select: frozenset[str] | None,
         ignore: frozenset[str], jobs: int | None,
         left_out: Callable[[str], bool] | None = None) -> Warm | None:
    """The check from the project index and what changed since; None: run the full check.

    ``named``: the files named (repository-relative); one that the globs do
    not select is read by the full check only, unless ``left_out`` says it
    is not to be read at all (pre-commit names every changed file). A file
    the index lists is one the globs select: ``left_out`` is asked of the
    others only.
    """
    run = run_key(rules, config, select, ignore)
    record = cache.read_project() if run is not None else None
    if record is None or record.run != run:
        return None
    try:
        files = files_of(record.files)
        links = _Links(unpack(record.links, "i"), unpack(record.link_group, "i"))
        if len(links.hashes) != len(links.groups):
            return None
        delta = cache.read_delta()
        if delta is not None and delta.generation == record.generation:
            record = _apply(delta, record, files, links)
        else:
            delta = None
    except (Malformed, IndexError, ValueError):
        return None
    base = _Base(record, delta)
    started_ns = time.time_ns()
    scan = _scan(project_root, config, record)
    unlisted = _unlisted(named, scan.rows)
    if unlisted and (left_out is None or not all(map(left_out, unlisted))):
        return None
    changes = _changes(scan, record.device, files, project_root, cache, jobs, started_ns)
    folders = (_folder_columns(scan.walked, started_ns) if scan.walked is not None
               else record.folders)
    if changes.changed or changes.gone or explicit != set(record.explicit):
        again = _Again(base, files, links, scan, changes, explicit)
        found = again.run(project_root, config, rules, cache, select, ignore, jobs, folders)
        cache.partial = found is not None  # the files not restored keep their entries
        return found
    cache.partial = True
    if changes.signatures or not scan.same:
        files = _files(files, scan, changes.signatures, {}, {})
        base.save(cache, scan, files, links, changes.signatures, folders)
    ctx = Context([], explicit=explicit, assumptions=config.assumptions)
    return Warm([_problem(row) for row in record.problems], ctx, list(changes.loaded.values()),
                _totals(files), Index(files, links.of))


def _totals(files: Files) -> Totals:
    return Totals(files.path, files.documents, files.others)


def _scan(root: Path, config: Config, record: ProjectRecord) -> _Scan:
    """The files as kept while no folder the scan listed changed; else a new scan."""
    prefix = str(root.resolve()) + os.sep
    folders = record.folders
    if folders.path and all(_folder_signature(f) == (m, c, i) for f, m, c, i in zip(
            folders.path, folders.mtime_ns, folders.ctime_ns, folders.inode)):
        return _Scan(prefix, record.files.path, range(len(record.files.path)), None)
    walked: list[str] = []
    rows = [discovery.relative(p, root) for p in discovery.discover(config, root, folders=walked)]
    where = {path: row for row, path in enumerate(record.files.path)}
    return _Scan(prefix, rows, [where.get(path, -1) for path in rows], walked)


def _changes(scan: _Scan, device: int, files: Files, root: Path, cache: Cache,
             jobs: int | None, started_ns: int) -> _Changes:
    """Read the files whose signature is not the kept one; which of them changed content."""
    suspects = _suspects(scan, files, device)
    loaded = dict(zip(suspects, analysis.load_known(
        [(scan.prefix + scan.rows[row], "") for row in suspects], root, cache, jobs)))
    signatures = {row: _signature(scan.prefix + scan.rows[row], started_ns, device)
                  for row in suspects}
    changed = {row for row in suspects if scan.old[row] < 0 or not loaded[row].cache_key
               or key_bytes(loaded[row].cache_key) != files.key(scan.old[row])}
    gone = set() if scan.same else set(range(len(files.path))).difference(scan.old)
    return _Changes(loaded, signatures, changed, gone)


def _suspects(scan: _Scan, files: Files, device: int) -> list[int]:
    """The rows whose file's stat signature is not the kept one (or that are new)."""
    # os.stat, not lstat, is the one listed among those that look up from a folder
    if scan.same and {os.stat} <= os.supports_dir_fd & os.supports_follow_symlinks:
        try:
            folder = os.open(scan.prefix, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            folder = -1
        if folder >= 0:
            try:  # each path from the root's descriptor: no absolute path made and walked
                return _unchanged_files(scan.rows, files, device, folder)
            finally:
                os.close(folder)
    suspects = []
    lstat, prefix = os.lstat, scan.prefix
    size, mtime, ctime, inode = files.size, files.mtime_ns, files.ctime_ns, files.inode
    for row, (rel, old) in enumerate(zip(scan.rows, scan.old)):
        try:
            st = lstat(prefix + rel)
        except OSError:
            suspects.append(row)
            continue
        if old < 0 or (st.st_mtime_ns != mtime[old] or st.st_size != size[old]
                       or st.st_ctime_ns != ctime[old] or st.st_ino != inode[old]
                       or st.st_dev != device):
            suspects.append(row)
    return suspects


_CHUNK = 512  # files looked up at once: fewer results alive than wake the cyclic collector
# a stat result's signature (slopolicy.cache.store.signature), read in C
_SIGNATURE = attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")


def _unchanged_files(rows: list[str], files: Files, device: int, folder: int) -> list[int]:
    """:func:`_suspects` of the index's own files, each looked up from ``folder``.

    A chunk of files is looked up at once and their signatures compared, as
    one list, with the kept ones: the loop over 20,000 files runs in C, and
    the rows that differ are sought only in a chunk that does.
    """
    suspects: list[int] = []
    stat = os.stat
    for start in range(0, len(rows), _CHUNK):
        end = min(start + _CHUNK, len(rows))
        try:  # keywords in the call, not a partial: that would copy them into a dict each time
            now = list(map(_SIGNATURE, [stat(rel, dir_fd=folder, follow_symlinks=False)
                                        for rel in rows[start:end]]))
        except OSError:  # one is gone or unreadable: this chunk file by file
            suspects.extend(_one_by_one(rows, files, device, folder, start, end))
            continue
        kept = list(zip(files.size[start:end], files.mtime_ns[start:end],
                        files.ctime_ns[start:end], files.inode[start:end], repeat(device)))
        if now != kept:
            suspects.extend(compress(range(start, end), map(ne, now, kept)))
    return suspects


def _one_by_one(rows: list[str], files: Files, device: int, folder: int, start: int,
                end: int) -> Iterator[int]:
    """The rows from ``start`` to ``end`` whose file is missing or has another signature."""
    for row in range(start, end):
        try:
            st = os.stat(rows[row], dir_fd=folder, follow_symlinks=False)
        except OSError:
            yield row
            continue
        if (st.st_mtime_ns != files.mtime_ns[row] or st.st_size != files.size[row]
                or st.st_ctime_ns != files.ctime_ns[row] or st.st_ino != files.inode[row]
                or st.st_dev != device):
            yield row


def _signature(path: str, started_ns: int, device: int) -> Signature | None:
    """The file's signature; None when it is racy (changed too close to this run), or on
    another device than the project's."""
    try:
        found = signature(os.lstat(path))
    except OSError:
        return None
    return _settled(found, started_ns, device)


def _settled(found: Signature, started_ns: int, device: int) -> Signature | None:
    if max(found[1], found[2]) >= started_ns - store.RACY_NS or found[4] != device:
        return None
    return found


def _folder_signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _folder_columns(walked: Sequence[str] | None, started_ns: int) -> FolderColumns:
    """The folders a scan listed with their signatures; none if one is racy or unreadable."""
    columns = FolderColumns([], [], [], [])
    for folder in walked or ():
        found = _folder_signature(folder)
        if found is None or max(found[0], found[1]) >= started_ns - store.RACY_NS:
            return FolderColumns([], [], [], [])  # the next check scans again
        columns.path.append(folder)
        columns.mtime_ns.append(found[0])
        columns.ctime_ns.append(found[1])
        columns.inode.append(found[2])
    return columns


_UNSIGNED = (NO_SIGNATURE, 0, 0, 0)


def _files(old: Files, scan: _Scan, signatures: Mapping[int, Signature | None],
           fresh: Mapping[int, SourceFile], groups: Mapping[int, int],
           steps: CelSteps | None = None) -> Files:
    """The file columns now: the kept rows, new signatures, and the rows of ``fresh`` files
    (with the CEL steps ``steps`` counts of each).

    Changed in place when the files are the kept ones (most runs).
    """
    out = old
    if not scan.same:
        rows = scan.old
        out = Files.empty()
        out.path = scan.rows
        for column, was in ((out.size, old.size), (out.mtime_ns, old.mtime_ns),
                            (out.ctime_ns, old.ctime_ns), (out.inode, old.inode),
                            (out.group, old.group), (out.documents, old.documents),
                            (out.others, old.others), (out.names, old.names),
                            (out.steps, old.steps)):
            column.extend(was[row] if row >= 0 else 0 for row in rows)
        out.keys = bytearray(b"".join(old.key(row) if row >= 0 else key_bytes("")
                                      for row in rows))
    stats = (out.size, out.mtime_ns, out.ctime_ns, out.inode)
    for row, sig in signatures.items():
        for column, value in zip(stats, sig or _UNSIGNED):
            column[row] = value
    for row, source in fresh.items():
        out.keys[row * KEY_BYTES:(row + 1) * KEY_BYTES] = key_bytes(source.cache_key)
        out.group[row] = groups[row]
        out.documents[row] = _documents(source)
        out.others[row] = source.others
        out.names[row] = declared_names(source)
        out.steps[row] = steps.by_file.get(source.path, 0) if steps is not None else 0
    return out


def _hash(text: str) -> int:
    """A link's 32-bit hash: two links of one hash only join two groups into one."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=4).digest(), "little", signed=True)


class _Links:
    """The index's links (their hashes, sorted, and groups), and the changes made since.

    A change drops the links of the groups it checked again and adds those
    of the groups it made: kept apart, so a warm check that writes a delta
    never rebuilds the tens of thousands of links it did not change.
    """

    def __init__(self, hashes: array.array[int], groups: array.array[int]) -> None:
        self.hashes, self.groups = hashes, groups
        self.dropped: set[int] = set()
        self.added: dict[int, int] = {}

    def change(self, dropped: Iterable[int], added: Iterable[tuple[int, int]]) -> None:
        self.dropped.update(dropped)
        self.added = {link: group for link, group in self.added.items()
                      if group not in self.dropped}
        self.added.update(added)

    def group_of(self, link: int) -> int:
        """The group of a link's hash; -1 for none."""
        found = self.added.get(link)
        if found is not None:
            return found
        at = bisect.bisect_left(self.hashes, link)
        if at < len(self.hashes) and self.hashes[at] == link:
            group = self.groups[at]
            return -1 if group in self.dropped else group
        return -1

    def of(self, text: str) -> int:
        """The group of the link ``text``; -1 for none."""
        return self.group_of(_hash(text))

    def merged(self) -> tuple[array.array[int], array.array[int]]:
        """Every link now, sorted, with its group (for the index written whole)."""
        dropped = self.dropped
        pairs = {link: group for link, group in zip(self.hashes, self.groups)
                 if group not in dropped}
        pairs.update(self.added)
        ordered = sorted(pairs.items())
        return (array.array("i", (link for link, _ in ordered)),
                array.array("i", (group for _, group in ordered)))


def _unlisted(named: Iterable[str], paths: list[str]) -> list[str]:
    """The named files that are not among ``paths``: a few (the hook's) sought one by one."""
    wanted = sorted(set(named))
    if len(wanted) <= 8:  # a search in C each, not a set of 20,000 paths made
        return [path for path in wanted if path not in paths]
    return sorted(set(wanted).difference(paths))


def path_rows(paths: list[str], wanted: Set[str]) -> list[int]:
    """The rows of ``paths`` that are ``wanted``, in order. A few (the hook's) are sought one
    by one: a search in C that hashes none of 20,000 paths; more in one pass."""
    if len(wanted) > 8:
        return list(compress(count(), map(wanted.__contains__, paths)))
    rows = []
    for path in wanted:
        at = -1
        while True:
            try:
                at = paths.index(path, at + 1)
            except ValueError:
                break
            rows.append(at)
    return sorted(rows)


def rows_in(column: array.array[int], values: set[int]) -> list[int]:
    """The rows of ``column`` that hold one of ``values``, in order: a few values sought in
    its bytes (a search in C that makes no object per row), more in one pass."""
    if len(values) > 8:
        return list(compress(count(), map(values.__contains__, column)))
    data, width, rows = column.tobytes(), column.itemsize, []
    for value in values:
        needle = array.array(column.typecode, [value]).tobytes()
        at = data.find(needle)
        while at >= 0:
            if at % width:  # the end of one number and the start of the next: not a row
                at = data.find(needle, at + 1)
                continue
            rows.append(at // width)
            at = data.find(needle, at + width)
    return sorted(rows)


def _names_changed(files: Files, scan: _Scan, changes: _Changes) -> bool:
    """Whether a changed file declares other names than it did, a new one declares some, or
    a gone one did: then what reads every name of a kind may read otherwise."""
    for row in changes.changed:
        old = scan.old[row]
        if declared_names(changes.loaded[row]) != (files.names[old] if old >= 0 else 0):
            return True
    return any(files.names[old] for old in changes.gone)


class _Again:
    """The groups a change touched, checked again; the others' problems kept."""

    def __init__(self, base: _Base, files: Files, links: _Links, scan: _Scan,
                 changes: _Changes, explicit: frozenset[str]) -> None:
        record = base.record
        self.base, self.record, self.files, self.links = base, record, files, links
        self.scan, self.changes, self.explicit = scan, changes, explicit
        loaded = changes.loaded
        touched = {scan.old[row] for row in changes.changed if scan.old[row] >= 0}
        touched |= changes.gone
        groups = {files.group[old] for old in touched}
        for row in changes.changed:
            groups.update(links.group_of(_hash(link)) for link in file_links(loaded[row]))
        # the named files that changed, and (as a did-you-mean reads every name of a kind)
        # the files that hold a missing reference: judged again
        holders = ({p.file for p in record.problems if p.rule == MISSING_REFERENCE}
                   if _names_changed(files, scan, changes) else set())
        groups.update(files.group[row] for row in path_rows(
            files.path, holders.union(explicit.symmetric_difference(record.explicit))))
        groups.discard(-1)
        self.groups = groups
        # the index's rows in those groups, and the rows now
        self.touched = rows_in(files.group, groups)
        if scan.same:
            self.rows = sorted({*self.touched, *changes.changed})
        else:
            group = files.group
            self.rows = [row for row, old in enumerate(scan.old)
                         if old < 0 or row in changes.changed or group[old] in groups]

    def run(self, root: Path, config: Config, rules: Mapping[str, Rule], cache: Cache,
            select: frozenset[str] | None, ignore: frozenset[str], jobs: int | None,
            folders: FolderColumns) -> Warm | None:
        record, files, scan, loaded = self.record, self.files, self.scan, self.changes.loaded
        wanted = [row for row in self.rows if row not in loaded]
        restored = analysis.load_known([(scan.prefix + scan.rows[row], "") for row in wanted],
                                       root, cache, jobs)
        fresh = {**loaded, **dict(zip(wanted, restored))}
        sources = [fresh[row] for row in self.rows]
        ctx = Context(sources, explicit=self.explicit, assumptions=config.assumptions,
                      elsewhere=_Elsewhere())
        # the house rules' steps of the files not checked again: those checked may take
        # what they leave of the run's limit (past it, a cold run would stop a rule)
        steps = ctx.derive(CEL_STEPS)
        steps.reserved = sum(files.steps) - sum(map(files.steps.__getitem__, self.touched))
        try:
            found = list(engine.run_rules(ctx, rules, config, select, ignore))
        except _Elsewhere.Unknown:
            return None  # a rule reads every name of a kind: the full check knows them
        first = max(files.group, default=0) + 1
        grouping = _grouping(sources, found, first) if first + len(sources) < 2**31 else None
        if grouping is None:
            return None  # a problem outside the groups checked: the full check finds them all
        if steps.over(steps.reserved + sum(steps.by_file.values())):
            return None  # the house rules of a cold run would stop: the full check stops them
        here = {source.path for source in sources}
        here.update(files.path[old] for old in self.touched)
        kept = [row for row in record.problems if row.file not in here]
        if any(r.file in here for row in kept for r in row.related):
            return None
        group_of, links = grouping
        self.links.change(self.groups, links)
        files = _files(files, scan, self.changes.signatures,
                       {row: fresh[row] for row in self.rows},
                       {row: group_of[at] for at, row in enumerate(self.rows)}, steps)
        self.base.save(cache, scan, files, self.links, [*self.changes.signatures, *self.rows],
                       folders, sorted(self.explicit), [*kept, *map(_row, found)])
        return Warm([*map(_problem, kept), *found], ctx, [*fresh.values()],
                    _totals(files), Index(files, self.links.of))


DELTA_ROWS = 256  # rows changed since the index was written whole, beyond which it is again
DELTA_PROBLEMS = 1000  # problems a delta holds at most (it holds them all)


class _Base(NamedTuple):
    """The index as written whole, and the delta applied to it (if any)."""

    record: ProjectRecord  # with the delta's problems and named files
    delta: DeltaRecord | None

    def save(self, cache: Cache, scan: _Scan, files: Files, links: _Links,
             rows: Iterable[int], folders: FolderColumns, explicit: list[str] | None = None,
             problems: list[ProblemRow] | None = None) -> None:
        """Write the index now: a delta when few rows of the same files changed, else whole."""
        record, delta = self.record, self.delta
        explicit = record.explicit if explicit is None else explicit
        problems = record.problems if problems is None else problems
        changed = sorted({*rows, *(delta.rows if delta else ())})
        if scan.same and len(changed) <= DELTA_ROWS and len(problems) <= DELTA_PROBLEMS:
            def rows_of(column: array.array[int]) -> list[int]:
                return [column[row] for row in changed]

            cache.write_delta(DeltaRecord(
                record.generation, changed, rows_of(files.size), rows_of(files.mtime_ns),
                rows_of(files.ctime_ns), rows_of(files.inode),
                [files.key(row).hex() for row in changed], rows_of(files.group),
                rows_of(files.documents), rows_of(files.others), rows_of(files.names),
                rows_of(files.steps),
                sorted(links.dropped), list(links.added), list(links.added.values()), explicit,
                problems))
            return
        hashes, groups = links.merged()
        cache.write_project(record._replace(
            generation=os.urandom(8).hex(), files=files.columns(), folders=folders,
            links=pack(hashes), link_group=pack(groups), explicit=explicit,
            problems=problems))


def _apply(delta: DeltaRecord, record: ProjectRecord, files: Files, links: _Links
           ) -> ProjectRecord:
    """The index with ``delta`` applied (``files`` and ``links`` changed in place);
    IndexError or ValueError if it does not fit."""
    count = len(files.path)
    for at, row in enumerate(delta.rows):
        if not 0 <= row < count:
            raise IndexError(row)
        files.size[row], files.mtime_ns[row] = delta.size[at], delta.mtime_ns[at]
        files.ctime_ns[row], files.inode[row] = delta.ctime_ns[at], delta.inode[at]
        files.keys[row * KEY_BYTES:(row + 1) * KEY_BYTES] = bytes.fromhex(delta.keys[at])
        files.group[row], files.documents[row] = delta.group[at], delta.documents[at]
        files.others[row], files.names[row] = delta.others[at], delta.names[at]
        files.steps[row] = delta.steps[at]
    links.change(delta.dropped, zip(delta.links, delta.link_group))
    return record._replace(explicit=delta.explicit, problems=delta.problems)


class _Elsewhere(Sequence[tuple[str, str, str]]):
    """The documents outside the groups checked again: not known to a warm check."""

    class Unknown(Exception):
        """A rule read every document's name: only the full check has them."""

    def __len__(self) -> int:
        raise self.Unknown

    @overload
    def __getitem__(self, index: int) -> tuple[str, str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str, str] | Sequence[
            tuple[str, str, str]]:
        raise self.Unknown

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        raise self.Unknown


# -- the index after a full check ---------------------------------------------------------


def record_full(cache: Cache, config: Config, rules: Mapping[str, Rule],
                files: Sequence[SourceFile], walked: Sequence[str] | None, found: list[Problem],
                explicit: frozenset[str], select: frozenset[str] | None,
                ignore: frozenset[str], started_ns: int, steps: CelSteps | None = None) -> None:
    """Write the project index of a full check of ``files`` (the files the globs selected).

    ``found``: every problem the rules found, before waivers. Signatures
    come from the stat index of this run (a racy file has none, and is read
    next time). ``steps``: what the house rules took, by file; a run they
    reached the limit of keeps no index (its figures fall short of what the
    files cost, and every next run is to stop them where a cold run does).
    """
    steps = steps if steps is not None else CelSteps()
    run = run_key(rules, config, select, ignore)
    grouping = _grouping(files, found, 0) if run is not None else None
    if grouping is None or run is None or steps.over(sum(steps.by_file.values())):
        cache.drop_project()
        return
    group_of, links = grouping
    device = os.stat(config.root).st_dev
    table = Files.empty()
    table.group.extend(group_of)
    stats = (table.size, table.mtime_ns, table.ctime_ns, table.inode)
    for source in files:
        seen = cache.seen.get(source.path)
        sig = seen[0] if seen is not None and seen[1] == source.cache_key else None
        table.path.append(source.path)
        for column, value in zip(stats, sig and _settled(sig, started_ns, device) or _UNSIGNED):
            column.append(value)
        table.keys += key_bytes(source.cache_key)
        table.documents.append(_documents(source))
        table.others.append(source.others)
        table.names.append(declared_names(source))
        table.steps.append(steps.by_file.get(source.path, 0))
    ordered = sorted(links)
    cache.write_project(ProjectRecord(
        run, os.urandom(8).hex(), device, table.columns(), _folder_columns(walked, started_ns),
        pack(array.array("i", (link for link, _ in ordered))),
        pack(array.array("i", (group for _, group in ordered))), sorted(explicit),
        [_row(p) for p in found]))


def _grouping(files: Sequence[SourceFile], found: Sequence[Problem], first: int
              ) -> tuple[list[int], list[tuple[int, int]]] | None:
    """Each file's group (numbered from ``first``) and each link's hash's; None if a
    problem points outside ``files``.

    Files are in one group when their documents share a link, or a problem
    in one points into the other.
    """
    parent = list(range(len(files)))

    def root(at: int) -> int:
        while parent[at] != at:
            parent[at] = parent[parent[at]]
            at = parent[at]
        return at

    owner: dict[int, int] = {}  # by the hash of a link: links of one hash are one
    for row, source in enumerate(files):
        for link in file_links(source):
            other = owner.setdefault(_hash(link), row)
            if other != row:
                parent[root(row)] = root(other)
    where = {source.path: row for row, source in enumerate(files)}
    for problem in found:
        at = where.get(problem.file)
        if at is None:
            return None
        for related in problem.related:
            to = where.get(related.file)
            if to is None:
                return None
            parent[root(at)] = root(to)
    numbers: dict[int, int] = {}
    group_of = [numbers.setdefault(root(row), first + len(numbers)) for row in range(len(files))]
    return group_of, [(link, group_of[row]) for link, row in owner.items()]

def _row(problem: Problem) -> ProblemRow:
    return ProblemRow(problem.file, problem.line, problem.column, problem.rule,
                      problem.severity, problem.message, problem.document, problem.path,
                      [RelatedRow(r.file, r.line, r.column, r.message) for r in problem.related])


def _problem(row: ProblemRow) -> Problem:
    return Problem(row.file, row.line, row.column, row.rule, row.severity, row.message,
                   row.document, row.path,
                   tuple(RelatedLocation(r.file, r.line, r.column, r.message)
                         for r in row.related))
