"""Approval judging for a change set: who made each change, which evidence counts for it.

Each change that may need approval (an agreement's, or the policy's) is a
:class:`~slopolicy.changes.approvals.Subject`; its authors are the authors of
the commits in the range that touch its files (and whoever holds the
uncommitted edit), since nobody approves their own change. The evidence is
gathered once (:mod:`slopolicy.gitops.evidence`) and judged against the
trusted roster, with the allowed signers of the base ref.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slopolicy.changes import approvals
from slopolicy.changes.approvals import Roster, Subject
from slopolicy.changes.changeset import ChangeSet, PolicyChange
from slopolicy.changes.compare import DocumentChange
from slopolicy.gitops import evidence
from slopolicy.gitops.evidence import EvidenceSources
from slopolicy.gitops.git import Commit, GitRepo
from slopolicy.load.files import load_bytes
from slopolicy.load.readers import Reader


@dataclass(frozen=True)
class Span:
    """The changed side of a comparison: the merge base up to the head commit, or the
    working tree (``head_ref`` None) with its uncommitted edits."""

    repo: GitRepo
    merge_base: str
    head_ref: str | None
    head_commit: str | None
    head: Reader  # where the Approval records are read


class Judge:
    """Gathers evidence once and judges every change that may need approval."""

    def __init__(self, span: Span, roster: Roster, base: Reader, reviews: Path | None) -> None:
        self.span = span
        self.roster = roster
        self.base = base  # the base ref's tip: its allowed signers verify the signatures
        self.reviews = evidence.load_reviews(reviews) if reviews else None

    def run(self, changeset: ChangeSet, policy: Subject | None) -> None:
        """Judge each change; ``policy`` is what a policy approval approves (the head's files)."""
        subjects: list[tuple[DocumentChange | PolicyChange, tuple[str, ...]]] = [
            (c, c.paths) for c in changeset.agreements if c.status != "unchanged"]
        if changeset.policy:
            subjects.append((changeset.policy, changeset.policy.paths))
        if not subjects:
            return
        paths = sorted({p for _, ps in subjects for p in ps})
        commits = self._commits(paths)
        dirty = self.span.repo.dirty(paths) if self.span.head_ref is None else set()
        sources = self._sources()
        for item, item_paths in subjects:
            if isinstance(item, PolicyChange):
                assert policy is not None, "a policy change is judged by the policy's subject"
                subject, classes = policy, frozenset({"policy"})
            else:
                subject, classes = document_subject(item), item.classes
            authors, trailers = self._authors(commits, item_paths, dirty)
            found = sources.gather(subject, authors, trailers, not (dirty & set(item_paths)))
            item.approval = approvals.judge(subject, classes, found, self.roster, authors)

    def _commits(self, paths: Sequence[str]) -> list[Commit]:
        span = self.span
        if span.head_commit is None or span.head_commit == span.merge_base:
            return []
        return span.repo.commits(span.merge_base, span.head_commit, paths)

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
            email = self.span.repo.user_email()
            if email:
                authors.add(email, "the uncommitted change")
        return authors, trailers

    def _sources(self) -> EvidenceSources:
        roster = self.roster
        signers = self.base.read_one(roster.allowed_signers) if roster.allowed_signers else None
        where = f"{self.base.label}:{roster.allowed_signers or '(approvals.allowedSigners unset)'}"
        return EvidenceSources(
            roster=roster,
            records=read_records(self.span.head, roster.records),
            allowed_signers=signers,
            allowed_signers_where=where,
            reviews=self.reviews,
            head_commit=self.span.head_commit,
        )


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


def document_subject(change: DocumentChange) -> Subject:
    """What an approval of a document's change approves: its content (or its removal)."""
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
