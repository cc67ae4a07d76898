"""A document of no known apiVersion and kind.

slopolicy checks ``openslo/v1`` (SLO, SLI, Service, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget) and ``slopolicy/v1`` (SLA,
Approval, Policy). A directory scan skips other YAML (CI workflows, Helm
charts) silently, but reports a document that claims one of these
apiVersions with a kind or version slopolicy does not know. A file named
explicitly on the command line that holds no known document is reported too.

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

from slopolicy.model.documents import Document
from slopolicy.model.kinds import FAMILIES
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
                yield Finding(_message(doc), document=doc, path=_where(doc), key=False)
        if source.path in ctx.explicit and not source.documents and not source.problems:
            line, column, why = source.foreign[0] if source.foreign else (1, 1, "no documents")
            yield Finding(
                f"{why}: this file was named on the command line but holds no OpenSLO v1 "
                "or slopolicy/v1 document",
                file=source.path,
                line=line,
                column=column,
            )


def _where(doc: Document) -> tuple[str, ...]:
    return ("kind",) if doc.api_version in FAMILIES else ("apiVersion",)


def _message(doc: Document) -> str:
    if doc.api_version not in FAMILIES:
        supported = ", ".join(FAMILIES)
        family = doc.api_version.split("/")[0]
        return (
            f"apiVersion {doc.api_version!r} is not supported: slopolicy checks {supported}"
            + (f" (migrate this {family} document to {family}/v1)" if family == "openslo" else "")
            + did_you_mean(doc.api_version, FAMILIES)
        )
    kinds = sorted(FAMILIES[doc.api_version])
    tip = did_you_mean(doc.kind, kinds)
    return f"kind {doc.kind!r} is not a {doc.api_version} kind ({', '.join(kinds)}){tip}"
