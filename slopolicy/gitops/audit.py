"""Audit: the history of every agreement, from one walk of git.

One ``git log --raw`` over the document paths (first-parent chain, renames
detected); the blobs it names are read by one ``git cat-file --batch`` per
stretch of commits, as the walk reaches them, and each is parsed once while
it is in use (git blob ids are content addresses); a new version of a file
whose changed lines are each a value rewritten in place is read from the
last version parsed at its path instead (``load.edits``). The walk replays the
changes in order on a map of path -> blob, so it never lists a commit's tree.
Memory follows the agreements, not the commits: a version keeps its data and
where it is, not the text it came from, and shares what did not change with
the version before it.

For every change of an SLA it keeps a :class:`Version`: the commit, the
field-level change (``changes.py``), and the policy of the commit's parent
(the base's policy judges a change, so a change cannot weaken its own
check). After the walk each version is judged (``approvals.py``)
with the Approval records that existed while it was the agreement's
content: from the commit that recorded it until the next change of that
agreement, so a change and its approval landing as two commits of one pull
request still count together. A record authorises one change: one that
first appeared in the history before the agreement's previous change (a
record left in place, or copied back) was made for an earlier change, and
counts for none after it. An agreement whose ``metadata.name`` changed is
followed under its new name, as a change of that agreement (as the gate
judges it). A change of the policy files (configuration,
what it extends, allowed signers) is a :class:`PolicyEdit`, judged the same
way: an unapproved roster edit would otherwise let later approvals count.

Time has two axes (bitemporal): *valid time* is when terms are in force
(``spec.effective``), *transaction time* is when the repository said so (the
committer date). :func:`in_force` answers "which terms held on DATE, as the
repository said on KNOWN_AT"; where the answers as known now and as known
then differ, an edit rewrote the past.
"""
from __future__ import annotations

import bisect
import datetime
import fnmatch
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from msgspec import Struct, field
from msgspec.structs import replace

from slopolicy import runtime
from slopolicy.changes import approvals
from slopolicy.changes import compare as changes
from slopolicy.changes.approvals import ApprovalResult, Authors, Record, Roster, Subject
from slopolicy.changes.compare import DocumentChange
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project
from slopolicy.config.settings import Config
from slopolicy.gitops.evidence import EvidenceSources, record_key
from slopolicy.gitops.git import Commit, GitRepo, LoggedCommit
from slopolicy.gitops.judging import (
    Made,
    Signatures,
    authors_of,
    document_subject,
    signatures,
    taken_notes,
    trailers_of,
)
from slopolicy.gitops.policy import policy_files, touches
from slopolicy.load import discovery, edits
from slopolicy.load.files import load_bytes
from slopolicy.load.readers import Reader
from slopolicy.model.documents import Document, SourceFile
from slopolicy.model.errors import ConfigError
from slopolicy.model.kinds import SLO_MARKERS, may_hold
from slopolicy.rules import approval_text
from slopolicy.rules.linking import display_names
from slopolicy.slo import terms as objectives
from slopolicy.slo import units

SLA_KEY = changes.SLA_KEY
SLO_KEY = changes.SLO_KEY
SLI_KEY = ("openslo/v1", "SLI")
APPROVAL_KEY = (approvals.API_VERSION, approvals.KIND)
_TRACKED = frozenset({SLA_KEY, SLO_KEY, SLI_KEY})
# Every path that can hold a document, a policy or a signers file, as git pathspecs.
BASE_PATHSPECS = ("*.yaml", "*.yml", "*.json", "*allowed_signers*")
PROGRESS_EVERY = 100
READ_AHEAD = 2500  # commits whose blobs one ``git cat-file`` reads (a few megabytes)
PARSED_KEPT = 256  # blobs whose documents are kept, most recently used

Identity = tuple[str, str, str]


# -- the model -------------------------------------------------------------------------

class PolicyAt(Struct, frozen=True):
    """The policy that judges the changes of a stretch of history (from one parent commit)."""

    commit: str | None  # the commit it was read at; None before the first commit
    roster: Roster
    sources: EvidenceSources
    name: str  # the configuration file, as a policy approval names it
    digest: str  # the digest of the policy files, as a policy approval binds it
    files: Mapping[str, str | None]  # path -> sha256 of its content (None: absent)
    folders: tuple[str, ...] = ()  # folders of house-rule files: any file in them counts
    error: str | None = None  # the configuration there could not be read

    def touched_by(self, paths: Iterable[str]) -> bool:
        """Whether a change of ``paths`` changes the policy: one of its files, a file in a
        folder of house rules, or a configuration file in any folder (one added too)."""
        return touches(paths, self.files, self.folders)


# the policies before the edits never approved since the last one approved (that one first),
# each with its edit: what follows must satisfy each of them
Standing = tuple[tuple[PolicyAt, LoggedCommit], ...]


class RecordSpan(Struct, eq=False):
    """An Approval record at one path, from the commit that added it to the one that removed it."""

    record: Record
    path: str
    start: int  # index of the commit that added it, in the walk
    commit: LoggedCommit
    end: int | None = None  # index of the commit that changed or removed it


class Change(Struct, eq=False, kw_only=True):
    """A change that may need approval, judged by the policy of its parent commit."""

    index: int  # the position of its commit in the walk (transaction order)
    commit: LoggedCommit
    subject: Subject
    policy: PolicyAt  # the policy of the parent commit, or the last one approved before it
    paths: Sequence[str]  # the files it changed: their commits' authors made it
    result: ApprovalResult | None = None
    # the policy edit that lacked its approvals, so the policy before it judged this change
    overruled: LoggedCommit | None = None
    recorded: dict[int, RecordSpan] = field(default_factory=dict)  # evidence index -> record

    @property
    def parent(self) -> str | None:
        """The commit whose policy judged this change (None for a root commit)."""
        return self.commit.parents[0] if self.commit.parents else None

    @property
    def classes(self) -> frozenset[str]:
        raise NotImplementedError

    @property
    def label(self) -> str:
        raise NotImplementedError

    @property
    def status(self) -> str:
        raise NotImplementedError

    @property
    def compliant(self) -> bool:
        return self.policy.error is None and self.result is not None and self.result.satisfied

    def missing_text(self) -> str:
        if self.policy.error is not None:
            return f"the policy at {short(self.parent)} cannot be read: {self.policy.error}"
        assert self.result is not None
        return approval_text.shortfall_text(self.result)


class PolicyEdit(Change, eq=False, kw_only=True):
    """A change of the policy files: configuration, what it extends, allowed signers."""

    config_file: str
    files: tuple[tuple[str, str], ...]  # (path, added | modified | removed)

    @property
    def classes(self) -> frozenset[str]:
        return frozenset({"policy"})

    @property
    def label(self) -> str:
        return f"policy {self.config_file}"

    @property
    def status(self) -> str:
        return "policy"


class Version(Change, eq=False, kw_only=True):
    """One recorded change of an agreement: a new version of its text, or its removal."""

    change: DocumentChange
    # remembered once asked (slots, not cached_property: a long history keeps many versions)
    _changed_on: datetime.date | None = None
    _retroactive: bool | None = None

    def __post_init__(self) -> None:
        # replace() copies every field: a version made from another asks again
        self._changed_on = self._retroactive = None

    @property
    def classes(self) -> frozenset[str]:
        return self.change.classes

    @property
    def label(self) -> str:
        return self.change.label

    @property
    def doc(self) -> Document:
        """The text this version recorded (for a removal: the text removed)."""
        found = self.change.head or self.change.base
        assert found is not None
        return found

    @property
    def removed(self) -> bool:
        return self.change.head is None

    @property
    def status(self) -> str:
        return self.change.status

    @property
    def file(self) -> str:
        return self.change.file

    @property
    def number(self) -> Any:
        return self.doc.spec.get("version")

    @property
    def effective(self) -> tuple[Any, Any]:
        value = self.doc.spec.get("effective")
        value = value if isinstance(value, Mapping) else {}
        return value.get("from"), value.get("until")

    @property
    def starts(self) -> datetime.date | None:
        return units.parse_date(self.effective[0])

    @property
    def ends(self) -> datetime.date | None:
        return units.parse_date(self.effective[1])

    @property
    def changed_on(self) -> datetime.date:
        """The date of the change, in the agreement's time zone (as sla-retroactive-change)."""
        if self._changed_on is None:
            zone = units.window_zone(self.doc.spec.get("window"))
            self._changed_on = self.commit.recorded.astimezone(zone).date()
        return self._changed_on

    @property
    def retroactive(self) -> bool:
        """The terms changed and the new version starts before the day of the change."""
        if self._retroactive is None:
            again = self.change.earlier  # added back: its terms against the version removed
            changed = self.change.terms_changed or (again is not None
                                                    and again.change.terms_changed)
            starts = None if self.removed or not changed else self.starts
            self._retroactive = starts is not None and starts < self.changed_on
        return self._retroactive


