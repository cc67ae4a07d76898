"""Check reporters: each turns a check result into one output format.

``REPORTERS`` lists every ``--format`` of ``slopolicy check``; the command
line builds its choices from it. Reporters only format. Importing this
package is cheap (the parser reads the names); a format's module is
imported when it is chosen.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from slopolicy.report import Registry

if TYPE_CHECKING:
    from slopolicy.changes.changeset import ChangeSet
    from slopolicy.check.engine import Result
    from slopolicy.model.problems import Problem
    from slopolicy.rules import Rule


class CheckReport(NamedTuple):
    """Everything a check reporter may show."""

    result: Result
    rules: Mapping[str, Rule] = MappingProxyType({})  # by id, for their documentation
    changes: ChangeSet | None = None  # what changed, with --base
    fail_on: str = "error"  # --fail-on: the lowest severity that fails the run, or never
    seconds: float = 0.0  # how long the check took, for the reports that show a duration


def fails(problem: Problem, fail_on: str) -> bool:
    """Whether ``problem`` fails a run with ``--fail-on fail_on`` (a waived one never does)."""
    if problem.waived or fail_on == "never":
        return False
    return problem.severity == "error" or (fail_on == "warning" and problem.severity == "warning")


def shown_failing(report: CheckReport, problem: Problem) -> bool:
    """Whether a report shows ``problem`` as a failure: what fails the run, and an error
    with ``--fail-on never`` too (that keeps the exit code 0; an error stays an error)."""
    return fails(problem, "warning" if report.fail_on == "warning" else "error")


REPORTERS: Registry[CheckReport] = Registry(__name__, {
    "text": "text",
    "json": "json_report",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "codeclimate": "codeclimate",
})


def changed_files(report: CheckReport) -> frozenset[str]:
    """The files the change touched (``--base``): its documents' and the policy's."""
    if report.changes is None:
        return frozenset()
    files = {path for change in report.changes.documents for path in change.paths}
    if report.changes.policy is not None:
        files.update(report.changes.policy.paths)
    return frozenset(files)
