"""All git access, through GitPython: refs, trees, blobs, history, trailers.

Every call runs git directly (never a shell) and reads NUL-separated output
where git offers it, so no path or ref can be misread. Every path reaches git
as a literal pathspec (``:(top,literal)``): a file named ``:(glob)x.yaml`` or
``*.yaml`` names that file and no other. Blobs are read by one
``git cat-file --batch`` process per call, never one process per file.

This module imports GitPython, and is itself imported only by the commands
that need history (``check --base``, ``diff``, ``approve``, ``audit``), so
``slopolicy --version`` stays fast.
"""
from __future__ import annotations

import datetime
import functools
import os
import posixpath
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from msgspec import Struct
from msgspec.structs import replace

from slopolicy.gitops import carried
from slopolicy.model.documents import MAX_FILE_BYTES
from slopolicy.model.errors import UsageError
from slopolicy.text.hints import closest_list

FETCH_FULL = (
    "fetch the full history (`git fetch --unshallow`, or in GitHub Actions `actions/checkout` "
    "with `fetch-depth: 0`; in GitLab CI `GIT_DEPTH: 0`)"
)
# Names, addresses, subjects and trailers are whatever a commit's author typed, control
# bytes included: a subject can hold the bytes that part fields and commits in git's output,
# and a forged commit after them. So each separator carries a token drawn afresh per run,
# which no commit written before the run can contain.
_TOKEN = secrets.token_hex(16)
_TRAILER_SEP = "\x1d" + _TOKEN  # between the values of %(trailers)
_FIELD_SEP = "\x1f" + _TOKEN
_RECORD_SEP = "\x1e" + _TOKEN
# Dates as git records them, seconds since 1970 and an offset ("0 -1200"): git itself cannot
# print the epoch in a zone west of UTC as a calendar date (it stops: "Timestamp before Unix
# epoch"), and a commit may carry any date.
_RAW_DATES = "--date=raw"
# One header format for every log this module reads (see _Header).
_LOG_FORMAT = _RECORD_SEP + _FIELD_SEP.join(
    ("%H", "%P", "%an", "%ae", "%ce", "%cd", "%ad", "%s",
     f"%(trailers:key=Approved-by,valueonly,separator=%x1d{_TOKEN})")
)


class TreeEntry(NamedTuple):  # a tuple: a commit of 20,000 files makes 20,000 of them
    path: str  # relative to the repository root, with "/"
    blob: str  # object id
    mode: str


class Commit(Struct, frozen=True):
    sha: str
    author_name: str
    author_email: str
    committer_email: str
    date: datetime.datetime  # committer date: when it entered the history
    author_date: datetime.datetime
    subject: str
    approved_by: tuple[str, ...]  # the values of its Approved-by: trailers
    paths: tuple[str, ...]  # the paths it touched, among those asked about

    @property
    def short(self) -> str:
        return self.sha[:7]


class FileChange(Struct, frozen=True):
    """One path a commit changed, as ``git log --raw`` reports it (no blob is read)."""

    status: str  # A added, M modified, D deleted, R renamed, C copied, T type changed
    old_path: str | None
    new_path: str | None
    old_blob: str | None  # None when the path is new
    new_blob: str | None  # None when the path is gone (or not a regular file)


class PastCommit(NamedTuple):
    """A commit of a history read back from its newest, with the changes asked about."""

    sha: str
    date_text: str  # committer date, as git records it (%cd, raw): read as a date when needed
    changes: tuple[FileChange, ...]

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def date(self) -> datetime.datetime:
        return _date(self.date_text, self.sha, "committer")


