"""Messages speak in the document's terms: no Python reprs, no repeats, no far-fetched hints."""
from __future__ import annotations

import collections
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import HERE, Project
from ruamel.yaml import YAML
from test_rules_core import SERVICE, SLI, SLO_REF

from slopolicy.text.hints import article, closest

PYTHON_REPR = re.compile(r"Decimal\(|\{'|\['|\bTrue\b|\bFalse\b|\bNone\b|<class ")

SLO_TWO_WINDOWS = """
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicatorRef: checkout-success
  timeWindow:
    - {duration: 28d, isRolling: true}
    - {duration: 7d, isRolling: true}
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: 1.5
"""


def test_schema_messages_show_values_as_the_document_writes_them(project: Project) -> None:
    project.write("svc.yaml", SERVICE)
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", SLO_TWO_WINDOWS)
    run = project.check()
    messages = [p["message"] for p in run.json["problems"] if p["rule"] == "schema"]
    assert any("has 2 items; at most 1 allowed" in m for m in messages), messages
    assert not [m for m in messages if PYTHON_REPR.search(m)]


def test_no_message_of_the_conformance_corpus_is_a_python_repr_or_repeated(
        tmp_path: Path, project: Project) -> None:
    corpus = project.root / "corpus"
    shutil.copytree(HERE / "conformance" / "openslo", corpus)
    run = project.check("corpus")
    problems = run.json["problems"]
    assert len(problems) > 20  # the corpus holds many deliberate mistakes
    assert [p["message"] for p in problems if PYTHON_REPR.search(p["message"])] == []
    seen = collections.Counter(
        (p["file"], p["line"], p["column"], p["rule"], p["message"]) for p in problems)
    assert [k for k, count in seen.items() if count > 1] == []


def test_a_kind_in_the_wrong_case_is_named(project: Project) -> None:
    project.write("slo.yaml", SLO_REF.format(ref="checkout-success").replace("kind: SLO",
                                                                             "kind: Slo"))
    run = project.check("slo.yaml")
    [message] = [p["message"] for p in run.json["problems"] if p["rule"] == "unknown-kind"]
    assert message.endswith('did you mean "SLO"?')


def test_a_near_miss_of_a_known_api_version_is_named(project: Project) -> None:
    project.write("slo.yaml", SLO_REF.format(ref="checkout-success").replace(
        "apiVersion: openslo/v1", "apiVersion: OpenSLO/v1"))
    run = project.check("slo.yaml")
    [message] = [p["message"] for p in run.json["problems"] if p["rule"] == "unknown-kind"]
    assert message.endswith('did you mean "openslo/v1"?')


def test_a_near_miss_of_a_known_api_version_is_a_finding_in_a_folder_scan(
        project: Project) -> None:
    project.write("slos/slo.yaml", SLO_REF.format(ref="checkout-success").replace(
        "apiVersion: openslo/v1", "apiVersion: opensol/v1"))
    project.write("ci/workflow.yaml", "on: push\njobs: {}\n")
    run = project.check()
    assert [(p[0], p[3]) for p in run.problems()] == [("slos/slo.yaml", "unknown-kind")]


def test_no_far_fetched_hint(project: Project) -> None:
    project.write("sli.yaml", SLI.replace("type: Prometheus\n        spec:",
                                          "type: Prometheus\n        metricSourceRef: "
                                          "prometheus-datasource\n        spec:", 1))
    project.write("ds.yaml", """
        apiVersion: openslo/v1
        kind: DataSource
        metadata: {name: test-data-source}
        spec: {type: Prometheus, connectionDetails: {url: "http://prometheus:9090"}}
        """)
    run = project.check()
    [message] = [p["message"] for p in run.json["problems"] if p["rule"] == "unresolved-reference"]
    assert message == "DataSource 'prometheus-datasource' is not defined in the checked documents"


def test_a_missing_kind_is_named_with_its_article(project: Project) -> None:
    project.write("sli.yaml", SLI.replace("type: Prometheus\n        spec:",
                                          "type: Prometheus\n        metricSourceRef: "
                                          "prometheus\n        spec:", 1))
    run = project.check()
    [message] = [p["message"] for p in run.json["problems"] if p["rule"] == "unresolved-reference"]
    assert "add a DataSource named 'prometheus'" in message


@pytest.mark.parametrize(("word", "expected"), [
    ("AlertCondition", "an"), ("SLI", "an"), ("SLO", "an"), ("SLA", "an"),
    ("Service", "a"), ("DataSource", "a"), ("AlertPolicy", "an"), ("HTTP", "an"),
])
def test_articles(word: str, expected: str) -> None:
    assert article(word) == expected


