"""What each document reads of the others: the links that tie documents into groups.

A rule that spans documents looks one up by its name (an SLA's ``slo:``,
an SLO's ``indicatorRef``), by its service (the SLOs of an SLA's service,
the Service's traffic annotation) or by its agreement (the SLAs of one
customer and service, whose periods must not overlap), and compares
documents of one name (duplicates). Each such way is a *link*, a text that
the document that is looked up and the one that looks share:

* ``apiVersion/kind/name``: the document of that name, and every reference to it;
* ``service:NAME``: the SLOs of a service and the SLAs of that service;
* ``agreement:CUSTOMER/SERVICE``: the SLAs of one customer and service.

Documents that share a link, directly or through others, form a group, and
every finding of a rule that spans documents is made from the documents of
one group (see :mod:`slopolicy.check.incremental`). A rule that reads
another document in a new way adds its link here, or a warm check would
miss what a change of that document does. A document's links depend on it
alone: they are a fact kept with its file.
"""
from __future__ import annotations

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document, SourceFile
from slopolicy.rules.effective_period import TERMS
from slopolicy.rules.linking import OPENSLO, service, sla_references
from slopolicy.rules.unresolved_reference import REFERENCES, references


def identity_link(api_version: str, kind: str, name: str) -> str:
    return f"{api_version}/{kind}/{name}"


def _links(doc: Document) -> tuple[str, ...]:
    found = [identity_link(doc.api_version, doc.kind, doc.name)]
    if doc.api_version == OPENSLO:
        found += [identity_link(OPENSLO, REFERENCES[key], name)
                  for _, key, name in references(doc)]
        if doc.kind == "SLO" and service(doc) is not None:
            found.append(f"service:{service(doc)}")  # the SLOs of an SLA's service
    elif doc.kind == "SLA":
        name = service(doc)
        found.append(f"service:{name or ''}")  # linking: the SLOs of this service
        if name:
            found.append(identity_link(OPENSLO, "Service", name))  # its traffic assumption
        found += [identity_link(OPENSLO, "SLO", slo) for _, slo, _ in sla_references(doc)]
        terms = TERMS.of(doc)
        if terms is not None:
            found.append(f"agreement:{terms[2]}/{terms[3]}")  # effective-period overlaps
    return tuple(dict.fromkeys(found))


LINKS: Fact[tuple[str, ...]] = Fact("links", _links, codec(tuple[str, ...]))


def file_links(source: SourceFile) -> list[str]:
    """The links of every document of a file a rule sees (known kinds)."""
    return [link for doc in source.documents if doc.known for link in LINKS.of(doc)]
