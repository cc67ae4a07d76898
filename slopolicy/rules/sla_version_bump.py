"""With a base ref: the terms of an SLA changed and ``spec.version`` did not increase.

Every change of terms is a new version of the agreement: the version is how
the customer, the contract and the audit trail refer to a set of terms.
Metadata-only changes (labels, owner, the backing SLO) need no new version.
An agreement added back after a removal is judged against the last version
removed, as an edit of it: other terms than that version's need a higher
version than its.

Passing example (base: version 3, targetPercent 99.9)::

    spec:
      version: 4
      supersedes: 3
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.95}

Failing example (base: version 3, targetPercent 99.9)::

    spec:
      version: 3
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.95}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding
from slopolicy.rules.readded_text import as_edit, readded

if TYPE_CHECKING:
    from slopolicy.changes.compare import DocumentChange, Earlier
    from slopolicy.rules.context import Context

ID = "sla-version-bump"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    for change in base.changes.agreements:
        edit, earlier = as_edit(change)  # an agreement added back: from the version removed
        if not edit.terms_changed:  # a rename alone keeps the terms, and their version
            continue
        before, after = edit.version_before, edit.version_after
        if not (_whole(before) and _whole(after)) or after > before:
            continue  # a version that is no integer is the schema rule's problem
        yield Finding(_message(change, earlier, before, after, base.ref),
                      document=change.head, path=("spec", "version"))


def _message(change: DocumentChange, earlier: Earlier | None, before: int, after: int,
             ref: str) -> str:
    fix = (f"set version: {before + 1} and supersedes: {before}, so the new terms are a new "
           "version of the agreement")
    if earlier is not None:
        was = "as that version's was" if after == before else f"below that version's ({before})"
        return f"{change.label} {readded(earlier)}. Its spec.version is {after}, {was}; {fix}"
    changed = ", ".join(f.shown for f in change.fields
                        if f.direction in ("tightened", "loosened", "modified"))
    return (f"{change.label}: the terms changed ({changed or 'objectives'}) but spec.version "
            f"is {after}, as it was at {ref} ({before}); {fix}")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
