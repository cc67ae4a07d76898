"""Latency SLOs on a thresholdMetric SLI against an adversary that reads op and value.

The monitoring tool judges a thresholdMetric SLI by the objective's ``op`` and
``value``; slopolicy reads the threshold from the annotation
``slopolicy/threshold``. For every op, a range of values and annotations, the
adversary (``tests/adversary.py``) looks for a latency that the objective, as
the tool evaluates it, counts as good and the SLA counts as bad: every request
at that latency meets the SLO and breaks the SLA. A proof must survive it in the
unit in which the objective's value is the annotated threshold (the only reading
the two documents agree on), and when no such unit exists nothing is proven.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import product
from typing import Any

import pytest
from adversary import latency_counterexample

from slopolicy.slo.dominance import compare
from slopolicy.slo.terms import sla_terms, slo_terms
from slopolicy.slo.units import LATENCY_UNITS, parse_threshold

SLA_MS = 500
SLA: dict[str, Any] = {
    "apiVersion": "slopolicy/v1", "kind": "SLA", "metadata": {"name": "globex"},
    "spec": {
        "customer": "globex", "service": "api", "version": 1,
        "effective": {"from": "2025-01-01"}, "window": {"calendar": "month", "timeZone": "UTC"},
        "budgetingMethod": "Timeslices", "timeSlice": {"window": "5m", "target": Decimal("0.95")},
        "objectives": [{"name": "latency", "indicator": "latency", "threshold": f"{SLA_MS}ms",
                        "targetPercent": 99}],
    },
}
THRESHOLD_SLI = {"thresholdMetric": {"metricSource": {"type": "Prometheus", "spec": {}}}}
OPS = (None, "lt", "lte", "gt", "gte")
VALUES = (None, "0.2", "0.3", "0.5", "0.7", "1", "30", "200", "300", "500", "700")
ANNOTATIONS = ("200ms", "300ms", "500ms", "700ms", "1s")


def slo(op: str | None, value: str | None, annotation: str) -> dict[str, Any]:
    objective: dict[str, Any] = {"displayName": "internal", "target": Decimal("0.999"),
                                 "timeSliceTarget": Decimal("0.95"), "timeSliceWindow": "5m"}
    if op is not None:
        objective["op"] = op
    if value is not None:
        objective["value"] = Decimal(value)
    return {
        "apiVersion": "openslo/v1", "kind": "SLO",
        "metadata": {"name": "api-latency", "annotations": {
            "slopolicy/indicator": "latency", "slopolicy/threshold": annotation}},
        "spec": {"service": "api", "indicator": {"metadata": {"name": "api-latency"},
                                                 "spec": THRESHOLD_SLI},
                 "timeWindow": [{"duration": "1d", "isRolling": True}],
                 "budgetingMethod": "Timeslices", "objectives": [objective]},
    }


def verdict_dominates(doc: dict[str, Any]) -> bool:
    ((_, slo_side, _),) = slo_terms(doc, lambda name: None)
    ((_, sla_side, _),) = sla_terms(SLA)
    assert sla_side is not None
    return slo_side is not None and compare(slo_side, sla_side).dominates


@pytest.mark.parametrize("op", OPS)
def test_a_proof_survives_the_adversary_in_the_unit_the_documents_agree_on(
        op: str | None) -> None:
    for annotation, value in product(ANNOTATIONS, VALUES):
        annotated = Fraction(parse_threshold(annotation).ms)
        proven = verdict_dominates(slo(op, value, annotation))
        if value is None:  # the objective says nothing else: the annotation is the threshold
            expected = (op in (None, "lt", "lte")
                        and latency_counterexample("lte", annotated, 1, SLA_MS) is None)
            assert proven is expected, (op, value, annotation)
            continue
        number = Fraction(value)
        agreed = [size for _, size in LATENCY_UNITS if number * size == annotated]
        attacks = {size: latency_counterexample(op or "lte", number, size, SLA_MS)
                   for _, size in LATENCY_UNITS}
        if proven:  # sound: the reading the documents agree on admits no counterexample
            assert len(agreed) == 1 and attacks[agreed[0]] is None, (op, value, annotation)
        if op in ("gt", "gte"):  # slow counts as good in every unit: never proven
            assert not proven and all(found is not None for found in attacks.values())
        # and not needlessly refused: a lte/lt objective at the annotated threshold,
        # within the SLA's, is proven
        expected = bool(agreed) and op in (None, "lt", "lte") and attacks[agreed[0]] is None
        assert proven is expected, (op, value, annotation)
