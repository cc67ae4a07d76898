"""Build ``schemas/formats.schema.json``, the schemas of the formats slopolicy maps into OpenSLO v1.

Sloth and Pyrra publish their formats as Kubernetes CRDs: their schemas are
built from the CRDs copied next to this script (``sloth/``, ``pyrra/``), each
object closed to unknown keys as ``kubectl``'s strict field validation does.
Sloth's own ``prometheus/v1`` format is the CRD's ``spec`` with the spellings
of its Go JSON tags (``error_query`` for ``errorQuery``). Nobl9 and OpenSLO's
v1alpha and v2alpha publish Go types only (nobl9-go, the OpenSLO Go SDK):
their schemas are written here from those types. A test keeps the committed
file equal to what this script builds.

    python tests/formats/build_schemas.py
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent.parent / "schemas" / "formats.schema.json"

# prometheus/v1 spells these keys as its Go JSON tags do; the CRD as camelCase
SLOTH_PLAIN_KEYS = {
    "errorQuery": "error_query", "totalQuery": "total_query",
    "errorRatioQuery": "error_ratio_query", "pageAlert": "page_alert",
    "ticketAlert": "ticket_alert", "sloPlugins": "slo_plugins",
}
_DROPPED = ("format", "default", "x-kubernetes-preserve-unknown-fields")


def crd_version(path: Path) -> dict[str, Any]:
    crd = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    version: dict[str, Any] = crd["spec"]["versions"][0]
    return version["schema"]["openAPIV3Schema"]


def closed(node: Any) -> Any:
    """An openAPIV3Schema node as JSON Schema, objects closed to keys they do not list."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: closed(sub) for name, sub in value.items()}
        else:
            out[key] = closed(value)
    if ("properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def renamed(node: Any, names: dict[str, str]) -> Any:
    """``node`` with property names (and ``required`` entries) renamed."""
    if isinstance(node, list):
        return [renamed(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {names.get(k, k): renamed(v, names) for k, v in value.items()}
        elif key == "required":
            out[key] = [names.get(k, k) for k in value]
        else:
            out[key] = renamed(value, names)
    return out


def kubernetes(schema: dict[str, Any], api_version: str, kind: str, title: str) -> dict[str, Any]:
    """A CRD's object schema, with its apiVersion, kind and metadata as a manifest has them."""
    out = closed(schema)
    out["title"] = title
    out["properties"]["apiVersion"] = {"const": api_version, "description": f"{api_version}."}
    out["properties"]["kind"] = {"const": kind, "description": f"{kind}."}
    out["properties"]["metadata"] = {"$ref": "#/$defs/kubernetesMetadata"}
    out["required"] = ["apiVersion", "kind", "metadata", "spec"]
    out["additionalProperties"] = False
    return out


def scalar_values(node: Any) -> Any:
    """``node`` with each map of text (labels, annotations, plugin options) taking any scalar.

    Sloth reads ``prometheus/v1`` with Kubernetes' YAML reader, which turns a
    number or a boolean bound for text into its text (``generated: true`` is
    the label ``"true"``), as Sloth's own VictoriaMetrics example relies on.
    """
    if isinstance(node, list):
        return [scalar_values(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("additionalProperties") == {"type": "string"}:
        node = {**node, "additionalProperties": {"type": ["string", "number", "boolean"]}}
    return {key: scalar_values(value) for key, value in node.items()}


def sloth_plain(crd: dict[str, Any]) -> dict[str, Any]:
    spec = scalar_values(renamed(closed(crd["properties"]["spec"]), SLOTH_PLAIN_KEYS))
    spec["title"] = "Sloth prometheus/v1: a service and its SLOs, for Prometheus."
    spec["properties"] = {"version": {"const": "prometheus/v1", "description":
                                      "Version of the spec: prometheus/v1."}, **spec["properties"]}
    spec["required"] = ["version", "service", "slos"]
    return sloth_checks(spec, SLOTH_PLAIN_KEYS)


# What Sloth refuses before it generates a rule, though its CRD lets it through
# (sloth validate and sloth generate, for both forms): its own names, an
# objective in (0, 100], exactly one kind of SLI, queries that Sloth can fill
# with each window, and a name for alerts that are not both disabled.
SLOTH_NAME = {"pattern": "^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$",
              "errorMessage": "not a Sloth name: letters, digits, '-', '_' and '.', starting "
                              "and ending with a letter or digit (at least 2 characters)"}
SLOTH_OBJECTIVE = {"exclusiveMinimum": 0, "maximum": 100,
                   "errorMessage": "expected a percentage in (0, 100], e.g. 99.9"}
SLOTH_SLI = {"minProperties": 1, "maxProperties": 1,
             "errorMessage": "an SLI is exactly one of events, raw or plugin"}
SLOTH_QUERY = {"pattern": "\\{\\{ *\\.window *\\}\\}",
               "errorMessage": "a Sloth query needs {{ .window }}, which Sloth replaces with "
                               "each window it generates a rule for"}
SLOTH_ALERT_NAME = "alerting needs a name unless both the page and the ticket alerts are disabled"


def sloth_checks(spec: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A Sloth spec's schema with the checks Sloth makes beyond its CRD."""
    def key(name: str) -> str:
        return names.get(name, name)

    also(spec["properties"]["service"], SLOTH_NAME)
    slo = spec["properties"]["slos"]["items"]["properties"]
    also(slo["name"], SLOTH_NAME)
    also(slo["objective"], SLOTH_OBJECTIVE)
    also(slo["sli"], SLOTH_SLI)
    sli = slo["sli"]["properties"]
    for kind, queries in (("events", ("errorQuery", "totalQuery")), ("raw", ("errorRatioQuery",))):
        for query in queries:
            also(sli[kind]["properties"][key(query)], SLOTH_QUERY)
    disabled = {"type": "object", "required": ["disable"],
                "properties": {"disable": {"const": True}}}
    slo["alerting"]["if"] = {"required": [key("pageAlert"), key("ticketAlert")], "properties": {
        key("pageAlert"): disabled, key("ticketAlert"): disabled}}
    slo["alerting"]["else"] = {
        "required": ["name"], "errorMessage": SLOTH_ALERT_NAME,
        "properties": {"name": {"minLength": 1, "errorMessage": SLOTH_ALERT_NAME}}}
    return spec


def pyrra_checks(schema: dict[str, Any]) -> dict[str, Any]:
    """Pyrra's schema with the checks its admission webhook makes beyond its CRD."""
    spec = schema["properties"]["spec"]
    also(spec["properties"]["target"], PYRRA_TARGET)
    also(spec["properties"]["window"], PROMETHEUS_DURATION)
    also(spec["properties"]["indicator"], {
        "minProperties": 1, "maxProperties": 1,
        "errorMessage": "an indicator is exactly one of ratio, latency, latencyNative or "
                        "bool_gauge"})
    also(spec["properties"]["indicator"]["properties"]["latencyNative"]["properties"][
        "latency"], PROMETHEUS_DURATION)
    return schema


def also(node: dict[str, Any], check: dict[str, Any]) -> None:
    """Add ``check`` to a node apart (allOf), so its message is said of its failure only,
    and a value of the wrong type still gets the CRD's own "expected string"."""
    node.setdefault("allOf", []).append(check)


# Pyrra reads target as a number from 0 to 100 and window as a Prometheus duration
PYRRA_TARGET = {"pattern": "^[+]?(100(\\.0*)?|[0-9]{1,2}(\\.[0-9]*)?|\\.[0-9]+)$",
                "errorMessage": "not a Pyrra target: a percentage from 0 to 100 written as "
                                "text, e.g. \"99.9\""}
PROMETHEUS_DURATION = {
    "pattern": "^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?"
               "([0-9]+ms)?)$",
    "errorMessage": "not a Prometheus duration: whole numbers of y, w, d, h, m, s and ms, "
                    "largest first, e.g. 28d or 4w"}


def sloth_kubernetes(crd: dict[str, Any]) -> dict[str, Any]:
    out = kubernetes(crd, "sloth.slok.dev/v1", "PrometheusServiceLevel",
                     "Sloth sloth.slok.dev/v1 PrometheusServiceLevel (Kubernetes CRD).")
    sloth_checks(out["properties"]["spec"], {})
    return out


KUBERNETES_METADATA = {
    "type": "object",
    "description": "Kubernetes object metadata: a name, and optionally a namespace, labels and "
                   "annotations.",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

# -- Nobl9, from nobl9-go's manifest/v1alpha/slo types ------------------------------

NOBL9_SOURCES = [
    "prometheus", "datadog", "newRelic", "appDynamics", "splunk", "lightstep",
    "splunkObservability", "dynatrace", "elasticsearch", "thousandEyes", "graphite", "bigQuery",
    "opentsdb", "grafanaLoki", "cloudWatch", "pingdom", "amazonPrometheus", "redshift",
    "sumoLogic", "instana", "influxdb", "gcm", "azureMonitor", "generic", "honeycomb",
    "logicMonitor", "azurePrometheus", "coralogix", "atlas", "dash0",
]


def _object(properties: dict[str, Any], required: list[str] | None = None,
            description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = properties
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


STRING: dict[str, Any] = {"type": "string"}
NUMBER: dict[str, Any] = {"type": "number"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}

NOBL9 = {
    "n9-v1alpha-SLO": _object({
        "apiVersion": {"const": "n9/v1alpha"},
        "kind": {"const": "SLO"},
        "metadata": _object({
            "name": {"$ref": "#/$defs/name"},
            "displayName": STRING,
            "project": STRING,
            "labels": {"type": "object", "additionalProperties": {
                "type": "array", "items": STRING}},
            "annotations": {"type": "object", "additionalProperties": STRING},
        }, ["name"]),
        "spec": {"$ref": "#/$defs/n9SloSpec"},
        "status": ANY_OBJECT,
        "organization": STRING,
        "manifestSrc": STRING,
    }, ["apiVersion", "kind", "metadata", "spec"],
        "Nobl9 n9/v1alpha SLO (from nobl9-go's manifest/v1alpha/slo)."),
    "n9SloSpec": _object({
        "description": {"type": "string", "maxLength": 1050},
        "indicator": _object({
            "metricSource": _object({"name": STRING, "project": STRING,
                                     "kind": {"enum": ["Agent", "Direct"]}}, ["name"]),
            "rawMetric": {"$ref": "#/$defs/n9MetricSpec"},
        }, ["metricSource"]),
        "budgetingMethod": {"enum": ["Occurrences", "Timeslices"]},
        "objectives": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/n9Objective"}},
        "service": STRING,
        "timeWindows": {"type": "array", "minItems": 1, "maxItems": 1,
                        "items": {"$ref": "#/$defs/n9TimeWindow"}},
        "alertPolicies": {"type": "array", "items": STRING},
        "attachments": {"type": "array", "items": _object(
            {"url": STRING, "displayName": STRING}, ["url"])},
        "composite": ANY_OBJECT,
        "anomalyConfig": ANY_OBJECT,
        "createdAt": STRING,
        "createdBy": STRING,
        "tier": STRING,
    }, ["budgetingMethod", "objectives", "service", "timeWindows"]),
    "n9Objective": _object({
        "displayName": STRING,
        "value": NUMBER,
        "name": STRING,
        "target": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "timeSliceTarget": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "countMetrics": _object({
            "incremental": {"type": "boolean"},
            "good": {"$ref": "#/$defs/n9MetricSpec"},
            "bad": {"$ref": "#/$defs/n9MetricSpec"},
            "total": {"$ref": "#/$defs/n9MetricSpec"},
            "goodTotal": {"$ref": "#/$defs/n9MetricSpec"},
        }, ["incremental"]),
        "rawMetric": _object({"query": {"$ref": "#/$defs/n9MetricSpec"}}, ["query"]),
        "composite": ANY_OBJECT,
        "op": {"enum": ["lte", "gte", "lt", "gt"]},
        "primary": {"type": "boolean"},
    }, ["target"]),
    "n9MetricSpec": {
        "type": "object",
        "description": "One metric source and its query, e.g. {prometheus: {promql: ...}}.",
        "minProperties": 1, "maxProperties": 1,
        "propertyNames": {"enum": NOBL9_SOURCES},
        "additionalProperties": ANY_OBJECT,
    },
    "n9TimeWindow": _object({
        "unit": {"enum": ["Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter",
                          "Year"]},
        "count": {"type": "integer", "exclusiveMinimum": 0},
        "isRolling": {"type": "boolean"},
        "calendar": _object({"startTime": STRING, "timeZone": {"$ref": "#/$defs/timeZone"}},
                            ["startTime", "timeZone"]),
        "period": _object({"begin": STRING, "end": STRING}),
    }, ["unit", "count"]),
}

# -- OpenSLO v1alpha and v2alpha, from the OpenSLO Go SDK ----------------------------

V1ALPHA_METRIC = _object({"source": STRING, "queryType": STRING, "query": STRING},
                         ["source", "queryType", "query"])
V1ALPHA_METADATA = _object({"name": {"$ref": "#/$defs/name"}, "displayName": STRING}, ["name"])

OPENSLO_ALPHA = {
    "openslo-v1alpha-SLO": _object({
        "apiVersion": {"const": "openslo/v1alpha"},
        "kind": {"const": "SLO"},
        "metadata": {"$ref": "#/$defs/v1alphaMetadata"},
        "spec": _object({
            "timeWindows": {"type": "array", "minItems": 1, "maxItems": 1,
                            "items": {"$ref": "#/$defs/v1alphaTimeWindow"}},
            "budgetingMethod": {"enum": ["Occurrences", "Timeslices"]},
            "description": {"$ref": "#/$defs/description"},
            "indicator": _object({"thresholdMetric": {"$ref": "#/$defs/v1alphaMetric"}},
                                 ["thresholdMetric"]),
            "service": STRING,
            "objectives": {"type": "array", "minItems": 1,
                           "items": {"$ref": "#/$defs/v1alphaObjective"}},
        }, ["budgetingMethod", "service", "objectives"]),
    }, ["apiVersion", "kind", "metadata", "spec"],
        "OpenSLO openslo/v1alpha SLO (from the OpenSLO Go SDK's pkg/openslo/v1alpha). A window "
        "may omit both isRolling and calendar, as Sloth writes it (read as rolling); an "
        "objective may omit value, and the SLO timeWindows, as Sloth reads them (its default "
        "period, 30 days, is assumed)."),
    "openslo-v1alpha-Service": _object({
        "apiVersion": {"const": "openslo/v1alpha"},
        "kind": {"const": "Service"},
        "metadata": {"$ref": "#/$defs/v1alphaMetadata"},
        "spec": _object({"description": {"$ref": "#/$defs/description"}}),
    }, ["apiVersion", "kind", "metadata"], "OpenSLO openslo/v1alpha Service."),
    "v1alphaMetadata": V1ALPHA_METADATA,
    "v1alphaMetric": V1ALPHA_METRIC,
    "v1alphaTimeWindow": _object({
        "unit": {"enum": ["Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter",
                          "Year"]},
        "count": {"type": "integer", "exclusiveMinimum": 0},
        "isRolling": {"type": "boolean"},
        "calendar": {"$ref": "#/$defs/sloCalendar"},
    }, ["unit", "count"]),
    "v1alphaObjective": _object({
        "displayName": {"$ref": "#/$defs/description"},
        "value": NUMBER,
        "ratioMetrics": _object({"good": {"$ref": "#/$defs/v1alphaMetric"},
                                 "total": {"$ref": "#/$defs/v1alphaMetric"},
                                 "incremental": {"type": "boolean"}}, ["good", "total"]),
        "target": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "timeSliceTarget": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "op": {"$ref": "#/$defs/operator"},
    }, ["target"]),
    "openslo.com-v2alpha-SLO": _object({
        "apiVersion": {"const": "openslo.com/v2alpha"},
        "kind": {"const": "SLO"},
        "metadata": {"$ref": "#/$defs/v2alphaMetadata"},
        "spec": _object({
            "description": {"$ref": "#/$defs/description"},
            "serviceRef": STRING,
            "service": STRING,
            "sli": {"$ref": "#/$defs/v2alphaSliInline"},
            "sliRef": {"$ref": "#/$defs/name"},
            "budgetingMethod": {"$ref": "#/$defs/budgetingMethod"},
            "timeWindow": {"type": "array", "minItems": 1, "maxItems": 1,
                           "items": {"$ref": "#/$defs/v2alphaTimeWindow"}},
            "objectives": {"type": "array", "minItems": 1,
                           "items": {"$ref": "#/$defs/v2alphaObjective"}},
            "alertPolicies": {"type": "array"},
        }, ["budgetingMethod", "objectives"]),
    }, ["apiVersion", "kind", "metadata", "spec"],
        "OpenSLO openslo.com/v2alpha SLO (from the OpenSLO Go SDK's pkg/openslo/v2alpha and "
        "the specification's enhancements/v2alpha.md, which calls serviceRef service)."),
    "openslo.com-v2alpha-SLI": _object({
        "apiVersion": {"const": "openslo.com/v2alpha"},
        "kind": {"const": "SLI"},
        "metadata": {"$ref": "#/$defs/v2alphaMetadata"},
        "spec": {"$ref": "#/$defs/v2alphaSliSpec"},
    }, ["apiVersion", "kind", "metadata", "spec"], "OpenSLO openslo.com/v2alpha SLI."),
    "openslo.com-v2alpha-Service": _object({
        "apiVersion": {"const": "openslo.com/v2alpha"},
        "kind": {"const": "Service"},
        "metadata": {"$ref": "#/$defs/v2alphaMetadata"},
        "spec": _object({"description": {"$ref": "#/$defs/description"}}),
    }, ["apiVersion", "kind", "metadata"], "OpenSLO openslo.com/v2alpha Service."),
    "openslo.com-v2alpha-DataSource": _object({
        "apiVersion": {"const": "openslo.com/v2alpha"},
        "kind": {"const": "DataSource"},
        "metadata": {"$ref": "#/$defs/v2alphaMetadata"},
        "spec": {"$ref": "#/$defs/v2alphaDataSourceSpec"},
    }, ["apiVersion", "kind", "metadata", "spec"], "OpenSLO openslo.com/v2alpha DataSource."),
    "v2alphaMetadata": _object({"name": {"$ref": "#/$defs/name"},
                                "labels": {"$ref": "#/$defs/labels"},
                                "annotations": {"$ref": "#/$defs/annotations"}}, ["name"]),
    "v2alphaDataSourceSpec": _object({"description": {"$ref": "#/$defs/description"},
                                      "type": {"type": "string", "minLength": 1},
                                      "connectionDetails": {}}, ["type"]),
    "v2alphaMetric": _object({"dataSourceRef": {"$ref": "#/$defs/name"},
                              "dataSourceSpec": {"$ref": "#/$defs/v2alphaDataSourceSpec"},
                              "spec": ANY_OBJECT}),
    "v2alphaSliSpec": _object({
        "description": {"$ref": "#/$defs/description"},
        "thresholdMetric": {"$ref": "#/$defs/v2alphaMetric"},
        "ratioMetric": _object({
            "counter": {"type": "boolean"},
            "good": {"$ref": "#/$defs/v2alphaMetric"},
            "bad": {"$ref": "#/$defs/v2alphaMetric"},
            "total": {"$ref": "#/$defs/v2alphaMetric"},
            "rawType": {"enum": ["success", "failure"]},
            "raw": {"$ref": "#/$defs/v2alphaMetric"},
        }),
    }),
    "v2alphaSliInline": _object({"metadata": {"$ref": "#/$defs/v2alphaMetadata"},
                                 "spec": {"$ref": "#/$defs/v2alphaSliSpec"}},
                                ["metadata", "spec"]),
    "v2alphaTimeWindow": _object({
        "duration": {"type": "string", "pattern": "^[1-9][0-9]*[mhdw]$",
                     "errorMessage": "expected a duration shorthand of v2alpha: a positive "
                                     "integer and one of m (minutes), h, d, w"},
        "isRolling": {"type": "boolean"},
        "calendar": {"$ref": "#/$defs/sloCalendar"},
    }, ["duration"]),
    "v2alphaObjective": _object({
        "displayName": STRING,
        "labels": {"$ref": "#/$defs/labels"},
        "op": {"$ref": "#/$defs/operator"},
        "value": NUMBER,
        "target": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "targetPercent": {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
        "timeSliceTarget": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "timeSliceWindow": {"type": ["string", "number"]},
        "sli": {"$ref": "#/$defs/v2alphaSliInline"},
        "sliRef": {"$ref": "#/$defs/name"},
        "compositeWeight": {"type": "number", "exclusiveMinimum": 0},
    }),
}


def _when_method(method: str, required: list[str]) -> dict[str, Any]:
    """With ``budgetingMethod: method``, every objective needs ``required``."""
    return {"if": {"required": ["budgetingMethod"],
                   "properties": {"budgetingMethod": {"const": method}}},
            "then": {"properties": {"objectives": {"items": {"required": required}}}}}


_NOT_WITH_RATIO = "only with a threshold metric: a ratio SLI has no {key}"
# v2alpha forbids op and value on the objectives of an SLO whose inline SLI is a ratio
V2ALPHA_RATIO = {
    "if": {"required": ["sli"], "properties": {"sli": {"properties": {
        "spec": {"required": ["ratioMetric"]}}}}},
    "then": {"properties": {"objectives": {"items": {"properties": {
        key: {"not": {}, "errorMessage": _NOT_WITH_RATIO.format(key=key)}
        for key in ("op", "value")}}}}},
}
OPENSLO_ALPHA["openslo-v1alpha-SLO"]["properties"]["spec"]["allOf"] = [
    _when_method("Timeslices", ["timeSliceTarget"])]
OPENSLO_ALPHA["openslo.com-v2alpha-SLO"]["properties"]["spec"]["allOf"] = [
    _when_method("Timeslices", ["timeSliceTarget", "timeSliceWindow"]),
    _when_method("RatioTimeslices", ["timeSliceWindow"]),
    V2ALPHA_RATIO,
]
NOBL9["n9SloSpec"]["allOf"] = [_when_method("Timeslices", ["timeSliceTarget"])]


def build() -> dict[str, Any]:
    sloth = crd_version(HERE / "sloth" / "sloth.slok.dev_prometheusservicelevels.yaml")
    pyrra = crd_version(HERE / "pyrra" / "pyrra.dev_servicelevelobjectives.yaml")
    defs: dict[str, Any] = {
        "prometheus-v1-PrometheusServiceLevel": sloth_plain(sloth),
        "sloth.slok.dev-v1-PrometheusServiceLevel": sloth_kubernetes(sloth),
        "pyrra.dev-v1alpha1-ServiceLevelObjective": pyrra_checks(kubernetes(
            pyrra, "pyrra.dev/v1alpha1", "ServiceLevelObjective",
            "Pyrra pyrra.dev/v1alpha1 ServiceLevelObjective (Kubernetes CRD).")),
        **NOBL9,
        **OPENSLO_ALPHA,
        "kubernetesMetadata": KUBERNETES_METADATA,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://slopolicy.dev/schemas/formats.schema.json",
        "title": "SLO formats slopolicy maps into OpenSLO v1",
        "description": "Sloth (prometheus/v1, sloth.slok.dev/v1), Pyrra (pyrra.dev/v1alpha1), "
                       "Nobl9 (n9/v1alpha) and OpenSLO v1alpha and v2alpha. References to "
                       "other definitions (name, labels, timeZone, ...) are to "
                       "slopolicy.schema.json's.",
        "$defs": defs,
    }


def text() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(text(), encoding="utf-8")
