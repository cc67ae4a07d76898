"""slopolicy test: fixture tests for rules, built-in or custom.

In the spirit of ``conftest verify`` and ``kyverno test``: a case is a folder
of documents with an ``expected.yaml`` that lists the findings the rules
must produce (rule, file, line; optionally column and a message fragment)::

    rules: [gold-needs-three-nines]     # optional: run only these rules
    findings:
      - {rule: gold-needs-three-nines, file: sla.yaml, line: 14}

Each case runs the engine in-process with the project's configuration
(its policies, plugins and severities; not its waivers, which are about the
project's own documents). A case passes when the findings are exactly the
expected ones; ``findings: []`` is a passing example.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slopolicy.commands import EXIT_FINDINGS, EXIT_OK, add_terminal_arguments
from slopolicy.model.errors import UsageError
from slopolicy.report.fixtures import REPORTERS, Case, Expected, FixtureRun, Untested

if TYPE_CHECKING:
    from slopolicy.config.project import Project

NAME = "test"
HELP = "run the rules' fixture tests (cases of documents and expected findings)"
DESCRIPTION = """\
Run fixture tests for rules, built-in or custom. Every folder under DIR that
holds an expected.yaml is a case: its other YAML/JSON files are checked with
the project's configuration (without its waivers) and the findings must be
exactly the expected ones.
"""
EPILOG = """\
expected.yaml:
  rules: [gold-needs-three-nines]   # optional: run only these rules
  findings:                         # [] when the documents must pass
    - {rule: gold-needs-three-nines, file: sla.yaml, line: 14}
      # optional: column, message (a part of the message)

exit codes:
  0  every case passed
  1  a case failed or a rule is untested
  2  usage error or no cases

examples:
  slopolicy test policy-tests/
  slopolicy test policy-tests/ --require-tests        every custom rule has a case
  slopolicy test policy-tests/ --require-tests=all    every rule a case can run
  slopolicy test policy-tests/ --format junit --output slopolicy-tests.xml   for CI
