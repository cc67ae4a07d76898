"""Approval evidence: signed records, forge reviews and commit trailers.

Evidence, strongest first (DESIGN §6):

* an ``Approval`` record (``apiVersion: slopolicy/v1``), signed with the
  approver's SSH key (``ssh-keygen -Y sign -n slopolicy``) over a canonical
  statement that binds it to the ``sha256:`` of the approved content, and
  verified against the allowed_signers file of the *base* ref;
* a forge review export (``--reviews``): an APPROVED review counts only for
  the exact head commit, and only for roster entries written ``github:LOGIN``;
* an ``Approved-by:`` commit trailer: anyone can type one, so it is shown as
  *claimed* and counts only where the policy says ``trailers: counted``.

Nothing here decides what changed (that is ``changes.py``) or prints (rules
and reporters do): it turns evidence into :class:`Evidence` values and a
class's requirements into :class:`Shortfall` values.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import math
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from slopolicy.load.documents import Document
from slopolicy.model.errors import UsageError

API_VERSION = "slopolicy/v1"
KIND = "Approval"
NAMESPACE = "slopolicy"  # the ssh-keygen -Y namespace: a signature for git is no approval
POLICY_SUBJECT = "Configuration"  # subject kind of an approval of a policy change
DEFAULT_RECORDS = "approvals"
CHANGE_CLASSES = ("added", "modified", "loosened", "tightened", "removed", "policy")
SIGNED, REVIEW, CLAIMED = "signed", "review", "claimed"
_EMAIL_IN_ANGLES = re.compile(r"<([^<>\s]+)>")
_NOREPLY = re.compile(r"^(?:[0-9]+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$")


# -- canonical content ---------------------------------------------------------

def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; a Decimal is written as its own decimal text.

    The loader keeps YAML floats as the Decimal of their source text, so
    ``99.90`` and ``99.9`` hash differently: the approver approved the text.
    """
    return _canonical(value).encode("utf-8")


def _canonical(value: Any) -> str:
    if type(value) is dict or isinstance(value, Mapping):  # the exact type first: no ABC check
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{_string(k)}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # JSON has no NaN or infinity; the schema refuses them in any document that counts.
        return str(value) if value.is_finite() else _string(str(value))
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else _string(str(value))
    return _string(str(value))


def _string(text: str) -> str:
    # What json.dumps(text, ensure_ascii=False) returns, without its per-call setup: an audit
    # hashes every version of every agreement.
    return _encode_string(text)


_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest(document_data: Any) -> str:
    """``sha256:`` of the canonical JSON of a document: what an approval binds to."""
    return sha256(canonical_json(document_data))


def policy_digest(files: Mapping[str, bytes | None]) -> str:
    """``sha256:`` over the policy files (path -> content, None when absent)."""
    return digest({path: None if data is None else sha256(data) for path, data in files.items()})


# -- the policy ----------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    role: str
    count: int


@dataclass(frozen=True)
class Policy:
    """The ``approvals`` section of a (trusted) configuration."""

    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    require: Mapping[str, tuple[Requirement, ...]] = field(default_factory=dict)
    trailers: str = "claimed"
    records: str = DEFAULT_RECORDS  # folder, relative to the repository root
    allowed_signers: str | None = None  # file, relative to the repository root

    @classmethod
    def from_config(cls, approvals: Mapping[str, Any], config_root: Path, repo_root: Path) -> Policy:
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
        signers = approvals.get("allowedSigners")
        return cls(
            roles=roles,
            require=require,
            trailers=str(approvals.get("trailers") or "claimed"),
            records=rel(str(approvals.get("records") or DEFAULT_RECORDS)).rstrip("/"),
            allowed_signers=rel(str(signers)) if signers else None,
        )

    def holders(self, role: str) -> tuple[str, ...]:
        return self.roles.get(role, ())

    def roles_of(self, identity: str) -> frozenset[str]:
        key = normalize(identity)
        return frozenset(r for r, ids in self.roles.items() if key in {normalize(i) for i in ids})

    def requirements(self, classes: Iterable[str]) -> dict[str, tuple[Requirement, ...]]:
        return {c: self.require[c] for c in classes if self.require.get(c)}


def normalize(identity: str) -> str:
    """Identities compare case-insensitively (e-mail domains and GitHub logins do)."""
    return identity.strip().lower()


