"""The document breaks its JSON Schema.

Every document of a known apiVersion and kind is validated against the
published schema (``slopolicy schema KIND`` prints it). One problem per
schema error, the most relevant first; an unknown property is reported at
its key, with the closest allowed name when there is one.

Passing example::

    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      description: Checkout and payment flow

Failing example (``markdown`` is not a Service field; the name has a space)::

    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: check out
    spec:
      markdown: Checkout and payment flow
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.load import schemas
from slopolicy.model.problems import Finding

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "schema"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for source in ctx.files:
        for position, doc in enumerate(source.documents):
            if not doc.known or doc.mapped_from is not None:
                continue  # a mapped document's original is checked against its own schema
            if position not in source.schema_results:  # not cached: validate now
                source.schema_results[position] = schemas.document_errors(doc.data)
            for path, key, message in source.schema_results[position]:
                yield Finding(message, document=doc, path=path, key=key)