class Move(Struct, frozen=True):
    """The agreement moved to another file (a rename, or into another file)."""

    index: int
    commit: LoggedCommit
    before: str
    after: str


class SloPoint(Struct, frozen=True):
    """The backing SLO's target of one SLA objective, from a commit on (transaction time)."""

    date: datetime.datetime
    target: Decimal | None  # a fraction; None: no backing SLO then
    slo: str  # ``SLO/name``, or "" when none


class Agreement(Struct, eq=False):
    api_version: str
    kind: str
    name: str
    versions: list[Version] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    slo_series: dict[str, list[SloPoint]] = field(default_factory=dict)  # objective -> points

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def file(self) -> str:
        """Where it is now (where it was last, when removed)."""
        if self.moves and self.moves[-1].index > self.latest.index:
            return self.moves[-1].after
        return self.latest.file

    @property
    def files(self) -> list[str]:
        """Every path that held it, oldest first."""
        found = [p for v in self.versions for p in v.change.paths]
        found += [p for m in self.moves for p in (m.before, m.after)]
        return list(dict.fromkeys(found))

    @property
    def removed(self) -> bool:
        return self.latest.removed


class History(Struct, dict=True):
    """Everything the walk found."""

    head: str | None
    head_date: datetime.datetime | None
    commits: list[LoggedCommit]
    agreements: list[Agreement]
    policy_changes: list[PolicyEdit] = field(default_factory=list)
    # Every commit of the first-parent chain with its committer date, oldest first: the
    # order in which the history was recorded, whatever the dates say.
    chain: list[tuple[str, datetime.datetime]] = field(default_factory=list)
    # when the audit ran, and the commits of the chain its place dates otherwise (_entered)
    now: datetime.datetime | None = None
    entered: Mapping[str, datetime.datetime] = field(default_factory=dict)

    @cached_property
    def positions(self) -> dict[str, int]:
        return {sha: index for index, (sha, _) in enumerate(self.chain)}

    @cached_property
    def made_by(self) -> dict[str, datetime.datetime]:
        """Each commit of the chain dated after one that follows it, with the earliest date of
        those: where two dates are out of order either may be the wrong one, so the commit
        may have been made as early as that."""
        found: dict[str, datetime.datetime] = {}
        earliest: datetime.datetime | None = None
        for sha, date in reversed(self.chain):
            if earliest is not None and earliest < date:
                found[sha] = earliest
            earliest = date if earliest is None else min(earliest, date)
        return found

    def backdated(self) -> list[tuple[tuple[str, datetime.datetime], tuple[str, datetime.datetime]]]:
        """(commit, its parent) for each commit of the chain dated before its parent."""
        return [(self.chain[i], self.chain[i - 1]) for i in range(1, len(self.chain))
                if self.chain[i][1] < self.chain[i - 1][1] and not self.future(self.chain[i - 1][1])]

    def future(self, date: datetime.datetime) -> bool:
        """Whether a commit dated ``date`` is dated after the audit ran: a date that cannot be
        true (and is flagged as such rather than a backdating of the commit after it)."""
        return self.now is not None and date > self.now

    def dated_later(self) -> list[tuple[str, datetime.datetime]]:
        """The commits of the chain dated after the audit ran."""
        return [(sha, date) for sha, date in self.chain if self.future(date)]

    def window(self, since: datetime.datetime | None,
               until: datetime.datetime | None) -> tuple[int, int]:
        """The positions on the chain from ``since`` to ``until``: from the first commit dated
        on or after ``since`` to the last one before the first commit dated after ``until``.

        A committer date is whatever the committer's clock said, so the range
        is cut by position: a commit dated before its parent still counts as
        no earlier than that parent, and cannot slip out of the range. A commit
        dated after the audit runs counts as no later than the commits after it
        (see _entered), so it carries none of them out of the range either.
        """
        dates = [self.entered.get(sha, date) for sha, date in self.chain]
        start = next((i for i, d in enumerate(dates) if d >= since), len(dates)) if since else 0
        end = next((i for i, d in enumerate(dates) if d > until), len(dates)) if until else \
            len(dates)
        return start, end


# -- dates -----------------------------------------------------------------------------

def short(sha: str | None) -> str:
    return sha[:7] if sha else "(none)"


# -- the walk --------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def walk(project: Project, repo: GitRepo, track_slos: bool = False,
         progress: Progress | None = None) -> History:
    """Walk the first-parent history of HEAD once and judge every change of an agreement."""
    head = repo.head()
    if head is None:
        return History(None, None, [], [])
    walker = _Walker(project, repo, track_slos)
    commits, chain = repo.history_and_chain(head, *walker.pathspecs)
    globs = walker.history_globs(commits)
    wider = _wider(walker.pathspecs, globs, walker.policy_paths)
    if wider != walker.pathspecs:  # an earlier version's globs or extends name other files
        walker.pathspecs = wider
        commits, chain = repo.history_and_chain(head, *wider)
        globs = walker.history_globs(commits)
    now = datetime.datetime.now(datetime.timezone.utc)
    walker.entered = _entered(chain, now)
    walker.load(commits, globs)
    # Everything the walk builds is kept to the end: cyclic GC passes would only rescan it.
    with runtime.loading():
        for index, commit in enumerate(commits):
            walker.step(index, commit)
            if progress and ((index + 1) % PROGRESS_EVERY == 0 or index + 1 == len(commits)):
                progress(index + 1, len(commits))
        agreements = walker.finish(len(commits))
    # The head commit's date: the last commit walked, unless later ones touched no document.
    head_date = commits[-1].date if commits and commits[-1].sha == head else repo.commit_date(head)
    return History(head, head_date, commits, agreements, walker.policy_changes,
                   _chain(chain, commits), now, walker.entered)


def _entered(chain: Sequence[tuple[str, datetime.datetime]], now: datetime.datetime
             ) -> dict[str, datetime.datetime]:
    """The commits dated before one they follow on the chain, each with the latest date
    before it: a commit enters the history after the commits before it, whatever its own
    date says, so a backdated commit neither hides a retroactive change nor says early
    what the repository only said later. A commit dated after ``now`` (when the audit
    runs) cannot be telling the truth either: it counts as no later than the commits
    after it, nor than now, so one commit dated 2099 does not date every later one 2099."""
    dates = [date for _, date in chain]
    earliest = now  # the earliest date of the commits after the one at hand, and now
    for at in range(len(dates) - 1, -1, -1):
        if dates[at] > now:
            dates[at] = earliest
        earliest = min(earliest, dates[at])
    found: dict[str, datetime.datetime] = {}
    latest: datetime.datetime | None = None
    for (sha, own), date in zip(chain, dates):
        if latest is not None and date < latest:
            found[sha] = latest
        else:
            latest = date
            if date != own:
                found[sha] = date
    return found


