"""Every SLA names an owner in metadata (a plugin rule, for tests).

Passing example::

    apiVersion: slopolicy/v1
    kind: SLA
    metadata: {name: globex, owner: accounts@acme.example}

Failing example::

    apiVersion: slopolicy/v1
    kind: SLA
    metadata: {name: globex}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from slopolicy.model.problems import Finding

ID = "fixture-owner"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {"field": "owner"}

NOT_A_RULE = object()  # an entry point that breaks the contract


def check(ctx: Any, options: Mapping[str, Any]) -> Iterator[Finding]:
    for doc in ctx.of_kind("slopolicy/v1", "SLA"):
        metadata = doc.data.get("metadata") or {}
        if not metadata.get(options["field"]):
            yield Finding(
                f"SLA {doc.name} names no {options['field']}; add metadata.{options['field']}",
                document=doc,
                path=("metadata", "name"),
            )
