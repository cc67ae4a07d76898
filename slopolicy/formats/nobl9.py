"""Nobl9: ``n9/v1alpha`` ``SLO``.

Close to OpenSLO v1: ``metadata`` (name, displayName, labels, annotations),
``spec.service``, ``budgetingMethod`` and objectives with a ``target``
fraction. ``timeWindows`` (``{unit: Day, count: 28, isRolling: true}``)
become one OpenSLO ``timeWindow`` (``28d``). Each objective carries its own
metric: ``countMetrics`` (good or bad over total) is an availability ratio;
``rawMetric`` compares values with ``op`` and ``value``, a threshold metric,
which like OpenSLO's says what it measures only through annotations. An
objective is named by its ``displayName``, else its ``name``. Nobl9 does not
write the length of a time slice; slopolicy takes one minute and states it.
"""
from __future__ import annotations

from typing import Any

from slopolicy.formats.common import (
    Mapped,
    items,
    mapping,
    named,
    new,
    object_name,
    own,
    text,
)
from slopolicy.text.hints import with_article
from slopolicy.text.yamlsource import Path

UNITS = {"Minute": "m", "Hour": "h", "Day": "d", "Week": "w", "Month": "M", "Quarter": "Q",
         "Year": "Y"}
SLICE = "1m"
ASSUMED_SLICE = "Nobl9 does not write the length of a time slice, so slopolicy takes one minute"
_DROPPED = {
    "alertPolicies": "Nobl9 alert policies are named here but defined in Nobl9: OpenSLO v1 "
                     "references AlertPolicy documents, so they are not converted",
    "attachments": "attachments (links) have no OpenSLO v1 form: not converted",
    "anomalyConfig": "anomalyConfig (no-data alerts) has no OpenSLO v1 form: not converted",
    "composite": "a Nobl9 composite SLO has no OpenSLO v1 form: not converted",
}


def mapped(data: Any) -> list[Mapped]:
    metadata, spec = mapping(data.get("metadata")), mapping(data.get("spec"))
    raw_name = text(metadata.get("name"))
    if raw_name is None:
        return []
    result = new("SLO", object_name(raw_name), ())
    result.paths.append((("metadata", "name"), ("metadata", "name")))
    named(result, raw_name, ("metadata", "name"))
    for part in ("displayName", "labels", "annotations"):
        if metadata.get(part):
            value = metadata[part]
            result.put(("metadata", part), own(value) if part != "displayName" else value,
                       ("metadata", part))
    if metadata.get("project"):
        result.note(("metadata", "project"), f"the Nobl9 project {metadata['project']!r} has no "
                    "OpenSLO v1 form: not converted")
    if text(spec.get("description")):
        result.put(("spec", "description"), spec["description"], ("spec", "description"))
    service = text(spec.get("service"))
    if service is not None:
        result.put(("spec", "service"), object_name(service), ("spec", "service"))
    _indicator(result, mapping(spec.get("indicator")))
    _window(result, items(spec.get("timeWindows")))
    if spec.get("budgetingMethod") is not None:
        result.put(("spec", "budgetingMethod"), spec["budgetingMethod"],
                   ("spec", "budgetingMethod"))
    timeslices = str(spec.get("budgetingMethod")).lower() == "timeslices"
    objectives = [_objective(result, index, mapping(item), timeslices)
                  for index, item in enumerate(items(spec.get("objectives")))]
    result.put(("spec", "objectives"), objectives, ("spec", "objectives"))
    if timeslices:
        result.assume(("spec", "budgetingMethod"), ASSUMED_SLICE)
    for key, why in _DROPPED.items():
        if spec.get(key):
            result.note(("spec", key), why)
    out = [result]
    if service is not None:
        out.append(new("Service", object_name(service), ("spec", "service")))
        named(out[-1], service, ("spec", "service"))
    return out


def _indicator(result: Mapped, indicator: Any) -> None:
    source = mapping(indicator.get("metricSource"))
    if source:
        result.note(("spec", "indicator", "metricSource"),
                    f"the Nobl9 metric source {source.get('name')!r} "
                    f"({with_article(str(source.get('kind') or 'Agent'))} in Nobl9) has no OpenSLO "
                    "v1 form without a DataSource document: each metric keeps its source type and "
                    "query")
    raw = mapping(indicator.get("rawMetric"))
    if raw:  # the older form: one threshold metric for every objective
        result.put(("spec", "indicator"), {"metadata": {"name": result.name}, "spec": {
            "thresholdMetric": _metric(raw)}}, ("spec", "indicator", "rawMetric"))


