"""Approvals as values: what a record approves, the roster, and judging evidence against it.

Pure: no git, no ssh-keygen, no files. The evidence is gathered by
:mod:`slopolicy.gitops.evidence`; the sentences that tell a person what is
missing are :mod:`slopolicy.rules.approval_text`.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import force_setattr

from slopolicy import runtime
from slopolicy.model.documents import Document

SIGNED, REVIEW, CLAIMED = "signed", "review", "claimed"  # kinds of evidence
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


API_VERSION = "slopolicy/v1"


KIND = "Approval"


NAMESPACE = "slopolicy"  # the ssh-keygen -Y namespace: a signature for git is no approval


POLICY_SUBJECT = "Configuration"  # subject kind of an approval of a policy change


DEFAULT_RECORDS = "approvals"


CHANGE_CLASSES = ("added", "modified", "loosened", "tightened", "removed", "policy")


ABSENT, REMOVED = "absent", "removed"  # a change's content before an addition, after a removal


EMAIL_IN_ANGLES = re.compile(r"<([^<>\s]+)>")


_NOREPLY = re.compile(r"^(?:[0-9]+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$")
# GitLab's private commit e-mail: ID-username@users.noreply.gitlab.com
_NOREPLY_GITLAB = re.compile(r"^[0-9]+-([a-z0-9_.-]+)@users\.noreply\.gitlab\.com$")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; a Decimal is written as its own decimal text.

    The loader keeps YAML floats as the Decimal of their source text, so
    ``99.90`` and ``99.9`` hash differently: the approver approved the text.
    """
    return _canonical(value).encode("utf-8")


def _canonical(value: Any) -> str:
    # The loader's own types first, by exact type (no ABC checks): an audit writes every
    # version of every agreement. Each gives what the general case below gives it.
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if kind is dict:
        return "{" + ",".join([key + _canonical(v) for key, v in _members(value)]) + "}"
    if kind is list:
        return "[" + ",".join([_canonical(v) for v in value]) + "]"
    if kind is int:
        return str(value)
    if kind is Decimal and value.is_finite():
        return str(value)
    if value is None or kind is bool:
        return _WORDS[value]
    return _canonical_other(value)


_WORDS = {None: "null", True: "true", False: "false"}  # as json.dumps writes them


def _canonical_other(value: Any) -> str:
    if isinstance(value, Mapping):
        # by key alone: values need not be orderable (the loader makes every key text)
        items = sorted(((str(k), v) for k, v in value.items()), key=_first)
        return "{" + ",".join(f"{json_string(k)}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # JSON has no NaN or infinity; the schema refuses them in any document that counts.
        return str(value) if value.is_finite() else json_string(str(value))
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else json_string(str(value))
    return json_string(str(value))


def _first(item: tuple[str, Any]) -> str:
    return item[0]


# A mapping's keys, in the order they are written (each with its JSON text and the colon),
# by the keys as the mapping holds them: a history's documents repeat the same few sets.
# Only keys that are all text are kept: another key may equal a text and write otherwise.
_KEY_ORDER: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}


def _members(value: dict[Any, Any]) -> list[tuple[str, Any]]:
    """``value``'s members sorted by key (as text), each as (its key's JSON and a colon, its
    value)."""
    keys = tuple(value)
    order = _KEY_ORDER.get(keys)
    if order is None:
        if not all(type(k) is str for k in keys):
            items = sorted(((k if type(k) is str else str(k), v) for k, v in value.items()),
                           key=_first)
            return [(_encode_string(k) + ":", v) for k, v in items]
        if len(_KEY_ORDER) >= 1024:
            _KEY_ORDER.clear()
        order = _KEY_ORDER[keys] = tuple((k, _encode_string(k) + ":") for k in sorted(keys))
    return [(text, value[k]) for k, text in order]


def json_string(text: str) -> str:
    # What json.dumps(text, ensure_ascii=False) returns, without its per-call setup: an audit
    # hashes every version of every agreement.
    return _encode_string(text)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest(document_data: Any) -> str:
    """``sha256:`` of the canonical JSON of a document: what an approval binds to."""
    return sha256(canonical_json(document_data))


# The canonical text of a document's mappings and lists by their identity (held, so the
# identity stays theirs): see :func:`digest_sharing`.
Pieces = dict[int, tuple[Any, str]]
PIECES_DEPTH = 3  # the depth down to which a document's pieces are kept (the root is 0)


