"""The backing SLO proves the SLA, but with too little margin.

Headroom h is the SLO's error budget over the SLA's, in the SLA's window
(worst case over month lengths): h = 0.5 means the team is alerted when half
of the customer's budget is spent. The rule fires when the best backing SLO
has h above ``max-budget-ratio`` (default 0.5), or when targets are EQUAL (no
margin at all), and says which SLO target would restore the margin. Where the
SLA allows not a single bad slice in a period (Timeslices: floor(B*N) = 0), an
SLO that proves it allows none either: no target restores a margin, and the
message says so.

Passing example (99.95% against 99.9% over the same calendar month: h = 0.5)::

    # SLO: objectives: [{target: 0.9995}], timeWindow: 1M calendar, UTC
    # SLA: objectives: [{targetPercent: 99.9}], window: {calendar: month}

Failing example (99.92% against 99.9%: the SLO may spend 80% of the SLA's budget)::

    # SLO: objectives: [{target: 0.9992}], timeWindow: 1M calendar, UTC
    # SLA: objectives: [{targetPercent: 99.9}], window: {calendar: month}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from slopolicy.model.problems import Finding, Related
from slopolicy.rules import RATIO
from slopolicy.rules.linking import Backing, Link, assumed, describe_objective, links
from slopolicy.slo.dominance import (
    Status,
    Verdict,
    advise_target,
    lacks_headroom,
    no_bad_slice,
)
from slopolicy.slo.units import shift_point

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "slo-headroom"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {"max-budget-ratio": Decimal("0.5")}
OPTION_RANGES = {"max-budget-ratio": RATIO}  # a share of the SLA's budget: (0, 1]


def share(ratio: Fraction) -> str:
    """A budget share as a percent to two decimals at most (0.8 -> 80%)."""
    hundredths = round(ratio * 10_000)
    return plain(Decimal(f"{hundredths}E-2")) + "%"


def plain(value: Decimal) -> str:
    """Every digit of a decimal, no exponent, no trailing zeros (no context rounding)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(target: Decimal) -> str:
    """A target as a percent, every digit kept (0.99995 -> 99.995%)."""
    return plain(shift_point(target, 2)) + "%"


def _ratio(verdict: Verdict) -> Fraction:
    if verdict.status is Status.EQUAL or verdict.headroom is None:
        return Fraction(1)
    return verdict.headroom


class Proof(NamedTuple):
    """The proof of an SLA objective whose headroom the rule judges."""

    backing: Backing  # the SLO objective it is on (the first used, when several together)
    verdict: Verdict
    together: bool  # several SLOs prove it together: no one target to raise


def proof(link: Link) -> Proof | None:
    """The best single proof (the least budget ratio), else the one of several SLOs together.

    None when nothing proves the objective. The language server's hover and
    quick fix show the same choice.
    """
    dominating = link.dominating()
    if dominating:
        best = min(dominating, key=lambda b: _ratio(b.verdict))
        return Proof(best, best.verdict, False)
    if link.combined is not None:
        return Proof(link.combined.used[0], link.combined.verdict, True)
    return None


def least_target(link: Link, found: Proof, limit: Decimal) -> Decimal | None:
    """The least target of the proving SLO objective that restores ``limit``.

    None for a proof by several SLOs together, an SLO objective whose terms
    cannot be read, or when no target below 100% restores it.
    """
    if found.together or found.backing.terms is None:
        return None
    return advise_target(found.backing.terms, link.terms, limit, link.assumptions)


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    limit = Decimal(str(options["max-budget-ratio"]))
    for link in links(ctx):
        found = proof(link)
        if found is None or not lacks_headroom(found.verdict, limit):
            continue
        best, verdict, together = found
        sla_objective = describe_objective(link.sla, link.position)
        none = no_bad_slice(link.terms)
        margin = f"with no margin (neither allows a single bad {none})" if none else \
            "with no margin (the targets are equal)" if verdict.status is Status.EQUAL \
            else f"but may spend {share(_ratio(verdict))} of the SLA's error budget before it alerts"
        who = " and ".join(describe_objective(b.slo, b.position) for b in link.combined.used) \
            if together and link.combined is not None else describe_objective(best.slo, best.position)
        yield Finding(
            f"{who} {'prove' if together else 'proves'} {sla_objective} {margin}; "
            f"max-budget-ratio is {limit}: {_advice(link, found, limit)}"
            + (f". {verdict.reason}" if together else assumed(best.slo)),
            document=best.slo,
            path=best.path,
            related=(Related(sla_objective, document=link.sla, path=link.path),),
        )


def _advice(link: Link, found: Proof, limit: Decimal) -> str:
    if no_bad_slice(link.terms):
        return ("no SLO target restores it: the SLA allows no bad slice there at all, so the "
                "first bad slice breaks both")
    if found.together or found.backing.terms is None:
        return "raise the targets of the SLOs that prove it, or back it with one SLO that does"
    target = least_target(link, found, limit)
    if target is None:
        return ("no SLO target below 100% restores it with this window; use a window that "
                "tiles the SLA's periods")
    return f"raise the SLO target to at least {percent(target)}"