# -- records -------------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    """What an approval approves: one document's content (or a removal, or the policy)."""

    kind: str
    name: str
    digest: str
    version: int | None = None
    removed: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.version is not None:
            out["version"] = self.version
        if self.removed:
            out["removed"] = True
        out["digest"] = self.digest
        return out

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Record:
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
    texts = [subject.get("kind"), subject.get("name"), subject.get("digest"), spec.get("approver"),
             spec.get("role"), spec.get("decision"), spec.get("timestamp"), spec.get("signature")]
    if not all(isinstance(t, str) and t for t in texts):
        return None
    version = subject.get("version")
    return Record(
        file=doc.source.path,
        subject=Subject(
            kind=str(subject["kind"]),
            name=str(subject["name"]),
            digest=str(subject["digest"]),
            version=version if isinstance(version, int) and not isinstance(version, bool) else None,
            removed=subject.get("removed") is True,
        ),
        approver=str(spec["approver"]),
        role=str(spec["role"]),
        decision=str(spec["decision"]),
        timestamp=str(spec["timestamp"]),
        signature=str(spec["signature"]),
        document=doc,
    )


def record_name(subject: Subject, role: str, approver: str) -> str:
    """A stable RFC 1123 name: the same approver, role and content give the same record."""
    tag = hashlib.sha256(canonical_json([subject.as_dict(), role, normalize(approver)]))
    slug = re.sub(r"[^a-z0-9]+", "-", f"{subject.name}-{role}".lower()).strip("-")[:48].strip("-")
    return f"{slug or 'approval'}-{tag.hexdigest()[:12]}"


def render_record(name: str, subject: Subject, approver: str, role: str, decision: str,
                  timestamp: str, signature: str) -> str:
    """The record as YAML; every scalar JSON-quoted, so no value can change its type."""
    q = _string
    lines = [
        "# An approval written by `slopolicy approve`. The signature covers every field",
        "# below: an edited record no longer verifies.",
        f"apiVersion: {API_VERSION}",
        f"kind: {KIND}",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  subject:",
        f"    kind: {q(subject.kind)}",
        f"    name: {q(subject.name)}",
    ]
    if subject.version is not None:
        lines.append(f"    version: {subject.version}")
    if subject.removed:
        lines.append("    removed: true")
    lines += [
        f"    digest: {q(subject.digest)}",
        f"  approver: {q(approver)}",
        f"  role: {q(role)}",
        f"  decision: {q(decision)}",
        f"  timestamp: {q(timestamp)}",
        "  signature: |",
        *(f"    {line}" for line in signature.strip().splitlines()),
    ]
    return "\n".join(lines) + "\n"


def now_timestamp() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


# -- signatures ------------------------------------------------------------------

def _ssh_keygen(args: Sequence[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["ssh-keygen", *args], input=data, capture_output=True, timeout=120,
                              check=False)
    except FileNotFoundError:
        raise UsageError("ssh-keygen (OpenSSH 8.2 or later) is needed to sign and verify "
                         "approvals, and is not on PATH") from None


def sign(data: bytes, key: Path) -> str:
    """An armored SSH signature of ``data`` in the slopolicy namespace."""
    if not key.exists():
        raise UsageError(f"--key {key}: no such file (give your SSH private key, or the public "
                         "key of one held by ssh-agent)")
    done = _ssh_keygen(["-Y", "sign", "-n", NAMESPACE, "-f", str(key)], data)
    signature = done.stdout.decode("ascii", "replace")
    if done.returncode != 0 or "BEGIN SSH SIGNATURE" not in signature:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"ssh-keygen could not sign with {key}: {why[-1] if why else 'failed'}")
    return signature


def verify(data: bytes, signature: str, identity: str, allowed_signers: bytes) -> bool:
    """Does ``signature`` verify for ``identity`` by the given allowed_signers content?"""
    with tempfile.TemporaryDirectory(prefix="slopolicy-verify-") as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_bytes(allowed_signers)
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        done = _ssh_keygen(["-Y", "verify", "-f", str(signers), "-I", identity, "-n", NAMESPACE,
                            "-s", str(sig)], data)
        return done.returncode == 0


# -- forge reviews ---------------------------------------------------------------

@dataclass(frozen=True)
class Review:
    login: str
    state: str
    commit: str


