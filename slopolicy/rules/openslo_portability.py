"""Valid OpenSLO v1 that the OpenSLO go-sdk refuses.

Tools built on the go-sdk (``oslo validate`` among them) refuse a few things
the OpenSLO v1 spec allows. slopolicy accepts them and warns, for files that
such tools read too:

- ``op`` or ``value`` on an objective whose SLI is a ratioMetric, inline
  (``indicator``) or by name (``indicatorRef``). The spec says both are
  only needed with a thresholdMetric, and its own examples put ``op`` on a
  ratio; the go-sdk refuses them ("property is forbidden") wherever it sees
  the SLI inline. A composite SLO's objectives, each with an SLI of its
  own, pass the go-sdk with ``op``, and are not flagged.
- a DataSource without ``connectionDetails``: the spec does not mark it
  required; the go-sdk requires it.

What the spec itself forbids stays an error (``schema``,
``openslo-semantics``), such as a thresholdMetric SLO without ``op``.

Passing example::

    spec:
      indicator:
        metadata: {name: checkout-success}
        spec:
          ratioMetric: {counter: true, good: {...}, total: {...}}
      objectives:
        - target: 0.999
    ---
    kind: DataSource
    spec:
      type: Prometheus
      connectionDetails: {url: "http://prometheus:9090"}

Failing example (a warning: both are valid OpenSLO v1)::

    spec:
      indicator:
        metadata: {name: checkout-success}
        spec:
          ratioMetric: {counter: true, good: {...}, total: {...}}
      objectives:
        - op: gt        # only needed with a thresholdMetric; the go-sdk refuses it
          target: 0.999
    ---
    kind: DataSource
    spec:
      type: Prometheus  # no connectionDetails: the go-sdk requires them
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding, Related
from slopolicy.rules.openslo_semantics import METRIC

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "openslo-portability"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}

_THRESHOLD_KEYS = ("op", "value")


class ThresholdKeys(NamedTuple):
    """An objective with op or value, and the SLO's SLI that decides whether they belong."""

    objective: int  # its place in spec.objectives
    keys: tuple[str, ...]  # which of op and value it has
    ref: str | None  # the SLI by name (spec.indicatorRef), or else
    inline: str | None  # the metric of the inline SLI (spec.indicator)


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for slo, found in THRESHOLD_KEYS.found(_written(ctx, "SLO")):
        for site in found:
            yield from _ratio_keys(ctx, slo, site)
    for source, _ in NO_CONNECTION.found(_written(ctx, "DataSource")):
        yield Finding(
            f"DataSource {source.name} has no connectionDetails: the OpenSLO go-sdk refuses a "
            "DataSource without them; the OpenSLO v1 spec allows it. Add connectionDetails "
            "(any YAML, e.g. url: ...) if tools built on the go-sdk read this file",
            document=source, path=("spec",), key=True,
        )


def _written(ctx: Context, kind: str) -> list[Document]:
    """The documents of ``kind`` written as OpenSLO v1.

    Not those slopolicy maps from another format (OpenSLO v1alpha, v2alpha,
    Nobl9 ...): what the v1 spec allows says nothing of them, and their own
    schema judges the original.
    """
    return [d for d in ctx.of_kind("openslo/v1", kind) if d.mapped_from is None]


def _ratio_keys(ctx: Context, slo: Document, site: ThresholdKeys) -> Iterator[Finding]:
    """A finding for each of op and value on an objective of a ratioMetric SLI."""
    related: tuple[Related, ...] = ()
    if site.ref is not None:
        sli = ctx.named("openslo/v1", "SLI", site.ref)
        if sli is None or METRIC.of(sli) != "ratioMetric":
            return  # an unknown SLI is unresolved-reference's; a threshold one needs them
        related = (Related(f"SLI {sli.name}", document=sli, path=("spec",)),)
        which = f"SLI {sli.name}, a ratioMetric"
        # the go-sdk judges one object at a time: it sees the SLI's metric only inline
        sdk = 'refuses it wherever the SLI is written inline ("property is forbidden")'
    elif site.inline == "ratioMetric":
        which = "the inline ratioMetric SLI"
        sdk = 'refuses it ("property is forbidden")'
    else:
        return
    for key in site.keys:
        yield Finding(
            f"{key} on an objective of {which}: the OpenSLO go-sdk {sdk}; the OpenSLO v1 "
            f"spec allows it ({key} is only needed with a thresholdMetric). Remove {key} if "
            "tools built on the go-sdk read this file",
            document=slo, path=("spec", "objectives", site.objective, key), key=True,
            related=related,
        )


def _threshold_keys(slo: Document) -> tuple[ThresholdKeys, ...]:
    """The objectives with op or value, each with the SLO's SLI by name or inline metric.

    Composite SLOs, whose objectives have SLIs of their own, pass the go-sdk
    with op on a ratio SLI, so they are none of this rule's business.
    """
    objectives = slo.spec.get("objectives")
    if not isinstance(objectives, list):
        return ()
    ref = slo.spec.get("indicatorRef")
    name = ref if isinstance(ref, str) else None
    inline = _inline_metric(slo.spec.get("indicator"))
    if name is None and inline is None:
        return ()
    return tuple(
        ThresholdKeys(index, keys, name, inline)
        for index, objective in enumerate(objectives)
        if isinstance(objective, Mapping)
        and (keys := tuple(k for k in _THRESHOLD_KEYS if k in objective))
    )


def _inline_metric(indicator: object) -> str | None:
    """ratioMetric or thresholdMetric: the one an inline SLI has (None: neither, or both)."""
    spec = indicator.get("spec") if isinstance(indicator, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    metrics = [m for m in ("ratioMetric", "thresholdMetric") if m in spec]
    return metrics[0] if len(metrics) == 1 else None


def _no_connection(source: Document) -> bool:
    spec = source.data.get("spec")
    return isinstance(spec, Mapping) and "connectionDetails" not in spec


THRESHOLD_KEYS: Fact[tuple[ThresholdKeys, ...]] = Fact(
    ID, _threshold_keys, codec(tuple[ThresholdKeys, ...]))
NO_CONNECTION: Fact[bool] = Fact("datasource-without-connection", _no_connection, codec(bool))
