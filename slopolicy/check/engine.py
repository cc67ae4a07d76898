"""The check engine: files -> documents -> findings -> stamped problems.

Data flows one way. Rules see every document of the project (so cross-file
rules stay complete when pre-commit passes only the changed files); the
engine then keeps the problems in the files that were asked about, or whose
related locations are there (what a change breaks elsewhere).
"""
from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pathspec

from slopolicy.cache.store import Cache, content_key, signature
from slopolicy.config.settings import Config
from slopolicy.load import schemas
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import Document, LoadProblem, SourceFile
from slopolicy.model.problems import Problem, resolve
from slopolicy.model.waivers import Waiver
from slopolicy.rules import Rule

if TYPE_CHECKING:
    from slopolicy.config.project import Project
    from slopolicy.gitops.gate import BaseSide  # git is imported only when --base is given


@dataclass
class Context:
    """What a rule sees: every known document, every file, and lookups."""

    files: list[SourceFile]
    explicit: frozenset[str] = frozenset()  # files named on the command line
    base: BaseSide | None = None  # the base side, for change rules (set by --base)
    config: Config | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
    documents: list[Document] = field(init=False)
    cache: Cache | None = None  # where derived per-file results are kept between runs
    memo: dict[str, Any] = field(init=False, default_factory=dict)  # shared work of rules
    # Waivers that matched nothing, for unused-waiver; None until waivers are applied.
    unused_waivers: list[Waiver] | None = field(init=False, default=None)
    _named: dict[tuple[str, str, str], Document] = field(init=False)
    _kinds: dict[tuple[str, str], list[Document]] = field(init=False)

    def __post_init__(self) -> None:
        self.documents = [d for f in self.files for d in f.documents if d.known]
        self._named = {}
        self._kinds = {}
        for doc in self.documents:
            self._named.setdefault(doc.identity, doc)
            self._kinds.setdefault((doc.api_version, doc.kind), []).append(doc)

    def named(self, api_version: str, kind: str, name: str) -> Document | None:
        return self._named.get((api_version, kind, name))

    def of_kind(self, api_version: str, kind: str) -> list[Document]:
        return self._kinds.get((api_version, kind), [])


@dataclass
class Result:
    problems: list[Problem]
    files: int
    documents: int
    checked: list[str] = field(default_factory=list)  # the files reported on, sorted

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity and not p.waived)

    @property
    def waived(self) -> int:
        return sum(1 for p in self.problems if p.waived)


def discover(config: Config, repo_root: Path, under: Path | None = None) -> list[str]:
    """Files the document globs select, under the project root (or ``under``).

    Globs are gitignore-style and relative to the project root (the folder of
    .slopolicy.yaml); a folder outside it is matched relative to itself. The
    files are absolute path strings: a large repository has tens of
    thousands, and Path objects would cost more than the walk.
    """
    spec_in = matcher(tuple(config.include))
    spec_out = matcher(tuple(config.exclude))
    top = (under or config.root).resolve()
    base = config.root.resolve()
    if top != base and base not in top.parents:
        base = top
    found: list[str] = []
    for folder, dirs, names in os.walk(top):
        rel_folder = Path(folder).relative_to(base).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(d for d in dirs if not spec_out(rel_folder + d + "/"))
        for name in sorted(names):
            rel = rel_folder + name
            if spec_in(rel) and not spec_out(rel):
                found.append(os.path.join(folder, name))
    return found


