"""slopolicy check: validate documents and run every rule."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from slopolicy.commands import EXIT_FINDINGS, EXIT_OK, add_terminal_arguments, jobs, ref
from slopolicy.model.errors import UsageError
from slopolicy.report.check import REPORTERS, CheckReport

if TYPE_CHECKING:
    from slopolicy.cache.store import Cache
    from slopolicy.changes.changeset import BaseSide
    from slopolicy.check.analysis import Analyses
    from slopolicy.check.engine import Result
    from slopolicy.check.incremental import Totals
    from slopolicy.config.project import Project
    from slopolicy.gitops.gate import Gate
    from slopolicy.model.documents import SourceFile
    from slopolicy.model.problems import Problem
    from slopolicy.report.terminal import Rendering
    from slopolicy.rules.context import Context

NAME = "check"
HELP = "validate documents and run every rule"
DESCRIPTION = """\
Validate documents against their schemas and run every enabled rule. With no
PATH, checks the documents that .slopolicy.yaml selects (documents.include and
exclude). Named files are reported on; the rest of the project is still
loaded, so rules that span files stay complete, and a problem elsewhere is
reported too when the change introduced it: when it is absent with the named
files, and those git says were deleted or renamed, as HEAD holds them.
"""
EPILOG = """\
exit codes:
  0  no problem at or above --fail-on
  1  problems at or above --fail-on
  2  usage, configuration or repository error (a shallow clone, a base not fetched)
  3  internal error (run again with --debug for the traceback)

examples:
  slopolicy check                       check the documents .slopolicy.yaml selects
  slopolicy check slos/ slas/globex.yaml
  slopolicy check --format json --output report.json
  slopolicy check --format sarif --output slopolicy.sarif   for code scanning
  slopolicy check --report sarif:slopolicy.sarif --report markdown:summary.md
                                        text on stdout, and two files, from one run
  slopolicy check --changed             what the uncommitted changes break (as pre-commit)
  slopolicy check --select slo-stricter-than-sla,slo-headroom
  slopolicy check --base origin/main    gate this branch's changes (approvals, versions)
  slopolicy check --base origin/main --reviews reviews.json --format markdown

