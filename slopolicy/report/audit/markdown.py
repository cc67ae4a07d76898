"""The audit as Markdown: a table per agreement (a pull-request comment, a wiki page).

Every name, path, author and trailer is written as a cell
(:func:`slopolicy.report.markdown.cell`): escaped, with no mention.
"""
from __future__ import annotations

from typing import TextIO

from slopolicy.gitops.audit import AuditReport, Move, Version
from slopolicy.report.audit import words
from slopolicy.report.markdown import cell as _cell


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline."""
    (snapshot if report.as_of is not None else timeline)(report, stream)


def timeline(report: AuditReport, stream: TextIO) -> None:
    stream.write(f"# Agreement audit\n\n{_cell(words.summary(report))}\n")
    failed = report.failures()
    if failed:
        stream.write("\n**Changes without the approvals they needed:** "
                     + ", ".join(f"`{c.commit.short}` ({_cell(words.title(c))})"
                                 for c in failed) + "\n")
    for agreement in report.shown():
        spec = agreement.latest.doc.spec
        stream.write(f"\n## {_cell(agreement.label)}\n\n<code>{_cell(agreement.file)}</code> · customer "
                     f"{_cell(str(spec.get('customer', '?')))} · service "
                     f"{_cell(str(spec.get('service', '?')))}"
                     f"{' · **removed**' if agreement.removed else ''}\n\n")
        stream.write("| Date | Commit | Version | Effective | Change | What changed | Approvals "
                     "| Policy |\n|---|---|---|---|---|---|---|---|\n")
        notes = []
        for event in words.events(report, agreement):
            if isinstance(event, Move):
                stream.write(f"| {event.commit.date.date().isoformat()} | "
                             f"`{event.commit.short}` | | | moved | {_cell(words.moved(event))} "
                             "| | |\n")
                continue
            stream.write(_row(event))
            if event.retroactive:
                notes.append(f"`{event.commit.short}`: {_cell(words.retroactive(event))}")
        for note in notes:
            stream.write(f"\n> ⚠️ {note}\n")
    _policy(report, stream)


def _policy(report: AuditReport, stream: TextIO) -> None:
    changes = report.policy_changes()
    if not changes:
        return
    stream.write("\n## Policy\n\nThe configuration, what it extends, and the allowed signers: "
                 "each change judged by the policy before it.\n\n"
                 "| Date | Commit | Files | Approvals | Policy |\n|---|---|---|---|---|\n")
    for change in changes:
        found = "<br>".join(f"{'✅' if item.valid else '❌'} {_cell(line)}"
                            for item, line in words.evidence(change))
        verdict = ("✅ " if change.compliant else "❌ ") + _cell(words.verdict(change))
        stream.write(f"| {change.commit.date.date().isoformat()} | `{change.commit.short}` | "
                     f"{_cell(words.policy_files(change))} | {found} | {verdict} |\n")


def _row(version: Version) -> str:
    changed = "<br>".join(_cell(line) for line in words.field_lines(version))
    found = "<br>".join(f"{'✅' if item.valid else '❌'} {_cell(line)}"
                        for item, line in words.evidence(version))
    verdict = ("✅ " if version.compliant else "❌ ") + _cell(words.verdict(version))
    return (f"| {version.commit.date.date().isoformat()} | `{version.commit.short}` | "
            f"{_cell(str(version.number))} | {_cell(words.effective(version))} | "
            f"{version.status} | {changed} | {found} | {verdict} |\n")


def snapshot(report: AuditReport, stream: TextIO) -> None:
    stream.write(f"# {_cell(words.snapshot_title(report))}\n\n")
    answers = report.answers or []
    stream.write("| Agreement | Version | Effective | Recorded | Terms |\n|---|---|---|---|---|\n")
    for answer in answers:
        version = answer.version
        if version is None:
            stream.write(f"| {_cell(answer.agreement.label)} | not in force | | | |\n")
            continue
        terms = "<br>".join(_cell(line) for line in words.terms_lines(version))
        stream.write(f"| {_cell(answer.agreement.label)} | {_cell(str(version.number))} | "
                     f"{_cell(words.effective(version))} | `{version.commit.short}` "
                     f"{version.commit.date.date().isoformat()} | {terms} |\n")
    for answer in answers:
        if answer.differs:
            stream.write(f"\n> ⚠️ **{_cell(answer.agreement.label)}**: "
                         f"{_cell(words.difference(answer))}\n")
