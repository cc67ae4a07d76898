"""slopolicy init: write a commented starter .slopolicy.yaml."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from slopolicy.model.errors import UsageError
from slopolicy.report.output import rewrite_atomic, write_atomic

NAME = "init"
HELP = "write a starter .slopolicy.yaml"
DESCRIPTION = """\
Write a commented starter .slopolicy.yaml in the current folder (refuses to
overwrite one unless --force).
"""
EPILOG = """\
exit codes:
  0  written
  2  .slopolicy.yaml exists already (and no --force)

examples:
  slopolicy init && slopolicy check
"""

STARTER = """\
# slopolicy configuration: https://slopolicy.dev (see `slopolicy --help`)
# Start from a preset: default, or strict (warnings fail too).
extends: default

# Which files hold SLOs and SLAs (gitignore-style globs, from this folder).
# Other YAML (CI workflows, Helm charts) is skipped, and counted in the summary.
documents:
  include: ["**/*.yaml", "**/*.yml", "**/*.json"]
  exclude: ["node_modules/", "vendor/"]

# Per rule: a severity (error | warning | info | off) or {severity, options}.
# `slopolicy rules` lists them; `slopolicy rules explain ID` explains one.
# rules:
#   slo-headroom: {severity: warning, max-budget-ratio: 0.5}

# Waive a finding only with a reason and an end date:
# waivers:
#   - {rule: slo-headroom, document: SLO/legacy-checkout, reason: "OPS-123", expires: 2027-01-31}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    from slopolicy.config.settings import FILENAME  # loaded to run, not to build the parser

    path = Path.cwd() / FILENAME
    if path.is_symlink():  # dangling or not: what it leads to may lie outside the repository
        raise UsageError(f"{FILENAME} is a symbolic link (to {os.readlink(path)}); slopolicy "
                         "init writes a file of its own, never through a link: remove the link "
                         "first")
    if path.exists() and not args.force:
        raise UsageError(f"{FILENAME} exists already (use --force to overwrite it)")
    if path.exists():
        rewrite_atomic(path, STARTER)  # the name itself replaced, never what it leads to
    else:
        write_atomic(path, STARTER)
    sys.stdout.write(f"wrote {FILENAME}; run `slopolicy check` next\n")
    return 0
