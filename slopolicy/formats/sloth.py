"""Sloth: ``prometheus/v1`` service levels and the ``sloth.slok.dev/v1`` Kubernetes CRD.

One document holds a service and its SLOs (``slos``). Each becomes an
OpenSLO v1 SLO named as Sloth names it, ``<service>-<slo name>`` (the
``sloth_id`` of its generated rules), with the document's service, its
objective as ``targetPercent`` and its SLI as a ratio: error and total
queries (``events``), or a precomputed error ratio (``raw``). Sloth counts
events, so the budgeting method is Occurrences. Sloth does not write an SLO's
window at all: ``sloth generate`` takes it from ``--default-slo-period``,
30 days unless told otherwise, so slopolicy assumes a rolling 30 days and
says so with every verdict.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from slopolicy.formats.common import (
    NO_GENERATED_RULES,
    Mapped,
    items,
    mapping,
    named,
    new,
    number,
    object_name,
    own,
    prometheus_source,
    text,
)
from slopolicy.text.yamlsource import Path

DEFAULT_WINDOW = "30d"
ASSUMED_WINDOW = ("Sloth does not write an SLO's window, so slopolicy takes Sloth's default: a "
                  "rolling 30 days (`--default-slo-period 30d`)")

_PLUGINS_DROPPED = ("Sloth's SLO plugins change the rules Sloth generates; OpenSLO v1 has no "
                    "form for them, so they are not converted")

# the spellings of the two forms: (prometheus/v1, sloth.slok.dev/v1)
_KEYS = {
    "error_query": "errorQuery", "total_query": "totalQuery",
    "error_ratio_query": "errorRatioQuery", "slo_plugins": "sloPlugins",
}


def mapped(data: Any, crd: bool) -> list[Mapped]:
    """Every SLO of a Sloth document, and its service."""
    spec, base = (mapping(data.get("spec")), ("spec",)) if crd else (mapping(data), ())

    def key(name: str) -> str:
        return _KEYS.get(name, name) if crd else name

    service = text(spec.get("service"))
    if service is None:
        return []
    out, unnamed = [], []
    for index, slo in enumerate(items(spec.get("slos"))):
        name = text(mapping(slo).get("name"))
        if name is not None:
            out.append(_slo(data, spec, base, index, slo, service, name, key, crd))
        else:
            unnamed.append(index)
    if out:
        first = out[0]
        for index in unnamed:  # the schema says why; convert says what it left out
            first.note(base + ("slos", index), "not converted: this SLO has no name")
            first.left_out.append(base + ("slos", index))
        first.note((), NO_GENERATED_RULES.format(tool="Sloth"))
        if "labels" in spec or any("labels" in mapping(slo) for slo in items(spec.get("slos"))):
            first.note(base + ("labels",) if "labels" in spec else (),
                       "Sloth puts its labels on the rules it generates; here they are each "
                       "SLO's metadata.labels")
        if spec.get(key("slo_plugins")):  # the document's: said once, not for each SLO
            first.note(base + (key("slo_plugins"),), _PLUGINS_DROPPED)
        namespace = mapping(data.get("metadata")).get("namespace") if crd else None
        if namespace:
            first.note(("metadata", "namespace"), f"the Kubernetes namespace {namespace!r} has "
                       "no OpenSLO v1 form: not converted")
        out.append(_service(service, base))
    return out


def _slo(data: Any, spec: Any, base: Path, index: int, slo: Any, service: str, name: str,
         key: Any, crd: bool) -> Mapped:
    at = base + ("slos", index)
    raw_name = f"{service}-{name}"
    result = new("SLO", object_name(raw_name), at)
    result.paths.append((("metadata", "name"), at + ("name",)))
    named(result, raw_name, at + ("name",))
    metadata = mapping(data.get("metadata")) if crd else {}
    labels = {key: _label(value) for key, value in
              {**mapping(spec.get("labels")), **mapping(slo.get("labels"))}.items()}
    if labels:
        result.put(("metadata", "labels"), labels, at + ("labels",) if "labels" in slo
                   else base + ("labels",))
    if metadata.get("annotations"):
        result.put(("metadata", "annotations"), own(mapping(metadata["annotations"])),
                   ("metadata", "annotations"))
    if text(slo.get("description")):
        result.put(("spec", "description"), slo["description"], at + ("description",))
    result.put(("spec", "service"), object_name(service), base + ("service",))
    _indicator(result, mapping(slo.get("sli")), at + ("sli",), result.name, key)
    result.put(("spec", "timeWindow"), [{"duration": DEFAULT_WINDOW, "isRolling": True}], at)
    result.assume(at, ASSUMED_WINDOW)
    result.put(("spec", "budgetingMethod"), "Occurrences", at)
    objective: dict[str, Any] = {}
    result.put(("spec", "objectives"), [objective], at)
    target = number(slo.get("objective"))
    if target is not None:
        objective["targetPercent"] = slo["objective"]
        result.paths.append((("spec", "objectives", 0, "targetPercent"), at + ("objective",)))
    _dropped(result, slo, at)
    return result


def _indicator(result: Mapped, sli: Any, at: Path, name: str, key: Any) -> None:
    inline: tuple[str, ...] = ("spec", "indicator")
    result.put(inline + ("metadata", "name"), name, at)
    metric: tuple[str, ...] = inline + ("spec", "ratioMetric")
    events, raw, plugin = (mapping(sli.get(k)) for k in ("events", "raw", "plugin"))
    if events:
        result.put(metric + ("counter",), True, at + ("events",))
        result.put(metric + ("bad",), prometheus_source(events.get(key("error_query"))),
                   at + ("events", key("error_query")))
        result.put(metric + ("total",), prometheus_source(events.get(key("total_query"))),
                   at + ("events", key("total_query")))
    elif raw:
        result.put(metric + ("rawType",), "failure", at + ("raw",))
        result.put(metric + ("raw",), prometheus_source(raw.get(key("error_ratio_query"))),
                   at + ("raw", key("error_ratio_query")))
    elif plugin:
        # a plugin computes an error ratio: kept as a source OpenSLO tools do not know
        result.put(metric + ("rawType",), "failure", at + ("plugin",))
        spec = {"id": plugin.get("id")}
        if plugin.get("options"):
            spec["options"] = plugin["options"]
        result.put(metric + ("raw",), {"metricSource": {"type": "SlothPlugin", "spec": spec}},
                   at + ("plugin",))
        result.note(at + ("plugin",), f"the SLI plugin {plugin.get('id')!r} is Sloth's own: it "
                    "is kept as a metric source of type SlothPlugin, which no OpenSLO tool runs")


def _dropped(result: Mapped, slo: Any, at: Path) -> None:
    if slo.get("alerting"):
        result.note(at + ("alerting",), "Sloth's alerting (the page and ticket alerts on "
                    "multiwindow, multi-burn-rate windows) is not converted: OpenSLO v1 writes "
                    "alerts as AlertPolicy documents")
    if slo.get("plugins"):
        result.note(at + ("plugins",), _PLUGINS_DROPPED)


def _service(service: str, base: Path) -> Mapped:
    result = new("Service", object_name(service), base + ("service",))
    named(result, service, base + ("service",))
    return result


def _label(value: Any) -> Any:
    """A label value as Sloth reads it: a number or a boolean is its text (``true``, ``0.2``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, (float, Decimal)):
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
        return format(exact.normalize(), "f")
    return value
