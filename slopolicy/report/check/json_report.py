"""The JSON report: the contract every other format derives from."""
from __future__ import annotations

import json
from typing import Any, TextIO

from slopolicy import __version__
from slopolicy.model.problems import Problem
from slopolicy.report.changes.json import changeset_json
from slopolicy.report.check import CheckReport


def problem_json(p: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": p.rule,
        "severity": p.severity,
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "document": p.document,
        "path": p.path,
        "message": p.message,
    }
    if p.related:
        out["related"] = [
            {"file": r.file, "line": r.line, "column": r.column, "message": r.message}
            for r in p.related
        ]
    if p.waived:
        out["waived"] = True
        out["waiverReason"] = p.waiver_reason
    return out


def as_dict(report: CheckReport) -> dict[str, Any]:
    result = report.result
    out: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "slopolicy", "version": __version__},
        "summary": {
            "files": result.files,
            "documents": result.documents,
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "waived": result.waived,
            "skipped": result.skipped,
        },
        "problems": [problem_json(p) for p in result.problems],
    }
    if report.changes is not None:  # with --base: what changed, and the approvals found
        out["changes"] = changeset_json(report.changes)
    return out


def report(report: CheckReport, stream: TextIO) -> None:
    json.dump(as_dict(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
