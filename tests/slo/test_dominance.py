"""The SLO-versus-SLA comparison (slopolicy.slo.dominance).

Table tests pin each verdict; an adversary keeps the arithmetic honest: it
places bad time wherever the SLO allows and checks that PROVEN and EQUAL
always hold the SLA, and that every VIOLATED comes with a behaviour that
really meets the SLO and breaks the SLA.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise, product

import pytest
from adversary import (
    bad_time_rolling,
    calendar_periods,
    most_bad_ratio_time,
    most_bad_slots,
    most_bad_slots_exhaustively,
    most_bad_time,
    rolling_windows,
    worst_failure_share,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from slopolicy.slo.dominance import (
    Assumptions,
    Span,
    Status,
    Terms,
    Verdict,
    Witness,
    advise_target,
    budget_minutes,
    budget_range_minutes,
    combine,
    compare,
    format_budget_per_window,
    lacks_headroom,
)
from slopolicy.slo.units import Duration, Threshold, UnitError, Window

D = Decimal
DAY = 86_400_000
MINUTE = 60_000
SLICE = Duration(MINUTE)

MONTH = Window.calendar("month")
QUARTER = Window.calendar("quarter")
YEAR = Window.calendar("year")
WEEK = Window.calendar("week")
CAL_DAY = Window.calendar("day")


def rolling(days: int) -> Window:
    return Window.rolling(Duration(days * DAY))


def avail(target: str, window: Window, method: str = "RatioTimeslices",
          slice_window: Duration | None = SLICE, slice_target: str | None = "0.95") -> Terms:
    return Terms("availability", D(target), None, window, method,  # type: ignore[arg-type]
                 slice_window if method != "Occurrences" else None,
                 D(slice_target) if slice_target and method == "Timeslices" else None)


def latency(target: str, threshold_ms: int | None, window: Window = MONTH) -> Terms:
    return Terms("latency", D(target),
                 None if threshold_ms is None else Threshold(Decimal(threshold_ms)),
                 window, "Occurrences")


def occ(target: str, window: Window, **dates: date) -> Terms:
    return replace(avail(target, window, "Occurrences"), **dates)


def ts(target: str, window: Window, slice_window: Duration = SLICE,
       slice_target: str | None = "0.95") -> Terms:
    """Timeslices: whole bad slices."""
    return avail(target, window, "Timeslices", slice_window, slice_target)


# -- table: the README's examples and more --------------------------------

CASES = [
    # availability, same window and method
    ("same rolling window, stricter", avail("0.9995", rolling(30)), avail("0.999", rolling(30)),
     Status.PROVEN),
    ("same rolling window, equal", avail("0.999", rolling(30)), avail("0.999", rolling(30)),
     Status.EQUAL),
    ("same rolling window, looser", avail("0.99", rolling(30)), avail("0.999", rolling(30)),
     Status.VIOLATED),
    ("same calendar month, stricter", avail("0.9995", MONTH), avail("0.999", MONTH),
     Status.PROVEN),
    ("same calendar month, equal", avail("0.999", MONTH), avail("0.999", MONTH), Status.EQUAL),
    ("same calendar month, looser", avail("0.998", MONTH), avail("0.999", MONTH),
     Status.VIOLATED),
    # rolling SLO windows against calendar months and quarters
    ("rolling 28d 99.95% proves 99.9% per month", avail("0.9995", rolling(28)),
     avail("0.999", MONTH), Status.PROVEN),
    ("rolling 30d 99.9% breaks a 31-day month", avail("0.999", rolling(30)),
     avail("0.999", MONTH), Status.VIOLATED),
    ("rolling 28d 99.9% breaks a 29-day month", avail("0.999", rolling(28)),
     avail("0.999", MONTH), Status.VIOLATED),
    ("rolling 1d tiles a UTC month", avail("0.999", rolling(1)), avail("0.999", MONTH),
     Status.EQUAL),
    ("rolling 90d 99.9% breaks a 91-day quarter", avail("0.999", rolling(90)),
     avail("0.999", QUARTER), Status.VIOLATED),
    ("rolling 45d 99.95% proves 99.9% per quarter", avail("0.9995", rolling(45)),
     avail("0.999", QUARTER), Status.PROVEN),
    ("rolling 7d 99.9% per week", avail("0.999", rolling(7)), avail("0.999", WEEK), Status.EQUAL),
    # tiling calendar windows
    ("calendar days tile a month", avail("0.999", CAL_DAY), avail("0.999", MONTH), Status.EQUAL),
    ("calendar months tile a quarter", avail("0.9995", MONTH), avail("0.999", QUARTER),
     Status.PROVEN),
    ("calendar months tile a year", avail("0.999", MONTH), avail("0.999", YEAR), Status.EQUAL),
    ("calendar quarters tile a year", avail("0.999", QUARTER), avail("0.999", YEAR),
     Status.EQUAL),
    ("a quarter does not fit in a month", avail("0.9995", QUARTER), avail("0.999", MONTH),
     Status.VIOLATED),
    ("weeks do not tile a month", avail("0.999", WEEK), avail("0.999", MONTH), Status.VIOLATED),
    ("weeks with room to spare", avail("0.99995", WEEK), avail("0.999", MONTH), Status.PROVEN),
    # time zones
    ("same zone tiles", avail("0.999", Window.calendar("day", 1, "Europe/Berlin")),
     avail("0.999", Window.calendar("month", 1, "Europe/Berlin")), Status.EQUAL),
    ("UTC aliases are one zone", avail("0.999", Window.calendar("month", 1, "Etc/UTC")),
     avail("0.999", MONTH), Status.EQUAL),
    ("another zone's months straddle", avail("0.999", Window.calendar("month", 1,
                                                                      "Europe/Berlin")),
     avail("0.999", MONTH), Status.VIOLATED),
    ("another zone, with room to spare", avail("0.99999", Window.calendar("month", 1,
                                                                          "Europe/Berlin")),
     avail("0.999", MONTH), Status.PROVEN),
    ("rolling 1d against a DST month", avail("0.999", rolling(1)),
     avail("0.999", Window.calendar("month", 1, "Europe/Berlin")), Status.VIOLATED),
    ("noon-anchored days do not tile midnight days",
     avail("0.999", Window.calendar("day", 1, "UTC", datetime(2024, 1, 1, 12))),
     avail("0.999", MONTH), Status.VIOLATED),
    # rolling SLA windows
    ("rolling 7d SLO within a rolling 30d SLA", avail("0.9995", rolling(7)),
     avail("0.999", rolling(30)), Status.PROVEN),
    ("calendar days against a rolling 30d SLA", avail("0.999", CAL_DAY),
     avail("0.999", rolling(30)), Status.VIOLATED),
    ("calendar days with margin against a rolling SLA", avail("0.9995", CAL_DAY),
     avail("0.999", rolling(30)), Status.PROVEN),
    # budgeting methods and slices
    ("methods differ", avail("0.9999", MONTH, "Occurrences"), avail("0.999", MONTH),
     Status.INCOMPARABLE),
    ("slice windows differ", avail("0.9995", MONTH, slice_window=Duration(5 * MINUTE)),
     avail("0.999", MONTH), Status.INCOMPARABLE),
    ("no SLO slice window", avail("0.9995", MONTH, slice_window=None), avail("0.999", MONTH),
     Status.INCOMPARABLE),
    ("no SLO slice target", ts("0.9995", MONTH, slice_target=None), ts("0.999", MONTH),
     Status.INCOMPARABLE),
    ("looser slice target", ts("0.9995", MONTH, slice_target="0.9"), ts("0.999", MONTH),
     Status.VIOLATED),
    ("stricter slice target is a margin", ts("0.999", MONTH, slice_target="0.99"),
     ts("0.999", MONTH), Status.PROVEN),
    ("ratio timeslices compare budgets", avail("0.9995", rolling(28), "RatioTimeslices"),
     avail("0.999", MONTH, "RatioTimeslices"), Status.PROVEN),
    ("ratio timeslices with other slices",
     avail("0.9995", MONTH, "RatioTimeslices", slice_window=Duration(5 * MINUTE)),
     avail("0.999", MONTH, "RatioTimeslices"), Status.INCOMPARABLE),
    # occurrences
    ("occurrences: days tile a month", occ("0.9995", CAL_DAY), occ("0.999", MONTH),
     Status.PROVEN),
    ("occurrences: same month", occ("0.999", MONTH), occ("0.999", MONTH), Status.EQUAL),
    ("occurrences: rolling 1d tiles a UTC month", occ("0.999", rolling(1)), occ("0.999", MONTH),
     Status.EQUAL),
    ("occurrences: rolling 1d tiles a rolling 7d", occ("0.9995", rolling(1)),
     occ("0.999", rolling(7)), Status.PROVEN),
    ("occurrences: rolling 30d is diluted in February", occ("0.9999", rolling(30)),
     occ("0.999", MONTH), Status.VIOLATED),
    ("occurrences: rolling 28d covers a month", occ("0.9995", rolling(28)), occ("0.999", MONTH),
     Status.PROVEN),
    ("occurrences: weeks stick out of months", occ("0.9999", WEEK), occ("0.999", MONTH),
     Status.VIOLATED),
    ("occurrences: months in another zone", occ("0.9999", Window.calendar("month", 1,
                                                                          "Asia/Tokyo")),
     occ("0.999", MONTH), Status.VIOLATED),
    ("occurrences: calendar day against rolling SLA", occ("0.9999", CAL_DAY),
     occ("0.999", rolling(30)), Status.VIOLATED),
    ("occurrences: looser target never holds", occ("0.99", rolling(28)), occ("0.999", MONTH),
     Status.VIOLATED),
    # latency "p% within t"
    ("p99<300ms proves p95<500ms", latency("0.99", 300), latency("0.95", 500), Status.PROVEN),
    ("p95<500ms equals p95<500ms", latency("0.95", 500), latency("0.95", 500), Status.EQUAL),
    ("p95<300ms proves p95<500ms", latency("0.95", 300), latency("0.95", 500), Status.PROVEN),
    ("p90<300ms breaks p95<500ms", latency("0.90", 300), latency("0.95", 500), Status.VIOLATED),
    ("p99<300ms says nothing about 200ms", latency("0.99", 300), latency("0.95", 200),
     Status.INCOMPARABLE),
    ("latency without a threshold", latency("0.99", None), latency("0.95", 500),
     Status.INCOMPARABLE),
    ("latency windows follow the window rules", latency("0.99", 300, rolling(30)),
     latency("0.95", 500), Status.VIOLATED),
    # indicators and extreme targets
    ("indicators differ", latency("0.99", 300), occ("0.95", MONTH), Status.INCOMPARABLE),
    ("a 100% SLO allows nothing", avail("1", rolling(30)), avail("0.999", MONTH),
     Status.PROVEN),
    ("a 100% SLA allows nothing", avail("0.9999", MONTH), avail("1", MONTH), Status.VIOLATED),
    ("a 100% SLA allows nothing (occurrences)", occ("0.9999", MONTH), occ("1", MONTH),
     Status.VIOLATED),
    ("both 100%", avail("1", MONTH), avail("1", MONTH), Status.EQUAL),
    ("a 0% SLA cannot break", occ("0.5", rolling(30)), occ("0", MONTH), Status.PROVEN),
]


@pytest.mark.parametrize(("name", "slo", "sla", "status"), CASES, ids=[c[0] for c in CASES])
def test_verdict(name: str, slo: Terms, sla: Terms, status: Status) -> None:
    verdict = compare(slo, sla)
    assert verdict.status is status, verdict.reason
    assert verdict.reason.endswith(".") and len(verdict.reason) > 40
    assert (verdict.counterexample is not None) == (status is Status.VIOLATED)


def test_violated_verdicts_carry_a_checkable_witness() -> None:
    for _, slo, sla, status in CASES:
        verdict = compare(slo, sla)
        if verdict.witness is not None:
            assert_witness(slo, sla, verdict.witness)
        else:  # only slice-target mismatches explain themselves without one
            assert status is not Status.VIOLATED or "slice" in verdict.reason


# -- worked numbers, exactly ---------------------------------------------------

def test_rolling_30d_breaks_a_31_day_month_by_whole_slices() -> None:
    verdict = compare(ts("0.999", rolling(30)), ts("0.999", MONTH))
    # 99.9% of 43,200 one-minute slices allows 43 whole bad slices, not 43.2
    assert verdict.counterexample == (
        "43 bad 1-minute slices on day 1 and again on day 31 meet every rolling 30-day window "
        "yet break 99.9% for a 31-day month: 86 > 44 bad 1-minute slices")
    assert verdict.witness is not None
    assert verdict.witness.bad_time == (Span(D(0), D(43 * MINUTE)),
                                        Span(D(30 * DAY), D(43 * MINUTE)))


def test_rolling_30d_breaks_a_31_day_month_in_minutes() -> None:
    verdict = compare(avail("0.999", rolling(30)), avail("0.999", MONTH))
    assert verdict.counterexample == (
        "43.2 bad minutes on day 1 and again on day 31 meet every rolling 30-day window yet "
        "break 99.9% for a 31-day month: 86.4 > 44.64 bad minutes")
    assert verdict.witness is not None and verdict.witness.period == Duration(31 * DAY)
    for words in ("99.9%", "rolling 30d", "calendar month (UTC)", "43.2", "31-day month",
                  "86.4", "44.64"):
        assert words in verdict.reason


def test_rolling_28d_proves_a_month() -> None:
    verdict = compare(avail("0.9995", rolling(28)), avail("0.999", MONTH))
    assert verdict.status is Status.PROVEN
    # the worst month is 29 days: two windows, 2 x 20.16 = 40.32 of its 41.76 minutes
    assert verdict.headroom == Fraction("40.32") / Fraction("41.76")
    assert "29-day month" in verdict.reason and "40.32" in verdict.reason


@pytest.mark.parametrize(
    ("window", "method"),
    [(MONTH, "RatioTimeslices"), (rolling(30), "RatioTimeslices"), (MONTH, "Occurrences"),
     (CAL_DAY, "RatioTimeslices"), (QUARTER, "Occurrences")],
)
def test_headroom_of_9995_against_999_is_exactly_one_half(window: Window, method: str) -> None:
    verdict = compare(avail("0.9995", window, method), avail("0.999", window, method))
    assert verdict.status is Status.PROVEN
    assert verdict.headroom == Fraction(1, 2)


def test_headroom_of_tiling_days_is_exact() -> None:
    assert compare(avail("0.9995", CAL_DAY), avail("0.999", MONTH)).headroom == Fraction(1, 2)


@pytest.mark.parametrize(("days", "minutes"), [(30, "43.2"), (28, "40.32"), (31, "44.64")])
def test_budget_minutes(days: int, minutes: str) -> None:
    assert budget_minutes(D("0.999"), rolling(days)) == D(minutes)
    assert budget_minutes(D("0.999"), MONTH, length_days=days) == D(minutes)


def test_budget_of_a_calendar_window_needs_its_length() -> None:
    with pytest.raises(UnitError, match="length_days"):
        budget_minutes(D("0.999"), MONTH)


def test_budget_ranges_for_reports() -> None:
    assert budget_range_minutes(D("0.999"), MONTH) == (D("40.32"), D("44.64"))
    assert format_budget_per_window(D("0.999"), MONTH) == \
        "40.32 to 44.64 bad minutes per calendar month (UTC)"
    assert format_budget_per_window(D("0.999"), rolling(30)) == "43.2 bad minutes per rolling 30d"


# -- what the reasons say ----------------------------------------------------

def test_latency_incomparable_names_the_missing_threshold() -> None:
    verdict = compare(latency("0.99", 300), latency("0.95", 200))
    assert "says nothing about 200ms" in verdict.reason
    assert "99%" in verdict.reason and "95%" in verdict.reason


def test_method_mismatch_says_which_methods() -> None:
    reason = compare(ts("0.9999", MONTH), avail("0.999", MONTH)).reason
    assert "Timeslices" in reason and "RatioTimeslices" in reason


def test_requests_against_time_name_the_ratio_that_would_prove_it() -> None:
    verdict = compare(occ("0.9999", MONTH), avail("0.999", MONTH))
    assert verdict.status is Status.INCOMPARABLE and verdict.needed_ratio is not None
    assert "assumptions.traffic.maxRatio" in verdict.reason
    assert "between 1-minute slices" in verdict.reason


def test_slice_target_violation_names_both_targets() -> None:
    verdict = compare(ts("0.9995", MONTH, slice_target="0.9"), ts("0.999", MONTH))
    assert "90%" in verdict.reason and "95%" in verdict.reason
    assert verdict.counterexample is not None and "1m slice at exactly 90%" in \
        verdict.counterexample


def test_occurrences_reason_gives_request_fractions() -> None:
    verdict = compare(occ("0.9995", CAL_DAY), occ("0.999", MONTH))
    assert "0.05% may fail" in verdict.reason and "0.1% may fail" in verdict.reason


def test_occurrences_dilution_counterexample() -> None:
    verdict = compare(occ("0.9999", rolling(30)), occ("0.999", MONTH))
    assert verdict.counterexample is not None
    assert "28-day month is shorter than the rolling 30d window" in verdict.reason
    assert "0% success" in verdict.counterexample


def test_dst_counterexample_names_the_month() -> None:
    verdict = compare(avail("0.999", rolling(1)),
                      avail("0.999", Window.calendar("month", 1, "Europe/Berlin")))
    assert verdict.counterexample is not None
    assert "(Europe/Berlin, 31d1h)" in verdict.counterexample  # an October: 31 days and 1 hour


def test_threshold_margin_keeps_proven_with_budget_ratio_one() -> None:
    verdict = compare(latency("0.95", 300), latency("0.95", 500))
    assert verdict.headroom == 1 and "latency threshold is stricter" in verdict.reason


# -- headroom rule helper ----------------------------------------------------

def test_lacks_headroom() -> None:
    half = compare(avail("0.9995", MONTH), avail("0.999", MONTH))
    tight = compare(avail("0.9995", rolling(28)), avail("0.999", MONTH))
    equal = compare(avail("0.999", MONTH), avail("0.999", MONTH))
    broken = compare(avail("0.99", MONTH), avail("0.999", MONTH))
    assert not lacks_headroom(half)  # exactly at the default maximum of 0.5
    assert lacks_headroom(tight)
    assert not lacks_headroom(tight, max_budget_ratio=D("0.97"))
    assert lacks_headroom(equal)
    assert not lacks_headroom(broken)  # slo-stricter-than-sla reports that one
    assert lacks_headroom(half, max_budget_ratio=D("0.4"))


def test_verdict_is_a_frozen_value() -> None:
    verdict = compare(avail("0.9995", MONTH), avail("0.999", MONTH))
    assert isinstance(verdict, Verdict)
    with pytest.raises(AttributeError):
        verdict.status = Status.VIOLATED  # type: ignore[misc]


# -- witnesses, checked directly -----------------------------------------------

def assert_witness(slo: Terms, sla: Terms, witness: Witness) -> None:
    """The witness meets every SLO window and breaks the SLA period, in exact arithmetic."""
    assert witness.period.ms > 0  # nothing is ever placed in a period of no length
    if witness.bad_time:
        assert_bad_time_witness(slo, sla, witness)
    else:
        assert_traffic_witness(slo, sla, witness)


def allowed_in(terms: Terms, length: Fraction) -> Fraction:
    """What one window of ``terms`` allows by definition: a share of its time, or whole slices."""
    budget = 1 - Fraction(terms.target)
    if terms.budgeting_method == "Timeslices":
        assert terms.time_slice_window is not None
        size = terms.time_slice_window.ms
        return Fraction(int(budget * (length / size)) * size)
    return budget * length


def assert_bad_time_witness(slo: Terms, sla: Terms, witness: Witness) -> None:
    spans, period = tuple(witness.spans()), witness.period.ms
    for a, b in pairwise(spans):
        assert a.start + a.length <= b.start  # disjoint, in order
    assert spans[0].start >= 0 and spans[-1].start + spans[-1].length <= period
    if slo.budgeting_method == "Timeslices":  # whole slices, on slice edges
        assert slo.time_slice_window is not None
        size = slo.time_slice_window.ms
        assert all(s.start % size == 0 and s.length % size == 0 for s in spans)
    bad = sum(Fraction(s.length) for s in spans)
    assert bad > (1 - Fraction(sla.target)) * period  # breaks the SLA
    for start, length in slo_windows(slo, witness):
        assert bad_in(spans, start, start + length) <= allowed_in(slo, length)  # meets the SLO


def slo_windows(slo: Terms, witness: Witness) -> list[tuple[Fraction, Fraction]]:
    """The SLO windows where bad time or requests gather most: all that matter."""
    if witness.slo_windows is not None:
        return [(Fraction(w.start), Fraction(w.length)) for w in witness.slo_windows]
    if slo.window.length is None:
        # Requests at one instant: any window that holds them holds just them.
        assert len(witness.traffic) == 1
        return [(Fraction(witness.traffic[0].at), Fraction(1))]
    width = Fraction(slo.window.length.ms)
    # What a sliding window holds changes only where one of its edges meets an
    # edge of a span or a request: [x, x+W) starting there, or ending just after.
    edges = [Fraction(s.start) for s in witness.spans()]
    edges += [Fraction(s.start + s.length) for s in witness.spans()]
    edges += [Fraction(t.at) for t in witness.traffic]
    tiny = Fraction(1, 10 ** 6)
    return [(x, width) for e in edges for x in (e, e - width, e - width + tiny)]


def bad_in(spans: tuple[Span, ...], start: Fraction, end: Fraction) -> Fraction:
    return sum((max(Fraction(0), min(end, Fraction(s.start + s.length)) - max(start, s.start))
                for s in spans), Fraction(0))


def assert_traffic_witness(slo: Terms, sla: Terms, witness: Witness) -> None:
    inside = [t for t in witness.traffic if 0 <= t.at < witness.period.ms]
    good, bad = sum(t.good for t in inside), sum(t.bad for t in inside)
    assert good + bad > 0 and Fraction(bad, good + bad) > 1 - Fraction(sla.target)
    for start, length in slo_windows(slo, witness):
        seen = [t for t in witness.traffic if start <= t.at < start + length]
        total = sum(t.good + t.bad for t in seen)
        if total:
            assert Fraction(sum(t.bad for t in seen), total) <= 1 - Fraction(slo.target)


# -- the adversary: time -------------------------------------------------------

@pytest.mark.parametrize(
    ("slots", "window", "cap"),
    [(s, w, c) for s, w, c in product(range(1, 11), range(1, 7), range(3))],
)
def test_greedy_adversary_is_optimal_on_small_periods(slots: int, window: int, cap: int) -> None:
    assert most_bad_slots(slots, window, cap) == most_bad_slots_exhaustively(slots, window, cap)


def _coprime_to_ten(n: int) -> int:
    while n % 2 == 0:
        n //= 2
    while n % 5 == 0:
        n //= 5
    return n


@st.composite
def rolling_setups(draw: st.DrawFn) -> tuple[int, int, int, int, Decimal]:
    """Slots per day, SLO window days, SLA period days, bad slots per SLO window, SLA budget.

    The SLO target is 1 - cap/(W*S), chosen so it is an exact decimal: then
    the continuous budgets are whole slots and the adversary's discrete
    maximum is the exact truth the verdict must match.
    """
    per_day = draw(st.sampled_from([1, 2, 4, 5, 10]))
    width = draw(st.integers(1, 35))
    length = draw(st.integers(1, 40))
    unit = _coprime_to_ten(width)
    cap = unit * draw(st.integers(0, max(0, min(3, width * per_day // unit))))
    sla_budget = D(draw(st.integers(0, 400))) / 1000
    return per_day, width, length, cap, sla_budget


def _expected(worst: Fraction | int, allowed: Fraction | int, nothing: bool) -> Status:
    if nothing:  # the SLO allows nothing: no margin only when the SLA allows none either
        return Status.PROVEN if allowed else Status.EQUAL
    return Status.PROVEN if worst < allowed else Status.EQUAL if worst == allowed \
        else Status.VIOLATED


@settings(max_examples=300, deadline=None)
@given(rolling_setups())
def test_adversary_agrees_with_every_rolling_verdict(
        setup: tuple[int, int, int, int, Decimal]) -> None:
    per_day, width, length, cap, sla_budget = setup
    slo_target = 1 - D(cap) / D(width * per_day)
    assert (1 - slo_target) * width * per_day == cap  # exact
    slo, sla = avail(str(slo_target), rolling(width)), avail(str(1 - sla_budget), rolling(length))
    verdict = compare(slo, sla)
    worst = most_bad_slots(length * per_day, width * per_day, cap)
    allowed = sla_budget * length * per_day
    expected = _expected(worst, allowed, False)
    if cap == 0:
        expected = Status.EQUAL if sla_budget == 0 else Status.PROVEN
    assert verdict.status is expected, (verdict.reason, worst, allowed)
    if verdict.status is Status.VIOLATED:
        assert verdict.witness is not None
        assert_bad_time_witness(slo, sla, verdict.witness)
        assert sum(s.length for s in verdict.witness.spans()) == Fraction(worst * DAY, per_day)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([1, 5, 15, 60]), st.integers(1, 48), st.integers(1, 120),
       st.integers(9000, 9999), st.integers(9000, 9999))
def test_adversary_counts_whole_slices(slice_minutes: int, width_slices: int, length_slices: int,
                                       slo_per_10k: int, sla_per_10k: int) -> None:
    """Timeslices: a window of N slices allows floor(b*N) whole bad slices; the greedy
    adversary fills them, and the verdict matches it."""
    size = slice_minutes * MINUTE
    slo = ts(str(D(slo_per_10k) / 10_000), Window.rolling(Duration(width_slices * size)),
             Duration(size))
    sla = ts(str(D(sla_per_10k) / 10_000), Window.rolling(Duration(length_slices * size)),
             Duration(size))
    cap = int(Fraction(10_000 - slo_per_10k, 10_000) * width_slices)
    allowed = int(Fraction(10_000 - sla_per_10k, 10_000) * length_slices)
    worst = most_bad_slots(length_slices, width_slices, cap)
    verdict = compare(slo, sla)
    assert verdict.status is _expected(worst, allowed, cap == 0), (verdict.reason, worst, allowed)
    if verdict.status is Status.VIOLATED:
        assert verdict.witness is not None
        assert_bad_time_witness(slo, sla, verdict.witness)


def test_one_minute_slices_over_a_rolling_hour_allow_no_bad_slice() -> None:
    slo = ts("0.999", Window.rolling(Duration(60 * MINUTE)))
    verdict = compare(slo, ts("0.999", CAL_DAY))
    assert most_bad_slots(1440, 60, int(Fraction(1, 1000) * 60)) == 0
    assert verdict.status is Status.PROVEN and verdict.headroom == 0


def test_five_minute_slices_allow_eight_bad_slices_each() -> None:
    five = Duration(5 * MINUTE)
    verdict = compare(ts("0.998995", MONTH, five), ts("0.999", MONTH, five))
    for days in (28, 29, 30, 31):
        slices = days * 288
        assert int(Fraction("0.001005") * slices) == int(Fraction("0.001") * slices) == 8
    assert verdict.status is Status.EQUAL, verdict.reason
    assert "8 bad 5-minute slices" in verdict.reason


HOUR_SLICE = Duration(60 * MINUTE)


def bad_slices_allowed(budget: Fraction, slices: int) -> int:
    """How many bad slices a window of ``slices`` slices allows, counted one at a time: the
    most k whose share k/slices stays within the budget (no floor, no formula)."""
    k = 0
    while k < slices and Fraction(k + 1, slices) <= budget:
        k += 1
    return k


def brute_slice_verdict(slo: Terms, sla: Terms, month_days: set[int]
                        ) -> tuple[Status, Fraction | None]:
    """The verdict and headroom by counting, for every month length judged: the most bad
    slices the SLO lets into the month (the greedy adversary for rolling windows, each day
    or the month itself for calendar ones) against the bad slices the SLA allows in it.
    No margin where both are none: nothing of nothing is a headroom of 1."""
    assert slo.time_slice_window is not None and sla.time_slice_window == slo.time_slice_window
    per_day = DAY // slo.time_slice_window.ms
    slo_budget, sla_budget = 1 - Fraction(slo.target), 1 - Fraction(sla.target)
    ratios = []
    for days in sorted(month_days):
        slices = days * per_day
        if slo.window == MONTH:
            bad = bad_slices_allowed(slo_budget, slices)
        elif slo.window == CAL_DAY:
            bad = days * bad_slices_allowed(slo_budget, per_day)
        else:
            assert slo.window.length is not None
            width = slo.window.length.ms // slo.time_slice_window.ms
            bad = most_bad_slots(slices, width, bad_slices_allowed(slo_budget, width))
        allowed = bad_slices_allowed(sla_budget, slices)
        if bad > allowed:
            return Status.VIOLATED, None
        ratios.append(Fraction(bad, allowed) if allowed else Fraction(1))
    worst = max(ratios)
    return (Status.EQUAL if worst == 1 else Status.PROVEN), worst


# Budgets around the hourly thresholds (1/744 to 2/672 of a month's hours) and the daily ones.
SLICE_BUDGETS = ["0", "0.0005", "0.001", "0.0013", "0.00134", "0.0014", "0.0015", "0.002",
                 "0.0029", "0.003", "0.01", "0.033", "0.035", "0.036", "0.04", "0.07"]
SLICE_SPANS = {  # the months an agreement from 2025-01-01 judges, until:
    None: {28, 29, 30, 31}, date(2026, 1, 1): {28, 30, 31}, date(2025, 3, 1): {28, 31},
    date(2025, 2, 1): {31}, date(2025, 5, 1): {28, 30, 31}}


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SLICE_BUDGETS), st.sampled_from(SLICE_BUDGETS),
       st.sampled_from([HOUR_SLICE, Duration(DAY), Duration(15 * MINUTE)]),
       st.sampled_from([MONTH, CAL_DAY, rolling(1), rolling(7), rolling(28)]),
       st.sampled_from(sorted(SLICE_SPANS, key=str)))
@example("0.0005", "0.001", HOUR_SLICE, MONTH, None)  # 0 and 0 bad hours: EQUAL
@example("0.001", "0.001", HOUR_SLICE, MONTH, None)
@example("0.001", "0.0014", HOUR_SLICE, MONTH, None)  # 0 of 0 (28 to 30 days), 0 of 1 (31)
@example("0.001", "0.0014", HOUR_SLICE, MONTH, date(2025, 2, 1))  # January alone: 0 of 1
@example("0", "0.001", HOUR_SLICE, MONTH, None)  # 100%: nothing, against nothing
@example("0.033", "0.035", Duration(DAY), rolling(28), None)  # 0 of 0, and 0 of 1 (29+ days)
def test_whole_slice_budgets_match_a_count_for_every_month_length(
        slo_budget: str, sla_budget: str, size: Duration, window: Window,
        until: date | None) -> None:
    """Timeslices per calendar month: the verdict and its headroom are those of counting
    the bad slices each side allows in every month length the agreement judges, with 0
    of 0 (hourly slices at 99.95% against 99.9%: neither allows a bad hour) EQUAL."""
    if window.length is not None and window.length.ms < size.ms:
        return
    sla = replace(ts(str(1 - D(sla_budget)), MONTH, size, "0.99"),
                  effective_from=date(2025, 1, 1), effective_until=until)
    slo = ts(str(1 - D(slo_budget)), window, size, "0.99")
    lengths = {(e - s) // 1440 for s, e in calendar_periods(  # minutes
        "month", "UTC", date(2025, 1, 1), until or date(2125, 1, 1))}
    assert lengths == SLICE_SPANS[until]
    status, headroom = brute_slice_verdict(slo, sla, lengths)
    verdict = compare(slo, sla)
    assert verdict.status is status, (verdict.reason, headroom)
    if status is not Status.VIOLATED:
        assert verdict.headroom == headroom, verdict.reason
        assert lacks_headroom(verdict) is (headroom > Fraction(1, 2))


def test_no_bad_hour_on_either_side_is_equal_with_no_target_to_advise() -> None:
    """Hourly slices per month: 99.95%, 99.9% and 100% allow floor(b*N) = 0 bad hours in
    every month (N = 672 to 744), as 99.9% does for the SLA: the first bad hour breaks both,
    so no margin (headroom 1 of 0/0) and no SLO target below 100% restores one."""
    sla = ts("0.999", MONTH, HOUR_SLICE, "0.99")
    for days in (28, 29, 30, 31):
        assert bad_slices_allowed(Fraction(5, 10_000), days * 24) == 0
    for target in ("0.9995", "0.999", "1"):
        verdict = compare(ts(target, MONTH, HOUR_SLICE, "0.99"), sla)
        assert verdict.status is Status.EQUAL and verdict.headroom == 1, verdict.reason
        assert "neither allows a single bad 1-hour slice in a 28-day month" in verdict.reason \
            or "not a single bad 1-hour slice in a 28-day month" in verdict.reason, verdict.reason
        assert advise_target(ts(target, MONTH, HOUR_SLICE, "0.99"), sla, D("0.5")) is None
    # a stricter slice target is still a margin the budgets do not see: PROVEN, headroom 1
    stricter = compare(ts("0.9995", MONTH, HOUR_SLICE, "0.995"), sla)
    assert stricter.status is Status.PROVEN and stricter.headroom == 1, stricter.reason
    # one bad hour allowed in 31-day months only: the shorter months bind, EQUAL
    loose = compare(ts("0.999", MONTH, HOUR_SLICE, "0.99"), ts("0.9986", MONTH, HOUR_SLICE, "0.99"))
    assert loose.status is Status.EQUAL and "in a 28-day month" in loose.reason, loose.reason
    # requests against those hours, under a traffic ratio: they bound 0 bad hours of 0 too
    requests = compare(occ("0.9999999", MONTH), sla, Assumptions(Fraction(2), "declared"))
    assert requests.status is Status.EQUAL and requests.headroom == 1, requests.reason


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 2, 4, 5, 10]), st.integers(1, 35), st.integers(0, 3),
       st.integers(0, 200))
def test_adversary_judges_calendar_months_by_their_worst_length(
        per_day: int, width: int, picks: int, sla_per_mille: int) -> None:
    unit = _coprime_to_ten(width)
    cap = unit * min(picks, width * per_day // unit)
    slo_target = 1 - D(cap) / D(width * per_day)
    sla_budget = D(sla_per_mille) / 1000
    verdict = compare(avail(str(slo_target), rolling(width)), avail(str(1 - sla_budget), MONTH))
    holds = all(most_bad_slots(days * per_day, width * per_day, cap) <= sla_budget * days * per_day
                for days in (28, 29, 30, 31))
    assert verdict.dominates == holds, verdict.reason


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value=D("0.9"), max_value=1, places=5),
       st.decimals(min_value=D("0.9"), max_value=1, places=4),
       st.sampled_from([rolling(1), rolling(7), rolling(28), rolling(30), rolling(45),
                        Window.rolling(Duration(36 * 3_600_000)), CAL_DAY, WEEK, MONTH,
                        Window.calendar("month", 1, "Europe/Berlin"), QUARTER]),
       st.sampled_from([MONTH, QUARTER, rolling(30), rolling(7), CAL_DAY]),
       st.sampled_from(["Timeslices", "RatioTimeslices", "Occurrences"]))
def test_every_violation_has_a_true_witness(slo_target: Decimal, sla_target: Decimal,
                                            slo_window: Window, sla_window: Window,
                                            method: str) -> None:
    slo = avail(str(slo_target), slo_window, method)
    sla = avail(str(sla_target), sla_window, method)
    verdict = compare(slo, sla)
    if verdict.status is Status.VIOLATED:
        assert verdict.witness is not None
        assert_witness(slo, sla, verdict.witness)
    if verdict.dominates and verdict.headroom is not None:
        assert verdict.headroom <= 1
    assert verdict.status is not Status.EQUAL or verdict.headroom in (1, None)


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=D("0.95"), max_value=1, places=4),
       st.decimals(min_value=D("0.95"), max_value=1, places=4),
       st.sampled_from([rolling(28), rolling(30), WEEK, CAL_DAY]))
def test_a_stricter_slo_never_does_worse(low: Decimal, high: Decimal, window: Window) -> None:
    low, high = min(low, high), max(low, high)
    rank = {Status.VIOLATED: 0, Status.INCOMPARABLE: 0, Status.EQUAL: 1, Status.PROVEN: 2}
    sla = avail("0.999", MONTH)
    weaker, stronger = compare(avail(str(low), window), sla), compare(avail(str(high), window), sla)
    assert rank[stronger.status] >= rank[weaker.status]


# -- the adversary: requests ---------------------------------------------------

def _status_against(share: float, budget: Fraction) -> Status | None:
    """The status an LP's worst failure share gives; None too near the edge for floats."""
    limit = float(budget)
    if abs(share - limit) <= 1e-9 * max(limit, 1e-12) + 1e-12:
        return None
    return Status.PROVEN if share < limit else Status.VIOLATED


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 12), st.integers(1, 40), st.integers(1, 300), st.integers(1, 400))
def test_lp_adversary_agrees_with_rolling_success_ratios(width: int, length: int,
                                                         slo_per_mille: int,
                                                         sla_per_mille: int) -> None:
    """Requests anywhere, before, in and after the period (days as slots): the LP's worst
    failure share of the period decides, and slopolicy's verdict must agree."""
    slo_budget, sla_budget = Fraction(slo_per_mille, 1000), Fraction(sla_per_mille, 1000)
    slo = occ(str(1 - D(slo_per_mille) / 1000), rolling(width))
    sla = occ(str(1 - D(sla_per_mille) / 1000), rolling(length))
    verdict = compare(slo, sla)
    share = worst_failure_share(length, rolling_windows(width, length), float(slo_budget))
    expected = _status_against(share, sla_budget)
    if expected is None:
        assert verdict.status in (Status.EQUAL, Status.PROVEN, Status.VIOLATED)
        return
    assert verdict.status is expected, (verdict.reason, share)
    if verdict.dominates and verdict.headroom is not None:
        assert abs(float(verdict.headroom) - share / float(sla_budget)) < 1e-6
    if verdict.status is Status.VIOLATED:
        assert verdict.witness is not None
        assert_traffic_witness(slo, sla, verdict.witness)


