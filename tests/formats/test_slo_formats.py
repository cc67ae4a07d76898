"""Sloth, Pyrra, Nobl9 and OpenSLO v1alpha/v2alpha SLOs, read natively and judged like OpenSLO v1.

Every SLO here is a real file from its project's repository (tests/formats/,
with its licence and source); the SLAs (tests/formats/slas/) are slopolicy's,
written to be proven or broken by them.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import HERE, REPO, Project, git
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from slopolicy import formats
from slopolicy.load.files import load_bytes
from slopolicy.rules.context import Context
from slopolicy.rules.linking import links
from slopolicy.slo.dominance import Terms
from slopolicy.slo.terms import slo_terms
from slopolicy.slo.units import Duration, Threshold, Window

DATA = HERE / "formats"
# The SLO files of the mixed repository: each format at least once.
MIX = [
    "sloth/home-wifi.yml",  # prometheus/v1
    "sloth/k8s-getting-started.yml",  # sloth.slok.dev/v1
    "sloth/openslo-getting-started.yml",  # openslo/v1alpha, as Sloth writes it
    "pyrra/pyrra-kubernetes-errors.yaml",  # ratio
    "pyrra/caddy-response-latency.yaml",  # latency, le="0.05"
    "pyrra/pyrra-connect-latency.yaml",  # latencyNative
    "pyrra/prometheus-probe-success.yaml",  # bool_gauge
    "nobl9/honeycomb.yaml",  # n9/v1alpha
    "openslo/v2alpha/slos.yaml",  # openslo.com/v2alpha
]

Verdicts = dict[tuple[str, str], set[tuple[str, int, str, Decimal | None, bool]]]


def mixed(root: Path) -> Path:
    """A repository of the real SLO files of every format, and the SLAs they back."""
    for name in MIX:
        target = root / "slos" / name.replace("/", "-")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / name, target)
    shutil.copytree(DATA / "slas", root / "slas")
    return root


def load(root: Path) -> Context:
    files = [load_bytes(path.relative_to(root).as_posix(), path.read_bytes())
             for path in sorted(root.rglob("*.y*ml"))]
    return Context(files)


def verdicts(root: Path) -> Verdicts:
    """(SLA, objective) -> {(SLO, objective, status, headroom, has a counterexample)}."""
    found: Verdicts = {}
    for link in links(load(root)):
        found[(link.sla.name, str(link.objective.get("name")))] = {
            (b.slo.name, b.position, b.verdict.status.value, b.verdict.headroom,
             b.verdict.counterexample is not None) for b in link.backings}
    return found


def statuses(found: Verdicts) -> dict[str, set[tuple[str, str]]]:
    return {sla: {(slo, status) for slo, _, status, _, _ in backings}
            for (sla, _), backings in found.items()}


EXPECTED = {
    "sloth-risk-proven": {("home-wifi-risk-wifi-client-satisfaction", "proven")},
    "sloth-good-violated": {("home-wifi-good-wifi-client-satisfaction", "violated")},
    "sloth-crd-proven": {("myservice-requests-availability", "proven")},
    "sloth-crd-violated": {("myservice-requests-availability", "violated")},
    "pyrra-ratio-proven": {("pyrra-kubernetes-errors", "proven")},
    "pyrra-ratio-violated": {("pyrra-kubernetes-errors", "violated")},
    "pyrra-latency-proven": {("caddy-response-latency", "proven")},
    "pyrra-latency-violated": {("caddy-response-latency", "violated")},
    "pyrra-native-proven": {("pyrra-connect-latency", "proven")},
    "pyrra-native-incomparable": {("pyrra-connect-latency", "incomparable")},
    "pyrra-gauge-proven": {("prometheus-blackbox-probe-success", "proven")},
    "pyrra-gauge-violated": {("prometheus-blackbox-probe-success", "violated")},
    # honeycomb.yaml lists four variants under one name: slo: names the first
    "nobl9-proven": {("api-server-slo", "proven")},
    "nobl9-violated": {("api-server-slo", "violated")},
    "v1alpha-proven": {("sloth-slo-my-service", "proven")},
    "v1alpha-violated": {("sloth-slo-my-service", "violated")},
    "v2alpha-proven": {("web-availability", "proven")},
    "v2alpha-violated": {("web-availability", "violated")},
}


def test_a_repository_of_every_format_gets_every_verdict_right(tmp_path: Path) -> None:
    found = verdicts(mixed(tmp_path))
    assert statuses(found) == EXPECTED
    for (sla, _), backings in found.items():
        for _, _, status, _, counterexample in backings:
            # every violation comes with a behaviour that meets the SLO and breaks the SLA
            assert counterexample == (status == "violated"), sla


def test_every_format_has_a_real_slo_that_proves_an_sla_and_one_that_fails(tmp_path: Path) -> None:
    mixed(tmp_path)
    ctx = load(tmp_path)
    by_format: dict[str, set[str]] = {}
    for link in links(ctx):
        for backing in link.backings:
            origin = backing.slo.mapped_from
            assert origin is not None, "every SLO of the mix is of another format"
            source = next(d for d in backing.slo.source.documents if d.mapped_from is None
                          and d.index == backing.slo.index and d.item == backing.slo.item)
            by_format.setdefault(source.api_version, set()).add(backing.verdict.status.value)
    assert set(by_format) == set(formats.NAMES)
    for api_version, seen in by_format.items():
        assert "proven" in seen and "violated" in seen, api_version


def _terms(path: str, item: int = 0) -> list[Terms | None]:
    source = load_bytes(path, (DATA / path).read_bytes())
    mapped = [d for d in source.documents if d.mapped_from is not None and d.kind == "SLO"]
    return [entry.terms for entry in slo_terms(mapped[item].data, lambda name: None)]


ROLLING = Window.rolling


def test_each_format_maps_into_the_terms_openslo_slos_get() -> None:
    occurrences = {"budgeting_method": "Occurrences", "threshold": None}
    assert _terms("sloth/getting-started.yml") == [Terms(
        "availability", Decimal("0.999"), window=ROLLING(Duration.of(days=30)), **occurrences)]
    assert _terms("pyrra/pyrra-kubernetes-errors.yaml") == [Terms(
        "availability", Decimal("0.99"), window=ROLLING(Duration.of(days=7)), **occurrences)]
    # latency: the le bucket of the success metric is the threshold
    assert _terms("pyrra/caddy-response-latency.yaml") == [Terms(
        "latency", Decimal("0.90"), Threshold(Decimal(50)), ROLLING(Duration.of(days=28)),
        "Occurrences")]
    assert _terms("pyrra/pyrra-connect-latency.yaml") == [Terms(
        "latency", Decimal("0.99"), Threshold(Decimal(200)), ROLLING(Duration.of(days=14)),
        "Occurrences")]
    assert _terms("pyrra/prometheus-probe-success.yaml") == [Terms(
        "availability", Decimal("0.990"), window=ROLLING(Duration.of(days=7)), **occurrences)]
    # Nobl9's calendar month in UTC; its Timeslices variant with one-minute slices
    assert _terms("nobl9/honeycomb.yaml") == [Terms(
        "availability", Decimal("0.95"), window=Window.calendar("month", 1, "UTC"),
        **occurrences)]
    assert _terms("nobl9/honeycomb.yaml", 2) == [Terms(
        "availability", Decimal("0.95"), None, Window.calendar("month", 1, "UTC"), "Timeslices",
        Duration.of(minutes=1), Decimal("0.9"))]
    # v1alpha: 30 Day with neither isRolling nor calendar, read as rolling (as Sloth does)
    assert _terms("sloth/openslo-getting-started.yml") == [Terms(
        "availability", Decimal("0.999"), window=ROLLING(Duration.of(days=30)), **occurrences)]
    v2alpha = _terms("openslo/v2alpha/slos.yaml")
    assert v2alpha[0] is not None and v2alpha[0].budgeting_method == "Timeslices"
    assert v2alpha[0].window.unit == "week" and v2alpha[0].window.time_zone == "America/New_York"


def test_a_threshold_metric_says_what_it_measures_only_through_annotations() -> None:
    # Nobl9's rawMetric, like OpenSLO's thresholdMetric, does not say it is latency
    source = load_bytes("slo.yaml", (DATA / "nobl9" / "slo.yaml").read_bytes())
    slo = next(d for d in source.documents if d.mapped_from is not None)
    (entry,) = slo_terms(slo.data, lambda name: None)
    assert entry.terms is None and "annotate the SLO with slopolicy/indicator" in str(entry.reason)


def check(project: Project, *args: str) -> Any:
    return project.run("check", "--format", "json", "--no-cache", *args).json


def test_findings_point_at_the_line_in_the_original_file(project: Project) -> None:
    mixed(project.root)
    report = check(project)
    found = {(p["rule"], p["file"], p["line"], p["column"]) for p in report["problems"]}
    home = (project.root / "slos" / "sloth-home-wifi.yml").read_text().splitlines()
    line = home.index("    objective: 95") + 1
    assert ("slo-stricter-than-sla", "slos/sloth-home-wifi.yml", line, 16) in found
    caddy = (project.root / "slos" / "pyrra-caddy-response-latency.yaml").read_text().splitlines()
    line = caddy.index('  target: "90"') + 1
    assert ("slo-stricter-than-sla", "slos/pyrra-caddy-response-latency.yaml", line, 11) in found
    # the Nobl9 example file repeats one name four times: a real duplicate, at each repeat
    repeats = [p for p in report["problems"] if p["rule"] == "duplicate-name"]
    assert {p["file"] for p in repeats} == {"slos/nobl9-honeycomb.yaml"} and len(repeats) == 3
    for problem in report["problems"]:
        assert problem["file"].startswith(("slos/", "slas/"))


def test_verdicts_that_rest_on_an_assumption_state_it(project: Project) -> None:
    mixed(project.root)
    messages = {p["message"].split(" objective")[0]: p["message"]
                for p in check(project)["problems"] if p["rule"] == "slo-stricter-than-sla"}
    sloth = messages["SLO home-wifi-good-wifi-client-satisfaction"]
    assert "Assumed: Sloth does not write an SLO's window" in sloth
    assert "rolling 30 days" in sloth
    assert "Assumed: Pyrra does not say how its window moves" in messages["SLO pyrra-kubernetes-errors"]
    gauge = messages["SLO prometheus-blackbox-probe-success"]
    assert "each sample of probe_success as one event" in gauge
    # Nobl9 says its window and method: nothing is assumed
    assert "Assumed" not in messages["SLO api-server-slo"]


def test_a_v1alpha_slo_without_time_windows_takes_sloths_default_period(
        project: Project) -> None:
    # Sloth reads an openslo/v1alpha SLO without timeWindows over its default period, and
    # projects keep theirs so (hyorimitsu/hello-openslo's .openslo/slo.yaml, for one)
    text = (DATA / "sloth" / "openslo-getting-started.yml").read_text()
    cut = "  timeWindows:\n    - count: 30\n      unit: Day\n"
    assert text.endswith(cut)
    project.write("slos/slo.yaml", text.removesuffix(cut))
    project.write("slas/sla.yaml", _sla_text("v1alpha-violated"))
    report = check(project)
    assert [p["rule"] for p in report["problems"]] == ["slo-stricter-than-sla"]
    (verdict,) = report["problems"]
    assert (verdict["file"], verdict["line"]) == ("slos/slo.yaml", 25)
    assert ("Assumed: the openslo/v1alpha SLO writes no timeWindows, so slopolicy takes the "
            "default period of Sloth, which reads such SLOs: a rolling 30 days") in verdict["message"]
    assert _terms_of(text.removesuffix(cut)) == _terms("sloth/openslo-getting-started.yml")


def _terms_of(text: str) -> list[Terms | None]:
    source = load_bytes("slo.yaml", text.encode())
    (slo,) = [d for d in source.documents if d.mapped_from is not None and d.kind == "SLO"]
    return [entry.terms for entry in slo_terms(slo.data, lambda name: None)]


def test_headroom_states_the_assumption_too(project: Project) -> None:
    project.write("slos/sloth.yml", (DATA / "sloth" / "getting-started.yml").read_text())
    project.write("sla.yaml", """
        apiVersion: slopolicy/v1
        kind: SLA
        metadata: {name: thin}
        spec:
          customer: acme
          service: myservice
          version: 1
          effective: {from: 2025-01-01}
          window: {rolling: 30d}
          budgetingMethod: Occurrences
          objectives:
            - {name: availability, indicator: availability, targetPercent: 99.85}
        """)
    (problem,) = check(project)["problems"]
    assert problem["rule"] == "slo-headroom" and problem["file"] == "slos/sloth.yml"
    assert "Assumed: Sloth does not write an SLO's window" in problem["message"]


def test_an_sla_links_by_service_as_each_format_names_it(tmp_path: Path) -> None:
    found = statuses(verdicts(mixed(tmp_path)))
    # by service alone: Sloth's service, Pyrra's own name, v1alpha's service, v2alpha's serviceRef
    for sla in ("sloth-crd-proven", "pyrra-ratio-proven", "v1alpha-proven", "v2alpha-proven"):
        assert "slo:" not in _sla_text(sla)
        assert found[sla] == EXPECTED[sla]


def _sla_text(name: str) -> str:
    for path in (DATA / "slas").glob("*.yaml"):
        for block in path.read_text().split("---"):
            if f"name: {name}\n" in block:
                return block
    raise AssertionError(name)


# -- schemas ------------------------------------------------------------------------

def test_the_real_files_are_valid_in_their_own_formats_schemas(project: Project) -> None:
    for folder in ("sloth", "pyrra", "nobl9", "openslo"):
        shutil.copytree(DATA / folder, project.root / folder,
                        ignore=shutil.ignore_patterns("*servicelevel*", "LICENSE", "*.md",
                                                      "validate", "plugin-k8s-*"))
    report = check(project, "--select", "schema,unknown-kind,yaml-syntax,duplicate-key")
    problems = [(p["file"], p["path"]) for p in report["problems"]]
    # the Go SDK's own v2alpha example puts op on a ratio SLI, which its validation forbids
    assert problems == [("openslo/v2alpha/slos.yaml", "spec.objectives[0].op")]
    assert report["summary"]["documents"] >= 30


def _build_schemas() -> Any:
    spec = importlib.util.spec_from_file_location("build_schemas", DATA / "build_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_formats_schema_is_built_from_the_projects_own_definitions() -> None:
    built = _build_schemas()
    assert (REPO / "schemas" / "formats.schema.json").read_text() == built.text()
    sloth = json.loads(built.text())["$defs"]["prometheus-v1-PrometheusServiceLevel"]
    events = sloth["properties"]["slos"]["items"]["properties"]["sli"]["properties"]["events"]
    assert events["required"] == ["error_query", "total_query"]  # the CRD's, renamed


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    ("sloth/getting-started.yml", "    objective: 99.9", "    objetive: 99.9",
     [(9, 5, "'objective' is required here"),
      (10, 5, 'unknown property "objetive"; did you mean "objective"?')]),
    ("sloth/k8s-getting-started.yml", "errorQuery:", "error_query:",
     [(23, 11, "'errorQuery' is required here"),
      (23, 11, 'unknown property "error_query"; did you mean "errorQuery"?')]),
    ("pyrra/caddy-response-latency.yaml", 'target: "90"', "target: 90",
     [(14, 11, "expected string, got number 90")]),
    # what Pyrra's admission webhook refuses, though its CRD says only "string"
    ("pyrra/caddy-response-latency.yaml", 'target: "90"', 'target: "0.9x"',
     [(14, 11, "'0.9x' is not a Pyrra target: a percentage from 0 to 100 written as text, "
               'e.g. "99.9"')]),
    ("pyrra/caddy-response-latency.yaml", 'target: "90"', 'target: "101"',
     [(14, 11, "'101' is not a Pyrra target: a percentage from 0 to 100 written as text, "
               'e.g. "99.9"')]),
    ("pyrra/caddy-response-latency.yaml", "window: 4w", "window: 4 weeks",
     [(15, 11, "'4 weeks' is not a Prometheus duration: whole numbers of y, w, d, h, m, s and "
               "ms, largest first, e.g. 28d or 4w")]),
    ("pyrra/pyrra-connect-latency.yaml", "    latencyNative:",
     "    ratio: {errors: {metric: e}, total: {metric: t}}\n    latencyNative:",
     [(14, 5, "an indicator is exactly one of ratio, latency, latencyNative or bool_gauge")]),
    # and what Sloth refuses: a query it cannot fill with a window
    ("sloth/getting-started.yml", "[{{.window}}]", "[5m]",
     [(14, 22, "a Sloth query needs {{ .window }}, which Sloth replaces with each window it "
               "generates a rule for")]),
    ("nobl9/slo.yaml", "unit: Day", "unit: Days",
     [(12, 13, "'Days' is not allowed: expected 'Second', 'Minute', 'Hour', 'Day', 'Week', "
               "'Month', 'Quarter', 'Year'; did you mean \"Day\"?")]),
])
def test_schema_findings_in_each_format_are_located_with_the_fix(
        project: Project, name: str, old: str, new: str, expected: list[tuple[int, int, str]]
) -> None:
    text = (DATA / name).read_text()
    assert old in text
    project.write("slo.yaml", text.replace(old, new, 1))
    report = check(project, "--select", "schema", "slo.yaml")
    assert [(p["line"], p["column"], p["message"]) for p in report["problems"]] == expected


# Sloth's own test data for `sloth validate` (validate/bad: refused; validate/good:
# accepted), and an example of Sloth's: what Sloth refuses beyond its CRD, slopolicy refuses
# at its line. A key Sloth does not know it ignores, silently: the page and ticket alert
# labels written under pageAlert in prometheus/v1 (page_alert in the Kubernetes form) are
# never applied, so slopolicy reports the key with its right spelling.
REFUSED = {
    "sloth/validate/bad/bad-aa.yaml": [
        (21, 7, 'unknown property "pageAlert"; did you mean "page_alert"?'),
        (24, 7, 'unknown property "ticketAlert"; did you mean "ticket_alert"?'),
        (28, 16, "expected a percentage in (0, 100], e.g. 99.9")],  # objective: 101
    "sloth/validate/bad/bad-k8s.yaml": [
        (7, 12, "'' is not a Sloth name: letters, digits, '-', '_' and '.', starting and "
                "ending with a letter or digit (at least 2 characters)")],
    "sloth/validate/bad/bad-multi-k8s.yaml": [
        (22, 15, "alerting needs a name unless both the page and the ticket alerts are "
                 "disabled")],
    "sloth/validate/bad/bad-multi.yaml": [
        (77, 10, "an SLI is exactly one of events, raw or plugin")],  # sli: {}
    "sloth/validate/good/good-aa.yaml": [
        (21, 7, 'unknown property "pageAlert"; did you mean "page_alert"?'),
        (24, 7, 'unknown property "ticketAlert"; did you mean "ticket_alert"?')],
    "sloth/plugin-k8s-getting-started.yml": [
        (39, 9, 'unknown property "page_alert"; did you mean "pageAlert"?'),
        (43, 9, 'unknown property "ticket_alert"; did you mean "ticketAlert"?')],
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_projects_refuse_beyond_their_crds_is_located(project: Project,
                                                                name: str) -> None:
    project.write("slo.yaml", (DATA / name).read_text())
    report = check(project, "slo.yaml")
    assert [(p["rule"], p["line"], p["column"], p["message"]) for p in report["problems"]] == [
        ("schema", line, column, message) for line, column, message in REFUSED[name]]


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    # a percent written as a fraction, said in the format's own key, whose only form is a
    # number: "write targetPercent: 90 or target: 0.9" is no fix in Pyrra, where target: "0.9"
    # is the very mistake
    ("pyrra/caddy-response-latency.yaml", 'target: "90"', 'target: "0.9"',
     (14, 11, "target 0.9 means 0.9%: target is a percentage here; for 90% write 90")),
    ("sloth/getting-started.yml", "objective: 99.9", "objective: 0.999",
     (10, 16, "objective 0.999 means 0.999%: objective is a percentage here; for 99.9% write "
              "99.9")),
    # and once, though v1alpha's own document is an SLO too
    ("sloth/openslo-getting-started.yml", "target: 0.999", "target: 99.9",
     (25, 15, "target 99.9 is above 1: target is a fraction here; for 99.9% write 0.999")),
])
def test_a_target_on_the_wrong_scale_is_said_in_the_formats_own_words(
        project: Project, name: str, old: str, new: str, expected: tuple[int, int, str]) -> None:
    text = (DATA / name).read_text()
    assert old in text
    project.write("slo.yaml", text.replace(old, new, 1))
    report = check(project, "--select", "ambiguous-duration", "slo.yaml")
    assert [(p["line"], p["column"], p["message"]) for p in report["problems"]] == [expected]


def test_a_ratio_that_counts_a_latency_bucket_is_not_taken_for_availability_in_silence(
        project: Project) -> None:
    # Sloth's own requests-latency SLO (99% within 400ms) is a ratio, which slopolicy reads as
    # availability: it would back k8s-apiserver's availability objectives
    shutil.copyfile(DATA / "sloth" / "kubernetes-apiserver.yml", project.root / "k8s.yml")
    report = check(project, "--select", "ambiguous-duration", "k8s.yml")
    assert [(p["line"], p["column"], p["severity"]) for p in report["problems"]] == [
        (55, 22, "warning")]
    assert report["problems"][0]["message"].startswith(
        'the ratio SLI counts the latency histogram bucket le="0.4", requests within 400ms: '
        "it measures latency, yet slopolicy reads a ratio SLI as availability")
    assert "slopolicy/threshold: 400ms (where the format has no annotations, convert it to " \
           "OpenSLO v1 first)" in report["problems"][0]["message"]
    # an OpenSLO v1 SLO written so (as real repositories do, with OpenTelemetry's span
    # metrics), and the same SLO annotated as the warning says: a latency SLO, no warning
    (project.root / "k8s.yml").unlink()
    slo = LATENCY_RATIO.replace("PLACE", "")
    project.write("slo.yaml", slo)
    (found,) = check(project, "--select", "ambiguous-duration")["problems"]
    assert (found["line"], found["column"]) == (13, 11)  # good: its metric
    assert "le=\"300000\", requests within 300s" in found["message"]
    assert "slopolicy/threshold: 300s, or" in found["message"]
    annotated = LATENCY_RATIO.replace("PLACE", "  annotations:\n    slopolicy/indicator: latency\n"
                                               "    slopolicy/threshold: 300s\n")
    project.write("slo.yaml", annotated)
    assert check(project, "--select", "ambiguous-duration")["problems"] == []
    (entry,) = slo_terms(load_bytes("slo.yaml", annotated.encode()).documents[0].data,
                         lambda name: None)
    assert entry.terms is not None and entry.terms.indicator == "latency"
    assert entry.terms.threshold == Threshold(Decimal(300_000))


def test_a_sloth_slo_whose_sli_plugin_is_named_for_latency_is_said_too(project: Project) -> None:
    text = (DATA / "sloth" / "getting-started.yml").read_text()
    events = text[text.index("      events:\n"):text.index("    alerting:\n")]
    project.write("slo.yaml", text.replace(events, (
        "      plugin:\n        id: sloth-common/kubernetes/apiserver/latency\n"
        "        options: {bucket: \"0.4\"}\n")))
    report = check(project, "--select", "schema,ambiguous-duration")
    assert [(p["rule"], p["line"], p["column"]) for p in report["problems"]] == [
        ("ambiguous-duration", 14, 9)]
    assert report["problems"][0]["message"].startswith(
        "the ratio SLI runs the SLI plugin 'sloth-common/kubernetes/apiserver/latency': it "
        "measures latency, yet slopolicy reads a ratio SLI as availability")
    project.write("slo.yaml", text.replace(events, (
        "      plugin:\n        id: sloth-common/kubernetes/apiserver/availability\n")))
    assert check(project, "--select", "schema,ambiguous-duration")["problems"] == []


LATENCY_RATIO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: order-processing-latency
PLACEspec:
  service: checkout
  indicator:
    metadata: {name: order-processing-latency}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(span_duration_milliseconds_bucket{le="300000"}[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(span_calls_total[5m]))
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.95}]
"""


