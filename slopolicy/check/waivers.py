"""Waivers applied to problems: a matching waiver in force waives; an expired one says so."""
from __future__ import annotations

import datetime

from msgspec.structs import replace

from slopolicy.model.problems import Problem
from slopolicy.model.waivers import Waiver


def apply_waivers(
    problems: list[Problem], waivers: list[Waiver], today: datetime.date
) -> tuple[list[Problem], list[Waiver]]:
    """Mark waived problems; return them and the waivers that matched nothing."""
    used: set[int] = set()
    out = []
    for problem in problems:
        for index, waiver in enumerate(waivers):
            if _matches(waiver, problem):
                used.add(index)
                if waiver.expires >= today:
                    problem = _waive(problem, waiver)
                    break
                problem = _expired(problem, waiver)
        out.append(problem)
    return out, [w for i, w in enumerate(waivers) if i not in used]


def _matches(waiver: Waiver, problem: Problem) -> bool:
    return (
        waiver.rule == problem.rule
        and (waiver.document is None or waiver.document == problem.document)
        and (waiver.path is None or _under(problem.path, waiver.path))
        and (waiver.file is None or waiver.file == problem.file)
    )


def _under(path: str, prefix: str) -> bool:
    """``spec.objectives`` covers itself and ``spec.objectives[0].target``."""
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _waive(problem: Problem, waiver: Waiver) -> Problem:
    return replace(problem, waived=True, waiver_reason=waiver.reason)


def _expired(problem: Problem, waiver: Waiver) -> Problem:
    note = f" (waiver expired on {waiver.expires.isoformat()}: {waiver.reason})"
    if note in problem.message:
        return problem
    return replace(problem, message=problem.message + note)