def _chain(chain: list[tuple[str, datetime.datetime]], commits: Sequence[LoggedCommit]
           ) -> list[tuple[str, datetime.datetime]]:
    """The first-parent chain, holding the walked commits' own id and date where they are
    the same (one copy of each over a long history)."""
    walked = {c.sha: c for c in commits}
    found = []
    for sha, date in chain:
        commit = walked.get(sha)
        found.append((commit.sha, commit.date) if commit is not None and commit.date == date
                     and commit.date.utcoffset() == date.utcoffset() else (sha, date))
    return found


class _Walker:
    """Replays the logged changes on a map of path -> blob, oldest first."""

    def __init__(self, project: Project, repo: GitRepo, track_slos: bool) -> None:
        self.project = project
        self.repo = repo
        self.root = project.repo_root
        self.track_slos = track_slos
        # the apiVersions a blob must name to be parsed: SLAs and approvals are slopolicy/v1;
        # OpenSLO documents matter only to the chart
        self.markers = (b"slopolicy/", *SLO_MARKERS) if track_slos else (b"slopolicy/",)
        self.config_rel = _config_rel(project)
        self.pathspecs = _pathspecs(project)  # (git wildcard patterns, literal paths)
        self.policy_paths: set[str] = set()  # the configuration's files in any version
        self.files: dict[str, str] = {}  # path -> blob, for the logged paths
        self.blobs: dict[str, bytes] = {}  # the blobs of the state and of the commits ahead
        self.read_to = 0  # the commits whose blobs are read
        # blob -> its documents (at the path it was first read at), recently used
        self.parsed: OrderedDict[str, tuple[Document, ...]] = OrderedDict()
        # path -> the last content parsed there, to read its next version from (recently used)
        self.bases: OrderedDict[str, edits.Basis] = OrderedDict()
        self.sources: dict[str, SourceFile] = {}  # path -> where its documents are
        self.docs_at: dict[str, list[Document]] = {}  # path -> its SLAs, SLOs and SLIs
        self.index: dict[Identity, Document] = {}  # identity -> its current document
        # spec.service -> the current SLOs of that service, in the order of ``index``
        self.services: dict[Hashable, dict[Identity, None]] = {}
        self.agreements: dict[Identity, Agreement] = {}
        self.open_spans: dict[str, list[RecordSpan]] = {}
        self.spans: dict[tuple[str, str], list[RecordSpan]] = {}  # (kind, name) -> records
        self.first_seen: dict[str, int] = {}  # record_key -> the walk index it first appeared at
        self.selected: set[str] = set()
        self.policy: PolicyAt | None = None
        self.policy_changes: list[PolicyEdit] = []
        self.commits: list[LoggedCommit] = []
        # (commit, allowed signers where, their content) -> its signers
        self.signed: dict[tuple[str, str, bytes | None], tuple[tuple[str, ...], str]] = {}
        # per merge and agreements taken away: the commits of its branch that changed those
        # (one log for all the agreements it gives terms to)
        self.taking: dict[tuple[str, int], tuple[object, list[Commit], dict[str, str]]] = {}
        # identity -> (its current document, that document's digest, the canonical text of
        # its parts): a version's content after is the next version's content before, hashed
        # once, and the next version's unchanged parts are its own objects, written once
        self.digested: dict[Identity, tuple[Document, str, approvals.Pieces]] = {}
        self.paths: dict[tuple[str, ...], tuple[str, ...]] = {}  # each set of paths, once
        self.entered: dict[str, datetime.datetime] = {}  # see _entered
        # id of a policy -> (that policy, its sources for a change no record names)
        self.unrecorded: dict[int, tuple[PolicyAt, EvidenceSources]] = {}
        self.removals = _Removals()  # agreements added back are judged against them

    # -- reading ----------------------------------------------------------------------

    def load(self, commits: list[LoggedCommit], globs: Sequence[Config]) -> None:
        """Pick the document paths the log names (those the project's globs, or ``globs``,
        select); blobs are read as the walk reaches them."""
        self.commits = commits
        paths = {p for commit in commits for c in commit.changes
                 for p in (c.old_path, c.new_path) if p}
        self.selected = set()
        for each in (self.project.config, *globs):
            self.selected.update(discovery.select(each, paths, self.root))

    def history_globs(self, commits: Sequence[LoggedCommit]) -> list[Config]:
        """The document globs of every version of the configuration the history holds.

        The walk follows every path that any of them selected, so no edit of
        the globs hides an agreement's history: an exclude pushed without its
        approvals (the policy before it keeps judging) or the agreements moved
        to another folder with the include following (they are followed
        across the move). Replays the log's paths on the map of path -> blob,
        reading only the configuration's contents (one process for its
        versions) and what it extends; the state is emptied for the walk.
        """
        rel = self.config_rel
        if rel is None:  # a configuration outside the repository: the project's alone
            return []
        self.blobs = self.repo.read_blobs({
            c.new_blob for commit in commits for c in commit.changes
            if c.new_path == rel and c.new_blob})
        found: dict[tuple[tuple[str, ...], tuple[str, ...]], Config] = {}
        policy = {rel}  # the configuration and what it extends, as last read
        self.policy_paths = {rel}  # every file it was made of, in any version
        for number, commit in enumerate(commits):
            touched: set[str] = set()
            for change in commit.changes:
                if change.old_path is not None and change.status != "C":
                    touched.add(change.old_path)
                    self.files.pop(change.old_path, None)
                if change.new_path is not None:
                    touched.add(change.new_path)
                    if change.new_blob is not None:
                        self.files[change.new_path] = change.new_blob
                    else:
                        self.files.pop(change.new_path, None)
            if number and policy.isdisjoint(touched):
                continue
            reader = _FetchingReader(self, commit.sha)
            policy = {rel, *config_module.chain(reader, rel)}
            self.policy_paths |= policy
            globs = _document_globs(reader, rel, self.root)
            if globs is not None:
                found.setdefault((tuple(globs.include), tuple(globs.exclude)), globs)
        self.files, self.blobs = {}, {}
        return list(found.values())

    def _read_ahead(self, index: int) -> None:
        """Read the blobs of the next stretch of commits (one process), keeping only those
        the walk's state still holds: memory follows the tree, not the history."""
        if index < self.read_to:
            return
        self.read_to = min(len(self.commits), index + READ_AHEAD)
        wanted = [c.new_blob for commit in self.commits[index:self.read_to]
                  for c in commit.changes if c.new_blob]
        current = set(self.files.values())
        self.blobs = {b: raw for b, raw in self.blobs.items() if b in current}
        self.blobs.update(self.repo.read_blobs(b for b in wanted if b not in self.blobs))

    def documents(self, path: str, blob: str) -> tuple[list[Document], list[Record]]:
        """The SLAs, SLOs and SLIs, and the Approval records, a blob holds at ``path``."""
        held = self._parse(path, blob)
        if held and held[0].source.path != path:  # the same content at another path
            source = self._source(path)
            held = tuple(Document(source, d.index, d.item, d.data, d.mapped_from) for d in held)
        docs: list[Document] = []
        records: list[Record] = []
        for doc in held:
            key = (doc.api_version, doc.kind)
            if key in _TRACKED and doc.name and path in self.selected:
                docs.append(doc)
            elif key == APPROVAL_KEY:
                record = approvals.parse_record(doc)
                if record is not None:
                    records.append(record)
        return docs, records

    def _source(self, path: str) -> SourceFile:
        """Where documents are, without the text they came from: every version of every
        agreement is kept for the report, and its data is all it needs."""
        source = self.sources.get(path)
        if source is None:
            source = self.sources[path] = SourceFile(path, "")
        return source

    def _parse(self, path: str, blob: str) -> tuple[Document, ...]:
        """The documents a blob holds, each parsed once while it is in use (git blob ids
        are content addresses)."""
        held = self.parsed.get(blob)
        if held is not None:
            self.parsed.move_to_end(blob)
            return held
        raw = self.blobs.get(blob)
        # Most YAML in a repository is no document of ours: skip it unparsed (not one that
        # spells its apiVersion with escapes, or in UTF-16: check reads those too).
        held = ()
        if raw is not None and may_hold(raw, self.markers):
            held = self._reload(path, raw) or self._load(path, raw)
        self.parsed[blob] = held
        if len(self.parsed) > PARSED_KEPT:
            self.parsed.popitem(last=False)
        return held

    def _reload(self, path: str, raw: bytes) -> tuple[Document, ...] | None:
        """The documents of ``raw`` read from the last content parsed at ``path``, when only
        values on lines of their own changed (see :mod:`slopolicy.load.edits`)."""
        prior = self.bases.get(path)
        found = edits.reload(prior, raw, self._source(path)) if prior is not None else None
        if found is None:
            return None
        self.bases[path] = found[0]
        self.bases.move_to_end(path)
        return tuple(found[1])

    def _load(self, path: str, raw: bytes) -> tuple[Document, ...]:
        loaded = load_bytes(path, raw)
        held = tuple(loaded.documents)
        source = self._source(path)
        for doc in held:
            doc.source = source
        basis = edits.basis(raw, loaded)
        loaded.documents.clear()  # no cycle left to the collector, which is off
        if basis is None:
            self.bases.pop(path, None)
        else:
            self.bases[path] = basis
            self.bases.move_to_end(path)
            if len(self.bases) > PARSED_KEPT:
                self.bases.popitem(last=False)
        return held

    # -- one commit -------------------------------------------------------------------

    def step(self, index: int, commit: LoggedCommit) -> None:
        self._read_ahead(index)
        logged = commit.changes
        commit = self.commits[index] = self._kept(index, commit)
        policy = self._policy(commit)
        before: list[Document] = []
        after: list[Document] = []
        touched: set[str] = set()
        for change in logged:
            if change.old_path is not None and change.status != "C":
                touched.add(change.old_path)
                before += self._remove(index, change.old_path)
            if change.new_path is not None and change.new_path in self.files:
                before += self._remove(index, change.new_path)  # a copy onto a file
            if change.new_path is not None and change.new_blob is not None:
                touched.add(change.new_path)
                after += self._add(index, commit, change.new_path, change.new_blob)
            elif change.new_path is not None:  # now a symlink or submodule: no document
                touched.add(change.new_path)
                before += self._remove(index, change.new_path)
        if policy.touched_by(touched) or self.config_rel in touched:
            self._policy_changed(index, commit, policy)
        self._apply(index, commit, policy, before, after, touched)

    def _kept(self, index: int, commit: LoggedCommit) -> LoggedCommit:
        """What the walk keeps of a commit (versions, the report): no list of its files, and
        its people and its parent's id as the commits before it hold them (one copy each)."""
        previous = self.commits[index - 1] if index else None
        parents = commit.parents
        if previous is not None and parents[:1] == (previous.sha,):
            parents = (previous.sha, *parents[1:])
        return LoggedCommit(
            sha=commit.sha, parents=parents, author_name=sys.intern(commit.author_name),
            author_email=sys.intern(commit.author_email), date=commit.date,
            author_date=commit.author_date, subject=commit.subject,
            approved_by=commit.approved_by, changes=(),
            committer_email=sys.intern(commit.committer_email),
            entered=self.entered.get(commit.sha))

    def _remove(self, index: int, path: str) -> list[Document]:
        self.files.pop(path, None)
        for span in self.open_spans.pop(path, []):
            span.end = index
        return self.docs_at.pop(path, [])

    def _add(self, index: int, commit: LoggedCommit, path: str, blob: str) -> list[Document]:
        self.files[path] = blob
        docs, records = self.documents(path, blob)
        if docs:
            self.docs_at[path] = docs
        for record in records:
            self.first_seen.setdefault(record_key(record), index)
            span = RecordSpan(record, path, index, commit)
            self.open_spans.setdefault(path, []).append(span)
            self.spans.setdefault((record.subject.kind, record.subject.name), []).append(span)
        return docs

    def _apply(self, index: int, commit: LoggedCommit, policy: PolicyAt,
               before: list[Document], after: list[Document], touched: set[str]) -> None:
        gone = {d.identity: d for d in before}
        came: dict[Identity, Document] = {}
        for doc in after:
            came.setdefault(doc.identity, doc)
        changed: list[tuple[Identity, Document | None, Document | None]] = []  # SLOs, SLIs
        agreements: list[DocumentChange] = []  # the commit's changes of agreements
        renamed = self._renames(gone, came, touched)
        for identity in list(dict.fromkeys([*gone, *came])):
            old = self.index.get(identity)
            new = came.get(identity)
            if new is None and old is not None and old.source.path not in touched:
                continue  # a namesake elsewhere stands: duplicate-name's problem, not a change
            if new is None:
                self.index.pop(identity, None)
            else:
                self.index[identity] = new
            if identity in renamed:
                predecessor = renamed[identity]
                if predecessor is not None:
                    agreements.append(self._record_rename(index, commit, policy, predecessor,
                                                          came[identity]))
            elif (identity[0], identity[1]) == SLA_KEY:
                found = self._record(index, commit, policy, identity, old, new)
                if found is not None:
                    agreements.append(found)
            else:
                changed.append((identity, old, new))
                if (identity[0], identity[1]) == SLO_KEY:
                    self._reindex(identity, old, new)
        # one that gives terms to other parties as the commit takes another's away is judged
        # as an edit of that one too, as the gate judges a pull request
        changes.replacements(agreements, commit.date.date())
        if self.track_slos:
            self._track(commit, came, changed)

    def _renames(self, gone: Mapping[Identity, Document], came: Mapping[Identity, Document],
                 touched: set[str]) -> dict[Identity, Document | None]:
        """Agreements renamed in this commit: successor -> predecessor, predecessor -> None."""
        removed = [old for i in gone if (old := self.index.get(i)) is not None and i not in came
                   and old.source.path in touched]
        added = [d for i, d in came.items() if i not in self.index]
        found: dict[Identity, Document | None] = {}
        for old, new in changes.pair_renames(removed, added):
            found[new.identity] = old
            found[old.identity] = None
        return found

    def _record_rename(self, index: int, commit: LoggedCommit, policy: PolicyAt, old: Document,
                       new: Document) -> DocumentChange:
        """The agreement goes on under its new name: a change of it, and a rename."""
        agreement = self.agreements.pop(old.identity, None) or Agreement(*old.identity)
        agreement.name = new.name
        namesake = self.agreements.get(new.identity)
        if namesake is not None:  # the name was an agreement's before: one history now
            namesake.versions = sorted(namesake.versions + agreement.versions,
                                       key=lambda v: v.index)
            namesake.moves = sorted(namesake.moves + agreement.moves, key=lambda m: m.index)
            agreement = namesake
        self.agreements[new.identity] = agreement
        if old.source.path != new.source.path:
            agreement.moves.append(Move(index, commit, old.source.path, new.source.path))
        found = changes.compare_renamed(old, new, budgets=False)  # no report shows them
        self.removals.note(found, self.agreements, index, commit)  # given other parties
        agreement.versions.append(Version(
            index=index, commit=commit, change=found, subject=document_subject(found, self._digest),
            policy=policy, paths=self.paths.setdefault(found.paths, found.paths)))
        return found

    def _reindex(self, identity: Identity, old: Document | None, new: Document | None) -> None:
        before = _service(old) if old is not None else None
        after = _service(new) if new is not None else None
        if old is not None and (new is None or before != after):
            self.services.get(before, {}).pop(identity, None)
        if new is not None and (old is None or before != after):
            self.services.setdefault(after, {})[identity] = None

    def _record(self, index: int, commit: LoggedCommit, policy: PolicyAt, identity: Identity,
                old: Document | None, new: Document | None) -> DocumentChange | None:
        """The agreement's change, recorded as a version of it; None: nothing recorded."""
        if new is None:
            if old is None:
                return None
            found: DocumentChange | None = DocumentChange(*identity, base=old, head=None)
        else:
            if old is not None:
                changes.share_unchanged(old.data, new.data)
            found = changes.compare_documents(old, new, budgets=False)  # no report shows them
        if found is None:
            return None
        agreement = self.agreements.get(identity)
        if agreement is None:
            agreement = self.agreements[identity] = Agreement(*identity)
        if old is not None and new is not None and old.source.path != new.source.path:
            agreement.moves.append(Move(index, commit, old.source.path, new.source.path))
        if found.status in ("moved", "unchanged"):
            return None
        self.removals.note(found, self.agreements, index, commit)
        agreement.versions.append(Version(
            index=index, commit=commit, change=found, subject=document_subject(found, self._digest),
            policy=policy, paths=self.paths.setdefault(found.paths, found.paths)))
        return found

    def _digest(self, doc: Document) -> str:
        known = self.digested.get(doc.identity)
        if known is not None and known[0] is doc:
            return known[1]
        found, pieces = approvals.digest_sharing(doc.data, known[2] if known else {})
        self.digested[doc.identity] = (doc, found, pieces)
        return found

    def _authors(self, commit: LoggedCommit, paths: Sequence[str], policy: PolicyAt,
                 taken: Sequence[tuple[str, str]] = ()) -> tuple[Authors, list[tuple[str, str]]]:
        """Who made the change (nobody approves their own), and the trailers they wrote.

        A merge brings the commits of its branch: their authors and committers
        made the change, as in the pull-request gate (merge base .. head), and
        those that changed the agreements ``taken`` away that it is judged as
        an edit of (DocumentChange.taken_from). With
        signed commits required by the policy of the time, each commit's signer
        is its author of record, verified by that policy's allowed signers.
        """
        made: Sequence[Made] = [commit]
        trailers = trailers_of(made)
        notes: dict[str, str] = {}
        if len(commit.parents) > 1:
            branch = self.repo.commits(commit.parents[0], commit.sha, paths)
            if taken:
                key = (commit.sha, id(taken))
                if key not in self.taking:
                    away = self.repo.commits(commit.parents[0], commit.sha,
                                             [p for p, _ in taken])
                    self.taking[key] = (taken, away, taken_notes(away, (), taken))
                _, away, notes = self.taking[key]
                own = {c.sha for c in branch}
                notes = {sha: note for sha, note in notes.items() if sha not in own}
                branch = [*branch, *(c for c in away if c.sha not in own)]
            made = branch
            trailers += trailers_of(b for b in made if b.sha != commit.sha)
        signed = self._signatures(made, policy) if policy.roster.signed_commits else None
        return authors_of(made, signed, notes), trailers

    def _signatures(self, made: Sequence[Made], policy: PolicyAt) -> Signatures:
        """The signers of ``made`` by the policy's allowed signers, each commit verified once
        per policy (a commit that changes several agreements is judged for each)."""
        sources = policy.sources
        where, allowed = sources.allowed_signers_where, sources.allowed_signers
        new = [c.sha for c in made if (c.sha, where, allowed) not in self.signed]
        for sha, found in signatures(self.repo, new, allowed, where).items():
            self.signed[sha, where, allowed] = found
        return {c.sha: self.signed[c.sha, where, allowed] for c in made}

    # -- the policy of the time -------------------------------------------------------

    def _policy(self, commit: LoggedCommit) -> PolicyAt:
        """The policy as the state before ``commit`` (its first parent) holds it."""
        if self.policy is None:
            self.policy = _read_policy(self, commit.parents[0] if commit.parents else None)
        return self.policy

    def _policy_changed(self, index: int, commit: LoggedCommit, before: PolicyAt) -> None:
        """The commit changed a policy file: record the change, judged by the policy before."""
        after = _read_policy(self, commit.sha)
        self.policy = after  # what judges the next change (the state now is this commit's)
        if after.digest == before.digest:
            return
        files = tuple(
            (path, "added" if before.files.get(path) is None
             else "removed" if after.files.get(path) is None else "modified")
            for path in sorted(set(before.files) | set(after.files))
            if before.files.get(path) != after.files.get(path))
        subject = Subject(approvals.POLICY_SUBJECT, after.name, before.digest, after.digest)
        self.policy_changes.append(PolicyEdit(
            index=index, commit=commit, subject=subject, policy=before,
            paths=[p for p, _ in files], config_file=after.name, files=files))

    # -- after the walk ---------------------------------------------------------------

    def finish(self, walked: int) -> list[Agreement]:
        found = sorted((a for a in self.agreements.values() if a.versions),
                       key=lambda a: a.label)
        stands = self._judge_policy_edits(walked)
        edits = [edit.index for edit, _ in stands]
        for agreement in found:
            versions = agreement.versions
            for number, version in enumerate(versions):
                at = bisect.bisect_left(edits, version.index) - 1
                self._judge_standing(
                    version, stands[at][1] if at >= 0 else (),
                    versions[number + 1].index if number + 1 < len(versions) else walked,
                    versions[number - 1].index if number else -1)
        return found

    def _judge_policy_edits(self, walked: int) -> list[tuple[PolicyEdit, Standing]]:
        """Judge each policy edit in turn, and say which policies stand after it.

        An edit that lacks its approvals does not stand: the policy before it
        judges what follows (that edit too), until an edit is approved by it.
        Else one commit that drops a requirement, pushed unapproved, would
        let every later change pass by the requirements it dropped. The edit
        that stands again is the change from the last policy approved (what a
        record must name): an approval of a small edit on top of one never
        approved does not ratify that one. Each edit never approved since
        judges what follows too, so none takes away what another added.
        """
        edits, stands = self.policy_changes, []
        standing: Standing = ()
        for number, edit in enumerate(edits):
            before = edit.policy  # the judging may name another policy
            if standing and standing[0][0].digest != edit.subject.after:
                edit.subject = replace(edit.subject, before=standing[0][0].digest)
            self._judge_standing(
                edit, standing, edits[number + 1].index if number + 1 < len(edits) else walked,
                edits[number - 1].index if number else -1)
            if edit.compliant:
                standing = ()
            elif all(p.digest != before.digest for p, _ in standing):  # each policy once
                standing = (*standing, (before, edit.commit))
            stands.append((edit, standing))
        return stands

    def _judge_standing(self, change: Change, standing: Standing, end: int,
                        previous: int) -> None:
        """Judge ``change`` by its parent commit's policy and, where policy edits before it
        were never approved, by the policy before each of them too: it must satisfy all (an
        edit nobody approved may add a requirement, never take one away). A failing verdict
        is kept, the last approved policy's first."""
        self._judge(change, end, previous)
        if not standing:
            return
        read = (change.policy, change.result, change.recorded)
        passed = None
        for policy, edit in standing:
            change.policy, change.overruled, change.recorded = policy, edit, {}
            self._judge(change, end, previous)
            if not change.compliant:
                return
            passed = passed or (change.policy, change.overruled, change.result, change.recorded)
        if not (read[0].error is None and read[1] is not None and read[1].satisfied):
            change.policy, change.result, change.recorded = read
            change.overruled = None
        elif passed is not None:
            change.policy, change.overruled, change.result, change.recorded = passed

    def _judge_all(self, changes: Sequence[Change], walked: int) -> None:
        """Each change, with the records of its time: after the change before it, before the
        change after it."""
        for number, change in enumerate(changes):
            later = changes[number + 1:]
            previous = changes[number - 1].index if number else -1
            self._judge(change, later[0].index if later else walked, previous)

    def _judge(self, change: Change, end: int, previous: int) -> None:
        """Judge one change with the records that existed while it stood (until ``end``).

        A record that first appeared at or before the previous change of the
        same subject (``previous``) was made for an earlier change: it is shown
        as used, and counts for nothing here.
        """
        policy = change.policy
        folder = policy.roster.records.rstrip("/")
        subject = change.subject
        spans = [
            s for s in self.spans.get((subject.kind, subject.name), ())
            if (s.path == folder or s.path.startswith(folder + "/"))
            and s.start < end and (s.end is None or s.end > change.index)
            and (s.start >= change.index or _names(s.record.subject, subject))
        ]
        used = {}
        for span in spans:
            key = record_key(span.record)
            if self.first_seen[key] <= previous:
                used[key] = (f"it is in the history since before the previous change "
                             f"{short(self._sha(previous))}")
        sources = replace(policy.sources, records=[s.record for s in spans], used=used,
                          legacy=True) if spans else self._unrecorded(policy)
        # who made it, found now rather than kept for every change of a long history
        authors, trailers = self._authors(
            change.commit, change.paths, policy,
            change.change.taken_from if isinstance(change, Version) else ())
        evidence = sources.gather(subject, authors, trailers, False)
        if spans:
            change.recorded = dict(enumerate(spans))
        change.result = approvals.judge(subject, change.classes, evidence, policy.roster,
                                        authors)

    def _unrecorded(self, policy: PolicyAt) -> EvidenceSources:
        """The evidence sources of a change no record names, under ``policy``: one for
        every such change it judges."""
        known = self.unrecorded.get(id(policy))
        if known is None or known[0] is not policy:
            known = self.unrecorded[id(policy)] = (
                policy, replace(policy.sources, records=[], used={}, legacy=True))
        return known[1]

    def _sha(self, index: int) -> str | None:
        return self.commits[index].sha if 0 <= index < len(self.commits) else None

    # -- backing SLOs (for the chart) -------------------------------------------------

    def _track(self, commit: LoggedCommit, came: Mapping[Identity, Document],
               changed: Sequence[tuple[Identity, Document | None, Document | None]]) -> None:
        """Follow the backing SLO targets of the agreements this commit may have moved."""
        every = any((i[0], i[1]) == SLI_KEY for i, _, _ in changed)  # terms may change anywhere
        names = {i[2] for i, _, _ in changed}
        services = {_service(d) for _, old, new in changed for d in (old, new) if d is not None}
        for identity, agreement in self.agreements.items():
            if identity not in came and not changed:
                continue
            doc = self.index.get(identity)
            if doc is None or identity not in came and not every and not _backed_by(
                    doc, services, names):
                continue
            for name, (target, slo) in self._backing_targets(doc).items():
                series = agreement.slo_series.get(name, [])
                last = (series[-1].target, series[-1].slo) if series else (None, "")
                if last != (target, slo):  # a series starts with the first backing SLO
                    agreement.slo_series[name] = [*series, SloPoint(commit.date, target, slo)]

    def _backing_targets(self, sla: Document) -> dict[str, tuple[Decimal | None, str]]:
        """Per SLA objective: the strictest target of its backing SLOs (``slo:``, else the service's)."""
        index = self.index

        def lookup(name: str) -> Mapping[str, Any] | None:
            sli = index.get((*SLI_KEY, name))
            return sli.data if sli else None

        def candidates(item: Mapping[str, Any]) -> list[Document]:
            named = item.get("slo")
            if isinstance(named, str):
                found = index.get((*SLO_KEY, named))
                return [found] if found else []
            return [index[i] for i in self.services.get(_service(sla), ())]

        return _strictest(sla, candidates, lookup)


