"""The change set as JSON: ``diff --format json``, and ``changes`` in ``check --format json``.

One shape for every consumer: per document its status, classes, field
changes (objectives keyed by name), each objective's error budget before
and after, and, with ``check --base``, the approvals found and missing, and
for an agreement added back, its comparison with the version the base's
history removed (``earlier``), and for one that may stand for agreements
the change takes away, its comparison with each (``replaces``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from slopolicy.changes.compare import ABSENT

if TYPE_CHECKING:
    from slopolicy.changes.approvals import ApprovalResult
    from slopolicy.changes.changeset import ChangeSet, PolicyChange
    from slopolicy.changes.compare import DocumentChange, Earlier, FieldChange, ObjectiveChange


def report(changes: ChangeSet, stream: TextIO) -> None:
    json.dump({"version": 1, **changeset_json(changes)}, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def changeset_json(changes: ChangeSet) -> dict[str, Any]:
    return {
        "base": {"ref": changes.base_ref, "commit": changes.base_commit,
                 "comparedWith": changes.merge_base},
        "head": {"ref": changes.head_ref, "commit": changes.head_commit,
                 "workingTree": changes.head_ref is None},
        "documents": [document_json(c) for c in changes.documents],
        "policy": policy_json(changes.policy),
    }


def document_json(change: DocumentChange) -> dict[str, Any]:
    out: dict[str, Any] = {
        "document": change.label,
        "file": change.file,
        "previousFile": change.base_file if change.base_file != change.file else None,
        "status": change.status,
        "classes": sorted(change.classes),
        "version": {"from": json_value(change.version_before),
                    "to": json_value(change.version_after)},
        "changes": [field_json(f) for f in change.fields],
        "objectives": [objective_json(o) for o in change.objectives],
    }
    if change.renamed:
        out["renamedFrom"] = change.renamed_from
    if change.indicator is not None:  # what the SLO measures changed with its SLI
        out["indicator"] = {"document": change.indicator.label,
                            "changes": [field_json(f) for f in change.indicator.fields]}
    if change.earlier is not None:  # added back: compared with the version the base removed
        out["earlier"] = earlier_json(change.earlier)
    if change.earlier_also:  # and with the last removed of another kind of match
        out["earlierAlso"] = [earlier_json(e) for e in change.earlier_also]
    if change.replaces:  # it may stand for agreements the change takes away: compared with each
        out["replaces"] = replaces_json(change)
    if change.replaces_more:  # and for more, which ask no other class
        out["replacesMore"] = change.replaces_more
    if change.approval is not None:
        out["approvals"] = approvals_json(change.approval)
    return out


def replaces_json(change: DocumentChange) -> list[dict[str, Any]]:
    """The comparison with each agreement the same change takes away (``replaces``)."""
    return [{
        "document": instead.base.label if instead.base else None,
        "file": instead.base_file, "classes": sorted(instead.classes),
        "changes": [field_json(f) for f in instead.fields],
        "objectives": [objective_json(o) for o in instead.objectives],
    } for instead in change.replaces]


def earlier_json(earlier: Earlier) -> dict[str, Any]:
    """The comparison of an agreement added back with the last version removed."""
    again = earlier.change
    return {
        "removedBy": earlier.commit, "date": earlier.date.isoformat(),
        "document": again.base.label if again.base else None,
        "file": again.base_file, "classes": sorted(again.classes),
        "changes": [field_json(f) for f in again.fields],
        "objectives": [objective_json(o) for o in again.objectives],
    }


def field_json(item: FieldChange) -> dict[str, Any]:
    return {"path": item.shown, "from": json_value(item.before), "to": json_value(item.after),
            "direction": item.direction}


def objective_json(item: ObjectiveChange) -> dict[str, Any]:
    return {
        "objective": item.key,
        "directions": sorted(item.directions),
        "window": {"from": item.window_before, "to": item.window_after},
        "budgetMinutes": {"from": budget_json(item.budget_before),
                          "to": budget_json(item.budget_after)},
    }


def approvals_json(result: ApprovalResult) -> dict[str, Any]:
    return {
        "satisfied": result.satisfied,
        "subject": result.subject.as_dict(),
        "found": [
            {"identity": e.identity, "role": e.role or ", ".join(sorted(e.roles)) or None,
             "evidence": e.evidence, "source": e.source, "valid": e.valid,
             **({"reason": e.reason} if e.reason else {})}
            for e in result.evidence
        ],
        "missing": [{"class": s.change_class, "role": s.role, "count": s.missing,
                     "holders": list(s.holders)} for s in result.missing],
        "unsignedCommits": list(result.unsigned),
    }


def policy_json(change: PolicyChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    out: dict[str, Any] = {"files": [{"path": p, "change": s} for p, s in change.files]}
    if change.approval is not None:
        out["approvals"] = approvals_json(change.approval)
    return out


# -- values ------------------------------------------------------------------------------

_PLAIN = frozenset({str, int, bool, type(None)})  # already plain JSON, as they are


def json_value(value: Any) -> Any:
    """Plain JSON: Decimal as a number (int when whole), absent as null."""
    if type(value) in _PLAIN:
        return value  # most values: no ABC checks
    if value is ABSENT:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "E" not in str(value) \
            and "." not in str(value) else float(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def budget_json(bounds: tuple[Decimal, Decimal] | None) -> dict[str, float] | None:
    if bounds is None:
        return None
    return {"min": float(bounds[0]), "max": float(bounds[1])}