@pytest.mark.parametrize(
    ("slo_target", "width", "sla_target", "status"),
    [("0.9995", 7, "0.999", Status.PROVEN),  # 99.95% over 7d proves 99.9% per month
     ("0.999", 28, "0.995", Status.PROVEN),  # 99.9% over 28d proves 99.5% per month
     ("0.999", 28, "0.9985", Status.VIOLATED),  # but not 99.85%
     ("0.9999", 30, "0.999", Status.VIOLATED)],  # a window longer than February
)
def test_success_ratios_over_rolling_windows_against_calendar_months(
        slo_target: str, width: int, sla_target: str, status: Status) -> None:
    slo, sla = occ(slo_target, rolling(width)), occ(sla_target, MONTH)
    verdict = compare(slo, sla)
    assert verdict.status is status, verdict.reason
    worst = max(worst_failure_share(days, rolling_windows(width, days),
                                    float(1 - Fraction(slo_target)))
                for days in (28, 29, 30, 31))
    assert _status_against(worst, 1 - Fraction(sla_target)) is status
    if status is Status.VIOLATED:
        assert verdict.witness is not None and verdict.counterexample is not None
        assert_traffic_witness(slo, sla, verdict.witness)
        assert "request" in verdict.counterexample


def test_rolling_28d_counterexample_is_in_requests() -> None:
    verdict = compare(occ("0.999", rolling(28)), occ("0.9985", MONTH))
    assert verdict.counterexample == (
        "1 failed request at each of 0s and 28d12h into a 29-day month, 999 successful "
        "requests at 1d and 999 more just outside it on each side meet every rolling 28-day "
        "window at 99.9% yet leave it at 99.8002% success, below 99.85%")
    # exactly the LP's worst: 2 failed of 1001 requests in the month
    assert abs(worst_failure_share(29, rolling_windows(28, 29), 0.001) - 2 / 1001) < 1e-12


