"""``file:line:col: severity [rule] message``, then a summary line."""
from __future__ import annotations

from typing import TextIO

from slopolicy.report.check import CheckReport
from slopolicy.report.terminal import Style, lead, style_of
from slopolicy.report.terminal import line as _line

_TONES = {"error": "red", "warning": "yellow", "info": "cyan", "waived": "dim"}


def report(report: CheckReport, stream: TextIO) -> None:
    """Every problem, then the summary (``-q``: the problems alone)."""
    style = style_of(stream)
    for p in report.result.problems:
        severity = "waived" if p.waived else p.severity
        shown = style.paint(severity, _TONES[severity])
        suffix = f" (waived: {p.waiver_reason})" if p.waived else ""
        stream.write(f"{lead(p.file)}:{p.line}:{p.column}: {shown} [{p.rule}] "
                     f"{_line(p.message + suffix)}\n")
        if style.verbose:
            stream.write(_where(_line(p.document), _line(p.path)))
        for r in p.related:
            stream.write(f"    {lead(r.file)}:{r.line}:{r.column}: note: {_line(r.message)}\n")
    if not style.quiet:
        stream.write(_painted_summary(report, style) + "\n")


def _where(document: str, path: str) -> str:
    """``-v``: the document and the path inside it, which a reviewer searches for."""
    parts = [f"document {document}" if document else "", f"path {path}" if path else ""]
    shown = ", ".join(p for p in parts if p)
    return f"    in {shown}\n" if shown else ""


def _painted_summary(report: CheckReport, style: Style) -> str:
    result = report.result
    tone = ("red" if result.count("error") else "yellow" if result.count("warning")
            else "green")
    return style.paint(summary(report), tone)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: CheckReport) -> str:
    result = report.result
    scope = f"{_plural(result.documents, 'document')} in {_plural(result.files, 'file')}"
    errors, warnings, infos = (result.count(s) for s in ("error", "warning", "info"))
    waived = f", {result.waived} waived" if result.waived else ""
    skipped = (f"; {_plural(result.skipped, 'YAML file')} held documents of no format slopolicy "
               "knows (`-v` names them and says why)") if result.skipped else ""
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
