"""What a change breaks elsewhere: problems outside the named files that are new against HEAD.

pre-commit passes only the changed files, yet a change breaks things in
files it does not touch: an SLO renamed under an SLA that still names it, an
SLO moved to another service, a deleted SLO file. A check of named files
therefore reports every problem in them, plus each problem elsewhere in the
project that is absent when the changed files are taken as ``HEAD`` holds
them. A problem that was already there is not this change's to fix, so it
is not blamed on it.

The changed files are the ones named, plus those git says the working tree
deleted or renamed away (pre-commit passes no name for them). When one of
them is part of the policy (the configuration, what it extends, the house
rules), the comparison uses ``HEAD``'s policy, so a change that drops a
waiver or raises a severity is seen too.

A warm check needs no comparison when the problems elsewhere lie in groups
of linked documents (:mod:`slopolicy.check.incremental`) that neither the
changed files nor ``HEAD``'s versions of them reach (:func:`untouched`): a
group's problems depend on its documents alone, so each is found at the
baseline as it is now.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from slopolicy.cache.store import Cache
from slopolicy.check import analysis, engine
from slopolicy.check.incremental import MISSING_REFERENCE, Index, declared_names, path_rows
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project
from slopolicy.config.settings import Config
from slopolicy.gitops.git import GitRepo, NotARepository, open_repo
from slopolicy.gitops.policy import config_at, config_rel, in_policy, policy_files
from slopolicy.load import discovery
from slopolicy.load.readers import CommitReader, WorktreeReader
from slopolicy.model.documents import SourceFile
from slopolicy.model.errors import ConfigError, UsageError
from slopolicy.model.problems import Problem
from slopolicy.rules import Rule
from slopolicy.rules.context import Context
from slopolicy.rules.reach import file_links


class Introduced(NamedTuple):
    """The problems a change brings elsewhere, and the files read from HEAD to find them."""

    problems: list[Problem]
    files: list[SourceFile]


def worktree_repo(root: Path) -> GitRepo | None:
    """The repository of ``root``, or None outside one (nothing to compare with)."""
    try:
        return open_repo(root)
    except NotARepository:
        return None


def changed_paths(repo: GitRepo) -> list[str]:
    """Every path the working tree adds, modifies, deletes or renames against HEAD."""
    found: list[str] = []
    for change in repo.worktree_changes():
        found += [p for p in (change.old_path, change.new_path) if p]
    return list(dict.fromkeys(found))


def gone_paths(repo: GitRepo) -> list[str]:
    """Paths of HEAD that the working tree deleted or renamed away."""
    return [c.old_path for c in repo.worktree_changes()
            if c.status in "DR" and c.old_path is not None]


def introduced(project: Project, files: Sequence[SourceFile], candidates: Sequence[Problem],
               changed: Iterable[str], select: frozenset[str] | None, ignore: frozenset[str],
               cache: Cache | None, jobs: int | None, all_changes: bool = False
               ) -> Introduced:
    """The ``candidates`` (problems outside the named files) absent at the baseline.

    The baseline is the working tree with every changed path as HEAD has it
    (or absent, where HEAD has no such file). The changed paths are
    ``changed``, those deleted or renamed away, and with ``all_changes`` every
    path git reports changed. Only the rules that found a candidate run
    again, unless one of them judges waivers.
    """
    if not candidates:
        return Introduced([], [])
    repo = worktree_repo(project.repo_root)
    if repo is None:
        return Introduced([], [])  # no HEAD to compare with: only the named files are known
    head = repo.head()
    changed_set = set(changed) | set(changed_paths(repo) if all_changes else gone_paths(repo))
    config, rules = project.config, project.rules
    if head is not None and changed_set & set(_policy_paths(project)):
        config, rules = _head_policy(project, repo, head)
    wanted = {f.path for f in files} | set(discovery.select(config, changed_set, project.repo_root))
    at_head = sorted(changed_set & wanted)
    blobs = repo.read_paths(head, at_head) if head is not None else {}
    head_files = analysis.load_contents(((p, blobs[p]) for p in at_head if p in blobs),
                                        cache, jobs)
    baseline = _replaced(files, changed_set, head_files)
    ran = _rules_to_run(candidates, rules, select)
    before = engine.check(Context(baseline, assumptions=config.assumptions), rules, config, ran,
                          ignore, None)
    seen = {_identity(p) for p in before}
    return Introduced([p for p in candidates if _identity(p) not in seen], head_files)


def untouched(project: Project, index: Index, candidates: Sequence[Problem],
              changed: Iterable[str], cache: Cache, jobs: int | None,
              all_changes: bool = False) -> bool:
    """Whether :func:`introduced` would blame none of ``candidates`` on the change, known
    from the project index as a warm check left it, without checking the baseline.

    So when each candidate is in a group of linked documents that no changed
    file is in and no link of ``HEAD``'s version of one reaches, and, for a
    missing reference (whose did-you-mean reads every name of a kind), when
    every changed file declares the names ``HEAD``'s version does. A rule
    that judges waivers, a changed file that is no document the index lists
    (deleted, or the policy's), or a candidate the index does not place is
    left to :func:`introduced`.
    """
    rules = project.rules
    if any(rules[p.rule].after_waivers for p in candidates if p.rule in rules):
        return False
    repo = worktree_repo(project.repo_root)
    if repo is None:
        return True  # no HEAD: introduced() blames nothing either
    head = repo.head()
    if head is None:
        return False
    changed_set = set(changed) | set(changed_paths(repo) if all_changes else gone_paths(repo))
    files = index.files
    where = {files.path[row]: row for row in path_rows(files.path, changed_set)}
    if len(where) != len(changed_set) or in_policy(
            project, WorktreeReader(project.repo_root), changed_set):
        return False  # a file deleted, or none the globs select (the policy's): in full
    reached = {files.group[row] for row in where.values()}
    blobs = repo.read_paths(head, sorted(changed_set))
    names = dict.fromkeys(changed_set, 0)
    for source in analysis.load_contents(((p, blobs[p]) for p in sorted(blobs)), cache, jobs):
        reached.update(index.links(link) for link in file_links(source))
        names[source.path] = declared_names(source)
    reached.discard(-1)
    held = {p.file for p in candidates}
    rows = path_rows(files.path, held)
    if len(rows) != len(held) or reached.intersection(files.group[row] for row in rows):
        return False
    renamed = any(names[path] != files.names[row] for path, row in where.items())
    return not (renamed and any(p.rule == MISSING_REFERENCE for p in candidates))


def _identity(problem: Problem) -> tuple[object, ...]:
    """What makes a problem the same one on both sides (its related locations may move)."""
    p = problem
    return (p.file, p.line, p.column, p.rule, p.severity, p.message, p.document, p.path, p.waived)


def _rules_to_run(candidates: Sequence[Problem], rules: Mapping[str, Rule],
                  select: frozenset[str] | None) -> frozenset[str] | None:
    """The rules that found a candidate; all of them when one judges waivers."""
    found = frozenset(p.rule for p in candidates)
    if any(rules[r].after_waivers for r in found if r in rules):
        return select  # a waiver is judged used by every other rule's problems
    return found if select is None else found & select


def _walk_key(path: str) -> tuple[tuple[int, str], ...]:
    """Where a folder scan meets ``path``: a folder's files before its subfolders."""
    *folders, name = path.split("/")
    return (*((1, f) for f in folders), (0, name))


def _replaced(files: Sequence[SourceFile], changed: set[str], head_files: Sequence[SourceFile]
              ) -> list[SourceFile]:
    """``files`` with the changed ones as HEAD holds them, in the order a scan finds them.

    Order matters: the second of two documents with one name is the one
    reported, so the baseline must meet them as the working tree does.
    """
    at_head = {f.path: f for f in head_files}
    out: list[SourceFile] = []
    for source in files:
        if source.path in changed:
            if source.path in at_head:
                out.append(at_head.pop(source.path))
            continue
        out.append(source)
    for path, source in sorted(at_head.items(), key=lambda item: _walk_key(item[0])):
        key = _walk_key(path)
        place = next((i for i, f in enumerate(out) if _walk_key(f.path) > key), len(out))
        out.insert(place, source)
    return out


def _policy_paths(project: Project) -> list[str]:
    """The files of the working tree's policy, repository-relative."""
    reader = WorktreeReader(project.repo_root)
    rel = config_rel(project, reader)
    chain = config_module.chain(reader, rel) if rel else {}
    return list(policy_files(reader, project.config, chain, rel, project.repo_root))


def _head_policy(project: Project, repo: GitRepo, head: str) -> tuple[Config, dict[str, Rule]]:
    """HEAD's configuration and rules; the working tree's when HEAD's does not load."""
    reader = CommitReader(repo, head, "HEAD")
    try:
        found = config_at(reader, config_rel(project, reader), project.repo_root)
    except (ConfigError, UsageError):
        return project.config, project.rules
    return found.config, found.rules
