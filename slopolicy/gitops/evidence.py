"""Gathering approval evidence: signed records, forge reviews and commit trailers.

Evidence, strongest first:

* an ``Approval`` record (``apiVersion: slopolicy/v1``), signed with the
  approver's SSH key (``ssh-keygen -Y sign -n slopolicy``) over a canonical
  statement that binds it to one change: the document, the ``sha256:`` of its
  content before (or ``absent``) and after (or ``removed``); verified against
  the allowed_signers file of the *base* ref, and counted for one change only;
* a forge review export (``--reviews``): a GitHub pull request's reviews or
  a GitLab merge request's approvals. An approval counts only for the exact
  head commit, and only for roster entries written ``github:LOGIN`` or
  ``gitlab:LOGIN``;
* an ``Approved-by:`` commit trailer: anyone can type one, so it is shown as
  *claimed* and counts only where the policy says ``trailers: counted``.

With ``approvals.signedCommits: required`` the commits of a change must be
SSH-signed (``git commit -S`` with ``gpg.format ssh``): :func:`commit_signers`
verifies each against the same allowed signers, namespace ``git``.

This module runs ``ssh-keygen`` and reads review exports; it turns what it
finds into :class:`~slopolicy.changes.approvals.Evidence` values, which
:func:`slopolicy.changes.approvals.judge` weighs against the roster.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from slopolicy.changes.approvals import (
    API_VERSION,
    CLAIMED,
    EMAIL_IN_ANGLES,
    KIND,
    NAMESPACE,
    POLICY_SUBJECT,
    REVIEW,
    SIGNED,
    Authors,
    Evidence,
    Record,
    Roster,
    Subject,
    json_string,
    normalize,
    sha256,
    short_digest,
)
from slopolicy.load.files import read_export
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
    lines += [
        f"    before: {q(subject.before)}",
        f"    after: {q(subject.after)}",
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


def signing_key(signature: str) -> str | None:
    """The ``sha256:`` of the public key an armored SSH signature names; None if unreadable.

    The signature carries the key that made it (``SSHSIG``, a version, then the
    key as an SSH string): two records signed by one key are one key holder's.
    """
    body = "".join(line.strip() for line in signature.strip().splitlines()
                   if line.strip() and not line.startswith("-----"))
    try:
        blob = base64.b64decode(body, validate=True)
    except (ValueError, binascii.Error):
        return None
    if blob[:6] != b"SSHSIG" or len(blob) < 14:
        return None
    size = int.from_bytes(blob[10:14], "big")
    key = blob[14:14 + size]
    return sha256(key) if len(key) == size and size else None


# -- forge reviews ---------------------------------------------------------------

class Review(Struct, frozen=True):
    login: str
    state: str
    commit: str
    forge: str = "github"  # the roster writes the reviewer as FORGE:LOGIN

    @property
    def identity(self) -> str:
        return f"{self.forge}:{self.login}"


GITHUB_EXPORT = "the JSON list GitHub returns for GET /repos/OWNER/REPO/pulls/N/reviews"
GITLAB_EXPORT = ("the JSON object GitLab returns for GET /projects/ID/merge_requests/IID/approvals, "
                 "with the merge request's head commit added as \"sha\"")


def load_reviews(path: Path) -> list[Review]:
    """The approvals a forge export holds: GitHub's reviews, or GitLab's approvals.

    GitHub: the latest deciding review of each user (``gh api --paginate``
    writes one JSON list per page; they are read as one). GitLab: every user
    in ``approved_by``, for the commit ``sha`` names, which the export must
    carry: GitLab's approvals do not say which commit they approved.
    """
    raw, why = read_export(path)  # never more than the cap: /dev/zero never ends
    if raw is None:
        raise UsageError(f"--reviews {path}: {why}")
    try:
        values = _json_values(raw.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise UsageError(f"--reviews {path}: not JSON: {exc}") from None
    if len(values) == 1 and isinstance(values[0], Mapping) and "approved_by" in values[0]:
        return _gitlab_approvals(path, values[0])
    if not values or not all(isinstance(v, list) for v in values):
        raise UsageError(f"--reviews {path}: expected {GITHUB_EXPORT}, or {GITLAB_EXPORT}")
    data = [item for page in values for item in page]
    latest: dict[str, Review] = {}
    for index, item in sorted(enumerate(data), key=_review_order):
        review = _review(path, index, item)
        # COMMENTED and PENDING reviews do not change a reviewer's decision on GitHub.
        if review and review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[normalize(review.login)] = review
    return list(latest.values())


def _json_values(text: str) -> list[Any]:
    """Every JSON value of ``text``, one after another (whitespace between them)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return values
        value, position = decoder.raw_decode(text, position)
        values.append(value)


