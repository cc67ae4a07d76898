"""From documents to Terms: what each SLO or SLA objective promises.

Pure: plain document data in (YAML floats as ``Decimal``), ``Terms`` out, one
entry per objective. Where the terms cannot be derived the entry carries
None and the reason, in words a rule can show as it is.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

from slopolicy.slo.dominance import BUDGETING_METHODS, INDICATORS, BudgetingMethod, Indicator, Terms
from slopolicy.slo.units import (
    Threshold,
    UnitError,
    Window,
    format_threshold,
    parse_date,
    parse_fraction,
    parse_slice_window,
    parse_target,
    parse_threshold,
    threshold_readings,
    threshold_unit,
    to_decimal,
    window_from_openslo,
    window_from_sla,
)

INDICATOR_ANNOTATION = "slopolicy/indicator"
THRESHOLD_ANNOTATION = "slopolicy/threshold"

SliLookup = Callable[[str], Mapping[str, Any] | None]
_T = TypeVar("_T")


class ObjectiveTerms(NamedTuple):
    """One objective: its position, and its terms or the reason there are none."""

    position: int  # the index in spec.objectives
    terms: Terms | None
    reason: str | None

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled (as a value sent between processes is), it reads back as the one
        # shared object of its value; the result cache holds data only and shares
        # terms through its fact's codec (slopolicy.rules.linking)
        return (shared, (self.position, self.terms, self.reason))


class _NoTerms(Exception):
    """The reason an objective's terms cannot be derived."""


def slo_terms(slo_doc: Mapping[str, Any], sli_lookup: SliLookup) -> list[ObjectiveTerms]:
    """The terms of each objective of an OpenSLO SLO document."""
    spec = _mapping(slo_doc.get("spec"))
    return [
        _derive(index, partial(_slo_objective, slo_doc, spec, objective, sli_lookup))
        for index, objective in enumerate(_list(spec.get("objectives")))
    ]


def sla_terms(sla_doc: Mapping[str, Any]) -> list[ObjectiveTerms]:
    """The terms of each objective of a slopolicy SLA document."""
    spec = _mapping(sla_doc.get("spec"))
    return [
        _derive(index, partial(_sla_objective, spec, objective))
        for index, objective in enumerate(_list(spec.get("objectives")))
    ]


# Objectives repeat the same terms (a few targets, one or two windows)
# across thousands of documents: one shared object per distinct value keeps
# memory and the result cache small, and lets comparisons be remembered by
# identity.
_SHARED: dict[ObjectiveTerms, ObjectiveTerms] = {}


def shared(position: int, terms: Terms | None, reason: str | None) -> ObjectiveTerms:
    """The one ObjectiveTerms of this value in this process."""
    found = ObjectiveTerms(position, terms, reason)
    return _SHARED.setdefault(found, found)


def _derive(index: int, build: Callable[[], Terms]) -> ObjectiveTerms:
    try:
        return shared(index, build(), None)
    except (_NoTerms, UnitError) as problem:
        return shared(index, None, str(problem))


# -- OpenSLO SLO -------------------------------------------------------------

def _slo_objective(doc: Mapping[str, Any], spec: Mapping[str, Any], objective: object,
                   sli_lookup: SliLookup) -> Terms:
    if not isinstance(objective, Mapping):
        raise _NoTerms("the objective is not a mapping")
    annotations = _mapping(_mapping(doc.get("metadata")).get("annotations"))
    sli_spec = _sli_spec(spec, objective, sli_lookup)
    indicator = _slo_indicator(annotations, sli_spec)
    method = _budgeting_method(spec.get("budgetingMethod"), "the SLO")
    threshold = None
    if indicator == "latency":
        threshold = _slo_threshold(annotations)
        found = _disagreement(objective, threshold) \
            if not isinstance(sli_spec, str) and "thresholdMetric" in sli_spec else None
        if found is not None:
            raise _NoTerms(found[1])
    return Terms(
        indicator=indicator,
        target=parse_target(objective.get("target"), objective.get("targetPercent")),
        threshold=threshold,
        window=_slo_window(spec.get("timeWindow")),
        budgeting_method=method,
        time_slice_window=_optional(objective.get("timeSliceWindow"), parse_slice_window),
        time_slice_target=_optional(objective.get("timeSliceTarget"),
                                    lambda v: parse_fraction(v, "timeSliceTarget")),
    )