def test_a_rolling_week_is_at_most_five_quarters_of_its_rate() -> None:
    verdict = compare(occ("0.999", rolling(7)), occ("0.99", MONTH))
    share = worst_failure_share(31, rolling_windows(7, 31), 0.001)
    assert abs(share - 5 * 0.001 / 4.001) < 1e-12  # ceil(L/W)/floor(L/W) = 5/4, exactly
    assert verdict.headroom == Fraction(5, 4001) / Fraction(1, 100)


# -- declared assumptions ------------------------------------------------------

FIVE = Assumptions(Fraction(5), "assumptions.traffic.maxRatio in .slopolicy.yaml")


def test_requests_prove_uptime_only_under_a_traffic_ratio() -> None:
    slo = occ("0.9995", rolling(28))
    sla = avail("0.99", MONTH, "RatioTimeslices", Duration(5 * MINUTE))
    alone = compare(slo, sla)
    assert alone.status is Status.INCOMPARABLE
    assert alone.needed_ratio is not None and alone.needed_ratio >= 5
    shown = f"{float(alone.needed_ratio):g}"
    assert f"at most {shown}× between 5-minute slices" in alone.reason
    assumed = compare(slo, sla, FIVE)
    assert assumed.status is Status.PROVEN
    assert assumed.assumption == ("traffic varies at most 5× between 5-minute slices "
                                  "(assumptions.traffic.maxRatio in .slopolicy.yaml)")
    assert "proven assuming traffic varies at most 5× between 5-minute slices" in assumed.reason
    beyond = compare(slo, sla, Assumptions(alone.needed_ratio + 1))
    assert beyond.status is Status.INCOMPARABLE and "even assuming" in beyond.reason


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 60), st.integers(1, 200),
       st.integers(1, 6))
