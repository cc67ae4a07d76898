"""Findings (what rules yield) and problems (what reports show).

A rule yields a :class:`Finding`: where (a document and a path inside it, or
a file position) and what is wrong. The engine stamps rule id and severity,
resolves the position, and makes a :class:`Problem`, a sortable value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.model.documents import Document

SEVERITIES = ("error", "warning", "info")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Related:
    """A second location a finding points at (SARIF relatedLocations)."""

    message: str
    document: Document | None = None
    path: Path = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Finding:
    """What a rule yields: a location and a message; no id, no severity."""

    message: str
    document: Document | None = None
    path: Path = ()
    key: bool = False  # point at the key that ends ``path``, not its value
    file: str | None = None
    line: int | None = None
    column: int | None = None
    related: tuple[Related, ...] = ()


@dataclass(frozen=True, order=True)
class RelatedLocation:
    file: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, order=True)
class Problem:
    """A located, stamped finding. Sorts by file, line, column, rule."""

    file: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    document: str = ""
    path: str = ""
    related: tuple[RelatedLocation, ...] = ()
    waived: bool = field(default=False, compare=False)
    waiver_reason: str = field(default="", compare=False)


def format_path(path: Path) -> str:
    """``("spec", "objectives", 0, "target")`` -> ``spec.objectives[0].target``."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f'["{part}"]')
    return "".join(out)


def resolve(finding: Finding, rule: str, severity: str) -> Problem:
    """Turn a finding into a problem, computing positions only now."""
    doc = finding.document
    if finding.line is not None:
        line, column = finding.line, finding.column or 1
        file = finding.file or (doc.source.path if doc else "")
    elif doc is not None:
        line, column = doc.locate(finding.path, finding.key)
        file = doc.source.path
    else:
        line, column, file = 1, 1, finding.file or ""
    related = tuple(_related(r) for r in finding.related)
    return Problem(
        file=file,
        line=line,
        column=column,
        rule=rule,
        severity=severity,
        message=finding.message,
        document=doc.label if doc else "",
        path=format_path(finding.path),
        related=related,
    )


def _related(item: Related) -> RelatedLocation:
    if item.line is not None:
        return RelatedLocation(item.file or "", item.line, item.column or 1, item.message)
    if item.document is not None:
        line, column = item.document.locate(item.path)
        return RelatedLocation(item.document.source.path, line, column, item.message)
    return RelatedLocation(item.file or "", 1, 1, item.message)