def load_reviews(path: Path) -> list[Review]:
    """The latest deciding review of each user, from a GitHub pull request reviews export."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--reviews {path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"--reviews {path}: not JSON: {exc}") from None
    if not isinstance(data, list):
        raise UsageError(f"--reviews {path}: expected the JSON list GitHub returns for "
                         "GET /repos/OWNER/REPO/pulls/N/reviews")
    latest: dict[str, Review] = {}
    for index, item in sorted(enumerate(data), key=_review_order):
        review = _review(path, index, item)
        # COMMENTED and PENDING reviews do not change a reviewer's decision on GitHub.
        if review and review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[normalize(review.login)] = review
    return list(latest.values())


def _review_order(item: tuple[int, Any]) -> tuple[str, int]:
    index, review = item
    submitted = review.get("submitted_at") if isinstance(review, Mapping) else None
    return (str(submitted or ""), index)


def _review(path: Path, index: int, item: Any) -> Review | None:
    user = item.get("user") if isinstance(item, Mapping) else None
    login = user.get("login") if isinstance(user, Mapping) else None
    state = item.get("state") if isinstance(item, Mapping) else None
    commit = item.get("commit_id") if isinstance(item, Mapping) else None
    if not (isinstance(login, str) and isinstance(state, str)):
        raise UsageError(f"--reviews {path}: item {index} lacks user.login or state")
    return Review(login, state.upper(), commit if isinstance(commit, str) else "")


# -- evidence --------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One approval found, and whether it counts (``reason`` says why not)."""

    identity: str
    evidence: str  # signed | review | claimed
    source: str  # the record file, the reviewed commit, the commit with the trailer
    role: str | None = None  # the role a signed record claims
    roles: frozenset[str] = frozenset()  # the roles it may fill, when valid
    reason: str = ""

    @property
    def valid(self) -> bool:
        return not self.reason


@dataclass
class Authors:
    """Who changed a subject in the range: they may not approve it."""

    emails: dict[str, str] = field(default_factory=dict)  # normalized e-mail -> short sha
    logins: dict[str, str] = field(default_factory=dict)  # normalized GitHub login -> short sha

    def add(self, email: str, where: str) -> None:
        key = normalize(email)
        self.emails.setdefault(key, where)
        match = _NOREPLY.match(key)
        if match:
            self.logins.setdefault(match.group(1), where)

    def of(self, identity: str) -> str | None:
        key = normalize(identity)
        if key.startswith("github:"):
            return self.logins.get(key[len("github:"):])
        return self.emails.get(key)


