"""From SLO and SLA documents to Terms (slopolicy.objectives)."""
from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from slopolicy.slo.dominance import Status, Terms, compare
from slopolicy.slo.terms import ObjectiveTerms, reason_at, sla_terms, slo_terms
from slopolicy.slo.units import Duration, Threshold, Window

D = Decimal
DAY = 86_400_000

RATIO_SLI = {
    "ratioMetric": {
        "counter": True,
        "good": {"metricSource": {"type": "Prometheus", "spec": {"query": "good"}}},
        "total": {"metricSource": {"type": "Prometheus", "spec": {"query": "total"}}},
    }
}
THRESHOLD_SLI = {"thresholdMetric": {"metricSource": {"type": "Prometheus", "spec": {}}}}

SLO: dict[str, Any] = {
    "apiVersion": "openslo/v1",
    "kind": "SLO",
    "metadata": {"name": "public-api-availability"},
    "spec": {
        "service": "public-api",
        "indicator": {"metadata": {"name": "ok-ratio"}, "spec": RATIO_SLI},
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "budgetingMethod": "Timeslices",
        "objectives": [
            {"displayName": "internal", "target": D("0.9995"), "timeSliceTarget": D("0.95"),
             "timeSliceWindow": "1m"},
        ],
    },
}

SLA: dict[str, Any] = {
    "apiVersion": "slopolicy/v1",
    "kind": "SLA",
    "metadata": {"name": "globex-public-api"},
    "spec": {
        "customer": "globex",
        "service": "public-api",
        "version": 3,
        "effective": {"from": "2025-01-01"},
        "window": {"calendar": "month", "timeZone": "UTC"},
        "budgetingMethod": "Timeslices",
        "timeSlice": {"window": "1m", "target": D("0.95")},
        "objectives": [
            {"name": "availability", "indicator": "availability", "targetPercent": D("99.9"),
             "slo": "public-api-availability"},
            {"name": "latency-p95", "indicator": "latency", "threshold": "500ms",
             "targetPercent": 95},
        ],
    },
}


def no_sli(name: str) -> Mapping[str, Any] | None:
    return None


def slo(**changes: Any) -> dict[str, Any]:
    """The SLO above with spec keys replaced (None removes one)."""
    doc = copy.deepcopy(SLO)
    for key, value in changes.items():
        if key == "annotations":
            doc["metadata"]["annotations"] = value
        elif value is None:
            doc["spec"].pop(key, None)
        else:
            doc["spec"][key] = value
    return doc


def only(results: list[ObjectiveTerms]) -> ObjectiveTerms:
    assert len(results) == 1
    return results[0]


def reason_of(results: list[ObjectiveTerms]) -> str:
    result = only(results)
    assert result.terms is None and result.reason is not None
    return result.reason


# -- SLOs --------------------------------------------------------------------

def test_slo_with_inline_ratio_sli_is_availability() -> None:
    assert slo_terms(SLO, no_sli) == [ObjectiveTerms(0, Terms(
        "availability", D("0.9995"), None, Window.rolling(Duration(28 * DAY)), "Timeslices",
        Duration(60_000), D("0.95")), None)]


def test_slo_entries_unpack_as_index_terms_reason() -> None:
    index, terms, reason = only(slo_terms(SLO, no_sli))
    assert (index, reason) == (0, None) and terms is not None


def test_equal_terms_are_one_object_also_when_read_back_from_the_cache() -> None:
    first, second = only(slo_terms(SLO, no_sli)), only(slo_terms(copy.deepcopy(SLO), no_sli))
    assert first is second  # two documents with the same objective share its terms
    assert pickle.loads(pickle.dumps([first], protocol=pickle.HIGHEST_PROTOCOL))[0] is first
    other = only(slo_terms(slo(budgetingMethod="Occurrences"), no_sli))
    assert other is not first and other != first


def test_slo_referenced_sli_is_looked_up_by_name() -> None:
    asked: list[str] = []

    def lookup(name: str) -> Mapping[str, Any] | None:
        asked.append(name)
        return {"apiVersion": "openslo/v1", "kind": "SLI", "metadata": {"name": name},
                "spec": RATIO_SLI}

    terms = only(slo_terms(slo(indicator=None, indicatorRef="ok-ratio"), lookup)).terms
    assert asked == ["ok-ratio"] and terms is not None and terms.indicator == "availability"


def test_slo_unresolved_sli_without_annotation_has_no_terms() -> None:
    reason = reason_of(slo_terms(slo(indicator=None, indicatorRef="missing"), no_sli))
    assert "indicatorRef 'missing' names no SLI" in reason


def test_slo_annotation_says_what_an_unresolved_sli_measures() -> None:
    doc = slo(indicator=None, indicatorRef="missing",
              annotations={"slopolicy/indicator": "availability"})
    assert only(slo_terms(doc, no_sli)).terms is not None


