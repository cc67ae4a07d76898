"""The SLO-versus-SLA comparison (slopolicy.dominance), DESIGN §2.

Table tests pin each verdict; an adversary keeps the arithmetic honest: it
places bad time wherever the SLO allows and checks that PROVEN and EQUAL
always hold the SLA, and that every VIOLATED comes with a behaviour that
really meets the SLO and breaks the SLA.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adversary import (
    most_bad_ratio_time,
    most_bad_slots,
    most_bad_slots_exhaustively,
    most_bad_time,
    rolling_windows,
    worst_failure_share,
)
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
    format_budget,
    lacks_headroom,
)
from slopolicy.slo.units import Duration, UnitError, Window

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
    return Terms("latency", D(target), None if threshold_ms is None else Duration(threshold_ms),
                 window, "Occurrences")


def occ(target: str, window: Window, **dates: date) -> Terms:
    return replace(avail(target, window, "Occurrences"), **dates)


def ts(target: str, window: Window, slice_window: Duration = SLICE,
       slice_target: str | None = "0.95") -> Terms:
    """Timeslices: whole bad slices."""
    return avail(target, window, "Timeslices", slice_window, slice_target)


# -- table: every DESIGN §2 example and more ---------------------------------

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
    assert format_budget(D("0.999"), MONTH) == \
        "40.32 to 44.64 bad minutes per calendar month (UTC)"
    assert format_budget(D("0.999"), rolling(30)) == "43.2 bad minutes per rolling 30d"


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
    spans, period = witness.bad_time, witness.period.ms
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
    edges = [Fraction(s.start) for s in witness.bad_time]
    edges += [Fraction(s.start + s.length) for s in witness.bad_time]
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
    if nothing:  # the SLO allows nothing: no margin to speak of only when the SLA allows none
        return Status.PROVEN if allowed or not worst else Status.EQUAL
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
        assert sum(s.length for s in verdict.witness.bad_time) == Fraction(worst * DAY, per_day)


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
