"""A customer's page: each agreement only while it belonged to the customer the page is for.

An agreement can change hands in place (the same file and name, its
``customer`` edited): its earlier versions then are another customer's, and
its later ones may be too. A page for a customer shows the versions of the
agreement from the one that gave it to that customer up to the last before it
went to another: the customer it belongs to at the end of the range asked
(``--until``; for ``--as-of``, as the repository said at ``--known-at``),
customers compared as the rest of slopolicy compares them (``Globex`` is
``globex``). The version that gave it to the customer is shown as the
agreement added, not as an edit of the previous customer's terms: no name,
contract, credit or term of another customer reaches the page, in its history,
its chart or the terms in force.
"""
from __future__ import annotations

from collections.abc import Sequence

from msgspec import structs

from slopolicy.changes.compare import Earlier, same_parties
from slopolicy.gitops.audit import Agreement, AuditReport, Version, snapshot
from slopolicy.model.documents import Document
from slopolicy.rules.value_text import show_value
from slopolicy.text import spelling


def for_customers(report: AuditReport) -> AuditReport:
    """``report`` with each agreement cut to the versions of the customer it belongs to."""
    if report.as_of is None:
        agreements = [own(a, report.versions(a)[-1]) for a in report.shown()]
        return structs.replace(report, agreements=agreements)
    known_at = report.known_at
    agreements = []
    for agreement in report.agreements:
        known = [v for v in agreement.versions
                 if known_at is None or v.commit.recorded <= known_at]
        if known:  # an agreement not yet recorded then is in no answer
            agreements.append(own(agreement, known[-1]))
    answers = snapshot(report.history, report.as_of, known_at, agreements)
    return structs.replace(report, agreements=agreements, answers=answers)


def own(agreement: Agreement, anchor: Version) -> Agreement:
    """The agreement while it belonged to ``anchor``'s customer: the versions around
    ``anchor`` of that customer, the first of them given to it as if added (see
    :func:`_theirs_only`)."""
    versions = agreement.versions
    at = versions.index(anchor)
    theirs = holder(anchor.doc)
    start, end = at, at + 1
    while start > 0 and holder(versions[start - 1].doc) == theirs:
        start -= 1
    while end < len(versions) and holder(versions[end].doc) == theirs:
        end += 1
    kept = [_theirs_only(v) for v in versions[start:end]]
    if len(kept) == len(versions) and all(k is v for k, v in zip(kept, versions)):
        return agreement  # it never belonged to another customer, nor was compared with one
    first = versions[start].index
    last = versions[end].index if end < len(versions) else None
    moves = [m for m in agreement.moves
             if m.index >= first and (last is None or m.index < last)]
    # the backing SLOs are internal (a customer's chart leaves them out): none kept
    return Agreement(agreement.api_version, agreement.kind, agreement.name, kept, moves)


def holder(doc: Document) -> str:
    """The customer a version belongs to, as slopolicy compares them (``Globex`` is
    ``globex``); a value that is no text, as written (it can still differ from another)."""
    customer = doc.spec.get("customer")
    return spelling.fold(customer) if isinstance(customer, str) else "\0" + show_value(customer)


def _theirs_only(version: Version) -> Version:
    """The version as its customer's page says it: the one that gave the agreement to them
    as an addition (nothing of the version before it, another customer's, compared or said),
    and any compared only with versions removed of their own customer and service (one
    matched by name may be another customer's: nor is it retroactive against that one)."""
    change = version.change
    given = change.base is not None and holder(change.base) != holder(version.doc)
    earliers = _theirs(change.earliers)
    if not given and len(earliers) == len(change.earliers):
        return version
    theirs = structs.replace(change, earlier=earliers[0] if earliers else None,
                                 earlier_also=tuple(earliers[1:]))
    if given:
        theirs = structs.replace(
            theirs, base=None, fields=(), objectives=(), renamed_from=None, indicator=None,
            replaces=(), replaces_more=0, taken_from=(), agreed_before=())
    return structs.replace(version, change=theirs)


def _theirs(earliers: Sequence[Earlier]) -> list[Earlier]:
    """The versions removed of the agreement's own customer and service (one matched by
    name may be another customer's)."""
    return [e for e in earliers if e.change.base is not None and e.change.head is not None
            and same_parties(e.change.base, e.change.head)]
