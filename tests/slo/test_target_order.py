"""Directions decided by targets alone (``dominance.dominates``) against the full proof.

Two versions of an objective that differ only in their target and dates
are ordered by the targets, without a proof over the agreement's periods:
this compares that answer with ``compare(...).dominates`` over many generated
pairs, at the edges too (0% and 100%, dates in the year 9999, skipped days,
time slices, missing thresholds), and requires both kinds of pair.
"""
from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

from msgspec.structs import replace

from slopolicy.slo import dominance
from slopolicy.slo.dominance import Terms
from slopolicy.slo.units import Duration, Window

DAY = 86_400_000
WINDOWS = (
    Window.rolling(Duration(28 * DAY)), Window.rolling(Duration(7 * DAY)),
    Window.rolling(Duration(3_600_000)),
    Window.calendar("month", 1, "Europe/Berlin"), Window.calendar("month", 1, "UTC"),
    Window.calendar("quarter", 1, "America/New_York"), Window.calendar("year", 1, "UTC"),
    Window.calendar("week", 1, "Asia/Kathmandu"), Window.calendar("day", 1, "Pacific/Apia"),
    Window.calendar("month", 2, "UTC", datetime(2024, 1, 15)),
)
TARGETS = ("0", "0.5", "0.99", "0.999", "0.9990", "0.9995", "0.99999", "1")
STARTS = (None, date(2011, 12, 1), date(2025, 1, 1), date(1900, 2, 28), date(9899, 6, 1),
          date(9990, 1, 1), date(9996, 6, 1), date(9999, 12, 31))


def _terms(rng: random.Random) -> Terms:
    indicator = rng.choice(("availability", "latency"))
    method = rng.choice(("Occurrences", "Occurrences", "Occurrences", "Timeslices",
                         "RatioTimeslices"))
    threshold = rng.choice((None, Duration(300), Duration(500))) if indicator == "latency" \
        else None
    slices = method != "Occurrences" and rng.random() < 0.8
    return Terms(indicator, Decimal(rng.choice(TARGETS)), threshold, rng.choice(WINDOWS),
                 method, Duration(60_000) if slices else None,
                 Decimal("0.99") if slices and method == "Timeslices" else None,
                 *_dates(rng))


def _dates(rng: random.Random) -> tuple[date | None, date | None]:
    start = rng.choice(STARTS)
    if start is None or rng.random() < 0.5 or start.year > 9996:
        return start, None
    return start, date(min(start.year + rng.choice((0, 1, 3)), 9999), 12, 31)


def _proof(slo: Terms, sla: Terms) -> bool | None:
    """The full proof's answer (None: it raises, which the audit reads as no direction)."""
    try:
        return dominance.compare(slo, sla).dominates
    except (ValueError, ArithmeticError):
        return None


def test_targets_decide_exactly_where_the_proof_agrees() -> None:
    rng = random.Random(20261201)
    decided = declined = 0
    for number in range(500):
        sla = _terms(rng)
        slo = replace(sla, target=Decimal(rng.choice(TARGETS)))
        if number % 2:
            slo = replace(slo, effective_from=rng.choice(STARTS), effective_until=None)
        if number % 7 == 0:  # another window: only the proof may answer
            slo = replace(slo, window=rng.choice(WINDOWS))
        known = dominance._by_targets(slo, sla)
        if known is None:
            declined += 1
            continue
        decided += 1
        assert known == _proof(slo, sla), (slo, sla)
        assert dominance.dominates(slo, sla) is known
    assert decided > 120 and declined > 100, (decided, declined)


def test_a_target_raised_is_a_tightening_and_back() -> None:
    old = Terms("availability", Decimal("0.999"), None, Window.calendar("month", 1, "UTC"),
                "Occurrences", effective_from=date(2025, 1, 1))
    new = replace(old, target=Decimal("0.9995"), effective_from=date(2025, 3, 1))
    assert dominance._by_targets(new, old) is True
    assert dominance._by_targets(old, new) is False
    same = replace(new, target=Decimal("0.99900"))
    assert dominance._by_targets(same, old) is dominance._by_targets(old, same) is True
