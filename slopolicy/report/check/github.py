"""GitHub Actions workflow commands: one annotation per problem, as many as GitHub shows.

GitHub Actions shows at most 10 annotations of each level (error, warning,
notice) per step and drops the rest without a word. Where a level has more,
9 are annotations, those in the files the change touched first (with
``--base``: where the pull request's diff shows them), and the 10th says how
many more there are; those follow as plain lines of the log, which GitHub
keeps whole.
"""
from __future__ import annotations

from typing import TextIO

from slopolicy.model.problems import Problem
from slopolicy.report.check import CheckReport, changed_files
from slopolicy.report.check.text import summary
from slopolicy.report.terminal import line

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
PER_STEP = 10  # annotations of one level that GitHub shows per step


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def report(report: CheckReport, stream: TextIO) -> None:
    problems = report.result.problems
    levels: dict[str, list[int]] = {}
    for index, p in enumerate(problems):
        levels.setdefault(level(p), []).append(index)
    changed = changed_files(report)
    annotated: set[int] = set()
    for indexes in levels.values():
        if len(indexes) <= PER_STEP:
            annotated.update(indexes)
        else:  # stable: the changed files' problems first, each in the report's order
            ranked = sorted(indexes, key=lambda i: problems[i].file not in changed)
            annotated.update(ranked[: PER_STEP - 1])
    for index in sorted(annotated):
        stream.write(annotation(problems[index]))
    for kind, indexes in levels.items():
        rest = [i for i in indexes if i not in annotated]
        if rest:
            stream.write(_cut(kind, len(rest)))
            stream.writelines(plain(problems[i]) for i in rest)
    stream.write(summary(report) + "\n")


def level(problem: Problem) -> str:
    """The annotation level: a waived problem is a notice, whatever its severity."""
    return "notice" if problem.waived else _LEVEL[problem.severity]


def annotation(p: Problem) -> str:
    title = f"slopolicy [{p.rule}]" + (" (waived)" if p.waived else "")
    return (f"::{level(p)} file={_property(p.file)},line={p.line},col={p.column},"
            f"title={_property(title)}::{_data(p.message)}\n")


def _cut(kind: str, rest: int) -> str:
    title = f"slopolicy: {rest} more {kind}{'s' if rest > 1 else ''} not annotated"
    return (f"::{kind} title={_property(title)}::GitHub shows "
            f"{PER_STEP} {kind} annotations a step; the other {rest} are the lines below in this "
            f"step's log that start with {kind}:\n")


def plain(p: Problem) -> str:
    """A problem as a log line that starts no workflow command (it starts with its level)."""
    where = f"{line(p.file)}:{p.line}:{p.column}"
    suffix = f" (waived: {p.waiver_reason})" if p.waived else ""
    return f"{level(p)}: {where}: [{p.rule}] {line(p.message + suffix)}\n"