def _slo_indicator(annotations: Mapping[str, Any], sli_spec: Mapping[str, Any] | str
                   ) -> Indicator:
    """The annotation says what the SLI measures; a ratioMetric defaults to availability."""
    declared = annotations.get(INDICATOR_ANNOTATION)
    if declared is not None:
        if declared not in INDICATORS:
            raise _NoTerms(f"annotation {INDICATOR_ANNOTATION} is availability or latency, "
                           f"not {declared!r}")
        return cast(Indicator, declared)
    if isinstance(sli_spec, str):
        raise _NoTerms(sli_spec)
    if "ratioMetric" in sli_spec:
        return "availability"
    if "thresholdMetric" in sli_spec:
        raise _NoTerms(
            "the SLI is a thresholdMetric, which OpenSLO does not say the meaning of: annotate "
            f"the SLO with {INDICATOR_ANNOTATION} (availability or latency) and, for latency, "
            f"{THRESHOLD_ANNOTATION} (like 300ms)")
    raise _NoTerms("the SLI has neither ratioMetric nor thresholdMetric")


def _sli_spec(spec: Mapping[str, Any], objective: Mapping[str, Any], sli_lookup: SliLookup
              ) -> Mapping[str, Any] | str:
    """The SLI's spec (a composite objective's own SLI first), or why there is none."""
    for holder in (objective, spec):
        inline = holder.get("indicator")
        if isinstance(inline, Mapping):
            return _mapping(inline.get("spec", inline))
        ref = holder.get("indicatorRef")
        if isinstance(ref, str):
            sli = sli_lookup(ref)
            if sli is None:
                return f"indicatorRef {ref!r} names no SLI, so what the SLO measures is unknown"
            return _mapping(sli.get("spec", sli))
    return "the SLO has neither indicator nor indicatorRef"


def _slo_threshold(annotations: Mapping[str, Any]) -> Threshold:
    value = annotations.get(THRESHOLD_ANNOTATION)
    if value is None:
        raise _NoTerms(f"a latency SLO needs annotation {THRESHOLD_ANNOTATION} (like 300ms): "
                       "which requests are fast enough to count as good")
    try:
        return parse_threshold(value)
    except UnitError as problem:
        raise _NoTerms(f"annotation {THRESHOLD_ANNOTATION}: {problem}") from None


def _disagreement(objective: Mapping[str, Any], threshold: Threshold) -> tuple[str, str] | None:
    """Where and how a thresholdMetric objective's ``op`` and ``value`` contradict the
    annotated threshold: (the key, the reason), or None when they agree.

    The monitoring tool judges the SLI by them, not by the annotation: good is the
    SLI's value at or under ``value`` (``lte``, ``lt``). Its unit is the SLI's, which
    OpenSLO does not say, so ``value`` must be the annotation's threshold in seconds
    or in milliseconds (300ms: 0.3 or 300). An objective without them says nothing
    else (``openslo-semantics`` asks for them).
    """
    op, value = objective.get("op"), objective.get("value")
    said = f"annotation {THRESHOLD_ANNOTATION}: {format_threshold(threshold)}"
    if op is not None and op not in ("lte", "lt"):
        slower = {"gte": "of at least", "gt": "of more than"}.get(str(op))
        values = "higher SLI values" if value is None else \
            f"an SLI value {slower} {_value_text(value)}"
        what = (f"op: {op} counts {values} as good, so slower requests count as good"
                if slower else f"op: {op!r} is not a comparison (lte, lt, gte or gt)")
        return "op", (
            f"{what}, while {said} says good requests are faster than "
            f"{format_threshold(threshold)}: the two disagree and no proof can rest on them; "
            "a latency objective keeps the SLI at or under its threshold (op: lte or lt)")
    if value is None:
        return None
    try:
        number = to_decimal(value, "value")
    except UnitError:
        return "value", f"value must be a number (the threshold in the SLI's unit), not {value!r}"
    if threshold_unit(number, threshold) is not None:
        return None
    readings = " or ".join(f"{_value_text(amount)} (in {unit})"
                           for unit, amount in threshold_readings(threshold))
    return "value", (
        f"the objective's value {_value_text(value)} is not {said} in the SLI's unit, which "
        f"would be {readings}: the two say different thresholds and no proof can rest on "
        "them; make value the threshold in the SLI's unit, or correct the annotation")