# -- what a scan skips, and what nearly matches ------------------------------------------

def test_v_names_a_skipped_object_in_a_file_that_also_holds_documents(
        project: Project) -> None:
    # a Kubernetes manifest: a Pyrra SLO beside a Deployment; `check FILE` reports no problem
    text = (DATA / "pyrra" / "caddy-response-latency.yaml").read_text()
    project.write("app.yaml", text + "---\napiVersion: apps/v1\nkind: Deployment\n"
                  "metadata: {name: caddy}\n")
    line = text.count("\n") + 2
    run = project.run("check", "--no-cache", "-v", "app.yaml")
    assert "1 YAML file held documents of no format slopolicy knows" in run.out
    assert (f"slopolicy: skipped app.yaml:{line}:1: apiVersion 'apps/v1', not one slopolicy "
            "checks") in run.err.splitlines()


def test_a_helm_template_is_skipped_as_other_yaml_and_a_broken_sloth_file_is_not(
        project: Project) -> None:
    template = DATA / "sloth" / "helm" / "templates" / "deployment.yaml"
    (project.root / "chart" / "templates").mkdir(parents=True)
    (project.root / "chart" / "templates" / "deployment.yaml").write_bytes(template.read_bytes())
    project.write("slos/sloth.yml", (DATA / "sloth" / "getting-started.yml").read_text())
    report = check(project, "--no-cache")
    assert report["problems"] == [] and report["summary"]["skipped"] == 1
    told = project.run("check", "--no-cache", "-v").err
    assert ("slopolicy: skipped chart/templates/deployment.yaml:9:7: a template ({{ ... }} "
            "where YAML expects a value): YAML only once rendered") in told.splitlines()
    # named on the command line, it is reported, with why
    (named,) = check(project, "--no-cache", "chart/templates/deployment.yaml")["problems"]
    assert (named["rule"], named["line"]) == ("unknown-kind", 9)
    assert named["message"].startswith("a template ({{ ... }} where YAML expects a value)")
    # Sloth's `{{.window}}` inside a query is text: a real mistake beside it is still one
    broken = (DATA / "sloth" / "getting-started.yml").read_text().replace(
        "        error_query:", "       error_query:", 1)
    assert "{{.window}}" in broken
    project.write("slos/sloth.yml", broken)
    rules = [p["rule"] for p in check(project, "--no-cache")["problems"]]
    assert rules == ["yaml-syntax"]


