"""Approval judging for a change set: who made each change, which evidence counts for it.

Each change that may need approval (an agreement's, or the policy's) is a
:class:`~slopolicy.changes.approvals.Subject`: the document, its content
before and after. Its authors are the authors and committers of the commits
in the range that touch its files or wrote what they became under another
name (a draft moved or copied over them: :mod:`slopolicy.gitops.carried`),
and whoever holds the uncommitted edit, since nobody approves their own
change; with ``approvals.signedCommits:
required``, the principals whose keys signed those commits. The evidence is
gathered once (:mod:`slopolicy.gitops.evidence`) and judged against the
trusted roster, with the allowed signers of the base ref. A record that the
base branch already held (at the merge base, or on its tip) authorised an
earlier change, and counts for none here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Protocol

from msgspec import Struct

from slopolicy.changes import approvals
from slopolicy.changes.approvals import Roster, Subject
from slopolicy.changes.changeset import ChangeSet, PolicyChange
from slopolicy.changes.compare import DocumentChange
from slopolicy.config import settings as config_module
from slopolicy.config.settings import Config
from slopolicy.gitops import evidence
from slopolicy.gitops.evidence import EvidenceSources
from slopolicy.gitops.git import Commit, GitRepo
from slopolicy.gitops.policy import policy_files
from slopolicy.load.files import load_bytes
from slopolicy.load.readers import CommitReader, Reader
from slopolicy.model.documents import Document
from slopolicy.model.errors import ConfigError


class Span(Struct, frozen=True):
    """The changed side of a comparison: the merge base up to the head commit, or the
    working tree (``head_ref`` None) with its uncommitted edits."""

    repo: GitRepo
    merge_base: str
    head_ref: str | None
    head_commit: str | None
    head: Reader  # where the Approval records are read
    before: Reader | None = None  # the merge base's files, when already open


class Judge:
    """Gathers evidence once and judges every change that may need approval."""

    def __init__(self, span: Span, roster: Roster, base: Reader, reviews: Path | None) -> None:
        self.span = span
        self.roster = roster
        self.base = base  # the base ref's tip: its allowed signers verify the signatures
        self.reviews = evidence.load_reviews(reviews) if reviews else None
        self.signers = base.read_one(roster.allowed_signers) if roster.allowed_signers else None
        self.signers_where = (f"{base.label}:"
                              f"{roster.allowed_signers or '(approvals.allowedSigners unset)'}")

    def run(self, changeset: ChangeSet, policy: Subject | None) -> None:
        """Judge each change; ``policy`` is what a policy approval approves."""
        subjects: list[tuple[DocumentChange | PolicyChange, tuple[str, ...]]] = [
            (c, c.paths) for c in changeset.agreements if c.status != "unchanged"]
        if changeset.policy:
            subjects.append((changeset.policy, changeset.policy.paths))
        if not subjects:
            return
        # the agreements a change is judged as an edit of (DocumentChange.taken_from): one
        # tuple shared by all the agreements one change gives terms to
        taken = {id(c.taken_from): c.taken_from for c, _ in subjects
                 if isinstance(c, DocumentChange) and c.taken_from}
        paths = sorted({p for _, ps in subjects for p in ps}
                       | {p for froms in taken.values() for p, _ in froms})
        commits = self._commits(paths)
        signed = (signatures(self.span.repo, [c.sha for c in commits], self.signers,
                             self.signers_where) if self.roster.signed_commits else None)
        dirty = self.span.repo.dirty(paths) if self.span.head_ref is None else set()
        sources = self._sources()
        # whoever changed the agreements taken away made part of each edit they are judged in
        made_away = {key: _taking(commits, froms) for key, froms in taken.items()}
        dirty_away = {key: bool(dirty) and not dirty.isdisjoint(p for p, _ in froms)
                      for key, froms in taken.items()}
        for item, item_paths in subjects:
            also: Mapping[str, str] = {}
            if isinstance(item, PolicyChange):
                assert policy is not None, "a policy change is judged by the policy's subject"
                subject, classes = policy, frozenset({"policy"})
            else:
                subject, classes = document_subject(item), item.classes
                if item.taken_from:
                    also = made_away[id(item.taken_from)]
            authors, trailers = self._authors(commits, item_paths, dirty, signed, also)
            uncommitted = bool(dirty & set(item_paths))
            if (isinstance(item, DocumentChange) and item.taken_from and not uncommitted
                    and dirty_away[id(item.taken_from)]):
                # an agreement taken away in the working tree: the uncommitted change's too
                uncommitted = True
                email = self.span.repo.user_email()
                if email:
                    authors.add(email, "the uncommitted change")
            found = sources.gather(subject, authors, trailers, not uncommitted)
            item.approval = approvals.judge(subject, classes, found, self.roster, authors)

    def _commits(self, paths: Sequence[str]) -> list[Commit]:
        span = self.span
        if span.head_commit is None or span.head_commit == span.merge_base:
            return []
        return span.repo.commits(span.merge_base, span.head_commit, paths)

    def _authors(self, commits: Sequence[Commit], paths: Sequence[str], dirty: set[str],
                 signed: Signatures | None, also: Mapping[str, str]
                 ) -> tuple[approvals.Authors, list[tuple[str, str]]]:
        """Who made the change of ``paths``, and of an agreement it is judged as an edit of
        by the commits ``also`` names (sha -> what they changed), told apart by that."""
        wanted = set(paths)
        touching = [c for c in commits if not wanted.isdisjoint(c.paths) or c.sha in also]
        notes = {c.sha: also[c.sha] for c in touching
                 if c.sha in also and wanted.isdisjoint(c.paths)}
        authors = authors_of(touching, signed, notes)
        trailers = trailers_of(touching)
        if dirty & wanted:
            email = self.span.repo.user_email()
            if email:
                authors.add(email, "the uncommitted change")
        return authors, trailers

    def _sources(self) -> EvidenceSources:
        roster = self.roster
        span = self.span
        before = span.before or CommitReader(span.repo, span.merge_base, span.merge_base[:7])
        # A record the base branch holds authorised a change that landed there: at the merge
        # base, or since (a change made again from an older branch point, after the base took
        # it back, would land again with a copy of it).
        used = {evidence.record_key(r): f"{self.base.label} holds {r.file}"
                for r in (read_records(self.base, roster.records)
                          if self.base.commit != span.merge_base else ())}
        used.update((evidence.record_key(r), f"{self.base.label} held {r.file} at the merge "
                     f"base {span.merge_base[:7]}") for r in read_records(before, roster.records))
        return EvidenceSources(
            roster=roster,
            records=read_records(span.head, roster.records),
            allowed_signers=self.signers,
            allowed_signers_where=self.signers_where,
            reviews=self.reviews,
            head_commit=span.head_commit,
            used=used,
            base_hint=self.base.label,
        )


def _taking(commits: Sequence[Commit], taken_from: Sequence[tuple[str, str]]
            ) -> dict[str, str]:
    """The commits that changed the files of agreements taken away (``taken_from``: each
    file with its agreement), each with what it changed."""
    held = dict(taken_from)
    found = {}
    for commit in commits:
        hit = next((p for p in commit.paths if p in held), None)
        if hit is not None:
            found[commit.sha] = (f"it changed {hit}, which held {held[hit]}, an agreement "
                                 "this change takes away")
    return found


def taken_notes(commits: Sequence[Commit], paths: Sequence[str],
                taken_from: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Of ``commits``, those that made a change by taking away an agreement it is judged as
    an edit of (``taken_from``), not by changing its own ``paths``: what each changed."""
    if not taken_from:
        return {}
    own = set(paths)
    found = _taking(commits, taken_from)
    return {c.sha: note for c in commits
            if (note := found.get(c.sha)) is not None and own.isdisjoint(c.paths)}