def _gitlab_approvals(path: Path, data: Mapping[str, Any]) -> list[Review]:
    sha, approved = data.get("sha"), data.get("approved_by")
    if not isinstance(sha, str) or not sha:
        raise UsageError(f"--reviews {path}: a GitLab approvals export needs \"sha\", the merge "
                         "request's head commit when the approvals were read (GitLab's approvals "
                         "do not name the commit they approve)")
    if not isinstance(approved, list):
        raise UsageError(f"--reviews {path}: \"approved_by\" is not a list ({GITLAB_EXPORT})")
    found: dict[str, Review] = {}
    for index, item in enumerate(approved):
        user = item.get("user") if isinstance(item, Mapping) else None
        login = user.get("username") if isinstance(user, Mapping) else None
        if not isinstance(login, str) or not login:
            raise UsageError(f"--reviews {path}: approved_by item {index} lacks user.username")
        found[normalize(login)] = Review(login, "APPROVED", sha, forge="gitlab")
    return list(found.values())


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


class EvidenceSources(Struct):
    """Everything approvals are judged by, read once per run."""

    roster: Roster
    records: list[Record] = field(default_factory=list)
    allowed_signers: bytes | None = None
    allowed_signers_where: str = ""  # e.g. main:.slopolicy/allowed_signers
    reviews: list[Review] | None = None
    head_commit: str | None = None
    # records (by record_key) that already stood before this change, and where: each
    # authorised an earlier change, and a record authorises one change
    used: Mapping[str, str] = field(default_factory=dict)
    # whether a record of the old shape (one digest) counts: only where the history
    # shows it was made for this change (the audit), never in the gate
    legacy: bool = False
    base_hint: str = ""  # the --base REF that `slopolicy approve` needs for this change
    _verified: dict[tuple[bytes, str], bool] = field(default_factory=dict)

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
                        frozenset({record.role}), key=signing_key(record.signature))

    def _record_problem(self, record: Record, subject: Subject, authors: Authors) -> str:
        who = record.approver
        if record.decision != "approved":
            return f"its decision is {record.decision!r}, not 'approved'"
        mismatch = self._subject_problem(record.subject, subject)
        if mismatch:
            return mismatch
        if record.role not in self.roster.roles:
            return f"role {record.role!r} is not defined in the base policy (approvals.roles)"
        if record.role not in self.roster.roles_of(who):
            return f"{who} does not hold role {record.role!r} in the base policy"
        authored = self.roster.authored(authors, who)
        if authored:
            return f"{who} {authored}, which changed it: nobody approves their own change"
        if self.allowed_signers is None:
            return (f"there is no allowed signers file at {self.allowed_signers_where or 'the base'}"
                    " (approvals.allowedSigners), so no signature can be verified")
        if not self._verify(record):
            return (f"its signature does not verify for {who} by "
                    f"{self.allowed_signers_where}: signed with another key, or edited")
        used = self.used.get(record_key(record))
        if used:
            return (f"it already authorised an earlier change ({used}): a record authorises one "
                    "change, so this one must be approved anew")
        return ""

    def _subject_problem(self, approved: Subject, subject: Subject) -> str:
        """Why a record's subject is not this change (empty when it is)."""
        what = "policy" if subject.kind == POLICY_SUBJECT else "document"
        if approved.legacy is not None and not self.legacy:
            return (f"it is a record of the old shape, bound to content only "
                    f"({short_digest(approved.legacy)}), so it cannot show which change it "
                    f"approved (a later change back to that content would match it too); "
                    f"approve this change again{self._approve_hint()}")
        if approved.removed != subject.removed:
            return (f"it approves the removal of the {what}, which is not removed here"
                    if approved.removed else f"it approves content, but the {what} is removed")
        if approved.digest != subject.digest:
            return (f"it approves {short_digest(approved.digest)} but the content is now "
                    f"{short_digest(subject.digest)}: the {what} changed after approval, so it "
                    "must be approved again")
        if approved.legacy is None and approved.before != subject.before:
            return (f"it approves the change from {short_digest(approved.before)}, but this "
                    f"change is from {short_digest(subject.before)}: it was made for another "
                    f"change, so this one must be approved again{self._approve_hint()}")
        return ""

    def _approve_hint(self) -> str:
        return f" (`slopolicy approve --base {self.base_hint} ...`)" if self.base_hint else ""

    def _verify(self, record: Record) -> bool:
        # By what was signed and the signature: a copy of a signature beside its record, over
        # another approver, role or subject, is verified on its own.
        key = (record.statement(), record.signature)
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
            identity = review.identity
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
            elif self.roster.authored(authors, identity):
                found.append(_invalid(base, f"{identity} "
                                      f"{self.roster.authored(authors, identity)}, which changed "
                                      "it: nobody approves their own change"))
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
        authored = self.roster.authored(authors, identity)
        if authored:
            return _invalid(base, f"{identity} {authored}, which changed it: "
                            "nobody approves their own change")
        return Evidence(identity, CLAIMED, base.source, roles=roles)


