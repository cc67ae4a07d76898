"""Two documents share apiVersion, kind and name.

Names identify documents: references (``indicatorRef``, an SLA's ``slo:``)
and approvals resolve by name, so a second document of the same kind and
name makes them ambiguous. Reported at the later one, with the first as a
related location.

Passing example::

    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-availability}
    ---
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-latency}

Failing example::

    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-availability}
    ---
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-availability}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.documents import Document
from slopolicy.model.kinds import SHARED_NAMES
from slopolicy.model.problems import Finding, Related

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "duplicate-name"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    first: dict[tuple[str, str, str], Document] = {}
    for doc in ctx.documents:
        if not doc.name or doc.api_version in SHARED_NAMES:
            continue
        seen = first.setdefault(doc.identity, doc)
        if seen is doc:
            continue
        line, _ = seen.locate(("metadata", "name"))
        yield Finding(
            f"{doc.label} is defined twice (first at {seen.source.path}:{line}); "
            "rename one of them or delete the copy",
            document=doc,
            path=("metadata", "name"),
            related=(Related(f"first {doc.label}", document=seen, path=("metadata", "name")),),
        )