# Per commit: the principals whose key signed it, or why its signature does not count.
Signatures = dict[str, tuple[tuple[str, ...], str]]


class Made(Protocol):
    """A commit that made a change, as a log reads it (the gate's and the audit's)."""

    @property
    def sha(self) -> str: ...

    @property
    def author_email(self) -> str: ...

    @property
    def committer_email(self) -> str: ...

    @property
    def approved_by(self) -> tuple[str, ...]: ...


def signatures(repo: GitRepo, shas: Sequence[str], allowed_signers: bytes | None,
               where: str) -> Signatures:
    """Each commit's signers by ``allowed_signers`` (found at ``where``), read in one batch."""
    objects = repo.read_blobs(shas)  # cat-file reads commits too
    return {sha: evidence.commit_signers(objects.get(sha, b""), allowed_signers, where)
            for sha in shas}


def authors_of(commits: Iterable[Made], signed: Signatures | None,
               notes: Mapping[str, str] | None = None) -> approvals.Authors:
    """Who made a change, from the commits that made it: the gate and the audit alike.

    Each commit's author and committer; with signed commits required, the
    principals whose key signed it instead (git's author and committer fields
    are typed, not proven), and a commit whose signature does not count fails
    the change. ``notes`` says, by commit, how one made it when that is not by
    changing its files (it took away an agreement the change is judged as an
    edit of).
    """
    authors = approvals.Authors()
    for commit in commits:
        where = f"commit {commit.sha[:7]}"
        if notes and commit.sha in notes:
            where = f"{where} ({notes[commit.sha]})"
        if signed is None:
            authors.add(commit.author_email, where)
            authors.add(commit.committer_email, where, "committed")
            continue
        principals, why = signed.get(commit.sha, ((), "could not be read"))
        for principal in principals:
            authors.add_signer(principal, where)
        if why:
            authors.unsigned[where] = why
    return authors


