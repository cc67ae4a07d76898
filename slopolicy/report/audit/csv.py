"""The audit as CSV, for a spreadsheet: one row per version (or per agreement in force)."""
from __future__ import annotations

import csv
from typing import TextIO

from slopolicy.gitops.audit import AuditReport
from slopolicy.report.audit import words
from slopolicy.rules.value_text import show_value

TIMELINE = ("document", "file", "date", "commit", "author", "version", "effective_from",
            "effective_until", "change", "classes", "changes", "approvals", "compliant",
            "missing", "retroactive")
SNAPSHOT = ("as_of", "known_at", "document", "file", "version", "effective_from",
            "effective_until", "commit", "recorded", "author", "terms", "differs_from_then")


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline."""
    (snapshot if report.as_of is not None else timeline)(report, stream)


def timeline(report: AuditReport, stream: TextIO) -> None:
    # RFC 4180 line ends, which every spreadsheet reads.
    out = csv.writer(stream, lineterminator="\r\n")
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
    out = csv.writer(stream, lineterminator="\r\n")
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
