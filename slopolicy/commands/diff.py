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
import json
import sys
from pathlib import Path

from slopolicy.changes import compare as changes
from slopolicy.changes.changeset import ChangeSet
from slopolicy.check import analysis
from slopolicy.config.project import open_project
from slopolicy.report.output import write_atomic


def run(args: argparse.Namespace) -> int:
    from slopolicy.gitops import git as gitrepo  # git only for the commands that read refs
    from slopolicy.gitops.policy import config_at, config_rel
    from slopolicy.gitops.sides import load_side
    from slopolicy.load.readers import CommitReader, Reader, WorktreeReader
    from slopolicy.report.changes import diff as render

    project = open_project([], args.config)
    root = project.repo_root
    repo = gitrepo.open_repo(root)
    base_commit = repo.resolve(args.base, "BASE")
    head_commit = repo.resolve(args.head, "HEAD ref") if args.head else repo.head()
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
    if args.format == "json":
        json.dump({"version": 1, **render.changeset_json(changeset)}, buffer, indent=2,
                  ensure_ascii=False)
        buffer.write("\n")
    elif args.format == "markdown":
        render.markdown(changeset, buffer)
    else:
        render.text(changeset, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
