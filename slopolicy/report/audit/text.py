"""The audit as plain text: one block per agreement, one line per change.

What git and documents hold (a commit author, a customer's name, a trailer's
identity) is shown as :func:`~slopolicy.report.terminal.line` escapes it, so
it cannot break a line, drive the terminal or reorder its text.
"""
from __future__ import annotations

from typing import TextIO

from slopolicy.gitops.audit import AuditReport, Move, Version
from slopolicy.report.audit import words
from slopolicy.report.terminal import line as one_line


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline."""
    (snapshot if report.as_of is not None else timeline)(report, stream)


def timeline(report: AuditReport, stream: TextIO) -> None:
    stream.write(one_line(words.summary(report)) + "\n")
    for agreement in report.shown():
        spec = agreement.latest.doc.spec
        gone = ", removed" if agreement.removed else ""
        stream.write("\n" + one_line(f"{agreement.label}  {agreement.file}  (customer "
                     f"{spec.get('customer', '?')}, service {spec.get('service', '?')}{gone})")
                     + "\n")
        for event in words.events(report, agreement):
            if isinstance(event, Move):
                stream.write(f"  {event.commit.date.date().isoformat()}  {event.commit.short}  "
                             f"{one_line(words.moved(event))}\n")
            else:
                _version(event, stream)
    changes = report.policy_changes()
    if changes:
        stream.write(f"\npolicy  {one_line(changes[-1].config_file)}, what it extends, "
                     "allowed signers\n")
    for change in changes:
        stream.write(f"  {change.commit.date.date().isoformat()}  {change.commit.short}  "
                     + one_line(f"{words.policy_files(change)}  {change.commit.author}  "
                                f"{words.verdict(change)}") + "\n")
        for item, line in words.evidence(change):
            stream.write(f"      {'✓' if item.valid else '✗'} {one_line(line)}\n")


def _version(version: Version, stream: TextIO) -> None:
    commit = version.commit
    stream.write(one_line(f"  {commit.date.date().isoformat()}  {commit.short}  "
                          f"{words.number(version):<4} {version.status:<10} {commit.author}  "
                          f"effective {words.effective(version)}  {words.verdict(version)}")
                 + "\n")
    for line in words.field_lines(version):
        stream.write(f"      {one_line(line)}\n")
    for item, line in words.evidence(version):
        stream.write(f"      {'✓' if item.valid else '✗'} {one_line(line)}\n")
    if version.retroactive:
        stream.write(f"      ! {one_line(words.retroactive(version))}\n")


def snapshot(report: AuditReport, stream: TextIO) -> None:
    answers = report.answers or []
    stream.write(one_line(words.snapshot_title(report)) + "\n")
    if not any(a.version for a in answers):
        stream.write("\nno agreement was in force on that date\n")
    for answer in answers:
        version = answer.version
        stream.write(f"\n{one_line(answer.agreement.label)}  ")
        if version is None:
            stream.write("not in force\n")
        else:
            stream.write(one_line(
                f"{words.number(version)}  effective {words.effective(version)}  "
                f"(commit {version.commit.short}, recorded "
                f"{version.commit.date.date().isoformat()} by {version.commit.author}, "
                f"{version.file})") + "\n")
            for line in words.terms_lines(version):
                stream.write(f"  {one_line(line)}\n")
        if answer.differs:
            stream.write(f"  ! {one_line(words.difference(answer))}\n")
