"""With a base ref: an SLO objective was weakened.

Informs reviewers: a lower target, a slower latency threshold, a removed
objective or SLO, or a window or method change that lets through behaviour
the old objective did not. A changed indicator (the SLI an SLO references by
``indicatorRef``, or its inline ``indicator``) changes what the SLO measures:
its direction cannot be judged from the queries, so reviewers are told to
judge it themselves. The SLA rules (``slo-stricter-than-sla``) say
whether an agreement it backs is still proven; this one makes the weakening
visible in the review, with the error budget before and after.

Passing example (base: target 0.999)::

    spec:
      objectives:
        - displayName: internal
          target: 0.9995

Failing example (base: target 0.999)::

    spec:
      objectives:
        - displayName: internal
          target: 0.995
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding

if TYPE_CHECKING:  # git and change modules load only when a check has a base
    from slopolicy.changes.compare import DocumentChange, FieldChange, ObjectiveChange
    from slopolicy.rules.context import Context

ID = "slo-loosened"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    from slopolicy.changes.compare import SLO_KEY

    base = ctx.base
    assert base is not None
    for change in base.changes.documents:
        if (change.api_version, change.kind) != SLO_KEY:
            continue
        if change.head is None:
            assert change.base is not None
            yield Finding(f"{change.label} was deleted, and every SLA objective it backed with it; "
                          "make sure another SLO backs them", document=change.base,
                          path=("metadata", "name"))
            continue
        yield from _fields(change)
        yield from _indicator(change)


def _indicator(change: DocumentChange) -> Iterator[Finding]:
    """The SLO measures something else now: say so, and that no direction can be judged."""
    from slopolicy.changes.compare import METADATA

    if change.indicator is not None:
        sli = change.indicator
        what = f"its indicator {sli.label} ({sli.file}) changed"
        items = [f for f in sli.fields if f.direction != METADATA]
        path: tuple[str | int, ...] = ("spec", "indicatorRef")
    else:
        items = [f for f in change.fields if f.shown.startswith("spec.indicator.")]
        what = "its indicator changed"
        path = items[0].head_path if items and items[0].head_path else ("spec", "indicator")
    if not items:
        return
    detail = ", ".join(_describe(f) for f in items[:3]) + (", …" if len(items) > 3 else "")
    yield Finding(f"{change.label}: {what} ({detail}), so the SLO now measures something else; "
                  "slopolicy cannot judge whether that loosens it (a query's meaning is beyond "
                  "it): check that it still measures what the SLAs it backs promise",
                  document=change.head, path=path)


def _fields(change: DocumentChange) -> Iterator[Finding]:
    from slopolicy.changes.compare import LOOSENED

    budgets = {o.key: o for o in change.objectives}
    covered: set[str] = set()
    for item in change.fields:
        if item.direction != LOOSENED:
            continue
        key = _objective_key(item)
        covered.add(key or "")
        yield Finding(f"{change.label}: {_describe(item)} loosens the SLO{_budget(budgets, key)}; "
                      "check that the SLAs it backs still hold and that this is intended",
                      document=change.head, path=item.head_path or ("spec",))
    for objective in change.objectives:
        if LOOSENED in objective.directions and objective.key not in covered:
            yield Finding(f"{change.label}: objective {objective.key} now lets through behaviour "
                          f"the old one did not ({objective.window_before} → "
                          f"{objective.window_after}{_budget(budgets, objective.key)})",
                          document=change.head, path=("spec",))


def _objective_key(item: FieldChange) -> str | None:
    from slopolicy.changes.compare import Key

    for part in item.path:
        if isinstance(part, Key):
            return part.value
    return None


def _describe(item: FieldChange) -> str:
    from slopolicy.changes.compare import ABSENT
    from slopolicy.rules.value_text import show_value

    if item.after is ABSENT:
        return f"removing {item.shown}"
    return f"{item.shown} {show_value(item.before)} → {show_value(item.after)}"


def _budget(budgets: Mapping[str, ObjectiveChange], key: str | None) -> str:
    from slopolicy.rules.value_text import format_bad_minutes

    objective = budgets.get(key or "")
    if objective is None or objective.budget_before == objective.budget_after:
        return ""
    return (f": error budget {format_bad_minutes(objective.budget_before)} → "
            f"{format_bad_minutes(objective.budget_after)} bad minutes per window")
