"""OpenSLO rules that a JSON Schema cannot see across documents.

The schema checks each document alone. When an SLO refers to its SLI by
``indicatorRef``, the kind of metric is only known by following the
reference, so these checks run here:

- ``op`` and ``value`` belong on objectives of a thresholdMetric SLI only;
- an SLO of a thresholdMetric SLI needs ``op`` and ``value`` on its
  objective, and has exactly one objective;
- ``timeSliceTarget`` and ``timeSliceWindow`` mean nothing with the
  Occurrences budgeting method.

Passing example::

    # SLI checkout-success: spec: {ratioMetric: {...}}
    # SLO: spec: {indicatorRef: checkout-success, budgetingMethod: Occurrences,
    #             objectives: [{target: 0.999}]}

Failing example (``op: gt`` on a ratio SLI)::

    # SLI checkout-success: spec: {ratioMetric: {...}}
    # SLO: spec: {indicatorRef: checkout-success, budgetingMethod: Occurrences,
    #             objectives: [{op: gt, value: 0.9, target: 0.999}]}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.documents import Document
from slopolicy.problems import Finding, Related

if TYPE_CHECKING:
    from slopolicy.engine import Context

ID = "openslo-semantics"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for slo in ctx.of_kind("openslo/v1", "SLO"):
        objectives = slo.spec.get("objectives")
        if not isinstance(objectives, list):
            continue
        yield from _slices(slo, objectives)
        ref = slo.spec.get("indicatorRef")
        sli = ctx.named("openslo/v1", "SLI", ref) if isinstance(ref, str) else None
        if sli is None:
            continue
        related = (Related(f"SLI {sli.name}", document=sli, path=("spec",)),)
        if "ratioMetric" in sli.spec:
            for index, objective in enumerate(objectives):
                for key in ("op", "value"):
                    if isinstance(objective, Mapping) and key in objective:
                        yield Finding(
                            f"{key} is only for a thresholdMetric SLI; SLI {sli.name} is a "
                            f"ratioMetric, so remove {key}",
                            document=slo, path=("spec", "objectives", index, key), key=True,
                            related=related,
                        )
        elif "thresholdMetric" in sli.spec:
            yield from _threshold(slo, objectives, sli, related)


def _threshold(slo: Document, objectives: list[Any], sli: Document,
               related: tuple[Related, ...]) -> Iterator[Finding]:
    if len(objectives) > 1:
        yield Finding(
            f"SLI {sli.name} is a thresholdMetric, so the SLO has exactly one objective "
            f"(it has {len(objectives)})",
            document=slo, path=("spec", "objectives"), related=related,
        )
    for index, objective in enumerate(objectives):
        if isinstance(objective, Mapping):
            missing = [k for k in ("op", "value") if k not in objective]
            if missing:
                yield Finding(
                    f"SLI {sli.name} is a thresholdMetric: the objective needs "
                    f"{' and '.join(missing)} (e.g. op: lte, value: 300)",
                    document=slo, path=("spec", "objectives", index), related=related,
                )


def _slices(slo: Document, objectives: list[Any]) -> Iterator[Finding]:
    if slo.spec.get("budgetingMethod") != "Occurrences":
        return
    for index, objective in enumerate(objectives):
        for key in ("timeSliceTarget", "timeSliceWindow"):
            if isinstance(objective, Mapping) and key in objective:
                yield Finding(
                    f"{key} has no meaning with budgetingMethod Occurrences; remove it or "
                    "use Timeslices",
                    document=slo, path=("spec", "objectives", index, key), key=True,
                )
