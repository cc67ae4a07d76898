"""A document of no known apiVersion and kind.

slopolicy checks ``openslo/v1`` (SLO, SLI, Service, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget) and ``slopolicy/v1`` (SLA,
Approval, Policy), and reads the SLOs of Sloth (``prometheus/v1``,
``sloth.slok.dev/v1``), Pyrra (``pyrra.dev/v1alpha1``), Nobl9 (``n9/v1alpha``)
and OpenSLO's other versions (``openslo/v1alpha``, ``openslo.com/v2alpha``).
A directory scan skips other YAML (CI workflows, Helm charts), and counts it,
but reports a document that claims one of these apiVersions with a kind or
version slopolicy does not know, or that misses one by a slip
(``OpenSLO/v1``, ``apiversion:``, ``kind: Slo``), with the likely fix. A file
named explicitly on the command line that holds no known document is
reported too.

Passing example::

    apiVersion: openslo/v1
    kind: SLO

Failing example (a typo in the kind)::

    apiVersion: openslo/v1
    kind: SLOs
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.load.files import near_miss_keys
from slopolicy.model.documents import Document
from slopolicy.model.kinds import FAMILIES, RENAMED, header_path
from slopolicy.model.problems import Finding
from slopolicy.text.hints import did_you_mean

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "unknown-kind"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for source in ctx.files:
        for doc in source.documents:
            if not doc.known:
                slip = _slipped_key(doc)
                if slip is not None:
                    yield slip
                else:
                    yield Finding(_message(doc), document=doc, path=_where(doc), key=False)
        if source.path in ctx.explicit and not source.documents and not source.problems:
            line, column, why = source.foreign[0] if source.foreign else (1, 1, "no documents")
            yield Finding(
                f"{why}: this file was named on the command line but holds no document of a "
                f"format slopolicy reads ({', '.join(FAMILIES)})",
                file=source.path,
                line=line,
                column=column,
            )


def _slipped_key(doc: Document) -> Finding | None:
    """``apiversion:`` or ``Kind:``: the key that misses, and how it is spelled."""
    for written, meant in near_miss_keys(doc.data):
        if (meant == "apiVersion" and not doc.api_version) or (meant == "kind" and not doc.kind):
            return Finding(f"key {written!r} is spelled {meant!r}: rename it, or slopolicy "
                           "cannot tell what this document is", document=doc,
                           path=(written,), key=True)
    return None


def _where(doc: Document) -> tuple[str, ...]:
    return ("kind",) if doc.api_version in FAMILIES else (header_path(doc.api_version),)


def _message(doc: Document) -> str:
    if doc.api_version not in FAMILIES:
        supported = ", ".join(FAMILIES)
        family = doc.api_version.split("/")[0]
        renamed = RENAMED.get(doc.api_version)
        hint = (f'; did you mean "{renamed}"?' if renamed else
                did_you_mean(doc.api_version, FAMILIES))
        return (
            f"apiVersion {doc.api_version!r} is not supported: slopolicy checks {supported}"
            + (f" (migrate this {family} document to {family}/v1)"
               if family == "openslo" and not hint else "")
            + hint
        )
    kinds = sorted(FAMILIES[doc.api_version])
    if not doc.kind:
        return f"the document has no kind: a {doc.api_version} document is one of {', '.join(kinds)}"
    tip = did_you_mean(doc.kind, kinds)
    return f"kind {doc.kind!r} is not a {doc.api_version} kind ({', '.join(kinds)}){tip}"
