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
from adversary import fine_latency_counterexample, iso_ms, latency_counterexample

from slopolicy.slo.dominance import Status, compare
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


# Thresholds the SLA schema accepts at any precision, zero among them: ISO 8601 seconds
# carry as many decimals as anyone writes.
FINE = ("PT0S", "P0D", "PT0.0001S", "PT0.0015S", "PT0.001S", "PT0.0000000000000000000000000000001S",
        "PT0.29999999999999999999999999999999999S", "PT0.3S",
        "PT0.300000000000000000000000000000000001S", "PT10S", "P1DT0.5S")


def occurrences_sla(threshold: str, percent: int = 95) -> dict[str, Any]:
    spec = {**SLA["spec"], "budgetingMethod": "Occurrences", "timeSlice": None,
            "objectives": [{"name": "latency", "indicator": "latency", "threshold": threshold,
                            "targetPercent": percent}]}
    return {**SLA, "spec": spec}


def occurrences_slo(threshold: str, target: str = "0.99") -> dict[str, Any]:
    doc = slo(None, None, threshold)
    objective = {"displayName": "internal", "target": Decimal(target)}
    spec = {**doc["spec"], "budgetingMethod": "Occurrences", "objectives": [objective],
            "timeWindow": [{"duration": "1M", "isRolling": False,
                            "calendar": {"startTime": "2025-01-01 00:00:00", "timeZone": "UTC"}}]}
    return {**doc, "spec": spec}


@pytest.mark.parametrize("sla_threshold", FINE)
def test_thresholds_at_any_precision_and_zero_are_compared_exactly(sla_threshold: str) -> None:
    """Every pair of FINE thresholds is read and judged; the verdict proves exactly when
    no latency is fast enough for the SLO and too slow for the SLA."""
    ((_, sla_side, why),) = sla_terms(occurrences_sla(sla_threshold))
    assert sla_side is not None, why
    for slo_threshold in FINE:
        ((_, slo_side, why),) = slo_terms(occurrences_slo(slo_threshold), lambda name: None)
        assert slo_side is not None, why
        verdict = compare(slo_side, sla_side)
        found = fine_latency_counterexample(iso_ms(slo_threshold), iso_ms(sla_threshold))
        assert verdict.dominates is (found is None), (slo_threshold, sla_threshold, verdict)
        if found is not None:
            assert verdict.status in (Status.INCOMPARABLE, Status.VIOLATED)


def test_a_sub_millisecond_sla_is_not_proven_by_a_300ms_slo() -> None:
    """95% within 0.1 ms (or 0 ms) is not backed by 99% within 300 ms: a 1 ms request
    meets the SLO and breaks the SLA."""
    ((_, slo_side, _),) = slo_terms(occurrences_slo("300ms"), lambda name: None)
    assert slo_side is not None
    for threshold, shown in (("PT0.0001S", "0.1ms"), ("PT0.0015S", "1.5ms"), ("PT0S", "0s"),
                             ("P0D", "0s")):
        ((_, sla_side, why),) = sla_terms(occurrences_sla(threshold))
        assert sla_side is not None, why
        verdict = compare(slo_side, sla_side)
        assert verdict.status is Status.INCOMPARABLE, threshold
        assert f"says nothing about {shown}" in verdict.reason, verdict.reason