def test_threshold_metric_without_annotations_cannot_be_compared() -> None:
    doc = slo(indicator={"metadata": {"name": "latency"}, "spec": THRESHOLD_SLI})
    reason = reason_of(slo_terms(doc, no_sli))
    assert "thresholdMetric" in reason and "slopolicy/indicator" in reason


def test_latency_slo_from_annotations() -> None:
    doc = slo(indicator={"metadata": {"name": "latency"}, "spec": THRESHOLD_SLI},
              budgetingMethod="Occurrences",
              annotations={"slopolicy/indicator": "latency", "slopolicy/threshold": "300ms"})
    terms = only(slo_terms(doc, no_sli)).terms
    assert terms is not None
    assert (terms.indicator, terms.threshold, terms.budgeting_method) == \
        ("latency", Threshold(D(300)), "Occurrences")


LATENCY = {"slopolicy/indicator": "latency", "slopolicy/threshold": "300ms"}


def threshold_slo(**keys: Any) -> dict[str, Any]:
    """A latency SLO on a thresholdMetric SLI whose objective has ``keys`` (op, value)."""
    return slo(indicator={"metadata": {"name": "latency"}, "spec": THRESHOLD_SLI},
               objectives=[{"target": D("0.99"), **keys}], annotations=LATENCY)


@pytest.mark.parametrize(
    ("keys", "at", "words"),
    [
        ({"op": "gte", "value": D("0.3")}, "op",
         "op: gte counts an SLI value of at least 0.3 as good, so slower requests count as good"),
        ({"op": "gt"}, "op", "op: gt counts higher SLI values as good"),
        ({"op": "eq", "value": D("0.3")}, "op", "op: 'eq' is not a comparison"),
        ({"op": "lte", "value": 30}, "value",
         "value 30 is not annotation slopolicy/threshold: 300ms in the SLI's unit, which would "
         "be 0.3 (in seconds) or 300 (in milliseconds)"),
        ({"op": "lte", "value": D("0.25")}, "value", "value 0.25 is not annotation"),
        ({"op": "lte", "value": "fast"}, "value", "value must be a number"),
    ],
)
def test_a_threshold_objective_that_contradicts_the_annotation_has_no_terms(
        keys: dict[str, Any], at: str, words: str) -> None:
    for agreeing in ({"op": "lte", "value": D("0.3")}, {"op": "lt", "value": 300},
                     {"op": "lte", "value": "300"}, {}):
        terms = only(slo_terms(threshold_slo(**agreeing), no_sli)).terms
        assert terms is not None and terms.threshold == Threshold(D(300)), agreeing
    doc = threshold_slo(**keys)
    reason = reason_of(slo_terms(doc, no_sli))
    assert words in reason
    assert "no proof can rest on them" in reason or at == "value" and "number" in reason
    assert reason_at(doc, 0, reason) == at
    assert reason_at(doc, 0, "another reason") is None
    # on a ratio SLI they mean nothing (OpenSLO), so they are not read
    ratio = slo(objectives=[{"target": D("0.99"), **keys}], annotations=LATENCY)
    terms = only(slo_terms(ratio, no_sli)).terms
    assert terms is not None and terms.threshold == Threshold(D(300))


@pytest.mark.parametrize(
    ("annotations", "words"),
    [
        ({"slopolicy/indicator": "latency"}, "needs annotation slopolicy/threshold"),
        ({"slopolicy/indicator": "latency", "slopolicy/threshold": "fast"},
         "annotation slopolicy/threshold: 'fast' is not a duration"),
        ({"slopolicy/indicator": "throughput"}, "availability or latency, not 'throughput'"),
    ],
)
def test_bad_annotations_are_reasons(annotations: dict[str, str], words: str) -> None:
    assert words in reason_of(slo_terms(slo(annotations=annotations), no_sli))


def test_slo_without_time_window_has_no_terms() -> None:
    assert "no timeWindow" in reason_of(slo_terms(slo(timeWindow=None), no_sli))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"timeWindow": [{"duration": "1M", "isRolling": True}]}, "no fixed length"),
        ({"timeWindow": []}, "exactly one item, not 0"),
        ({"budgetingMethod": None}, "gives no budgetingMethod"),
        ({"budgetingMethod": "Weighted"}, "not 'Weighted'"),
        ({"objectives": [{"target": D("0.9"), "targetPercent": D("90")}]}, "not both"),
        ({"objectives": [{"displayName": "no target"}]}, "neither target nor targetPercent"),
        ({"objectives": [{"target": D("0.9"), "timeSliceWindow": "1M"}]}, "no fixed length"),
        ({"objectives": ["oops"]}, "not a mapping"),
        ({"indicator": None}, "neither indicator nor indicatorRef"),
    ],
)
def test_slo_problems_become_reasons(changes: dict[str, Any], words: str) -> None:
    assert words in reason_of(slo_terms(slo(**changes), no_sli))


