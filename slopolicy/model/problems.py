"""Findings (what rules yield) and problems (what reports show).

A rule yields a :class:`Finding`: where (a document and a path inside it, or
a file position) and what is wrong. The engine stamps rule id and severity,
resolves the position, and makes a :class:`Problem`, a sortable value.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from msgspec import Struct

from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.model.documents import Document

SEVERITIES = ("error", "warning", "info")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Related(Struct, frozen=True):
    """A second location a finding points at (SARIF relatedLocations)."""

    message: str
    document: Document | None = None
    path: Path = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None


class Finding(Struct, frozen=True):
    """What a rule yields: a location and a message; no id, no severity."""

    message: str
    document: Document | None = None
    path: Path = ()
    key: bool = False  # point at the key that ends ``path``, not its value
    file: str | None = None
    line: int | None = None
    column: int | None = None
    related: tuple[Related, ...] = ()


class RelatedLocation(Struct, frozen=True, order=True):
    file: str
    line: int
    column: int
    message: str


class Problem(Struct, frozen=True, eq=False):
    """A located, stamped finding. Sorts by file, line, column, rule.

    Whether and why it is waived is left out of its equality, hash and order.
    """

    file: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    document: str = ""
    path: str = ""
    related: tuple[RelatedLocation, ...] = ()
    waived: bool = False
    waiver_reason: str = ""

    def _compared(self) -> tuple[str, int, int, str, str, str, str, str,
                                 tuple[RelatedLocation, ...]]:
        return (self.file, self.line, self.column, self.rule, self.severity, self.message,
                self.document, self.path, self.related)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:
        # a struct without eq=True answers != by identity, whatever __eq__ says
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() != other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __lt__(self, other: Problem) -> bool:
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() < other._compared()

    def __le__(self, other: Problem) -> bool:
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() <= other._compared()

    def __gt__(self, other: Problem) -> bool:
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() > other._compared()

    def __ge__(self, other: Problem) -> bool:
        if type(other) is not Problem:
            return NotImplemented
        return self._compared() >= other._compared()


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