@dataclass
class EvidenceSources:
    """Everything approvals are judged by, read once per run."""

    policy: Policy
    records: list[Record] = field(default_factory=list)
    allowed_signers: bytes | None = None
    allowed_signers_where: str = ""  # e.g. main:.slopolicy/allowed_signers
    reviews: list[Review] | None = None
    head_commit: str | None = None
    _verified: dict[tuple[str, str], bool] = field(default_factory=dict)

    def gather(self, subject: Subject, authors: Authors, trailers: Sequence[tuple[str, str]],
               reviewed: bool) -> list[Evidence]:
        """Every approval of ``subject``. ``reviewed``: the head content is a commit."""
        found = [self._from_record(r, subject, authors) for r in self.records
                 if (r.subject.kind, r.subject.name) == (subject.kind, subject.name)]
        found += self._from_reviews(authors, reviewed)
        found += [self._from_trailer(value, where, authors) for value, where in trailers]
        return found

    def _from_record(self, record: Record, subject: Subject, authors: Authors) -> Evidence:
        base = Evidence(record.approver, SIGNED, record.file, role=record.role)
        reason = self._record_problem(record, subject, authors)
        if reason:
            return _invalid(base, reason)
        return Evidence(record.approver, SIGNED, record.file, record.role,
                        frozenset({record.role}))

    def _record_problem(self, record: Record, subject: Subject, authors: Authors) -> str:
        who = record.approver
        if record.decision != "approved":
            return f"its decision is {record.decision!r}, not 'approved'"
        if record.subject.removed != subject.removed:
            return ("it approves the removal of the document, which is not removed here"
                    if record.subject.removed else "it approves content, but the document is removed")
        if record.subject.digest != subject.digest:
            return (f"it approves {short_digest(record.subject.digest)} but the content is now "
                    f"{short_digest(subject.digest)}: the document changed after approval, so it "
                    "must be approved again")
        holders = {normalize(i) for i in self.policy.holders(record.role)}
        if record.role not in self.policy.roles:
            return f"role {record.role!r} is not defined in the base policy (approvals.roles)"
        if normalize(who) not in holders:
            return f"{who} does not hold role {record.role!r} in the base policy"
        authored = authors.of(who)
        if authored:
            return f"{who} authored {authored}, which changed it: nobody approves their own change"
        if self.allowed_signers is None:
            return (f"there is no allowed signers file at {self.allowed_signers_where or 'the base'}"
                    " (approvals.allowedSigners), so no signature can be verified")
        if not self._verify(record):
            return (f"its signature does not verify for {who} by "
                    f"{self.allowed_signers_where}: signed with another key, or edited")
        return ""

    def _verify(self, record: Record) -> bool:
        key = (record.file, record.signature)
        if key not in self._verified:
            assert self.allowed_signers is not None
            self._verified[key] = verify(record.statement(), record.signature, record.approver,
                                         self.allowed_signers)
        return self._verified[key]

    def _from_reviews(self, authors: Authors, reviewed: bool) -> list[Evidence]:
        found = []
        for review in self.reviews or ():
            if review.state != "APPROVED":
                continue
            identity = f"github:{review.login}"
            base = Evidence(identity, REVIEW, f"review of {review.commit[:7] or '?'}")
            roles = self.policy.roles_of(identity)
            if not reviewed or self.head_commit is None:
                found.append(_invalid(base, "the checked content is not a commit (uncommitted "
                                      "changes), so no review can have approved it"))
            elif review.commit != self.head_commit:
                found.append(_invalid(base, f"it approved {review.commit[:7] or 'no commit'}, not "
                                      f"the head commit {self.head_commit[:7]}: ask for a new review"))
            elif not roles:
                found.append(_invalid(base, f"{identity} holds no role in the base policy"))
            elif authors.of(identity):
                found.append(_invalid(base, f"{identity} authored {authors.of(identity)}, which "
                                      "changed it: nobody approves their own change"))
            else:
                found.append(Evidence(identity, REVIEW, base.source, roles=roles))
        return found

    def _from_trailer(self, value: str, where: str, authors: Authors) -> Evidence:
        match = _EMAIL_IN_ANGLES.search(value)
        identity = match.group(1) if match else value.strip()
        base = Evidence(identity, CLAIMED, f"Approved-by: trailer in {where}")
        roles = self.policy.roles_of(identity)
        if self.policy.trailers != "counted":
            return _invalid(base, "a commit trailer is only claimed (anyone can type one); "
                            "approvals.trailers: claimed does not count it")
        if not roles:
            return _invalid(base, f"{identity} holds no role in the base policy")
        if authors.of(identity):
            return _invalid(base, f"{identity} authored {authors.of(identity)}, which changed it: "
                            "nobody approves their own change")
        return Evidence(identity, CLAIMED, base.source, roles=roles)


def _invalid(evidence: Evidence, reason: str) -> Evidence:
    return Evidence(evidence.identity, evidence.evidence, evidence.source, evidence.role,
                    frozenset(), reason)


def short_digest(value: str) -> str:
    return value[:19] + "…" if len(value) > 19 else value


# -- judging ---------------------------------------------------------------------

@dataclass(frozen=True)
class Shortfall:
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


@dataclass(frozen=True)
class ApprovalResult:
    subject: Subject
    classes: tuple[str, ...]
    requirements: Mapping[str, tuple[Requirement, ...]]
    evidence: tuple[Evidence, ...]
    missing: tuple[Shortfall, ...]

    @property
    def satisfied(self) -> bool:
        return not self.missing

    @property
    def counted(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.valid)


def judge(subject: Subject, classes: Iterable[str], evidence: Sequence[Evidence],
          policy: Policy, authors: Authors | None = None) -> ApprovalResult:
    """Every requirement of every class, each met by distinct identities."""
    classes = tuple(c for c in CHANGE_CLASSES if c in set(classes))
    requirements = policy.requirements(classes)
    pool: dict[str, set[str]] = {}
    for item in evidence:
        if item.valid:
            pool.setdefault(normalize(item.identity), set()).update(item.roles)
    missing: list[Shortfall] = []
    for change_class, reqs in requirements.items():
        filled = _match(reqs, pool)
        for req, have in zip(reqs, filled):
            if have < req.count:
                holders = policy.holders(req.role)
                authored = tuple(h for h in holders if authors is not None and authors.of(h))
                eligible = tuple(h for h in holders if h not in authored)
                missing.append(Shortfall(change_class, req.role, req.count, have, eligible,
                                         authored))
    return ApprovalResult(subject, classes, requirements, tuple(evidence), tuple(missing))


