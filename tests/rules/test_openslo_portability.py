"""openslo-portability: valid OpenSLO v1 that the go-sdk refuses is a warning, never an error.

Every run here is the real command line (``python -m slopolicy check --format
json``) on real files; where a finding is, is read off the file's own text.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import HERE, Project

from slopolicy import runtime
from slopolicy.check import analysis, engine
from slopolicy.config.project import open_project
from slopolicy.load import discovery
from slopolicy.model.documents import Document
from slopolicy.model.problems import Problem
from slopolicy.rules.context import Context

RATIO = """\
ratioMetric:
  counter: true
  good:
    metricSource: {type: Prometheus, spec: {query: sum(ok)}}
  total:
    metricSource: {type: Prometheus, spec: {query: sum(all)}}
"""
THRESHOLD = """\
thresholdMetric:
  metricSource: {type: Prometheus, spec: {query: p95}}
"""
SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n"


def indent(text: str, by: int) -> str:
    return "".join(" " * by + line + "\n" for line in text.splitlines())


def slo(indicator: str, objective: str, name: str = "checkout-availability") -> str:
    """An SLO whose SLI is ``indicator`` (the lines under spec) and whose objective has ``objective``."""
    return (
        f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n"
        f"  service: checkout\n{indicator}"
        "  timeWindow:\n    - duration: 28d\n      isRolling: true\n"
        "  budgetingMethod: Occurrences\n  objectives:\n    - displayName: good\n"
        f"{objective}      target: 0.999\n"
    )


def inline(metric: str) -> str:
    return "  indicator:\n    metadata:\n      name: checkout-success\n    spec:\n" + indent(metric, 6)


def sli(metric: str) -> str:
    return ("apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: checkout-success\nspec:\n"
            + indent(metric, 2))


REF = "  indicatorRef: checkout-success\n"
OP_VALUE = "      op: gt\n      value: 0.9\n"
DATASOURCE = """\
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prometheus
spec:
  type: Prometheus
