"""slopolicy diff: the field-level changes of documents between two refs.

Like ``git diff BASE [HEAD]``: the documents at BASE against HEAD (default:
the working tree), both selected by BASE's document globs. Objectives are
keyed by name, each change has a direction, and each changed objective its
error budget before and after. Exit 0 whatever changed; ``check --base``
is the gate.
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from slopolicy.commands import ref
from slopolicy.report.changes import REPORTERS
from slopolicy.report.output import write_atomic

NAME = "diff"
HELP = "field-level changes of documents between refs"
DESCRIPTION = """\
Show what changed in each document between BASE and HEAD (default: the working
tree), as `git diff BASE [HEAD]` compares them: objectives keyed by name, each
change with its direction (tightened, loosened, modified, metadata) and each
changed objective with its error budget before and after. Documents are
selected by BASE's .slopolicy.yaml. Exits 0; `check --base` is the gate.
"""
EPILOG = """\
exit codes:
  0  done, whatever changed (`slopolicy check --base` is the gate)
  2  usage, configuration or repository error

examples:
  slopolicy diff origin/main            the working tree against origin/main
  slopolicy diff v1.0 v2.0              between two refs
  slopolicy diff origin/main --format markdown --output diff.md
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", type=ref,
                        help="the git ref to compare with, e.g. origin/main")
    parser.add_argument("head", nargs="?", metavar="HEAD", type=ref,
                        help="the changed ref (default: the working tree)")
    parser.add_argument("--format", choices=REPORTERS.names(), default="text",
                        help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the diff to FILE instead of stdout")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (its path is read at BASE)")


def run(args: argparse.Namespace) -> int:
    from slopolicy.changes import compare as changes  # loaded to run, not to build the parser
    from slopolicy.changes.changeset import ChangeSet
    from slopolicy.check import analysis
    from slopolicy.config.project import open_project
    from slopolicy.gitops import git as gitrepo  # git only for the commands that read refs
    from slopolicy.gitops.policy import config_at, config_rel
    from slopolicy.gitops.sides import load_side
    from slopolicy.load.readers import CommitReader, Reader, WorktreeReader

    project = open_project([], args.config)
    root = project.repo_root
    repo = gitrepo.open_repo(root)
    base_commit = repo.resolve(args.base, "BASE")
    head_commit = repo.resolve(args.head, "HEAD ref") if args.head else repo.head()
    if not args.head:
        from slopolicy.commands.check import refuse_sparse

        refuse_sparse(repo.not_checked_out())
    base: Reader = CommitReader(repo, base_commit, args.base)
    head: Reader = (CommitReader(repo, head_commit, args.head) if args.head and head_commit
                    else WorktreeReader(root, head_commit))
    rel = config_rel(project, head) or config_rel(project, base)
    config = config_at(base, rel, root).config
    cache = analysis.open_cache(project)  # what `slopolicy check` learnt of each file serves here
    sides = [load_side(reader, config, root, cache, None) for reader in (base, head)]
    found = changes.compare_files(*sides)
    analysis.save_cache(cache, sides[0] + sides[1])
    changeset = ChangeSet(args.base, base_commit, base_commit, args.head, head_commit, found)
    buffer = io.StringIO()
    REPORTERS.get(args.format)(changeset, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())  # escapes a name that is not UTF-8 (cli.main)
    return 0