def test_traffic_ratio_proofs_hold_against_an_adversary(width: int, extra: int,
                                                        slo_per_mille: int, sla_per_mille: int,
                                                        ratio: int) -> None:
    """Occurrences over rolling windows against RatioTimeslices, hour slices: every
    behaviour the adversary builds within the ratio stays within a PROVEN SLA."""
    hour = 60 * MINUTE
    slices = width + extra
    slo = occ(str(1 - D(slo_per_mille) / 1000), Window.rolling(Duration(width * hour)))
    sla = avail(str(1 - D(sla_per_mille) / 1000), Window.rolling(Duration(slices * hour)),
                "RatioTimeslices", Duration(hour))
    verdict = compare(slo, sla, Assumptions(Fraction(ratio)))
    if not verdict.dominates:
        return
    assert verdict.assumption is not None
    worst = most_bad_ratio_time(slices, width, Fraction(slo_per_mille, 1000), ratio)
    assert worst <= Fraction(sla_per_mille, 1000) * slices + Fraction(1, 10 ** 6)


BERLIN_DAY = Window.calendar("day", 1, "Europe/Berlin")


def test_berlin_days_prove_a_utc_month_assuming_traffic_varies_tenfold() -> None:
    slo, sla = occ("0.98", BERLIN_DAY), occ("0.90", MONTH, effective_from=date(2025, 1, 1))
    alone = compare(slo, sla)
    assert alone.status is Status.VIOLATED and alone.witness is not None
    assert_traffic_witness(slo, sla, alone.witness)  # dilution across the month's edge
    assert alone.needed_ratio is not None and "assumptions.traffic.maxRatio" in alone.reason
    ten = compare(slo, sla, Assumptions(Fraction(10)))
    assert ten.status is Status.PROVEN and ten.assumption is not None
    # January 2025 in hours: Berlin days start at 23:00 UTC the day before
    windows = [(-1 + 24 * k, 23 + 24 * k) for k in range(32)]
    free = worst_failure_share(744, windows, 0.02)
    bounded = worst_failure_share(744, windows, 0.02, ratio=10)
    assert free > 0.999  # without an assumption: all of it
    assert bounded <= 0.10 and ten.headroom is not None and bounded <= float(ten.headroom) * 0.1