@pytest.mark.parametrize(("typed", "candidates", "expected"), [
    ("Slo", ["SLI", "SLO"], "SLO"),
    ("slo-stricter-then-sla", ["slo-headroom", "slo-stricter-than-sla"], "slo-stricter-than-sla"),
    ("legl", ["sre", "legal"], "legal"),
    ("opensol/v1", ["openslo/v1", "slopolicy/v1"], "openslo/v1"),
    ("prometheus-datasource", ["test-data-source"], None),
    ("checkout", ["payments", "search"], None),
])
def test_one_helper_decides_what_was_meant(typed: str, candidates: list[str],
                                           expected: str | None) -> None:
    assert closest(typed, candidates) == expected


SLO_WITH_SOURCE = """
apiVersion: openslo/v1
kind: SLI
metadata: {name: latency}
spec:
  thresholdMetric:
    metricSource:
      metricSourceRef: datadog-prod
      type: Datadog
      spec: {query: "avg:trace.http.request.duration{service:checkout}"}
"""


def test_external_references_are_never_findings(project: Project) -> None:
    project.write("sli.yaml", SLO_WITH_SOURCE)
    assert [p[3] for p in project.check("sli.yaml").problems()] == ["unresolved-reference"]
    project.write(".slopolicy.yaml", """
        rules:
          unresolved-reference: {external: ["DataSource/*"]}
        """)
    run = project.check("sli.yaml")
    assert run.code == 0, run.out
    assert run.json["problems"] == []


def test_the_fix_a_missing_reference_suggests_can_be_pasted(project: Project) -> None:
    project.write("sli.yaml", SLO_WITH_SOURCE)
    (found,) = project.check("sli.yaml").json["problems"]
    lead, _, setting = found["message"].partition("list it in .slopolicy.yaml: ")
    assert setting == 'rules: {unresolved-reference: {external: ["DataSource/datadog-prod"]}}'
    project.write(".slopolicy.yaml", setting + "\n")
    assert project.check("sli.yaml").json["problems"] == []


def test_external_globs_match_kind_and_name(project: Project) -> None:
    project.write("sli.yaml", SLO_WITH_SOURCE)
    project.write(".slopolicy.yaml", """
        rules:
          unresolved-reference: {external: ["DataSource/prometheus-*", "SLI/datadog-prod"]}
        """)
    run = project.check("sli.yaml")
    assert [p[3] for p in run.problems()] == ["unresolved-reference"]


def test_a_value_with_a_line_break_is_shown_escaped_never_as_a_forged_report_line(
        project: Project) -> None:
    name = "a\nslas/fake.yaml:1:1: error [x] forged\x1b[2K"
    project.write("svc.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata:\n"
                              f"  name: {json.dumps(name)}\nspec: {{}}\n")
    run = project.run("check", "--format", "text", "--color", "never", "svc.yaml")
    lines = run.out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["svc.yaml", "slopolicy"]
    shown = '"a\\nslas/fake.yaml:1:1: error [x] forged\\u001b[2K"'
    assert lines[0].startswith(f"svc.yaml:4:9: error [schema] {shown} is not a valid name")
    assert YAML(typ="safe").load(f"v: {shown}")["v"] == name  # YAML's own double-quoted form


def test_every_problem_of_the_text_report_is_one_line_whatever_a_name_holds(
        project: Project) -> None:
    for copy in ("one.yaml", "two.yaml"):  # duplicate-name quotes the document's name
        project.write(copy, "apiVersion: openslo/v1\nkind: Service\nmetadata:\n"
                            '  name: "x\\nslas/fake.yaml:1:1: error [x] forged"\nspec: {}\n')
    run = project.run("check", "--format", "text", "--color", "never", "-v")
    lines = run.out.splitlines()
    assert not [line for line in lines if line.startswith("slas/fake.yaml")]
    (duplicate,) = [line for line in lines if "[duplicate-name]" in line]
    assert duplicate.startswith("two.yaml:4:9: error [duplicate-name] Service/x\\nslas/fake.yaml")
    assert "    in document Service/x\\nslas/fake.yaml:1:1: error [x] forged, path metadata.name" \
        in lines


@pytest.mark.parametrize(("written", "tip"), [
    ("yes", "; write true (YAML 1.2 reads 'yes' as text)"),
    ("Off", "; write false (YAML 1.2 reads 'Off' as text)"),
    ('"true"', "; write true, without quotes"),
])
def test_a_yaml_1_1_boolean_is_named_with_the_fix(project: Project, written: str,
                                                  tip: str) -> None:
    project.write("sli.yaml", "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: ok}\nspec:\n"
                  f"  ratioMetric:\n    counter: {written}\n"
                  "    good: {metricSource: {type: Prometheus, spec: {query: good}}}\n"
                  "    total: {metricSource: {type: Prometheus, spec: {query: total}}}\n")
    (problem,) = project.check("sli.yaml").json["problems"]
    assert problem["path"] == "spec.ratioMetric.counter"
    assert problem["message"].startswith("expected boolean, got string")
    assert problem["message"].endswith(tip)