def _invalid(evidence: Evidence, reason: str) -> Evidence:
    return Evidence(evidence.identity, evidence.evidence, evidence.source, evidence.role,
                    frozenset(), reason)


def record_key(record: Record) -> str:
    """What makes two records one: the statement signed (a copy at another path is no new one)."""
    return sha256(record.statement())


# -- signed commits ----------------------------------------------------------------

GIT_NAMESPACE = "git"  # the namespace git signs commits in


def split_signature(commit: bytes) -> tuple[bytes, str] | None:
    """A raw commit object's signed payload and its armored ``gpgsig``; None when unsigned.

    The payload is the object without its signature header, as git signs it.
    """
    head, sep, message = commit.partition(b"\n\n")
    kept: list[bytes] = []
    signature: list[bytes] = []
    inside = False
    for line in head.split(b"\n"):
        if line.startswith((b"gpgsig ", b"gpgsig-sha256 ")):
            inside = True
            signature.append(line.split(b" ", 1)[1])
        elif inside and line.startswith(b" "):
            signature.append(line[1:])
        else:
            inside = False
            kept.append(line)
    if not signature:
        return None
    return b"\n".join(kept) + sep + message, b"\n".join(signature).decode("ascii", "replace")


def commit_signers(commit: bytes, allowed_signers: bytes | None, where: str
                   ) -> tuple[tuple[str, ...], str]:
    """The principals whose key signed a commit, by ``allowed_signers`` (namespace git).

    Returns (principals, "") or ((), why the signature does not count, as the
    rest of a sentence that begins with the commit).
    """
    fix = ("to fix, sign commits with your SSH key (`git config gpg.format ssh`, `git config "
           "user.signingkey ~/.ssh/id_ed25519.pub`, `git commit -S`), with its line in "
           f'{where} allowing namespaces="git", and sign the commits of this change again '
           "(`git rebase --exec 'git commit --amend --no-edit -S' BASE`)")
    split = split_signature(commit)
    if split is None:
        return (), f"is not signed; {fix}"
    payload, signature = split
    if "BEGIN SSH SIGNATURE" not in signature:
        return (), f"is signed with GPG or X.509, not an SSH key; {fix}"
    if allowed_signers is None:
        return (), (f"cannot be verified: there is no allowed signers file at {where} "
                    "(approvals.allowedSigners)")
    with tempfile.TemporaryDirectory(prefix="slopolicy-commit-") as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_bytes(allowed_signers)
        sig = Path(tmp) / "commit.sig"
        sig.write_text(signature + "\n", encoding="ascii", errors="replace")
        found = _ssh_keygen(["-Y", "find-principals", "-s", str(sig), "-f", str(signers)], b"")
        principals = [p for p in found.stdout.decode("utf-8", "replace").splitlines() if p]
        verified = tuple(p for p in principals if _ssh_keygen(
            ["-Y", "verify", "-f", str(signers), "-I", p, "-n", GIT_NAMESPACE, "-s", str(sig)],
            payload).returncode == 0)
    if not verified:
        why = ("its key's line there does not allow namespaces=\"git\", or the signature is "
               "broken" if principals else "its key is not in that file")
        return (), f"has a signature that does not verify by {where} ({why}); {fix}"
    return verified, ""

