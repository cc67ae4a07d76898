"""The backing SLO proves the SLA, but with too little margin.

Headroom h is the SLO's error budget over the SLA's, in the SLA's window
(worst case over month lengths): h = 0.5 means the team is alerted when half
of the customer's budget is spent. The rule fires when the best backing SLO
has h above ``max-budget-ratio`` (default 0.5), or when targets are EQUAL (no
margin at all), and says which SLO target would restore the margin.

Passing example (99.95% against 99.9% over the same calendar month: h = 0.5)::

    # SLO: objectives: [{target: 0.9995}], timeWindow: 1M calendar, UTC
    # SLA: objectives: [{targetPercent: 99.9}], window: {calendar: month}

Failing example (99.92% against 99.9%: the SLO may spend 80% of the SLA's budget)::

    # SLO: objectives: [{target: 0.9992}], timeWindow: 1M calendar, UTC
    # SLA: objectives: [{targetPercent: 99.9}], window: {calendar: month}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding, Related
from slopolicy.rules import RATIO
from slopolicy.rules.linking import Backing, describe_objective, links
from slopolicy.slo.dominance import Status, Verdict, lacks_headroom
from slopolicy.slo.units import format_decimal

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "slo-headroom"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {"max-budget-ratio": Decimal("0.5")}
OPTION_RANGES = {"max-budget-ratio": RATIO}  # a share of the SLA's budget: (0, 1]


def _shown(fraction: Decimal, rounding: str) -> str:
    """A percent to two decimals at most; a target is rounded up so it still suffices."""
    percent = fraction * 100
    if percent != percent.quantize(Decimal("0.01"), rounding=rounding):
        percent = percent.quantize(Decimal("0.01"), rounding=rounding)
    return format_decimal(percent) + "%"


def _ratio(verdict: Verdict) -> Decimal:
    if verdict.status is Status.EQUAL or verdict.headroom is None:
        return Decimal(1)
    return verdict.headroom


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    limit = Decimal(str(options["max-budget-ratio"]))
    for link in links(ctx):
        dominating = link.dominating()
        if not dominating:
            continue
        best: Backing = min(dominating, key=lambda b: _ratio(b.verdict))
        if not lacks_headroom(best.verdict, limit):
            continue
        ratio = _ratio(best.verdict)
        sla_objective = describe_objective(link.sla, link.position)
        slo_target = _slo_target(best)
        needed = Decimal(1) - (Decimal(1) - slo_target) * limit / ratio if ratio else slo_target
        margin = "with no margin (the targets are equal)" if best.verdict.status is Status.EQUAL else (
            f"but may spend {_shown(ratio, ROUND_HALF_UP)} of the SLA's error budget "
            "before it alerts"
        )
        yield Finding(
            f"{describe_objective(best.slo, best.position)} proves {sla_objective} "
            f"{margin}; max-budget-ratio is {limit}: raise the SLO target to at least "
            f"{_shown(needed, ROUND_CEILING)}",
            document=best.slo,
            path=best.path,
            related=(Related(sla_objective, document=link.sla, path=link.path),),
        )


def _slo_target(backing: Backing) -> Decimal:
    objectives = backing.slo.spec.get("objectives")
    item = objectives[backing.position] if isinstance(objectives, list) else {}
    if "target" in item:
        return Decimal(str(item["target"]))
    return Decimal(str(item.get("targetPercent", 0))) / 100