def test_a_folder_scan_says_how_many_yaml_files_it_skipped(project: Project) -> None:
    project.write("ci/workflow.yaml", "name: ci\non: push\njobs: {}\n")
    project.write("chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
    project.write("slos/sloth.yml", (DATA / "sloth" / "getting-started.yml").read_text())
    run = project.run("check", "--no-cache")
    assert run.out == ("slopolicy: no problems in 1 document in 3 files; 2 YAML files held "
                       "documents of no format slopolicy knows (`-v` names them and says why)\n")
    told = project.run("check", "--no-cache", "-v").err.splitlines()
    assert told[-2:] == ["slopolicy: skipped chart/Chart.yaml:1:1: apiVersion 'v2', not one "
                         "slopolicy checks", "slopolicy: skipped ci/workflow.yaml:1:1: no apiVersion"]
    assert check(project)["summary"]["skipped"] == 2
    (problem,) = check(project, "chart/Chart.yaml")["problems"]
    assert problem["message"].startswith("apiVersion 'v2', not one slopolicy checks: this file "
                                         "was named on the command line")


def test_a_folder_of_only_other_formats_no_longer_blames_the_globs(project: Project) -> None:
    project.write("ci.yaml", "name: ci\non: push\n")
    run = project.run("check", "--no-cache")
    assert "documents.include" not in run.out and "1 YAML file held documents" in run.out


NEAR_MISSES = """\
apiversion: openslo/v1
kind: SLO
metadata: {name: a}
---
apiVersion: OpenSLO/v1
kind: SLO
metadata: {name: b}
---
apiVersion: opensol/v1
kind: SLO
metadata: {name: c}
---
apiVersion: openslo/v1
kind: Slo
metadata: {name: d}
---
apiVersion: openslo/v2alpha
kind: SLO
metadata: {name: e}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjectives
metadata: {name: f}
---
apiVersion: openslo/v1
Kind: SLO
metadata: {name: g}
---
version: "3.8"
services: {web: {image: nginx}}
"""


def test_near_misses_are_findings_with_the_likely_fix(project: Project) -> None:
    project.write("slos.yaml", NEAR_MISSES)
    report = check(project)
    found = [(p["line"], p["column"], p["message"]) for p in report["problems"]]
    assert [(line, column) for line, column, _ in found] == [
        (1, 1), (5, 13), (9, 13), (14, 7), (17, 13), (22, 7), (26, 1)]
    hints = [message for _, _, message in found]
    assert hints[0] == ("key 'apiversion' is spelled 'apiVersion': rename it, or slopolicy cannot "
                        "tell what this document is")
    assert hints[1].endswith('did you mean "openslo/v1"?')
    assert hints[2].endswith('did you mean "openslo/v1"?')
    assert hints[3].endswith('did you mean "SLO"?')
    assert hints[4].endswith('did you mean "openslo.com/v2alpha"?')
    assert hints[5].endswith('did you mean "ServiceLevelObjective"?')
    assert hints[6].startswith("key 'Kind' is spelled 'kind'")
    # the docker-compose document is other YAML: skipped, and counted
    assert report["summary"]["skipped"] == 1


def test_kinds_a_format_has_but_slopolicy_does_not_read_are_skipped(project: Project) -> None:
    project.write("nobl9.yaml", "apiVersion: n9/v1alpha\nkind: Project\nmetadata: {name: x}\n")
    report = check(project)
    assert report["problems"] == [] and report["summary"]["skipped"] == 1


def test_sloth_files_of_one_service_are_no_duplicates(project: Project) -> None:
    # a Sloth file is named by its service; the SLOs in it are what must be distinct
    for name in ("home-wifi.yml", "raw-home-wifi.yml"):
        project.write(name, (DATA / "sloth" / name).read_text())
    assert check(project)["problems"] == []


# -- change rules ---------------------------------------------------------------------

def test_a_loosened_pyrra_slo_is_reported_at_its_target(project: Project) -> None:
    root = project.root
    shutil.rmtree(root / ".git")
    git(root, "init", "-q", "-b", "main")
    text = (DATA / "pyrra" / "pyrra-kubernetes-errors.yaml").read_text()
    project.write("slo.yaml", text)
    git(root, "add", ".")
    git(root, "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm", "base")
    project.write("slo.yaml", text.replace("target: '99'", "target: '95'"))
    report = check(project, "--base", "main")
    loosened = [(p["line"], p["column"]) for p in report["problems"] if p["rule"] == "slo-loosened"]
    line = text.splitlines().index("  target: '99'") + 1
    assert (line, 11) in loosened


# -- a mapping never raises ----------------------------------------------------------

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["99.9", "2w", "le=\"0.1\"", "Day", "Occurrences", "Timeslices"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["spec", "slos", "name", "service", "objective", "target", "window",
                         "indicator", "ratio", "latency", "errors", "total", "metric", "sli",
                         "events", "timeWindows", "objectives", "countMetrics", "metadata",
                         "unit", "count", "calendar", "sliRef", "serviceRef", "timeWindow",
                         "labels", "annotations", "displayName"]),
        inner, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(sorted(formats.READERS)), data=st.dictionaries(
    st.sampled_from(["spec", "slos", "service", "metadata", "version"]), _VALUES, max_size=4))