def test_a_window_around_the_period_is_exposed_at_both_ends() -> None:
    """February 2025 (UTC) lies inside the Kolkata quarter from 2024-12-31 18:30 UTC to
    2025-03-31 18:30: 749.5 hours of it before February and 738.5 after, 750 and 739
    hours touched. With 1000 requests in every UTC hour (traffic varies 1x), the hour
    from 18:00 on 2024-12-31 sending them all after 18:30 and the one from 18:00 on
    2025-03-31 all before 18:30, the quarter holds 2,161,000 requests; 2161 failures, all
    in February, meet its 99.9% and leave February at 2161/672000 = 0.32158% failed,
    more than 0.3215%: the bound counted 1488 hours outside, not 1489."""
    slo = occ("0.999", Window.calendar("quarter", 1, "Asia/Kolkata"))
    sla = occ("0.996785", MONTH, effective_from=date(2025, 2, 1),
              effective_until=date(2025, 3, 1))
    verdict = compare(slo, sla, Assumptions(Fraction(1), "a test"))
    assert not verdict.dominates, verdict.reason
    assert Fraction(2161, 672_000) > Fraction("0.003215")


# -- several SLOs together -----------------------------------------------------

def test_two_slos_together_prove_what_neither_proves_alone() -> None:
    month = avail("0.999", MONTH)
    thirty, one = avail("0.9992", rolling(30)), avail("0.998", rolling(1))
    assert not compare(thirty, month).dominates and not compare(one, month).dominates
    found = combine([thirty, one], month, ["SLO a", "SLO b"])
    assert found is not None
    verdict, used = found
    assert verdict.status is Status.PROVEN and used == (0, 1)
    assert "SLO a and SLO b together prove" in verdict.reason
    # the adversary, in day slots (minutes of bad time per day), meets both SLOs at once
    for days in (28, 29, 30, 31):
        worst = most_bad_time(days, [(30, 34.56 / 1440), (1, 2.88 / 1440)]) * 1440
        assert worst <= 0.001 * days * 1440 + 1e-9
    assert abs(most_bad_time(31, [(30, 34.56 / 1440), (1, 2.88 / 1440)]) * 1440 - 37.44) < 1e-6


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 2, 4, 5, 8, 10]), st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20]),
       st.integers(1, 30), st.integers(0, 3), st.integers(0, 3), st.integers(0, 40))
