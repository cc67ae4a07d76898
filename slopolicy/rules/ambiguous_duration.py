"""A value that is legal but almost surely not what was meant.

- an OpenSLO calendar window of minutes or hours (``1m`` is one minute; a
  month is ``1M``): "Contracts often are for 1 month" written as ``1m``;
- ``M``, ``Q`` or ``Y`` on a rolling window (a month has no fixed length:
  write ``28d`` or ``30d``);
- ``targetPercent`` below 1 (``0.999`` is 0.999%, not 99.9%);
- ``target`` above 1 (a fraction: ``0.999``, or use ``targetPercent``);
- a ratio SLI that counts a bucket of a latency histogram
  (``..._seconds_bucket{le="0.4"}``) in an SLO that does not say what it
  measures: it measures latency, but slopolicy reads a ratio as availability
  unless the annotation ``slopolicy/indicator`` says otherwise, so it would
  back (and may prove) an SLA's availability objective. Sloth's latency SLOs
  are written so, or run an SLI plugin named for latency
  (``sloth-common/kubernetes/apiserver/latency``), which is said too.

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

from slopolicy.formats.common import threshold
from slopolicy.model.documents import Document
from slopolicy.model.kinds import NATIVE
from slopolicy.model.problems import Finding
from slopolicy.slo.terms import INDICATOR_ANNOTATION, THRESHOLD_ANNOTATION
from slopolicy.slo.units import UnitError, format_decimal, to_decimal

ID = "ambiguous-duration"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}

_SHORTHAND = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")


def check_document(doc: Document, options: Mapping[str, Any]) -> Iterator[Finding]:
    if doc.api_version not in NATIVE:
        return  # another format's SLO is judged as the OpenSLO v1 SLO it maps into
    if doc.kind == "SLO":
        yield from _windows(doc)
    if doc.kind in ("SLO", "SLA"):
        yield from _targets(doc)
    if doc.kind == "SLO":
        yield from _latency_ratios(doc)


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
            path = ("spec", "objectives", index, key)
            if value > 0 and (value < limit if key == "targetPercent" else limit < value <= 100):
                yield Finding(_message(key, value, _written(doc, path)), document=doc, path=path)


def _written(doc: Document, path: tuple[str | int, ...]) -> str | None:
    """The key the original format writes, for an SLO mapped from one (Pyrra's ``target``)."""
    there = doc.mapped_from.original(path) if doc.mapped_from is not None else ()
    return there[-1] if there and isinstance(there[-1], str) else None


def _message(key: str, value: Decimal, written: str | None = None) -> str:
    if written is not None:  # another format: say it in its own key, which has no other form
        if key == "targetPercent":
            percent = format_decimal(value * 100)
            return (f"{written} {value} means {value}%: {written} is a percentage here; for "
                    f"{percent}% write {percent}")
        return (f"{written} {value} is above 1: {written} is a fraction here; for {value}% "
                f"write {format_decimal(value / 100)}")
    if key == "targetPercent":
        percent = format_decimal(value * 100)
        return (f"targetPercent {value} means {value}%; for {percent}% write "
                f"targetPercent: {percent} or target: {value}")
    return (f"target {value} is above 1; target is a fraction: write target: "
            f"{format_decimal(value / 100)} or targetPercent: {value}")


# a bucket of a histogram of durations, by the Prometheus naming convention (base unit last)
_LATENCY_BUCKET = re.compile(
    r'[a-zA-Z_:]\w*_(seconds|milliseconds)_bucket\s*\{[^}]*\ble\s*=~?\s*"([0-9.eE+-]+)"')


def _latency_ratios(doc: Document) -> Iterator[Finding]:
    """Ratio SLIs written inline that count a latency bucket, in an SLO that does not say."""
    metadata = doc.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if isinstance(annotations, Mapping) and INDICATOR_ANNOTATION in annotations:
        return
    objectives = doc.spec.get("objectives")
    holders = [(("spec",), doc.spec)] + [
        (("spec", "objectives", index), objective)
        for index, objective in enumerate(objectives if isinstance(objectives, list) else [])
        if isinstance(objective, Mapping)]
    for at, holder in holders:
        indicator = holder.get("indicator")
        sli = indicator.get("spec") if isinstance(indicator, Mapping) else None
        ratio = sli.get("ratioMetric") if isinstance(sli, Mapping) else None
        if not isinstance(ratio, Mapping):
            continue
        for part in ("good", "bad", "total", "raw"):
            evidence = _latency_evidence(ratio.get(part))
            if evidence is not None:
                yield Finding(_latency_message(*evidence, doc.mapped_from is not None),
                              document=doc,
                              path=at + ("indicator", "spec", "ratioMetric", part))
                break


def _latency_evidence(metric: object) -> tuple[str, str | None] | None:
    """What shows a metric counts latency, and its bound where it says one."""
    source = metric.get("metricSource") if isinstance(metric, Mapping) else None
    spec = source.get("spec") if isinstance(source, Mapping) else None
    if not isinstance(source, Mapping) or not isinstance(spec, Mapping):
        return None
    plugin = spec.get("id")
    if source.get("type") == "SlothPlugin" and isinstance(plugin, str):
        # a Sloth SLI plugin is named for what it measures (sloth-common/.../latency)
        if "latency" in re.split(r"[/_.-]", plugin.lower()):
            return f"runs the SLI plugin {plugin!r}", None
        return None
    query = spec.get("query")
    found = _LATENCY_BUCKET.search(query) if isinstance(query, str) else None
    bound = _bound(found)
    if found is None or bound is None:
        return None
    return f'counts the latency histogram bucket le="{found.group(2)}", requests within {bound}', bound


def _bound(found: re.Match[str] | None) -> str | None:
    """The bucket's bound as a threshold (``400ms``); None if it is no finite number."""
    if found is None:
        return None
    try:
        value = to_decimal(found.group(2), "le")
    except UnitError:
        return None
    if not value.is_finite() or value <= 0:
        return None
    return threshold(value / 1000 if found.group(1) == "milliseconds" else value)


def _latency_message(evidence: str, bound: str | None, mapped: bool) -> str:
    where = " (where the format has no annotations, convert it to OpenSLO v1 first)" if mapped else ""
    return (f"the ratio SLI {evidence}: it measures latency, yet slopolicy reads a ratio SLI as "
            "availability, so it backs availability objectives, unless the SLO says otherwise: "
            f"annotate it with {INDICATOR_ANNOTATION}: latency and {THRESHOLD_ANNOTATION}"
            f"{': ' + bound if bound else ' (its bound)'}{where}, or {INDICATOR_ANNOTATION}: "
            "availability if that is what it measures")
