"""OpenSLO's other versions: ``openslo/v1alpha`` and ``openslo.com/v2alpha``.

v1alpha is v1's predecessor: ``timeWindows`` with ``unit`` and ``count``
(``{unit: Week, count: 1}`` is v1's ``1w``), an SLI inline as
``indicator.thresholdMetric``, or per objective as ``ratioMetrics`` (good
over total), each metric a ``source``, ``queryType`` and ``query``. It has
no time slice window and no annotations.

v2alpha is v1's proposed successor: the same SLO with ``sli``/``sliRef`` for
``indicator``/``indicatorRef``, ``serviceRef`` for ``service`` (the
specification's text says ``service``; its Go SDK ``serviceRef``: both are
read), and metrics that name a DataSource directly (``dataSourceRef``, or
``dataSourceSpec`` inline, and the query in ``spec``).
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
from slopolicy.text.yamlsource import Path

V1ALPHA = "openslo/v1alpha"
V2ALPHA = "openslo.com/v2alpha"
ASSUMED_ROLLING = ("the openslo/v1alpha window says neither isRolling nor calendar, so "
                   "slopolicy reads it as rolling, as Sloth does")
ASSUMED_PERIOD = ("the openslo/v1alpha SLO writes no timeWindows, so slopolicy takes the "
                  "default period of Sloth, which reads such SLOs: a rolling 30 days "
                  "(`--default-slo-period 30d`)")
UNITS = {"Minute": "m", "Hour": "h", "Day": "d", "Week": "w", "Month": "M", "Quarter": "Q",
         "Year": "Y"}


def mapped(data: Any, api_version: str, kind: str) -> list[Mapped]:
    metadata = mapping(data.get("metadata"))
    raw_name = text(metadata.get("name"))
    if raw_name is None:
        return []
    result = new(kind, object_name(raw_name), ())
    result.paths.append((("metadata", "name"), ("metadata", "name")))
    named(result, raw_name, ("metadata", "name"))
    for part in ("displayName", "labels", "annotations"):
        if metadata.get(part):
            value = metadata[part]
            result.put(("metadata", part), value if part == "displayName" else own(value),
                       ("metadata", part))
    spec = mapping(data.get("spec"))
    if text(spec.get("description")):
        result.put(("spec", "description"), spec["description"], ("spec", "description"))
    if kind == "SLO":
        (_v1alpha_slo if api_version == V1ALPHA else _v2alpha_slo)(result, spec)
    elif kind == "SLI":
        _v2alpha_sli(result, spec, ("spec",), ("spec",))
    elif kind == "DataSource":
        for key in ("type", "connectionDetails"):
            if key in spec:
                result.put(("spec", key), spec[key], ("spec", key))
    return [result]


# -- v1alpha ---------------------------------------------------------------------

def _v1alpha_slo(result: Mapped, spec: Any) -> None:
    if text(spec.get("service")):
        result.put(("spec", "service"), object_name(spec["service"]), ("spec", "service"))
    threshold = mapping(mapping(spec.get("indicator")).get("thresholdMetric"))
    objectives = items(spec.get("objectives"))
    single_ratio = (not threshold and len(objectives) == 1
                    and mapping(mapping(objectives[0]).get("ratioMetrics")))
    if threshold:
        result.put(("spec", "indicator"), {"metadata": {"name": result.name}, "spec": {
            "thresholdMetric": _v1alpha_metric(threshold)}}, ("spec", "indicator"))
    elif single_ratio:
        result.put(("spec", "indicator"), {"metadata": {"name": result.name}, "spec": {
            "ratioMetric": _v1alpha_ratio(single_ratio)}}, ("spec", "objectives", 0,
                                                            "ratioMetrics"))
    if "timeWindows" in spec:
        _v1alpha_window(result, items(spec.get("timeWindows")))
    else:
        result.put(("spec", "timeWindow"), [{"duration": "30d", "isRolling": True}], ("spec",))
        result.assume(("spec",), ASSUMED_PERIOD)
    if spec.get("budgetingMethod") is not None:
        result.put(("spec", "budgetingMethod"), spec["budgetingMethod"],
                   ("spec", "budgetingMethod"))
    out = []
    for index, item in enumerate(objectives):
        out.append(_v1alpha_objective(result, index, mapping(item), bool(threshold),
                                      bool(single_ratio), spec.get("budgetingMethod")))
    result.put(("spec", "objectives"), out, ("spec", "objectives"))


def _v1alpha_objective(result: Mapped, index: int, item: Any, threshold: bool, inlined: bool,
                       method: object) -> dict[str, Any]:
    at: Path = ("spec", "objectives", index)
    result.paths.append((at, at))
    objective: dict[str, Any] = {}
    for key in ("displayName", "op", "value", "target", "timeSliceTarget"):
        if key not in item:
            continue
        if key in ("op", "value") and not threshold:
            result.note(at + (key,), f"{key} means nothing to a ratio objective; OpenSLO v1 "
                        "allows it only with a threshold metric: not converted")
            continue
        objective[key] = item[key]
    ratio = mapping(item.get("ratioMetrics"))
    if ratio and not inlined:
        objective["indicator"] = {"metadata": {"name": f"{result.name}-{index + 1}"},
                                  "spec": {"ratioMetric": _v1alpha_ratio(ratio)}}
        result.paths.append((at + ("indicator",), at + ("ratioMetrics",)))
    if str(method).lower() == "timeslices":
        target = "" if "timeSliceTarget" in objective else " and timeSliceTarget (like 0.95)"
        result.lack(at, "timeSliceWindow", at, "openslo/v1alpha gives no time slice window; "
                    f"OpenSLO v1 wants one: add timeSliceWindow (like 1m){target} to the "
                    "converted objective")
    return objective


def _v1alpha_ratio(ratio: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "incremental" in ratio:
        out["counter"] = ratio["incremental"]
    for part in ("good", "total"):
        if part in ratio:
            out[part] = _v1alpha_metric(mapping(ratio[part]))
    return out


def _v1alpha_metric(metric: Any) -> dict[str, Any]:
    """``{source, queryType, query}`` -> ``{metricSource: {type, spec: {queryType, query}}}``."""
    spec = {key: metric[key] for key in ("queryType", "query") if key in metric}
    return {"metricSource": {"type": metric.get("source"), "spec": spec}}


def _v1alpha_window(result: Mapped, windows: list[Any]) -> None:
    if len(windows) != 1:
        return
    window = mapping(windows[0])
    at: Path = ("spec", "timeWindows", 0)
    count, unit = window.get("count"), str(window.get("unit"))
    if not isinstance(count, int) or isinstance(count, bool):
        return
    if unit == "Second":
        if count % 60:
            result.note(at, f"a window of {count} seconds has no OpenSLO v1 form (whole "
                        "minutes): not converted")
            return
        count, unit = count // 60, "Minute"
    if unit not in UNITS:
        return
    item: dict[str, Any] = {"duration": f"{count}{UNITS[unit]}"}
    if "isRolling" in window:
        item["isRolling"] = window["isRolling"]
    if window.get("calendar") is not None:
        item["calendar"] = own(mapping(window["calendar"]))
    elif "isRolling" not in window:
        item["isRolling"] = True
        result.assume(at, ASSUMED_ROLLING)
    result.put(("spec", "timeWindow"), [item], at)
    result.paths.append((("spec", "timeWindow", 0, "duration"), at + ("unit",)))


# -- v2alpha ---------------------------------------------------------------------

def _v2alpha_slo(result: Mapped, spec: Any) -> None:
    service_key = "serviceRef" if "serviceRef" in spec else "service"
    if text(spec.get(service_key)):
        result.put(("spec", "service"), object_name(spec[service_key]), ("spec", service_key))
    else:
        result.lack(("spec",), "service", ("spec",), "openslo.com/v2alpha lets an SLO name no "
                    "service; OpenSLO v1 wants one: add service (the name of the Service it "
                    "belongs to) to the converted SLO")
    _v2alpha_sli_or_ref(result, spec, ("spec",), ("spec",))
    if spec.get("timeWindow") is not None:
        result.put(("spec", "timeWindow"), spec["timeWindow"], ("spec", "timeWindow"))
    if spec.get("budgetingMethod") is not None:
        result.put(("spec", "budgetingMethod"), spec["budgetingMethod"],
                   ("spec", "budgetingMethod"))
    out = []
    for index, item in enumerate(items(spec.get("objectives"))):
        at: Path = ("spec", "objectives", index)
        item = mapping(item)
        result.paths.append((at, at))
        objective = {key: item[key] for key in (
            "displayName", "op", "value", "target", "targetPercent", "timeSliceTarget",
            "timeSliceWindow", "compositeWeight") if key in item}
        out.append(objective)
        if item.get("labels"):
            result.note(at + ("labels",), "an objective's labels have no OpenSLO v1 form: "
                        "not converted")
    result.put(("spec", "objectives"), out, ("spec", "objectives"))
    for index, item in enumerate(items(spec.get("objectives"))):
        at = ("spec", "objectives", index)
        _v2alpha_sli_or_ref(result, mapping(item), at, at)
    if spec.get("alertPolicies"):
        result.note(("spec", "alertPolicies"), "alert policies are not converted: slopolicy "
                    "reads SLO, SLI, Service and DataSource of openslo.com/v2alpha")


def _v2alpha_sli_or_ref(result: Mapped, holder: Any, here: Path, at: Path) -> None:
    """``sli`` -> ``indicator``, ``sliRef`` -> ``indicatorRef``, of the SLO or an objective."""
    target: Any = result.data
    for part in here:  # an SLO without a service has no ``spec`` made yet
        target = target[part] if isinstance(part, int) else target.setdefault(part, {})
    sli = mapping(holder.get("sli"))
    if sli:
        name = text(mapping(sli.get("metadata")).get("name")) or result.name
        inline: dict[str, Any] = {"metadata": {"name": object_name(name)}, "spec": {}}
        target["indicator"] = inline
        result.paths.append((here + ("indicator",), at + ("sli",)))
        result.paths.append((here + ("indicator", "metadata"), at + ("sli", "metadata")))
        scratch = Mapped("SLI", {"spec": {}})
        _v2alpha_sli(scratch, mapping(sli.get("spec")), ("spec",), at + ("sli", "spec"))
        inline["spec"] = scratch.data["spec"]
        result.paths.extend((here + ("indicator",) + p, s) for p, s in scratch.paths)
        result.notes.extend(scratch.notes)
    elif text(holder.get("sliRef")):
        target["indicatorRef"] = object_name(holder["sliRef"])
        result.paths.append((here + ("indicatorRef",), at + ("sliRef",)))


def _v2alpha_sli(result: Mapped, spec: Any, here: Path, at: Path) -> None:
    threshold, ratio = mapping(spec.get("thresholdMetric")), mapping(spec.get("ratioMetric"))
    if threshold:
        result.put(here + ("thresholdMetric",), _v2alpha_metric(result, threshold,
                   at + ("thresholdMetric",)), at + ("thresholdMetric",))
    elif ratio:
        out: dict[str, Any] = {}
        for key, value in ratio.items():
            if key in ("good", "bad", "total", "raw"):
                out[key] = _v2alpha_metric(result, mapping(value), at + ("ratioMetric", key))
            else:
                out[key] = value
        result.put(here + ("ratioMetric",), out, at + ("ratioMetric",))


def _v2alpha_metric(result: Mapped, metric: Any, at: Path) -> dict[str, Any]:
    """``{dataSourceRef, dataSourceSpec, spec}`` -> ``{metricSource: {metricSourceRef, type, spec}}``."""
    source: dict[str, Any] = {}
    if text(metric.get("dataSourceRef")):
        source["metricSourceRef"] = object_name(metric["dataSourceRef"])
    inline = mapping(metric.get("dataSourceSpec"))
    if inline.get("type") is not None:
        source["type"] = inline["type"]
    if inline.get("connectionDetails") is not None:
        result.note(at + ("dataSourceSpec", "connectionDetails"), "an inline DataSource's "
                    "connectionDetails have no place in an OpenSLO v1 metric: write a "
                    "DataSource document and name it with metricSourceRef")
    source["spec"] = metric.get("spec") if metric.get("spec") is not None else {}
    return {"metricSource": source}