@example(1, 1, 1, 1, 1, 40)  # an SLA that allows every slice: no SLO is needed, none is named
def test_combined_proofs_are_sound(w1: int, w2: int, length: int, cap1: int, cap2: int,
                                   allowed: int) -> None:
    """Whole slices: whatever the two SLOs allow together stays within a combined PROVEN."""
    size = Duration(MINUTE)
    cap1, cap2 = min(cap1, w1), min(cap2, w2)
    first = ts(str(1 - D(cap1) / D(w1)), Window.rolling(Duration(w1 * MINUTE)), size)
    second = ts(str(1 - D(cap2) / D(w2)), Window.rolling(Duration(w2 * MINUTE)), size)
    sla = ts(str(1 - D(allowed) / D(40)), Window.rolling(Duration(length * MINUTE)), size)
    found = combine([first, second], sla, ["a", "b"])
    if found is None:
        return
    worst = most_bad_time(length, [(w1, cap1), (w2, cap2)], whole=True)
    assert worst <= int(Fraction(allowed, 40) * length) + 1e-9, found[0].reason


# -- slices that do not line up -----------------------------------------------------

HOUR = Duration(60 * MINUTE)
KOLKATA_MONTH = Window.calendar("month", 1, "Asia/Kolkata")


@pytest.mark.parametrize("method", ["RatioTimeslices", "Timeslices"])
def test_slices_that_do_not_line_up_prove_nothing(method: str) -> None:
    """A Kolkata month starts at hh:30 UTC, so its hourly slices straddle the SLO's UTC
    hours. Under RatioTimeslices too: every other Kolkata slice holds one failed request
    in its first half-hour and nothing else, the slices between hold a million successes
    in each half; each UTC hour then fails one request in a million (the SLO's 99.95% over
    a rolling 28d holds), yet half the month's slices fail whole (99.9% breaks)."""
    slo = avail("0.9995", rolling(28), method, HOUR)
    verdict = compare(slo, avail("0.999", KOLKATA_MONTH, method, HOUR))
    assert verdict.status is Status.INCOMPARABLE, verdict.reason
    assert "do not line up" in verdict.reason
    assert compare(slo, avail("0.999", MONTH, method, HOUR)).dominates  # aligned: proven
    kolkata_days = avail("0.9995", Window.calendar("day", 1, "Asia/Kolkata"), method, HOUR)
    against_rolling = compare(kolkata_days, avail("0.999", rolling(30), method, HOUR))
    assert against_rolling.status is Status.INCOMPARABLE, against_rolling.reason


