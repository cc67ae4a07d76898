"""Service-credit tiers overlap, leave gaps, miss the objective, or pay less for worse.

Tiers are half-open ranges of measured availability, ``[atLeast, below)``.
Sorted from the best service down, the first tier must start at the SLA's
availability target (else service between the two earns no credit or earns
credit while meeting the promise), each tier's ``atLeast`` must be the next
tier's ``below`` (no gap, no overlap), only the last tier may leave out
``atLeast`` (down to 0%), and worse service never earns less credit.

Passing example::

    objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]
    credits:
      - {below: 99.9, atLeast: 99.0, creditPercent: 10}
      - {below: 99.0, atLeast: 95.0, creditPercent: 25}
      - {below: 95.0, creditPercent: 100}

Failing example (a gap between 99.0 and 98.0; the worse tier pays less)::

    objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]
    credits:
      - {below: 99.9, atLeast: 99.0, creditPercent: 25}
      - {below: 98.0, creditPercent: 10}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding
from slopolicy.slo.units import UnitError, shift_point, to_decimal

ID = "credit-tiers"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}

Tier = tuple[int, Decimal, Decimal | None, Decimal]  # index, below, atLeast, credit


def check_document(doc: Document, options: Mapping[str, Any]) -> Iterator[Finding]:
    if doc.kind != "SLA":
        return
    tiers = _tiers(doc)
    if tiers:
        yield from _check_tiers(doc, tiers)


def _tiers(sla: Document) -> list[Tier]:
    credits = sla.spec.get("credits")
    out: list[Tier] = []
    if not isinstance(credits, list):
        return out
    for index, tier in enumerate(credits):
        if not isinstance(tier, Mapping):
            return []
        try:
            below = to_decimal(tier.get("below"), "below")
            at_least = to_decimal(tier["atLeast"], "atLeast") if "atLeast" in tier else None
            credit = to_decimal(tier.get("creditPercent"), "creditPercent")
        except UnitError:
            return []  # the schema rule reports malformed tiers
        out.append((index, below, at_least, credit))
    return sorted(out, key=lambda t: t[1], reverse=True)


def _target_percent(sla: Document) -> Decimal | None:
    for objective in sla.spec.get("objectives") or []:
        if isinstance(objective, Mapping) and objective.get("indicator") == "availability":
            try:
                if "targetPercent" in objective:
                    return to_decimal(objective["targetPercent"])
                return shift_point(to_decimal(objective.get("target")), 2)
            except UnitError:
                return None
    return None


def _at(sla: Document, index: int, key: str, message: str) -> Finding:
    return Finding(message, document=sla, path=("spec", "credits", index, key))


def _check_tiers(sla: Document, tiers: list[Tier]) -> Iterator[Finding]:
    target = _target_percent(sla)
    first = tiers[0]
    if target is not None and first[1] > target:
        yield _at(sla, first[0], "below",
                  f"the best credit tier starts below {first[1]}%, above the availability target "
                  f"{target}%: credit would be paid while the promise is kept; "
                  f"make it `below: {target}`")
    elif target is not None and first[1] < target:
        yield _at(sla, first[0], "below",
                  f"the best credit tier starts below {first[1]}%, under the availability target "
                  f"{target}%: a miss in [{first[1]}%, {target}%) earns no credit; "
                  f"make it `below: {target}`")
    for (index, below, at_least, credit), nxt in zip(tiers, tiers[1:] + [None]):
        if at_least is not None and at_least >= below:
            yield _at(sla, index, "atLeast",
                      f"tier [{at_least}%, {below}%) is empty: atLeast must be below `below`")
            continue
        if nxt is None:
            continue
        if at_least is None:
            yield _at(sla, index, "below",
                      f"tier below {below}% has no atLeast, so it overlaps the tier below "
                      f"{nxt[1]}%: give it `atLeast: {nxt[1]}`")
        elif at_least > nxt[1]:
            yield _at(sla, index, "atLeast",
                      f"gap: availability in [{nxt[1]}%, {at_least}%) earns no credit; "
                      f"set atLeast to {nxt[1]} or the next tier's below to {at_least}")
        elif at_least < nxt[1]:
            yield _at(sla, index, "atLeast",
                      f"overlap: availability in [{at_least}%, {nxt[1]}%) falls in two tiers; "
                      f"set atLeast to {nxt[1]}")
        if nxt[3] < credit:
            yield _at(sla, nxt[0], "creditPercent",
                      f"worse service earns less credit: {nxt[3]}% below {nxt[1]}% but {credit}% "
                      f"below {below}%; credits must not decrease as availability falls")