def test_slo_reasons_are_per_objective() -> None:
    doc = slo(objectives=[{"target": D("0.999")}, {"displayName": "broken"},
                          {"targetPercent": 99}])
    results = slo_terms(doc, no_sli)
    assert [(r.position, r.terms is None) for r in results] == [(0, False), (1, True), (2, False)]
    assert results[2].terms is not None and results[2].terms.target == D("0.99")


def test_composite_objective_uses_its_own_indicator() -> None:
    doc = slo(objectives=[{"target": D("0.99"), "indicatorRef": "latency-sli"}])
    reason = reason_of(slo_terms(doc, lambda name: {"spec": THRESHOLD_SLI}))
    assert "thresholdMetric" in reason


def test_calendar_slo_window_and_case_of_budgeting_method() -> None:
    doc = slo(budgetingMethod="TimeSlices", timeWindow=[{
        "duration": "1M", "isRolling": False,
        "calendar": {"startTime": "2022-01-01 00:00:00", "timeZone": "Europe/Berlin"}}])
    terms = only(slo_terms(doc, no_sli)).terms
    assert terms is not None
    assert terms.budgeting_method == "Timeslices"
    assert terms.window == Window.calendar("month", 1, "Europe/Berlin")


def test_float_targets_are_read_exactly() -> None:
    doc = slo(objectives=[{"target": 0.9995, "timeSliceWindow": 1, "timeSliceTarget": 0.95}])
    terms = only(slo_terms(doc, no_sli)).terms
    assert terms is not None
    assert (terms.target, terms.time_slice_window, terms.time_slice_target) == \
        (D("0.9995"), Duration(60_000), D("0.95"))


def test_missing_spec_or_objectives_yield_nothing() -> None:
    assert slo_terms({"kind": "SLO"}, no_sli) == []
    assert sla_terms({"kind": "SLA", "spec": {"objectives": "many"}}) == []


# -- SLAs --------------------------------------------------------------------

def test_sla_example_terms() -> None:
    availability, latency = sla_terms(SLA)
    assert availability == ObjectiveTerms(0, Terms(
        "availability", D("0.999"), None, Window.calendar("month"), "Timeslices",
        Duration(60_000), D("0.95"), effective_from=date(2025, 1, 1)), None)
    assert latency.terms is not None
    assert (latency.position, latency.terms.indicator, latency.terms.threshold,
            latency.terms.target) == (1, "latency", Threshold(D(500)), D("0.95"))


def test_sla_rolling_window_and_iso_slice() -> None:
    doc = copy.deepcopy(SLA)
    doc["spec"]["window"] = {"rolling": "30d"}
    doc["spec"]["timeSlice"] = {"window": "PT5M", "targetPercent": 99}
    terms = sla_terms(doc)[0].terms
    assert terms is not None
    assert (terms.window, terms.time_slice_window, terms.time_slice_target) == \
        (Window.rolling(Duration(30 * DAY)), Duration(300_000), D("0.99"))


@pytest.mark.parametrize(
    ("spec_changes", "objective", "words"),
    [
        ({}, {"indicator": "latency", "targetPercent": 95}, "needs a threshold"),
        ({}, {"indicator": "uptime", "targetPercent": 95}, "not 'uptime'"),
        ({}, {"indicator": "latency", "threshold": "fast", "targetPercent": 95},
         "not a duration"),
        ({"window": None}, {"indicator": "availability", "target": D("0.99")}, "no spec.window"),
        ({"window": {"calendar": "decade"}}, {"indicator": "availability", "target": D("0.99")},
         "not 'decade'"),
        ({"budgetingMethod": None}, {"indicator": "availability", "target": D("0.99")},
         "gives no budgetingMethod"),
        ({}, {"indicator": "availability", "targetPercent": D("120")}, "between 0 and 100"),
    ],
)
def test_sla_problems_become_reasons(spec_changes: dict[str, Any], objective: dict[str, Any],
                                     words: str) -> None:
    doc = copy.deepcopy(SLA)
    for key, value in spec_changes.items():
        if value is None:
            doc["spec"].pop(key)
        else:
            doc["spec"][key] = value
    doc["spec"]["objectives"] = [objective]
    assert words in reason_of(sla_terms(doc))


# -- end to end --------------------------------------------------------------

def test_extracted_terms_of_the_examples_prove_the_sla() -> None:
    slo_side = only(slo_terms(SLO, no_sli)).terms
    sla_side = sla_terms(SLA)[0].terms
    assert slo_side is not None and sla_side is not None
    assert compare(slo_side, sla_side).status is Status.PROVEN  # 99.95% rolling 28d vs 99.9%/month


def test_extracted_rolling_30d_breaks_the_month() -> None:
    doc = slo(timeWindow=[{"duration": "30d", "isRolling": True}],
              objectives=[{"target": D("0.999"), "timeSliceTarget": D("0.95"),
                           "timeSliceWindow": "1m"}])
    slo_side, sla_side = only(slo_terms(doc, no_sli)).terms, sla_terms(SLA)[0].terms
    assert slo_side is not None and sla_side is not None
    assert compare(slo_side, sla_side).status is Status.VIOLATED
