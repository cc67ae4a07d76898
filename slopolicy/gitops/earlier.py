"""Agreements added back: the last version of each that the base's history removed.

A policy may require more approvals to loosen an agreement than to add or
to remove one. Were a change judged against its merge base alone, one
change could remove an agreement (approved as removed) and the next add it
back with looser terms (approved as added), and the loosening would never
need its approvals. So when a change adds an agreement, the base branch's
history is searched for an earlier version of it: the same identity, and one
for the same customer and service, however a reader would take their
spelling (as a rename is matched: ``Globex`` is ``globex``). The last one
removed of each kind of match (read at the removing commit's parent) is
compared with the one added, objective by objective, as an edit is, and the
addition needs the approvals of each of those edits too
(:attr:`DocumentChange.earlier`, ``earlier_also``): a version of the name that
was another customer's cannot hide the last one of the customer's own. An
agreement given another customer or service takes terms to those parties as
an addition does, and is compared with the last of their agreements removed;
so is an agreement that had ended and that an edit puts back in force.

The search is one ``git log --raw`` of the base's first-parent chain over
the files the policy's globs can select, newest first, read only while some
added agreement is not found; the blobs it names are read in batches by
``git cat-file``, and only those that can hold one of the agreements are
parsed. A shallow clone has no history to search: the change set says so
(``history_unread``), and never passes for a search made.
"""
from __future__ import annotations

import codecs
import datetime
from collections.abc import Iterable, Sequence
from pathlib import Path

from msgspec import Struct, field

from slopolicy.changes.changeset import ChangeSet
from slopolicy.changes.compare import (
    SLA_KEY,
    DocumentChange,
    Earlier,
    compare_earlier,
    give_earlier,
    parties,
    revived,
    same_agreement,
    same_parties,
)
from slopolicy.config.settings import Config
from slopolicy.gitops.git import FETCH_FULL, FileChange, GitRepo, PastCommit
from slopolicy.load import discovery
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import Document
from slopolicy.model.errors import UsageError
from slopolicy.text import spelling

READ_AT_ONCE = 1024  # file versions whose blobs one ``git cat-file`` reads
# Bytes that let a YAML or JSON file name a value without spelling it: an escape in a quoted
# scalar (``\x2d``, ``\u002d``), an alias; and the byte-order marks of encodings other than
# UTF-8, where no name is spelt in UTF-8 bytes.
_UNSPELT = (b"\\", b"*")
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
              codecs.BOM_UTF32_BE)

_PAST = "the past versions of the agreements' files"
# A clone that holds the history but not its files' past versions: a partial clone.
_PARTIAL = ("a partial clone (`--filter=blob:none`) fetches past versions of files when asked "
            "for, from a remote that must be reachable; make it reachable, or clone without "
            "`--filter`")
Version = tuple[PastCommit, FileChange]  # a file's version before a commit changed it


