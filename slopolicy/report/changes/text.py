"""The change set as text (``diff``): a block per document, a line per change.

Names, paths and values come from the compared documents, which a pull request
writes: each line is shown as :func:`~slopolicy.report.terminal.line` escapes
it, so none can break a line, drive the terminal or reorder its text.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TextIO

from slopolicy.report.terminal import line as one_line
from slopolicy.rules.value_text import format_bad_minutes, more_taken_away, show_value

if TYPE_CHECKING:
    from slopolicy.changes.changeset import ChangeSet
    from slopolicy.changes.compare import DocumentChange, ObjectiveChange


def report(changes: ChangeSet, stream: TextIO) -> None:
    for change in changes.documents:
        stream.write(f"{one_line(_title(change))}\n")
        stream.writelines(one_line(f"  {item.shown}: {show_value(item.before)} → "
                                   f"{show_value(item.after)} ({item.direction})") + "\n"
                          for item in change.fields)
        stream.writelines(one_line(f"  objective {o.key}: {_objective_words(o)}") + "\n"
                          for o in change.objectives)
        if change.indicator is not None:
            stream.write(f"  indicator {one_line(change.indicator.label)} changed: what it "
                         "measures changed, in no direction slopolicy can judge\n")
        for instead in change.replaces:  # the change takes this one's terms away
            if instead.base is not None and instead.classes:
                stream.write(one_line(
                    f"  judged as an edit of {instead.base.kind}/{instead.base.name} "
                    f"({instead.base.source.path}) too: {', '.join(sorted(instead.classes))}")
                    + "\n")
        if change.replaces_more:
            stream.write(f"  {more_taken_away(change.replaces_more)}\n")
    if changes.policy:
        files = ", ".join(f"{p} {s}" for p, s in changes.policy.files)
        stream.write(f"policy: {one_line(files)}\n")
    stream.write(one_line(summary(changes)) + "\n")


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
    return (f"{directions}; error budget {format_bad_minutes(objective.budget_before)} → "
            f"{format_bad_minutes(objective.budget_after)} bad minutes per window ({window})")


def summary(changes: ChangeSet) -> str:
    """The headline: how many documents changed between the refs, by status."""
    documents = len(changes.documents)
    if not documents and not changes.policy:
        return f"slopolicy: no document changed between {changes.base_ref} and {changes.head_label}"
    by_status = Counter(change.status for change in changes.documents)
    detail = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    return (f"slopolicy: {documents} document{'s' if documents != 1 else ''} "
            f"changed between {changes.base_ref} and {changes.head_label}"
            + (f" ({detail})" if detail else ""))
