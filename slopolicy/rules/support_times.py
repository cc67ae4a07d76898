"""Support terms contradict themselves.

Within a severity level the first response comes no later than the
resolution; across levels a more severe one (P1 before P2, listed first) is
never answered or resolved more slowly than a less severe one. Support terms
have no OpenSLO counterpart, so they are checked only for consistency.

Passing example::

    support:
      hours: 24x7
      severities:
        - {level: P1, response: 30m, resolution: 4h}
        - {level: P2, response: 2h, resolution: 1d}

Failing example (P1 resolved more slowly than P2; P2 answered after it is resolved)::

    support:
      severities:
        - {level: P1, response: 30m, resolution: 2d}
        - {level: P2, response: 2d, resolution: 1d}
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding, Related
from slopolicy.slo.units import Duration, UnitError, parse_duration

ID = "support-times"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}

Level = tuple[int, str, Duration, Duration]  # index, level, response, resolution


def check_document(sla: Document, options: Mapping[str, Any]) -> Iterator[Finding]:
    if sla.kind != "SLA":
        return
    levels = _levels(sla)
    for index, level, response, resolution in levels:
        if response.ms > resolution.ms:
            yield Finding(
                f"{level}: first response {response} comes after resolution {resolution}; "
                "respond no later than you resolve",
                document=sla, path=("spec", "support", "severities", index, "response"),
            )
    # levels of one name (given twice: duplicate-name reports it) are compared with the
    # levels next to them in severity, never with each other
    groups: list[list[Level]] = []
    for item in levels:
        if groups and groups[-1][0][1] == item[1]:
            groups[-1].append(item)
        else:
            groups.append([item])
    for severer, milder in zip(groups, groups[1:]):
        for more in severer:
            for less in milder:
                yield from _compare(sla, more, less)


def _levels(sla: Document) -> list[Level]:
    support = sla.spec.get("support")
    severities = support.get("severities") if isinstance(support, Mapping) else None
    out: list[Level] = []
    for index, item in enumerate(severities if isinstance(severities, list) else []):
        if not isinstance(item, Mapping):
            return []
        try:
            out.append((index, str(item.get("level")), parse_duration(item.get("response")),
                        parse_duration(item.get("resolution"))))
        except UnitError:
            return []  # the schema rule reports malformed durations
    return sorted(out, key=lambda level: (_rank(level[1]), level[0]))


def _rank(level: str) -> int:
    """P1 < P2, Sev1 < Sev2; levels without a number keep their order."""
    digits = re.search(r"[0-9]+", level)
    return int(digits.group()) if digits else 1_000_000


def _compare(sla: Document, more: Level, less: Level) -> Iterator[Finding]:
    for field, faster, slower in (("response", more[2], less[2]),
                                  ("resolution", more[3], less[3])):
        if faster.ms > slower.ms:
            base = ("spec", "support", "severities")
            yield Finding(
                f"{more[1]} is more severe than {less[1]} but its {field} time "
                f"{faster} is slower than {less[1]}'s {slower}",
                document=sla, path=base + (more[0], field),
                related=(Related(f"{less[1]} {field}", document=sla, path=base + (less[0], field)),),
            )