def look_back(repo: GitRepo, rev: str, config: Config, repo_root: Path,
              changeset: ChangeSet) -> None:
    """Give each agreement ``changeset`` adds the last version of it that ``rev``'s history
    removed, of its name and of its customer and service, if any (``earlier``), and each
    agreement it gives another customer or service the last version of those parties'
    removed; or say why the history could not be searched."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    added = [c for c in changeset.agreements if c.head is not None and _kinds(c, today)]
    if not added:
        return
    if repo.is_shallow():
        changeset.history_unread = (
            f"this is a shallow clone, so {rev[:7]}'s history, which would show whether it "
            f"was removed before and with which terms, cannot be searched; {FETCH_FULL}")
        return
    search = _Search(repo, config, repo_root, added, today)
    try:
        search.run(rev)
    except UsageError as error:
        changeset.history_unread = f"{error}; {_PARTIAL}"
        return
    finally:
        for want in search.wants:
            give_earlier(want.change, list(dict.fromkeys(
                want.found[k] for k in (_PARTIES, _NAME) if k in want.found)))
    if search.missing and (search.wanted or search.doubt):
        changeset.history_unread = f"{search.missing} is not in this clone; {_PARTIAL}"


_NAME, _PARTIES = "name", "parties"  # the kinds of match of an earlier version


def _kinds(change: DocumentChange, today: datetime.date) -> set[str]:
    """How an earlier version of ``change``'s agreement is matched: an addition by its name and
    by its customer and service; an agreement given other parties, or put back in force after
    it had ended, by its customer and service."""
    head = _head(change)
    sla = (head.api_version, head.kind) == SLA_KEY and parties(head) is not None
    if change.base is None:
        return {_NAME, _PARTIES} if sla else {_NAME}
    return ({_PARTIES} if sla and (parties(change.base) != parties(head)
                                   or revived(change, today)) else set())


class _Want(Struct, eq=False):
    """An agreement looked for, the kinds of match not yet found, and those found."""

    change: DocumentChange
    kinds: set[str]
    found: dict[str, Earlier] = field(default_factory=dict)


class _Search:
    """The added agreements not yet found, and the file versions read for them."""

    def __init__(self, repo: GitRepo, config: Config, repo_root: Path,
                 added: Sequence[DocumentChange], today: datetime.date) -> None:
        self.repo = repo
        self.config = config
        self.repo_root = repo_root
        self.wants = [_Want(c, _kinds(c, today)) for c in added]
        self.wanted = list(self.wants)
        self.needles = {n for c in added for n in _spelt(c)}
        # the customers as matching reads them (``Globex`` is ``globex``), for other spellings
        self.folded = {f for c in added if (f := _folded_customer(c))}
        self.missing: str | None = None  # the newest version that could not be read
        self.missing_at: int | None = None  # its place, counted from the newest
        self.read = 0  # versions met so far
        self.doubt = False  # an earlier version found is older than one not read

    def run(self, rev: str) -> None:
        pending: list[Version] = []
        for commit in self.repo.changes_back(rev, pathspecs(self.config.include)):
            pending += ((commit, c) for c in commit.changes if c.old_blob and c.old_path)
            if len(pending) >= READ_AT_ONCE:
                self._settle(pending)
                pending = []
                if not self.wanted:
                    return  # the log is stopped: nothing older is needed
        if pending and self.wanted:
            self._settle(pending)

    def _settle(self, versions: list[Version]) -> None:
        """Find, newest first, the versions from which a wanted agreement departed."""
        chosen = set(discovery.select(self.config, {c.old_path for _, c in versions if c.old_path},
                                      self.repo_root))
        versions = [v for v in versions if v[1].old_path in chosen]
        olds = self.repo.read_past((c.old_blob for _, c in versions if c.old_blob), _PAST)
        held: list[tuple[Version, int, list[tuple[_Want, str, Document, list[Document]]]]] = []
        for commit, change in versions:
            assert change.old_blob is not None and change.old_path is not None
            self.read += 1
            raw = olds.get(change.old_blob)
            if raw is None:
                if self.missing is None:
                    self.missing = f"the version of {change.old_path} before commit {commit.short}"
                    self.missing_at = self.read
                continue
            if not self._may_hold(raw):
                continue
            docs = agreements(change.old_path, raw)
            found = [(w, k, d, docs) for w in self.wanted for k in w.kinds
                     for d in _match(docs, w.change, k)]
            if found:
                held.append(((commit, change), self.read, found))
        if not held:
            return
        news = self.repo.read_past((c.new_blob for (_, c), _, _ in held if c.new_blob), _PAST)
        for (commit, change), place, found in held:
            after = (agreements(change.new_path or "", news[change.new_blob])
                     if change.new_blob and change.new_blob in news else [])
            for want, kind, old, held_docs in found:
                if kind not in want.kinds or _stays(kind, old, held_docs, after):
                    continue  # found in a newer version already, or still there after
                want.kinds.discard(kind)
                if not want.kinds:
                    self.wanted.remove(want)
                self.doubt = self.doubt or (self.missing_at is not None and self.missing_at < place)
                same = next((e for e in want.found.values() if e.commit == commit.sha
                             and e.change.base is old), None)  # one version of both kinds
                want.found[kind] = same or Earlier(compare_earlier(old, _head(want.change)),
                                                   commit.sha, commit.date)

    def _may_hold(self, raw: bytes) -> bool:
        """Whether a file's bytes can hold a wanted agreement (parsing is the cost)."""
        if any(n in raw for n in self.needles) or unspelt(raw):
            return True
        if not self.folded:
            return False
        # folding is made letter by letter, so a customer spelt otherwise folds to the same text
        # inside the folded file (ASCII bytes fold by lowering them)
        text = (raw.lower().decode("ascii") if raw.isascii()
                else spelling.fold(raw.decode("utf-8", "replace")))
        return any(f in text for f in self.folded)


def unspelt(raw: bytes) -> bool:
    """Whether a file's bytes may name a value without spelling it in UTF-8 (an escape, an
    alias, another encoding): no search of its bytes tells what it holds."""
    return any(b in raw for b in _UNSPELT) or raw.startswith(_WIDE_BOMS)


def _head(change: DocumentChange) -> Document:
    assert change.head is not None
    return change.head


def _spelt(change: DocumentChange) -> Iterable[bytes]:
    """What a file holding an earlier version spells (without escapes): its name, or its
    customer (a version of another name for the same customer and service)."""
    head = _head(change)
    yield head.name.encode()
    customer = head.spec.get("customer")
    if isinstance(customer, str) and customer:
        yield customer.encode()


def _folded_customer(change: DocumentChange) -> str | None:
    customer = _head(change).spec.get("customer")
    return (spelling.fold(customer) or None) if isinstance(customer, str) else None


def agreements(path: str, raw: bytes) -> list[Document]:
    return [d for d in load_bytes(path, raw).documents if d.known and d.name]


def _match(docs: Sequence[Document], change: DocumentChange, kind: str) -> list[Document]:
    """The versions of ``change``'s agreement among ``docs`` by ``kind``: of its name; or of its
    customer and service (the same identity first)."""
    head = _head(change)
    if kind == _NAME:
        return [d for d in docs if d.identity == head.identity][:1]
    theirs = [d for d in docs if same_parties(d, head)]
    return sorted(theirs, key=lambda d: d.identity != head.identity)


def _stays(kind: str, old: Document, olds: Sequence[Document],
           after: Sequence[Document]) -> bool:
    """Whether the version ``old`` goes on in the file after the commit: the agreement of that
    name (or its rename for the same parties); for its customer and service, the agreement
    still theirs, or renamed (another of theirs that was there before does not keep it)."""
    if kind == _NAME:
        return any(same_agreement(old, d) for d in after)
    before = {d.identity for d in olds}
    return any(same_parties(d, old) and (d.identity == old.identity or d.identity not in before)
               for d in after)


def pathspecs(include: Sequence[str]) -> list[str]:
    """Git wildcards (``*`` crosses folders) that match at least what ``include`` selects
    (a pattern's last part names a file, or a folder and what it holds): the globs then
    decide which of the files logged count."""
    specs: list[str] = []
    for pattern in include:
        if pattern.startswith("!"):
            continue
        leaf = pattern.rstrip("/").rsplit("/", 1)[-1]
        leaf = leaf if leaf.startswith("*") else f"*{leaf}"
        for spec in ((leaf, f"{leaf}/*") if leaf != "*" else ("*",)):
            if spec not in specs:
                specs.append(spec)
    return specs