"""


@dataclass
class Done:
    code: int
    report: dict[str, Any]
    stderr: str

    def found(self) -> list[tuple[str, int, int, str, str]]:
        """(file, line, column, rule, severity) of every problem."""
        return [(p["file"], p["line"], p["column"], p["rule"], p["severity"])
                for p in self.report["problems"]]


def cli(project: Project, *args: str) -> Done:
    """``slopolicy check --format json`` in its own process, as a user or CI runs it."""
    done = subprocess.run([sys.executable, "-m", "slopolicy", "check", "--format", "json", *args],
                          cwd=project.root, env=dict(os.environ), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return Done(done.returncode, json.loads(done.stdout), done.stderr)


def at(project: Project, name: str, line_text: str) -> tuple[int, int]:
    """Line and column (1-based) of the key on the first line of file ``name`` that is ``line_text``."""
    lines = (project.root / name).read_text().splitlines()
    line = lines.index(line_text) + 1
    key = line_text.lstrip().removeprefix("- ")
    return line, len(line_text) - len(key) + 1


def warning(project: Project, name: str, line_text: str) -> tuple[str, int, int, str, str]:
    return (name, *at(project, name, line_text), "openslo-portability", "warning")


def test_op_and_value_on_an_inline_ratio_sli_are_warnings_at_their_keys(project: Project) -> None:
    project.write("service.yaml", SERVICE)
    project.write("slo.yaml", slo(inline(RATIO), OP_VALUE))
    done = cli(project)
    assert done.found() == [warning(project, "slo.yaml", "      op: gt"),
                            warning(project, "slo.yaml", "      value: 0.9")]
    op, value = (p["message"] for p in done.report["problems"])
    assert op.startswith("op on an objective of the inline ratioMetric SLI: the OpenSLO go-sdk "
                         'refuses it ("property is forbidden"); the OpenSLO v1 spec allows it')
    assert value.startswith("value on an objective of the inline ratioMetric SLI")
    # only warnings: the run passes, as every warning does unless --fail-on warning
    assert done.code == 0
    assert (done.report["summary"]["errors"], done.report["summary"]["warnings"]) == (0, 2)
    assert cli(project, "--fail-on", "warning").code == 1


def test_op_on_a_ratio_sli_behind_indicator_ref_is_a_warning_with_the_sli(project: Project) -> None:
    project.write("service.yaml", SERVICE)
    project.write("sli.yaml", sli(RATIO))
    project.write("slo.yaml", slo(REF, "      op: gte\n"))
    done = cli(project)
    assert done.found() == [warning(project, "slo.yaml", "      op: gte")]
    (problem,) = done.report["problems"]
    assert problem["message"].startswith(
        "op on an objective of SLI checkout-success, a ratioMetric: the OpenSLO go-sdk refuses it "
        "wherever the SLI is written inline")
    assert "the OpenSLO v1 spec allows it" in problem["message"]
    # and points at what the SLI is: its spec
    assert [(r["file"], r["line"], r["column"]) for r in problem["related"]] == [
        ("sli.yaml", *at(project, "sli.yaml", "  ratioMetric:"))]
    assert done.code == 0


def test_a_datasource_without_connection_details_is_a_warning_at_its_spec(project: Project) -> None:
    project.write("datasources.yaml", DATASOURCE + "---\n" + DATASOURCE.replace(
        "name: prometheus", "name: thanos").replace(
        "type: Prometheus\n", "type: Prometheus\n  connectionDetails: {url: 'http://thanos:9090'}\n"))
    done = cli(project)
    assert done.found() == [warning(project, "datasources.yaml", "spec:")]  # the first one only
    (problem,) = done.report["problems"]
    assert problem["document"] == "DataSource/prometheus"
    assert problem["message"].startswith(
        "DataSource prometheus has no connectionDetails: the OpenSLO go-sdk refuses a DataSource "
        "without them; the OpenSLO v1 spec allows it")
    assert done.code == 0


def test_what_the_spec_requires_stays_an_error(project: Project) -> None:
    """A threshold SLI needs op and value, inline (the schema) and by reference (openslo-semantics)."""
    project.write("service.yaml", SERVICE)
    project.write("sli.yaml", sli(THRESHOLD))
    project.write("inline.yaml", slo(inline(THRESHOLD), "", name="inline-latency"))
    project.write("ref.yaml", slo(REF, "", name="ref-latency"))
    project.write("notype.yaml", DATASOURCE.replace("  type: Prometheus\n",
                                                    "  connectionDetails: {url: 'http://p:9090'}\n"))
    done = cli(project)
    assert done.found() == [
        ("inline.yaml", *at(project, "inline.yaml", "    - displayName: good"), "schema", "error"),
        ("notype.yaml", *at(project, "notype.yaml", "  connectionDetails: {url: 'http://p:9090'}"),
         "schema", "error"),  # the spec lacks a type
        ("ref.yaml", *at(project, "ref.yaml", "    - displayName: good"), "openslo-semantics",
         "error"),
    ]
    assert done.code == 1


def test_nothing_to_say_where_both_agree(project: Project) -> None:
    """op and value with a threshold SLI; none with a ratio SLI; op in a composite SLO."""
    project.write("service.yaml", SERVICE)
    project.write("sli.yaml", sli(THRESHOLD))
    project.write("threshold.yaml", slo(REF, OP_VALUE, name="latency"))
    project.write("ratio.yaml", slo(inline(RATIO), "", name="availability"))
    composite = slo("", "", name="composite").replace(
        "      target: 0.999\n",
        "      target: 0.999\n      op: gt\n" + indent(inline(RATIO), 4))
    project.write("composite.yaml", composite)
    project.write("datasource.yaml", DATASOURCE + "  connectionDetails: {url: 'http://p:9090'}\n")
    done = cli(project)
    assert done.report["problems"] == [] and done.code == 0
    assert done.report["summary"]["documents"] == 6


def test_other_formats_are_judged_by_their_own_schema_only(project: Project) -> None:
    """A v2alpha SLO is mapped into OpenSLO v1 terms for the rules; what v1 allows is no
    excuse for it: its op on a ratio SLI stays its own schema's error, with no warning."""
    original = HERE / "formats" / "openslo" / "v2alpha" / "slos.yaml"
    shutil.copyfile(original, project.root / "slos.yaml")
    done = cli(project, "--select", "schema,openslo-semantics,openslo-portability")
    line, column = at(project, "slos.yaml", "        op: gt")
    assert done.found() == [("slos.yaml", line, column + len("op: "), "schema", "error")]


