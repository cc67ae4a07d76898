"""The base side of ``check --base``: trusted policy, both sides, approvals.

With a base ref, the policy that judges a change is the base's: the
configuration, its approver roster and the allowed signers are read from the
base ref (a change cannot weaken the check that judges it). Documents are
compared between the merge base and the head (the working tree, or
``--head REF``), as a pull request's diff is, so commits that landed on the
base branch after the branch point are not mistaken for reverts.

Every git read goes through :mod:`slopolicy.gitops.git`; matching and
classifying are :mod:`slopolicy.changes.compare`; evidence is
:mod:`slopolicy.gitops.approvals`. This module wires them into a :class:`BaseSide`,
the ``ctx.base`` change rules read.
"""
from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from slopolicy.cache.store import Cache
from slopolicy.changes import approvals
from slopolicy.changes import compare as changes
from slopolicy.changes.approvals import Policy, Subject
from slopolicy.changes.changeset import BaseSide, ChangeSet, PolicyChange
from slopolicy.changes.compare import DocumentChange
from slopolicy.check import analysis
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project, with_custom_rules
from slopolicy.config.settings import Config
from slopolicy.gitops import evidence
from slopolicy.gitops.evidence import EvidenceSources
from slopolicy.gitops.git import Commit, GitRepo, open_repo
from slopolicy.load import discovery
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import SourceFile
from slopolicy.model.errors import ConfigError
from slopolicy.rules import Rule, builtin_rules
from slopolicy.text.yamlsource import LoadError, iter_documents

MAX_EXTENDS = 16


# -- reading one side ----------------------------------------------------------------

class Reader:
    """The files of one side: a commit (listed once, read in batches) or the working tree."""

    label: str
    commit: str | None

    def paths(self) -> list[str]:
        raise NotImplementedError

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        raise NotImplementedError

    def read_one(self, path: str) -> bytes | None:
        return self.read([path]).get(path)

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def under(self, folder: str) -> list[str]:
        """The files in ``folder`` and below (or the file itself)."""
        prefix = folder.rstrip("/") + "/"
        return [p for p in self.paths() if p.startswith(prefix) or p == folder]


class CommitReader(Reader):
    def __init__(self, repo: GitRepo, commit: str, label: str) -> None:
        self.repo = repo
        self.commit = commit
        self.label = label
        self._tree = {e.path: e.blob for e in repo.tree(commit)}

    def paths(self) -> list[str]:
        return list(self._tree)

    def exists(self, path: str) -> bool:
        return path in self._tree

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        wanted = {p: self._tree[p] for p in paths if p in self._tree}
        blobs = self.repo.read_blobs(wanted.values())
        return {p: blobs[b] for p, b in wanted.items() if b in blobs}


class WorktreeReader(Reader):
    def __init__(self, root: Path, commit: str | None) -> None:
        self.root = root
        self.commit = commit  # HEAD, which uncommitted changes build on
        self.label = "the working tree"

    def paths(self) -> list[str]:
        found = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            rel = Path(folder).relative_to(self.root).as_posix()
            found += [n if rel == "." else f"{rel}/{n}" for n in sorted(names)]
        return found

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()

    def under(self, folder: str) -> list[str]:
        top = self.root / folder
        if top.is_file():
            return [folder]
        found = []
        for current, dirs, names in os.walk(top):
            dirs.sort()
            rel = Path(current).relative_to(self.root).as_posix()
            found += [f"{rel}/{n}" for n in sorted(names)]
        return found

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        out = {}
        for path in paths:
            try:
                out[path] = (self.root / path).read_bytes()
            except OSError:
                continue
        return out


def select(config: Config, paths: Iterable[str], repo_root: Path) -> list[str]:
    """The paths the document globs pick, as ``discovery.discover`` picks them on disk."""
    spec_in = discovery.matcher(tuple(config.include))
    spec_out = discovery.matcher(tuple(config.exclude))
    top = _rel(config.root, repo_root)
    pruned: dict[str, bool] = {"": False}  # folder -> excluded, itself or by a parent

    def excluded(folder: str) -> bool:
        found = pruned.get(folder)
        if found is None:
            parent = folder.rpartition("/")[0]
            found = pruned[folder] = excluded(parent) or spec_out(folder + "/")
        return found

    chosen = []
    for path in sorted(paths):
        rel = path if not top else path[len(top) + 1:] if path.startswith(top + "/") else None
        if rel is None or excluded(rel.rpartition("/")[0]):
            continue
        if spec_in(rel) and not spec_out(rel):
            chosen.append(path)
    return chosen


