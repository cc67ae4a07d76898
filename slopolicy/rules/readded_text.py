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


def as_edit(change: DocumentChange) -> tuple[DocumentChange, Earlier | None]:
    """The edit a change amounts to: for an agreement added back, the comparison with the
    version removed (and that removal); else the change itself."""
    earlier = change.earlier if change.base is None else None
    return (earlier.change, earlier) if earlier is not None else (change, None)


def readded(earlier: Earlier, given: bool = False) -> str:
    """``is re-added looser than the version removed in 3f2a9c1 (2025-03-05): ...``; for an
    agreement ``given`` another customer or service, ``is given the customer and service of
    SLA/x, looser than the version removed in ...``."""
    classes = earlier.change.classes
    how = ("looser" if "loosened" in classes else "tighter" if "tightened" in classes
           else "with other terms")
    detail = changed_terms(earlier.change)
    old = earlier.change.base
    said = (f"is given the customer and service of {old.kind}/{old.name}, {how}"
            if given and old is not None else f"is re-added {how}")
    return (f"{said} than the version removed in {earlier.short} "
            f"({earlier.date.date().isoformat()})" + (f": {detail}" if detail else ""))


def changed_terms(change: DocumentChange) -> str:
    """The changed terms, what a reviewer must weigh first first: at most three."""
    order = ("loosened", "tightened", "modified")
    shown = sorted((f for f in change.fields if f.direction in order),
                   key=lambda f: order.index(f.direction))
    return ", ".join(_field(f) for f in shown[:3]) + (", …" if len(shown) > 3 else "")


def _field(item: FieldChange) -> str:
    from slopolicy.rules.value_text import show_value

    return f"{item.shown} {show_value(item.before)} → {show_value(item.after)}"
