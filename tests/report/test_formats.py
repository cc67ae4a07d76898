"""One registry per report family: the CLI offers exactly its formats, and every one renders.

The families are ``check`` (``slopolicy check --format``), ``changes``
(``slopolicy diff --format``), ``audit`` (``slopolicy audit --format``) and
``fixtures`` (``slopolicy test --format``).
A format is imported only when chosen.
"""
from __future__ import annotations

import datetime
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepos import GitProject, sla

from slopolicy.changes.changeset import ChangeSet
from slopolicy.changes.compare import compare_files
from slopolicy.check.engine import Result
from slopolicy.cli import main
from slopolicy.config.project import open_project
from slopolicy.gitops import audit
from slopolicy.gitops.audit import AuditReport
from slopolicy.gitops.git import open_repo
from slopolicy.load.files import load_bytes
from slopolicy.model.problems import Problem
from slopolicy.report import Registry
from slopolicy.report.audit import REPORTERS as AUDIT
from slopolicy.report.changes import REPORTERS as CHANGES
from slopolicy.report.check import REPORTERS as CHECK
from slopolicy.report.check import CheckReport
from slopolicy.report.fixtures import REPORTERS as FIXTURES
from slopolicy.rules import builtin_rules

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: initech-billing
spec:
  customer: initech
  service: billing
  version: {version}
  effective: {{from: 2025-07-01}}
  window: {{rolling: 28d}}
  budgetingMethod: Occurrences
  objectives:
    - {{name: availability, indicator: availability, target: {target}}}
"""


def format_choices(capsys: pytest.CaptureFixture[str], command: str) -> list[str]:
    """The ``--format`` choices ``slopolicy COMMAND --help`` offers."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    found = re.search(r"--format \{([^}]*)\}", capsys.readouterr().out)
    assert found is not None
    return found.group(1).split(",")


@pytest.mark.parametrize(("command", "registry"),
                         [("check", CHECK), ("diff", CHANGES), ("audit", AUDIT),
                          ("test", FIXTURES)])
def test_the_cli_offers_exactly_the_registry_formats(
    capsys: pytest.CaptureFixture[str], command: str, registry: Registry[object]
) -> None:
    assert format_choices(capsys, command) == registry.names()


def change_set() -> ChangeSet:
    """A real change set: one SLA loosened from 99.9% to 99.5%."""
    base = load_bytes("slas/initech.yaml", SLA.format(version=1, target="0.999").encode())
    head = load_bytes("slas/initech.yaml", SLA.format(version=2, target="0.995").encode())
    return ChangeSet("origin/main", "b" * 40, "b" * 40, None, None, compare_files([base], [head]))


@pytest.mark.parametrize("name", CHECK.names())
def test_every_check_format_renders_a_report(name: str) -> None:
    problem = Problem("slas/initech.yaml", 4, 9, "duplicate-name", "error",
                      "SLA/initech-billing is defined twice", document="SLA/initech-billing")
    result = Result([problem], files=1, documents=1, checked=["slas/initech.yaml"])
    for changes in (None, change_set()):
        stream = io.StringIO()
        CHECK.get(name)(CheckReport(result, builtin_rules(), changes), stream)
        assert "duplicate-name" in stream.getvalue()


@pytest.mark.parametrize("name", CHANGES.names())
def test_every_changes_format_renders_a_change_set(name: str) -> None:
    stream = io.StringIO()
    CHANGES.get(name)(change_set(), stream)
    assert "SLA/initech-billing" in stream.getvalue()
    assert "loosened" in stream.getvalue()


def audit_reports(repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> list[AuditReport]:
    """A real audit of two versions and a policy edit: its timeline, and its terms on a date."""
    repo.write("slas/globex.yaml", sla(version=2, target="99.5"))
    repo.commit("loosen the agreement", date="2025-03-10T12:00:00+00:00")
    repo.write(".slopolicy.yaml", (repo.root / ".slopolicy.yaml").read_text() + "# noted\n")
    repo.commit("edit the policy", date="2025-03-11T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    history = audit.walk(open_project([], None), open_repo(repo.root))
    on = datetime.date(2025, 6, 30)
    return [
        AuditReport(history, history.agreements, name="repo"),
        AuditReport(history, history.agreements, as_of=on,
                          answers=audit.snapshot(history, on, None), name="repo"),
    ]


@pytest.mark.parametrize("name", AUDIT.names())
def test_every_audit_format_renders_a_timeline_and_a_snapshot(
    name: str, repo: GitProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline, snapshot = audit_reports(repo, monkeypatch)
    outputs = []
    for report in (timeline, snapshot):
        stream = io.StringIO(newline="")
        AUDIT.get(name)(report, stream)
        assert "globex-public-api" in stream.getvalue()
        outputs.append(stream.getvalue())
    assert outputs[0] != outputs[1]  # a snapshot answers another question than the timeline


@pytest.mark.parametrize(("family", "chosen", "others"), [
    ("check", "junit", ["text", "json_report", "github", "sarif", "markdown"]),
    ("changes", "json", ["text", "markdown"]),
    ("audit", "csv", ["text", "json", "markdown", "html"]),
    ("fixtures", "junit", ["text"]),
])
def test_choosing_a_format_imports_that_module_alone(
    tmp_path: Path, family: str, chosen: str, others: list[str]
) -> None:
    script = (f"import sys, json\nfrom slopolicy.report.{family} import REPORTERS\n"
              f"REPORTERS.get({chosen!r})\nprint(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    loaded = set(json.loads(done.stdout))
    package = f"slopolicy.report.{family}"
    assert f"{package}.{chosen}" in loaded
    assert sorted(f"{package}.{m}" for m in others if f"{package}.{m}" in loaded) == []
