"""An SLA objective's backing SLO does not prove it.

Every SLA objective needs at least one backing SLO objective that
*dominates* it: every behaviour that meets the SLO also meets the SLA, judged
by the SLA's window, budgeting method and thresholds. When none does, each
backing SLO objective is reported, at its target, with the SLA objective
as a related location and the reason in numbers: VIOLATED comes with a
counterexample (bad minutes, whole bad slices, or requests, that meet the
SLO and break the SLA); INCOMPARABLE says what a sound comparison is
missing, and when a declared traffic ratio would settle it, the largest that
would. Several backing SLO objectives that prove it only together (rolling
windows, a month cut into one SLO's 30 days and another's day) pass. A latency
SLO on a thresholdMetric SLI whose ``op`` or ``value`` contradicts its
``slopolicy/threshold`` annotation (``op: gte``, or a value that is not the
threshold in seconds or milliseconds) proves nothing, and is reported there.

Passing example (99.95% per calendar month proves 99.9% per calendar month)::

    # SLO public-api-availability
    spec:
      service: public-api
      timeWindow: [{duration: 1M, isRolling: false,
                    calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}}]
      budgetingMethod: Occurrences
      objectives: [{displayName: internal, target: 0.9995}]
    # SLA globex-public-api
    spec:
      service: public-api
      window: {calendar: month, timeZone: UTC}
      budgetingMethod: Occurrences
      objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]

Failing example (a rolling 30-day window lets 2 x 43 bad one-minute slices
into a 31-day month, more than the 44 that 99.9% allows)::

    # SLO public-api-availability
    spec:
      timeWindow: [{duration: 30d, isRolling: true}]
      budgetingMethod: Timeslices
      objectives: [{target: 0.999, timeSliceTarget: 0.95, timeSliceWindow: 1m}]
    # SLA globex-public-api
    spec:
      window: {calendar: month, timeZone: UTC}
      budgetingMethod: Timeslices
      timeSlice: {window: 1m, target: 0.95}
      objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding, Related
from slopolicy.rules.linking import SLA_TERMS, describe_objective, links, objective_target_path
from slopolicy.slo.dominance import Status

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "slo-stricter-than-sla"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for link in links(ctx):
        if not link.backings or link.proven():
            continue
        sla_objective = describe_objective(link.sla, link.position)
        customer = link.sla.spec.get("customer")
        for backing in link.backings:
            verdict = backing.verdict
            what = "is weaker than" if verdict.status is Status.VIOLATED else "cannot be proven stricter than"
            message = (
                f"{describe_objective(backing.slo, backing.position)} {what} "
                f"{sla_objective} (customer {customer}): {verdict.reason}"
            )
            if verdict.counterexample:
                message += f" For example: {verdict.counterexample}"
            yield Finding(
                message,
                document=backing.slo,
                path=backing.path,
                related=(Related(f"{sla_objective}", document=link.sla, path=link.path),),
            )
    # An SLA objective whose terms the schema accepts and no comparison can use (a time
    # slice finer than a millisecond, or of none): nothing can be proven of it.
    for sla in ctx.of_kind("slopolicy/v1", "SLA"):
        for entry in SLA_TERMS.of(sla):
            if entry.terms is None and _schema_clean(sla):
                yield Finding(
                    f"{describe_objective(sla, entry.position)} (customer "
                    f"{sla.spec.get('customer')}) cannot be judged, so no SLO can be proven "
                    f"stricter than it: {entry.reason}",
                    document=sla, path=objective_target_path(sla, entry.position))


def _schema_clean(doc: Document) -> bool:
    """The document breaks no schema rule (which then says what is wrong with it)."""
    results = doc.source.schema_results
    return not results or not any(results.get(i) for i, found in
                                  enumerate(doc.source.documents) if found is doc)
