"""Pyrra: ``pyrra.dev/v1alpha1`` ``ServiceLevelObjective``.

One SLO, named by ``metadata.name``, with ``target`` a percent written as
text (``"99.5"``) and ``window`` a Prometheus duration. Pyrra measures its
target over the last ``window`` at every moment, a sliding range, but does not
say so: slopolicy reads the window as rolling and states that with every
verdict. Its indicators:

- ``ratio``: errors over total, an availability ratio;
- ``latency``: requests in the ``le`` bucket of a histogram over all of them,
  so the ``le`` bound is the latency threshold (``le="0.05"``: 50ms);
- ``latencyNative``: the same over a native histogram, the threshold in
  ``latency``;
- ``bool_gauge``: a gauge that is 1 when all is well. Its samples are its
  events (Occurrences), which slopolicy states with every verdict.

Pyrra names no service: annotation ``slopolicy/service`` gives one, and
without it the SLO's own name stands for its service.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from slopolicy.formats.common import (
    INDICATOR_ANNOTATION,
    NO_GENERATED_RULES,
    SERVICE_ANNOTATION,
    THRESHOLD_ANNOTATION,
    Mapped,
    mapping,
    named,
    new,
    number,
    object_name,
    prometheus_ms,
    prometheus_source,
    put_metadata,
    shorthand,
    text,
    threshold,
)
from slopolicy.text.yamlsource import Path

ASSUMED_ROLLING = ("Pyrra does not say how its window moves, so slopolicy reads window {window} "
                   "as rolling, as Pyrra measures it over the last {window} at every moment")
ASSUMED_SAMPLES = ("a Pyrra bool_gauge counts samples, so slopolicy takes each sample of "
                   "{metric} as one event (Occurrences)")
_LE = re.compile(r"""\ble\s*=\s*"([^"]*)\"""")
_DROPPED = {
    "alerting": "Pyrra's alerting (burn-rate alerts and absent alerts) is not converted: "
                "OpenSLO v1 writes alerts as AlertPolicy documents",
    "partial_response_strategy": "partial_response_strategy is Thanos's: OpenSLO v1 has no "
                                 "form for it, so it is not converted",
    "performanceOverAccuracy": "performanceOverAccuracy changes the rules Pyrra generates: "
                               "OpenSLO v1 has no form for it, so it is not converted",
    "ruleOutput": "ruleOutput routes the rules Pyrra generates: OpenSLO v1 has no form for it, "
                  "so it is not converted",
}


def mapped(data: Any) -> list[Mapped]:
    metadata, spec = mapping(data.get("metadata")), mapping(data.get("spec"))
    raw_name = text(metadata.get("name"))
    if raw_name is None:
        return []
    result = new("SLO", object_name(raw_name), ("metadata", "name"))
    result.paths[0] = ((), ())
    result.paths.append((("metadata", "name"), ("metadata", "name")))
    named(result, raw_name, ("metadata", "name"))
    put_metadata(result, metadata)
    if text(spec.get("description")):
        result.put(("spec", "description"), spec["description"], ("spec", "description"))
    service = text(mapping(metadata.get("annotations")).get(SERVICE_ANNOTATION))
    result.put(("spec", "service"), object_name(service or raw_name),
               ("metadata", "annotations", SERVICE_ANNOTATION) if service else ("metadata", "name"))
    _indicator(result, mapping(spec.get("indicator")))
    _window(result, spec.get("window"))
    result.put(("spec", "budgetingMethod"), "Occurrences", ("spec", "indicator"))
    objective: dict[str, Any] = {}
    result.put(("spec", "objectives"), [objective], ("spec",))
    target = number(spec.get("target"))
    if target is not None:
        objective["targetPercent"] = target
        result.paths.append((("spec", "objectives", 0, "targetPercent"), ("spec", "target")))
    result.note((), NO_GENERATED_RULES.format(tool="Pyrra"))
    if metadata.get("namespace"):
        result.note(("metadata", "namespace"), f"the Kubernetes namespace "
                    f"{metadata['namespace']!r} has no OpenSLO v1 form: not converted")
    for key, why in _DROPPED.items():
        if key in spec:
            result.note(("spec", key), why)
    return [result]


def _window(result: Mapped, window: object) -> None:
    ms = prometheus_ms(window)
    duration = shorthand(ms, str(window)) if ms is not None else None
    if duration is None:
        return  # the schema names the problem; the terms say the window is missing
    result.put(("spec", "timeWindow"), [{"duration": duration, "isRolling": True}],
               ("spec", "window"))
    result.assume(("spec", "window"), ASSUMED_ROLLING.format(window=window))


def _indicator(result: Mapped, indicator: Any) -> None:
    at: Path = ("spec", "indicator")
    inline: tuple[str, ...] = ("spec", "indicator")
    result.put(inline + ("metadata", "name"), result.name, at)
    metric: tuple[str, ...] = inline + ("spec", "ratioMetric")
    for kind, body in indicator.items():
        body = mapping(body)
        here = at + (kind,)
        if body.get("grouping"):
            result.note(here + ("grouping",), "grouping makes an SLO per group; OpenSLO v1 has "
                        "no form for it, so the converted SLO is over all groups together")
        if kind == "ratio":
            result.put(metric + ("counter",), True, here)
            result.put(metric + ("bad",), _query(body.get("errors")), here + ("errors", "metric"))
            result.put(metric + ("total",), _query(body.get("total")), here + ("total", "metric"))
        elif kind == "latency":
            result.put(metric + ("counter",), True, here)
            result.put(metric + ("good",), _query(body.get("success")),
                       here + ("success", "metric"))
            result.put(metric + ("total",), _query(body.get("total")), here + ("total", "metric"))
            _bucket(result, mapping(body.get("success")).get("metric"), here)
        elif kind == "latencyNative":
            _native(result, body, metric, here)
        elif kind == "bool_gauge":
            result.put(metric + ("rawType",), "success", here)
            result.put(metric + ("raw",), prometheus_source(body.get("metric")),
                       here + ("metric",))
            result.assume(here, ASSUMED_SAMPLES.format(metric=body.get("metric")))
        break  # the schema reports a second indicator


def _query(metric: object) -> dict[str, Any]:
    return prometheus_source(mapping(metric).get("metric"))


def _latency(result: Mapped, value: str, where: Path) -> None:
    result.put(("metadata", "annotations", INDICATOR_ANNOTATION), "latency", where)
    result.put(("metadata", "annotations", THRESHOLD_ANNOTATION), value, where)


def _bucket(result: Mapped, metric: object, at: Path) -> None:
    """The ``le`` bound of the success bucket is the threshold."""
    found = _LE.search(metric) if isinstance(metric, str) else None
    seconds = number(found.group(1)) if found else None
    if seconds is None or seconds <= 0:
        result.put(("metadata", "annotations", INDICATOR_ANNOTATION), "latency",
                   at + ("success", "metric"))
        return  # no threshold: the terms say a latency SLO needs one
    _latency(result, threshold(seconds), at + ("success", "metric"))


def _native(result: Mapped, body: Any, metric: tuple[str, ...], here: Path) -> None:
    latency = body.get("latency")
    ms = prometheus_ms(latency)
    total = mapping(body.get("total")).get("metric")
    bound = threshold(Decimal(ms) / 1000) if ms else None
    seconds = format((Decimal(ms) / 1000).normalize(), "f") if ms else "?"
    result.put(metric + ("rawType",), "success", here)
    result.put(metric + ("raw",), prometheus_source(
        f"histogram_fraction(0, {seconds}, {total})"), here + ("total", "metric"))
    result.note(here, "latencyNative reads a native histogram; OpenSLO v1 has no form for "
                "one, so the converted SLI is the raw ratio histogram_fraction of it")
    if bound is not None:
        _latency(result, bound, here + ("latency",))
    else:
        result.put(("metadata", "annotations", INDICATOR_ANNOTATION), "latency", here)
