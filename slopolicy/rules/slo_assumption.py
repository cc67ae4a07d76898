"""An SLO proves its SLA only under a declared traffic assumption.

Some proofs need to know something about traffic: a share of requests
(Occurrences) says nothing about how long they fail (an SLA of good time
slices) unless request rates are known, and calendar SLO windows that cross
the SLA's periods can be diluted by traffic outside them. Declare what you
know (``assumptions.traffic.maxRatio`` in ``.slopolicy.yaml``, or the Service
annotation ``slopolicy/max-traffic-ratio``) and slopolicy proves under it.
This rule says, in every output format, which proofs rest on it, so that a
reviewer knows what the team believes; and it points at an annotation that
cannot be read.

Passing example (the windows tile the month: no assumption needed)::

    # SLO: timeWindow: [{duration: 1d, calendar: {timeZone: UTC}}], budgetingMethod: Occurrences
    # SLA: window: {calendar: month, timeZone: UTC}, budgetingMethod: Occurrences

Failing example (PROVEN assuming traffic varies at most 5x between 5-minute slices)::

    # .slopolicy.yaml: assumptions: {traffic: {maxRatio: 5}}
    # SLO: 99.95% of requests over a rolling 28d (Occurrences)
    # SLA: 99% per calendar month, RatioTimeslices, timeSlice: {window: 5m}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding, Related
from slopolicy.rules.linking import OPENSLO, RATIO_ANNOTATION, describe_objective, links
from slopolicy.rules.linking import max_traffic_ratio as annotated_ratio

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "slo-assumption"
SEVERITY = "info"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for link in links(ctx):
        dominating = link.dominating()
        if not dominating or any(b.verdict.assumption is None for b in dominating):
            continue  # unproven, or proven without assuming anything
        best = dominating[0]
        sla_objective = describe_objective(link.sla, link.position)
        yield Finding(
            f"{describe_objective(best.slo, best.position)} proves {sla_objective} (customer "
            f"{link.sla.spec.get('customer')}) only assuming {best.verdict.assumption}: "
            f"{best.verdict.reason.replace(f' assuming {best.verdict.assumption}', '')}",
            document=best.slo,
            path=best.path,
            related=(Related(sla_objective, document=link.sla, path=link.path),),
        )
    for service in ctx.of_kind(OPENSLO, "Service"):
        problem = annotated_ratio(service)[1]
        if problem:
            yield Finding(f"{problem}; it is ignored", document=service,
                          path=("metadata", "annotations", RATIO_ANNOTATION))
