"""A document's value, and an error budget, as a reviewer reads them in one line.

Shared by the change rules' messages and the reports that show changes and
terms, so a value reads the same in a finding, a diff and an audit.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from slopolicy.changes.compare import ABSENT
from slopolicy.slo import units


def show_value(value: Any) -> str:
    """A value as a reviewer reads it in one line."""
    if value is ABSENT:
        return "(none)"
    if isinstance(value, Decimal):
        return units.format_decimal(value, 12)
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, float) and not math.isfinite(value):  # as YAML writes it
        return ".nan" if value != value else ".inf" if value > 0 else "-.inf"
    if isinstance(value, (Mapping, list)):
        text = _compact(value)
        return text if len(text) <= 80 else text[:79] + "…"
    return str(value)


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return show_value(value)


def format_bad_minutes(bounds: tuple[Decimal, Decimal] | None) -> str:
    """An objective's error budget as bad minutes per window: ``43.2``, a calendar month's
    ``40.32–44.64`` (least–most), or ``?`` when its terms give none."""
    if bounds is None:
        return "?"
    low, high = bounds
    if low == high:
        return units.format_minutes(low)
    return f"{units.format_minutes(low)}–{units.format_minutes(high)}"


def more_taken_away(count: int) -> str:
    """The agreements taken away that an agreement given terms may stand for, beyond the
    comparisons shown: they ask no other approval (``DocumentChange.replaces_more``)."""
    return (f"and {count} more agreement{'s' if count != 1 else ''} this change takes away, "
            "whose terms ask no other approval")
