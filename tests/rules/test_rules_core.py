"""Each core rule: a passing and a failing snippet, with (line, column)."""
from __future__ import annotations

import pytest
from conftest import Project

SERVICE = """
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec:
  description: Checkout and payment flow
"""

SLI = """
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-success
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(http_requests_total{code!~"5.."}[5m]))
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(http_requests_total[5m]))
"""

SLO_REF = """
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicatorRef: {ref}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {{startTime: "2024-01-01 00:00:00", timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: 0.9995
"""


def only(run_problems: list[tuple[str, int, int, str]], rule: str) -> list[tuple[str, int, int, str]]:
    return [p for p in run_problems if p[3] == rule]


def test_valid_documents_pass(project: Project) -> None:
    project.write("a.yaml", SERVICE + "---" + SLI + "---" + SLO_REF.format(ref="checkout-success"))
    run = project.check()
    assert run.json["problems"] == []
    assert run.code == 0
    assert run.json["summary"] == {"files": 1, "documents": 3, "errors": 0, "warnings": 0, "waived": 0, "skipped": 0}


def test_yaml_syntax(project: Project) -> None:
    project.write("bad.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: a, labels: [a, b}\n")
    run = project.check("bad.yaml")
    assert run.problems() == [("bad.yaml", 3, 34, "yaml-syntax")]
    assert run.code == 1


def test_duplicate_key(project: Project) -> None:
    project.write("svc.yaml", SERVICE + "spec:\n  description: again\n")
    run = project.check()
    assert run.problems() == [("svc.yaml", 7, 1, "duplicate-key")]
    (problem,) = run.json["problems"]
    assert problem["related"] == [{"file": "svc.yaml", "line": 5, "column": 1, "message": 'first "spec"'}]


def test_schema_unknown_property_at_its_key(project: Project) -> None:
    project.write("svc.yaml", SERVICE.replace("description:", "descripton:"))
    run = project.check()
    assert run.problems() == [("svc.yaml", 6, 3, "schema")]
    (problem,) = run.json["problems"]
    assert 'did you mean "description"' in problem["message"]
    assert problem["document"] == "Service/checkout"
    assert problem["path"] == "spec.descripton"


def test_schema_bad_name(project: Project) -> None:
    project.write("svc.yaml", SERVICE.replace("name: checkout", "name: Check Out"))
    run = project.check()
    assert run.problems() == [("svc.yaml", 4, 9, "schema")]
    assert run.json["problems"][0]["path"] == "metadata.name"


def test_unknown_kind_in_a_known_family(project: Project) -> None:
    project.write("slo.yaml", "apiVersion: openslo/v1\nkind: SLOs\nmetadata: {name: x}\n")
    run = project.check()
    assert run.problems() == [("slo.yaml", 2, 7, "unknown-kind")]
    assert 'did you mean "SLO"' in run.json["problems"][0]["message"]


def test_scan_skips_foreign_yaml_but_explicit_file_is_reported(project: Project) -> None:
    project.write("ci.yml", "on: push\njobs: {}\n")
    assert project.check().problems() == []
    run = project.check("ci.yml")
    assert run.problems() == [("ci.yml", 1, 1, "unknown-kind")]


def test_duplicate_name(project: Project) -> None:
    project.write("a.yaml", SERVICE)
    project.write("b.yaml", SERVICE)
    run = project.check()
    assert run.problems() == [("b.yaml", 4, 9, "duplicate-name")]
    assert run.json["problems"][0]["related"][0]["file"] == "a.yaml"


def test_unresolved_reference(project: Project) -> None:
    text = SERVICE + "---" + SLI + "---" + SLO_REF.format(ref="checkout-sucess")
    project.write("a.yaml", text)
    run = project.check()
    line = text.lstrip("\n").splitlines().index("  indicatorRef: checkout-sucess") + 1
    assert only(run.problems(), "unresolved-reference") == [("a.yaml", line, 17, "unresolved-reference")]
    assert 'did you mean "checkout-success"' in run.json["problems"][0]["message"]


def test_sla_slo_reference(project: Project) -> None:
    project.write("sla.yaml", """
        apiVersion: slopolicy/v1
        kind: SLA
        metadata: {name: globex}
        spec:
          customer: globex
          service: checkout
          version: 1
          effective: {from: 2025-01-01}
          window: {calendar: month, timeZone: UTC}
          budgetingMethod: Occurrences
          objectives:
            - name: availability
              indicator: availability
              targetPercent: 99.9
              slo: nope
    """)
    run = project.check("--select", "unresolved-reference")
    assert run.problems() == [("sla.yaml", 15, 12, "unresolved-reference")]


@pytest.mark.parametrize("rule", ["schema", "duplicate-name"])
def test_select_and_ignore(project: Project, rule: str) -> None:
    project.write("a.yaml", SERVICE.replace("checkout", "Check Out"))
    project.write("b.yaml", SERVICE.replace("checkout", "Check Out"))
    selected = {p[3] for p in project.check("--select", rule).problems()}
    assert selected == {rule}
    ignored = {p[3] for p in project.check("--ignore", rule).problems()}
    assert rule not in ignored and ignored


def test_reference_hints_among_many_names_come_from_an_index() -> None:
    from slopolicy.rules.unresolved_reference import Names

    many = Names(f"svc-{i}-availability" for i in range(Names.SMALL + 100))
    assert many.closest("svc-42-availabilty") == "svc-42-availability"  # a letter left out
    assert many.closest("svc-42-avialability") == "svc-42-availability"  # two swapped
    assert many.closest("svc-4x2-availability") == "svc-42-availability"  # one too many
    assert many.closest("billing-latency") is None  # nothing within a couple of edits
    few = Names(["checkout-success", "checkout-latency"])
    assert few.closest("checkout-sucess") == "checkout-success"
    assert few.closest("checkout-succ") == "checkout-success"  # difflib's wider net, when cheap
