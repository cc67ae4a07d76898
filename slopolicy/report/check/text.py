"""``file:line:col: severity [rule] message``, then a summary line."""
from __future__ import annotations

import os
from typing import TextIO

from slopolicy.report.check import CheckReport

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "waived": "\033[2m"}
_RESET = "\033[0m"


def _color(stream: TextIO) -> bool:
    return (
        hasattr(stream, "isatty")
        and stream.isatty()
        and "NO_COLOR" not in os.environ
        and os.environ.get("TERM") != "dumb"
    )


def report(report: CheckReport, stream: TextIO) -> None:
    color = _color(stream)
    for p in report.result.problems:
        severity = "waived" if p.waived else p.severity
        shown = f"{_COLORS[severity]}{severity}{_RESET}" if color else severity
        suffix = f" (waived: {p.waiver_reason})" if p.waived else ""
        stream.write(f"{p.file}:{p.line}:{p.column}: {shown} [{p.rule}] {p.message}{suffix}\n")
        for r in p.related:
            stream.write(f"    {r.file}:{r.line}:{r.column}: note: {r.message}\n")
    stream.write(summary(report) + "\n")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: CheckReport) -> str:
    result = report.result
    scope = f"{_plural(result.documents, 'document')} in {_plural(result.files, 'file')}"
    errors, warnings, infos = (result.count(s) for s in ("error", "warning", "info"))
    waived = f", {result.waived} waived" if result.waived else ""
    skipped = (f"; {_plural(result.skipped, 'YAML file')} held documents of no format slopolicy "
               "knows (`slopolicy check FILE` says why)") if result.skipped else ""
    if not (errors or warnings or infos):
        if not result.documents and not result.skipped:
            return (f"slopolicy: no problems in {scope}{waived}; no SLO or SLA document was "
                    "found (documents.include in .slopolicy.yaml selects the files)")
        if not result.documents:
            return (f"slopolicy: no problems in {scope}{waived}; no SLO or SLA document was "
                    f"found{skipped}")
        return f"slopolicy: no problems in {scope}{waived}{skipped}"
    parts = [_plural(errors, "error"), _plural(warnings, "warning")]
    if infos:
        parts.append(_plural(infos, "info"))
    return f"slopolicy: {', '.join(parts)}{waived} in {scope}{skipped}"
