"""An SLA's effective period is empty, or two SLAs are in force at once.

``effective.until`` is exclusive and must come after ``effective.from``. Two
SLAs for the same customer and service whose periods overlap would give the
customer two sets of terms on the same day: end the old one
(``until``) where the new one starts (``from``). Customers and services match
as a reader takes their spelling, as the gate matches them: ``Globex``,
``globex`` and ``glob\u0435x`` (a Cyrillic ``е``) are one customer.

Passing example::

    # SLA globex-public-api-2024: effective: {from: 2024-01-01, until: 2025-01-01}
    # SLA globex-public-api:      effective: {from: 2025-01-01}

Failing example (both in force during 2025)::

    # SLA globex-public-api-2024: effective: {from: 2024-01-01, until: 2025-06-01}
    # SLA globex-public-api:      effective: {from: 2025-01-01}
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding, Related
from slopolicy.slo.units import parse_date
from slopolicy.text.spelling import fold, shown

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "effective-period"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}

# an SLA, its period (until exclusive), its customer and service as written
Period = tuple[Document, datetime.date, datetime.date | None, tuple[str, str]]
# from and until (ISO dates), customer, service: what the rule needs of an SLA, kept
# with its file (as text: every SLA's is read back on every run, and text reads fastest)
Terms = tuple[str, str | None, str, str]


def terms(sla: Document) -> Terms | None:
    effective = sla.spec.get("effective")
    if not isinstance(effective, Mapping):
        return None
    start = parse_date(effective.get("from"))
    if start is None:
        return None
    until = parse_date(effective.get("until"))
    customer, service = str(sla.spec.get("customer")), str(sla.spec.get("service"))
    return start.isoformat(), until.isoformat() if until else None, customer, service


TERMS: Fact[Terms | None] = Fact(ID, terms, codec(Terms | None))


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    periods: dict[tuple[str, str], list[Period]] = {}
    for sla in ctx.of_kind("slopolicy/v1", "SLA"):
        found = TERMS.of(sla)
        if found is None:
            continue
        start = datetime.date.fromisoformat(found[0])
        until = datetime.date.fromisoformat(found[1]) if found[1] is not None else None
        customer, service = found[2], found[3]
        if until is not None and until <= start:
            yield Finding(
                f"effective.until {until} is not after effective.from {start}: the agreement "
                "is never in force (until is exclusive)",
                document=sla, path=("spec", "effective", "until"),
            )
            continue
        # the customer and service as a reader takes their spelling, the key by which the
        # gate matches agreements (slopolicy.changes.compare.parties): Globex is globex
        periods.setdefault((fold(customer), fold(service)), []).append(
            (sla, start, until, (customer, service)))
    for group in periods.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda p: (p[1], p[0].name))
        for earlier, later in zip(group, group[1:]):
            if earlier[2] is None or earlier[2] > later[1]:
                names = (f"SLAs {earlier[0].name} and {later[0].name} are"
                         if earlier[0].name != later[0].name
                         else f"two SLAs named {later[0].name} are")
                customer, service = (one if one == other else shown(one)
                                     for one, other in zip(later[3], earlier[3]))
                yield Finding(
                    f"{names} both in force for customer {customer}, service {service} from "
                    f"{later[1]}{_written(earlier, later)}: end the earlier one "
                    f"({earlier[0].source.path}) with `until: {later[1]}`",
                    document=later[0], path=("spec", "effective", "from"),
                    related=(Related(f"SLA {earlier[0].name} in force", document=earlier[0],
                                     path=("spec", "effective")),),
                )


def _written(earlier: Period, later: Period) -> str:
    """How the earlier SLA writes the customer and service, where it writes them otherwise
    than the later one (``Globex``), with what reads as another character spelt out (both
    are, so that the two show where they differ: ``glob\\u0435x`` for a Cyrillic ``е``)."""
    told = [f"{what} `{shown(one)}`"
            for what, one, other in zip(("customer", "service"), earlier[3], later[3])
            if one != other]
    return f" (SLA {earlier[0].name} writes {' and '.join(told)})" if told else ""