def reason_at(slo_doc: Mapping[str, Any], position: int, reason: str | None) -> str | None:
    """The key of objective ``position`` that ``reason`` (why it has no terms) is about:
    ``op`` or ``value`` when they contradict the annotated threshold, else None."""
    objectives = _list(_mapping(slo_doc.get("spec")).get("objectives"))
    objective = objectives[position] if position < len(objectives) else None
    annotations = _mapping(_mapping(slo_doc.get("metadata")).get("annotations"))
    if reason is None or not isinstance(objective, Mapping):
        return None
    try:
        threshold = parse_threshold(annotations.get(THRESHOLD_ANNOTATION))
    except UnitError:
        return None
    found = _disagreement(objective, threshold)
    return found[0] if found is not None and found[1] == reason else None


def _value_text(value: object) -> str:
    """An objective's ``value`` as written (a Decimal without an exponent)."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _slo_window(time_window: object) -> Window:
    if time_window is None:
        raise _NoTerms("the SLO has no timeWindow, so its budget has no period")
    items = _list(time_window)
    if len(items) != 1:
        raise _NoTerms(f"timeWindow holds exactly one item, not {len(items)}")
    return window_from_openslo(items[0])


# -- slopolicy SLA -----------------------------------------------------------

def _sla_objective(spec: Mapping[str, Any], objective: object) -> Terms:
    if not isinstance(objective, Mapping):
        raise _NoTerms("the objective is not a mapping")
    indicator = objective.get("indicator")
    if indicator not in INDICATORS:
        raise _NoTerms(f"indicator is availability or latency, not {indicator!r}")
    threshold = None
    if indicator == "latency":
        if objective.get("threshold") is None:
            raise _NoTerms("a latency objective needs a threshold (like 500ms)")
        threshold = parse_threshold(objective["threshold"])
    if spec.get("window") is None:
        raise _NoTerms("the SLA has no spec.window, so its budget has no period")
    time_slice = _mapping(spec.get("timeSlice"))
    effective = _mapping(spec.get("effective"))
    return Terms(
        indicator=cast(Indicator, indicator),
        target=parse_target(objective.get("target"), objective.get("targetPercent")),
        threshold=threshold,
        window=_sla_window(spec["window"]),
        budgeting_method=_budgeting_method(spec.get("budgetingMethod"), "the SLA"),
        time_slice_window=_optional(time_slice.get("window"), parse_slice_window),
        time_slice_target=_slice_target(time_slice),
        effective_from=parse_date(effective.get("from")),
        effective_until=parse_date(effective.get("until")),
    )


# An SLA window by the identity of its data (kept alive here, so the identity stays its own):
# a history's versions share the window that did not change (changes.share_unchanged).
_WINDOWS: dict[int, tuple[object, Window]] = {}


def _sla_window(raw: object) -> Window:
    """``window_from_sla(raw)``, once per window object."""
    known = _WINDOWS.get(id(raw))
    if known is not None and known[0] is raw:
        return known[1]
    window = window_from_sla(raw)  # a window that cannot be read is not kept: it raises
    if len(_WINDOWS) >= 1024:
        _WINDOWS.clear()
    _WINDOWS[id(raw)] = (raw, window)
    return window


def _slice_target(time_slice: Mapping[str, Any]) -> Decimal | None:
    if time_slice.get("target") is None and time_slice.get("targetPercent") is None:
        return None
    return parse_target(time_slice.get("target"), time_slice.get("targetPercent"))


# -- shared ------------------------------------------------------------------

def _budgeting_method(value: object, whose: str) -> BudgetingMethod:
    # OpenSLO's own notes spell it TimeSlices too: accept any case.
    for method in BUDGETING_METHODS:
        if isinstance(value, str) and value.lower() == method.lower():
            return method
    if value is None:
        raise _NoTerms(f"{whose} gives no budgetingMethod")
    raise _NoTerms(f"budgetingMethod is one of {', '.join(BUDGETING_METHODS)}, not {value!r}")


def _optional(value: object, parse: Callable[[object], _T]) -> _T | None:
    return None if value is None else parse(value)


def _mapping(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # the common case, without the slower ABC check
        return value
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
