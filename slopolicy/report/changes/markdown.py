"""The change set as Markdown (``diff``): the changed agreements, then the other documents."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from slopolicy.report.changes.text import summary
from slopolicy.report.check.markdown import changed_agreements
from slopolicy.report.markdown import cell
from slopolicy.rules.value_text import show_value

if TYPE_CHECKING:
    from slopolicy.changes.changeset import ChangeSet
    from slopolicy.changes.compare import DocumentChange


def report(changes: ChangeSet, stream: TextIO) -> None:
    lines = [f"### {cell(summary(changes))}", ""]
    lines += changed_agreements(changes)
    others = [c for c in changes.documents if c.kind != "SLA"]
    if others:
        lines += ["#### Other documents", "", "| Document | Field | Before → after | Direction |",
                  "|---|---|---|---|"]
        lines += [row for c in others for row in _rows(c)]
        lines.append("")
    stream.write("\n".join(lines).rstrip("\n") + "\n")


def _rows(change: DocumentChange) -> list[str]:
    if not change.fields:
        return [f"| {cell(change.label)} | — | — | {change.status} |"]
    return [f"| {cell(change.label) if i == 0 else ''} | {cell(f.shown)} | "
            f"{cell(show_value(f.before))} → {cell(show_value(f.after))} | {f.direction} |"
            for i, f in enumerate(change.fields)]