@pytest.mark.parametrize(("method", "targets"), [
    ("RatioTimeslices", ("0.9992", "0.998", "0.999")),
    ("Timeslices", ("0.992", "0.9", "0.99")),  # 5 + 2 of 7 bad hours in a 31-day month
])
def test_slices_that_do_not_line_up_prove_nothing_together(method: str,
                                                           targets: tuple[str, str, str]) -> None:
    thirty, one = (avail(t, rolling(d), method, HOUR) for t, d in zip(targets, (30, 1)))
    assert combine([thirty, one], avail(targets[2], MONTH, method, HOUR), ["a", "b"]) is not None
    assert combine([thirty, one], avail(targets[2], KOLKATA_MONTH, method, HOUR), ["a", "b"]) is None


# -- rolling SLA windows against calendar SLO windows, at the agreement's edges ----

def test_a_rolling_sla_window_is_judged_at_the_start_of_the_agreement() -> None:
    """Fortnights in Kathmandu from 2026-01-22 12:00 at 49.5% (10180.8 bad minutes each)
    against 50% over a rolling 30d from 2027-10-28: a 30-day window that takes the last
    10180.8 minutes of one fortnight, the whole next one and the first 10180.8 minutes of
    the one after collects 30542.4 > 21600 bad minutes. The fortnight that holds the
    agreement's start minus 30 days was the only one tried, and no rolling window placed
    around it reaches the agreement: the verdict was PROVEN with 0 bad minutes."""
    fortnights = Window.calendar("week", 2, "Asia/Kathmandu", datetime(2026, 1, 22, 12))
    slo = avail("0.495", fortnights, slice_window=Duration(15 * MINUTE))
    sla = replace(avail("0.5", rolling(30), slice_window=Duration(15 * MINUTE)),
                  effective_from=date(2027, 10, 28), effective_until=date(2029, 10, 1))
    verdict = compare(slo, sla)
    assert verdict.status is Status.VIOLATED, verdict.reason
    assert verdict.witness is not None
    assert sum(b.length for b in verdict.witness.bad_time) == 3 * Fraction("0.505") * 14 * DAY


# -- which periods, and the crashes that were ------------------------------------

@pytest.mark.parametrize("zone", ["Europe/Moscow", "America/Sao_Paulo"])
def test_old_dst_rules_never_decide_a_later_agreement(zone: str) -> None:
    month = Window.calendar("month", 1, zone)
    slo = avail("0.999", rolling(1))
    old = compare(slo, avail("0.999", month))
    assert old.status is Status.VIOLATED and old.counterexample is not None
    assert "from 20" in old.counterexample  # a month of the 2000s, when the zone kept DST
    later = compare(slo, replace(avail("0.999", month), effective_from=date(2025, 1, 1)))
    assert later.dominates, later.reason


def test_an_agreement_is_judged_on_the_periods_it_covers() -> None:
    berlin = Window.calendar("month", 1, "Europe/Berlin")
    slo = avail("0.999", rolling(1))
    winter = replace(avail("0.999", berlin), effective_from=date(2025, 11, 1),
                     effective_until=date(2026, 2, 1))
    assert compare(slo, winter).dominates  # no month with a DST change
    spring = replace(winter, effective_until=date(2026, 4, 1))
    verdict = compare(slo, spring)
    assert verdict.status is Status.VIOLATED and verdict.counterexample is not None
    assert "2026-03-01" in verdict.counterexample  # the month that gains no hour loses one


def test_a_zone_that_skipped_a_day_does_not_crash() -> None:
    apia = Window.calendar("day", 1, "Pacific/Apia")
    for slo_window in (apia, rolling(1), CAL_DAY):
        for method in ("RatioTimeslices", "Timeslices", "Occurrences"):
            slo, sla = avail("0.9995", slo_window, method), avail("0.999", apia, method)
            verdict = compare(slo, sla)
            assert verdict.status in Status
            if verdict.witness is not None:
                assert_witness(slo, sla, verdict.witness)


@pytest.mark.parametrize("days", [25_000, 30_000, 3_000_000])
def test_very_long_rolling_sla_windows_do_not_crash(days: int) -> None:
    long = Window.rolling(Duration(days * DAY))
    for slo_window in (CAL_DAY, MONTH, rolling(7)):
        verdict = compare(avail("0.9995", slo_window), avail("0.999", long))
        assert verdict.status in Status and verdict.reason.endswith(".")


# -- exact at any number of digits ------------------------------------------------

def test_targets_with_many_digits_are_judged_exactly() -> None:
    target = "0.998999999999999999999999999999999"
    verdict = compare(avail(target, MONTH), avail("0.999", MONTH))
    assert verdict.status is Status.VIOLATED, verdict.reason
    assert (1 - Fraction(target)) * 31 * DAY > Fraction(1, 1000) * 31 * DAY  # the truth
    assert "99.8999999999999999999999999999999%" in verdict.reason
    assert compare(occ(target, MONTH), occ("0.999", MONTH)).status is Status.VIOLATED
    stricter = "0.999000000000000000000000000000001"
    assert compare(avail(stricter, MONTH), avail("0.999", MONTH)).status is Status.PROVEN


# -- headroom advice -------------------------------------------------------------

def test_advice_rounds_only_as_far_as_needed() -> None:
    target = advise_target(avail("0.99992", MONTH), avail("0.9999", MONTH), D("0.5"))
    assert target == D("0.99995")


