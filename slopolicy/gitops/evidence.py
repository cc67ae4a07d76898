"""Gathering approval evidence: signed records, forge reviews and commit trailers.

Evidence, strongest first:

* an ``Approval`` record (``apiVersion: slopolicy/v1``), signed with the
  approver's SSH key (``ssh-keygen -Y sign -n slopolicy``) over a canonical
  statement that binds it to the ``sha256:`` of the approved content, and
  verified against the allowed_signers file of the *base* ref;
* a forge review export (``--reviews``): an APPROVED review counts only for
  the exact head commit, and only for roster entries written ``github:LOGIN``;
* an ``Approved-by:`` commit trailer: anyone can type one, so it is shown as
  *claimed* and counts only where the policy says ``trailers: counted``.

This module runs ``ssh-keygen`` and reads review exports; it turns what it
finds into :class:`~slopolicy.changes.approvals.Evidence` values, which
:func:`slopolicy.changes.approvals.judge` weighs against the roster.
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slopolicy.changes.approvals import (
    API_VERSION,
    CLAIMED,
    EMAIL_IN_ANGLES,
    KIND,
    NAMESPACE,
    REVIEW,
    SIGNED,
    Authors,
    Evidence,
    Record,
    Roster,
    Subject,
    json_string,
    normalize,
    short_digest,
)
from slopolicy.model.errors import UsageError


def render_record(name: str, subject: Subject, approver: str, role: str, decision: str,
                  timestamp: str, signature: str) -> str:
    """The record as YAML; every scalar JSON-quoted, so no value can change its type."""
    q = json_string
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
    """Now, in UTC to the second; SOURCE_DATE_EPOCH, when set, stands for now.

    The reproducible-builds convention lets a scripted history (examples/audit)
    sign the same record, byte for byte, on every run.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    now = datetime.datetime.now(datetime.timezone.utc)
    if epoch:
        try:
            if not (epoch.isascii() and epoch.isdigit()):
                raise ValueError(epoch)
            now = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since "
                             "1970-01-01 UTC (as `date +%s` prints)") from None
    return now.replace(microsecond=0).isoformat().replace("+00:00", "Z")


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


@dataclass
class EvidenceSources:
    """Everything approvals are judged by, read once per run."""

    roster: Roster
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
        holders = {normalize(i) for i in self.roster.holders(record.role)}
        if record.role not in self.roster.roles:
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
            roles = self.roster.roles_of(identity)
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
        match = EMAIL_IN_ANGLES.search(value)
        identity = match.group(1) if match else value.strip()
        base = Evidence(identity, CLAIMED, f"Approved-by: trailer in {where}")
        roles = self.roster.roles_of(identity)
        if self.roster.trailers != "counted":
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


# -- judging ---------------------------------------------------------------------


# -- words for messages ------------------------------------------------------------