def load_side(reader: Reader, config: Config, repo_root: Path, cache: Cache | None = None,
              jobs: int | None = 1) -> list[SourceFile]:
    """The documents the trusted globs select on ``reader``'s side (cached by content)."""
    chosen = select(config, reader.paths(), repo_root)
    blobs = reader.read(chosen)
    return analysis.load_contents(((p, blobs[p]) for p in chosen if p in blobs), cache, jobs)


def _rel(path: Path, repo_root: Path) -> str:
    rel = path.resolve().relative_to(repo_root.resolve()).as_posix()
    return "" if rel == "." else rel


# -- trusted configuration ---------------------------------------------------------

def config_chain(reader: Reader, rel: str) -> dict[str, bytes]:
    """The configuration file and every file it ``extends`` (presets are in the package)."""
    found: dict[str, bytes] = {}
    current: str | None = rel
    while current is not None and current not in found and len(found) < MAX_EXTENDS:
        data = reader.read_one(current)
        if data is None:
            break
        found[current] = data
        current = _extends(current, data)
    return found


def _extends(rel: str, data: bytes) -> str | None:
    try:
        first = next(iter_documents(data.decode("utf-8-sig")), None)
    except UnicodeDecodeError:
        return None
    if first is None or isinstance(first, LoadError) or not isinstance(first.data, Mapping):
        return None
    target = first.data.get("extends")
    if not isinstance(target, str) or target in config_module.PRESETS:
        return None
    return os.path.normpath((PurePosixPath(rel).parent / target).as_posix()).replace(os.sep, "/")


def config_at(reader: Reader, rel: str | None, repo_root: Path
              ) -> tuple[Config, dict[str, bytes], dict[str, Rule]]:
    """The configuration and rules as ``reader``'s side holds them.

    Its house rules are compiled from that side's policy files, so a change
    to them cannot weaken the check that judges it. No configuration means
    the default preset and the built-in rules.
    """
    root = repo_root / (PurePosixPath(rel).parent.as_posix() if rel else "")
    chain = config_chain(reader, rel) if rel else {}
    if not chain:
        rules = builtin_rules()
        return config_module.load(None, root, rules), {}, rules
    assert rel is not None
    with tempfile.TemporaryDirectory(prefix="slopolicy-config-") as tmp:
        copy = Path(tmp)
        for path, data in chain.items():
            _put(copy / path, data)
        try:
            raw = config_module.read(copy / rel)
            for path, data in _policy_sources(reader, raw, rel).items():
                _put(copy / path, data)
            rules = with_custom_rules(builtin_rules(), raw, (copy / rel).parent, repo_root,
                                      files_root=copy)
            config = config_module.build(raw, copy / rel, root, rules)
        except ConfigError as exc:
            # Name the file as the user knows it: REF:path, not a temporary copy.
            raise ConfigError(str(exc).replace(str(copy.resolve()) + os.sep, f"{reader.label}:")
                              .replace(tmp + os.sep, f"{reader.label}:")) from None
    config.root = root.resolve()
    config.path = repo_root / rel
    return config, chain, rules


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _policy_sources(reader: Reader, raw: Mapping[str, Any], rel: str) -> dict[str, bytes]:
    """The files (or folders of files) that ``policies:`` lists, as ``reader`` holds them."""
    entries = raw.get("policies")
    wanted: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        path = os.path.normpath((PurePosixPath(rel).parent / str(entry)).as_posix())
        if path.startswith(".."):
            continue  # outside the repository: no part of any change, and not copied
        wanted += reader.under(path.replace(os.sep, "/"))
    return reader.read(wanted)


def policy_files(reader: Reader, config: Config, chain: Mapping[str, bytes], rel: str | None,
                 repo_root: Path) -> dict[str, bytes | None]:
    """The files that make the policy: configuration, extends, allowed signers, policies."""
    policy = Policy.from_config(config.approvals, config.root, repo_root)
    files: dict[str, bytes | None] = dict(chain)
    if rel and rel not in files:
        files[rel] = None
    wanted = [policy.allowed_signers] if policy.allowed_signers else []
    for entry in config.policies:
        path = _rel_safe(config.root / entry, repo_root)
        if path:
            wanted += reader.under(path) or [path]
    blobs = reader.read(wanted)
    for path in wanted:
        files[path] = blobs.get(path)
    return dict(sorted(files.items()))


def _rel_safe(path: Path, repo_root: Path) -> str | None:
    try:
        return _rel(path, repo_root)
    except ValueError:
        return None


