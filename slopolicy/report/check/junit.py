"""JUnit XML, for the test report views of GitLab, Jenkins and GitHub Actions.

One test suite, ``slopolicy``; one test case per checked file. A file with
errors fails with one ``<failure>`` that lists every error: GitLab, Jenkins
and most GitHub reporters read only the first ``<failure>`` of a test case,
so a failure per problem would hide all but one. A file fails on an error,
and on a warning too with ``--fail-on warning`` (so the test summary agrees
with the job); its other problems, waived ones included, are listed in its
``<system-out>``.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TextIO

from slopolicy.model.problems import Problem
from slopolicy.report import xml
from slopolicy.report.check import CheckReport, shown_failing


def report(report: CheckReport, stream: TextIO) -> None:
    xml.write(build(report), stream)


def build(report: CheckReport) -> ET.Element:
    by_file = _group(report.result.checked, report.result.problems)
    cases = [_testcase(report, file, problems) for file, problems in by_file.items()]
    failures = sum(1 for case in cases if case.find("failure") is not None)
    # the run's duration: per file it is not measured (the rules span files), so 0 each
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0",
              "time": f"{report.seconds:.3f}"}
    root = ET.Element("testsuites", {"name": "slopolicy", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "slopolicy", **counts, "skipped": "0"})
    suite.extend(cases)
    return root


def _group(checked: Iterable[str], problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Problems by file, over every checked file and every file with a problem."""
    problems = list(problems)
    files = sorted(set(checked) | {p.file for p in problems})
    by_file: dict[str, list[Problem]] = {file: [] for file in files}
    for problem in problems:
        by_file[problem.file].append(problem)
    return by_file


def _testcase(report: CheckReport, file: str, problems: list[Problem]) -> ET.Element:
    name = xml.text(file)
    case = ET.Element("testcase", {"classname": name, "name": name, "file": name, "time": "0"})
    errors = [p for p in problems if shown_failing(report, p)]
    others = [p for p in problems if not shown_failing(report, p)]
    if errors:
        failure = ET.SubElement(case, "failure", {"message": xml.text(_failure_message(errors))})
        failure.set("type", errors[0].rule)
        failure.text = xml.text("\n".join(describe(p) for p in errors))
    if others:
        out = ET.SubElement(case, "system-out")
        out.text = xml.text("\n".join(describe(p) for p in others))
    return case


def _failure_message(errors: list[Problem]) -> str:
    first = f"[{errors[0].rule}] {errors[0].message}"
    more = len(errors) - 1
    noun = "error" if all(p.severity == "error" for p in errors) else "problem"
    return first if not more else f"{first} (and {more} more {noun}{'s' if more > 1 else ''})"


def describe(problem: Problem) -> str:
    """One problem as text: where, what, in which document and path, related."""
    severity = "waived" if problem.waived else problem.severity
    where = f"{problem.file}:{problem.line}:{problem.column}"
    lines = [f"{where}: {severity} [{problem.rule}] {problem.message}"]
    if problem.waived:
        lines.append(f"    waiver: {problem.waiver_reason}")
    if problem.document:
        lines.append(f"    document: {problem.document}")
    if problem.path:
        lines.append(f"    path: {problem.path}")
    for related in problem.related:
        at = f"{related.file}:{related.line}:{related.column}"
        lines.append(f"    related: {at}: {related.message}")
    return "\n".join(lines)
