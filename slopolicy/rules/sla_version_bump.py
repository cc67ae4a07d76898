"""With a base ref: the terms of an SLA changed and ``spec.version`` did not increase.

Every change of terms is a new version of the agreement: the version is how
the customer, the contract and the audit trail refer to a set of terms.
Metadata-only changes (labels, owner, the backing SLO) need no new version.

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

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "sla-version-bump"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    for change in base.changes.agreements:
        if not change.terms_changed:  # a rename alone keeps the terms, and their version
            continue
        before, after = change.version_before, change.version_after
        if not (_whole(before) and _whole(after)) or after > before:
            continue  # a version that is no integer is the schema rule's problem
        changed = ", ".join(f.shown for f in change.fields
                            if f.direction in ("tightened", "loosened", "modified"))
        yield Finding(
            f"{change.label}: the terms changed ({changed or 'objectives'}) but spec.version is "
            f"{after}, as it was at {base.ref} ({before}); set version: {before + 1} and "
            f"supersedes: {before}, so the new terms are a new version of the agreement",
            document=change.head,
            path=("spec", "version"),
        )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
