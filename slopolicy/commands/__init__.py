"""The commands: one module each, listed in :data:`COMMANDS`, the order ``--help`` shows.

Each module owns its arguments and its work (the :class:`Command` shape):
``NAME``, ``HELP`` (one line for ``slopolicy --help``), ``DESCRIPTION`` and
``EPILOG`` (its own ``--help``), ``add_arguments(parser)`` and
``run(options) -> int``. The command line imports a command's module to
build its parser (every module for ``slopolicy --help``), so a module
imports slopolicy's engine, git, schemas and YAML inside ``run``, never at
the top: ``slopolicy check --help`` must not load them. Adding a command is
a module, its test and a line here.
"""
from __future__ import annotations

import argparse
import importlib
from typing import Protocol, cast

# Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage,
# configuration or repository error; 3 internal error.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

COMMANDS = ("check", "diff", "approve", "audit", "rules", "schema", "init", "test", "convert",
            "fmt", "completion", "lsp")


class Command(Protocol):
    """What a command module provides."""

    NAME: str
    HELP: str
    DESCRIPTION: str
    EPILOG: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, options: argparse.Namespace, /) -> int: ...


def add_terminal_arguments(parser: argparse.ArgumentParser) -> None:
    """``--color``, ``-q`` and ``-v``, for a command whose output a person reads.

    ``slopolicy.report.terminal`` decides what they mean for colour; each
    command says what quiet and verbose leave out and add.
    """
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the output: auto (on a terminal, unless NO_COLOR is set "
                        "or FORCE_COLOR asks for it), always or never (default: auto)")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true",
                      help="print only what failed, no summary and no notes")
    loud.add_argument("-v", "--verbose", action="store_true",
                      help="say more: where each finding is, what was read, how long it took")


def jobs(value: str) -> int:
    """``--jobs N``: a whole number of worker processes, 1 or more."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{value} workers: give 1 or more")
    return count


def ref(value: str) -> str:
    """A git ref argument (``--base``, ``--head``, ...): an empty one is refused, not read as
    "none given", so a CI variable left empty stops the gate instead of passing it."""
    if not value.strip():
        raise argparse.ArgumentTypeError(
            f"{value!r} names no commit (an empty variable in CI?): give a branch, tag or "
            "commit; slopolicy never passes a change it cannot compare")
    return value


def load(name: str) -> Command:
    """The module of command ``name`` (one of :data:`COMMANDS`)."""
    return cast(Command, importlib.import_module(f"{__name__}.{name}"))
