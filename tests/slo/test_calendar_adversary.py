"""Verdicts on real calendars against an adversary that computes them on its own.

Seeded pairs over calendar windows of every kind (days, weeks, months, quarters,
years, several of them, anchored mid-month or at noon) in zones with DST, half-
and quarter-hour offsets and half-hour DST shifts, against calendar SLA periods
in other zones and rolling SLA windows, with agreements that start and end
mid-period. The adversary (``tests/adversary.py``) takes periods and windows from
the tz database and bounds each window alone; the SLA target is then set just
below and just above the worst case it finds, 40 digits apart, so that a proof
that misses a period, a window or a placement fails here.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from adversary import (
    bad_time_in,
    bad_time_in_rolling_window,
    bad_time_rolling,
    calendar_cells,
    calendar_periods,
    local_minute,
)

from slopolicy.slo.dominance import Status, Terms, compare
from slopolicy.slo.units import CalendarUnit, Duration, Window

MINUTE = 60_000
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Australia/Adelaide", "America/St_Johns", "Pacific/Chatham",
         "Europe/London")
UNITS: tuple[CalendarUnit, ...] = ("day", "week", "month", "quarter", "year")
NATURAL = {"day": datetime(2024, 1, 1), "week": datetime(2024, 1, 1),
           "month": datetime(2024, 1, 1), "quarter": datetime(2024, 1, 1),
           "year": datetime(2024, 1, 1)}


@dataclass(frozen=True)
class Pair:
    method: str
    slice_minutes: int
    slo_window: Window
    sla_window: Window
    start: date
    until: date
    budget: Fraction  # the SLO's


def _pair(rng: random.Random, method: str) -> Pair:
    slice_minutes = rng.choice((5, 15, 30, 60)) if method != "Occurrences" else 60
    if rng.random() < 0.4:
        hours = rng.choice((1, 6, 24, 24 * 7, 24 * 28, 24 * 30, 24 * 31, 24 * 90, 24 * 365))
        slo_window = Window.rolling(Duration(hours * 3_600_000))
    else:
        unit = rng.choice(UNITS)
        anchor = NATURAL[unit] if rng.random() < 0.5 else datetime(
            2024, rng.randint(1, 12), rng.randint(1, 28), rng.choice((0, 12)))
        slo_window = Window.calendar(unit, rng.choice((1, 1, 1, 2)), rng.choice(ZONES), anchor)
    if rng.random() < 0.35:
        sla_window = Window.rolling(Duration(rng.choice((1, 7, 28, 30, 31)) * 86_400_000))
    else:
        sla_window = Window.calendar(rng.choice(UNITS), 1, rng.choice(ZONES))
    start = date(rng.choice((2025, 2026, 2027)), rng.randint(1, 12), rng.choice((1, 1, 15, 28)))
    months = rng.choice((1, 6, 13, 24))
    index = start.year * 12 + start.month - 1 + months
    until = date(index // 12, index % 12 + 1, 1)
    budget = Fraction(rng.choice(("0.001", "0.0005", "0.01", "0.05", "0.3")))
    return Pair(method, slice_minutes, slo_window, sla_window, start, until, budget)


def _cells(window: Window, lo: int, hi: int) -> list[tuple[int, int]]:
    assert window.unit is not None and window.time_zone is not None
    return calendar_cells(window.unit, window.count, window.time_zone,
                          window.anchor or NATURAL[window.unit], lo, hi)


def _minutes(window: Window) -> int:
    assert window.length is not None
    return window.length.ms // MINUTE


def _periods(pair: Pair) -> list[tuple[int, int]]:
    """The SLA periods judged (a rolling SLA: the span its windows must overlap)."""
    if pair.sla_window.unit is None:
        return [(local_minute(datetime.combine(pair.start, datetime.min.time()), "UTC"),
                 local_minute(datetime.combine(pair.until, datetime.min.time()), "UTC"))]
    assert pair.sla_window.time_zone is not None
    return calendar_periods(pair.sla_window.unit, pair.sla_window.time_zone, pair.start,
                            pair.until)


def _worst_time(pair: Pair) -> tuple[Fraction, list[tuple[int, Fraction]]] | None:
    """(the worst share of a period's time that is bad, each period's (length, bad)), or
    None when the slices of the two do not line up."""
    size = pair.slice_minutes

    def cap(length: int) -> Fraction:
        if pair.method == "Timeslices":
            return Fraction(int(pair.budget * (length // size)) * size)
        return pair.budget * length

    periods, rolling_slo = _periods(pair), pair.slo_window.unit is None
    if rolling_slo and pair.method == "Timeslices" and _minutes(pair.slo_window) % size:
        return None
    found = []
    if pair.sla_window.unit is None:
        (lo, hi), length = periods[0], _minutes(pair.sla_window)
        if rolling_slo:
            found = [(length, bad_time_rolling(length, _minutes(pair.slo_window),
                                               cap(_minutes(pair.slo_window))))]
        else:
            cells = _cells(pair.slo_window, lo - length - 800 * 1440, hi + 800 * 1440)
            if any(s % size for s, _ in cells):
                return None
            found = [(length, bad_time_in_rolling_window(length, cells, cap, lo, hi, size))]
    for start, end in periods if pair.sla_window.unit is not None else ():
        if start % size or end % size:
            return None
        if rolling_slo:
            width = _minutes(pair.slo_window)
            found.append((end - start, bad_time_rolling(end - start, width, cap(width))))
            continue
        cells = _cells(pair.slo_window, start, end)
        if any(s % size for s, _ in cells):
            return None
        found.append((end - start, bad_time_in((start, end), cells, cap)))
    return max(bad / length for length, bad in found), found


def _worst_share(pair: Pair) -> Fraction | None:
    """The worst failure share of a period (None: unbounded, windows stick out of it)."""
    b, worst = pair.budget, Fraction(0)
    for start, end in _periods(pair):
        length = _minutes(pair.sla_window) if pair.sla_window.unit is None else end - start
        if pair.slo_window.unit is not None:
            if pair.sla_window.unit is None or any(
                    s < start or e > end for s, e in _cells(pair.slo_window, start, end)):
                return None
            share = b
        else:
            m, rest = divmod(length, _minutes(pair.slo_window))
            if m == 0:
                return None
            share = b if rest == 0 else (m + 1) * b / (m + b)
        worst = max(worst, share)
    return worst


def _decimal(value: Fraction, up: bool) -> Decimal:
    """``value`` to 40 places, rounded up or down (never the default 28-digit context)."""
    scaled = value * 10 ** 40
    whole = -(-scaled.numerator // scaled.denominator) if up else scaled.numerator // scaled.denominator
    if not up and whole == scaled:
        whole -= 1  # strictly below
    with localcontext() as context:
        context.prec = 100
        return Decimal(whole).scaleb(-40)


def _terms(pair: Pair, window: Window, budget: Decimal) -> Terms:
    with localcontext() as context:
        context.prec = 100
        target = 1 - budget
    slices = Duration(pair.slice_minutes * MINUTE) if pair.method != "Occurrences" else None
    dates = (pair.start, pair.until) if window is pair.sla_window else (None, None)
    return Terms("availability", target, None, window, pair.method,  # type: ignore[arg-type]
                 slices, Decimal("0.99") if pair.method == "Timeslices" else None, *dates)


def _slo(pair: Pair) -> Terms:
    return _terms(pair, pair.slo_window, _decimal(pair.budget, True))


CASES = [_pair(random.Random(seed), method) for seed in range(45)
         for method in ("RatioTimeslices", "Timeslices", "Occurrences")]


@pytest.mark.parametrize("pair", CASES, ids=[f"{p.method}-{i}" for i, p in enumerate(CASES)])
def test_verdicts_hold_against_the_calendar_adversary(pair: Pair) -> None:
    _holds_against_the_adversary(pair)


# Rolling SLA windows whose neighbourhoods of calendar SLO windows are too long to
# compare (over 128 windows): every SLO window is tried instead, and must find the
# same worst placement the adversary does.
LONG_ROLLING = [
    Pair(method, 60, Window.calendar("day", 1, zone), Window.rolling(Duration(days * 86_400_000)),
         date(2025, 1, 1), date(2025, 5, 20), Fraction("0.001"))
    for method, zone, days in (("RatioTimeslices", "Asia/Tokyo", 131),
                               ("Timeslices", "Europe/London", 130))]


@pytest.mark.parametrize("pair", LONG_ROLLING, ids=["tokyo-131d", "london-130d"])
def test_long_rolling_sla_windows_hold_against_the_calendar_adversary(pair: Pair) -> None:
    _holds_against_the_adversary(pair)


def _holds_against_the_adversary(pair: Pair) -> None:
    slo = _slo(pair)
    if pair.method == "Occurrences":
        worst = _worst_share(pair)
        if worst is None:
            verdict = compare(slo, _terms(pair, pair.sla_window, Decimal("0.999")))
            assert verdict.status is Status.VIOLATED, verdict.reason
            return
        below, above = _decimal(worst, False), _decimal(worst, True)
    else:
        found = _worst_time(pair)
        if found is None:  # slices that do not line up prove nothing
            verdict = compare(slo, _terms(pair, pair.sla_window, Decimal("0.5")))
            assert verdict.status is Status.INCOMPARABLE, verdict.reason
            assert "line up" in verdict.reason or "whole number" in verdict.reason
            return
        worst, periods = found
        if pair.method == "Timeslices":  # whole slices: the SLA allows floor(B*N) of them
            for budget in (Decimal("0.0005"), Decimal("0.001"), Decimal("0.01"), Decimal("0.05")):
                holds = all(bad <= int(Fraction(budget) * (length // pair.slice_minutes))
                            * pair.slice_minutes for length, bad in periods)
                verdict = compare(slo, _terms(pair, pair.sla_window, budget))
                assert verdict.dominates is holds, (budget, verdict.reason)
            return
        below, above = _decimal(worst, False), _decimal(worst, True)
    verdict = compare(slo, _terms(pair, pair.sla_window, above))
    assert verdict.dominates, verdict.reason
    if worst > 0:
        verdict = compare(slo, _terms(pair, pair.sla_window, below))
        assert verdict.status is Status.VIOLATED, verdict.reason