def test_advice_restores_the_ratio_where_the_worst_case_is_not_linear() -> None:
    slo = avail("0.9995", YEAR)
    sla = avail("0.999", Window.calendar("year", 1, "Europe/Berlin"))
    before = compare(slo, sla)
    assert before.headroom is not None and before.headroom > Fraction(1, 2)
    target = advise_target(slo, sla, D("0.5"))
    assert target is not None and target < 1
    after = compare(replace(slo, target=target), sla)
    assert after.headroom is not None and after.headroom <= Fraction(1, 2)
    # as few decimals as suffice: one step less at that precision would not do
    places = -target.as_tuple().exponent - 2  # type: ignore[operator]
    lower = target - D(1).scaleb(-places - 2)
    headroom = compare(replace(slo, target=lower), sla).headroom
    assert headroom is None or headroom > Fraction(1, 2)


def test_advice_counts_whole_slices() -> None:
    five = Duration(5 * MINUTE)
    slo, sla = ts("0.9992", MONTH, five), ts("0.999", MONTH, five)
    target = advise_target(slo, sla, D("0.5"))
    assert target is not None
    headroom = compare(replace(slo, target=target), sla).headroom
    assert headroom is not None and headroom <= Fraction(1, 2)


def test_slos_together_prove_nothing_of_periods_no_calendar_holds() -> None:
    """An agreement from 9999-06-01: its months cannot be computed, so each SLO is
    INCOMPARABLE and together they prove nothing (never a crash)."""
    sla = replace(avail("0.999", MONTH), effective_from=date(9999, 6, 1))
    slos = [avail("0.9992", rolling(30)), avail("0.998", rolling(1))]
    assert [compare(slo, sla).status for slo in slos] == [Status.INCOMPARABLE] * 2
    assert combine(slos, sla, ["a", "b"]) is None
    assert combine(slos, replace(sla, effective_from=date(2025, 1, 1)), ["a", "b"]) is not None


def test_an_slo_window_no_calendar_holds_is_incomparable_at_the_window() -> None:
    """120000 months from 2025: the windows next to the SLA's months leave the years a
    calendar is computed for. INCOMPARABLE, and the verdict says the SLO's window is why."""
    for unit, count in (("month", 120_000), ("year", 10_000), ("month", 99_999_999_999),
                        ("day", 4_000_000)):
        window = Window.calendar(unit, count, "UTC", datetime(2025, 1, 1))  # type: ignore[arg-type]
        for sla in (occ("0.999", MONTH), occ("0.999", MONTH, effective_from=date(2025, 1, 1))):
            verdict = compare(occ("0.9995", window), sla)
            assert verdict.status is Status.INCOMPARABLE and verdict.slo_window, (unit, count)
            assert "cannot be computed" in verdict.reason


def test_a_rolling_sla_window_straddles_the_edge_of_a_calendar_window_of_years() -> None:
    """100 months from 5736-03-28 against a rolling 30 days: the SLO's windows around 2025
    are 8 years long, longer than the span first asked for; never a crash, never proven."""
    window = Window.calendar("month", 100, "UTC", datetime(5736, 3, 28, 22))
    for method in ("Occurrences", "RatioTimeslices"):
        slo = occ("0.9995", window) if method == "Occurrences" else avail("0.9995", window)
        sla = occ("0.999", rolling(30)) if method == "Occurrences" else avail("0.999", rolling(30))
        for dates in ({}, {"effective_from": date(2025, 1, 1)}):
            verdict = compare(slo, replace(sla, **dates))
            assert not verdict.dominates, (method, dates, verdict)


# -- work that stays bounded ------------------------------------------------------
#
# Windows that differ by orders of magnitude (a rolling minute against a calendar
# year: half a million windows; a rolling SLA window of decades against calendar
# days) once cost a minute of CPU a comparison, and the headroom advice compares a
# hundred times. Work is counted, not timed: the Python and C calls a comparison
# makes, stopped as soon as they pass the bound.

class TooMuchWork(Exception):
    pass


def calls_in(judge: Callable[[], Verdict], most: int) -> tuple[Verdict, int]:
    """``judge()`` and the function calls it made; TooMuchWork past ``most`` of them."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1
            if count > most:
                raise TooMuchWork(f"more than {most} calls")

    sys.setprofile(profile)
    try:
        verdict = judge()
    finally:
        sys.setprofile(None)
    return verdict, count


def test_a_rolling_minute_against_a_calendar_year_is_judged_in_closed_form() -> None:
    slo, sla = avail("0.9993", Window.rolling(SLICE)), avail("0.999", YEAR)
    compare(replace(slo, target=D("0.9994")), sla)  # the calendar, computed once
    verdict, _ = calls_in(lambda: compare(slo, sla), 20_000)
    # the adversary's bursts, at the start of every minute of the longest year
    worst = max(bad_time_rolling(days * 1440, 1, Fraction(7, 10_000)) / (days * 1440)
                for days in (365, 366))
    assert verdict.status is Status.PROVEN and verdict.headroom == worst / Fraction(1, 1000)
    assert "525600 rolling windows" in verdict.reason or "527040 rolling windows" in verdict.reason


def test_a_rolling_minute_breaks_a_calendar_year_with_a_witness_of_one_burst() -> None:
    slo, sla = avail("0.999", Window.rolling(SLICE)), avail("0.9995", YEAR)
    verdict, _ = calls_in(lambda: compare(slo, sla), 20_000)
    assert verdict.status is Status.VIOLATED and verdict.witness is not None
    witness = verdict.witness
    # 0.06 s at the start of every minute of a 365-day year, as one burst and its period
    assert witness.bad_time == (Span(D(0), D(60)),) and witness.every == MINUTE
    assert witness.period == Duration(365 * DAY)
    assert verdict.counterexample == (
        "0.001 bad minutes at the start of every 1m of it, 525600 times, from day 1 to "
        "364d23h59m after the start meet every rolling 1-minute window yet break 99.95% for a "
        "365-day year: 525.6 > 262.8 bad minutes")


def test_a_repeated_burst_is_a_real_behaviour_on_a_smaller_period() -> None:
    """The same witness where it can be checked window by window: an hour of 1-minute slices
    against a day is 24 bursts, held as one that repeats."""
    slo, sla = ts("0.95", Window.rolling(Duration(60 * MINUTE))), ts("0.99", CAL_DAY)
    verdict = compare(slo, sla)
    assert verdict.status is Status.VIOLATED and verdict.witness is not None
    assert verdict.witness.every == 60 * MINUTE and len(verdict.witness.bad_time) == 1
    spans = list(verdict.witness.spans())
    assert len(spans) == 24 and sum(s.length for s in spans) == 24 * 3 * MINUTE
    assert_bad_time_witness(slo, sla, verdict.witness)
    # and the greedy adversary, slice by slice, finds no more than it
    assert most_bad_slots(1440, 60, 3) == 24 * 3


def test_a_rolling_sla_window_of_decades_against_calendar_days_is_incomparable_at_once() -> None:
    slo, sla = avail("0.9995", CAL_DAY), avail("0.999", rolling(20_000))
    verdict, _ = calls_in(lambda: compare(slo, sla), 5_000)
    assert verdict.status is Status.INCOMPARABLE
    assert "meets about 78488 of the SLO's calendar day (UTC) windows" in verdict.reason
    assert "more than the 60000 slopolicy judges one by one" in verdict.reason
    occurrences = compare(occ("0.9995", CAL_DAY), occ("0.999", rolling(100_000)))
    assert occurrences.status is Status.INCOMPARABLE and "one by one" in occurrences.reason


def test_a_calendar_window_longer_than_the_horizon_has_lengths() -> None:
    """5000 weeks is longer than the century judged by default: its lengths are those of
    the windows that overlap it (it once had none, and the comparison crashed)."""
    window = Window.calendar("week", 5000, "Asia/Kolkata", datetime(2025, 1, 1))
    verdict = compare(avail("0.9995", window), avail("0.999", Window.calendar(
        "day", 1, "Australia/Lord_Howe")))
    assert verdict.status is Status.VIOLATED
    assert "(25200 bad minutes per window)" in verdict.reason
    assert budget_range_minutes(D("0.9995"), window) == (D(25200), D(25200))
