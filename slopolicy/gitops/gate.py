"""The base side of ``check --base``: refs opened, trusted policy read, changes judged.

With a base ref, the policy that judges a change is the base's: the
configuration, its approver roster and the allowed signers are read from the
base ref (a change cannot weaken the check that judges it). Documents are
compared between the merge base and the head (the working tree, or
``--head REF``), as a pull request's diff is, so commits that landed on the
base branch after the branch point are not mistaken for reverts.

This module only wires the parts into a :class:`BaseSide`, the ``ctx.base``
the change rules read: every git read goes through
:mod:`slopolicy.gitops.git`, the files of a side through
:mod:`slopolicy.load.readers`, the policy at a ref is
:mod:`slopolicy.gitops.policy`, matching and classifying are
:mod:`slopolicy.changes.compare`, an agreement added back is compared with
the version the base's history removed by :mod:`slopolicy.gitops.earlier`, a
loosening of terms not yet in force with those in force by :mod:`slopolicy.gitops.agreed`,
and approvals are :mod:`slopolicy.gitops.judging`.
"""
from __future__ import annotations

import datetime
from pathlib import Path

from msgspec import Struct, field

from slopolicy.cache.store import Cache
from slopolicy.changes import compare as changes
from slopolicy.changes.approvals import Roster
from slopolicy.changes.changeset import BaseSide, ChangeSet, PolicyChange, Signers
from slopolicy.check.analysis import Analyses
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project
from slopolicy.config.settings import Config
from slopolicy.gitops import agreed, earlier, warm
from slopolicy.gitops.git import GitRepo, open_repo
from slopolicy.gitops.judging import Judge, Span, policy_change_subject
from slopolicy.gitops.policy import GitWorktree, config_at, config_rel, policy_files
from slopolicy.gitops.sides import load_side
from slopolicy.load.readers import CommitReader, Reader
from slopolicy.model.documents import SourceFile
from slopolicy.model.errors import UsageError
from slopolicy.rules import Rule


class Gate(Struct):
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
    # Each content is analysed once for both sides. Safe whatever the change
    # edits, its configuration included: an analysis is of the bytes alone
    # (see slopolicy.check.analysis), and only the same bytes share one.
    analyses: Analyses = field(default_factory=Analyses)
    _compare: CommitReader | None = None

    def head_files(self, cache: Cache | None = None, jobs: int | None = 1) -> list[SourceFile]:
        """The documents at ``--head REF``, selected by the trusted globs."""
        return load_side(self.head, self.config, self.project.repo_root, cache, jobs,
                         self.analyses)

    def compare_side(self) -> CommitReader:
        """The merge base's files, which the head is compared with (listed once)."""
        if self._compare is None:
            self._compare = (
                self.base if self.merge_base == self.base_commit
                else CommitReader(self.repo, self.merge_base, self.base_ref, self.base.blobs))
        return self._compare

    def base_side(self, head_files: list[SourceFile], reviews: Path | None,
                  cache: Cache | None = None, jobs: int | None = 1) -> BaseSide:
        compare = self.compare_side()
        # what the head side read (the working tree's files): the same bytes at the merge base
        # are not read from git again
        compare.learn(self.analyses.contents())
        base_files = load_side(compare, self.config, self.project.repo_root, cache, jobs,
                               self.analyses)
        if cache is not None:
            warm.remember(cache, compare, base_files)
        return self.judged(base_files, head_files, reviews)

    def judged(self, base_files: list[SourceFile], head_files: list[SourceFile],
               reviews: Path | None) -> BaseSide:
        """The base side of the change from ``base_files`` to ``head_files``, judged.

        Either may leave out files that are the same bytes on both sides, and
        documents that share no link with a file that is not
        (:mod:`slopolicy.gitops.warm`): their documents make no change.
        """
        root = self.project.repo_root
        compare = self.compare_side()
        found = changes.compare_files(base_files, head_files)
        changeset = ChangeSet(self.base_ref, self.base_commit, self.merge_base, self.head_ref,
                              self.head_commit, found, self._policy_change(compare))
        # an agreement added back after a removal is judged as the edit it amounts to as well
        earlier.look_back(self.repo, self.base_commit, self.config, root, changeset)
        head_date = self._head_date(changeset)
        # a loosening of terms not yet in force is made under those that are: their notice
        agreed.look_back(self.repo, self.merge_base, self.config, root, changeset, head_date)
        roster = Roster.from_config(self.config.approvals, self.config.root, root)
        span = Span(self.repo, self.merge_base, self.head_ref, self.head_commit, self.head, compare)
        subject = (policy_change_subject(compare, self.head, self.config_file, root)
                   if changeset.policy else None)
        judge = Judge(span, roster, self.base, reviews)
        judge.run(changeset, subject)
        return BaseSide(
            ref=self.base_ref, commit=self.base_commit, merge_base=self.merge_base,
            files=tuple(base_files), changes=changeset, records=roster.records,
            head_ref=self.head_ref, head_commit=self.head_commit,
            head_date=head_date,
            signers=Signers(judge.signers_where, roster.allowed_signers, judge.signers,
                            self.head.read_one(roster.allowed_signers)
                            if roster.allowed_signers else None),
        )

    def _policy_change(self, compare: Reader) -> PolicyChange | None:
        root = self.project.repo_root
        base_chain = config_module.chain(compare, self.config_file) if self.config_file else {}
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

    @property
    def judged_by(self) -> str:
        """Which policy judged the change, as the note on stderr names it."""
        if self.config_file is None and self.project.config_given:
            return f"the configuration {self.project.config.path} (outside the repository)"
        if self.config_file is not None and self.base.exists(self.config_file):
            return f"{self.base_ref}'s policy ({self.base_ref}:{self.config_file})"
        return (f"{self.base_ref}'s policy ({self.base_ref} has no configuration there: the "
                "default preset)")

    def _head_date(self, changeset: ChangeSet) -> datetime.datetime:
        """The date of the change: the head commit's, and never before now.

        A commit's date is typed by whoever made it, and the change takes
        effect when it is merged, which is no earlier than the time the gate
        runs: so a head backdated (or a base branch quiet for months) never
        makes a rewrite of a past period look like new terms, nor shortens the
        notice a loosening gives. Nor is it before the base's last commit,
        which the change lands after.
        """
        now = datetime.datetime.now(datetime.timezone.utc)
        if self.head_commit is None:
            return now
        if self.head_ref is None:
            paths = [p for c in changeset.agreements for p in c.paths]
            if self.repo.dirty(paths):
                return now
        dates = [now, self.repo.commit_date(self.head_commit)]
        if self.base_commit != self.head_commit:
            dates.append(self.repo.commit_date(self.base_commit))
        return max(dates)


