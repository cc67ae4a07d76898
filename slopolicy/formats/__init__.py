"""The formats other tools keep SLOs in, each mapped into OpenSLO v1.

slopolicy reads Sloth (``prometheus/v1`` and ``sloth.slok.dev/v1``), Pyrra
(``pyrra.dev/v1alpha1``), Nobl9 (``n9/v1alpha``) and OpenSLO's other versions
(``openslo/v1alpha``, ``openslo.com/v2alpha``) as they are, against schemas
built from each project's own definitions. Every SLO among them is also
mapped into the OpenSLO v1 SLO it means (:func:`mapped`), which is what the
rules judge, the change comparison and the audit follow, and ``slopolicy
convert`` writes; where a format is silent, the mapping states what it
assumed.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from slopolicy.formats import nobl9, openslo, pyrra, sloth
from slopolicy.formats.common import Mapped

# what each project calls its format, for messages
NAMES: dict[str, str] = {
    "prometheus/v1": "Sloth", "sloth.slok.dev/v1": "Sloth (Kubernetes)",
    "pyrra.dev/v1alpha1": "Pyrra", "n9/v1alpha": "Nobl9",
    "openslo/v1alpha": "OpenSLO v1alpha", "openslo.com/v2alpha": "OpenSLO v2alpha",
}

_Reader = Callable[[Mapping[str, Any]], list[Mapped]]
READERS: dict[tuple[str, str], _Reader] = {
    ("prometheus/v1", "PrometheusServiceLevel"): lambda d: sloth.mapped(d, crd=False),
    ("sloth.slok.dev/v1", "PrometheusServiceLevel"): lambda d: sloth.mapped(d, crd=True),
    ("pyrra.dev/v1alpha1", "ServiceLevelObjective"): pyrra.mapped,
    ("n9/v1alpha", "SLO"): nobl9.mapped,
    **{(openslo.V1ALPHA, kind): partial(openslo.mapped, api_version=openslo.V1ALPHA, kind=kind)
       for kind in ("SLO", "Service")},
    **{(openslo.V2ALPHA, kind): partial(openslo.mapped, api_version=openslo.V2ALPHA, kind=kind)
       for kind in ("SLO", "SLI", "Service", "DataSource")},
}
# The mapped kinds rules see: the SLOs, and what a v2alpha SLO refers to by
# name. Services are left out: several files may name one service, and no
# rule reads a Service.
JUDGED = frozenset({"SLO", "SLI", "DataSource"})


def mapped(api_version: str, kind: str, data: Mapping[str, Any]) -> list[Mapped]:
    """The OpenSLO v1 objects a document of another format means ([] for OpenSLO v1's own)."""
    reader = READERS.get((api_version, kind))
    return reader(data) if reader is not None else []


def judged(api_version: str, kind: str, data: Mapping[str, Any]) -> list[Mapped]:
    """The mapped objects the rules see."""
    return [m for m in mapped(api_version, kind, data) if m.kind in JUDGED]
