"""Two documents share apiVersion, kind and name, or an SLA repeats a name in a list.

Names identify documents: references (``indicatorRef``, an SLA's ``slo:``)
and approvals resolve by name, so a second document of the same kind and
name makes them ambiguous.

Names identify the items of an SLA's lists too: its objectives and
exclusions by ``name``, its support severities by ``level``. A change of the
agreement is judged item by item, matched by those names, so a name given
twice in one list leaves a reader (and the change gate) unable to tell which
item is which (an item is reported at its name).

Either way: reported at the later one, with the first as a
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

Failing example (two exclusions named ``scheduled-maintenance``)::

    apiVersion: slopolicy/v1
    kind: SLA
    metadata: {name: globex-checkout}
    spec:
      exclusions:
        - {name: scheduled-maintenance, maxPerWindow: 4h, notice: 72h}
        - {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.documents import Document
from slopolicy.model.kinds import SHARED_NAMES, SLA_KEYED_LISTS
from slopolicy.model.problems import Finding, Related
from slopolicy.rules import per_document
from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "duplicate-name"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}



def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _documents(ctx)
    yield from _ITEMS(ctx, options)


def _items(doc: Document, options: Mapping[str, Any]) -> Iterator[Finding]:
    """Each item of a keyed list of an SLA whose name an earlier item of the list has.

    What it finds depends on the document alone: kept with it as a document-scope rule's
    results are (:func:`slopolicy.rules.per_document`), so a warm run reads no SLA for it.
    """
    if not (doc.known and (doc.api_version, doc.kind) == ("slopolicy/v1", "SLA")):
        return
    for where, key, noun, nouns in SLA_KEYED_LISTS:
        node: Any = doc.data
        for part in where:
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, list):
            continue
        first: dict[str, int] = {}
        for index, item in enumerate(node):
            name = item.get(key) if isinstance(item, Mapping) else None
            if not isinstance(name, (str, int)) or isinstance(name, bool):
                continue  # the schema rule reports an item without a name
            seen = first.setdefault(str(name), index)
            if seen == index:
                continue
            path: Path = (*where, index, key)
            first_path: Path = (*where, seen, key)
            line, _ = doc.locate(first_path)
            yield Finding(
                f"{doc.label}: {noun} {name} is given twice (first at line {line}); a change "
                f"of the agreement matches its {nouns} by {key}, and cannot tell these apart: "
                f"give each its own {key}, or merge them",
                document=doc, path=path,
                related=(Related(f"first {noun} {name}", document=doc, path=first_path),),
            )


_ITEMS = per_document(f"{ID}:items", _items)


def _documents(ctx: Context) -> Iterator[Finding]:
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
