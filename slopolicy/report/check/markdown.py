"""A Markdown summary for a pull request comment or ``$GITHUB_STEP_SUMMARY``.

A headline with the verdict and counts, the changed agreements (with
``--base``), and a table of problems, those in the files the change touched
first, folded into ``<details>`` when long.
Every cell is escaped: messages quote document content, which must not
break the table or inject markup into a review page. The report stays within
what GitHub takes (a pull request comment holds 65,536 characters, a job
summary 1 MiB): a quoted value is cut at :data:`CELL_LIMIT` characters, and
rows that would pass :data:`BUDGET` are left out, saying how many.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

from slopolicy.changes.approvals import ApprovalResult, Evidence
from slopolicy.changes.compare import (
    TERMS,
    DocumentChange,
    FieldChange,
    Key,
    ObjectiveChange,
    show_path,
)
from slopolicy.model.problems import Problem
from slopolicy.report.check import CheckReport, changed_files, shown_failing
from slopolicy.report.check.text import summary
from slopolicy.report.markdown import cell as escaped
from slopolicy.rules.value_text import format_bad_minutes, more_taken_away, show_value

if TYPE_CHECKING:
    from slopolicy.changes.changeset import ChangeSet

FOLD_AFTER = 50  # more problems than this are folded into <details>
MAX_ROWS = 200  # problems shown at most; the JSON report has them all
BUDGET = 60_000  # characters of the whole report: a PR comment holds 65,536
CELL_LIMIT = 1_000  # characters of one quoted value (a name, a message) before it is cut
_FRAME = 1_000  # the budget kept for a table's header, fold and "more" line


def report(report: CheckReport, stream: TextIO) -> None:
    lines = [headline(report), ""]
    lines += changed_agreements(report.changes, BUDGET // 2)
    used = sum(len(line) + 1 for line in lines)
    head = report.changes.head_commit if report.changes else None
    changed = changed_files(report)  # their rows first: the budget keeps the change's own
    problems = sorted(report.result.problems, key=lambda p: p.file not in changed)
    lines += problems_table(problems, link_base(os.environ, head), BUDGET - used)
    stream.write("\n".join(lines).rstrip("\n") + "\n")


def cell(text: str) -> str:
    """``text`` escaped for a table cell, cut at :data:`CELL_LIMIT` characters first."""
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    return escaped(text)


def _fitting(rows: Iterable[str], budget: int) -> list[str]:
    """The first rows whose lines fit in ``budget`` characters."""
    kept: list[str] = []
    for row in rows:
        budget -= len(row) + 1
        if budget < 0:
            break
        kept.append(row)
    return kept


def headline(report: CheckReport) -> str:
    """❌ with an error, or a warning that ``--fail-on warning`` fails on; else ✅."""
    icon = "❌" if any(shown_failing(report, p) for p in report.result.problems) else "✅"
    return f"### {icon} {cell(summary(report))}"


def link_base(env: Mapping[str, str], head: str | None = None) -> str | None:
    """The URL of the checked commit's files on the forge CI runs on, if known.

    ``head`` is the commit checked with ``--base`` (``--head``, or the one
    checked out): its lines are the ones reported. The job's own commit
    (``GITHUB_SHA``) is another one on a pull request: its merge commit, or
    the base branch's under ``pull_request_target``.
    """
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY"):
        commit = head or env.get("GITHUB_SHA")
        if commit:
            return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/blob/{commit}/"
    if env.get("CI_PROJECT_URL"):
        commit = head or env.get("CI_COMMIT_SHA")
        if commit:
            return f"{env['CI_PROJECT_URL']}/-/blob/{commit}/"
    return None


def problems_table(problems: list[Problem], base: str | None,
                   budget: int = BUDGET) -> list[str]:
    if not problems:
        return []
    shown = _fitting((_row(p, base) for p in problems[:MAX_ROWS]), budget - _FRAME)
    table = ["| Location | Severity | Rule | Document | Message |", "|---|---|---|---|---|"]
    table += shown
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
    path = quote(problem.file.encode("utf-8", "surrogateescape"), safe="/")  # any bytes
    return f"[{text}]({base}{path}#L{problem.line})"


# -- changed agreements (with --base) ------------------------------------------

_CHANGES_HEADER = [
    "#### Changed agreements",
    "",
    (
        "| Agreement | Objective | Before → after | Direction "
        "| Budget (bad minutes per window) | Approvals |"
    ),
    "|---|---|---|---|---|---|",
]


def changed_agreements(changes: ChangeSet | None, budget: int = BUDGET) -> list[str]:
    """The "Changed agreements" section: a row per changed objective or term.

    ``changes`` is the change set of ``--base`` (``CheckReport.changes``) or
    of ``diff``. Left out without one (no ``--base``) and when no
    agreement's terms changed. Agreements whose rows would pass ``budget``
    characters are counted, not shown.
    """
    if changes is None:
        return []
    changed = [change for change in changes.agreements if change.classes]
    rows: list[str] = []
    shown = 0
    for change in changed:
        more = _agreement_rows(change)
        if len(_fitting(more, budget - _FRAME)) < len(more):
            break
        budget -= sum(len(row) + 1 for row in more)
        rows += more
        shown += 1
    if len(changed) > shown:
        rows += ["", f"… and {len(changed) - shown} more changed agreements; the JSON report "
                 "(`--format json`) has them all."]
    return [*_CHANGES_HEADER, *rows, ""] if changed else []


def _agreement_rows(change: DocumentChange) -> list[str]:
    terms = _term_rows(change)
    first = [_agreement(change), *terms[0], _approvals(change.approval)]
    rest = [["", *row, ""] for row in terms[1:]]
    return ["| " + " | ".join(cells) + " |" for cells in [first, *rest]]


def _agreement(change: DocumentChange) -> str:
    before, after = change.version_before, change.version_after
    if before is not None and after is not None and before != after:
        return cell(f"{change.label} v{before} → v{after}")
    version = after if after is not None else before
    return cell(change.label + (f" v{version}" if version is not None else ""))


def _term_rows(change: DocumentChange) -> list[list[str]]:
    """[objective, before → after, direction, budget] for each changed term."""
    again = change.earlier
    if change.base is None and again is not None and again.change.classes:
        # added back: its terms against the version the base removed, as an edit shows them
        removed = f"removed in {again.short} ({again.date.date().isoformat()})"
        return [["—", cell(removed), "added back", "—"], *_term_rows(again.change)]
    if change.base is None and any(r.classes for r in change.replaces):
        # added where the change takes others away: its terms against each, as an edit
        rows = []
        for instead in change.replaces:
            assert instead.base is not None
            rows += [["—", cell(f"instead of {instead.base.kind}/{instead.base.name}"),
                      "added", "—"], *_term_rows(instead)]
        if change.replaces_more:
            rows.append(["—", cell(more_taken_away(change.replaces_more)), "added", "—"])
        return rows
    if change.base is None or change.head is None:
        return [["—", "—", "added" if change.base is None else "removed", "—"]]
    rows = [_objective_row(o, change.fields) for o in change.objectives]
    whole = {o.key for o in change.objectives}
    for field in change.fields:
        key = _objective_key(field)
        if field.direction not in TERMS or key in whole:
            continue
        if key is None:
            rows.append(["—", _before_after(field.shown, field), field.direction, "—"])
        else:
            rows.append([cell(key), _before_after("", field), field.direction, "—"])
    rows = rows or [["—", "—", ", ".join(sorted(change.classes)), "—"]]
    # an edit that gives terms to a customer and service is judged against the agreements of
    # theirs taken away, in this change (replaces) or before it (earlier): its terms against each
    for again in change.earliers:
        rows += [["—", cell(f"removed in {again.short} ({again.date.date().isoformat()})"),
                  "edited", "—"], *_term_rows(again.change)]
    for instead in change.replaces:
        if instead.base is not None and instead.classes:
            rows += [["—", cell(f"instead of {instead.base.kind}/{instead.base.name}"),
                      "edited", "—"], *_term_rows(instead)]
    return rows


def _objective_key(field: FieldChange) -> str | None:
    path = field.path
    if path[:2] == ("spec", "objectives") and len(path) > 2 and isinstance(path[2], Key):
        return path[2].value
    return None


def _objective_row(objective: ObjectiveChange, fields: Iterable[FieldChange]) -> list[str]:
    own = [f for f in fields if _objective_key(f) == objective.key]
    shown = "<br>".join(_before_after(show_path(f.path[3:]), f) for f in own) or "—"
    directions = ", ".join(sorted(objective.directions)) or "modified"
    return [cell(objective.key), shown, directions, _budget(objective)]


def _before_after(label: str, field: FieldChange) -> str:
    text = f"{show_value(field.before)} → {show_value(field.after)}"
    return cell(f"{label}: {text}" if label else text)


def _budget(objective: ObjectiveChange) -> str:
    before_minutes = format_bad_minutes(objective.budget_before)
    minutes = f"{before_minutes} → {format_bad_minutes(objective.budget_after)}"
    before, after = objective.window_before, objective.window_after
    if before == after:
        return cell(f"{minutes} per {after}" if after else minutes)
    return cell(f"{minutes} (per {before} → per {after})")


def _approvals(result: ApprovalResult | None) -> str:
    """Approvals found (✅ counted, ✖ not counted and why) and missing (❌)."""
    if result is None:
        return "—"
    lines = [_evidence(e) for e in result.evidence]
    for short in result.missing:
        holders = f" (from {cell(', '.join(short.holders))})" if short.holders else ""
        role = cell(short.role)
        lines.append(f"❌ {short.missing} more {role} for {short.change_class}{holders}")
    lines += [f"❌ {cell(item.split(';')[0])}" for item in result.unsigned]
    return "<br>".join(lines) or "none needed"


def _evidence(evidence: Evidence) -> str:
    who = cell(evidence.identity)
    if not evidence.valid:
        return f"✖ {who} ({evidence.evidence}): {cell(evidence.reason)}"
    roles = ", ".join(sorted(evidence.roles)) or evidence.role or ""
    return f"✅ {who} ({cell(roles)}, {evidence.evidence})"