def selects(config: Config, path: Path) -> bool:
    """Whether the document globs select ``path`` (a file under the project root)."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return True  # outside the project: only an explicit name brings it in
    return matcher(tuple(config.include))(rel) and not matcher(tuple(config.exclude))(rel)


@functools.lru_cache(maxsize=16)
def matcher(lines: tuple[str, ...]) -> Callable[[str], bool]:
    """A gitignore-style matcher of relative paths (a folder ends in ``/``).

    One regex when no pattern negates another.
    """
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    patterns = [p for p in spec.patterns if p.include is not None]
    regexes = [getattr(p, "regex", None) for p in patterns]
    if all(p.include for p in patterns) and all(r is not None for r in regexes):
        if not patterns:
            return lambda path: False
        parts = (re.sub(r"\(\?P<\w+>", "(?:", r.pattern) for r in regexes if r is not None)
        union = re.compile("|".join(f"(?:{part})" for part in parts))
        return lambda path: union.match(path) is not None
    match: Callable[[str], bool] = spec.match_file
    return match


@functools.lru_cache(maxsize=8)
def _root_prefix(repo_root: Path) -> str:
    return str(repo_root.resolve()) + os.sep


def relative(path: str | Path, repo_root: Path) -> str:
    """``path`` relative to the repository root, with ``/``; cheap for paths under it."""
    prefix = _root_prefix(repo_root)
    text = str(path)
    if os.sep == "/" and text.startswith(prefix) and "/." not in text:
        return text[len(prefix):]  # the common case: a found file under the root
    full = os.path.abspath(path)
    if not full.startswith(prefix):
        full = os.path.realpath(path)  # through a symlink, or outside the root
    if full.startswith(prefix):
        return full[len(prefix):].replace(os.sep, "/")
    return Path(path).as_posix()


PARALLEL_THRESHOLD = 400  # files to analyse before worker processes pay off


def analyse(rel: str, raw: bytes) -> tuple[Any, ...]:
    """Parse one file and validate its documents: the per-file, cacheable work."""
    source = load_bytes(rel, raw)
    for position, doc in enumerate(source.documents):
        if doc.known:
            source.schema_results[position] = schemas.document_errors(doc.data)
    return source.snapshot(pickled=False)


def _analyse_batch(batch: list[tuple[str, bytes]]) -> list[tuple[Any, ...]]:
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


def _analyse_all(work: list[tuple[str, bytes]], jobs: int | None) -> list[tuple[Any, ...]]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs is None and len(work) < PARALLEL_THRESHOLD:
        workers = 1
    workers = min(workers, max(1, len(work)))
    size = max(1, -(-len(work) // (workers * 8)))
    batches = [work[i:i + size] for i in range(0, len(work), size)]
    progress = _Progress(len(work))
    results: list[tuple[Any, ...]] = []
    if workers <= 1:
        for batch in batches:
            results += _analyse_batch(batch)
            progress.add(len(batch))
        return results
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done in pool.map(_analyse_batch, batches):
            results += done
            progress.add(len(done))
    return results


def load_files(
    paths: Iterable[str | Path], repo_root: Path, cache: Cache | None = None, jobs: int | None = 1
) -> list[SourceFile]:
    """Read, parse and schema-check files; cached by content, in parallel when large.

    ``jobs``: worker processes; None means all cores when the work is large.
    The result is the same whatever ``jobs`` and the cache hold.
    """
    batch = _Batch()
    with loading():
        _restore_cached(paths, repo_root, cache, batch)
    return batch.analysed(jobs)


def load_contents(
    contents: Iterable[tuple[str, bytes]], cache: Cache | None = None, jobs: int | None = 1
) -> list[SourceFile]:
    """Files from bytes already read (a commit's blobs), as :func:`load_files` loads them.

    Each file keeps its bytes to locate problems (it is on no disk).
    """
    batch = _Batch()
    kept: list[bytes] = []
    with loading():
        for rel, raw in contents:
            kept.append(raw)
            key = content_key(raw)
            snapshot = cache.get(key) if cache is not None else None
            if snapshot is None:
                batch.queue(rel, raw, key, None)
            else:
                batch.files.append(SourceFile.restore(rel, "", snapshot, None, key))
    loaded = batch.analysed(jobs)
    for source, raw in zip(loaded, kept):
        source.raw = raw
    return loaded


class _Batch:
    """Files in order: restored from the cache, or queued to be analysed."""

    def __init__(self) -> None:
        self.files: list[SourceFile | None] = []
        self.work: list[tuple[str, bytes]] = []
        self.slots: list[tuple[int, str, str | None]] = []  # place, content key, origin

    def queue(self, rel: str, raw: bytes, key: str, origin: str | None) -> None:
        self.files.append(None)
        self.work.append((rel, raw))
        self.slots.append((len(self.files) - 1, key, origin))

    def analysed(self, jobs: int | None) -> list[SourceFile]:
        """Every file, the queued ones analysed (the cyclic collector on: parsing makes garbage)."""
        done = _analyse_all(self.work, jobs)
        for (slot, key, origin), (rel, _), snapshot in zip(self.slots, self.work, done):
            source = self.files[slot] = SourceFile.restore(rel, "", snapshot, origin, key)
            source.dirty = True
        return [f for f in self.files if f is not None]


def open_cache(project: Project, folder: Path | None = None) -> Cache:
    """The project's result cache, in ``folder`` or the user cache directory."""
    from slopolicy.cache.store import default_dir

    plugins = {r.source for r in project.rules.values() if r.source.startswith("plugin ")}
    with loading():
        return Cache(folder or default_dir(), project.config.root, plugins)


def save_cache(cache: Cache | None, files: Iterable[SourceFile]) -> None:
    """Store what this run learnt about each file (after the rules ran)."""
    if cache is None:
        return
    for source in files:
        if source.dirty and source.cache_key:
            cache.put(source.cache_key, source.snapshot())
            source.dirty = False
    cache.save()


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Load long-lived objects of a run (the cache, restored files) and freeze them.

    Unpickling builds millions of containers and frees almost none: the
    cyclic garbage collector is kept off meanwhile, then what was loaded is
    moved out of its reach (``gc.freeze``) so it is not walked again and
    again. Callers that are done with the objects may ``gc.unfreeze()``.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _restore_cached(
    paths: Iterable[str | Path], repo_root: Path, cache: Cache | None, batch: _Batch
) -> None:
    """Restore each file from the cache, or read it and queue it for analysis.

    A file whose stat signature is the one the cache recorded with its
    content key is not read at all (see slopolicy.cache).
    """
    restore = SourceFile.restore
    for path in paths:
        rel = relative(path, repo_root)
        origin = str(path)
        try:
            stat = signature(os.stat(origin)) if cache is not None else None
            known = cache.known(rel, stat) if stat is not None and cache is not None else None
            if known is not None:
                batch.files.append(restore(rel, "", known[1], origin, known[0]))
                continue
            with open(origin, "rb") as f:
                raw = f.read()
        except OSError as exc:
            source = SourceFile(rel, "")
            source.problems.append(
                LoadProblem("yaml-syntax", f"cannot read file: {exc.strerror}", 1, 1)
            )
            batch.files.append(source)
            continue
        if cache is None or stat is None:
            batch.queue(rel, raw, "", origin)
            continue
        key = content_key(raw)
        cache.note(rel, stat, key)
        snapshot = cache.get(key)
        if snapshot is None:
            batch.queue(rel, raw, key, origin)
        else:
            batch.files.append(restore(rel, "", snapshot, origin, key))


def run_rules(
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    after_waivers: bool = False,
) -> Iterator[Problem]:
    for rule in rules.values():
        if rule.after_waivers != after_waivers:
            continue
        if select is not None and rule.id not in select or rule.id in ignore:
            continue
        if rule.needs_base and ctx.base is None:
            continue
        setting = config.setting(rule)
        if setting.severity == "off":
            continue
        for finding in rule.check(ctx, setting.options):
            yield resolve(finding, rule.id, setting.severity)


def check(
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    report: frozenset[str] | None = None,
) -> list[Problem]:
    """Rules, waivers, then the rules that judge waivers; sorted problems of ``report``.

    Waivers are matched against the whole project's problems, before keeping
    the files asked about, so whether a waiver is used never depends on
    which files were named.
    """
    found = list(run_rules(ctx, rules, config, select, ignore))
    found, unused = apply_waivers(found, config.waivers, ctx.today)
    ctx.unused_waivers = [w for w in unused if _judged(w, ctx, rules, config, select, ignore)]
    found += run_rules(ctx, rules, config, select, ignore, after_waivers=True)
    return sorted(keep_reported(found, report))


def _judged(
    waiver: Waiver,
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None,
    ignore: frozenset[str],
) -> bool:
    """Whether this run could have matched ``waiver``: its rule ran, without a base."""
    rule = rules.get(waiver.rule)
    if rule is None or ctx.base is not None:
        return False  # with --base the base's waivers are in force: left to plain runs
    if select is not None and rule.id not in select or rule.id in ignore:
        return False
    if rule.needs_base:
        return False
    return config.setting(rule).severity != "off"


def keep_reported(problems: Iterable[Problem], report: frozenset[str] | None) -> list[Problem]:
    """Problems in the files asked about, or pointing into them."""
    if report is None:
        return list(problems)
    return [
        p
        for p in problems
        if p.file in report or any(r.file in report for r in p.related)
    ]


def apply_waivers(
    problems: list[Problem], waivers: list[Waiver], today: datetime.date
) -> tuple[list[Problem], list[Waiver]]:
    """Mark waived problems; return them and the waivers that matched nothing."""
    used: set[int] = set()
    out = []
    for problem in problems:
        for index, waiver in enumerate(waivers):
            if _matches(waiver, problem):
                used.add(index)
                if waiver.expires >= today:
                    problem = _waive(problem, waiver)
                    break
                problem = _expired(problem, waiver)
        out.append(problem)
    return out, [w for i, w in enumerate(waivers) if i not in used]


def _matches(waiver: Waiver, problem: Problem) -> bool:
    return (
        waiver.rule == problem.rule
        and (waiver.document is None or waiver.document == problem.document)
        and (waiver.path is None or _under(problem.path, waiver.path))
        and (waiver.file is None or waiver.file == problem.file)
    )


def _under(path: str, prefix: str) -> bool:
    """``spec.objectives`` covers itself and ``spec.objectives[0].target``."""
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _waive(problem: Problem, waiver: Waiver) -> Problem:
    return replace(problem, waived=True, waiver_reason=waiver.reason)


def _expired(problem: Problem, waiver: Waiver) -> Problem:
    note = f" (waiver expired on {waiver.expires.isoformat()}: {waiver.reason})"
    if note in problem.message:
        return problem
    return replace(problem, message=problem.message + note)