class LoggedCommit(Struct, frozen=True):
    """A commit of the walked history, with the changes it made to the paths asked about."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    date: datetime.datetime  # committer date: when it entered the history
    author_date: datetime.datetime
    subject: str
    approved_by: tuple[str, ...]
    changes: tuple[FileChange, ...]
    committer_email: str = ""
    # A committer date is typed: when it is earlier than a commit before it on the
    # first-parent chain, that commit's date (it entered the history after it); else None.
    entered: datetime.datetime | None = None

    @property
    def recorded(self) -> datetime.datetime:
        """When it entered the history, as far as the chain can tell (never before a commit
        it follows)."""
        return self.entered or self.date

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def author(self) -> str:
        return f"{self.author_name} <{self.author_email}>"


# Every git process sees the objects as they are: a replacement (refs/replace/*, which a
# mirror clone or a fetch of every ref brings along) or a graft (.git/info/grafts) would
# show another blob, tree or parent under a commit's id, so a base's allowed signers, a
# change's commits or a past version could be swapped without changing a single id.
OWN_OBJECTS = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull}
# How git reads a short ref name, in its order (git help revisions).
_REF_FORMS = ("{}", "refs/{}", "refs/tags/{}", "refs/heads/{}", "refs/remotes/{}",
              "refs/remotes/{}/HEAD")
_NULL_BLOB = "0" * 40
_REGULAR = ("100644", "100755")
SYMLINK = "120000"


def literal(path: str) -> str:
    """``path`` (from the repository root) as a pathspec that matches that path alone."""
    return f":(top,literal){path}"


class GitRepo:
    """One repository. Construct with :func:`open_repo`."""

    def __init__(self, repo: Any, error_type: type[Exception]) -> None:
        self._repo = repo
        self._git = repo.git
        self._error = error_type  # git.GitCommandError, kept to avoid importing git here
        self.root = Path(repo.working_tree_dir or repo.git_dir).resolve()
        # the last range _carried read: the audit asks once per agreement a merge changed
        self._written: tuple[str, str, list[LoggedCommit], dict[str, bytes]] | None = None
        self._user_email: tuple[str | None] | None = None  # (user.email,) once read

    # -- refs ------------------------------------------------------------------

    def is_shallow(self) -> bool:
        return bool(self._git.rev_parse("--is-shallow-repository").strip() == "true")

    def resolve(self, ref: str, what: str = "base ref") -> str:
        """The commit id ``ref`` names; UsageError (exit 2) saying how to fetch it."""
        if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
            raise UsageError(f"{what} {ref!r} is not a git ref")
        try:
            # A leading "-" was refused above, so the ref cannot be read as an option.
            sha = self._git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except self._error:
            self._unambiguous(ref, what)  # a shadowing tag of a tree would look like a miss
            raise UsageError(self._missing(ref, what)) from None
        self._unambiguous(ref, what)
        return str(sha).strip()

    def _unambiguous(self, ref: str, what: str) -> None:
        """Refuse a name that two refs of different commits answer to.

        git takes refs/NAME, then a tag, then a branch, then a remote-tracking
        branch: a tag or branch ``origin/main`` (a clone of every tag brings
        tags along; anyone allowed to push one can make it) would take the
        place of the base branch, and with it the policy that judges.
        """
        names = [form.format(ref) for form in _REF_FORMS]
        try:
            out = str(self._git.for_each_ref("--format=%(refname)", *names))
        except self._error:
            return
        listed = set(out.splitlines())
        found = [n for n in names if n in listed]  # in git's order
        if len(found) < 2:
            return
        commits = {n: self._peeled(n) for n in found}
        if len(set(commits.values())) > 1:
            shown = ", ".join(f"{n} ({sha[:7] or 'no commit'})" for n, sha in commits.items())
            raise UsageError(f"{what} {ref!r} names two commits: {shown}, and git would take "
                             f"the first; name the one you mean in full (e.g. {found[-1]}), and "
                             "remove the other if you did not make it")

    def _peeled(self, name: str) -> str:
        """The commit a full ref name leads to; empty when it leads to none (a tag of a tree)."""
        try:
            return str(self._git.rev_parse("--verify", "--quiet", f"{name}^{{commit}}")).strip()
        except self._error:
            return ""

    def _missing(self, ref: str, what: str) -> str:
        known = self._refs()
        remotes = [r for r in self._git.remote().split() if r]
        if not known and self.head() is None and (ref == "HEAD" or not remotes):
            # nothing to fetch it from: a fresh repository (a shallow clone has at least HEAD)
            return (f"{what} {ref!r} names nothing: this repository has no commits yet; commit "
                    "first (`git add` and `git commit`), then compare changes against a commit")
        message = f"{what} {ref!r} is not in this repository"
        tracking = next((f"{r}/{ref}" for r in remotes if f"{r}/{ref}" in known), None)
        if tracking is not None:
            # a CI checkout holds the target branch (GITHUB_BASE_REF names it) as the remote's
            return (f"{message}, but {tracking!r} is (a CI checkout holds the target branch as "
                    f"the remote's): name that, `{tracking}`")
        hint = closest_list(ref, known)
        if hint:
            message += f' (did you mean "{hint[0]}"?)'
        remote = next((r for r in remotes if ref.startswith(r + "/")), None)
        if remote is None and "/" in ref and not remotes:
            remote = ref.split("/", 1)[0]
        if remote is not None:
            branch = ref[len(remote) + 1:]
            # the explicit destination also works in single-branch (CI) clones
            message += (f"; fetch it first: `git fetch {remote} "
                        f"{branch}:refs/remotes/{remote}/{branch}`")
        else:
            message += f"; fetch it first: `git fetch {remotes[0] if remotes else 'origin'} {ref}`"
        if self.is_shallow():
            message += f". This is a shallow clone: {FETCH_FULL}"
        else:
            message += " (in GitHub Actions: `actions/checkout` with `fetch-depth: 0`)"
        return message + "; slopolicy never passes a change it cannot compare"

    def _refs(self) -> list[str]:
        try:
            return [r for r in self._git.for_each_ref("--format=%(refname:short)").split("\n") if r]
        except self._error:
            return []

    def require_history(self, purpose: str) -> None:
        """Refuse a shallow clone: commits missing from it would pass unseen."""
        if self.is_shallow():
            raise UsageError(
                f"this is a shallow clone, so {purpose} cannot see the commits it must check; "
                f"{FETCH_FULL}"
            )

    def symbolic(self, ref: str) -> str | None:
        """The ref a symbolic ref (``refs/remotes/origin/HEAD``) points to, short; None if none."""
        if ref.startswith("-") or any(c in ref for c in "\0\n"):
            return None
        try:
            return str(self._git.symbolic_ref("--quiet", "--short", ref)).strip() or None
        except self._error:
            return None

    def merge_base(self, a: str, b: str, what: str = "the base") -> str | None:
        """The one merge base of ``a`` and ``b``; None for unrelated histories.

        A criss-cross history has several, and git's merge starts from all of
        them (merged into one), while a comparison with any single one can miss
        what the merge brings: a branch that merges them keeping the older of
        two terms changes nothing against one, yet lands those terms. So
        several is UsageError (exit 2) with the fix, never a pick.
        """
        try:
            found = str(self._git.merge_base("--all", a, b)).split()
        except self._error:
            return None  # unrelated histories: compare with ``a`` itself
        if len(found) > 1:
            shown = ", ".join(sha[:7] for sha in found)
            raise UsageError(
                f"the change and {what} have two or more merge bases ({shown}: a criss-cross "
                "history), and merging brings what all of them make together, which no "
                f"comparison with one of them shows; merge {what} into the branch first "
                f"(`git merge {what}`), so it has one merge base with it; slopolicy never "
                "passes a change it cannot compare")
        return found[0] if found else None

    def head(self) -> str | None:
        try:
            return str(self._git.rev_parse("--verify", "--quiet", "HEAD^{commit}")).strip()
        except self._error:
            return None  # an unborn branch

    def commit_date(self, sha: str) -> datetime.datetime:
        # `log -1 --no-walk` prints what `show -s` does of one commit, at a fifth of its cost
        text = self._git.log("-1", "--no-walk", _RAW_DATES, "--format=%cd", sha, "--")
        return _date(str(text).strip(), sha, "committer")

    def user_email(self) -> str | None:
        """``user.email``: who makes an uncommitted change (read once a run: each uncommitted
        agreement asks)."""
        if self._user_email is None:
            try:
                self._user_email = (str(self._git.config("--get", "user.email")).strip() or None,)
            except self._error:
                self._user_email = (None,)
        return self._user_email[0]

    # -- trees and blobs -------------------------------------------------------

    def tree(self, sha: str) -> list[TreeEntry]:
        """Every file (blob) at ``sha``, and every symbolic link (mode ``120000``, its blob the
        target's name); a submodule is another repository's commit, none of this one's files."""
        out = str(self._git.ls_tree("-r", "-z", "--full-tree", sha))
        entries = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, blob = meta.split(" ")
            if kind == "blob" and (mode in _REGULAR or mode == SYMLINK):
                entries.append(TreeEntry(path, blob, mode))
        return entries

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The content of each object (a blob, or a commit's raw text), read by one
        ``git cat-file --batch`` process; missing ones are left out. UsageError (exit 2)
        when git cannot read them: a partial clone fetches them on demand, from a remote
        that may be out of reach."""
        return self.read_past(ids, "the files' contents (a partial clone fetches them from its "
                              "remote: run where it can reach it, or clone without --filter)")

    def read_past(self, ids: Iterable[str], what: str) -> dict[str, bytes]:
        """:meth:`read_blobs` of objects a history names; UsageError naming ``what`` when
        git cannot read them."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        try:
            out = self._cat_file(wanted)
        except self._error as error:
            raise UsageError(f"git cannot read {what}: {_last_said(error)}") from None
        return {i: found[1] for i, found in zip(wanted, _batch(out)) if found}

    # -- history ---------------------------------------------------------------

    def commits(self, base: str, head: str, paths: Sequence[str]) -> list[Commit]:
        """Commits in ``base..head`` that made the change of any of ``paths``: those that
        touch them, and those that wrote what one of them became (see :meth:`_carried`).

        A merge that git keeps in the path-limited history (one that made
        an edit of its own: an evil merge, a conflict resolution) lists the
        files it changed against its first parent, as the audit reads a
        merge: the edit has an author, and that author approves nothing.
        Each commit's ``paths`` are those of ``paths`` whose change it made.
        """
        if not paths:
            return []
        out = str(self._git.log(
            "-z", "--name-only", "--no-renames", "--diff-merges=first-parent",
            _RAW_DATES, f"--format={_LOG_FORMAT}", f"{base}..{head}", "--", *map(literal, paths),
        ))
        found = {c.sha: c for c in (_parse_commit(r) for r in out.split(_RECORD_SEP)) if c}
        for commit, made in self._carried(base, head, paths):
            known = found.get(commit.sha)
            if known is None:
                found[commit.sha] = Commit(
                    sha=commit.sha, author_name=commit.author_name,
                    author_email=commit.author_email, committer_email=commit.committer_email,
                    date=commit.date, author_date=commit.author_date, subject=commit.subject,
                    approved_by=commit.approved_by, paths=tuple(sorted(made)))
            else:
                found[commit.sha] = replace(known, paths=tuple(sorted({*known.paths, *made})))
        return list(found.values())

    def _carried(self, base: str, head: str, paths: Sequence[str]
                 ) -> list[tuple[LoggedCommit, set[str]]]:
        """Each commit of ``base..head`` that wrote, at another path, what one of ``paths``
        became there (the same bytes, or a near copy: :mod:`slopolicy.gitops.carried`),
        with those paths.

        Whoever wrote a file that another moved, copied or pasted into place (a
        draft under any name, moved over the existing file) made the change as
        much as the mover, and git records an overwrite as a modification, not a
        rename. One log of the range's commits (merges aside: a merge's own edit
        of a file is in the path-limited log) names every file each wrote; the
        versions of ``paths`` and the files that may have carried them are then
        read in one batch, only when one of ``paths`` took a version in the range.
        """
        logged, texts = self._range_writes(base, head)
        wanted = set(paths)
        versions: dict[str, set[str]] = {}
        before: dict[str, set[str]] = {}
        for commit in logged:
            for change in commit.changes:
                if change.new_path in wanted and change.new_blob:
                    versions.setdefault(change.new_path, set()).add(change.new_blob)
                if change.old_path in wanted and change.old_blob:
                    before.setdefault(change.old_path, set()).add(change.old_blob)
        if not versions:
            return []
        writes = [(commit, [(c.new_blob, c.new_path) for c in commit.changes
                            if c.new_blob and c.new_path])
                  for commit in logged]
        unread = {b for _, w in writes for b, _ in w} | {b for bs in before.values() for b in bs}
        texts.update(self.read_blobs(self._small(unread - texts.keys())))
        changes = {path: carried.Change(
            (texts[b] for b in sorted(blobs_of) if b in texts),
            (texts[b] for b in sorted(before.get(path, set()) - blobs_of) if b in texts))
            for path, blobs_of in versions.items()}
        carriers = carried.Carriers(changes, texts)
        found = []
        for commit, written in writes:
            made = {p for blob, path in written for p, bs in versions.items()
                    if blob in bs and p != path}  # the same bytes, read or not
            # a file it wrote itself names it among that file's writers already: only the
            # others are asked (a change that rewrites a thousand files in one commit must
            # not hold each against each)
            own = {path for _, path in written}
            for blob, path in written:
                made |= {p for p in changes if p != path and p not in own and p not in made
                         and carriers.carried(blob, p)}
            if made:
                found.append((commit, made))
        return found

    def _range_writes(self, base: str, head: str
                      ) -> tuple[list[LoggedCommit], dict[str, bytes]]:
        """The commits of ``base..head`` (merges aside) with every file each wrote, by one
        log, and the contents read of the range so far (kept for the range)."""
        if self._written is not None and self._written[:2] == (base, head):
            return self._written[2], self._written[3]
        out = str(self._git.log(
            "-z", "--raw", "--no-renames", "--no-merges", "--no-abbrev", "--no-color",
            "--no-ext-diff", _RAW_DATES, f"--format={_LOG_FORMAT}", f"{base}..{head}",
        ))
        logged = [c for c in map(_parse_logged, out.split(_RECORD_SEP)) if c]
        texts: dict[str, bytes] = {}
        self._written = (base, head, logged, texts)
        return logged, texts

    def _small(self, ids: Iterable[str]) -> list[str]:
        """Those of ``ids`` that are blobs of at most :data:`MAX_FILE_BYTES` (the size of a
        file slopolicy reads), by one ``git cat-file --batch-check``."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        with tempfile.TemporaryFile() as requests:
            requests.write("".join(f"{o}\n" for o in wanted).encode())
            requests.seek(0)
            out = str(self._git.cat_file("--batch-check", istream=requests))
        small = []
        for line in out.splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[1] == "blob" and int(parts[2]) <= MAX_FILE_BYTES:
                small.append(parts[0])
        return small

    def history(self, rev: str, patterns: Sequence[str],
                paths: Sequence[str] = ()) -> list[LoggedCommit]:
        """Every commit on the first-parent chain of ``rev`` that changes ``patterns`` or
        ``paths``, oldest first.

        One ``git log --raw`` with rename detection: a merge shows what it
        changed against its first parent (what the branch gained when it
        landed), so the chain reads as the branch's own record of events.
        Patterns are from the repository root, with git's wildcards; paths
        are literal.
        """
        process = self._git.log(
            "--first-parent", "--diff-merges=first-parent", "--reverse", "-M", "--raw", "-z",
            "--no-abbrev", "--no-color", "--no-ext-diff", _RAW_DATES, f"--format={_LOG_FORMAT}", rev,
            "--", *(f":(top){p}" for p in patterns), *map(literal, paths),
            as_process=True,
        )
        # Parsed as it comes: a long history's whole output, its text and its records at
        # once would be several times the commits' own memory, and leave it fragmented.
        commits = [c for c in map(_parse_logged, _records(process.stdout)) if c]
        process.wait()  # the command's error (a ref it cannot read) is raised here
        return commits

    def history_and_chain(self, rev: str, patterns: Sequence[str], paths: Sequence[str] = ()
                          ) -> tuple[list[LoggedCommit], list[tuple[str, datetime.datetime]]]:
        """``(history(rev, patterns, paths), chain(rev))``, from one log when it can be.

        git's wildcard pathspecs cost it more than the rest of the log: each
        path of each tree compared is matched against each pattern, twice (to
        find the commits, then to list their changes). So when every pattern
        is a suffix (``*.yaml``) or a part (``*allowed_signers*``), which Python
        matches as git does, the whole first-parent chain is read once,
        without pathspecs or rename detection, and filtered here. Only a commit
        that both adds and deletes a matching path can hold a rename, as git
        detects renames among the paths asked about alone: those are read
        again with the pathspecs and ``-M``, as :meth:`history` reads them.
        Other patterns take the two logs of :meth:`chain` and :meth:`history`.
        """
        matches = _path_matcher(patterns, paths)
        if matches is None:
            known = self.chain(rev)  # first, as the walk read them: its errors come first
            return self.history(rev, patterns, paths), known
        process = self._git.log(
            "--first-parent", "--diff-merges=first-parent", "--reverse", "--no-renames",
            "--raw", "-z", "--no-abbrev", "--no-color", "--no-ext-diff", _RAW_DATES,
            f"--format={_LOG_FORMAT}", rev, "--", as_process=True,
        )
        chain: list[tuple[str, datetime.datetime]] = []
        commits: list[LoggedCommit] = []
        renamed: dict[str, int] = {}  # commit -> its place in ``commits``: may hold a rename
        unread: UsageError | None = None  # a date of a commit found, raised after the chain's
        for record in _records(process.stdout):
            # id and committer date as chain() reads them: whatever bytes the other fields
            # hold (a name with a NUL in it leaves the commit out of the history, never
            # out of the chain)
            fields = record.split(_FIELD_SEP, 6)
            if len(fields) < 7:
                continue
            sha = fields[0]
            chain.append((sha, _date(fields[5], sha, "committer")))
            kept = _matching(record.partition("\0")[2], matches)
            if not kept or unread is not None:
                continue
            try:
                commit = _parse_logged(record, kept)
            except UsageError as exc:
                unread = exc
                continue
            if commit is None:
                continue
            statuses = {change.status for change in commit.changes}
            if "A" in statuses and "D" in statuses:
                renamed[commit.sha] = len(commits)
            commits.append(commit)
        process.wait()  # the command's error (a ref it cannot read) is raised here
        if unread is not None:
            raise unread
        if renamed:
            again = self._reread(list(renamed), patterns, paths)
            if again is None:  # not the commits asked for: the long way
                return self.history(rev, patterns, paths), chain
            for commit in again:
                commits[renamed[commit.sha]] = commit
        return commits, chain

    def _reread(self, shas: list[str], patterns: Sequence[str], paths: Sequence[str]
                ) -> list[LoggedCommit] | None:
        """The commits ``shas`` as :meth:`history` reads them (pathspecs, renames), in that
        order; None unless git gave exactly those."""
        found: list[LoggedCommit] = []
        for start in range(0, len(shas), _REREAD_AT_ONCE):
            asked = shas[start:start + _REREAD_AT_ONCE]
            out = self._git.log(
                "--no-walk=unsorted", "--first-parent", "--diff-merges=first-parent", "-M",
                "--raw", "-z", "--no-abbrev", "--no-color", "--no-ext-diff", _RAW_DATES,
                f"--format={_LOG_FORMAT}", *asked,
                "--", *(f":(top){p}" for p in patterns), *map(literal, paths),
                stdout_as_string=False,
            )
            text = out.decode("utf-8", "surrogateescape")
            found += [c for c in map(_parse_logged, text.split(_RECORD_SEP)) if c]
        return found if [c.sha for c in found] == shas else None

    def changes_back(self, rev: str, patterns: Sequence[str]) -> Iterator[PastCommit]:
        """The commits on the first-parent chain of ``rev`` that change or delete files of
        ``patterns`` (additions aside), newest first, each with those changes (no blob is
        read), as one ``git log --raw`` yields them.

        No rename detection: a file moved is a deletion and an addition, so the
        log needs trees only, never the blobs a similarity score would read.
        The caller may stop reading at any commit; git is then stopped.
        """
        process = self._git.log(
            "--first-parent", "--diff-merges=first-parent", "--no-renames", "--raw", "-z",
            "--diff-filter=DMT", "--no-abbrev", "--no-color", "--no-ext-diff",
            _RAW_DATES, f"--format={_RECORD_SEP}%H{_FIELD_SEP}%cd", rev,
            "--", *(f":(top){p}" for p in patterns), as_process=True,
        )
        try:
            for record in _records(process.stdout):
                header, _, rest = record.partition("\0")
                sha, parted, date = header.strip().partition(_FIELD_SEP)
                if parted:  # an unreadable date is empty, and named when it is read
                    yield PastCommit(sha, date, tuple(_parse_raw(rest.lstrip("\n").split("\0"))))
        except GeneratorExit:
            process.proc.kill()
            process.proc.wait()
            raise
        try:
            process.wait()  # the command's error (a history it cannot read) is raised here
        except self._error as error:
            raise UsageError(f"git cannot read the history of {rev[:7]}: {_last_said(error)}"
                             ) from None

    def chain(self, rev: str) -> list[tuple[str, datetime.datetime]]:
        """Every commit on the first-parent chain of ``rev`` with its committer date, oldest
        first: the order in which they entered the history, whatever their dates say."""
        process = self._git.log("--first-parent", "--reverse", _RAW_DATES,
                                f"--format={_RECORD_SEP}%H{_FIELD_SEP}%cd", rev, "--",
                                as_process=True)
        found = []
        for record in _records(process.stdout):
            sha, parted, date = record.strip().partition(_FIELD_SEP)
            if parted:
                found.append((sha, _date(date, sha, "committer")))
        process.wait()
        return found

    def worktree_files_named(self, name: str) -> list[str]:
        """Every file called ``name`` in the working tree that git tracks or would add
        (ignored files aside), from the repository root."""
        out = str(self._git.ls_files("-z", "--cached", "--others", "--exclude-standard", "--",
                                     f":(top,glob)**/{name}"))
        return sorted({p for p in out.split("\0") if p and p.rsplit("/", 1)[-1] == name})

    def never_committed(self, path: str) -> str | None:
        """Why a file written at ``path`` (from the repository root, "/"-separated) would
        never reach a commit, or None: it lies in git's own folder (its objects, hooks,
        configuration) or git ignores it (``git add`` leaves it out)."""
        full = (self.root / path).resolve()
        found = str(self._git.rev_parse("--absolute-git-dir", "--git-common-dir")).splitlines()
        for folder in found:
            own = (self.root / folder).resolve()  # the common folder may be said relatively
            if full == own or own in full.parents:
                return "is inside git's own folder (its objects, hooks and configuration)"
        # "SOURCE:LINE:PATTERN<TAB>PATH" when ignored; nothing (exit 1) when not
        said = str(self._git.check_ignore("-v", "--", path, with_exceptions=False))
        rule = said.partition("\n")[0].partition("\t")[0]
        return f"is ignored by git ({rule})" if rule else None

    def not_checked_out(self) -> int:
        """How many tracked files the working tree leaves out (a sparse checkout's:
        skip-worktree), which a reader of the working tree would take for deleted."""
        out = str(self._git.ls_files("-z", "-t"))
        return sum(1 for entry in out.split("\0") if entry.startswith("S "))

    def read_paths(self, rev: str, paths: Iterable[str]) -> dict[str, bytes]:
        """The files ``paths`` as ``rev`` holds them (absent ones are left out), in one process."""
        wanted = [p for p in dict.fromkeys(paths) if "\n" not in p]
        if not wanted:
            return {}
        out = self._cat_file([f"{rev}:{p}" for p in wanted])
        return {p: found[1] for p, found in zip(wanted, _batch(out))
                if found and found[0] == b"blob"}

    def _cat_file(self, objects: Sequence[str]) -> bytes:
        """One ``git cat-file --batch`` over ``objects`` (ids or ``rev:path``)."""
        with tempfile.TemporaryFile() as requests:
            requests.write("".join(f"{o}\n" for o in objects).encode())
            requests.seek(0)
            out: bytes = self._git.cat_file("--batch", istream=requests, stdout_as_string=False)
        return out

    def dirty(self, paths: Sequence[str]) -> set[str]:
        """Which of ``paths`` differ in the working tree from HEAD (or are untracked)."""
        if not paths:
            return set()
        out = str(self._git.status("--porcelain", "-z", "--untracked-files=all", "--",
                                   *map(literal, paths)))
        found: set[str] = set()
        records = out.split("\0")
        index = 0
        while index < len(records):
            record = records[index]
            index += 1
            if len(record) < 4:
                continue
            found.add(record[3:])
            if record[0] in "RC":  # a rename names its source in the next field
                found.add(records[index])
                index += 1
        return found

    def worktree_changes(self) -> list[FileChange]:
        """What the working tree changes against HEAD, staged or not; untracked files aside.

        A staged rename names its source (git status detects renames in the
        index); a file deleted from disk or from the index is ``D``. Blobs are
        not read: the changes carry paths only.
        """
        out = str(self._git.status("--porcelain=v1", "-z", "--untracked-files=no"))
        records = out.split("\0")
        changes: list[FileChange] = []
        index = 0
        while index < len(records):
            record = records[index]
            index += 1
            if len(record) < 4:
                continue
            staged, unstaged, path = record[0], record[1], record[3:]
            if staged in "RC":  # the source follows in the next field
                old = records[index] if index < len(records) else None
                index += 1
                gone = "D" in unstaged
                changes.append(FileChange(staged, old if staged == "R" else None,
                                          None if gone else path, None, None))
            elif "D" in (staged, unstaged):
                changes.append(FileChange("D", path, None, None, None))
            else:
                changes.append(FileChange("A" if staged == "A" else "M",
                                          None if staged == "A" else path, path, None, None))
        return changes


def _records(stream: IO[bytes], chunk: int = 1 << 20) -> Iterator[str]:
    """The records of a log written with _LOG_FORMAT to ``stream``, text, as they arrive.

    A path keeps its bytes (as surrogates, like every name read from git): read
    back with "replace" it would name no file, and the commits that touched it
    none. Names and subjects are made text by _header.
    """
    separator = _RECORD_SEP.encode()
    pending = bytearray()
    while block := stream.read(chunk):
        scanned = max(0, len(pending) - len(separator) + 1)  # a separator may straddle blocks
        pending += block
        last = pending.rfind(separator, scanned)
        if last < 0:
            continue
        for record in bytes(pending[:last]).split(separator):
            yield record.decode("utf-8", "surrogateescape")
        del pending[:last + len(separator)]
    yield pending.decode("utf-8", "surrogateescape")


def _batch(out: bytes) -> list[tuple[bytes, bytes] | None]:
    """Each answer of ``cat-file --batch`` in request order: the object's type and content,
    or None for a missing object."""
    found: list[tuple[bytes, bytes] | None] = []
    pos = 0
    while pos < len(out):
        end = out.find(b"\n", pos)
        header = out[pos:] if end < 0 else out[pos:end]
        parts = header.split(b" ")
        # "<name> missing": the name (rev:path) may hold spaces, so test the end first.
        if header.endswith((b" missing", b" ambiguous")) or len(parts) != 3 or end < 0:
            found.append(None)
            pos = len(out) if end < 0 else end + 1
            continue
        size = int(parts[2])
        found.append((parts[1], out[end + 1:end + 1 + size]))
        pos = end + 1 + size + 1
    return found


class _Header(NamedTuple):
    """The fields of _LOG_FORMAT, and what follows the header (paths or raw changes)."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    committer_email: str
    date: datetime.datetime
    author_date: datetime.datetime
    subject: str
    approved_by: tuple[str, ...]
    rest: str


def _header(record: str) -> _Header | None:
    if not record.strip("\0\n"):
        return None
    header, _, rest = record.partition("\0")
    fields = header.split(_FIELD_SEP)
    if len(fields) != 9:
        return None
    sha, parents, an, ae, ce, cdate, adate, subject, trailers = map(_text, fields)
    return _Header(
        sha, tuple(parents.split()), an, ae, ce,
        _date(cdate, sha, "committer"), _date(adate, sha, "author"), subject,
        tuple(t.strip() for t in trailers.split(_TRAILER_SEP) if t.strip()), rest,
    )


def _text(field: str) -> str:
    """A name, address or subject as text: bytes that are not UTF-8 become U+FFFD (only a
    path keeps its bytes, to name its file)."""
    if field.isascii():
        return field
    return field.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _date(text: str, sha: str, which: str) -> datetime.datetime:
    """A date git printed raw (``1741608000 +0100``); UsageError (exit 2) when it is none.

    A commit object written by hand can carry any date: a year past 9999, a
    time zone of +99:99, or one git cannot read (it then prints nothing). No
    change made in it can be placed in time. A date before 1970 in its own
    zone (the epoch at -12:00) is a date like any other.
    """
    found = _read_date(text)
    if found is not None:
        return found
    shown = repr(text) if text else "(none git can read)"
    raise UsageError(f"commit {sha[:7]}: its {which} date {shown} cannot be read as a "
                     "date; slopolicy cannot place the commit in time, so it judges no "
                     "change that includes it") from None


@functools.lru_cache(maxsize=64)  # a commit's dates are read twice, its author's is most often
def _read_date(text: str) -> datetime.datetime | None:  # its committer's
    found = _RAW_DATE.fullmatch(text)
    if found is not None and int(found["minutes"]) < 60:
        seconds, sign, hours, minutes = found.groups()
        offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
        try:
            zone = datetime.timezone(-offset if sign == "-" else offset)
            return (_EPOCH + datetime.timedelta(seconds=int(seconds))).astimezone(zone)
        except (ValueError, OverflowError):
            pass  # past year 9999, or an offset of a day or more
    return None


_RAW_DATE = re.compile(r"(-?[0-9]{1,20}) ([+-])([0-9]{2})(?P<minutes>[0-9]{2})")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _parse_logged(record: str, tokens: list[str] | None = None) -> LoggedCommit | None:
    """A commit of a log written with _LOG_FORMAT and ``--raw -z``; ``tokens``: its raw
    changes as :func:`_matching` keeps them, instead of all it lists."""
    h = _header(record)
    if h is None:
        return None
    return LoggedCommit(
        sha=h.sha, parents=h.parents, author_name=h.author_name, author_email=h.author_email,
        date=h.date, author_date=h.author_date, subject=h.subject, approved_by=h.approved_by,
        changes=tuple(_parse_raw(h.rest.lstrip("\n").split("\0") if tokens is None
                                 else tokens)),
        committer_email=h.committer_email,
    )


# Commits read again at once for their renames (each id is an argument of one command).
_REREAD_AT_ONCE = 500
_PLAIN = re.compile(r"[^*?\[\]\\]+")  # text without any of git's wildcard characters


class _Matcher:
    """Whether a path is one that ``:(top)PATTERN`` or ``:(top,literal)PATH`` pathspecs
    select, as git decides it (see :func:`_path_matcher`)."""

    def __init__(self, suffixes: Sequence[str], parts: Sequence[str], exact: Iterable[str]
                 ) -> None:
        known = sorted(set(exact))
        # one expression for them all, matched by the regular expression engine rather
        # than a call a path: a log without pathspecs lists every file of every commit
        self.matches = re.compile("|".join([
            *(".*" + re.escape(end) for end in suffixes),
            *(".*" + re.escape(part) + ".*" for part in parts),
            *(re.escape(path) + "(?:/.*)?" for path in known),
        ]), re.DOTALL).fullmatch
        # what every path it selects holds: a text without any of them selects none
        self.needles = (*suffixes, *parts, *known)

    def __call__(self, path: str) -> bool:
        return self.matches(path) is not None


def _path_matcher(patterns: Sequence[str], paths: Sequence[str]) -> _Matcher | None:
    """The paths ``:(top)PATTERN`` and ``:(top,literal)PATH`` pathspecs select, as git
    decides it; None unless each pattern is ``*TEXT`` or ``*TEXT*`` (TEXT without
    wildcards) and each path is written as git would write it, the forms matched here
    exactly.

    git matches a pattern's text literally first, so a pattern also selects a path
    written as the pattern itself and what is under it (a folder named ``*.yaml``);
    then ``*TEXT`` is a path ending in TEXT, ``*TEXT*`` one holding it (``*`` matches
    ``/`` too in a pathspec without magic). A literal path selects itself and what is
    under it.
    """
    suffixes: list[str] = []
    parts: list[str] = []
    for pattern in patterns:
        held = len(pattern) > 2 and pattern.endswith("*")
        inner = pattern[1:-1] if held else pattern[1:]
        if not pattern.startswith("*") or not _PLAIN.fullmatch(inner):
            return None
        (parts if held else suffixes).append(inner)
    if any(p != posixpath.normpath(p) or p.startswith(("/", "../")) or p in (".", "..")
           for p in paths):
        return None  # a path git would normalise first
    return _Matcher(suffixes, parts, [*patterns, *paths])


def _matching(rest: str, matches: _Matcher) -> list[str]:
    """The raw changes (``--no-renames``: a status line and one path each) after a log
    header whose path ``matches``, as tokens for :func:`_parse_raw`."""
    if not any(text in rest for text in matches.needles):
        return []  # no path holds what every path it matches holds
    tokens = rest.lstrip("\n").split("\0")
    metas, paths = tokens[0::2], tokens[1::2]
    if all(meta.startswith(":") for meta in metas[:len(paths)]):  # as git writes it
        found = matches.matches
        return [token for meta, path in zip(metas, paths) if found(path)
                for token in (meta, path)]
    kept: list[str] = []
    index = 0
    while index < len(tokens) - 1:
        meta = tokens[index].lstrip("\n")  # as _parse_raw reads it
        if not meta.startswith(":"):
            index += 1
            continue
        if matches(tokens[index + 1]):
            kept += tokens[index:index + 2]
        index += 2
    return kept


def _parse_raw(tokens: list[str]) -> Iterator[FileChange]:
    """``:old-mode new-mode old-id new-id STATUS`` then one path (two for a rename or copy)."""
    index = 0
    while index < len(tokens):
        meta = tokens[index].lstrip("\n")
        index += 1
        if not meta.startswith(":"):
            continue
        old_mode, new_mode, old_id, new_id, status = meta[1:].split(" ")
        paths = tokens[index:index + (2 if status[0] in "RC" else 1)]
        index += len(paths)
        old_path, new_path = (paths[0], paths[-1]) if status[0] in "RC" else (
            None if status[0] == "A" else paths[0], None if status[0] == "D" else paths[0])
        yield FileChange(
            status=status[0],
            old_path=old_path,
            new_path=new_path,
            old_blob=old_id if old_id != _NULL_BLOB and old_mode in _REGULAR else None,
            new_blob=new_id if new_id != _NULL_BLOB and new_mode in _REGULAR else None,
        )


def _parse_commit(record: str) -> Commit | None:
    h = _header(record)
    if h is None:
        return None
    return Commit(
        sha=h.sha, author_name=h.author_name, author_email=h.author_email,
        committer_email=h.committer_email, date=h.date, author_date=h.author_date,
        subject=h.subject, approved_by=h.approved_by,
        # git writes one line break before the first path; a path may begin or end with one
        paths=tuple(p for p in h.rest.removeprefix("\n").split("\0") if p),
    )


class NotARepository(UsageError):
    """No repository holds the folder (git refusing to read one is a UsageError of its own)."""


def open_repo(start: Path) -> GitRepo:
    """The repository holding ``start``; NotARepository when there is none, UsageError when
    git refuses to read it."""
    try:
        import git  # GitPython: imported here only, and only when history is needed
    except ImportError as exc:  # pragma: no cover - a broken install
        raise UsageError(f"GitPython is needed for git refs: {exc}") from None
    try:
        repo = git.Repo(start, search_parent_directories=True)
        repo.git.rev_parse("--git-dir")
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise NotARepository(
            f"{start}: not inside a git repository; check --base, diff and audit read git history"
        ) from None
    except git.GitCommandNotFound:
        raise UsageError("git is not installed (or not on PATH)") from None
    except git.GitCommandError as exc:  # a repository git refuses: another owner, a format
        raise UsageError(f"{start}: git cannot read this repository: {_said(exc)}") from None
    repo.git.update_environment(**OWN_OBJECTS)
    return GitRepo(repo, git.GitCommandError)


def _last_said(error: Any) -> str:
    """The last thing git said on stderr, its hints aside: what it failed at."""
    lines = [line for line in _said(error).split("; ") if not line.startswith("hint:")]
    return lines[-1] if lines else f"git exited with {error.status}"


def _said(error: Any) -> str:
    """What git said on stderr, on one line (its hint included: it names the fix)."""
    text = error.stderr if isinstance(error.stderr, str) else str(error.stderr or "")
    text = text.strip().removeprefix("stderr: ").strip("'")  # as GitPython quotes it
    lines = [line.strip().removeprefix("fatal: ") for line in text.splitlines()]
    said = "; ".join(line for line in lines if line).replace(":; ", ": ")
    return said or f"git exited with {error.status}"
