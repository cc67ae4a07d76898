"""An SLA objective has no backing SLO at all.

A promise to a customer with no internal SLO behind it is a promise nobody
watches. An SLA objective is backed by the SLO its ``slo:`` names, or by
every OpenSLO SLO whose ``spec.service`` is the SLA's ``spec.service`` and
whose indicator matches (annotation ``slopolicy/indicator``; a ratio SLI
defaults to availability).

Passing example::

    # SLA: spec: {service: public-api, objectives: [{name: availability,
    #             indicator: availability, targetPercent: 99.9}]}
    # SLO: spec: {service: public-api, ...} with a ratioMetric SLI

Failing example (no SLO has ``service: public-api``)::

    # SLA: spec: {service: public-api, objectives: [{name: availability,
    #             indicator: availability, targetPercent: 99.9}]}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding
from slopolicy.rules.linking import describe_objective, links

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "sla-backed-by-slo"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for link in links(ctx):
        if link.backings or isinstance(link.objective.get("slo"), str):
            continue  # a named SLO that does not exist is an unresolved-reference
        service = link.sla.spec.get("service")
        if link.terms.indicator == "latency":
            kind = ("a latency indicator (annotations slopolicy/indicator: latency, "
                    "slopolicy/threshold: ...)")
        else:
            kind = "an availability indicator"
        yield Finding(
            f"no SLO backs {describe_objective(link.sla, link.position)}: add an OpenSLO SLO "
            f"with spec.service {service!r} and {kind}, or name one with slo:",
            document=link.sla,
            path=link.path,
        )
