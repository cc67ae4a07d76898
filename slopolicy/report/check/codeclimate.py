"""GitLab Code Quality: the Code Climate issue list GitLab shows on a merge request.

A JSON array with one issue per problem: ``description``, ``check_name``
(the rule id), ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical`` or ``blocker``) and ``location`` (``path`` from the
repository root, ``lines.begin``). GitLab compares the fingerprints of the
merge request's report with the target branch's to say which issues are new
and which are fixed, so a fingerprint follows the finding (rule, file,
document and path), not its line: moving a document down a file does not
make its problems new.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any, TextIO

from slopolicy.model.problems import Problem
from slopolicy.report.check import CheckReport

# An error fails the check, as a major issue fails a quality gate; a waived
# problem stays visible, as information.
SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def issues(report: CheckReport) -> list[dict[str, Any]]:
    """One Code Quality issue per problem, with distinct fingerprints."""
    seen: Counter[str] = Counter()
    found = []
    for problem in report.result.problems:
        identity = _identity(problem)
        seen[identity] += 1
        found.append(_issue(problem, f"{identity}\0{seen[identity]}"))
    return found


def _identity(problem: Problem) -> str:
    return f"{problem.rule}\0{problem.file}\0{problem.document}\0{problem.path}"


def _issue(problem: Problem, identity: str) -> dict[str, Any]:
    where = f" ({problem.document}, {problem.path})" if problem.document and problem.path else ""
    waived = f" [waived: {problem.waiver_reason}]" if problem.waived else ""
    return {
        "type": "issue",
        "description": f"{problem.message}{where}{waived}",
        "check_name": problem.rule,
        "categories": ["Bug Risk"],
        "fingerprint": hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest(),
        "severity": "info" if problem.waived else SEVERITIES[problem.severity],
        "location": {"path": problem.file, "lines": {"begin": problem.line}},
    }


def report(report: CheckReport, stream: TextIO) -> None:
    json.dump(issues(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