def test_a_mapping_never_raises_on_any_data(key: tuple[str, str], data: Mapping[str, Any]
                                            ) -> None:
    for mapped in formats.mapped(*key, {**data, "apiVersion": key[0], "kind": key[1]}):
        slo_terms(mapped.data, lambda name: None)  # and the terms read it without raising


V2ALPHA_WITHOUT_SERVICE = """\
apiVersion: openslo.com/v2alpha
kind: SLO
metadata:
  name: checkout
spec:
  sliRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
      sliRef: checkout-latency
"""


def test_a_v2alpha_slo_without_a_service_is_read_not_a_crash(project: Project) -> None:
    """v2alpha lets an SLO name no service; its SLI reference went into a ``spec`` not made yet."""
    project.write("slos/checkout.yaml", V2ALPHA_WITHOUT_SERVICE)
    report = check(project)
    found = {(p["rule"], p["line"], p["column"]) for p in report["problems"]}
    assert ("unresolved-reference", 6, 11) in found  # sliRef: checkout-errors
    assert ("unresolved-reference", 13, 15) in found  # the objective's own sliRef
    (mapped,) = formats.mapped("openslo.com/v2alpha", "SLO", YAML(typ="safe").load(
        V2ALPHA_WITHOUT_SERVICE))
    assert mapped.data["spec"]["indicatorRef"] == "checkout-errors"
    assert "service" not in mapped.data["spec"]
    assert mapped.data["spec"]["objectives"][0]["indicatorRef"] == "checkout-latency"


