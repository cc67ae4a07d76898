"""The published JSON Schemas, at the jsonschema level.

Documents are loaded as slopolicy loads them (YAML floats as Decimal,
timestamps as their source text) and validated both the way the runtime does,
one validator per kind built from the bundle's ``$defs``, and against the
whole bundle, as ``check-jsonschema --schemafile`` and editors use it.
Every negative case names the path and the keyword of the error it expects.
"""

from __future__ import annotations

import copy
import decimal
import functools
import importlib.resources
import importlib.util
import json
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.nodes import ScalarNode

HERE = Path(__file__).resolve().parents[1]  # tests/
REPO = HERE.parent
SCHEMAS = REPO / "schemas"
OPENSLO = HERE / "conformance" / "openslo"
GO_SDK = OPENSLO / "go-sdk-v1-examples"
OSLO = OPENSLO / "oslo-validate" / "inputs" / "validate"
SPEC_EXAMPLES = OPENSLO / "spec-examples"

KIND_DEFS = {
    ("openslo/v1", "SLO"): "openslo-v1-SLO",
    ("openslo/v1", "SLI"): "openslo-v1-SLI",
    ("openslo/v1", "Service"): "openslo-v1-Service",
    ("openslo/v1", "DataSource"): "openslo-v1-DataSource",
    ("openslo/v1", "AlertPolicy"): "openslo-v1-AlertPolicy",
    ("openslo/v1", "AlertCondition"): "openslo-v1-AlertCondition",
    ("openslo/v1", "AlertNotificationTarget"): "openslo-v1-AlertNotificationTarget",
    ("slopolicy/v1", "SLA"): "slopolicy-v1-SLA",
    ("slopolicy/v1", "Approval"): "slopolicy-v1-Approval",
    ("slopolicy/v1", "Policy"): "slopolicy-v1-Policy",
}
DELETE = object()

Summary = list[tuple[str, str]]


# ---------------------------------------------------------------- loading


class _Constructor(SafeConstructor):
    """Loads as slopolicy does: floats are Decimal, dates and times stay text."""


def _decimal(constructor: SafeConstructor, node: ScalarNode) -> decimal.Decimal:
    return decimal.Decimal(repr(constructor.construct_yaml_float(node)))


_Constructor.add_constructor("tag:yaml.org,2002:float", _decimal)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def load_all(text: str) -> list[Any]:
    yaml = YAML(typ="safe")
    yaml.Constructor = _Constructor
    return list(yaml.load_all(text))


def load(text: str) -> Any:
    (document,) = load_all(textwrap.dedent(text))
    return document


def objects(path: Path) -> list[dict[str, Any]]:
    """Every object of a file: documents, and the items of a list document."""
    found: list[dict[str, Any]] = []
    for document in load_all(path.read_text(encoding="utf-8")):
        found.extend(document if isinstance(document, list) else [document])
    return found


# ---------------------------------------------------------------- validating

BUNDLE: dict[str, Any] = json.loads((SCHEMAS / "slopolicy.schema.json").read_text(encoding="utf-8"))
CONFIG: dict[str, Any] = json.loads((SCHEMAS / "config.schema.json").read_text(encoding="utf-8"))
FORMATS = Draft202012Validator.FORMAT_CHECKER
BUNDLE_VALIDATOR = Draft202012Validator(BUNDLE, format_checker=FORMATS)
CONFIG_VALIDATOR = Draft202012Validator(CONFIG, format_checker=FORMATS)


@functools.cache
def kind_validator(def_name: str) -> Draft202012Validator:
    """A validator for one kind, built as the runtime builds it."""
    schema = {"$ref": f"#/$defs/{def_name}", "$defs": BUNDLE["$defs"]}
    return Draft202012Validator(schema, format_checker=FORMATS)


def where(error: ValidationError) -> str:
    """The error's path as reports show it: spec.objectives[0].target."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def summary(errors: Iterator[ValidationError]) -> Summary:
    return sorted((where(error), str(error.validator)) for error in errors)


def check(document: dict[str, Any]) -> Summary:
    """(path, keyword) of every error; the kind validator and the bundle agree."""
    def_name = KIND_DEFS[(document["apiVersion"], document["kind"])]
    by_kind = summary(kind_validator(def_name).iter_errors(document))
    assert summary(BUNDLE_VALIDATOR.iter_errors(document)) == by_kind
    return by_kind


def check_config(config: Any) -> Summary:
    return summary(CONFIG_VALIDATOR.iter_errors(config))


def patched(document: Any, changes: dict[str, Any]) -> Any:
    """A copy of document with each dotted path set to a value (or DELETE)."""
    out = copy.deepcopy(document)
    for path, value in changes.items():
        keys: list[str | int] = [
            int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)
        ]
        parent = out
        for key in keys[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[keys[-1]]
        else:
            parent[keys[-1]] = copy.deepcopy(value)
    return out


def case(name: str, *values: Any) -> Any:
    """One parametrized case, named first so a table reads like a list of behaviours."""
    return pytest.param(*values, id=name)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# ---------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("schema", [BUNDLE, CONFIG], ids=["bundle", "config"])
def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_ids() -> None:
    assert BUNDLE["$id"] == "https://slopolicy.dev/schemas/slopolicy.schema.json"
    assert CONFIG["$id"] == "https://slopolicy.dev/schemas/config.schema.json"


def test_bundle_defines_every_kind() -> None:
    assert set(KIND_DEFS.values()) <= set(BUNDLE["$defs"])
    kinds = [name for name in BUNDLE["$defs"] if re.match(r"(openslo|slopolicy)-v1-[A-Z]", name)]
    assert sorted(kinds) == sorted(KIND_DEFS.values())


def test_defs_refer_only_to_defs() -> None:
    """A kind validator is the bundle's $defs and one $ref: no other refs may exist."""
    for node in walk(BUNDLE["$defs"]):
        if "$ref" in node:
            target = node["$ref"]
            assert target.startswith("#/$defs/"), target
            assert target.removeprefix("#/$defs/") in BUNDLE["$defs"], target