def open_gate(project: Project, base_ref: str, head_ref: str | None) -> Gate:
    """Resolve the refs, refuse a shallow clone, read the trusted configuration.

    The base says where the policy is as well as what it says: the search
    for .slopolicy.yaml is made in the base, from the folder checked.
    """
    repo = open_repo(project.repo_root)
    base_commit = repo.resolve(base_ref, "base ref")
    head_commit = repo.resolve(head_ref, "head ref") if head_ref else repo.head()
    repo.require_history(f"checking changes against {base_ref!r}")
    merge_base = (repo.merge_base(base_commit, head_commit, base_ref) if head_commit
                  else None) or base_commit
    blobs: dict[str, bytes] = {}  # what the sides read, by object id: a file read once
    head: Reader = (CommitReader(repo, head_commit, head_ref, blobs) if head_ref and head_commit
                    else GitWorktree(project.repo_root, repo, head_commit))
    base = CommitReader(repo, base_commit, base_ref, blobs)
    rel = config_rel(project, base)
    if rel is None and project.config_given and project.config.path is not None:
        # A configuration outside the repository is no part of any change: it stands.
        trusted, chain, rules = project.config, dict[str, bytes](), project.rules
    else:
        trusted, rules, chain = config_at(base, rel, project.repo_root)
    if head_ref or not _is_at(project, rel):
        head_config, _, head_chain = config_at(head, rel, project.repo_root)
    else:
        head_config, head_chain = project.config, config_module.chain(head, rel) if rel else {}
    return Gate(project, repo, base_ref, base_commit, merge_base, head_ref, head_commit, head,
                base, trusted, rules, rel, chain, head_config, head_chain)


def _is_at(project: Project, rel: str | None) -> bool:
    """Whether the working tree's configuration, as the project read it, is the one at ``rel``."""
    path = project.config.path
    if path is None or rel is None:
        return path is None and rel is None
    return path.resolve() == (project.repo_root / rel).resolve()


def push_base(project: Project, remote: str) -> str:
    """The base of a push that pre-commit found no base for: the remote's default branch.

    pre-commit compares a push with the commits the remote's tracking refs
    already hold; pushing to a remote this clone knows no branch of, it
    passes no ``PRE_COMMIT_FROM_REF``. The remote's default branch, as
    ``refs/remotes/REMOTE/HEAD`` records it, is then the base; without one
    the push is refused with the fix (exit 2), never passed unjudged.
    """
    default = open_repo(project.repo_root).symbolic(f"refs/remotes/{remote}/HEAD")
    if default is not None:
        return default
    raise UsageError(
        f"pushing to {remote!r}, but this clone knows no branch of it, so pre-commit found no "
        f"base to compare the pushed commits with, and refs/remotes/{remote}/HEAD names no "
        f"default branch; fetch the remote and record its default branch "
        f"(`git fetch {remote} && git remote set-head {remote} --auto`), then push again. The "
        "first push to an empty remote has nothing to compare with: skip this hook for it alone "
        "(`SKIP=slopolicy-pre-push git push ...`); slopolicy never passes a change it cannot "
        "compare")
