"""A value that is legal but almost surely not what was meant.

- an OpenSLO calendar window of minutes or hours (``1m`` is one minute; a
  month is ``1M``): "Contracts often are for 1 month" written as ``1m``;
- ``M``, ``Q`` or ``Y`` on a rolling window (a month has no fixed length:
  write ``28d`` or ``30d``);
- ``targetPercent`` below 1 (``0.999`` is 0.999%, not 99.9%);
- ``target`` above 1 (a fraction: ``0.999``, or use ``targetPercent``).

Passing example::

    timeWindow:
      - duration: 1M
        isRolling: false
        calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}
    objectives: [{targetPercent: 99.9}]

Failing example::

    timeWindow:
      - duration: 1m   # meant a month
        isRolling: false
        calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}
    objectives: [{targetPercent: 0.999}]
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding
from slopolicy.slo.units import UnitError, format_decimal, to_decimal

ID = "ambiguous-duration"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}

_SHORTHAND = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")


def check_document(doc: Document, options: Mapping[str, Any]) -> Iterator[Finding]:
    if doc.kind == "SLO":
        yield from _windows(doc)
    if doc.kind in ("SLO", "SLA"):
        yield from _targets(doc)


def _windows(doc: Document) -> Iterator[Finding]:
    windows = doc.spec.get("timeWindow")
    for index, window in enumerate(windows if isinstance(windows, list) else []):
        if not isinstance(window, Mapping):
            continue
        match = _SHORTHAND.match(str(window.get("duration", "")))
        if not match:
            continue
        count, unit = match.groups()
        rolling = window.get("isRolling") is True
        path = ("spec", "timeWindow", index, "duration")
        if not rolling and unit in "mh":
            word = "minute" if unit == "m" else "hour"
            yield Finding(
                f"calendar window {count}{unit} is {count} {word}{'s' if count != '1' else ''}; "
                f"in OpenSLO `m` is minutes and `M` months: did you mean {count}M?",
                document=doc, path=path,
            )
        elif rolling and unit in "MQY":
            yield Finding(
                f"rolling window {count}{unit} has no fixed length (months, quarters and years "
                "vary); write days, like 28d or 30d, or make the window calendar-aligned",
                document=doc, path=path,
            )


def _targets(doc: Document) -> Iterator[Finding]:
    objectives = doc.spec.get("objectives")
    for index, objective in enumerate(objectives if isinstance(objectives, list) else []):
        if not isinstance(objective, Mapping):
            continue
        for key, limit in (("targetPercent", Decimal(1)), ("target", Decimal(1))):
            if key not in objective:
                continue
            try:
                value = to_decimal(objective[key], key)
            except UnitError:
                continue
            # a target above 100 is no percent written as a fraction: the schema's error says it
            if value > 0 and (value < limit if key == "targetPercent" else limit < value <= 100):
                yield Finding(_message(key, value), document=doc,
                              path=("spec", "objectives", index, key))


def _message(key: str, value: Decimal) -> str:
    if key == "targetPercent":
        percent = format_decimal(value * 100)
        return (f"targetPercent {value} means {value}%; for {percent}% write "
                f"targetPercent: {percent} or target: {value}")
    return (f"target {value} is above 1; target is a fraction: write target: "
            f"{format_decimal(value / 100)} or targetPercent: {value}")
