"""Command-line parsing only: each command's work is in ``commands/``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage,
configuration or repository error; 3 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from slopolicy import __version__
from slopolicy.commands import EXIT_INTERNAL, EXIT_USAGE
from slopolicy.model.errors import UsageError

FORMATS = ("text", "json", "github", "sarif", "junit", "markdown")

DESCRIPTION = """\
Policy as code for service levels. slopolicy validates OpenSLO v1 SLOs and
slopolicy/v1 SLAs, proves each SLO is stricter than the SLA it backs, gates
SLA changes on signed approvals, and audits every agreement's history.
"""

EPILOG = """\
exit codes:
  0  no problem at or above --fail-on
  1  problems found
  2  usage, configuration or repository error
  3  internal error (run again with --debug for the traceback)

examples:
  slopolicy check                       check the documents .slopolicy.yaml selects
  slopolicy check slos/ slas/globex.yaml
  slopolicy check --format json --output report.json
  slopolicy rules explain slo-stricter-than-sla
  slopolicy schema SLA > sla.schema.json
  slopolicy test policy-tests/ --require-tests
  slopolicy check --base origin/main    gate this branch's changes (approvals, versions)
  slopolicy diff origin/main            what changed in each agreement, with budgets
  slopolicy approve slas/globex.yaml --role legal --identity alice@acme.example --key KEY
                                        sign an approval of the current content
  slopolicy audit --format html --output audit.html   every agreement's history