def _match(reqs: Sequence[Requirement], pool: Mapping[str, set[str]]) -> list[int]:
    """How many slots of each requirement distinct identities fill (a maximum matching).

    One identity fills one slot per class: a legal and an sre approval need two
    people, even when one person holds both roles.
    """
    slots = [i for i, req in enumerate(reqs) for _ in range(req.count)]
    owner: dict[int, str] = {}

    def augment(identity: str, seen: set[int]) -> bool:
        for slot, req_index in enumerate(slots):
            if slot in seen or reqs[req_index].role not in pool[identity]:
                continue
            seen.add(slot)
            if slot not in owner or augment(owner[slot], seen):
                owner[slot] = identity
                return True
        return False

    for identity in sorted(pool):
        augment(identity, set())
    filled = [0] * len(reqs)
    for slot in owner:
        filled[slots[slot]] += 1
    return filled


# -- words for messages ------------------------------------------------------------

KEY_HINT = "~/.ssh/id_ed25519"


def needed(result: ApprovalResult) -> list[tuple[str, int, tuple[str, ...], tuple[str, ...]]]:
    """Per role: how many more approvers, for which classes, and who holds the role."""
    by_role: dict[str, tuple[int, list[str], tuple[str, ...]]] = {}
    for short in result.missing:
        count, classes, holders = by_role.get(short.role, (0, [], short.holders))
        by_role[short.role] = (max(count, short.missing), classes + [short.change_class], holders)
    return [(role, count, tuple(classes), holders)
            for role, (count, classes, holders) in by_role.items()]


def _authored(result: ApprovalResult, role: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(h for s in result.missing if s.role == role for h in s.authored))


def shortfall_text(result: ApprovalResult) -> str:
    parts = []
    for role, count, classes, holders in needed(result):
        authored = _authored(result, role)
        if holders:
            who = ", ".join(holders)
        elif authored:
            who = (f"nobody left: {', '.join(authored)} changed it and may not approve it; "
                   "add an approver to the roster in a change of its own")
        else:
            who = "nobody holds it in the base policy"
        parts.append(f"{count} more {role} approver{'s' if count != 1 else ''} "
                     f"(for {'/'.join(classes)}; {role}: {who})")
    return "; ".join(parts)


def uncounted_text(result: ApprovalResult) -> str:
    items = [f"{e.source} ({e.evidence}, {e.identity}): {e.reason}"
             for e in result.evidence if not e.valid]
    return ("Not counted: " + "; ".join(items) + ".") if items else ""


def approve_command(path: str, role: str, holders: Sequence[str], document: str | None = None,
                    removed_from: str | None = None) -> str:
    signers = [h for h in holders if not h.startswith("github:")]
    identity = signers[0] if len(signers) == 1 else "YOUR-ID"
    parts = ["slopolicy approve", _arg(path), f"--role {_arg(role)}", f"--identity {_arg(identity)}",
             f"--key {KEY_HINT}"]
    if document:
        parts.insert(2, f"--document {_arg(document)}")
    if removed_from:
        parts.insert(2, f"--removed-from {_arg(removed_from)}")
    return " ".join(parts)


def _arg(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_@%+=:,./~-]+", text) else "'" + text.replace(
        "'", "'\\''") + "'"


def how_to_approve(result: ApprovalResult, path: str, records: str, document: str | None = None,
                   removed_from: str | None = None) -> str:
    """The command each missing approver runs, and what else would count."""
    commands = []
    reviewers: list[str] = []
    for role, _count, _classes, holders in needed(result):
        nobody_left = not holders and _authored(result, role)
        if any(not h.startswith("github:") for h in holders) or not (holders or nobody_left):
            commands.append(f"`{approve_command(path, role, holders, document, removed_from)}`")
        reviewers += [h for h in holders if h.startswith("github:")]
    text = ""
    if len(commands) == 1:
        text = (f"To approve, the approver runs {commands[0]} on this change and commits the "
                f"record in {records}/")
    elif commands:
        text = (f"To approve, the approvers run {' and '.join(commands)} on this change and "
                f"commit the records in {records}/")
    if reviewers:
        text += ("; or " if text else "To approve, ") + (
            f"{', '.join(dict.fromkeys(reviewers))} approves the head commit on the pull request "
            "(counted with --reviews)")
    return text + "." if text else ""