`slopolicy --help` lists the other commands.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check")
    parser.add_argument("--config", metavar="FILE", help="configuration file "
                        "(default: .slopolicy.yaml, searched upward to the repository root)")
    parser.add_argument("--format", choices=REPORTERS.names(), default=None,
                        help="report format: github annotations, sarif for code scanning, "
                        "junit for test report views, codeclimate for GitLab Code Quality, "
                        "markdown for a job summary, json with everything (default: text; "
                        "github when GITHUB_ACTIONS=true)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the report to FILE instead of stdout")
    parser.add_argument("--report", action="append", default=[], type=report_spec,
                        metavar="FORMAT:PATH", help="also write the report in FORMAT to PATH "
                        "(repeatable): one run, several outputs, e.g. --report "
                        "sarif:slopolicy.sarif --report markdown:summary.md")
    parser.add_argument("--base", metavar="REF", type=ref, help="check changes against git REF, "
                        "judged by its policy; needs the whole history (a shallow clone is "
                        "exit 2); in CI, the target branch as the remote's: origin/main "
                        "(default: $PRE_COMMIT_FROM_REF when set; in a pre-push without one, "
                        "the remote's default branch)")
    parser.add_argument("--head", metavar="REF", type=ref, help="the changed side (default: the "
                        "working "
                        "tree, or $PRE_COMMIT_TO_REF)")
    parser.add_argument("--reviews", metavar="FILE", help="forge approvals used as evidence: "
                        "a GitHub pull request's reviews JSON, or a GitLab merge request's "
                        "approvals JSON with its head commit as \"sha\"")
    parser.add_argument("--changed", action="store_true",
                        help="with no PATH, check the files git reports changed against HEAD "
                        "(staged or not) instead of the whole project, as pre-commit does")
    parser.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                        help="lowest severity that makes the exit code 1 (default: error)")
    parser.add_argument("--select", metavar="IDS",
                        help="comma-separated rule ids to run (only these)")
    parser.add_argument("--ignore", metavar="IDS", help="comma-separated rule ids to skip")
    parser.add_argument("--no-cache", action="store_true",
                        help="do not read or write the result cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="result cache folder (default: the "
                        "user cache directory, ~/.cache/slopolicy on Linux); safe to delete, "
                        "shared by concurrent runs")
    parser.add_argument("--jobs", type=jobs, metavar="N", help="parallel workers (default: all "
                        "cores for large sets)")
    add_terminal_arguments(parser)


def report_spec(value: str) -> tuple[str, str]:
    """``FORMAT:PATH`` of ``--report``, the format one of the registry's."""
    name, _, path = value.partition(":")
    if name not in REPORTERS.names() or not path:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not FORMAT:PATH with FORMAT one of {', '.join(REPORTERS.names())}")
    return name, path


def _ids(value: str | None, project: Project, flag: str) -> frozenset[str] | None:
    from slopolicy.text.hints import closest_list

    if value is None:
        return None
    ids = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = sorted(ids - set(project.rules))
    if unknown:
        hints = [h for u in unknown for h in closest_list(u, list(project.rules))]
        tip = f'; did you mean {", ".join(hints)}?' if hints else " (see `slopolicy rules`)"
        raise UsageError(f"{flag}: unknown rule id {', '.join(unknown)}{tip}")
    return ids


def requested_files(paths: list[str], project: Project) -> tuple[list[Path], list[str]]:
    """(files named explicitly, files found in named folders)."""
    from slopolicy.load import discovery

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
    if args.changed and (base or args.head):
        raise UsageError("--changed compares the working tree with HEAD; --base and --head "
                         "compare two refs: use one or the other")
    head = args.head or (None if args.base else os.environ.get("PRE_COMMIT_TO_REF")) or None
    if head and not base:
        raise UsageError("--head needs --base: it names the changed side of a comparison")
    if args.reviews and not base:
        raise UsageError("--reviews needs --base: reviews approve a change against a base")
    remote = os.environ.get("PRE_COMMIT_REMOTE_NAME") if os.environ.get("PRE_COMMIT") else None
    if not base and not remote:
        return None
    from slopolicy.gitops import gate  # imports git: only when a base is given

    if not base and remote:
        # pre-push without a base (a remote this clone knows no branch of): its default branch
        base = gate.push_base(project, remote)
        head = os.environ.get("PRE_COMMIT_LOCAL_BRANCH") or None
    assert base is not None
    opened = gate.open_gate(project, base, head)
    if opened.head_ref is None:
        refuse_sparse(opened.repo.not_checked_out())
    return opened


def refuse_sparse(left_out: int) -> None:
    """A sparse checkout's working tree lacks files the commit has: as the changed side,
    they would read as deleted (an agreement removed without approval)."""
    if left_out:
        raise UsageError(
            f"this checkout is sparse: {left_out} tracked file(s) are not in the working tree, "
            "so comparing it would take them for deleted; check out every file (in GitHub "
            "Actions, actions/checkout without sparse-checkout), or compare the commit: "
            "--head HEAD")


def open_cache(args: argparse.Namespace, project: Project) -> Cache | None:
    from slopolicy.check import analysis

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
    from slopolicy.load import discovery

    files = gate.head_files(cache, args.jobs)
    report: frozenset[str] | None = None
    if args.paths:
        wanted = [discovery.relative(Path(p), project.repo_root).rstrip("/") for p in args.paths]
        report = frozenset(f.path for f in files
                           if any(f.path == w or f.path.startswith(w + "/") for w in wanted))
    return Collected(files, frozenset(), report)


def changed_files(project: Project) -> list[str]:
    """``--changed`` without PATH: the changed files of the working tree that the globs select."""
    from slopolicy.gitops import introduced
    from slopolicy.load import discovery

    repo = introduced.worktree_repo(project.repo_root)
    if repo is None:
        raise UsageError("--changed: not inside a git repository, so nothing is changed")
    on_disk = [project.repo_root / p for p in introduced.changed_paths(repo)]
    return [str(p) for p in on_disk if p.is_file() and discovery.selects(project.config, p)]


class Request(NamedTuple):
    """The files named, those found in named folders, the files to report on (None: all),
    and those named explicitly. Under pre-commit (``scan``), a named file the globs do not
    select is left out, as a folder scan leaves it: :func:`selected`."""

    named: list[Path]
    found: list[str]
    report: frozenset[str] | None
    explicit: frozenset[str]
    scan: bool = False


def request(args: argparse.Namespace, project: Project) -> Request:
    from slopolicy.load import discovery

    paths = args.paths or (changed_files(project) if args.changed else [])
    named, found = requested_files(paths, project)
    asked: list[str | Path] = [*named, *found]
    # pre-commit passes every changed YAML file: load only what the configuration
    # selects, as a folder scan does (problems that point into the others, such as a
    # stale waiver in .slopolicy.yaml, still show)
    scan = bool(os.environ.get("PRE_COMMIT"))
    report: frozenset[str] | None = None
    if args.paths or args.changed:
        report = frozenset(discovery.relative(p, project.repo_root) for p in asked)
    # Under pre-commit every changed YAML file is passed: treat them as a scan.
    explicit = frozenset() if scan or not args.paths else frozenset(
        discovery.relative(p, project.repo_root) for p in named
    )
    return Request(named, found, report, explicit, scan)


def selected(asked: Request, project: Project) -> list[Path]:
    """The named files to load: under pre-commit, those the globs select."""
    if not asked.scan:
        return asked.named
    from slopolicy.load import discovery

    return [p for p in asked.named if discovery.selects(project.config, p)]


def collect(args: argparse.Namespace, project: Project, cache: Cache | None,
            asked: Request | None = None, walked: list[str] | None = None,
            analyses: Analyses | None = None) -> Collected:
    """Every file of the project (and named files the globs do not select), loaded.

    ``walked`` gets the folders the scan listed, unless a named file is outside the scan.
    """
    from slopolicy import runtime
    from slopolicy.check import analysis
    from slopolicy.load import discovery

    asked = asked or request(args, project)
    context_paths = discovery.discover(project.config, project.repo_root, folders=walked)
    wanted: list[str | Path] = [*selected(asked, project), *asked.found]
    extra: list[str | Path] = []
    if wanted:  # named files the globs do not select are checked too
        seen = {discovery.relative(p, project.repo_root) for p in context_paths}
        extra = [p for p in wanted if discovery.relative(p, project.repo_root) not in seen]
    if extra and walked is not None:
        walked.clear()
    files = analysis.load_files([*context_paths, *extra], project.repo_root, cache, args.jobs,
                                analyses)
    runtime.freeze()
    return Collected(files, asked.explicit, asked.report)


def run(args: argparse.Namespace) -> int:
    from slopolicy import runtime

    with runtime.released():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # The engine is loaded to run a check, not to build the parser (`check --help`).
    import time

    from msgspec.structs import replace

    from slopolicy.check import analysis, engine, incremental
    from slopolicy.config.project import open_project
    from slopolicy.rules.context import CEL_STEPS, Context

    started = time.perf_counter()
    started_ns = time.time_ns()
    project = open_project(args.paths, args.config)
    select = _ids(args.select, project, "--select")
    ignore = _ids(args.ignore, project, "--ignore") or frozenset()
    gate = open_gate(args, project)
    base = None
    walked: list[str] | None = None  # the folders the scan listed, for the project index
    if gate is not None:
        # the base's policy and house rules judge the change
        project = replace(project, config=gate.config, rules=gate.rules)
        cache = open_cache(args, project)
        if cache is not None and not args.paths:  # the working tree's change, from the index
            from slopolicy.gitops.warm import warm_gate

            fast = warm_gate(gate, cache, select, ignore, args.jobs,
                             Path(args.reviews) if args.reviews else None)
            if fast is not None:
                if not args.quiet:
                    note_policy(fast.base, gate.judged_by)
                kept = engine.finish(fast.ctx, fast.found, project.rules, project.config,
                                     select, ignore, None)
                analysis.save_cache(cache, fast.loaded)
                return _report(args, project, kept, fast.totals, None, fast.base, started)
        # the working tree checked in full: its project index kept, for the next run
        walked = [] if cache is not None and not gate.head_ref and not args.paths else None
        collected = (collect_at_ref(args, project, gate, cache) if gate.head_ref
                     else collect(args, project, cache, walked=walked, analyses=gate.analyses))
        base = gate.base_side(collected.files, Path(args.reviews) if args.reviews else None,
                              cache, args.jobs)
        if not args.quiet:
            note_policy(base, gate.judged_by)
    else:
        cache = open_cache(args, project)
        asked = request(args, project)
        warm = warm_check(args, project, cache, asked, select, ignore)
        if warm is not None:
            return _report(args, project, warm[0], warm[1], asked.report, None, started)
        walked = [] if cache is not None else None
        collected = collect(args, project, cache, asked, walked)
    ctx = Context(collected.files, explicit=collected.explicit, base=base,
                  assumptions=project.config.assumptions)
    report_set = collected.report
    if report_set is not None and base is not None and base.changes.policy is not None:
        # the policy judges every path named: its change is reported wherever the check looks
        report_set = report_set | frozenset(base.changes.policy.paths)
    found = list(engine.run_rules(ctx, project.rules, project.config, select, ignore))
    everything = engine.finish(ctx, found, project.rules, project.config, select, ignore,
                               None if gate is None else report_set)
    read_at_head: list[SourceFile] = []
    if report_set is None or gate is not None:
        kept = everything
    else:
        kept, read_at_head = with_introduced(args, project, ctx, everything, report_set, select,
                                             ignore, cache)
    if cache is not None and walked:
        # what the rules that read no base found: a check without --base finds the same
        own = [p for p in found if not getattr(project.rules.get(p.rule), "needs_base", False)]
        incremental.record_full(cache, project.config, project.rules, ctx.files, walked, own,
                                ctx.explicit, select, ignore, started_ns,
                                ctx.derive(CEL_STEPS))
    analysis.save_cache(cache, [*ctx.files, *(base.files if base is not None else ()),
                                *read_at_head])
    return _report(args, project, kept, incremental.totals(ctx.files), report_set, base,
                   started)


def warm_check(args: argparse.Namespace, project: Project, cache: Cache | None,
               asked: Request, select: frozenset[str] | None, ignore: frozenset[str]
               ) -> tuple[list[Problem], Totals] | None:
    """The problems to report and every file's counts, from the project index; None: run the
    full check (no index, or a problem outside the named files that the change may have
    brought, in a group of documents it reaches, which only the full comparison with HEAD
    can tell)."""
    from slopolicy.check import analysis, engine, incremental
    from slopolicy.load import discovery

    if cache is None or asked.found:
        return None
    named: dict[str, list[Path]] = {}
    for path in asked.named:
        named.setdefault(discovery.relative(path, project.repo_root), []).append(path)

    def left_out(rel: str) -> bool:  # a file the index does not list: do the globs skip it?
        return not any(discovery.selects(project.config, p) for p in named[rel])

    warm = incremental.warm(project.repo_root, project.config, project.rules, cache,
                            list(named), asked.explicit, select, ignore, args.jobs,
                            left_out if asked.scan else None)
    if warm is None:
        return None
    everything = engine.finish(warm.ctx, warm.found, project.rules, project.config, select,
                               ignore, None)
    kept = engine.keep_reported(everything, asked.report)
    if len(kept) != len(everything):  # problems elsewhere: may the change have made one?
        from slopolicy.gitops import introduced

        shown = set(kept)
        elsewhere = [p for p in everything if p not in shown]
        if asked.report is None or warm.project is None or not introduced.untouched(
                project, warm.project, elsewhere, asked.report, cache, args.jobs,
                all_changes=args.changed and not args.paths):
            return None
    analysis.save_cache(cache, warm.loaded)
    return kept, warm.totals


def _report(args: argparse.Namespace, project: Project, kept: list[Problem],
            totals: Totals, report_set: frozenset[str] | None, base: BaseSide | None,
            started: float) -> int:
    """Write the report (and those of ``--report``); the exit code."""
    import time

    from slopolicy.check import incremental
    from slopolicy.check.engine import Result
    from slopolicy.report.output import write_atomic

    # the files reported on: those asked about, and those a change broke
    shown = None if report_set is None else report_set | {p.file for p in kept}
    if shown is None:  # every file: the columns as they are (20,000 rows, at C speed)
        paths, documents, others = totals.path, totals.documents, totals.others
    else:
        rows = incremental.path_rows(totals.path, shown)
        paths = [totals.path[row] for row in rows]
        documents = [totals.documents[row] for row in rows]
        others = [totals.others[row] for row in rows]
    result = Result(
        kept, files=len(paths), documents=sum(documents), checked=sorted(paths),
        skipped=len(others) - others.count(0),
    )
    report = CheckReport(result, project.rules, changes=base.changes if base is not None else None,
                         fail_on=args.fail_on, seconds=time.perf_counter() - started)
    for name, path in args.report:  # more reports of the same result, to files
        written = rendering(args, to_file=True)
        REPORTERS.get(name)(report, written)
        write_atomic(Path(path), written.getvalue())
    buffer = rendering(args)
    REPORTERS.get(args.format or default_format())(report, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    if args.verbose:
        tell(project, len(totals.path), result, time.perf_counter() - started)
        tell_skipped(project, [path for path, count in zip(paths, others) if count])
    return exit_code(result, args.fail_on)


def rendering(args: argparse.Namespace, to_file: bool = False) -> Rendering:
    """The buffer the report is rendered into, styled for where it goes.

    Colour is decided by the final destination, not the buffer: stdout on a
    terminal (``--color``, ``NO_COLOR``, ``FORCE_COLOR``); a file named by
    ``--output`` or ``--report`` gets colour codes only with ``--color always``.
    """
    from slopolicy.report.terminal import Rendering, Style, is_terminal, wants_color

    if args.output or to_file:
        color = args.color == "always"
    else:
        color = wants_color(args.color, is_terminal(sys.stdout))
    return Rendering(Style(color, args.quiet, args.verbose))


def tell(project: Project, loaded: int, result: Result, seconds: float) -> None:
    """``-v``: what was read and how long it took, on stderr (the report stays as it is)."""
    config = project.config.path
    print(f"slopolicy: configuration {config if config else 'none (the default preset)'}; "
          f"repository root {project.repo_root}", file=sys.stderr)
    print(f"slopolicy: {loaded} file(s) read for the rules that span files; reported on "
          f"{result.files} file(s), {result.documents} document(s); {len(result.problems)} "
          f"problem(s) in {seconds:.2f} s", file=sys.stderr)


def tell_skipped(project: Project, skipped: list[str]) -> None:
    """``-v``: each file that held objects of no format slopolicy knows, and why the first is."""
    from slopolicy.load.files import load_bytes
    from slopolicy.load.readers import WorktreeReader
    from slopolicy.report.terminal import line

    reader = WorktreeReader(project.repo_root)
    for path in skipped:
        raw = reader.read_one(path)
        foreign = load_bytes(path, raw).foreign if raw is not None else []
        why = "{}:{}: {}".format(*foreign[0]) if foreign else ""
        shown = line(f"{path}{':' if why else ''}{why}")  # a file's name may hold a line break
        print(f"slopolicy: skipped {shown}", file=sys.stderr)


def with_introduced(args: argparse.Namespace, project: Project, ctx: Context,
                    everything: list[Problem], report: frozenset[str],
                    select: frozenset[str] | None, ignore: frozenset[str], cache: Cache | None
                    ) -> tuple[list[Problem], list[SourceFile]]:
    """The problems of the named files, and those the change introduced elsewhere.

    ``everything``: the project's problems. Returns them with the files read
    from HEAD to tell (to be cached).
    """
    from slopolicy.check import engine

    kept = engine.keep_reported(everything, report)
    shown = set(kept)
    elsewhere = [p for p in everything if p not in shown]
    if not elsewhere:  # a clean project: nothing to compare, and git is not even opened
        return kept, []
    from slopolicy.gitops import introduced

    found = introduced.introduced(project, ctx.files, elsewhere, report, select, ignore, cache,
                                  args.jobs, all_changes=args.changed and not args.paths)
    return sorted(dict.fromkeys([*kept, *found.problems])), found.files


def default_format() -> str:
    """``github`` on GitHub Actions (annotations on the pull request), else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def note_policy(base: BaseSide, judged_by: str) -> None:
    """Say on stderr that the head's edited policy was not used (no report format changes)."""
    change = base.changes.policy
    if change is not None:
        from slopolicy.report.terminal import line

        files = line(", ".join(path for path, _ in change.files))  # names a change chose
        print(f"slopolicy: note: this change edits the policy ({files}); it was judged by "
              f"{judged_by}, as every change is", file=sys.stderr)


def exit_code(result: Result, fail_on: str) -> int:
    from slopolicy.report.check import fails

    return EXIT_FINDINGS if any(fails(p, fail_on) for p in result.problems) else EXIT_OK
