"""GitHub Actions workflow commands: one annotation per problem, as many as GitHub shows.

GitHub Actions shows at most 10 annotations of each level (error, warning,
notice) per step and drops the rest without a word. Where a level has more,
the first 9 are annotations and the 10th says how many more there are; those
are written as plain lines of the log, which GitHub keeps whole.
"""
from __future__ import annotations

from collections import Counter
from typing import TextIO

from slopolicy.model.problems import Problem
from slopolicy.report.check import CheckReport
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
    totals = Counter(level(p) for p in problems)
    seen: Counter[str] = Counter()
    for p in problems:
        kind = level(p)
        seen[kind] += 1
        if totals[kind] <= PER_STEP or seen[kind] < PER_STEP:
            stream.write(annotation(p))
            continue
        if seen[kind] == PER_STEP:
            stream.write(_cut(kind, totals[kind] - PER_STEP + 1))
        stream.write(plain(p))
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
