"""slopolicy check: validate documents and run every rule."""
from __future__ import annotations

import argparse
import difflib
import io
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from slopolicy import runtime
from slopolicy.cache.store import Cache
from slopolicy.changes.changeset import BaseSide
from slopolicy.check import analysis, engine
from slopolicy.check.engine import Result
from slopolicy.commands import EXIT_FINDINGS, EXIT_OK
from slopolicy.config.project import Project, open_project
from slopolicy.load import discovery
from slopolicy.model.documents import SourceFile
from slopolicy.model.errors import UsageError
from slopolicy.report import check as reporters
from slopolicy.report.output import write_atomic
from slopolicy.rules.context import Context

if TYPE_CHECKING:
    from slopolicy.gitops.gate import Gate


def _ids(value: str | None, project: Project, flag: str) -> frozenset[str] | None:
    if value is None:
        return None
    ids = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = sorted(ids - set(project.rules))
    if unknown:
        hints = [h for u in unknown for h in difflib.get_close_matches(u, list(project.rules), n=1)]
        tip = f'; did you mean {", ".join(hints)}?' if hints else " (see `slopolicy rules`)"
        raise UsageError(f"{flag}: unknown rule id {', '.join(unknown)}{tip}")
    return ids


def requested_files(paths: list[str], project: Project) -> tuple[list[Path], list[str]]:
    """(files named explicitly, files found in named folders)."""
    named: list[Path] = []
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            sub = discovery.discover(project.config, project.repo_root, under=path)
            found.extend(sub)
        elif path.is_file():
            named.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return named, found


def open_gate(args: argparse.Namespace, project: Project) -> Gate | None:
    """The base side with --base (or under pre-commit's pre-push, its from/to refs)."""
    base = args.base or os.environ.get("PRE_COMMIT_FROM_REF") or None
    head = args.head or (None if args.base else os.environ.get("PRE_COMMIT_TO_REF")) or None
    if head and not base:
        raise UsageError("--head needs --base: it names the changed side of a comparison")
    if args.reviews and not base:
        raise UsageError("--reviews needs --base: reviews approve a change against a base")
    if not base:
        return None
    from slopolicy.gitops import gate  # imports git: only when a base is given

    return gate.open_gate(project, base, head)


def open_cache(args: argparse.Namespace, project: Project) -> Cache | None:
    if args.no_cache:
        return None
    return analysis.open_cache(project, Path(args.cache_dir) if args.cache_dir else None)


class Collected(NamedTuple):
    """The checked side's files, those named explicitly, and those to report on (None: all)."""

    files: list[SourceFile]
    explicit: frozenset[str]
    report: frozenset[str] | None


def collect_at_ref(args: argparse.Namespace, project: Project, gate: Gate, cache: Cache | None
                   ) -> Collected:
    """With --head REF the checked documents are that commit's, not the working tree's."""
    files = gate.head_files(cache, args.jobs)
    report: frozenset[str] | None = None
    if args.paths:
        wanted = [discovery.relative(Path(p), project.repo_root).rstrip("/") for p in args.paths]
        report = frozenset(f.path for f in files
                           if any(f.path == w or f.path.startswith(w + "/") for w in wanted))
    return Collected(files, frozenset(), report)


def collect(args: argparse.Namespace, project: Project, cache: Cache | None) -> Collected:
    named, found = requested_files(args.paths, project)
    asked: list[str | Path] = [*named, *found]
    context_paths = discovery.discover(project.config, project.repo_root)
    if os.environ.get("PRE_COMMIT"):
        # pre-commit passes every changed YAML file: load only what the
        # configuration selects, as a folder scan does (problems that point
        # into the others, such as a stale waiver in .slopolicy.yaml, still show)
        named = [p for p in named if discovery.selects(project.config, p)]
    wanted: list[str | Path] = [*named, *found]
    extra: list[str | Path] = []
    if wanted:  # named files the globs do not select are checked too
        seen = {discovery.relative(p, project.repo_root) for p in context_paths}
        extra = [p for p in wanted if discovery.relative(p, project.repo_root) not in seen]
    files = analysis.load_files([*context_paths, *extra], project.repo_root, cache, args.jobs)
    runtime.freeze()
    report: frozenset[str] | None = None
    if args.paths:
        report = frozenset(discovery.relative(p, project.repo_root) for p in asked)
    # Under pre-commit every changed YAML file is passed: treat them as a scan.
    explicit = frozenset() if os.environ.get("PRE_COMMIT") else frozenset(
        discovery.relative(p, project.repo_root) for p in named
    )
    return Collected(files, explicit, report)


def run(args: argparse.Namespace) -> int:
    with runtime.released():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    project = open_project(args.paths, args.config)
    select = _ids(args.select, project, "--select")
    ignore = _ids(args.ignore, project, "--ignore") or frozenset()
    gate = open_gate(args, project)
    base = None
    if gate is not None:
        # the base's policy and house rules judge the change
        project = replace(project, config=gate.config, rules=gate.rules)
        cache = open_cache(args, project)
        collected = (collect_at_ref(args, project, gate, cache) if gate.head_ref
                     else collect(args, project, cache))
        base = gate.base_side(collected.files, Path(args.reviews) if args.reviews else None,
                              cache, args.jobs)
        note_policy(base)
    else:
        cache = open_cache(args, project)
        collected = collect(args, project, cache)
    ctx = Context(collected.files, explicit=collected.explicit, base=base,
                  assumptions=project.config.assumptions)
    report_set = collected.report
    kept = engine.check(ctx, project.rules, project.config, select, ignore, report_set)
    analysis.save_cache(cache, [*ctx.files, *(base.files if base is not None else ())])
    files = [f for f in ctx.files if report_set is None or f.path in report_set]
    documents = sum(len([d for d in f.documents if d.known]) for f in files)
    result = Result(
        kept, files=len(files), documents=documents, checked=sorted(f.path for f in files)
    )
    report = reporters.Report(result, project.rules,
                              changes=base.changes if base is not None else None)
    buffer = io.StringIO()
    reporters.get(args.format)(report, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return exit_code(result, args.fail_on)


def note_policy(base: BaseSide) -> None:
    """Say on stderr that the head's edited policy was not used (no report format changes)."""
    change = base.changes.policy
    if change is not None:
        files = ", ".join(path for path, _ in change.files)
        print(f"slopolicy: note: this change edits the policy ({files}); it was judged by "
              f"{base.ref}'s policy, as every change is", file=sys.stderr)


def exit_code(result: Result, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    levels = ("error",) if fail_on == "error" else ("error", "warning")
    failing = any(p.severity in levels and not p.waived for p in result.problems)
    return EXIT_FINDINGS if failing else EXIT_OK