def test_the_warning_is_turned_off_or_raised_in_the_configuration(project: Project) -> None:
    project.write("service.yaml", SERVICE)
    project.write("slo.yaml", slo(inline(RATIO), "      op: gt\n"))
    project.write("datasource.yaml", DATASOURCE)
    assert [f[3] for f in cli(project).found()] == ["openslo-portability"] * 2
    project.write(".slopolicy.yaml", "rules:\n  openslo-portability: off\n")
    done = cli(project)
    assert done.report["problems"] == [] and done.code == 0
    project.write(".slopolicy.yaml", "rules:\n  openslo-portability: error\n")
    done = cli(project)
    assert [(f[3], f[4]) for f in done.found()] == [("openslo-portability", "error")] * 2
    assert done.code == 1
    project.write(".slopolicy.yaml", "extends: strict\n")
    assert [f[4] for f in cli(project).found()] == ["error", "error"]


def settle(project: Project) -> None:
    """Date every file a minute back: a file changed within the last moments is read afresh
    (its time stamp could hide a second change), and a warm run is about the others."""
    past = time.time() - 60
    for path in project.root.rglob("*.yaml"):
        os.utime(path, (past, past))


def test_a_warm_run_gives_the_same_findings_from_the_cache(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("service.yaml", SERVICE)
    project.write("sli.yaml", sli(RATIO))
    project.write("ref.yaml", slo(REF, OP_VALUE, name="by-reference"))
    project.write("inline.yaml", slo(inline(RATIO), "      op: lt\n", name="inline"))
    project.write("datasource.yaml", DATASOURCE)
    settle(project)
    cold = cli(project)
    assert len(cold.found()) == 4
    warm = cli(project)
    assert (warm.code, warm.report) == (cold.code, cold.report)
    # as `slopolicy check` runs, in this process to see inside: one file changed, and only it
    # is decoded; the rule reads what it needs of the others from the facts they kept
    project.write("service.yaml", SERVICE + "spec: {description: checkout}\n")
    documents, problems = engine_run(project, monkeypatch)
    assert {d.source.path for d in documents if d.loaded} == {"service.yaml"}
    assert [(p.file, p.line, p.column, p.rule, p.severity) for p in problems] == cold.found()
    # the SLOs keep their facts; their SLI, edited, decides afresh: a threshold SLI wants op
    # and value, so the SLO by reference is right as it is
    project.write("sli.yaml", sli(THRESHOLD))
    assert cli(project).found() == [warning(project, "datasource.yaml", "spec:"),
                                    warning(project, "inline.yaml", "      op: lt")]


def engine_run(project: Project,
               monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[Document, ...], list[Problem]]:
    """The documents and problems of a run made as `slopolicy check` makes it, from the cache."""
    monkeypatch.chdir(project.root)
    found = open_project([], None)
    cache = analysis.open_cache(found)
    assert cache is not None
    with runtime.loading():
        paths = discovery.discover(found.config, found.repo_root)
        files = analysis.load_files(paths, found.repo_root, cache)
    ctx = Context(files)
    return ctx.documents, engine.check(ctx, found.rules, found.config)


def test_rules_lists_and_explains_it(project: Project) -> None:
    listed = subprocess.run([sys.executable, "-m", "slopolicy", "rules"], cwd=project.root,
                            capture_output=True, text=True, timeout=60)
    [line] = [x for x in listed.stdout.splitlines() if x.startswith("openslo-portability ")]
    assert line.split()[1] == "warning"
    explained = subprocess.run([sys.executable, "-m", "slopolicy", "rules", "explain",
                                "openslo-portability"], cwd=project.root, capture_output=True,
                               text=True, timeout=60)
    assert explained.returncode == 0
    text = explained.stdout
    assert "the go-sdk refuses them" in text and "the spec does not mark it" in text
    assert "Passing example" in text and "Failing example" in text
    assert "- op: gt" in text.split("Failing example")[1]
