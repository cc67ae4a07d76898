"""Go to definition and find references: documents that name each other.

A reference is a name in a field that slopolicy resolves: an SLA
objective's ``slo:`` (and ``objective:``, a displayName in that SLO), the
OpenSLO ``*Ref`` fields, and ``spec.service``. Answers are (document, path)
pairs; the server turns them into locations.
"""
from __future__ import annotations

from collections.abc import Mapping

from slopolicy.lsp.cursor import At
from slopolicy.lsp.explain import value_of
from slopolicy.lsp.workspace import Snapshot
from slopolicy.model.documents import Document
from slopolicy.rules.linking import display_names, service, sla_references
from slopolicy.rules.unresolved_reference import REFERENCES, references
from slopolicy.text.yamlsource import Path

OPENSLO = "openslo/v1"
NAME: Path = ("metadata", "name")
Target = tuple[Document, Path]


def definition(snapshot: Snapshot, at: At) -> list[Target]:
    """The documents (or SLO objective) that the name under the cursor refers to."""
    doc, path = at.document, at.path
    value = value_of(doc.data, path) if path else None
    if not isinstance(value, str) or not isinstance(path[-1], str):
        return []
    key = path[-1]
    ctx = snapshot.ctx
    if doc.api_version == OPENSLO and key in REFERENCES:
        found = ctx.named(OPENSLO, REFERENCES[key], value)
        return [(found, NAME)] if found is not None else []
    if path == ("spec", "service"):
        found = ctx.named(OPENSLO, "Service", value)
        return [(found, NAME)] if found is not None else []
    if doc.kind == "SLA" and len(path) == 4 and path[:2] == ("spec", "objectives"):
        if key == "slo":
            found = ctx.named(OPENSLO, "SLO", value)
            return [(found, NAME)] if found is not None else []
        if key == "objective":
            return _objective(snapshot, doc, path, value)
    return []


def _objective(snapshot: Snapshot, sla: Document, path: Path, wanted: str) -> list[Target]:
    """``objective:`` names an objective of the SLO that ``slo:`` names, by displayName."""
    named = value_of(sla.data, path[:3] + ("slo",))
    slo = snapshot.ctx.named(OPENSLO, "SLO", named) if isinstance(named, str) else None
    if slo is None:
        return []
    return [(slo, ("spec", "objectives", position, "displayName"))
            for position, name in enumerate(display_names(slo)) if name == wanted]


def referenced(snapshot: Snapshot, at: At) -> Document:
    """The document whose references are asked for: the one the cursor names, else its own."""
    targets = definition(snapshot, at)
    return targets[0][0] if targets else at.document


def references_to(snapshot: Snapshot, target: Document) -> list[Target]:
    """Every place that names ``target``: SLAs naming an SLO, documents of a service, ``*Ref``s."""
    ctx = snapshot.ctx
    found: list[Target] = []
    if target.kind == "SLO" and target.api_version == OPENSLO:
        for sla in ctx.of_kind("slopolicy/v1", "SLA"):
            found += [(sla, ("spec", "objectives", position, "slo"))
                      for position, name, _ in sla_references(sla) if name == target.name]
    if target.kind == "Service" and target.api_version == OPENSLO:
        for kind in (("slopolicy/v1", "SLA"), (OPENSLO, "SLO")):
            found += [(doc, ("spec", "service")) for doc in ctx.of_kind(*kind)
                      if service(doc) == target.name]
    kinds: Mapping[str, str] = REFERENCES
    if target.api_version == OPENSLO and target.kind in kinds.values():
        for doc in ctx.documents:
            if doc.api_version == OPENSLO:
                found += [(doc, path) for path, key, name in references(doc)
                          if kinds[key] == target.kind and name == target.name]
    return found