def digest_sharing(document_data: Any, known: Pieces) -> tuple[str, Pieces]:
    """``digest(document_data)``, and the canonical text of its mappings and lists (below the
    root, down to :data:`PIECES_DEPTH`): a part of ``document_data`` that is one of ``known``'s
    (the very object) is not written again.

    For the versions of one document in a history: ``share_unchanged`` makes a version hold
    its predecessor's own objects where nothing changed, and those were written for the
    predecessor's digest. The text is the one :func:`canonical_json` writes, byte for byte;
    a document's data is never changed once loaded (sharing only swaps a part for an equal
    one), so a part's text stays what it was.
    """
    made: Pieces = {}
    text = _canonical_piece(document_data, known, made, 0)
    return sha256(text.encode("utf-8")), made


def _canonical_piece(value: Any, known: Pieces, made: Pieces, depth: int) -> str:
    kind = type(value)
    if kind is not dict and kind is not list or depth > PIECES_DEPTH:
        return _canonical(value)
    found = known.get(id(value))
    if found is not None and found[0] is value:
        text = found[1]
    elif kind is dict:
        below = depth + 1
        text = "{" + ",".join([key + (_encode_string(v) if type(v) is str  # text: no call
                                      else _canonical_piece(v, known, made, below))
                               for key, v in _members(value)]) + "}"
    else:
        below = depth + 1
        text = "[" + ",".join([_encode_string(v) if type(v) is str
                               else _canonical_piece(v, known, made, below) for v in value]) + "]"
    if depth:  # a whole document is seldom shared: not worth its text kept
        made[id(value)] = (value, text)
    return text


def policy_digest(files: Mapping[str, bytes | None]) -> str:
    """``sha256:`` over the policy files (path -> content, None when absent)."""
    return digest({path: None if data is None else sha256(data) for path, data in files.items()})


class Requirement(Struct, frozen=True):
    role: str
    count: int


class Roster(Struct, frozen=True):
    """The ``approvals`` section of a (trusted) configuration: roles, people, requirements.

    ``people`` says which identities belong to one person (an e-mail address and a
    ``github:`` login, say): self-approval and the distinct approvers a
    requirement counts are judged per person. An identity no entry names is a
    person of its own; entries that share an identity are one person.
    """

    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    require: Mapping[str, tuple[Requirement, ...]] = field(default_factory=dict)
    trailers: str = "claimed"
    records: str = DEFAULT_RECORDS  # folder, relative to the repository root
    allowed_signers: str | None = None  # file, relative to the repository root
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    signed_commits: bool = False  # approvals.signedCommits: required
    # worked out from the rest: left out of equality, set again by every __init__ and replace
    _person: Mapping[str, str] = {}
    # identity -> (its identities, its roles): an audit asks again for every change
    _known: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def __post_init__(self) -> None:
        force_setattr(self, "_person", _people_index(self.people))
        force_setattr(self, "_known", {})

    def _compared(self) -> tuple[Any, ...]:
        return (self.roles, self.require, self.trailers, self.records, self.allowed_signers,
                self.people, self.signed_commits)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Roster:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    @classmethod
    def from_config(cls, approvals: Mapping[str, Any], config_root: Path, repo_root: Path) -> Roster:
        def rel(value: str) -> str:
            path = (config_root / value).resolve()
            try:
                return path.relative_to(repo_root.resolve()).as_posix()
            except ValueError:
                return path.as_posix()

        roles = {str(r): tuple(str(i) for i in ids or ()) for r, ids in
                 (approvals.get("roles") or {}).items()}
        require = {
            str(c): tuple(Requirement(str(r["role"]), int(r["count"])) for r in reqs or ())
            for c, reqs in (approvals.get("require") or {}).items()
        }
        people = {str(p): tuple(str(i) for i in ids or ()) for p, ids in
                  (approvals.get("people") or {}).items()}
        signers = approvals.get("allowedSigners")
        return cls(
            roles=roles,
            require=require,
            trailers=str(approvals.get("trailers") or "claimed"),
            records=rel(str(approvals.get("records") or DEFAULT_RECORDS)).rstrip("/"),
            allowed_signers=rel(str(signers)) if signers else None,
            people=people,
            signed_commits=approvals.get("signedCommits") == "required",
        )

    def holders(self, role: str) -> tuple[str, ...]:
        return self.roles.get(role, ())

    def person(self, identity: str) -> str:
        """Who an identity is: one key for every identity of a person."""
        key = normalize(identity)
        return self._person.get(key, key)

    def identities(self, identity: str) -> frozenset[str]:
        """Every identity of the person ``identity`` is (normalized), itself included."""
        return self._about(identity)[0]

    def roles_of(self, identity: str) -> frozenset[str]:
        """The roles the person holds, under any of their identities."""
        return self._about(identity)[1]

    def _about(self, identity: str) -> tuple[frozenset[str], frozenset[str]]:
        """(identities, roles) of ``identity``, worked out once per roster (which is frozen,
        with the people and roles it was made with)."""
        known = self._known.get(identity)
        if known is None:
            who = self.person(identity)
            keys = frozenset({normalize(identity)}
                             | {i for i, p in self._person.items() if p == who})
            roles = _once(frozenset(r for r, ids in self.roles.items()
                                    if keys & {normalize(i) for i in ids}))
            known = self._known[identity] = (keys, roles)
        return known

    def authored(self, authors: Authors | None, identity: str) -> str | None:
        """Where the person changed the subject (under any of their identities), if they did."""
        if authors is None:
            return None
        for key in sorted(self.identities(identity)):
            found = authors.of(key)
            if found:
                return found
        return None

    def requirements(self, classes: Iterable[str]) -> dict[str, tuple[Requirement, ...]]:
        return {c: self.require[c] for c in classes if self.require.get(c)}