def config_rel(project: Project, reader: Reader) -> str | None:
    """Where the configuration lives, relative to the repository root."""
    if project.config.path is not None:
        return _rel_safe(project.config.path, project.repo_root)
    start = _rel_safe(Path.cwd(), project.repo_root) or ""
    folder = PurePosixPath(start)
    while True:
        candidate = (folder / config_module.FILENAME).as_posix()
        if reader.exists(candidate):
            return candidate
        if str(folder) in ("", "."):
            return None
        folder = folder.parent


# -- the gate --------------------------------------------------------------------------

@dataclass
class Gate:
    """A base ref opened for checking: refs resolved, trusted policy read."""

    project: Project
    repo: GitRepo
    base_ref: str
    base_commit: str
    merge_base: str
    head_ref: str | None
    head_commit: str | None
    head: Reader
    base: CommitReader  # the tip of the base ref: trusted policy, allowed signers
    config: Config  # trusted: the base's
    rules: dict[str, Rule]  # trusted: the built-in rules and the base's house rules
    config_file: str | None
    config_chain: dict[str, bytes]
    head_config: Config
    head_chain: dict[str, bytes]

    def head_files(self, cache: Cache | None = None, jobs: int | None = 1) -> list[SourceFile]:
        """The documents at ``--head REF``, selected by the trusted globs."""
        return load_side(self.head, self.config, self.project.repo_root, cache, jobs)

    def base_side(self, head_files: list[SourceFile], reviews: Path | None,
                  cache: Cache | None = None, jobs: int | None = 1) -> BaseSide:
        root = self.project.repo_root
        compare = (self.base if self.merge_base == self.base_commit
                   else CommitReader(self.repo, self.merge_base, self.base_ref))
        base_files = load_side(compare, self.config, root, cache, jobs)
        found = changes.compare_files(base_files, head_files)
        changeset = ChangeSet(self.base_ref, self.base_commit, self.merge_base, self.head_ref,
                              self.head_commit, found, self._policy_change(compare))
        policy = Policy.from_config(self.config.approvals, self.config.root, root)
        _Judge(self, policy, reviews).run(changeset)
        return BaseSide(
            ref=self.base_ref, commit=self.base_commit, merge_base=self.merge_base,
            files=tuple(base_files), changes=changeset, records=policy.records,
            head_ref=self.head_ref, head_commit=self.head_commit,
            head_date=self._head_date(changeset),
        )

    def _policy_change(self, compare: Reader) -> PolicyChange | None:
        root = self.project.repo_root
        base_chain = config_chain(compare, self.config_file) if self.config_file else {}
        before = policy_files(compare, self.config, base_chain, self.config_file, root)
        after = policy_files(self.head, self.head_config, self.head_chain, self.config_file, root)
        for path in set(before) - set(after):
            after[path] = self.head.read_one(path)
        for path in set(after) - set(before):
            before[path] = compare.read_one(path)
        differ = []
        for path in sorted(before):
            if before[path] != after[path]:
                state = ("added" if before[path] is None else "removed" if after[path] is None
                         else "modified")
                differ.append((path, state))
        if not differ:
            return None
        return PolicyChange(self.config_file or config_module.FILENAME, tuple(differ))

    def _head_date(self, changeset: ChangeSet) -> datetime.datetime:
        """The date of the change: the head commit's; uncommitted changes happen now."""
        now = datetime.datetime.now(datetime.timezone.utc)
        if self.head_commit is None:
            return now
        if self.head_ref is None:
            paths = [p for c in changeset.agreements for p in c.paths]
            if self.repo.dirty(paths):
                return now
        return self.repo.commit_date(self.head_commit)


def open_gate(project: Project, base_ref: str, head_ref: str | None) -> Gate:
    """Resolve the refs, refuse a shallow clone, read the trusted configuration."""
    repo = open_repo(project.repo_root)
    base_commit = repo.resolve(base_ref, "base ref")
    head_commit = repo.resolve(head_ref, "head ref") if head_ref else repo.head()
    repo.require_history(f"checking changes against {base_ref!r}")
    merge_base = (repo.merge_base(base_commit, head_commit) if head_commit else None) or base_commit
    head: Reader = (CommitReader(repo, head_commit, head_ref) if head_ref and head_commit
                    else WorktreeReader(project.repo_root, head_commit))
    base = CommitReader(repo, base_commit, base_ref)
    rel = config_rel(project, head) or config_rel(project, base)
    if rel is None and project.config.path is not None:
        # A configuration outside the repository is no part of any change: it stands.
        trusted, chain, rules = project.config, dict[str, bytes](), project.rules
    else:
        trusted, chain, rules = config_at(base, rel, project.repo_root)
    if head_ref:
        head_config, head_chain, _ = config_at(head, rel, project.repo_root)
    else:
        head_config, head_chain = project.config, config_chain(head, rel) if rel else {}
    return Gate(project, repo, base_ref, base_commit, merge_base, head_ref, head_commit, head,
                base, trusted, rules, rel, chain, head_config, head_chain)