"""

EXPECTED = "expected.yaml"
SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".tox", "__pycache__"})

_FINDING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rule", "file", "line"],
    "properties": {
        "rule": {"type": "string", "minLength": 1},
        "file": {"type": "string", "minLength": 1},
        "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 1},
        "message": {"type": "string", "minLength": 1},
    },
}
EXPECTED_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["findings"],
    "properties": {
        "description": {"type": "string"},
        "rules": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "findings": {"type": "array", "items": _FINDING},
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="folder of cases (default: the current folder)")
    parser.add_argument("--config", metavar="FILE", help="configuration file "
                        "(default: .slopolicy.yaml, searched upward from DIR)")
    parser.add_argument("--require-tests", nargs="?", const="custom", choices=("custom", "all"),
                        help="fail rules that no case expects a finding of: custom rules (the "
                        "default), or all rules a case can run")
    parser.add_argument("--format", choices=REPORTERS.names(), default="text",
                        help="report format (default: text; junit for CI test report views)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the report to FILE instead of stdout")
    add_terminal_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from slopolicy.config.project import open_project  # loaded to run, not to build the parser
    from slopolicy.report.output import write_atomic
    from slopolicy.report.terminal import Rendering, Style, is_terminal, wants_color

    top = Path(args.dir)
    if not top.is_dir():
        raise UsageError(f"{args.dir}: no such folder")
    project = open_project([args.dir], args.config)
    cases = [_read_case(folder, project) for folder in find_cases(top)]
    if not cases:
        raise UsageError(
            f"{args.dir}: no test cases (folders holding an {EXPECTED}); "
            "see `slopolicy test --help`"
        )
    for case in cases:
        _run_case(case, project)
    untested = _untested(cases, project, args.require_tests) if args.require_tests else []
    result = FixtureRun(cases, untested)
    color = (args.color == "always" if args.output
             else wants_color(args.color, is_terminal(sys.stdout)))
    buffer = Rendering(Style(color, args.quiet, args.verbose))
    REPORTERS.get(args.format)(result, buffer)
    if args.output:
        write_atomic(Path(args.output), buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return EXIT_FINDINGS if result.failed or untested else EXIT_OK


def find_cases(top: Path) -> list[Path]:
    """Every folder under ``top`` (or ``top`` itself) that holds an expected.yaml."""
    found = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if EXPECTED in names:
            found.append(Path(folder))
    return sorted(found)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _read_case(folder: Path, project: Project) -> Case:
    path = folder / EXPECTED
    shown = _shown(path)
    data = _load_expected(path, shown)
    known = set(project.rules)
    selected = data.get("rules")
    for index, rule_id in enumerate(selected or []):
        if rule_id not in known:
            raise UsageError(f"{shown}: rules[{index}]: unknown rule id {rule_id!r}")
    expected = []
    for index, item in enumerate(data["findings"]):
        if item["rule"] not in known:
            raise UsageError(f"{shown}: findings[{index}].rule: unknown rule id {item['rule']!r}")
        expected.append(Expected(item["rule"], item["file"], item["line"],
                                 item.get("column"), item.get("message")))
    rules = frozenset(selected) if selected is not None else None
    return Case(folder, _shown(folder), rules, expected)


def _load_expected(path: Path, shown: str) -> Mapping[str, Any]:
    from slopolicy.load import schemas
    from slopolicy.load.files import read_regular
    from slopolicy.text.decoding import decode
    from slopolicy.text.yamlsource import LoadError, iter_documents, locate

    raw, unread = read_regular(path)  # never a FIFO or a device, within the size cap
    if raw is None:
        raise UsageError(f"{shown}: {unread}")
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        raise UsageError(f"{shown}:{problem.line}:{problem.column}: {problem.message}")
    loaded = next(iter_documents(text, positions=True), None)
    if isinstance(loaded, LoadError):
        raise UsageError(f"{shown}:{loaded.line}:{loaded.column}: {loaded.message}")
    data = loaded.data if loaded is not None and loaded.error is None else None
    from jsonschema import (
        Draft202012Validator,  # only here: a run that needs no messages never imports it
    )

    errors = schemas.errors(Draft202012Validator(EXPECTED_SCHEMA), data)
    if errors:
        where, _key, message = next(schemas.describe(errors[0]))
        line, column = locate(loaded.positions if loaded else None, where)
        key = ".".join(str(p) for p in where) or "(top level)"
        raise UsageError(f"{shown}:{line}:{column}: {key}: {message}")
    assert isinstance(data, Mapping)
    return data


def case_files(folder: Path) -> list[Path]:
    """The case's documents: its files and subfolders', not other cases' nor expected.yaml."""
    files = []
    for current, dirs, names in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIPPED_DIRS and not (Path(current) / d / EXPECTED).is_file()
        )
        files += [
            Path(current) / name
            for name in sorted(names)
            if name.endswith(SUFFIXES) and not (name == EXPECTED and Path(current) == folder)
        ]
    return files


def _run_case(case: Case, project: Project) -> None:
    from msgspec.structs import replace

    from slopolicy.check import analysis, engine
    from slopolicy.rules.context import Context

    started = time.perf_counter()
    config = replace(project.config, waivers=[])
    folder = case.folder.resolve()  # findings name files relative to the case
    files = analysis.load_files(case_files(folder), folder)
    ctx = Context(files, assumptions=config.assumptions)
    problems = engine.check(ctx, project.rules, config, select=case.rules)
    case.problems = list(problems)
    unmatched = list(problems)
    for expected in case.expected:
        hit = next((p for p in unmatched if expected.matches(p)), None)
        if hit is None:
            case.missing.append(expected)
        else:
            unmatched.remove(hit)
    case.unexpected = unmatched
    case.seconds = time.perf_counter() - started


def _untested(cases: list[Case], project: Project, scope: str) -> list[Untested]:
    """Rules no case expects a finding of: custom ones, or with ``all`` every rule a
    case can run (change rules need a base and unused-waiver needs waivers)."""
    covered = {item.rule for case in cases for item in case.expected}
    wanted = [
        rule
        for rule in project.rules.values()
        if (rule.source or scope == "all")
        and not rule.needs_base
        and not rule.after_waivers
        and project.config.setting(rule).severity != "off"
    ]
    return [Untested(rule.id, rule.source or "") for rule in wanted if rule.id not in covered]