def _undocumented(schema: Any, defs: dict[str, Any], where: str) -> Iterator[str]:
    """Paths of properties without a description of their own or of their $ref."""
    if not isinstance(schema, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        target = (
            defs.get(sub.get("$ref", "").removeprefix("#/$defs/"), {})
            if isinstance(sub, dict)
            else {}
        )
        if not (isinstance(sub, dict) and (sub.get("description") or target.get("description"))):
            yield f"{where}.{key}"
        yield from _undocumented(sub, defs, f"{where}.{key}")
    for keyword in ("items", "additionalProperties"):
        yield from _undocumented(schema.get(keyword), defs, f"{where}[{keyword}]")


@pytest.mark.parametrize("schema", [BUNDLE, CONFIG], ids=["bundle", "config"])
def test_every_property_has_a_description(schema: dict[str, Any]) -> None:
    """Editors show descriptions on hover: they are the user documentation."""
    defs = schema["$defs"]
    undocumented = list(_undocumented(schema, defs, "#"))
    for name, definition in defs.items():
        assert definition.get("description") or definition.get("title"), name
        undocumented.extend(_undocumented(definition, defs, name))
    assert undocumented == []


def test_every_forbidden_property_says_why() -> None:
    forbidden = [node for node in walk(BUNDLE) if node.get("not") == {}]
    assert forbidden
    assert all(node.get("errorMessage") for node in forbidden)
    false_subschemas = [
        key
        for node in walk(BUNDLE)
        for key, value in node.items()
        if value is False and key != "additionalProperties"
    ]
    assert false_subschemas == [], (
        "jsonschema drops the property from a false subschema's error path"
    )


def _patterns() -> list[str]:
    return sorted(
        {node["pattern"] for node in walk([BUNDLE, CONFIG]) if isinstance(node.get("pattern"), str)}
    )


def test_patterns_compile_in_python() -> None:
    for pattern in _patterns():
        re.compile(pattern)
        assert "\\d" not in pattern and "\\w" not in pattern, (
            "Unicode classes differ between engines"
        )


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_patterns_compile_in_ecma_262() -> None:
    script = "for (const p of JSON.parse(process.argv[1])) new RegExp(p, 'u');"
    subprocess.run(["node", "-e", script, json.dumps(_patterns())], check=True)


# ---------------------------------------------------------------- time zones


def _tzdata_zones() -> list[str]:
    listing = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return sorted(line.strip() for line in listing.splitlines() if line.strip())


def test_time_zones_are_the_bundled_tzdata() -> None:
    enum = BUNDLE["$defs"]["timeZone"]["enum"]
    assert enum == _tzdata_zones()
    assert "America/New_York" in enum and "UTC" in enum


def _update_timezones_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "update_timezones", REPO / "scripts" / "update_timezones.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_timezones_rewrites_the_enum_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _update_timezones_module()
    published = (SCHEMAS / "slopolicy.schema.json").read_text(encoding="utf-8")
    stale = json.loads(published)
    stale["$defs"]["timeZone"]["enum"] = ["UTC"]
    target = tmp_path / "slopolicy.schema.json"
    target.write_text(json.dumps(stale, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    assert script.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == published
    assert script.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == published
    assert capsys.readouterr().out.splitlines()[-1].endswith("time zones, unchanged")


# ---------------------------------------------------------------- OpenSLO conformance

GO_SDK_OBJECTS = [
    (f"{path.name}[{index}]", obj)
    for path in sorted(GO_SDK.glob("*.yaml"))
    for index, obj in enumerate(objects(path))
]
GO_SDK_RATIO_WITH_OP = "slos.yaml[0]"


@pytest.mark.parametrize(
    "obj", [obj for _, obj in GO_SDK_OBJECTS], ids=[label for label, _ in GO_SDK_OBJECTS]
)
def test_go_sdk_example_is_valid(obj: dict[str, Any]) -> None:
    assert check(obj) == []


def test_go_sdk_examples_cover_every_openslo_kind() -> None:
    kinds = {obj["kind"] for _, obj in GO_SDK_OBJECTS}
    assert kinds == {kind for family, kind in KIND_DEFS if family == "openslo/v1"}


def test_go_sdk_op_on_a_ratio_sli_is_valid_openslo() -> None:
    """The Go SDK rejects this example ("property is forbidden"); the OpenSLO v1 spec allows
    op on a ratio SLI ("only needed" with a threshold one), so the schema does too and the
    openslo-portability rule warns."""
    (obj,) = [obj for label, obj in GO_SDK_OBJECTS if label == GO_SDK_RATIO_WITH_OP]
    assert "ratioMetric" in obj["spec"]["indicator"]["spec"]
    assert obj["spec"]["objectives"][0]["op"] == "gt"
    assert check(obj) == []


def test_bundle_validates_a_go_sdk_list_file_item_by_item() -> None:
    """The SDK writes a YAML list; editors and check-jsonschema see the whole list."""
    (document,) = load_all((GO_SDK / "slos.yaml").read_text(encoding="utf-8"))
    assert BUNDLE_VALIDATOR.is_valid(document)
    document[0]["spec"]["objectives"][0]["op"] = "greater"
    assert summary(BUNDLE_VALIDATOR.iter_errors(document)) == [("[0].spec.objectives[0].op", "enum")]
    (services,) = load_all((GO_SDK / "services.yaml").read_text(encoding="utf-8"))
    assert BUNDLE_VALIDATOR.is_valid(services)


def test_oslo_v1_accepts_america_new_york_and_op_on_a_ratio_sli() -> None:
    """oslo reports America/New_York only because its host lacked tzdata, and op on a ratio
    SLI because the Go SDK forbids what the spec allows (openslo-portability warns)."""
    slo, _, _ = objects(OSLO / "v1.yaml")
    assert slo["spec"]["timeWindow"][0]["calendar"]["timeZone"] == "America/New_York"
    assert slo["spec"]["objectives"][0]["op"] == "gt"
    assert check(slo) == []


def test_oslo_v1_service_names() -> None:
    _, good, bad = objects(OSLO / "v1.yaml")
    assert check(good) == []
    assert bad["metadata"]["name"] == "example service"
    assert check(bad) == [("metadata.name", "pattern")]


def test_oslo_unknown_field_is_rejected_at_spec_markdown() -> None:
    (obj,) = objects(OSLO / "unknown-field.yaml")
    assert check(obj) == [("metadata.name", "pattern"), ("spec", "additionalProperties")]
    (error,) = [
        e for e in kind_validator("openslo-v1-Service").iter_errors(obj) if where(e) == "spec"
    ]
    assert "'markdown' was unexpected" in error.message


@pytest.mark.parametrize(
    "path", ["mix/1.yaml", "mix/3.yaml", "v1alpha.yaml", "v2alpha.yaml", "invalid-apiversion.yaml"]
)
def test_bundle_leaves_other_api_versions_alone(path: str) -> None:
    """Documents of other apiVersions are the unknown-kind rule's business."""
    for obj in objects(OSLO / path):
        assert (obj["apiVersion"], obj["kind"]) not in KIND_DEFS
        assert BUNDLE_VALIDATOR.is_valid(obj)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("budgeting-method/occurences-slo.yaml", []),
        # op on a ratio SLI, as the spec's own examples write it: valid (openslo-portability warns)
        ("budgeting-method/ratio-timeslices.yaml", []),
        # duration: 1m ("Contracts often are for 1 month") is legal: a rule flags it, not the schema
        ("budgeting-method/timeslices-slo.yaml", []),
        ("treat-low-traffic-as-equally-important/timeslices-slo.yaml", []),
    ],
)
def test_spec_examples(path: str, expected: Summary) -> None:
    (obj,) = objects(SPEC_EXAMPLES / path)
    assert check(obj) == expected


# ---------------------------------------------------------------- OpenSLO cross-field rules

SLO = load(
    """
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: public-api-availability
      labels: {team: [api, sre], tier: gold}
      annotations: {slopolicy/indicator: availability}
    spec:
      service: public-api
      indicator:
        metadata: {name: public-api-success}
        spec:
          ratioMetric:
            counter: true
            good: {metricSource: {metricSourceRef: prometheus, spec: {query: sum(ok)}}}
            total: {metricSource: {type: Prometheus, spec: {query: sum(all)}}}
      timeWindow:
        - duration: 1M
          isRolling: false
          calendar: {startTime: "2025-01-01 00:00:00", timeZone: America/New_York}
      budgetingMethod: Timeslices
      objectives:
        - displayName: internal
          target: 0.9995
          timeSliceTarget: 0.95
          timeSliceWindow: 1m
      alertPolicies:
        - alertPolicyRef: page-on-burn
    """
)
THRESHOLD_SLI = {
    "thresholdMetric": {"metricSource": {"type": "Prometheus", "spec": {"query": "p95"}}}
}


def test_slo_base_is_valid() -> None:
    assert check(SLO) == []


@pytest.mark.parametrize(
    "changes",
    [
        case("rolling window", {"spec.timeWindow[0]": {"duration": "28d", "isRolling": True}}),
        case(
            "RatioTimeslices, window in minutes",
            {
                "spec.budgetingMethod": "RatioTimeslices",
                "spec.objectives[0].timeSliceTarget": DELETE,
                "spec.objectives[0].timeSliceWindow": 5,
            },
        ),
        case(
            "Occurrences without a time window",
            {
                "spec.budgetingMethod": "Occurrences",
                "spec.objectives[0].timeSliceTarget": DELETE,
                "spec.objectives[0].timeSliceWindow": DELETE,
                "spec.timeWindow": DELETE,
            },
        ),
        case(
            "targetPercent",
            {"spec.objectives[0].target": DELETE, "spec.objectives[0].targetPercent": 99.95},
        ),
        case(
            "thresholdMetric with op and value",
            {
                "spec.indicator.spec": THRESHOLD_SLI,
                "spec.objectives[0].op": "lt",
                "spec.objectives[0].value": 300,
            },
        ),
        case("indicatorRef", {"spec.indicator": DELETE, "spec.indicatorRef": "public-api-success"}),
        case(
            "composite",
            {
                "spec.indicator": DELETE,
                "spec.objectives": [
                    {
                        "target": 0.999,
                        "timeSliceTarget": 0.9,
                        "timeSliceWindow": "1m",
                        "indicatorRef": "a",
                    },
                    {
                        "target": 0.99,
                        "timeSliceTarget": 0.9,
                        "timeSliceWindow": "1m",
                        "compositeWeight": 0.5,
                        "indicator": {"metadata": {"name": "b"}, "spec": THRESHOLD_SLI},
                        "op": "lt",
                        "value": 2,
                    },
                ],
            },
        ),
        case(
            "inline alert policy",
            {
                "spec.alertPolicies": [
                    {
                        "kind": "AlertPolicy",
                        "metadata": {"name": "inline"},
                        "spec": {
                            "conditions": [{"conditionRef": "burn"}],
                            "notificationTargets": [{"targetRef": "pager"}],
                        },
                    }
                ]
            },
        ),
        case("empty alertPolicies", {"spec.alertPolicies": None}),
        # the spec allows op and value on a ratio SLI ("only needed" with a threshold SLI);
        # the Go SDK refuses them, which openslo-portability warns about
        case("op on a ratio SLI", {"spec.objectives[0].op": "gt"}),
        case(
            "op and value on a ratio SLI",
            {"spec.objectives[0].op": "gt", "spec.objectives[0].value": 1},
        ),
    ],
)
def test_slo_variants_are_valid(changes: dict[str, Any]) -> None:
    assert check(patched(SLO, changes)) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        case(
            "target and targetPercent",
            {"spec.objectives[0].targetPercent": 99.95},
            [("spec.objectives[0].targetPercent", "not")],
        ),
        case(
            "neither target nor targetPercent",
            {"spec.objectives[0].target": DELETE},
            [("spec.objectives[0]", "required")],
        ),
        case(
            "target 1",
            {"spec.objectives[0].target": 1},
            [("spec.objectives[0].target", "exclusiveMaximum")],
        ),
        case(
            "Timeslices without timeSliceTarget",
            {"spec.objectives[0].timeSliceTarget": DELETE},
            [("spec.objectives[0]", "required")],
        ),
        case(
            "RatioTimeslices without timeSliceWindow",
            {
                "spec.budgetingMethod": "RatioTimeslices",
                "spec.objectives[0].timeSliceWindow": DELETE,
            },
            [("spec.objectives[0]", "required")],
        ),
        case(
            "budgetingMethod misspelt",
            {"spec.budgetingMethod": "Ocurrences"},
            [("spec.budgetingMethod", "enum")],
        ),
        case(
            "rolling with calendar",
            {"spec.timeWindow[0].isRolling": True},
            [("spec.timeWindow[0].calendar", "not")],
        ),
        case(
            "calendar window without calendar",
            {"spec.timeWindow[0].calendar": DELETE},
            [("spec.timeWindow[0]", "required")],
        ),
        case(
            "two time windows",
            {"spec.timeWindow": [{"duration": "1d", "isRolling": True}] * 2},
            [("spec.timeWindow", "maxItems")],
        ),
        case(
            "duration not shorthand",
            {"spec.timeWindow[0].duration": "1 month"},
            [("spec.timeWindow[0].duration", "pattern")],
        ),
        case(
            "zero duration",
            {"spec.timeWindow[0].duration": "0d"},
            [("spec.timeWindow[0].duration", "pattern")],
        ),
        case(
            "unknown time zone",
            {"spec.timeWindow[0].calendar.timeZone": "Mars/Olympus"},
            [("spec.timeWindow[0].calendar.timeZone", "enum")],
        ),
        case(
            "startTime with zone",
            {"spec.timeWindow[0].calendar.startTime": "2025-01-01T00:00:00Z"},
            [("spec.timeWindow[0].calendar.startTime", "pattern")],
        ),
        case(
            "threshold SLI without op",
            {"spec.indicator.spec": THRESHOLD_SLI, "spec.objectives[0].value": 300},
            [("spec.objectives[0]", "required")],
        ),
        case(
            "op not an operator",
            {
                "spec.indicator.spec": THRESHOLD_SLI,
                "spec.objectives[0].op": "le",
                "spec.objectives[0].value": 300,
            },
            [("spec.objectives[0].op", "enum")],
        ),
        case(
            "threshold SLI with two objectives",
            {
                "spec.indicator.spec": THRESHOLD_SLI,
                "spec.objectives": [
                    {
                        "op": "lt",
                        "value": 1,
                        "target": 0.9,
                        "timeSliceTarget": 0.9,
                        "timeSliceWindow": "1m",
                    }
                ]
                * 2,
            },
            [("spec.objectives", "maxItems")],
        ),
        case(
            "indicator and indicatorRef",
            {"spec.indicatorRef": "public-api-success"},
            [("spec.indicatorRef", "not")],
        ),
        case("no SLI at all", {"spec.indicator": DELETE}, [("spec", "anyOf")]),
        case(
            "objective SLI in a standard SLO",
            {"spec.objectives[0].indicatorRef": "other"},
            [("spec.objectives[0].indicatorRef", "not")],
        ),
        case(
            "composite objective without SLI",
            {
                "spec.indicator": DELETE,
                "spec.objectives": [
                    {
                        "target": 0.9,
                        "timeSliceTarget": 0.9,
                        "timeSliceWindow": "1m",
                        "indicatorRef": "a",
                    },
                    {"target": 0.9, "timeSliceTarget": 0.9, "timeSliceWindow": "1m"},
                ],
            },
            [("spec.objectives[1]", "required")],
        ),
        case(
            "compositeWeight 0",
            {"spec.objectives[0].compositeWeight": 0},
            [("spec.objectives[0].compositeWeight", "exclusiveMinimum")],
        ),
        case(
            "good and bad",
            {
                "spec.indicator.spec.ratioMetric.bad": {
                    "metricSource": {"type": "P", "spec": {"q": "x"}}
                }
            },
            [("spec.indicator.spec.ratioMetric.good", "not")],
        ),
        case(
            "ratio without total",
            {"spec.indicator.spec.ratioMetric.total": DELETE},
            [("spec.indicator.spec.ratioMetric", "required")],
        ),
        case(
            "raw without rawType",
            {
                "spec.indicator.spec.ratioMetric": {
                    "raw": {"metricSource": {"type": "P", "spec": {"q": "x"}}}
                }
            },
            [("spec.indicator.spec.ratioMetric", "required")],
        ),
        case(
            "rawType with good",
            {"spec.indicator.spec.ratioMetric.rawType": "success"},
            [("spec.indicator.spec.ratioMetric.rawType", "not")],
        ),
        case(
            "threshold and ratio metric",
            {"spec.indicator.spec.thresholdMetric": THRESHOLD_SLI["thresholdMetric"]},
            [("spec.indicator.spec.ratioMetric", "not")],
        ),
        case(
            "metricSource without type or ref",
            {"spec.indicator.spec.ratioMetric.total.metricSource.type": DELETE},
            [("spec.indicator.spec.ratioMetric.total.metricSource", "required")],
        ),
        case(
            "empty metricSource spec",
            {"spec.indicator.spec.ratioMetric.good.metricSource.spec": {}},
            [("spec.indicator.spec.ratioMetric.good.metricSource.spec", "minProperties")],
        ),
        case(
            "alert policy by ref and inline",
            {"spec.alertPolicies[0].kind": "AlertPolicy"},
            [("spec.alertPolicies[0].kind", "not")],
        ),
        case(
            "name of 64 characters", {"metadata.name": "x" * 64}, [("metadata.name", "maxLength")]
        ),
        case("name with capitals", {"metadata.name": "Public-API"}, [("metadata.name", "pattern")]),
        case(
            "unknown metadata",
            {"metadata.namespace": "default"},
            [("metadata", "additionalProperties")],
        ),
        case("label value number", {"metadata.labels.team": 3}, [("metadata.labels.team", "type")]),
        case(
            "label list with number",
            {"metadata.labels.team": ["api", 3]},
            [("metadata.labels.team[1]", "type")],
        ),
        case("label key", {"metadata.labels.-team": "api"}, [("metadata.labels", "pattern")]),
        case(
            "annotation value list",
            {"metadata.annotations.slopolicy/indicator": ["latency"]},
            [("metadata.annotations.slopolicy/indicator", "type")],
        ),
        case(
            "annotation prefix",
            {"metadata.annotations.Bad_Prefix/x": "y"},
            [("metadata.annotations", "pattern")],
        ),
        case(
            "description 1051",
            {"spec.description": "x" * 1051},
            [("spec.description", "maxLength")],
        ),
        case("no service", {"spec.service": DELETE}, [("spec", "required")]),
        case("no objectives", {"spec.objectives": []}, [("spec.objectives", "minItems")]),
        case("wrong apiVersion", {"apiVersion": "openslo/v2"}, [("apiVersion", "const")]),
    ],
)
def test_slo_errors(changes: dict[str, Any], expected: Summary) -> None:
    document = patched(SLO, changes)
    if document["apiVersion"] != "openslo/v1":
        assert summary(kind_validator("openslo-v1-SLO").iter_errors(document)) == expected
    else:
        assert check(document) == expected


