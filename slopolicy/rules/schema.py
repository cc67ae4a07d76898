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

from slopolicy.model.problems import Finding

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "schema"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    # analysis validated every document of a known kind as it loaded the file
    # (slopolicy.check.analysis); the results are kept with the file
    for source in ctx.files:
        results = source.schema_results
        for position, doc in enumerate(source.documents):
            # a mapped document's original is checked against its own schema
            if doc.known and doc.mapped_from is None:
                for path, key, message in results.get(position, ()):
                    yield Finding(message, document=doc, path=path, key=key)