# -- approvals -------------------------------------------------------------------------

class _Judge:
    """Gathers evidence once and judges every change that may need approval."""

    def __init__(self, gate: Gate, policy: Policy, reviews: Path | None) -> None:
        self.gate = gate
        self.policy = policy
        self.reviews = evidence.load_reviews(reviews) if reviews else None

    def run(self, changeset: ChangeSet) -> None:
        subjects: list[tuple[DocumentChange | PolicyChange, tuple[str, ...]]] = [
            (c, c.paths) for c in changeset.agreements if c.status != "unchanged"]
        if changeset.policy:
            subjects.append((changeset.policy, changeset.policy.paths))
        if not subjects:
            return
        paths = sorted({p for _, ps in subjects for p in ps})
        commits = self._commits(paths)
        dirty = self.gate.repo.dirty(paths) if self.gate.head_ref is None else set()
        sources = self._sources()
        for item, item_paths in subjects:
            subject = (self._policy_subject() if isinstance(item, PolicyChange)
                       else document_subject(item))
            classes = {"policy"} if isinstance(item, PolicyChange) else item.classes
            authors, trailers = self._authors(commits, item_paths, dirty)
            evidence = sources.gather(subject, authors, trailers, not (dirty & set(item_paths)))
            item.approval = approvals.judge(subject, classes, evidence, self.policy, authors)

    def _policy_subject(self) -> Subject:
        gate = self.gate
        return policy_subject(gate.head, gate.head_config, gate.head_chain, gate.config_file,
                              gate.project.repo_root)

    def _commits(self, paths: Sequence[str]) -> list[Commit]:
        gate = self.gate
        if gate.head_commit is None or gate.head_commit == gate.merge_base:
            return []
        return gate.repo.commits(gate.merge_base, gate.head_commit, paths)

    def _authors(self, commits: Sequence[Commit], paths: Sequence[str], dirty: set[str]
                 ) -> tuple[approvals.Authors, list[tuple[str, str]]]:
        authors = approvals.Authors()
        trailers: list[tuple[str, str]] = []
        wanted = set(paths)
        for commit in commits:
            if wanted & set(commit.paths):
                authors.add(commit.author_email, f"commit {commit.short}")
                trailers += [(value, f"commit {commit.short}") for value in commit.approved_by]
        if dirty & wanted:
            email = self.gate.repo.user_email()
            if email:
                authors.add(email, "the uncommitted change")
        return authors, trailers

    def _sources(self) -> EvidenceSources:
        gate = self.gate
        signers = gate.base.read_one(self.policy.allowed_signers) if self.policy.allowed_signers else None
        where = f"{gate.base_ref}:{self.policy.allowed_signers or '(approvals.allowedSigners unset)'}"
        return EvidenceSources(
            policy=self.policy,
            records=read_records(gate.head, self.policy.records),
            allowed_signers=signers,
            allowed_signers_where=where,
            reviews=self.reviews,
            head_commit=gate.head_commit,
        )


def read_records(reader: Reader, folder: str) -> list[approvals.Record]:
    paths = [p for p in reader.under(folder) if p.endswith((".yaml", ".yml", ".json"))]
    blobs = reader.read(paths)
    found = []
    for path in paths:
        if path not in blobs:
            continue
        for doc in load_bytes(path, blobs[path]).documents:
            if (doc.api_version, doc.kind) == (approvals.API_VERSION, approvals.KIND):
                record = approvals.parse_record(doc)
                if record is not None:
                    found.append(record)
    return found


def document_subject(change: DocumentChange) -> Subject:
    doc = change.head or change.base
    assert doc is not None
    version = doc.spec.get("version")
    return Subject(
        kind=change.kind,
        name=change.name,
        digest=approvals.digest(doc.data),
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        removed=change.head is None,
    )


def policy_subject(reader: Reader, config: Config, chain: Mapping[str, bytes], rel: str | None,
                   repo_root: Path) -> Subject:
    """What a policy approval approves: the policy files as the head holds them."""
    files = policy_files(reader, config, chain, rel, repo_root)
    return Subject(approvals.POLICY_SUBJECT, rel or config_module.FILENAME,
                   approvals.policy_digest(files))