def _people_index(people: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """normalized identity -> person key; entries that share an identity are one person."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for name, identities in sorted(people.items()):
        person = " " + name  # no normalized identity starts with a space
        for identity in identities:
            parent[find("id:" + normalize(identity))] = find(person)
    return {key[3:]: find(key) for key in parent if key.startswith("id:")}


def normalize(identity: str) -> str:
    """Identities compare case-insensitively (e-mail domains and GitHub logins do)."""
    return identity.strip().lower()


class Subject(Struct, frozen=True):
    """What an approval approves: one change of one document (or of the policy).

    ``before`` is the ``sha256:`` of the content the change starts from
    (``absent`` for an addition) and ``after`` that of the content it leaves
    (``removed`` for a removal), so a record authorises that one change and no
    later change back to the same content. A record of the old shape named one
    content only (``legacy``, its digest): it cannot say which change it approved.
    """

    kind: str
    name: str
    before: str
    after: str
    version: int | None = None
    legacy: str | None = None

    @property
    def removed(self) -> bool:
        return self.after == REMOVED

    @property
    def digest(self) -> str:
        """The content it names: what the change leaves, or for a removal what it removes."""
        if self.legacy is not None:
            return self.legacy
        return self.before if self.removed else self.after

    @property
    def change(self) -> str:
        """``before → after`` in short, for messages."""
        return f"{short_digest(self.before)} → {short_digest(self.after)}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.version is not None:
            out["version"] = self.version
        if self.legacy is not None:  # the bytes an old record was signed over
            if self.removed:
                out["removed"] = True
            out["digest"] = self.legacy
            return out
        out["before"] = self.before
        out["after"] = self.after
        return out

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


class Record(Struct, frozen=True):
    """A parsed Approval record."""

    file: str
    subject: Subject
    approver: str
    role: str
    decision: str
    timestamp: str
    signature: str
    document: Document | None = None

    def statement(self) -> bytes:
        return statement(self.subject, self.approver, self.role, self.decision, self.timestamp)


def statement(subject: Subject, approver: str, role: str, decision: str, timestamp: str) -> bytes:
    """The exact bytes an approver signs: the canonical JSON of the record minus its signature."""
    return canonical_json({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "spec": {
            "subject": subject.as_dict(),
            "approver": approver,
            "role": role,
            "decision": decision,
            "timestamp": timestamp,
        },
    })


def parse_record(doc: Document) -> Record | None:
    """A record from an Approval document; None when it is malformed (``schema`` says why)."""
    spec = doc.spec
    subject = spec.get("subject")
    if not isinstance(subject, Mapping):
        return None
    texts = [subject.get("kind"), subject.get("name"), spec.get("approver"), spec.get("role"),
             spec.get("decision"), spec.get("timestamp"), spec.get("signature")]
    if not all(isinstance(t, str) and t for t in texts):
        return None
    parsed = _subject(subject)
    if parsed is None:
        return None
    return Record(
        file=doc.source.path,
        subject=parsed,
        approver=str(spec["approver"]),
        role=str(spec["role"]),
        decision=str(spec["decision"]),
        timestamp=str(spec["timestamp"]),
        signature=str(spec["signature"]),
        document=doc,
    )


def _subject(subject: Mapping[str, Any]) -> Subject | None:
    """A record's subject: a change (before, after), or the old shape's one digest."""
    version = subject.get("version")
    version = version if isinstance(version, int) and not isinstance(version, bool) else None
    kind, name = str(subject["kind"]), str(subject["name"])
    before, after, digest_ = subject.get("before"), subject.get("after"), subject.get("digest")
    if digest_ is None and isinstance(before, str) and before and isinstance(after, str) and after:
        return Subject(kind, name, before, after, version)
    if isinstance(digest_, str) and digest_ and before is None and after is None:
        removed = subject.get("removed") is True
        return Subject(kind, name, "", REMOVED if removed else digest_, version, legacy=digest_)
    return None


def record_name(subject: Subject, role: str, approver: str) -> str:
    """A stable RFC 1123 name: the same approver, role and content give the same record."""
    tag = hashlib.sha256(canonical_json([subject.as_dict(), role, normalize(approver)]))
    slug = re.sub(r"[^a-z0-9]+", "-", f"{subject.name}-{role}".lower()).strip("-")[:48].strip("-")
    return f"{slug or 'approval'}-{tag.hexdigest()[:12]}"


class Evidence(Struct, frozen=True):
    """One approval found, and whether it counts (``reason`` says why not)."""

    identity: str
    evidence: str  # signed | review | claimed
    source: str  # the record file, the reviewed commit, the commit with the trailer
    role: str | None = None  # the role a signed record claims
    roles: frozenset[str] = frozenset()  # the roles it may fill, when valid
    reason: str = ""
    key: str | None = None  # a signed record's signing key (its sha256), when it verified

    @property
    def valid(self) -> bool:
        return not self.reason


class Authors(Struct):
    """Who changed a subject in the range: they may not approve it.

    Authors and committers of every commit that touched it; with
    ``approvals.signedCommits: required``, the principals whose key signed each
    commit instead (a signer's line may be a wildcard pattern, which then
    names everyone it matches), and the commits whose signature does not count.
    """

    # each -> how and where: "authored commit abc1234", "signed commit abc1234"
    emails: dict[str, str] = field(default_factory=dict)  # normalized e-mail
    logins: dict[str, str] = field(default_factory=dict)  # normalized GitHub login
    patterns: dict[str, str] = field(default_factory=dict)  # a signer's wildcard principal
    # "commit abc1234" -> why its signature does not count ("is not signed; ...")
    unsigned: dict[str, str] = field(default_factory=dict)

    def add(self, email: str, where: str, how: str = "authored") -> None:
        """``email`` made the change in ``where`` (``how``: authored, committed, signed)."""
        where = f"{how} {where}"
        key = normalize(email)
        if not key:
            return
        if key.startswith("github:"):
            self.logins.setdefault(key[len("github:"):], where)
            return
        if key.startswith("gitlab:"):
            self.logins.setdefault(key, where)
            return
        self.emails.setdefault(key, where)
        match = _NOREPLY.match(key)
        if match:
            self.logins.setdefault(match.group(1), where)
        match = _NOREPLY_GITLAB.match(key)
        if match:
            self.logins.setdefault("gitlab:" + match.group(1), where)

    def add_signer(self, principals: str, where: str) -> None:
        """The principals of an allowed_signers line (comma-separated, maybe wildcards)."""
        for principal in principals.split(","):
            key = normalize(principal)
            if not key or key.startswith("!"):
                continue
            if any(c in key for c in "*?"):
                self.patterns.setdefault(key, f"signed {where}")
            else:
                self.add(key, where, "signed")

    def of(self, identity: str) -> str | None:
        key = normalize(identity)
        if key.startswith("github:"):
            found = self.logins.get(key[len("github:"):])
        elif key.startswith("gitlab:"):
            found = self.logins.get(key)
        else:
            found = self.emails.get(key)
        if found is None:
            found = next((w for p, w in self.patterns.items() if fnmatch.fnmatchcase(key, p)),
                         None)
        return found


def short_digest(value: str) -> str:
    return value[:19] + "…" if len(value) > 19 else value


class Shortfall(Struct, frozen=True):
    """A requirement of one change class that the evidence does not meet."""

    change_class: str
    role: str
    needed: int
    have: int
    holders: tuple[str, ...]  # who holds the role in the base policy and may approve
    authored: tuple[str, ...] = ()  # holders who changed the subject, so may not

    @property
    def missing(self) -> int:
        return self.needed - self.have


class ApprovalResult(Struct, frozen=True):
    subject: Subject
    classes: tuple[str, ...]
    requirements: Mapping[str, tuple[Requirement, ...]]
    evidence: tuple[Evidence, ...]
    missing: tuple[Shortfall, ...]
    # commits whose signature does not count under approvals.signedCommits: required
    unsigned: tuple[str, ...] = ()

    @property
    def satisfied(self) -> bool:
        return not self.missing and not self.unsigned

    @property
    def counted(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.valid)


def judge(subject: Subject, classes: Iterable[str], evidence: Sequence[Evidence],
          roster: Roster, authors: Authors | None = None) -> ApprovalResult:
    """Every requirement of every class, each met by distinct people."""
    wanted = set(classes)
    classes = tuple(c for c in CHANGE_CLASSES if c in wanted)
    requirements = _requirements(roster, classes)
    pool = _approvers(evidence, roster)
    missing: list[Shortfall] = []
    for change_class, reqs in requirements.items():
        filled = _match(reqs, pool)
        for req, have in zip(reqs, filled):
            if have < req.count:
                holders = roster.holders(req.role)
                authored = tuple(h for h in holders if roster.authored(authors, h))
                eligible = tuple(h for h in holders if h not in authored)
                missing.append(_once(Shortfall(change_class, req.role, req.count, have, eligible,
                                               authored)))
    unsigned = tuple(f"{where} {why}" for where, why in (authors.unsigned.items()
                                                         if authors is not None else ()))
    return ApprovalResult(subject, _once(classes), requirements, tuple(evidence),
                          _once(tuple(missing)), unsigned)


def _approvers(evidence: Sequence[Evidence], roster: Roster) -> dict[str, set[str]]:
    """The roles each approver may fill: a person, with every person who signed with a key
    they signed with.

    The allowed signers may let one key sign as several identities (a list of
    principals, a wildcard): whoever holds it is one approver, however many
    people the roster takes those identities for.
    """
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    valid = [(roster.person(e.identity), e) for e in evidence if e.valid]
    for person, item in valid:
        if item.key is not None:  # the group is named by a person, never by a key
            group, other = find(person), find("\0" + item.key)
            if group != other:
                parent[other] = group
    pool: dict[str, set[str]] = {}
    for person, item in valid:
        pool.setdefault(find(person), set()).update(item.roles)
    return pool


# roster (by identity, kept alive here) and classes -> what they require, made once
_REQUIRED: dict[tuple[int, tuple[str, ...]], tuple[Roster, dict[str, tuple[Requirement, ...]]]] = {}


def _requirements(roster: Roster, classes: tuple[str, ...]) -> dict[str, tuple[Requirement, ...]]:
    known = _REQUIRED.get((id(roster), classes))
    if known is not None and known[0] is roster:
        return known[1]
    if len(_REQUIRED) >= 1024:
        _REQUIRED.clear()
    found = roster.requirements(classes)
    _REQUIRED[id(roster), classes] = (roster, found)
    return found


# an audit keeps a result per version of a long history: the same shortfalls and roles recur
_once = runtime.OneCopy()


def _match(reqs: Sequence[Requirement], pool: Mapping[str, set[str]]) -> list[int]:
    """How many slots of each requirement distinct people fill (a maximum matching).

    One person fills one slot per class: a legal and an sre approval need two
    people, even when one person holds both roles or signs under two identities.
    """
    slots = [i for i, req in enumerate(reqs) for _ in range(req.count)]
    owner: dict[int, str] = {}
    roles = [reqs[i].role for i in slots]
    for identity in sorted(pool):
        _augment(identity, set(), roles, pool, owner)
    filled = [0] * len(reqs)
    for slot in owner:
        filled[slots[slot]] += 1
    return filled


def _augment(identity: str, seen: set[int], roles: Sequence[str], pool: Mapping[str, set[str]],
             owner: dict[int, str]) -> bool:
    """Give ``identity`` a slot of one of its roles, moving others along (an augmenting path).

    A function of its own, not a closure: a closure that calls itself is a
    reference cycle, which the audit (with the cyclic collector off) would keep.
    """
    for slot, role in enumerate(roles):
        if slot in seen or role not in pool[identity]:
            continue
        seen.add(slot)
        if slot not in owner or _augment(owner[slot], seen, roles, pool, owner):
            owner[slot] = identity
            return True
    return False
