"""A mapping repeats a key.

YAML parsers disagree on which value wins, and JSON parsers keep the last;
slopolicy keeps the last and reports the repetition at the second key, with
the first as a related location.

Passing example::

    spec:
      service: checkout
      budgetingMethod: Occurrences

Failing example::

    spec:
      service: checkout
      service: payments
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding
from slopolicy.rules.yaml_syntax import load_findings

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "duplicate-key"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    yield from load_findings(ctx, ID)
