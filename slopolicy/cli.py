"""The command line: the parser built from the commands' registry, and the one error handler.

Each command (``commands/``) brings its own arguments and work; this module
adds the global options, dispatches, and maps what escapes a command to an
exit code: 2 usage, configuration or repository error; 3 internal error;
130 interrupted; 141 the reader of the output went away.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from slopolicy import __version__
from slopolicy.commands import COMMANDS, EXIT_INTERNAL, EXIT_USAGE, load
from slopolicy.model.errors import ConfigError, UsageError

DESCRIPTION = """\
Policy as code for service levels. slopolicy validates OpenSLO v1 SLOs and
slopolicy/v1 SLAs, proves each SLO is stricter than the SLA it backs, gates
SLA changes on signed approvals, and audits every agreement's history.
"""

EPILOG = """\
exit codes (each command's --help says what 1 means for it):
  0  success
  1  the command found what it checks for: problems, unapproved changes, files to lay out
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
  slopolicy convert --to openslo/v1 slos/sloth.yml     Sloth, Pyrra, Nobl9 SLOs as OpenSLO v1
  slopolicy fmt --check                 are the documents in the canonical layout?
"""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command or, given arguments that name one, of that command alone.

    A run loads only the command it runs: start-up stays cheap however many
    commands there are. Without one (``slopolicy --help``, a typo) the parser
    holds them all, to list them.
    """
    chosen = _chosen(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="slopolicy",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slopolicy {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if chosen is None else (chosen,):
        command = load(name)
        command.add_arguments(sub.add_parser(
            command.NAME, help=command.HELP, description=command.DESCRIPTION,
            epilog=command.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, or None when the parser may have to show them all."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None  # the program's help lists every command with its help
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    if argv is None and "_ARGCOMPLETE" in os.environ:
        complete(parser)
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        # A file name git or the disk gives need not be UTF-8 (Python holds its bytes as
        # surrogates): shown as an escape, never an encoding error that ends the run.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return load(args.command).run(args)
    except UsageError as exc:
        print(f"slopolicy: error: {_shown(exc)}", file=sys.stderr)
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


def _shown(error: UsageError) -> str:
    """The error as one line, whatever a configuration key or a file name it quotes holds;
    a configuration's excerpt (the expression, a caret under the column) on lines of its own."""
    from slopolicy.report.terminal import line

    excerpt = error.excerpt if isinstance(error, ConfigError) else ""
    message = str(error).removesuffix("\n" + excerpt) if excerpt else str(error)
    return "\n".join(line(part) for part in [message, *excerpt.split("\n")] if part)


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's TAB (the script of ``slopolicy completion``) and exit.

    argcomplete is imported here alone: an ordinary run never pays for it.
    """
    try:
        import argcomplete
    except ImportError:
        raise SystemExit(1) from None  # no completions, rather than a run the shell did not ask for
    argcomplete.autocomplete(parser)
    raise SystemExit(1)  # autocomplete exits on its own when it answers


def entry() -> NoReturn:
    """The console script: :func:`main`, then an immediate exit (:func:`runtime.exit_now`)."""
    from slopolicy.runtime import exit_now  # the console script's alone: main() returns

    exit_now(main())
