"""OpenSLO rules that a JSON Schema cannot see across documents.

The schema checks each document alone. When an SLO refers to its SLI by
``indicatorRef``, the kind of metric is only known by following the
reference, so these checks run here:

- an SLO of a thresholdMetric SLI needs ``op`` and ``value`` on its
  objective, and has exactly one objective;
- ``timeSliceTarget`` and ``timeSliceWindow`` mean nothing with the
  Occurrences budgeting method.

``op`` and ``value`` on the objective of a ratioMetric SLI are no error:
the OpenSLO v1 spec allows them (they are only needed with a
thresholdMetric), and ``openslo-portability`` warns that the OpenSLO go-sdk
refuses them.

Passing example::

    # SLI latency: spec: {thresholdMetric: {...}}
    # SLO: spec: {indicatorRef: latency, budgetingMethod: Occurrences,
    #             objectives: [{op: lte, value: 300, target: 0.99}]}

Failing example (a thresholdMetric SLI, and no ``op`` or ``value``)::

    # SLI latency: spec: {thresholdMetric: {...}}
    # SLO: spec: {indicatorRef: latency, budgetingMethod: Occurrences,
    #             objectives: [{target: 0.99}]}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding, Related
from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "openslo-semantics"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


# Per objective: which of op and value it has (None: not a mapping).
Objectives = list[tuple[str, ...] | None]
SloFacts = tuple[str | None, Objectives, list[tuple[Path, str]]]


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for slo in ctx.of_kind("openslo/v1", "SLO"):
        facts = SLO_FACTS.of(slo)
        if facts is None:
            continue
        ref, objectives, slices = facts
        for path, message in slices:
            yield Finding(message, document=slo, path=path, key=True)
        sli = ctx.named("openslo/v1", "SLI", ref) if ref is not None else None
        if sli is None:
            continue
        if METRIC.of(sli) == "thresholdMetric":
            related = (Related(f"SLI {sli.name}", document=sli, path=("spec",)),)
            yield from _threshold(slo, objectives, sli, related)


def _slo_facts(slo: Document) -> SloFacts | None:
    """What the checks need of an SLO, remembered with its file."""
    objectives = slo.spec.get("objectives")
    if not isinstance(objectives, list):
        return None
    ref = slo.spec.get("indicatorRef")
    present: Objectives = [
        tuple(k for k in ("op", "value") if k in objective)
        if isinstance(objective, Mapping) else None
        for objective in objectives
    ]
    return (ref if isinstance(ref, str) else None, present, list(_slices(slo, objectives)))


def _metric(sli: Document) -> str | None:
    for metric in ("ratioMetric", "thresholdMetric"):
        if metric in sli.spec:
            return metric
    return None


SLO_FACTS: Fact[SloFacts | None] = Fact(ID, _slo_facts, codec(SloFacts | None))
METRIC: Fact[str | None] = Fact("metric", _metric, codec(str | None))


def _threshold(slo: Document, objectives: Objectives, sli: Document,
               related: tuple[Related, ...]) -> Iterator[Finding]:
    if len(objectives) > 1:
        yield Finding(
            f"SLI {sli.name} is a thresholdMetric, so the SLO has exactly one objective "
            f"(it has {len(objectives)})",
            document=slo, path=("spec", "objectives"), related=related,
        )
    for index, keys in enumerate(objectives):
        if keys is not None:
            missing = [k for k in ("op", "value") if k not in keys]
            if missing:
                yield Finding(
                    f"SLI {sli.name} is a thresholdMetric: the objective needs "
                    f"{' and '.join(missing)} (e.g. op: lte, value: 300)",
                    document=slo, path=("spec", "objectives", index), related=related,
                )


def _slices(slo: Document, objectives: list[Any]) -> Iterator[tuple[Path, str]]:
    if slo.spec.get("budgetingMethod") != "Occurrences":
        return
    for index, objective in enumerate(objectives):
        for key in ("timeSliceTarget", "timeSliceWindow"):
            if isinstance(objective, Mapping) and key in objective:
                yield (
                    ("spec", "objectives", index, key),
                    f"{key} has no meaning with budgetingMethod Occurrences; remove it or "
                    "use Timeslices",
                )
