"""Template syntax in a file: other YAML when it claims nothing, an error when it hides a document.

A Helm chart's ``templates/`` is YAML only once rendered: a scan skips it and counts it.
A document of a kind slopolicy reads does not become other YAML because one template line
stands before it (or after it, or in the document before it): it is a ``yaml-syntax``
error at the template line, naming the document, whatever the mode.
"""
from __future__ import annotations

from typing import Any

import pytest
from conftest import Project

from slopolicy.load.files import load_text

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: globex-public-api
spec:
  customer: globex
  service: public-api
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]
"""
SLO = """\
- apiVersion: openslo/v1
  kind: SLO
  metadata:
    name: {{ .Release.Name }}-availability
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
"""
SLOTH = """\
{{- if .Values.slos }}
version: "prometheus/v1"
service: myservice
slos: []
{{- end }}
"""


def check(project: Project, *args: str) -> Any:
    return project.run("check", "--format", "json", "--no-cache", *args).json


@pytest.mark.parametrize("text, line, column, claimed, what", [
    ("---\n{{- if .Values.enabled }}\n" + SLA, 2, 3, 3, "SLA/globex-public-api (slopolicy/v1)"),
    ("{{- if .Values.x }}\nfoo: 1\n{{- end }}\n---\n" + SLA, 1, 3, 5,
     "SLA/globex-public-api (slopolicy/v1)"),
    (SLO, 4, 30, 1, "the openslo/v1 SLO document"),
    (SLOTH, 1, 3, 2, "the prometheus/v1 PrometheusServiceLevel document"),
], ids=["before", "in-the-document-before", "in-a-name", "sloth"])
def test_a_template_line_never_hides_a_document(text: str, line: int, column: int,
                                                 claimed: int, what: str) -> None:
    source = load_text("slas/globex.yaml", text)
    assert (source.documents, source.others, source.foreign) == ([], 0, [])
    [problem] = source.problems
    assert (problem.rule, problem.line, problem.column) == ("yaml-syntax", line, column)
    assert problem.message.startswith(
        f"{what} cannot be read as written: a template action ({{{{ ... }}}}) stands where "
        "YAML expects a value")
    assert problem.related == ((claimed, 1, f"{what} starts here"),)


def test_check_reports_the_hidden_agreement_where_it_said_no_problems(project: Project) -> None:
    project.write("slas/globex.yaml", "---\n{{- if .Values.enabled }}\n" + SLA)
    project.write("chart/templates/deployment.yaml", DEPLOYMENT)
    run = project.run("check", "--no-cache")
    assert run.code == 1
    assert run.out.splitlines()[:2] == [
        "slas/globex.yaml:2:3: error [yaml-syntax] SLA/globex-public-api (slopolicy/v1) cannot "
        "be read as written: a template action ({{ ... }}) stands where YAML expects a value, "
        "so the file is YAML only once rendered, and slopolicy reads documents as they are "
        "committed: the document is not checked, nor can a change of it be judged. Commit the "
        "document without template syntax (or its rendered output); if this file is a "
        "template meant to be checked once rendered, leave it out of the documents "
        "(documents.exclude) and check what it renders",
        "    slas/globex.yaml:3:1: note: SLA/globex-public-api (slopolicy/v1) starts here",
    ]
    report = check(project)
    assert report["summary"]["skipped"] == 1  # the chart's template, as before
    # what the file says it is, excluded on purpose, is no longer read
    project.write(".slopolicy.yaml", "documents:\n  exclude: [slas/**]\n")
    assert check(project)["problems"] == []
