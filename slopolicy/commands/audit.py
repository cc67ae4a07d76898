"""slopolicy audit: what each agreement promised, when it changed, and who approved it.

Parses the options, walks the history once (:func:`slopolicy.gitops.audit.walk`),
answers the question asked (the timeline, or the terms in force on a date)
and hands the answer to one of the audit reporters. With ``--verify`` the
exit code is 1 when a change in the range lacked the approvals it needed.
"""
from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slopolicy.model.errors import UsageError
from slopolicy.report.audit import REPORTERS
from slopolicy.report.output import write_atomic

if TYPE_CHECKING:
    from slopolicy.gitops.audit import Agreement, AuditReport

EXIT_OK, EXIT_UNAPPROVED = 0, 1

NAME = "audit"
HELP = "the history of every agreement: versions, changes, approvals"
DESCRIPTION = """\
Walk the git history of HEAD (its first-parent chain) once and show every
version of every SLA, and every change of the policy: commit, author, date,
effective period, field-level changes, the approvals found and whether they
met the policy of the change's parent commit.

--since and --until cut the first-parent chain by position: from the first
commit dated on or after --since, up to the first commit dated after --until.
A commit dated before its parent is flagged on stderr; it cannot slip out of
a range.

--as-of answers which terms were in force on a date (valid time, by
spec.effective); --known-at limits that answer to what the repository said on
a date (transaction time), and alone asks what it said on that date about
that date. Dates are YYYY-MM-DD (a whole day, UTC) or ISO 8601 date-times.
"""
EPILOG = """\
exit codes:
  0  done (with --verify: every change carried its approvals)
  1  --verify: a change lacked the approvals it needed
  2  usage or repository error (a shallow clone: fetch the full history)

examples:
  slopolicy audit                               every agreement's timeline
  slopolicy audit slas/globex.yaml --format html --output audit.html
  slopolicy audit --as-of 2025-06-30            the terms in force on that date
  slopolicy audit --as-of 2025-03-15 --known-at 2025-03-15
  slopolicy audit --verify --since 2025-01-01   CI: every change approved?
  slopolicy audit slas/globex.yaml --format html --audience customer --title "Globex"
                                                for a customer: no SLOs, paths, hashes
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="only the agreements that are "
                        "(or ever were) in these files or folders")
    parser.add_argument("--as-of", metavar="DATE",
                        help="the terms in force on DATE (valid time)")
    parser.add_argument("--known-at", metavar="DATE", help="as the repository said on DATE "
                        "(transaction time: commits up to the end of DATE)")
    parser.add_argument("--since", metavar="DATE",
                        help="only changes from the first commit dated on or after DATE on")
    parser.add_argument("--until", metavar="DATE",
                        help="only changes before the first commit dated after DATE")
    parser.add_argument("--verify", action="store_true", help="exit 1 if any change in the "
                        "range lacked the approvals its policy required, naming each commit")
    parser.add_argument("--format", choices=REPORTERS.names(), default="text",
                        help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the report to FILE instead of stdout")
    parser.add_argument("--title", metavar="TEXT", help="the HTML report's title (default: "
                        "made from the repository's folder name)")
    parser.add_argument("--audience", choices=("internal", "customer"), default="internal",
                        help="who reads the HTML report: internal (everything, the default) or "
                        "customer (the terms and their history, without internal SLO targets, "
                        "file and YAML paths, commit hashes, authors or approvals)")


def run(args: argparse.Namespace) -> int:
    from slopolicy import runtime

    # the walk freezes what it builds; hand it back at the end
    with runtime.uncollected(), runtime.released():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # git and the history walk are loaded to run, not to build the parser
    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit
    from slopolicy.gitops import git as gitrepo

    as_of = _date(args.as_of, "--as-of") if args.as_of else None
    known_at = _instant(args.known_at, "--known-at", end=True) if args.known_at else None
    since = _instant(args.since, "--since", end=False) if args.since else None
    until = _instant(args.until, "--until", end=True) if args.until else None
    snapshot = as_of is not None or known_at is not None
    if snapshot and (since or until):
        raise UsageError("--since/--until limit the timeline; with --as-of or --known-at the "
                         "answer is the terms in force on one date")
    if as_of is None and known_at is not None:
        as_of = known_at.date()  # what the repository said on that date about that date
    if (args.title is not None or args.audience != "internal") and args.format != "html":
        raise UsageError("--title and --audience shape the HTML report: add --format html")
    project = open_project([], None)
    repo = gitrepo.open_repo(project.repo_root)
    repo.require_history("an audit (an audit of partial history is not an audit)")
    history = audit.walk(project, repo, track_slos=args.format == "html" and not snapshot,
                         progress=audit.tty_progress())
    agreements = _chosen(history.agreements, args.paths, project.repo_root)
    report = audit.AuditReport(history, agreements, since, until, as_of, known_at,
                               audit.snapshot(history, as_of, known_at, agreements)
                               if as_of is not None else None, project.repo_root.name,
                               args.title or "", args.audience)
    # The whole report before any of it is shown, in a file: a long history's report is
    # tens of megabytes of text
    # (a file name that is not UTF-8, held as surrogates, is written as an escape)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="backslashreplace",
                                newline="") as buffer:
        REPORTERS.get(args.format)(report, buffer)  # the snapshot with a date, else the timeline
        buffer.seek(0)
        _write(buffer, args.output)
    _flag_backdated(report, sys.stderr)
    if args.verify:
        return _verify(report, sys.stderr)
    return EXIT_OK


def _verify(report: AuditReport, stream: TextIO) -> int:
    from slopolicy.report.audit import words

    failed = report.failures()
    if not failed:
        stream.write(f"slopolicy: audit --verify: every change of {len(report.agreements)} "
                     f"agreement(s) in the range carried the approvals it needed\n")
        return EXIT_OK
    stream.write(f"slopolicy: audit --verify: {len(failed)} change(s) lacked the approvals "
                 "they needed:\n")
    for change in failed:
        stream.write(f"  {change.commit.short} {words.title(change)} "
                     f"({change.commit.date.date().isoformat()}): {change.missing_text()}\n")
    return EXIT_UNAPPROVED


def _flag_backdated(report: AuditReport, stream: TextIO) -> None:
    """Say where a commit of the chain is dated before its parent: its date cannot be true."""
    for (sha, date), (parent, parent_date) in report.history.backdated():
        stream.write(
            f"slopolicy: audit: warning: commit {sha[:7]} is dated {date.date().isoformat()}, "
            f"before its parent {parent[:7]} ({parent_date.date().isoformat()}): a commit date "
            "is whatever the committer's clock said, so --since and --until cut the "
            "first-parent chain by position, and this commit counts as no earlier than its "
            "parent (a range that holds its own date, or any date up to its parent's, holds it "
            "too)\n")
    history = report.history
    for sha, date in history.dated_later():
        assert history.now is not None
        stream.write(
            f"slopolicy: audit: warning: commit {sha[:7]} is dated {date.date().isoformat()}, "
            f"after this audit runs ({history.now.date().isoformat()}): that date cannot be "
            "true, so every --since/--until range holds this commit, and it counts as no "
            "later than the commits after it\n")


def _chosen(agreements: list[Agreement], paths: list[str], root: Path) -> list[Agreement]:
    """The agreements that are, or ever were, in one of ``paths`` (all without paths)."""
    if not paths:
        return agreements
    wanted = [_relative(p, root) for p in paths]
    return [a for a in agreements
            if any(f == w or f.startswith(w.rstrip("/") + "/") or w == "" for f in a.files
                   for w in wanted)]


def _relative(path: str, root: Path) -> str:
    full = (Path.cwd() / path).resolve()
    try:
        rel = full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{path}: outside the repository {root}") from None
    return "" if rel == "." else rel


def _date(text: str, flag: str) -> datetime.date:
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise UsageError(f"{flag} {text!r}: not a date (YYYY-MM-DD, or an ISO 8601 "
                         "date-time)") from None


def _instant(text: str, flag: str, end: bool) -> datetime.datetime:
    """A date-time; a bare date is its whole day in UTC (from its first or to its last instant)."""
    if len(text) == 10:
        day = _date(text, flag)
        moment = datetime.time.max if end else datetime.time.min
        return datetime.datetime.combine(day, moment, datetime.timezone.utc)
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {text!r}: not a date (YYYY-MM-DD, or an ISO 8601 "
                         "date-time)") from None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def _write(report: TextIO, output: str | None) -> None:
    if output:
        write_atomic(Path(output), report)
    else:
        shutil.copyfileobj(report, sys.stdout)