ALERT_POLICY = {
    "apiVersion": "openslo/v1",
    "kind": "AlertPolicy",
    "metadata": {"name": "page-on-burn"},
    "spec": {
        "alertWhenBreaching": True,
        "conditions": [
            {
                "kind": "AlertCondition",
                "metadata": {"name": "fast-burn"},
                "spec": {
                    "severity": "page",
                    "condition": {
                        "kind": "burnrate",
                        "op": "gte",
                        "threshold": 14.4,
                        "lookbackWindow": "1h",
                        "alertAfter": "0m",
                    },
                },
            },
        ],
        "notificationTargets": [{"targetRef": "pager"}],
    },
}


@pytest.mark.parametrize(
    "changes, expected",
    [
        case("valid", {}, []),
        case(
            "two conditions",
            {"spec.conditions": [{"conditionRef": "a"}, {"conditionRef": "b"}]},
            [("spec.conditions", "maxItems")],
        ),
        case(
            "no targets",
            {"spec.notificationTargets": []},
            [("spec.notificationTargets", "minItems")],
        ),
        case(
            "condition without op",
            {"spec.conditions[0].spec.condition.op": DELETE},
            [("spec.conditions[0].spec.condition", "required")],
        ),
        case(
            "condition kind",
            {"spec.conditions[0].spec.condition.kind": "errors"},
            [("spec.conditions[0].spec.condition.kind", "enum")],
        ),
        case(
            "lookbackWindow",
            {"spec.conditions[0].spec.condition.lookbackWindow": "1 hour"},
            [("spec.conditions[0].spec.condition.lookbackWindow", "pattern")],
        ),
        case(
            "inline condition without kind",
            {"spec.conditions[0].kind": DELETE},
            [("spec.conditions[0]", "required")],
        ),
        case(
            "targetRef not a name",
            {"spec.notificationTargets[0].targetRef": "Pager Duty"},
            [("spec.notificationTargets[0].targetRef", "pattern")],
        ),
        case(
            "boolean as string", {"spec.alertWhenNoData": "yes"}, [("spec.alertWhenNoData", "type")]
        ),
    ],
)
def test_alert_policy(changes: dict[str, Any], expected: Summary) -> None:
    assert check(patched(ALERT_POLICY, changes)) == expected


