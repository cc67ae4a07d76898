"""slopolicy check: validate documents and run every rule."""
from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from slopolicy import engine, reporters
from slopolicy.cli import EXIT_FINDINGS, EXIT_OK
from slopolicy.engine import Context, Result
from slopolicy.errors import UsageError
from slopolicy.output import write_atomic
from slopolicy.project import Project, open_project


def _ids(value: str | None, project: Project, flag: str) -> frozenset[str] | None:
    if value is None:
        return None
    ids = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = sorted(ids - set(project.rules))
    if unknown:
        raise UsageError(f"{flag}: unknown rule id {', '.join(unknown)} (see `slopolicy rules`)")
    return ids


def requested_files(paths: list[str], project: Project) -> tuple[list[Path], list[Path]]:
    """(files named explicitly, files found in named folders)."""
    named: list[Path] = []
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            sub = engine.discover(project.config, project.repo_root, under=path)
            found.extend(sub)
        elif path.is_file():
            named.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return named, found


def collect(args: argparse.Namespace, project: Project) -> tuple[Context, frozenset[str] | None]:
    named, found = requested_files(args.paths, project)
    context_paths = engine.discover(project.config, project.repo_root)
    seen = {p.resolve() for p in context_paths}
    extra = [p for p in named + found if p.resolve() not in seen]
    files = engine.load_files(context_paths + extra, project.repo_root)
    report: frozenset[str] | None = None
    if args.paths:
        report = frozenset(engine.relative(p, project.repo_root) for p in named + found)
    # Under pre-commit every changed YAML file is passed: treat them as a scan.
    explicit = frozenset() if os.environ.get("PRE_COMMIT") else frozenset(
        engine.relative(p, project.repo_root) for p in named
    )
    return Context(files, explicit=explicit, config=project.config), report


def run(args: argparse.Namespace) -> int:
    project = open_project(args.paths, args.config)
    select = _ids(args.select, project, "--select")
    ignore = _ids(args.ignore, project, "--ignore") or frozenset()
    ctx, report_set = collect(args, project)
    problems = engine.run_rules(ctx, project.rules, project.config, select, ignore)
    kept = engine.keep_reported(problems, report_set)
    kept, _unused = engine.apply_waivers(kept, project.config.waivers, ctx.today)
    kept.sort()
    files = [f for f in ctx.files if report_set is None or f.path in report_set]
    documents = sum(len([d for d in f.documents if d.known]) for f in files)
    result = Result(
        kept, files=len(files), documents=documents, checked=sorted(f.path for f in files)
    )
    report = reporters.Report(result, project.rules)
    buffer = io.StringIO()
    reporters.get(args.format)(report, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return exit_code(result, args.fail_on)


def exit_code(result: Result, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    levels = ("error",) if fail_on == "error" else ("error", "warning")
    failing = any(p.severity in levels and not p.waived for p in result.problems)
    return EXIT_FINDINGS if failing else EXIT_OK