def _window(result: Mapped, windows: list[Any]) -> None:
    if len(windows) != 1:
        return  # the terms say what is missing
    window = mapping(windows[0])
    at: Path = ("spec", "timeWindows", 0)
    unit, count = UNITS.get(str(window.get("unit"))), window.get("count")
    if unit is None or not isinstance(count, int) or isinstance(count, bool):
        return
    item: dict[str, Any] = {"duration": f"{count}{unit}",
                            "isRolling": window.get("isRolling") is True}
    calendar = mapping(window.get("calendar"))
    if calendar:
        item["calendar"] = own(calendar)
    result.put(("spec", "timeWindow"), [item], at)
    result.paths.append((("spec", "timeWindow", 0, "duration"), at + ("unit",)))
    result.paths.append((("spec", "timeWindow", 0, "calendar"), at + ("calendar",)))


def _objective(result: Mapped, index: int, item: Any, timeslices: bool) -> dict[str, Any]:
    at: Path = ("spec", "objectives", index)
    here: Path = ("spec", "objectives", index)
    result.paths.append((here, at))
    objective: dict[str, Any] = {}
    name = text(item.get("displayName")) or text(item.get("name"))
    if name is not None:
        objective["displayName"] = name
        result.paths.append((here + ("displayName",),
                             at + ("displayName" if text(item.get("displayName")) else "name",)))
    if text(item.get("displayName")) and text(item.get("name")):
        result.note(at + ("name",), f"the objective's name {item['name']!r} has no OpenSLO v1 "
                    "form (an objective has only a displayName): not converted")
    count, raw = mapping(item.get("countMetrics")), mapping(item.get("rawMetric"))
    if raw:
        for key in ("op", "value"):
            if key in item:
                objective[key] = item[key]
    elif "value" in item:
        result.note(at + ("value",), "value means nothing to a ratio objective; OpenSLO v1 "
                    "allows it only with a threshold metric: not converted")
    if "target" in item:
        objective["target"] = item["target"]
    if timeslices:
        if "timeSliceTarget" in item:
            objective["timeSliceTarget"] = item["timeSliceTarget"]
        objective["timeSliceWindow"] = SLICE
    sli = f"{result.name}-{object_name(name or str(index + 1))}"[:63].strip("-")
    if count:
        objective["indicator"] = {"metadata": {"name": sli}, "spec": {"ratioMetric": _ratio(count)}}
        result.paths.append((here + ("indicator",), at + ("countMetrics",)))
        if count.get("goodTotal") is not None:
            result.note(at + ("countMetrics", "goodTotal"), "goodTotal (good and total from one "
                        "query) has no OpenSLO v1 form: the query is written as both good and "
                        "total; split it")
    elif raw:
        objective["indicator"] = {"metadata": {"name": sli}, "spec": {
            "thresholdMetric": _metric(mapping(raw.get("query")))}}
        result.paths.append((here + ("indicator",), at + ("rawMetric",)))
    if item.get("composite"):
        result.note(at + ("composite",), "a Nobl9 composite objective (other SLOs' objectives, "
                    "weighted) has no OpenSLO v1 form: not converted, and no SLA can be proven "
                    "by it")
    if item.get("primary") is not None:
        result.note(at + ("primary",), "primary (which objective Nobl9 shows first) has no "
                    "OpenSLO v1 form: not converted")
    return objective


def _ratio(count: Any) -> dict[str, Any]:
    ratio: dict[str, Any] = {}
    if count.get("incremental") is not None:
        ratio["counter"] = count["incremental"]
    for part in ("good", "bad", "total"):
        if count.get(part) is not None:
            ratio[part] = _metric(mapping(count[part]))
    if count.get("goodTotal") is not None:  # one query gives both: noted by _objective
        ratio["good"] = ratio["total"] = _metric(mapping(count["goodTotal"]))
    return ratio


def _metric(spec: Any) -> dict[str, Any]:
    """``{prometheus: {promql: ...}}`` -> an OpenSLO metric of source type prometheus."""
    for source, query in spec.items():
        return {"metricSource": {"type": source, "spec": own(mapping(query)) or {"query": query}}}
    return {"metricSource": {"type": "unknown", "spec": {"query": None}}}