def trailers_of(commits: Iterable[Made]) -> list[tuple[str, str]]:
    """The ``Approved-by:`` values of ``commits``, each with the commit that carries it."""
    return [(value, f"commit {c.sha[:7]}") for c in commits for value in c.approved_by]


def read_records(reader: Reader, folder: str) -> list[approvals.Record]:
    """The Approval records in ``folder`` on ``reader``'s side."""
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


def document_subject(change: DocumentChange,
                     digest: Callable[[Document], str] | None = None) -> Subject:
    """What an approval of a document's change approves: its content before and after.

    A renamed agreement is approved under its new name; its content before is
    its predecessor's. ``digest`` may remember digests (an audit's version
    after is the next version's before); it must give ``approvals.digest`` of
    the document's data.
    """
    doc = change.head or change.base
    assert doc is not None
    version = doc.spec.get("version")
    digest = digest or _digest
    return Subject(
        kind=change.kind,
        name=change.name,
        before=digest(change.base) if change.base else approvals.ABSENT,
        after=digest(change.head) if change.head else approvals.REMOVED,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def _digest(doc: Document) -> str:
    return approvals.digest(doc.data)


def policy_digest_at(reader: Reader, rel: str | None, repo_root: Path) -> str:
    """The digest of the policy files as ``reader``'s side holds them, read as the audit
    reads them (a configuration that does not read counts by its own bytes)."""
    if rel is None:
        return approvals.policy_digest({})
    chain = config_module.chain(reader, rel)
    try:
        data = config_module.read(reader, rel).data if chain else {}
    except ConfigError:
        data = {}
    config = Config(root=repo_root / PurePosixPath(rel).parent.as_posix(),
                    approvals=dict(data.get("approvals") or {}),
                    house_rules=[str(p) for p in data.get("policies") or []])
    return approvals.policy_digest(policy_files(reader, config, chain, rel, repo_root))


def policy_change_subject(before: Reader, after: Reader, rel: str | None,
                          repo_root: Path) -> Subject:
    """What a policy approval approves: the policy files before and after the change."""
    return Subject(approvals.POLICY_SUBJECT, rel or config_module.FILENAME,
                   policy_digest_at(before, rel, repo_root),
                   policy_digest_at(after, rel, repo_root))