@pytest.mark.parametrize(
    "document, expected",
    [
        case(
            "Service without spec",
            {"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "web"}},
            [],
        ),
        # the spec does not require connectionDetails (the Go SDK does: openslo-portability)
        case(
            "DataSource without connectionDetails",
            {
                "apiVersion": "openslo/v1",
                "kind": "DataSource",
                "metadata": {"name": "prom"},
                "spec": {"type": "Prometheus"},
            },
            [],
        ),
        case(
            "DataSource without type",
            {
                "apiVersion": "openslo/v1",
                "kind": "DataSource",
                "metadata": {"name": "prom"},
                "spec": {"connectionDetails": {"url": "http://prometheus:9090"}},
            },
            [("spec", "required")],
        ),
        case(
            "target without target",
            {
                "apiVersion": "openslo/v1",
                "kind": "AlertNotificationTarget",
                "metadata": {"name": "pager"},
                "spec": {"description": "on call"},
            },
            [("spec", "required")],
        ),
        case(
            "SLI without metric",
            {
                "apiVersion": "openslo/v1",
                "kind": "SLI",
                "metadata": {"name": "sli"},
                "spec": {"description": "nothing"},
            },
            [("spec", "required")],
        ),
    ],
)
def test_other_openslo_kinds(document: dict[str, Any], expected: Summary) -> None:
    assert check(document) == expected


def test_bundle_rejects_an_unknown_openslo_kind() -> None:
    document = {"apiVersion": "openslo/v1", "kind": "Slo", "metadata": {"name": "x"}}
    assert summary(BUNDLE_VALIDATOR.iter_errors(document)) == [("kind", "enum")]


# ---------------------------------------------------------------- SLA

SLA = load(
    """
    apiVersion: slopolicy/v1
    kind: SLA
    metadata:
      name: globex-public-api          # RFC 1123 label, unique among SLAs
      displayName: Globex – Public API # optional
      owner: accounts@acme.example     # optional
      labels: {tier: gold}             # optional, string -> string
    spec:
      customer: globex                 # required
      contract: MSA-2024-117           # optional reference to the signed contract
      service: public-api              # required
      version: 3                       # required integer >= 1
      supersedes: 2                    # optional
      effective:
        from: 2025-01-01               # required date
        until: 2026-12-31              # optional, exclusive
      changeNoticeDays: 90             # optional
      window:
        calendar: month
        timeZone: UTC
      budgetingMethod: Timeslices
      timeSlice: {window: 1m, target: 0.95}
      objectives:
        - name: availability
          indicator: availability
          targetPercent: 99.9
          slo: public-api-availability
          objective: internal
        - name: latency-p95
          indicator: latency
          threshold: 500ms
          targetPercent: 95
      support:
        hours: 24x7
        severities:
          - {level: P1, response: 30m, resolution: 4h}
          - {level: P2, response: 2h, resolution: 1d}
      exclusions:
        - {name: scheduled-maintenance, maxPerWindow: 4h, notice: 72h}
      credits:
        - {below: 99.9, atLeast: 99.0, creditPercent: 10}
        - {below: 99.0, atLeast: 95.0, creditPercent: 25}
        - {below: 95.0, creditPercent: 100}
    """
)


def test_example_sla_is_valid() -> None:
    assert SLA["spec"]["effective"]["from"] == "2025-01-01"
    assert isinstance(SLA["spec"]["objectives"][0]["targetPercent"], decimal.Decimal)
    assert check(SLA) == []


def test_minimal_sla_is_valid() -> None:
    minimal = load(
        """
        apiVersion: slopolicy/v1
        kind: SLA
        metadata: {name: initech-billing}
        spec:
          customer: initech
          service: billing
          version: 1
          effective: {from: 2025-07-01}
          window: {rolling: 28d}
          budgetingMethod: Occurrences
          objectives:
            - {name: availability, indicator: availability, target: 0.995}
        """
    )
    assert check(minimal) == []


@pytest.mark.parametrize(
    "changes",
    [
        case("rolling 30d", {"spec.window": {"rolling": "30d"}}),
        case("rolling ISO 8601", {"spec.window": {"rolling": "P28D", "timeZone": "Europe/Warsaw"}}),
        case(
            "quarter",
            {"spec.window.calendar": "quarter", "spec.window.timeZone": "America/New_York"},
        ),
        case("Occurrences", {"spec.budgetingMethod": "Occurrences", "spec.timeSlice": DELETE}),
        case(
            "RatioTimeslices",
            {"spec.budgetingMethod": "RatioTimeslices", "spec.timeSlice": {"window": "PT5M"}},
        ),
        case(
            "target",
            {"spec.objectives[0].targetPercent": DELETE, "spec.objectives[0].target": 0.999},
        ),
        case("threshold ISO 8601", {"spec.objectives[1].threshold": "PT0.5S"}),
        case("threshold seconds", {"spec.objectives[1].threshold": "2s"}),
        case("response ISO 8601", {"spec.support.severities[0].response": "PT30M"}),
        case("business hours", {"spec.support.hours": "business"}),
        case("annotations", {"metadata.annotations": {"slopolicy/reviewed-by": "legal"}}),
        case("no notice, open-ended", {"spec.changeNoticeDays": 0, "spec.effective.until": DELETE}),
    ],
)
def test_sla_variants_are_valid(changes: dict[str, Any]) -> None:
    assert check(patched(SLA, changes)) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        case(
            "target and targetPercent",
            {"spec.objectives[0].target": 0.999},
            [("spec.objectives[0].targetPercent", "not")],
        ),
        case(
            "neither target nor targetPercent",
            {"spec.objectives[0].targetPercent": DELETE},
            [("spec.objectives[0]", "required")],
        ),
        case(
            "latency without threshold",
            {"spec.objectives[1].threshold": DELETE},
            [("spec.objectives[1]", "required")],
        ),
        case(
            "availability with threshold",
            {"spec.objectives[0].threshold": "300ms"},
            [("spec.objectives[0].threshold", "not")],
        ),
        case("Timeslices without timeSlice", {"spec.timeSlice": DELETE}, [("spec", "required")]),
        case(
            "Timeslices without slice target",
            {"spec.timeSlice.target": DELETE},
            [("spec.timeSlice", "required")],
        ),
        case(
            "RatioTimeslices with slice target",
            {"spec.budgetingMethod": "RatioTimeslices"},
            [("spec.timeSlice.target", "not")],
        ),
        case(
            "RatioTimeslices without timeSlice",
            {"spec.budgetingMethod": "RatioTimeslices", "spec.timeSlice": DELETE},
            [("spec", "required")],
        ),
        case(
            "Occurrences with timeSlice",
            {"spec.budgetingMethod": "Occurrences"},
            [("spec.timeSlice", "not")],
        ),
        case(
            "budgetingMethod lower case",
            {"spec.budgetingMethod": "timeslices"},
            [("spec.budgetingMethod", "enum")],
        ),
        case(
            "slice target 1.5",
            {"spec.timeSlice.target": 1.5},
            [("spec.timeSlice.target", "maximum")],
        ),
        case(
            "slice window 1M",
            {"spec.timeSlice.window": "1M"},
            [("spec.timeSlice.window", "pattern")],
        ),
        case(
            "calendar and rolling", {"spec.window.rolling": "30d"}, [("spec.window.rolling", "not")]
        ),
        case(
            "neither calendar nor rolling",
            {"spec.window.calendar": DELETE},
            [("spec.window", "required")],
        ),
        case(
            "calendar monthly",
            {"spec.window.calendar": "monthly"},
            [("spec.window.calendar", "enum")],
        ),
        case(
            "rolling in weeks",
            {"spec.window": {"rolling": "4w"}},
            [("spec.window.rolling", "pattern")],
        ),
        case(
            "rolling 0d", {"spec.window": {"rolling": "0d"}}, [("spec.window.rolling", "pattern")]
        ),
        case(
            "unknown time zone",
            {"spec.window.timeZone": "Europe/Gotham"},
            [("spec.window.timeZone", "enum")],
        ),
        case(
            "threshold without unit",
            {"spec.objectives[1].threshold": "500"},
            [("spec.objectives[1].threshold", "pattern")],
        ),
        case(
            "threshold ISO months",
            {"spec.objectives[1].threshold": "P1M"},
            [("spec.objectives[1].threshold", "pattern")],
        ),
        case(
            "targetPercent 0",
            {"spec.objectives[0].targetPercent": 0},
            [("spec.objectives[0].targetPercent", "exclusiveMinimum")],
        ),
        case(
            "targetPercent 100.5",
            {"spec.objectives[0].targetPercent": decimal.Decimal("100.5")},
            [("spec.objectives[0].targetPercent", "maximum")],
        ),
        case(
            "targetPercent as string",
            {"spec.objectives[0].targetPercent": "99.9"},
            [("spec.objectives[0].targetPercent", "type")],
        ),
        case(
            "target 1.5",
            {
                "spec.objectives[0].targetPercent": DELETE,
                "spec.objectives[0].target": decimal.Decimal("1.5"),
            },
            [("spec.objectives[0].target", "maximum")],
        ),
        case(
            "unknown indicator",
            {"spec.objectives[0].indicator": "throughput"},
            [("spec.objectives[0].indicator", "enum")],
        ),
        case(
            "objective name",
            {"spec.objectives[0].name": "Availability"},
            [("spec.objectives[0].name", "pattern")],
        ),
        case(
            "slo name",
            {"spec.objectives[0].slo": "public_api"},
            [("spec.objectives[0].slo", "pattern")],
        ),
        case("no objectives", {"spec.objectives": []}, [("spec.objectives", "minItems")]),
        case("version 0", {"spec.version": 0}, [("spec.version", "minimum")]),
        case("version as string", {"spec.version": "3"}, [("spec.version", "type")]),
        case("version 3.5", {"spec.version": decimal.Decimal("3.5")}, [("spec.version", "type")]),
        case(
            "negative notice", {"spec.changeNoticeDays": -1}, [("spec.changeNoticeDays", "minimum")]
        ),
        case(
            "from not ISO",
            {"spec.effective.from": "01/01/2025"},
            [("spec.effective.from", "format"), ("spec.effective.from", "pattern")],
        ),
        case(
            "from no such day",
            {"spec.effective.from": "2025-02-30"},
            [("spec.effective.from", "format")],
        ),
        case(
            "until with time",
            {"spec.effective.until": "2026-12-31 00:00:00"},
            [("spec.effective.until", "format"), ("spec.effective.until", "pattern")],
        ),
        case(
            "no from", {"spec.effective": {"until": "2026-12-31"}}, [("spec.effective", "required")]
        ),
        case("no customer", {"spec.customer": DELETE}, [("spec", "required")]),
        case("empty service", {"spec.service": ""}, [("spec.service", "minLength")]),
        case("unknown spec key", {"spec.penalties": []}, [("spec", "additionalProperties")]),
        case("name with space", {"metadata.name": "Globex API"}, [("metadata.name", "pattern")]),
        case(
            "unknown metadata",
            {"metadata.team": "accounts"},
            [("metadata", "additionalProperties")],
        ),
        case("label list", {"metadata.labels.tier": ["gold"]}, [("metadata.labels.tier", "type")]),
        case("support hours", {"spec.support.hours": "9x5"}, [("spec.support.hours", "enum")]),
        case(
            "severity without resolution",
            {"spec.support.severities[1].resolution": DELETE},
            [("spec.support.severities[1]", "required")],
        ),
        case(
            "response in words",
            {"spec.support.severities[0].response": "30 minutes"},
            [("spec.support.severities[0].response", "pattern")],
        ),
        case(
            "exclusion name",
            {"spec.exclusions[0].name": "Scheduled Maintenance"},
            [("spec.exclusions[0].name", "pattern")],
        ),
        case(
            "exclusion notice",
            {"spec.exclusions[0].notice": "3 days"},
            [("spec.exclusions[0].notice", "pattern")],
        ),
        case(
            "credit 0",
            {"spec.credits[0].creditPercent": 0},
            [("spec.credits[0].creditPercent", "exclusiveMinimum")],
        ),
        case("below 101", {"spec.credits[0].below": 101}, [("spec.credits[0].below", "maximum")]),
        case(
            "credit without below",
            {"spec.credits[2].below": DELETE},
            [("spec.credits[2]", "required")],
        ),
        case(
            "atLeast 100",
            {"spec.credits[1].atLeast": 100},
            [("spec.credits[1].atLeast", "exclusiveMaximum")],
        ),
        case("kind misspelt", {"kind": "Sla"}, [("kind", "const")]),
    ],
)
def test_sla_errors(changes: dict[str, Any], expected: Summary) -> None:
    document = patched(SLA, changes)
    if (document["apiVersion"], document["kind"]) not in KIND_DEFS:
        assert summary(kind_validator("slopolicy-v1-SLA").iter_errors(document)) == expected
    else:
        assert check(document) == expected


