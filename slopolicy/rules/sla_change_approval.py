"""With a base ref: an SLA added, changed or deleted without the approvals the policy requires.

Which approvals a change needs is the base's ``approvals.require``, per
change class (``added``, ``modified``, ``tightened``, ``loosened``,
``removed``); a change needs every requirement of every class it fits (a
loosening is also a modification), each met by distinct people. Evidence is
an Approval record signed for the exact content (``slopolicy approve``),
verified against the base's allowed signers; an approving review of the head
commit (``--reviews``: GitHub reviews, GitLab approvals) by a ``github:LOGIN``
or ``gitlab:LOGIN`` roster entry; or, only with
``approvals.trailers: counted``, an ``Approved-by:`` trailer. Nobody approves
their own change (as author, committer or signer, under any identity of
``approvals.people``). An agreement renamed, added back, or given terms
where terms were taken away needs what its edit from that one needs.
Metadata-only changes (labels, owner) need no approval.

Passing example (``.slopolicy.yaml`` requires ``modified: [{role: legal,
count: 1}]``; the change raises a target and ``approvals/`` holds a record
that alice@acme.example, a legal approver, signed for the new content)::

    spec:
      version: 4
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.95}

Failing example (the same change, with no record, or with a record signed
before a later edit of the document)::

    spec:
      version: 4
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.95}

Failing example, whatever the approvals (the agreement is still in its file,
which does not read: its new terms are unknown, and it is no deletion; it
fails until the file reads, or the agreement is deleted)::

    {{- if .Values.enabled }}
    apiVersion: slopolicy/v1
    kind: SLA
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding
from slopolicy.rules.readded_text import changed_terms, readded

if TYPE_CHECKING:  # git and change modules load only when a check has a base
    from slopolicy.changes import approvals
    from slopolicy.changes.compare import DocumentChange
    from slopolicy.rules.context import Context

ID = "sla-change-approval"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    broken = {f.path for f in ctx.files if f.problems}
    unread = {f.path for f in ctx.files if any(p.rule == "yaml-syntax" for p in f.problems)}
    for change in base.changes.agreements:
        result = change.approval
        if result is None:
            continue
        if change.head is None and change.file in unread:
            # still in its file, which does not read: no deletion, and no change to approve
            yield _unread(change)
        elif not result.satisfied:
            yield _finding(change, result, base.ref, base.records, broken)


def _unread(change: DocumentChange) -> Finding:
    assert change.base is not None
    return Finding(
        f"{change.label} cannot be compared: {change.file} is still there but does not read "
        "(see its yaml-syntax finding), so its new terms are unknown; no approval counts for "
        "a change that cannot be read, nor does it pass as a deletion. Fix the file, or "
        "delete the agreement, and the change is judged",
        document=change.base, path=("metadata", "name"))


def _finding(change: DocumentChange, result: approvals.ApprovalResult, ref: str,
             records: str, broken: set[str]) -> Finding:
    from slopolicy.rules import approval_text

    removed = change.head is None
    what = _what(change)
    if removed and change.file in broken:
        what = (f"is missing ({change.file} does not load: fix it first, or this counts as a "
                "deletion)")
    needs = approval_text.shortfall_text(result)
    instead = _instead(change)
    if instead is not None and _rank(instead) >= _rank(
            change.earlier.change if change.earlier is not None else None):
        lacks = (f"{change.label} {what}, {_replacing(instead)}. It lacks approval: it needs "
                 f"{needs}.")
    elif change.earlier is not None and change.earlier.change.classes:
        lacks = f"{change.label} {readded(change.earlier, change)}. It lacks approval: it needs {needs}."
    else:
        lacks = f"{change.label} {what} and lacks approval: it needs {needs}."
    message = " ".join(t for t in (
        lacks,
        approval_text.uncounted_text(result),
        approval_text.how_to_approve(result, change.file, records, _document_flag(change),
                                 ref if removed else None, ref),
    ) if t)
    if removed:
        assert change.base is not None
        return Finding(message, document=change.base, path=("metadata", "name"))
    return Finding(message, document=change.head, path=_where(change))


def _what(change: DocumentChange) -> str:
    if change.head is None:
        return "is deleted"
    if change.base is None:
        if change.earlier is not None:  # the terms removed, added back as they were
            return (f"is added back with the terms of the version removed in "
                    f"{change.earlier.short} ({change.earlier.date.date().isoformat()})")
        return "is added"
    detail = changed_terms(change)
    if change.renamed:  # a rename is a change of the agreement, judged as its edit
        renamed = f"renamed from {change.renamed_from}"
        if change.status == "renamed":
            return f"is {renamed}" + (f" ({detail})" if detail else "")
        detail = ", ".join(t for t in (detail, renamed) if t)
    return f"is {change.status}" + (f" ({detail})" if detail else "")


_STRONGEST = ("loosened", "tightened", "modified")


def _rank(change: DocumentChange | None) -> int:
    """How much a comparison asks for: a loosening most, then a tightening, then other terms."""
    classes = change.classes if change is not None else frozenset()
    return next((len(_STRONGEST) - i for i, w in enumerate(_STRONGEST) if w in classes), 0)


def _instead(change: DocumentChange) -> DocumentChange | None:
    """Of the agreements this one may stand for, the one its terms ask most against."""
    best = max(change.replaces, key=_rank, default=None)
    return best if best is not None and _rank(best) else None


def _replacing(instead: DocumentChange) -> str:
    """An agreement judged as an edit of one the change takes away: what that edit does."""
    assert instead.base is not None
    old = instead.base
    classes = instead.classes
    how = ("loosens it" if "loosened" in classes else "tightens it" if "tightened" in classes
           else "changes its terms")
    detail = changed_terms(instead)
    return (f"and this change takes away {old.kind}/{old.name} ({old.source.path}), so it is "
            f"judged as an edit of that one too, which {how}" + (f": {detail}" if detail else ""))


def _where(change: DocumentChange) -> tuple[str | int, ...]:
    instead = _instead(change)
    own = next((len(_STRONGEST) - i for i, w in enumerate(_STRONGEST) if w in change.directions), 0)
    fields = (instead.fields if instead is not None and _rank(instead) >= own
              else change.earlier.change.fields if change.earlier is not None else change.fields)
    for direction in ("loosened", "tightened", "modified"):
        for item in fields:
            if item.direction == direction and item.head_path:
                return item.head_path
    return ("metadata", "name") if change.renamed else ("spec", "version")


def _document_flag(change: DocumentChange) -> str | None:
    doc = change.head or change.base
    assert doc is not None
    others = [d for d in doc.source.documents if d.kind == change.kind and d is not doc]
    return change.name if others else None
