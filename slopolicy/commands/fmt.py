"""slopolicy fmt: write documents in one canonical layout, keeping meaning and comments."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from slopolicy.commands import EXIT_FINDINGS, EXIT_OK
from slopolicy.model.errors import UsageError

NAME = "fmt"
HELP = "write documents in one canonical layout (--check: exit 1 if a file would change)"
DESCRIPTION = """\
Lay out the YAML files that hold documents slopolicy reads (OpenSLO,
slopolicy/v1, Sloth, Pyrra, Nobl9) one canonical way: two-space indentation,
block style, quotes only where YAML needs them, apiVersion, kind, metadata and
spec first, one --- between documents. A file is rewritten (atomically) only if
it reads back as the same data with the same comments; other YAML (CI
workflows, Helm charts) is left alone. Without PATH, the files .slopolicy.yaml
selects.
"""
EPILOG = """\
exit codes:
  0  every file is laid out (or was rewritten)
  1  --check: a file would change; or a file could not be read or laid out
  2  usage error (a missing file or folder)

examples:
  slopolicy fmt                          lay out what .slopolicy.yaml selects
  slopolicy fmt --check slos/            in CI, or the slopolicy-fmt pre-commit hook
"""
YAML_SUFFIXES = (".yaml", ".yml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or folders (default: what .slopolicy.yaml selects)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file would change")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: "
                        ".slopolicy.yaml, searched upward)")


def _files(options: argparse.Namespace) -> list[Path]:
    from slopolicy.config.project import open_project
    from slopolicy.load import discovery
    from slopolicy.load.files import linked_on_the_way

    named: list[Path] = []
    folders: list[Path] = []
    for raw in options.paths:
        path = Path(raw)
        if path.is_dir() and linked_on_the_way(path) is not None:
            named.append(path)  # a link, or a folder through one: refused as a file is
        elif path.is_dir():
            folders.append(path)
        elif path.exists():
            named.append(path)  # a FIFO or a device is refused when read
        else:
            raise UsageError(f"{raw}: no such file or folder")
    if named and not folders and not options.config:
        return named  # files named (as pre-commit names them): no configuration needed
    project = open_project(options.paths, options.config)
    found = [p for folder in folders
             for p in discovery.discover(project.config, project.repo_root, under=folder)]
    if not options.paths:
        found = discovery.discover(project.config, project.repo_root)
    return [*named, *(Path(os.path.relpath(p)) for p in found)]


def run(options: argparse.Namespace) -> int:
    from slopolicy.formats.layout import LayoutError, canonical
    from slopolicy.load.files import linked_on_the_way, load_bytes, read_regular
    from slopolicy.report.output import rewrite_atomic
    from slopolicy.report.terminal import line

    changed, same, failed = [], 0, False
    for path in _files(options):
        linked = linked_on_the_way(path)  # what it leads to may be outside the project
        if path.suffix.lower() not in YAML_SUFFIXES and not (linked and path.is_dir()):
            continue
        shown = line(str(path))  # a file's name may hold a line break or a terminal escape
        if linked is not None:
            print(f"{shown}:1:1: error: {line(linked)}", file=sys.stderr)
            failed = True
            continue
        raw, why = read_regular(path)  # never a FIFO or a device: no wait, no flood
        if raw is None:
            print(f"{shown}: error: {why}", file=sys.stderr)
            failed = True
            continue
        loaded = load_bytes(str(path), raw)
        if loaded.problems:
            for problem in loaded.problems:
                print(f"{shown}:{problem.line}:{problem.column}: error: {line(problem.message)}",
                      file=sys.stderr)
            failed = True
            continue
        if not any(doc.known for doc in loaded.documents):
            continue  # not a file of documents slopolicy reads: not ours to lay out
        try:
            text = canonical(loaded.text)
        except LayoutError as problem:
            print(f"{shown}: error: {line(str(problem))}", file=sys.stderr)
            failed = True
            continue
        if text == loaded.text:
            same += 1
            continue
        changed.append(path)
        if options.check:
            print(f"would reformat {shown}")
        else:
            rewrite_atomic(path, text)
            print(f"reformatted {shown}")
    verb = "would be reformatted" if options.check else "reformatted"
    print(f"slopolicy fmt: {len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, "
          f"{same} left unchanged", file=sys.stderr)
    if failed or (options.check and changed):
        return EXIT_FINDINGS
    return EXIT_OK
