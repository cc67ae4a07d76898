"""The audit as CSV, for a spreadsheet: one row per version (or per agreement in force).

Every cell is text from git or a document (an author's name, a commit
message's trailer, a customer's name), which anyone can write. A spreadsheet
reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula, so such a cell is written behind
an apostrophe, which spreadsheets show as text and do not evaluate.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from slopolicy.gitops.audit import AuditReport
from slopolicy.report.audit import words
from slopolicy.rules.value_text import show_value

TIMELINE = ("document", "file", "date", "commit", "author", "version", "effective_from",
            "effective_until", "change", "classes", "changes", "approvals", "compliant",
            "missing", "retroactive")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

SNAPSHOT = ("as_of", "known_at", "document", "file", "version", "effective_from",
            "effective_until", "commit", "recorded", "author", "terms", "differs_from_then")


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline."""
    (snapshot if report.as_of is not None else timeline)(report, stream)


def neutral(cell: Any) -> str:
    """A cell as text a spreadsheet shows and never evaluates as a formula."""
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """A CSV writer with RFC 4180 line ends (which every spreadsheet reads), each cell neutral."""

    def __init__(self, stream: TextIO) -> None:
        self._out = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._out.writerow([neutral(cell) for cell in row])


def timeline(report: AuditReport, stream: TextIO) -> None:
    out = SafeWriter(stream)
    out.writerow(TIMELINE)
    for agreement in report.shown():
        for version in report.versions(agreement):
            start, end = version.effective
            out.writerow([
                agreement.label, version.file, version.commit.date.isoformat(),
                version.commit.sha, version.commit.author, show_value(version.number),
                _cell(start), _cell(end), version.status,
                " ".join(sorted(version.change.classes)),
                "; ".join(words.field_lines(version)),
                "; ".join(line for _, line in words.evidence(version)),
                "yes" if version.compliant else "no",
                "" if version.compliant else version.missing_text(),
                "yes" if version.retroactive else "no",
            ])
    for change in report.policy_changes():
        out.writerow([
            change.label, change.config_file, change.commit.date.isoformat(), change.commit.sha,
            change.commit.author, "", "", "", "policy", "policy", words.policy_files(change),
            "; ".join(line for _, line in words.evidence(change)),
            "yes" if change.compliant else "no",
            "" if change.compliant else change.missing_text(), "no",
        ])


def snapshot(report: AuditReport, stream: TextIO) -> None:
    out = SafeWriter(stream)
    out.writerow(SNAPSHOT)
    as_of = report.as_of.isoformat() if report.as_of else ""
    known_at = report.known_at.isoformat() if report.known_at else ""
    for answer in report.answers or []:
        version = answer.version
        note = words.difference(answer) if answer.differs else ""
        if version is None:
            out.writerow([as_of, known_at, answer.agreement.label, "", "", "", "", "", "", "",
                          "", note])
            continue
        start, end = version.effective
        out.writerow([as_of, known_at, answer.agreement.label, version.file,
                      show_value(version.number), _cell(start), _cell(end), version.commit.sha,
                      version.commit.date.isoformat(), version.commit.author,
                      "; ".join(words.terms_lines(version)), note])


def _cell(value: object) -> str:
    return "" if value is None else show_value(value)