class _Removals:
    """The agreements the history removed: one added where one was removed before is
    compared with the last version removed, as an edit of it (``DocumentChange.earlier``),
    and needs that edit's approvals too, as the gate asks of a pull request that adds it
    back (a removal approved as such, then an addition with looser terms approved as
    such, would loosen it without the loosening's approvals). The last of its name and the
    last of its customer and service are each compared; and an agreement given another
    customer or service, or put back in force after it had ended, is compared with the last
    of those parties' agreements taken away (removed, or given other parties)."""

    def __init__(self) -> None:
        # (customer, service), folded -> each agreement that took their terms away, with the
        # version it took away and where (the last time for each)
        self.by_parties: dict[tuple[str, str], dict[Identity, tuple[Document, int,
                                                                    LoggedCommit]]] = {}

    def note(self, found: DocumentChange, agreements: Mapping[Identity, Agreement],
             index: int, commit: LoggedCommit) -> None:
        """Remember a removal (or parties given up); give an addition the last version removed
        of its agreement (the same name, and the same customer and service), if any, and an
        agreement given other parties the last version of theirs taken away."""
        # an agreement that had ended, put back in force: its terms come back to its parties
        again = changes.revived(found, commit.date.date())
        if found.base is not None and found.head is not None and not again and all(
                found.base.spec.get(k) == found.head.spec.get(k) for k in ("customer", "service")):
            return  # an edit for the same parties (most changes): nothing to fold or compare
        before = changes.parties(found.base) if found.base is not None else None
        after = changes.parties(found.head) if found.head is not None else None
        if found.base is not None and before is not None and (found.head is None
                                                              or before != after):
            self.by_parties.setdefault(before, {})[found.base.identity] = (found.base, index,
                                                                           commit)
        new = found.head
        if new is None or (found.base is not None and (after is None
                                                       or (before == after and not again))):
            return
        candidates: list[changes.Earlier] = []
        theirs = self._last_of(after, agreements) if after is not None else None
        if theirs is not None:
            candidates.append(changes.Earlier(changes.compare_earlier(theirs[0], new),
                                              theirs[2].sha, theirs[2].date))
        agreement = agreements.get(new.identity) if found.base is None else None
        removal = agreement.latest if agreement is not None and agreement.versions else None
        if removal is not None and removal.removed and (theirs is None
                                                        or removal.doc is not theirs[0]):
            candidates.append(changes.Earlier(changes.compare_earlier(removal.doc, new),
                                              removal.commit.sha, removal.commit.date))
        changes.give_earlier(found, candidates)

    def _last_of(self, parties: tuple[str, str], agreements: Mapping[Identity, Agreement]
                 ) -> tuple[Document, int, LoggedCommit] | None:
        """The last agreement of ``parties`` taken away, unless it is theirs again since."""
        last = None
        for identity, taken in self.by_parties.get(parties, {}).items():
            agreement = agreements.get(identity)
            now = agreement.latest if agreement is not None and agreement.versions else None
            if (now is not None and now.index > taken[1] and not now.removed
                    and changes.parties(now.doc) == parties):
                continue  # theirs again: there now
            if last is None or taken[1] > last[1]:
                last = taken
        return last