"""


def _check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="validate documents and run every rule",
        description="Validate documents against their schemas and run every enabled rule. "
        "With no PATH, checks the documents that .slopolicy.yaml selects "
        "(documents.include/exclude). Named files are reported on; the rest of the "
        "project is still loaded, so rules that span files stay complete.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check")
    p.add_argument("--config", metavar="FILE", help="configuration file "
                   "(default: .slopolicy.yaml, searched upward to the repository root)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="report format (default: text; github when GITHUB_ACTIONS=true)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--base", metavar="REF", help="check changes against git REF "
                   "(default: $PRE_COMMIT_FROM_REF when set)")
    p.add_argument("--head", metavar="REF", help="the changed side (default: the working tree, "
                   "or $PRE_COMMIT_TO_REF)")
    p.add_argument("--reviews", metavar="FILE", help="forge review export (GitHub pull "
                   "request reviews JSON) used as approval evidence")
    p.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                   help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--select", metavar="IDS", help="comma-separated rule ids to run (only these)")
    p.add_argument("--ignore", metavar="IDS", help="comma-separated rule ids to skip")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    p.add_argument("--cache-dir", metavar="DIR", help="result cache folder (default: the user "
                   "cache directory, ~/.cache/slopolicy on Linux); safe to delete, shared by "
                   "concurrent runs")
    p.add_argument("--jobs", type=int, metavar="N", help="parallel workers (default: all cores "
                   "for large sets)")


def _gitops_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "diff", help="field-level changes of documents between refs",
        description="Show what changed in each document between BASE and HEAD (default: the "
        "working tree), as `git diff BASE [HEAD]` compares them: objectives keyed by name, each "
        "change with its direction (tightened, loosened, modified, metadata) and each changed "
        "objective with its error budget before and after. Documents are selected by BASE's "
        ".slopolicy.yaml. Exits 0; `check --base` is the gate.")
    p.add_argument("base", metavar="BASE", help="the git ref to compare with, e.g. origin/main")
    p.add_argument("head", nargs="?", metavar="HEAD", help="the changed ref (default: the "
                   "working tree)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--output", metavar="FILE", help="write the diff to FILE instead of stdout")
    p.add_argument("--config", metavar="FILE", help="configuration file (its path is read at "
                   "BASE)")

    p = sub.add_parser(
        "approve", help="write a signed Approval record",
        description="Sign an approval of one change of a document (the sha256 of the canonical "
        "JSON of its content before and after) with your SSH key (`ssh-keygen -Y sign -n "
        "slopolicy`) and write it into approvals.records. Commit the record with the change; "
        "it approves that change only, and any later edit of the document voids it. PATH may be the configuration file, to approve a policy change. "
        "The private key never enters the repository.")
    p.add_argument("path", metavar="PATH", help="the file holding the document (or "
                   ".slopolicy.yaml for a policy change)")
    p.add_argument("--role", required=True, help="the role you approve in (approvals.roles)")
    p.add_argument("--identity", required=True, metavar="ID", help="your identity, as in the "
                   "roster and the allowed signers file, e.g. alice@acme.example")
    p.add_argument("--key", required=True, metavar="KEY", help="your SSH private key (or the "
                   "public key of one in ssh-agent), e.g. ~/.ssh/id_ed25519")
    p.add_argument("--document", metavar="NAME", help="the SLA's metadata.name, when PATH holds "
                   "several")
    p.add_argument("--removed-from", metavar="REF", help="approve the deletion of the document "
                   "PATH held at REF (e.g. origin/main)")
    p.add_argument("--base", metavar="REF", help="approve the change from REF (its merge base "
                   "with HEAD, as `check --base REF` compares; e.g. origin/main); default: the "
                   "document's last change")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: "
                   ".slopolicy.yaml, searched upward)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slopolicy",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slopolicy {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _check_parser(sub)
    _gitops_parsers(sub)
    _audit_parser(sub)

    p = sub.add_parser("rules", help="list the rules, or explain one",
                       description="List every rule (id, default severity, summary), "
                       "or print one rule's documentation with examples.")
    p.add_argument("action", nargs="?", choices=("list", "explain"), default="list")
    p.add_argument("rule", nargs="?", metavar="ID", help="the rule to explain")
    p.add_argument("--config", metavar="FILE", help="include the custom rules of this config")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("schema", help="print a JSON Schema",
                       description="Print the JSON Schema of one KIND (SLO, SLI, Service, "
                       "DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget, SLA, "
                       "Approval, Policy, config), or without KIND one schema that dispatches on apiVersion/kind, "
                       "for editors (yaml-language-server) and check-jsonschema.")
    p.add_argument("kind", nargs="?", metavar="KIND")

    p = sub.add_parser("init", help="write a starter .slopolicy.yaml",
                       description="Write a commented starter .slopolicy.yaml in the current "
                       "folder (refuses to overwrite one unless --force).")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    _test_parser(sub)
    return parser


AUDIT_FORMATS = ("text", "json", "csv", "markdown", "html")


def _audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit", help="the history of every agreement: versions, changes, approvals",
        description="Walk the git history of HEAD (its first-parent chain) once and show every\n"
        "version of every SLA, and every change of the policy: commit, author, date, effective\n"
        "period, field-level changes, the approvals found and whether they met the policy of\n"
        "the change's parent commit.\n\n"
        "--as-of answers which terms were in force on a date (valid time, by spec.effective);\n"
        "--known-at limits that answer to what the repository said on a date (transaction\n"
        "time), and alone asks what it said on that date about that date. Dates are\n"
        "YYYY-MM-DD (a whole day, UTC) or ISO 8601 date-times.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes:\n  0  done (with --verify: every change carried its approvals)\n"
        "  1  --verify: a change lacked the approvals it needed\n"
        "  2  usage or repository error (a shallow clone: fetch the full history)\n\n"
        "examples:\n"
        "  slopolicy audit                               every agreement's timeline\n"
        "  slopolicy audit slas/globex.yaml --format html --output audit.html\n"
        "  slopolicy audit --as-of 2025-06-30            the terms in force on that date\n"
        "  slopolicy audit --as-of 2025-03-15 --known-at 2025-03-15\n"
        "  slopolicy audit --verify --since 2025-01-01   CI: every change approved?")
    p.add_argument("paths", nargs="*", metavar="PATH", help="only the agreements that are (or "
                   "ever were) in these files or folders")
    p.add_argument("--as-of", metavar="DATE", help="the terms in force on DATE (valid time)")
    p.add_argument("--known-at", metavar="DATE", help="as the repository said on DATE "
                   "(transaction time: commits up to the end of DATE)")
    p.add_argument("--since", metavar="DATE", help="only changes committed on or after DATE")
    p.add_argument("--until", metavar="DATE", help="only changes committed on or before DATE")
    p.add_argument("--verify", action="store_true", help="exit 1 if any change in the range "
                   "lacked the approvals its policy required, naming each commit")
    p.add_argument("--format", choices=AUDIT_FORMATS, default="text",
                   help="report format (default: text)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")


def _test_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "test",
        help="run the rules' fixture tests (cases of documents and expected findings)",
        description="Run fixture tests for rules, built-in or custom. Every folder under DIR "
        "that holds an expected.yaml is a case: its other YAML/JSON files are checked with the "
        "project's configuration (without its waivers) and the findings must be exactly the "
        "expected ones.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="expected.yaml:\n"
        "  rules: [gold-needs-three-nines]   # optional: run only these rules\n"
        "  findings:                         # [] when the documents must pass\n"
        "    - {rule: gold-needs-three-nines, file: sla.yaml, line: 14}\n"
        "      # optional: column, message (a part of the message)\n\n"
        "exit codes: 0 every case passed; 1 a case failed or a rule is untested; "
        "2 usage error or no cases",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="folder of cases (default: the current folder)")
    p.add_argument("--config", metavar="FILE", help="configuration file "
                   "(default: .slopolicy.yaml, searched upward from DIR)")
    p.add_argument("--require-tests", nargs="?", const="custom", choices=("custom", "all"),
                   help="fail rules that no case expects a finding of: custom rules (the "
                   "default), or all rules a case can run")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "format", None) is None and args.command == "check":
        args.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    module = importlib.import_module(f"slopolicy.commands.{args.command}")
    try:
        code: int = module.run(args)
        return code
    except UsageError as exc:
        print(f"slopolicy: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("slopolicy: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`slopolicy schema | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # the one handler that maps the unexpected to exit 3
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"slopolicy: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
        return EXIT_INTERNAL


def entry() -> NoReturn:
    """The console script: :func:`main`, then an immediate exit.

    A check of a large repository leaves millions of objects alive; letting
    the interpreter take them apart one by one at exit costs as much as the
    cached check itself (0.4 s for 20,000 documents). Everything is written
    and closed by now, so the process flushes its output and ends.
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 141
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)
