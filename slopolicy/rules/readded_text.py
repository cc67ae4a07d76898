"""An agreement added back after a removal: the edit it amounts to, and its words.

A change that adds an agreement the base's history removed before carries
the comparison with the last version removed (``DocumentChange.earlier``).
The change rules judge that comparison as they judge an edit, and say in
one voice that the agreement is re-added, against which removal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # change modules load only when a check has a base
    from slopolicy.changes.compare import DocumentChange, Earlier, FieldChange
    from slopolicy.model.documents import Document


def as_edit(change: DocumentChange) -> tuple[DocumentChange, Earlier | None]:
    """The edit a change amounts to: for an agreement added back, the comparison with the
    version removed (and that removal); else the change itself."""
    earlier = change.earlier if change.base is None else None
    return (earlier.change, earlier) if earlier is not None else (change, None)


def readded(earlier: Earlier, edit: DocumentChange | None = None) -> str:
    """``is re-added looser than the version removed in 3f2a9c1 (2025-03-05): ...``; for an
    ``edit`` that gives an agreement another customer or service, ``is given the customer and service of
    SLA/x, looser than the version removed in ...``; for one that puts an agreement that had
    ended back in force, ``is put back in
    force looser than the version of SLA/x removed in ...``."""
    classes = earlier.change.classes
    how = ("looser" if "loosened" in classes else "tighter" if "tightened" in classes
           else "with other terms")
    detail = changed_terms(earlier.change)
    old = earlier.change.base
    if edit is None or edit.base is None or edit.head is None or old is None:
        said = f"is re-added {how} than the version"
    elif _same_parties(edit.base, edit.head):  # an agreement that had ended, in force again
        said = f"is put back in force {how} than the version of {old.kind}/{old.name}"
    else:
        said = (f"is given the customer and service of {old.kind}/{old.name}, {how} than "
                "the version")
    return (f"{said} removed in {earlier.short} "
            f"({earlier.date.date().isoformat()})" + (f": {detail}" if detail else ""))


def _same_parties(old: Document, new: Document) -> bool:
    from slopolicy.changes.compare import same_parties

    return same_parties(old, new)


def changed_terms(change: DocumentChange) -> str:
    """The changed terms, what a reviewer must weigh first first: at most three."""
    order = ("loosened", "tightened", "modified")
    shown = sorted((f for f in change.fields if f.direction in order),
                   key=lambda f: order.index(f.direction))
    return ", ".join(_field(f) for f in shown[:3]) + (", …" if len(shown) > 3 else "")


def _field(item: FieldChange) -> str:
    from slopolicy.rules.value_text import show_value

    return f"{item.shown} {show_value(item.before)} → {show_value(item.after)}"