def _config_rel(project: Project) -> str | None:
    """Where the configuration lives in the repository (None: outside it, so it stands)."""
    path = project.config.path
    if path is None:
        return config_module.FILENAME
    try:
        return path.resolve().relative_to(project.repo_root.resolve()).as_posix()
    except ValueError:
        return None


def _pathspecs(project: Project) -> tuple[list[str], list[str]]:
    """What the walk follows: documents and configuration (git wildcard patterns), and the
    signers file (a path, taken literally: its name may hold any character)."""
    specs, _ = _wider((list(BASE_PATHSPECS), []), [project.config])
    roster = Roster.from_config(project.config.approvals, project.config.root, project.repo_root)
    paths = []
    if roster.allowed_signers and not roster.allowed_signers.startswith("/"):
        paths.append(roster.allowed_signers)
    return specs, paths


def _wider(pathspecs: tuple[list[str], list[str]], globs: Iterable[Config],
           policy: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """``pathspecs`` with the files the include globs of ``globs`` select, and the
    configuration files ``policy`` names (what a configuration extends may have any name).

    A glob whose last part is ``*.ENDING`` adds the kind of file (``contracts/*.sla`` adds
    ``*.sla``); any other (``contracts/**``, ``contracts/globex``) adds itself, matched
    anywhere (git's ``*`` crosses folders), or every path when git could not read it. The
    walk selects by the globs again: a pathspec wider than a glob costs reading, never
    an agreement.
    """
    specs, paths = list(pathspecs[0]), list(pathspecs[1])

    def add(spec: str) -> None:
        if spec not in specs:
            specs.append(spec)

    for config in globs:
        for pattern in config.include:
            leaf = pattern.rsplit("/", 1)[-1]
            if leaf.startswith("*.") and not any(c in leaf[2:] for c in "*?[{/"):
                add(f"*{leaf[1:]}")
            elif "{" in pattern or pattern.startswith(":"):  # no git pathspec says it
                add("*")
            else:
                add("*" + pattern.replace("**", "*").removeprefix("/"))
    for path in policy:
        if not any(fnmatch.fnmatchcase(path, spec) for spec in specs) and path not in paths:
            paths.append(path)
    return specs, paths


class _StateReader(Reader):
    """The files as the walk stands (a commit's parent), without listing a tree."""

    def __init__(self, walker: _Walker, parent: str | None) -> None:
        self.walker = walker
        self.commit = parent
        self.label = short(parent)

    def paths(self) -> list[str]:
        return list(self.walker.files)

    def exists(self, path: str) -> bool:
        if path in self.walker.files:
            return True
        return not _logged(path, self.walker.pathspecs) and path in self.read([path])

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        unlogged: list[str] = []
        for path in paths:
            blob = self.walker.files.get(path)
            if blob is not None and blob in self.walker.blobs:
                out[path] = self.walker.blobs[blob]
            elif blob is None and not _logged(path, self.walker.pathspecs):
                unlogged.append(path)
        if unlogged and self.commit:  # a file the walk does not follow: read it at the parent
            out.update(self.walker.repo.read_paths(self.commit, unlogged))
        return out


class _FetchingReader(_StateReader):
    """The state as :meth:`_Walker.history_globs` replays it: the content of a file it holds
    is read when first asked for (what a configuration extends)."""

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        paths = list(paths)
        files, blobs = self.walker.files, self.walker.blobs
        wanted = [files[p] for p in paths if p in files and files[p] not in blobs]
        if wanted:
            blobs.update(self.walker.repo.read_blobs(wanted))
        return super().read(paths)


def _document_globs(reader: Reader, rel: str, root: Path) -> Config | None:
    """The document globs of the configuration at ``rel`` as ``reader`` holds it (none there:
    the defaults); None when it cannot be read, or holds a glob that is no gitignore pattern
    (so nothing can be checked by it)."""
    try:
        settings = _settings(reader, rel) if reader.exists(rel) else {}
    except ConfigError:
        return None
    documents = settings.get("documents")
    documents = documents if isinstance(documents, Mapping) else {}
    include = documents.get("include") or list(config_module.DEFAULT_INCLUDE)
    exclude = documents.get("exclude") or []
    globs = [*include, *exclude] if isinstance(include, list) and isinstance(exclude, list) \
        else [None]
    if not all(isinstance(g, str) and discovery.unreadable_glob(g) is None for g in globs):
        return None
    return Config(root=root / PurePosixPath(rel).parent.as_posix(), include=list(include),
                  exclude=[*config_module.DEFAULT_EXCLUDE, *exclude])


def _logged(path: str, pathspecs: tuple[Sequence[str], Sequence[str]]) -> bool:
    # fnmatch as git's default pathspec wildcards: "*" matches "/" too.
    patterns, paths = pathspecs
    return path in paths or any(fnmatch.fnmatchcase(path, spec) for spec in patterns)


def _read_policy(walker: _Walker, at: str | None) -> PolicyAt:
    """The approvals roster and the files that make the policy, as the walk's state holds them.

    ``at`` is the commit that state is (a change's parent); None before the first commit.
    """
    project, root = walker.project, walker.root
    reader = _StateReader(walker, at)
    rel = walker.config_rel
    chain: dict[str, bytes] = {}
    error = None
    if rel is None:  # a configuration outside the repository is no part of its history
        config = project.config
    else:
        config_root = root / PurePosixPath(rel).parent.as_posix()
        chain = config_module.chain(reader, rel)
        try:
            settings = _settings(reader, rel) if chain else {}
        except ConfigError as exc:
            settings, error = {}, str(exc)
        config = Config(root=config_root, approvals=dict(settings.get("approvals") or {}),
                        house_rules=[str(p) for p in settings.get("policies") or []])
    roster = Roster.from_config(config.approvals, config.root, root)
    files = policy_files(reader, config, chain, rel, root) if rel else {}
    signers = files.get(roster.allowed_signers) if roster.allowed_signers else None
    if roster.allowed_signers and roster.allowed_signers not in files:
        outside = Path(roster.allowed_signers)  # with a configuration outside the repository
        signers = (outside.read_bytes() if outside.is_absolute() and outside.is_file()
                   else reader.read_one(roster.allowed_signers))
    where = f"{reader.label}:{roster.allowed_signers or '(approvals.allowedSigners unset)'}"
    sources = EvidenceSources(roster=roster, allowed_signers=signers, allowed_signers_where=where)
    folders = tuple(f for f in (_inside(config.root / e, root) for e in config.house_rules) if f)
    hashes = {path: None if data is None else approvals.sha256(data)
              for path, data in files.items()}
    return PolicyAt(at, roster, sources, rel or config_module.FILENAME,
                    approvals.policy_digest(files), hashes, folders, error)


def _inside(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _settings(reader: Reader, rel: str) -> dict[str, Any]:
    """The configuration's settings at the walk's state (presets and extends merged, schema
    checked); an error names the file ``COMMIT:path:line:column``.

    Only approvals and policy files matter to an audit, so rule ids of the
    time are not checked against today's rules (a rule added since must not
    void the past).
    """
    return config_module.read(reader, rel).data


def _names(approved: Subject, subject: Subject) -> bool:
    """Whether a record's subject names this change (the old shape: its one content)."""
    if approved.legacy is not None:
        return approved.removed == subject.removed and approved.digest == subject.digest
    return (approved.before, approved.after) == (subject.before, subject.after)


def _service(doc: Document) -> Hashable:
    """``spec.service``, as a key (services are compared by value)."""
    value = doc.spec.get("service")
    return value if isinstance(value, Hashable) else repr(value)


def _backed_by(sla: Document, services: set[Hashable], names: set[str]) -> bool:
    """Whether an SLO of one of ``services``, or named in ``names``, may back ``sla``."""
    if _service(sla) in services:
        return True
    raw = sla.spec.get("objectives")
    return any(isinstance(item, Mapping) and item.get("slo") in names
               for item in (raw if isinstance(raw, list) else []))


def _strictest(sla: Document, candidates: Callable[[Mapping[str, Any]], list[Document]],
               lookup: objectives.SliLookup) -> dict[str, tuple[Decimal | None, str]]:
    """Per SLA objective (by name): the highest target of its candidates, and whose it is."""
    out: dict[str, tuple[Decimal | None, str]] = {}
    raw = sla.spec.get("objectives")
    items = raw if isinstance(raw, list) else []
    for item in items:
        if not isinstance(item, Mapping) or "name" not in item:
            continue
        best: tuple[Decimal | None, str] = (None, "")
        for slo in candidates(item):
            wanted = item.get("objective")
            for position, terms, _ in objectives.slo_terms(slo.data, lookup):
                if terms is None or (terms.indicator != item.get("indicator")
                                     and "slo" not in item):
                    continue
                names = display_names(slo)
                if isinstance(wanted, str) and (
                        position >= len(names) or names[position] != wanted):
                    continue
                if best[0] is None or terms.target > best[0]:
                    best = (terms.target, slo.label)
        out[str(item["name"])] = best
    return out


# -- questions -------------------------------------------------------------------------



def in_force(agreement: Agreement, on: datetime.date,
             known_at: datetime.datetime | None = None) -> Version | None:
    """The terms in force on ``on`` as the repository said at ``known_at`` (None: now).

    Each recorded version speaks for the dates from its ``effective.from``
    on, and a version recorded later overrides it from its own start: the
    old version stays in force until the new one starts. So the
    answer is the version recorded last among those started by the date;
    none when that one has ended (``effective.until``) or is the removal of
    the agreement (which speaks from the day it was recorded).

    With starts that grow with each version this is the version with the
    latest ``effective.from`` on or before the date. A retroactive edit (a
    new version starting before one recorded earlier) is where the two
    differ: the version it replaced does not come back.
    """
    best: Version | None = None
    for version in agreement.versions:
        if known_at is not None and version.commit.recorded > known_at:
            continue  # not yet recorded then (committer dates need not grow with the walk)
        starts = version.changed_on if version.removed else version.starts
        if starts is not None and starts <= on:
            best = version
    if best is None or best.removed:
        return None
    ends = best.ends
    return None if ends is not None and ends <= on else best


def in_force_on(agreement: Agreement, dates: Sequence[datetime.date]) -> list[Version | None]:
    """:func:`in_force` (as the repository says now) on each of ``dates``, in ascending
    order, in one sweep: a chart asks on every date any version names."""
    starting: list[tuple[datetime.date, int]] = []  # (from when it speaks, its place)
    for number, version in enumerate(agreement.versions):
        starts = version.changed_on if version.removed else version.starts
        if starts is not None:
            starting.append((starts, number))
    starting.sort()
    found: list[Version | None] = []
    latest, started = -1, 0  # the last recorded version among those started so far
    for on in dates:
        while started < len(starting) and starting[started][0] <= on:
            latest = max(latest, starting[started][1])
            started += 1
        best = agreement.versions[latest] if latest >= 0 else None
        ends = best.ends if best is not None and not best.removed else None
        found.append(None if best is None or best.removed or (ends is not None and ends <= on)
                     else best)
    return found


class InForce(Struct, frozen=True):
    """One agreement's answer to "which terms held on DATE", and what the repository said then."""

    agreement: Agreement
    on: datetime.date
    version: Version | None  # as known at --known-at (or now)
    then: Version | None  # as known on the date itself
    asked_then: bool  # the date is before --known-at (or now), so "then" was asked

    @property
    def differs(self) -> bool:
        """A later edit rewrote what the repository had said about that date."""
        if not self.asked_then:
            return False
        return bool(_terms(self.version) != _terms(self.then))

    @property
    def rewritten(self) -> bool:
        """The repository held the agreement on the date and later said otherwise about it
        (else the agreement was only recorded later, as when an existing contract is added)."""
        then_at = end_of_day(self.on)
        return self.differs and any(v.commit.recorded <= then_at
                                    for v in self.agreement.versions)


def _terms(version: Version | None) -> Any:
    """The terms as written, compared exactly: ``99.9`` and ``99.90`` are the same terms."""
    return None if version is None else version.doc.spec


def end_of_day(on: datetime.date) -> datetime.datetime:
    """The last instant of a date, in UTC: a date as transaction time includes its whole day."""
    return datetime.datetime.combine(on, datetime.time.max, datetime.timezone.utc)


def snapshot(history: History, on: datetime.date, known_at: datetime.datetime | None,
             agreements: Sequence[Agreement] | None = None) -> list[InForce]:
    """Every agreement in force on ``on`` (by either answer), as known at ``known_at``."""
    then_at = end_of_day(on)
    asked_then = known_at is None or then_at < known_at
    found = []
    for agreement in history.agreements if agreements is None else agreements:
        now = in_force(agreement, on, known_at)
        then = in_force(agreement, on, then_at) if asked_then else now
        answer = InForce(agreement, on, now, then, asked_then)
        if now is not None or answer.differs:
            found.append(answer)
    return found


def rewritten_by(answer: InForce) -> Version | None:
    """The first version recorded after the date that changed the answer about it."""
    if not answer.differs:
        return None
    then = _terms(answer.then)
    then_at = end_of_day(answer.on)
    for version in answer.agreement.versions:
        if version.commit.recorded > then_at and _terms(
                in_force(answer.agreement, answer.on, version.commit.recorded)) != then:
            return version
    return None


class AuditReport(Struct, dict=True):
    """What an audit reporter shows: the history, the agreements asked about, the question."""

    history: History
    agreements: list[Agreement]
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    as_of: datetime.date | None = None
    known_at: datetime.datetime | None = None
    answers: list[InForce] | None = None  # with --as-of / --known-at
    name: str = ""  # the repository's folder name, for titles
    title: str = ""  # the report's own title (--title), instead of one made from the name
    audience: str = "internal"  # or "customer": no SLO targets, file paths or commit hashes

    @cached_property
    def _window(self) -> tuple[int, int]:
        return self.history.window(self.since, self.until)

    def in_range(self, commit: LoggedCommit) -> bool:
        """Whether ``commit`` lies in ``--since``/``--until``, by its place on the first-parent
        chain (see :meth:`History.window`), or by its own date or any date between: where
        the dates are out of order one of them is wrong, and it may be either (a commit
        dated 2099 carries the ones after it no further than they say, nor does the one it
        follows; a commit dated after one that follows it may have been made as early as
        that one says). A commit dated after the audit runs has no date to go by: every
        range holds it."""
        if self.since is None and self.until is None:
            return True
        position = self.history.positions.get(commit.sha)
        if position is None:  # not on the chain walked: by its date alone
            return ((self.since is None or commit.date >= self.since)
                    and (self.until is None or commit.date <= self.until))
        start, end = self._window
        if start <= position < end or self.history.future(commit.date):
            return True
        placed = self.history.entered.get(commit.sha, commit.date)
        made = self.history.made_by.get(commit.sha, commit.date)  # dated later than made?
        return ((self.since is None or max(placed, commit.date) >= self.since)
                and (self.until is None or min(placed, commit.date, made) <= self.until))

    def versions(self, agreement: Agreement) -> list[Version]:
        """The agreement's versions committed in the range."""
        return [v for v in agreement.versions if self.in_range(v.commit)]

    def shown(self) -> list[Agreement]:
        """The agreements with a change in the range."""
        return [a for a in self.agreements if self.versions(a)]

    def policy_changes(self) -> list[PolicyEdit]:
        """The changes of the policy committed in the range."""
        return [c for c in self.history.policy_changes if self.in_range(c.commit)]

    def failures(self) -> list[Change]:
        """The changes in the range that lacked the approvals they needed."""
        found: list[Change] = [v for a in self.agreements for v in self.versions(a)]
        found += self.policy_changes()
        return sorted((c for c in found if not c.compliant), key=lambda c: (c.index, c.label))


# -- valid-time series (for the chart) -------------------------------------------------

def target_steps(agreement: Agreement, objective: str
                 ) -> list[tuple[datetime.date, Decimal | None, Version | None]]:
    """The objective's target in force from each date on, as the repository says now."""
    dates: set[datetime.date] = set()
    for version in agreement.versions:
        for date in (version.starts, version.ends):
            if date is not None:
                dates.add(date)
        if version.removed:
            dates.add(version.changed_on)
    steps: list[tuple[datetime.date, Decimal | None, Version | None]] = []
    ordered = sorted(dates)
    for date, found in zip(ordered, in_force_on(agreement, ordered)):
        target = objective_target(found.doc, objective) if found else None
        if not steps or steps[-1][1] != target or steps[-1][2] is not found:
            steps.append((date, target, found))
    return steps


def objective_target(doc: Document, name: str) -> Decimal | None:
    raw = doc.spec.get("objectives")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping) and str(item.get("name")) == name:
            try:
                return units.parse_target(item.get("target"), item.get("targetPercent"))
            except units.UnitError:
                return None
    return None


def objective_names(agreement: Agreement) -> list[str]:
    """Every objective any version named, in order of first appearance."""
    names: dict[str, None] = {}
    for version in agreement.versions:
        raw = version.doc.spec.get("objectives")
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, Mapping) and "name" in item:
                names.setdefault(str(item["name"]), None)
    return list(names)


# -- progress --------------------------------------------------------------------------

def tty_progress(stream: TextIO | None = None) -> Progress | None:
    """A one-line counter on a terminal; nothing when stderr is a file or a pipe."""
    stream = stream or sys.stderr  # looked up now: tests and callers may replace it
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        stream.write(f"\rslopolicy: audit: {done}/{total} commits walked")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