# ---------------------------------------------------------------- configuration

CONFIG_EXAMPLE = load(
    """
    extends: default                  # a preset from presets/ (default | strict) or a path
    documents:
      include: ["**/*.yaml", "**/*.yml", "**/*.json"]
      exclude: ["node_modules/**"]
    rules:
      slo-headroom: {severity: warning, max-budget-ratio: 0.5}
      ambiguous-duration: off
    approvals:
      records: approvals/
      allowedSigners: .slopolicy/allowed_signers
      roles:
        legal: [alice@acme.example]
        sre: [carol@acme.example]
      require:
        added: [{role: legal, count: 1}]
        modified: [{role: legal, count: 1}]
        loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
        removed: [{role: legal, count: 1}]
        policy: [{role: sre, count: 1}]
      trailers: claimed
    waivers:
      - {rule: slo-headroom, document: SLO/legacy-checkout, reason: "migrating, OPS-123", expires: 2027-01-31}
    """
)


def test_example_config_is_valid() -> None:
    assert CONFIG_EXAMPLE["rules"]["ambiguous-duration"] == "off"
    assert check_config(CONFIG_EXAMPLE) == []


@pytest.mark.parametrize(
    "config",
    [
        case("empty", {}),
        case(
            "options without severity",
            {"rules": {"credit-tiers": "info", "slo-headroom": {"max-budget-ratio": 0.3}}},
        ),
        case("tightened", {"approvals": {"require": {"tightened": []}, "trailers": "counted"}}),
        case(
            "policies and plugins",
            {"policies": ["policies/extra.yaml"], "plugins": ["acme_slopolicy"]},
        ),
        case(
            "waiver by path",
            {
                "waivers": [
                    {
                        "rule": "schema",
                        "path": "spec.markdown",
                        "reason": "x",
                        "expires": "2030-01-01",
                    }
                ]
            },
        ),
    ],
)
def test_config_variants_are_valid(config: dict[str, Any]) -> None:
    assert check_config(config) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        case("unknown top-level key", {"rule": {}}, [("", "additionalProperties")]),
        case("extends not a string", {"extends": 1}, [("extends", "type")]),
        case(
            "include not a list",
            {"documents.include": "**/*.yaml"},
            [("documents.include", "type")],
        ),
        case(
            "unknown documents key",
            {"documents.paths": []},
            [("documents", "additionalProperties")],
        ),
        case(
            "severity unknown",
            {"rules.ambiguous-duration": "fatal"},
            [("rules.ambiguous-duration", "enum")],
        ),
        case(
            "severity in object unknown",
            {"rules.slo-headroom.severity": "fatal"},
            [("rules.slo-headroom.severity", "enum")],
        ),
        case(
            "severity boolean",
            {"rules.ambiguous-duration": False},
            [("rules.ambiguous-duration", "type")],
        ),
        case(
            "unknown approvals key",
            {"approvals.reviewers": []},
            [("approvals", "additionalProperties")],
        ),
        case(
            "role not a list",
            {"approvals.roles.legal": "alice@acme.example"},
            [("approvals.roles.legal", "type")],
        ),
        case(
            "unknown change class",
            {"approvals.require.deleted": []},
            [("approvals.require", "additionalProperties")],
        ),
        case(
            "count 0",
            {"approvals.require.added[0].count": 0},
            [("approvals.require.added[0].count", "minimum")],
        ),
        case(
            "no count",
            {"approvals.require.added[0].count": DELETE},
            [("approvals.require.added[0]", "required")],
        ),
        case(
            "unknown requirement key",
            {"approvals.require.added[0].group": "x"},
            [("approvals.require.added[0]", "additionalProperties")],
        ),
        case("trailers", {"approvals.trailers": "trusted"}, [("approvals.trailers", "enum")]),
        case("waiver without reason", {"waivers[0].reason": DELETE}, [("waivers[0]", "required")]),
        case(
            "empty reason",
            {"waivers[0].reason": ""},
            [("waivers[0].reason", "minLength"), ("waivers[0].reason", "pattern")],
        ),
        case("blank reason", {"waivers[0].reason": "   "}, [("waivers[0].reason", "pattern")]),
        case("waiver without expiry", {"waivers[0].expires": DELETE}, [("waivers[0]", "required")]),
        case(
            "expires no such day",
            {"waivers[0].expires": "2027-02-30"},
            [("waivers[0].expires", "format")],
        ),
        case(
            "expires not a date",
            {"waivers[0].expires": "soon"},
            [("waivers[0].expires", "format"), ("waivers[0].expires", "pattern")],
        ),
        case(
            "unknown waiver key",
            {"waivers[0].owner": "me"},
            [("waivers[0]", "additionalProperties")],
        ),
        case("plugins not a list", {"plugins": "acme"}, [("plugins", "type")]),
        case("empty policy path", {"policies": [""]}, [("policies[0]", "minLength")]),
    ],
)
def test_config_errors(changes: dict[str, Any], expected: Summary) -> None:
    assert check_config(patched(CONFIG_EXAMPLE, changes)) == expected