@pytest.mark.parametrize(("api_version", "kind"), [
    ("n9/v1alpha", "SLO"), ("openslo/v1alpha", "SLO"), ("openslo.com/v2alpha", "SLO"),
    ("openslo.com/v2alpha", "SLI"), ("openslo.com/v2alpha", "DataSource")])
def test_labels_or_annotations_not_a_mapping_are_schema_findings(
        project: Project, api_version: str, kind: str) -> None:
    # the mapping copied them as mappings: text or a number there was an internal error (exit 3)
    project.write("doc.yaml", f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n"
                  "  name: checkout\n  labels: gold\n  annotations: 7\nspec: {}\n")
    run = project.check()
    assert run.code == 1, run.err
    schema = {(line, column) for _, line, column, rule in run.problems() if rule == "schema"}
    # v1alpha metadata has no labels or annotations at all
    expected = {(5, 3), (6, 3)} if api_version == "openslo/v1alpha" else {(5, 11), (6, 16)}
    assert expected <= schema


def test_the_audit_follows_the_target_of_a_pyrra_slo_behind_an_agreement(project: Project) -> None:
    root = project.root
    shutil.rmtree(root / ".git")
    git(root, "init", "-q", "-b", "main")
    text = (DATA / "pyrra" / "pyrra-kubernetes-errors.yaml").read_text()
    project.write("slo.yaml", text)
    project.write("sla.yaml", _sla_text("pyrra-ratio-proven"))
    commit = ("-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm")
    git(root, "add", ".")
    git(root, *commit, "base")
    project.write("slo.yaml", text.replace("target: '99'", "target: '99.5'"))
    git(root, *commit, "tighten", "-a")
    run = project.run("audit", "--format", "html", "--output", "audit.html")
    assert run.code == 0, run.err
    chart = (root / "audit.html").read_text()
    assert "99% (SLO/pyrra-kubernetes-errors)" in chart
    assert "99.5% (SLO/pyrra-kubernetes-errors)" in chart


def test_slopolicy_schema_prints_another_formats_schema(project: Project) -> None:
    run = project.run("schema", "pyrra.dev/v1alpha1/ServiceLevelObjective")
    validator = Draft202012Validator(json.loads(run.out))
    good = YAML(typ="safe").load((DATA / "pyrra" / "caddy-response-latency.yaml").read_text())
    assert list(validator.iter_errors(good)) == []
    assert [e.message for e in validator.iter_errors({**good, "spec": {**good["spec"],
                                                                       "taget": "9"}})]
    assert project.run("schema", "PrometheusServiceLevel").code == 0


def test_mapped_documents_come_back_from_the_cache_and_the_workers_alike(project: Project) -> None:
    mixed(project.root)
    cold = project.run("check", "--format", "json").json  # fills the cache
    warm = project.run("check", "--format", "json").json  # mapped documents restored from it
    workers = project.run("check", "--format", "json", "--no-cache", "--jobs", "2").json
    assert cold == warm == workers
    assert any(p["rule"] == "slo-stricter-than-sla" for p in warm["problems"])
