"""A change set: what changed between the base and the head, and the base side rules see."""
from __future__ import annotations

import datetime

from msgspec import Struct, field

from slopolicy.changes.approvals import ApprovalResult
from slopolicy.changes.compare import DocumentChange
from slopolicy.model.documents import SourceFile
from slopolicy.model.kinds import SLA_KEY


class PolicyChange(Struct):
    """The policy files that differ between the merge base and the head."""

    config_file: str
    files: tuple[tuple[str, str], ...]  # (path, added | removed | modified)
    approval: ApprovalResult | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.files)


class ChangeSet(Struct):
    """Everything that changed, for rules and reporters (``Report.changes``)."""

    base_ref: str
    base_commit: str
    merge_base: str
    head_ref: str | None  # None: the working tree
    head_commit: str | None
    documents: list[DocumentChange] = field(default_factory=list)
    policy: PolicyChange | None = None
    # Why the base's history could not be searched for earlier versions of the agreements
    # added (a shallow clone, a partial clone that cannot fetch them); None when it was, or
    # when nothing was added.
    history_unread: str | None = None

    @property
    def agreements(self) -> list[DocumentChange]:
        return [c for c in self.documents if (c.api_version, c.kind) == SLA_KEY]

    @property
    def head_label(self) -> str:
        return self.head_ref or "the working tree"


class Signers(Struct, frozen=True):
    """The allowed signers file the base trusts (``approvals.allowedSigners``), both sides."""

    where: str  # as messages name the base's copy: REF:path
    path: str | None  # repository-relative; None when the policy names none
    base: bytes | None  # its content at the base: what verifies every signature
    head: bytes | None  # its content at the head (a change to it is a policy change)


class BaseSide(Struct, frozen=True):
    """What change rules compare the checked documents with (``Context.base``).

    Built by the gate from the base ref: every field is settled before any
    rule runs.
    """

    ref: str
    commit: str  # the tip of the base ref: its policy is the trusted one
    merge_base: str  # what the head is compared with
    files: tuple[SourceFile, ...]  # the documents at the merge base
    changes: ChangeSet
    records: str  # where the trusted policy keeps Approval records (approvals.records)
    head_ref: str | None
    head_commit: str | None
    head_date: datetime.datetime  # the date of the change: the head commit's, never before now
    signers: Signers | None = None
