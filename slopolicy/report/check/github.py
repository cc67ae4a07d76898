"""GitHub Actions workflow commands: one annotation per problem."""
from __future__ import annotations

from typing import TextIO

from slopolicy.report.check import CheckReport
from slopolicy.report.check.text import summary

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def report(report: CheckReport, stream: TextIO) -> None:
    for p in report.result.problems:
        level = "notice" if p.waived else _LEVEL[p.severity]
        title = f"slopolicy [{p.rule}]" + (" (waived)" if p.waived else "")
        stream.write(
            f"::{level} file={_property(p.file)},line={p.line},col={p.column},"
            f"title={_property(title)}::{_data(p.message)}\n"
        )
    stream.write(summary(report) + "\n")
