"""Reporters: each turns a check result into one output format.

``REPORTERS`` maps a ``--format`` name to a function ``(report, stream)``;
the CLI builds its choices from it. Reporters only format.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from slopolicy.check.engine import Result
from slopolicy.rules import Rule


@dataclass
class Report:
    """Everything a reporter may show."""

    result: Result
    rules: dict[str, Rule] = field(default_factory=dict)
    changes: Any = None  # the change set, with --base


Reporter = Callable[[Report, TextIO], None]

_MODULES = {
    "text": "text",
    "json": "json_report",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
}


def names() -> list[str]:
    return list(_MODULES)


def get(name: str) -> Reporter:
    module = importlib.import_module(f"slopolicy.report.check.{_MODULES[name]}")
    reporter: Reporter = module.report
    return reporter
