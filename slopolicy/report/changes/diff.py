"""The change set as output: JSON (for ``check --format json`` and ``diff``), text, Markdown.

One shape for every consumer: per document its status, classes, field
changes (objectives keyed by name), each objective's error budget before
and after, and, with ``check --base``, the approvals found and missing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from slopolicy.changes.compare import (
    DocumentChange,
    FieldChange,
    ObjectiveChange,
    budget_json,
    format_budget,
    json_value,
    show_value,
    summarize,
)

if TYPE_CHECKING:
    from slopolicy.changes.approvals import ApprovalResult
    from slopolicy.changes.changeset import ChangeSet, PolicyChange


# -- JSON ----------------------------------------------------------------------------

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
    if change.approval is not None:
        out["approvals"] = approvals_json(change.approval)
    return out


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


# -- text ------------------------------------------------------------------------------

def text(changes: ChangeSet, stream: TextIO) -> None:
    for change in changes.documents:
        stream.write(f"{_title(change)}\n")
        stream.writelines(f"  {item.shown}: {show_value(item.before)} → "
                          f"{show_value(item.after)} ({item.direction})\n" for item in change.fields)
        stream.writelines(f"  objective {o.key}: {_objective_words(o)}\n"
                          for o in change.objectives)
        if change.indicator is not None:
            stream.write(f"  indicator {change.indicator.label} changed: what it measures "
                         "changed, in no direction slopolicy can judge\n")
    if changes.policy:
        files = ", ".join(f"{p} {s}" for p, s in changes.policy.files)
        stream.write(f"policy: {files}\n")
    stream.write(_summary(changes) + "\n")


def _title(change: DocumentChange) -> str:
    where = change.file
    if change.base_file and change.base_file != change.file:
        where = f"{change.base_file} → {change.file}"
    renamed = f", renamed from {change.renamed_from}" if change.renamed else ""
    return f"{change.label} ({where}): {change.status}{renamed}"


def _objective_words(objective: ObjectiveChange) -> str:
    directions = ", ".join(sorted(objective.directions)) or "same terms"
    window = objective.window_after or "window"
    if objective.window_before != objective.window_after:
        window = f"{objective.window_before} → {objective.window_after}"
    return (f"{directions}; error budget {format_budget(objective.budget_before)} → "
            f"{format_budget(objective.budget_after)} bad minutes per window ({window})")


def _summary(changes: ChangeSet) -> str:
    counts = summarize(changes.documents)
    if not counts.documents and not changes.policy:
        return f"slopolicy: no document changed between {changes.base_ref} and {changes.head_label}"
    detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.by_status.items()))
    return (f"slopolicy: {counts.documents} document{'s' if counts.documents != 1 else ''} "
            f"changed between {changes.base_ref} and {changes.head_label}"
            + (f" ({detail})" if detail else ""))


# -- Markdown ----------------------------------------------------------------------------

def markdown(changes: ChangeSet, stream: TextIO) -> None:
    from slopolicy.report.check.markdown import cell, changed_agreements

    lines = [f"### {cell(_summary(changes))}", ""]
    lines += changed_agreements(changes)
    others = [c for c in changes.documents if c.kind != "SLA"]
    if others:
        lines += ["#### Other documents", "", "| Document | Field | Before → after | Direction |",
                  "|---|---|---|---|"]
        lines += [row for c in others for row in _rows(c, cell)]
        lines.append("")
    stream.write("\n".join(lines).rstrip("\n") + "\n")


def _rows(change: DocumentChange, cell: Any) -> Sequence[str]:
    if not change.fields:
        return [f"| {cell(change.label)} | — | — | {change.status} |"]
    return [f"| {cell(change.label) if i == 0 else ''} | {cell(f.shown)} | "
            f"{cell(show_value(f.before))} → {cell(show_value(f.after))} | {f.direction} |"
            for i, f in enumerate(change.fields)]
