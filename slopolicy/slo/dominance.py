"""Does an SLO objective prove an SLA objective?

An SLO *dominates* an SLA when every behaviour that meets the SLO also meets
the SLA, judged by the SLA's definitions. ``compare`` answers PROVEN, EQUAL,
VIOLATED (with a behaviour that meets the SLO and breaks the SLA: the
``witness``, and the same in words) or INCOMPARABLE (with what is missing).
Pure functions; every number is an exact ``Fraction`` (targets come in as the
``Decimal`` of their source text, at any number of digits); time in ms.

Which periods. A calendar SLA is judged on the real periods that overlap
``[effective.from, effective.until)`` in its time zone, by the tz database; an
open-ended agreement (or one that ends later) on those of its first
``OPEN_ENDED_YEARS`` years. Terms
without dates are judged over ``units.HORIZON``. A period of no length (a day
a zone skipped) holds nothing and is never judged. L is a period's length, W
an SLO window's, b = 1 - T the SLO's budget and B the SLA's.

Time-based budgets. RatioTimeslices counts bad time (each slice counts its
failure ratio of its length); Timeslices counts whole bad slices, and a
window of N slices allows ``floor(b*N)`` of them. Slices without data count:
they are good slices, in the SLO's windows and the SLA's periods alike. Call
``cap(w)`` what one SLO window w allows (``b*|w|``, or ``floor(b*N)`` slices).

* Rolling SLO windows let ``(k-1)*cap(W) + min(cap(W), L-(k-1)*W)`` into a
  period, ``k = ceil(L/W)``. At most: cut the period into k pieces of length
  W (the last shorter); each lies in one window. At least: ``cap(W)`` bad at
  the start of each piece; a window meets at most one of these bursts whole
  (they start W apart), and the last one is cut by the period's end.
* Calendar SLO windows let ``min(cap(w), |w ∩ P|)`` in from each window w
  that overlaps P: each window is bounded alone, and the bursts can sit at the
  inner end of each overlap.
* Several rolling SLOs together: cut the period into pieces, each inside one
  window of one of them; a piece inside a window of SLO i holds at most
  ``min(cap_i, its length)``. The best cut is a dynamic programme over piece
  lengths: ``f(l) = min(l, min_i [cap_i if l <= W_i else cap_i + f(l - W_i)])``
  (a piece shorter than its window costs as much as a whole one unless it is
  shorter than the cap, and pieces commute). It is a bound, so it only proves.

Occurrences: a failure share. Windows that tile the period bound it by b (the
mediant inequality). A window that sticks out of the period can be diluted by
traffic outside it: all failures inside the period, the successes that pay
for them outside, so a rolling W longer than a period, or calendar windows
that cross its edges, give a counterexample. A rolling W <= L, with
``L = m*W + r``:

* ``r = 0``: the windows ``[jW, (j+1)W)`` tile the period: share <= b.
* ``0 < r < W``: the worst share is exactly ``(m+1)*b / (m+b)``. Upper bound:
  take the window at jW with weight ``m-j`` and the window at ``jW + r`` with
  weight ``j+1``, for ``j = 0..m-1``. A point of ``[jW, jW+r)`` lies in the
  first kind of window j (weight m-j) and the second kind j-1 (weight j): m
  in all; a point of ``[jW+r, (j+1)W)`` in windows j of both kinds: m+1.
  Summing ``bad(w) <= b*n(w)`` with these weights, with coverage m + u(t),
  ``0 <= u <= 1``, and n = bad + good: ``m*D + Σu*bad <= b*m*N + b*Σu*bad +
  b*Σu*good``, so ``m*D <= b*m*N + b*G = b*m*N + b*(N - D)``, and
  ``D/N <= (m+1)*b/(m+b)``. Lower bound, met exactly: failed requests at the
  m+1 instants ``p_0 = 0`` and ``p_j = j*(W + r/(m+1))`` (more than W apart,
  so a window holds at most one), successful ones at the m instants
  ``q_j = (j-1)*W + r`` and just outside the period at ``r - W`` and L, in
  the mix b of failures: a window that holds p_j holds q_j (if it starts at
  or before q_j) or else q_{j+1} (it starts after ``q_{j+1} - W = q_j``), or
  for p_0 and p_m the successes outside. The period holds m+1 failed mixes
  and m successful ones: ``(m+1)*b / (m+b)``.

Declared assumptions. With ``maxRatio`` ρ (the busiest interval, the SLA's
time slice or an hour when the SLA counts requests, carries at most ρ times
the requests of the quietest, within an SLA period and the SLO windows that
overlap it), what sticks out is bounded: O intervals outside the period
carry at most ``ρ*n_min*O`` requests and the period's H whole intervals at
least ``n_min*H``, so every window still meeting ``bad <= b*n`` gives
``D <= b*N + b*ρ*n_min*O`` and ``D/N <= b*(1 + ρ*O/H)``. And a failure share
β of requests bounds time: with rates within ρ, ``Σ f_j <= M*βρ/(1-β+βρ)``
for the failure ratios f_j of M slices (the failures in the quietest slices),
and fewer than ``M*βρ/(c-β+βρ)`` slices fail more than c = 1 - the SLA's slice
target. Without an assumption such a verdict is INCOMPARABLE, and says the
largest ratio that would prove it.

Latency "p% within t": requests within t1 <= t2 are also within t2, so the
targets compare as ratios under the same window rules; with t1 > t2 the SLO
says nothing about t2. A stricter threshold or slice target is a margin the
budget ratio does not see: equal budgets then give PROVEN (headroom 1).
Whole slices can leave both budgets empty (hourly slices at 99.95% and at 99.9%
per month: floor(b*N) = floor(B*N) = 0): nothing of nothing is headroom 1,
EQUAL, since the first bad slice breaks both.
A window with no requests at all meets any ratio target (it has no failures).
"""
from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from msgspec import Struct
from msgspec.structs import replace

from slopolicy.slo.units import (
    MS_PER_DAY,
    MS_PER_MINUTE,
    BeyondCalendars,
    Duration,
    Threshold,
    UnitError,
    UtcSpan,
    Window,
    calendar_boundaries,
    calendar_periods,
    default_span,
    describe_length,
    format_decimal,
    format_duration,
    format_minutes,
    format_threshold,
    format_window,
    local_time,
    period_lengths,
    shift_point,
    utc_ms,
)

Indicator = Literal["availability", "latency"]
BudgetingMethod = Literal["Occurrences", "Timeslices", "RatioTimeslices"]
INDICATORS: tuple[Indicator, ...] = ("availability", "latency")
BUDGETING_METHODS: tuple[BudgetingMethod, ...] = ("Occurrences", "Timeslices", "RatioTimeslices")
DEFAULT_MAX_BUDGET_RATIO = Decimal("0.5")
OPEN_ENDED_YEARS = 100  # an agreement without an end is judged over this many years
HOUR = 3_600_000

ZERO, ONE = Fraction(0), Fraction(1)


class Status(Enum):
    PROVEN = "proven"
    EQUAL = "equal"
    VIOLATED = "violated"
    INCOMPARABLE = "incomparable"


class Terms(Struct, frozen=True):
    """What one objective promises, in the terms a comparison needs."""

    indicator: Indicator
    target: Decimal  # fraction of good (requests, or time), exactly as written
    threshold: Threshold | None  # latency: good requests are faster than this, exactly
    window: Window
    budgeting_method: BudgetingMethod
    time_slice_window: Duration | None = None
    time_slice_target: Decimal | None = None  # Timeslices: a slice is good at this ratio
    effective_from: date | None = None  # an SLA's first day, in its window's zone
    effective_until: date | None = None  # the day it ends (exclusive); None: open-ended

    def __post_init__(self) -> None:
        if self.indicator not in INDICATORS:
            raise UnitError(f"indicator is availability or latency, not {self.indicator!r}")
        if self.budgeting_method not in BUDGETING_METHODS:
            raise UnitError(f"budgetingMethod is one of {', '.join(BUDGETING_METHODS)}, "
                            f"not {self.budgeting_method!r}")
        if not isinstance(self.target, Decimal) or not 0 <= self.target <= 1:
            raise UnitError(f"a target is a Decimal fraction between 0 and 1, not {self.target!r}")

    @property
    def budget(self) -> Fraction:
        """The budget fraction b = 1 - T, exactly."""
        return _budget_of(self.target)


@lru_cache(maxsize=1024)  # a history repeats a few targets: each version is compared both ways
def _budget_of(target: Decimal) -> Fraction:
    """1 - ``target`` exactly (equal Decimals, 0.999 and 0.9990, give one Fraction)."""
    return ONE - Fraction(target)


class Assumptions(Struct, frozen=True):
    """What the user declared about traffic, and where they declared it.

    ``max_traffic_ratio``: within an SLA period and the SLO windows that overlap
    it, the busiest interval (the SLA's time slice, or an hour when the SLA counts
    requests) carries at most this many times the requests of the quietest.
    """

    max_traffic_ratio: Fraction | None = None
    source: str = ""  # where it was declared, in words


NO_ASSUMPTIONS = Assumptions()


class Span(Struct, frozen=True):
    """Bad time: ``length`` ms starting ``start`` ms after the SLA period starts."""

    start: Fraction
    length: Fraction


class Traffic(Struct, frozen=True):
    """Requests at one instant, ``at`` ms after the SLA period starts (may lie outside it)."""

    at: Fraction
    good: int
    bad: int


class Witness(Struct, frozen=True):
    """A behaviour that meets the SLO and breaks the SLA, around one SLA period.

    ``bad_time`` for time-based budgets (whole slices under Timeslices),
    ``traffic`` for Occurrences. For a calendar SLO, ``slo_windows`` are its
    windows around the period (relative); for a rolling SLO it is None: every
    window of its length counts. ``every``: ``bad_time`` is one burst that
    repeats every this many ms through the period, the last one cut at its end
    (a short rolling window against a long period: thousands of bursts, in a
    few bytes); ``spans()`` lists them.
    """

    period: Duration
    bad_time: tuple[Span, ...] = ()
    traffic: tuple[Traffic, ...] = ()
    slo_windows: tuple[Span, ...] | None = None
    every: int | None = None

    def spans(self) -> Iterator[Span]:
        """Every burst of bad time, in order (``bad_time`` repeated, where it repeats)."""
        if self.every is None:
            yield from self.bad_time
            return
        (burst,) = self.bad_time
        for i in range(-(-self.period.ms // self.every)):
            start = burst.start + i * self.every
            length = min(burst.length, self.period.ms - start)
            if length > 0:
                yield Span(start, length)


class Verdict(Struct, frozen=True):
    status: Status
    reason: str
    counterexample: str | None = None
    # SLO budget / SLA budget over the SLA window, worst case: < 1 is margin.
    headroom: Fraction | None = None
    witness: Witness | None = None
    assumption: str | None = None  # the declared assumption it rests on, in words
    needed_ratio: Fraction | None = None  # the largest traffic ratio that would prove it
    slo_window: bool = False  # INCOMPARABLE because the SLO's own window cannot be computed

    @property
    def dominates(self) -> bool:
        return self.status in (Status.PROVEN, Status.EQUAL)


def lacks_headroom(verdict: Verdict, max_budget_ratio: Decimal | Fraction = DEFAULT_MAX_BUDGET_RATIO
                   ) -> bool:
    """The ``slo-headroom`` test: dominated, but EQUAL or with h above the allowed ratio."""
    if verdict.status is Status.EQUAL:
        return True
    return (verdict.status is Status.PROVEN and verdict.headroom is not None
            and verdict.headroom > Fraction(max_budget_ratio))


# -- budgets (also for reports) ----------------------------------------------

def budget_minutes(target: Decimal, window: Window, length_days: int | Decimal | None = None
                   ) -> Decimal:
    """Bad minutes a target allows in one window; a calendar window needs its length in days."""
    if length_days is not None:
        length = Fraction(Decimal(length_days)) * 86_400_000
    elif window.length is not None:
        length = Fraction(window.length.ms)
    else:
        raise UnitError(f"a {format_window(window)} has no single length: pass length_days, "
                        "or use budget_range_minutes")
    return _decimal((ONE - Fraction(target)) * length / MS_PER_MINUTE)


def budget_range_minutes(target: Decimal, window: Window) -> tuple[Decimal, Decimal]:
    """The least and most bad minutes per window (a calendar month at 99.9%: 40.32, 44.64)."""
    lengths = period_lengths(window)
    b = ONE - Fraction(target)
    return (_decimal(b * lengths[0].ms / MS_PER_MINUTE),
            _decimal(b * lengths[-1].ms / MS_PER_MINUTE))


def format_budget_per_window(target: Decimal, window: Window) -> str:
    """``43.2 bad minutes per rolling 30d``, or for a calendar month (UTC) at 99.9%
    ``40.32 to 44.64 bad minutes per calendar month (UTC)``."""
    low, high = budget_range_minutes(target, window)
    shown = format_minutes(low) if low == high else \
        f"{format_minutes(low)} to {format_minutes(high)}"
    return f"{shown} bad minutes per {format_window(window)}"


def _decimal(value: Fraction, places: int = 12) -> Decimal:
    """A Fraction as a Decimal for display: exact when it terminates within ``places``."""
    scaled = value * 10 ** places
    return Decimal(f"{round(scaled)}E-{places}")  # from text: exact, whatever the context


def _show(value: Fraction, places: int = 4) -> str:
    """A number as a reviewer reads it: at most ``places`` decimals, no trailing zeros."""
    text = format(_decimal(value, places), "f")  # no context rounding: any number of digits
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pct(fraction: Fraction | Decimal) -> str:
    """A fraction as a percent, every digit of a written target kept (99.8999...%)."""
    if isinstance(fraction, Decimal):
        return _show(Fraction(shift_point(fraction, 2)), 200) + "%"
    exact = fraction * 100
    for places in range(0, 9):
        if (exact * 10 ** places).denominator == 1:
            return format_decimal(_decimal(exact, places), places) + "%"
    return _show(exact, 6) + "%"


def _minutes(ms: Fraction | int) -> str:
    return _show(Fraction(ms) / MS_PER_MINUTE)


# -- the comparison ----------------------------------------------------------

def compare(slo: Terms, sla: Terms, assumptions: Assumptions = NO_ASSUMPTIONS) -> Verdict:
    """Judge whether ``slo`` dominates ``sla``, under what the user declared."""
    early = _compare_kinds(slo, sla)
    if early is not None:
        return early
    try:
        if sla.target == 0 or slo.budget == 0:
            verdict = _trivial(slo, sla)
        elif slo.budgeting_method != sla.budgeting_method:
            verdict = _across_methods(slo, sla, assumptions)
        elif sla.budgeting_method == "Occurrences":
            verdict = _compare_occurrences(slo, sla, assumptions)
        else:
            verdict = _compare_time(slo, sla)
    except UnitError as problem:  # periods beyond what a calendar can be computed for
        found = _incomparable(slo, sla, str(problem))
        if isinstance(problem, BeyondCalendars) and problem.window == slo.window != sla.window:
            found = replace(found, slo_window=True)
        return found
    margin = _stricter_elsewhere(slo, sla)
    if verdict.status is Status.EQUAL and margin:
        verdict = replace(verdict, status=Status.PROVEN, reason=verdict.reason.replace(
            "with no margin", f"with no budget margin, though its {margin}"))
    return verdict


def dominates(slo: Terms, sla: Terms) -> bool:
    """``compare(slo, sla).dominates``, without the proof where the targets alone decide."""
    known = _by_targets(slo, sla)
    return compare(slo, sla).dominates if known is None else known


# Where the targets alone decide, the calendar work of a proof must stay well
# inside the years it can be computed for (else the proof's answer is that it
# cannot be computed): this many days around the span, per day of the window.
_LONGEST_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}
_SAFE_SPAN = (utc_ms(datetime(100, 1, 1), "UTC"), utc_ms(datetime(9900, 1, 1), "UTC"))


def _by_targets(slo: Terms, sla: Terms) -> bool | None:
    """Whether ``slo`` dominates ``sla`` when the two differ only in target and dates
    (None: the proof must decide).

    Same indicator, threshold, slices and window, counting requests: each
    SLA period is one of the SLO's windows (a rolling window of the same
    length, or the same calendar cell), so the windows tile it and the
    failure share it allows is the SLO's budget b (``_compare_occurrences``):
    the SLO dominates exactly when ``b <= B``. A target of 0% (or an SLO of
    100%) is the trivial case, which dominates too. Time-based budgets count
    whole slices (``floor(b*N)``), so two targets can allow the same: left to
    the proof.
    """
    if (slo.indicator, slo.threshold, slo.window, slo.budgeting_method, slo.time_slice_window,
            slo.time_slice_target) != (sla.indicator, sla.threshold, sla.window,
                                       sla.budgeting_method, sla.time_slice_window,
                                       sla.time_slice_target):
        return None
    if sla.budgeting_method != "Occurrences" or _compare_kinds(slo, sla) is not None:
        return None
    window = sla.window
    try:
        span = agreement_span(sla)
    except (UnitError, ValueError, ArithmeticError):
        return None
    if window.unit is not None and span is not None:
        reach = 4 * (window.count * _LONGEST_DAYS[window.unit] + 3) * MS_PER_DAY
        if span[0] - reach < _SAFE_SPAN[0] or span[1] + reach > _SAFE_SPAN[1]:
            return None
    if sla.target == 0 or slo.budget == 0:
        return True
    return slo.budget <= sla.budget


def _compare_kinds(slo: Terms, sla: Terms) -> Verdict | None:
    """Indicator, threshold, budgeting method and slices: what must match before budgets."""
    if slo.indicator != sla.indicator:
        return _incomparable(
            slo, sla,
            f"the SLO measures {slo.indicator} and the SLA objective {sla.indicator}: they count "
            "different events; back the SLA objective with an SLO of the same indicator")
    if sla.indicator == "latency":
        verdict = _compare_thresholds(slo, sla)
        if verdict is not None:
            return verdict
    if slo.budgeting_method != sla.budgeting_method:
        if slo.budgeting_method == "Occurrences" and sla.budgeting_method != "Occurrences":
            return _sla_slices_known(slo, sla)  # requests bound time under a traffic assumption
        return _incomparable(
            slo, sla,
            f"the SLO budgets {slo.budgeting_method} and the SLA {sla.budgeting_method}: "
            f"{_method_words(slo.budgeting_method)} bounds nothing about "
            f"{_method_words(sla.budgeting_method)}; use the SLA's budgeting method")
    if sla.budgeting_method != "Occurrences":
        return _compare_slices(slo, sla)
    return None


def _sla_slices_known(slo: Terms, sla: Terms) -> Verdict | None:
    if sla.time_slice_window is None:
        return _incomparable(slo, sla, f"the SLA gives no timeSlice.window, so its "
                             f"{sla.budgeting_method} slices are unknown")
    if sla.budgeting_method == "Timeslices" and sla.time_slice_target is None:
        return _incomparable(slo, sla, "the SLA gives no timeSlice.target, so it is unknown "
                             "when a slice is good")
    return None


def _compare_thresholds(slo: Terms, sla: Terms) -> Verdict | None:
    if slo.threshold is None or sla.threshold is None:
        missing = "SLO" if slo.threshold is None else "SLA objective"
        return _incomparable(
            slo, sla,
            f"the {missing} gives no latency threshold, so it is unknown which requests count as "
            "good; add one (SLO annotation slopolicy/threshold, SLA objective threshold)")
    if slo.threshold > sla.threshold:
        t1, t2 = format_threshold(slo.threshold), format_threshold(sla.threshold)
        return _incomparable(
            slo, sla,
            f"the SLO promises {_pct(slo.target)} of requests within {t1}, the SLA "
            f"{_pct(sla.target)} within {t2}: the SLO says nothing about {t2} (every "
            f"request could take between {t2} and {t1}); add an SLO objective at {t2} or less")
    return None


def _method_words(method: str) -> str:
    return {"Occurrences": "a share of good requests", "Timeslices": "a share of good time slices",
            }.get(method, "an average of time-slice success ratios")


def _compare_slices(slo: Terms, sla: Terms) -> Verdict | None:
    if slo.time_slice_window is None or sla.time_slice_window is None:
        missing = "SLO gives no timeSliceWindow" if slo.time_slice_window is None \
            else "SLA gives no timeSlice.window"
        return _incomparable(
            slo, sla, f"the {missing}, so its {sla.budgeting_method} slices are unknown")
    if slo.time_slice_window != sla.time_slice_window:
        s1, s2 = format_duration(slo.time_slice_window), format_duration(sla.time_slice_window)
        return _incomparable(
            slo, sla,
            f"the SLO judges {s1} slices and the SLA {s2} slices: a slice of one says nothing "
            f"about the slices of the other; use the SLA's slice window, {s2}")
    if sla.budgeting_method != "Timeslices":
        return None
    if slo.time_slice_target is None or sla.time_slice_target is None:
        missing = "SLO gives no timeSliceTarget" if slo.time_slice_target is None \
            else "SLA gives no timeSlice.target"
        return _incomparable(slo, sla, f"the {missing}, so it is unknown when a slice is good")
    if slo.time_slice_target < sla.time_slice_target:
        return _looser_slices(slo, sla)
    return None


def _looser_slices(slo: Terms, sla: Terms) -> Verdict:
    assert sla.time_slice_window is not None and slo.time_slice_target is not None
    assert sla.time_slice_target is not None
    slice_ = format_duration(sla.time_slice_window)
    p1, p2 = _pct(slo.time_slice_target), _pct(sla.time_slice_target)
    return Verdict(
        Status.VIOLATED,
        _sentence(f"{_both(slo, sla)}: the SLO calls a {slice_} slice good at {p1} good "
                  f"requests, the SLA only at {p2}: slices between the two are good for the "
                  f"SLO and bad for the SLA; raise the SLO's timeSliceTarget to {p2} or more"),
        counterexample=(
            f"every {slice_} slice at exactly {p1} good requests is good for the SLO (0 bad "
            f"slices) and bad for the SLA (every slice of its {format_window(sla.window)})"),
    )


def _stricter_elsewhere(slo: Terms, sla: Terms) -> str:
    """A margin the budget ratio cannot see, in words, or ''."""
    if slo.threshold is not None and sla.threshold is not None and slo.threshold < sla.threshold:
        return f"latency threshold is stricter ({slo.threshold} < {sla.threshold})"
    if (sla.budgeting_method == "Timeslices" and slo.budgeting_method == "Timeslices"
            and slo.time_slice_target is not None and sla.time_slice_target is not None
            and slo.time_slice_target > sla.time_slice_target):
        return (f"slice target is stricter ({_pct(slo.time_slice_target)} > "
                f"{_pct(sla.time_slice_target)})")
    return ""


def _incomparable(slo: Terms, sla: Terms, reason: str, needed: Fraction | None = None
                  ) -> Verdict:
    return Verdict(Status.INCOMPARABLE, _sentence(f"{_both(slo, sla)}: {reason}"),
                   needed_ratio=needed)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _trivial(slo: Terms, sla: Terms) -> Verdict:
    """An SLA target of 0% no behaviour breaks; an SLO target of 100% allows no bad at all."""
    both = _both(slo, sla)
    if slo.target == sla.target:
        return Verdict(Status.EQUAL, _sentence(f"{both}: the same target, with no margin"), None,
                       ONE)
    if sla.target == 0:
        return Verdict(Status.PROVEN, _sentence(f"{both}: a 0% target cannot be broken"), None,
                       None)
    none = no_bad_slice(sla)
    if none is not None:  # nothing against nothing: 0/0 is taken as 1, no margin
        return Verdict(Status.EQUAL, _sentence(
            f"{both}: with no margin: the SLO allows nothing bad in any window and the SLA "
            f"not a single bad {none}, so the first bad slice breaks both"), None, ONE)
    return Verdict(Status.PROVEN, _sentence(
        f"{both}: the SLO allows nothing bad in any window, so nothing bad reaches the SLA"),
        None, ZERO)


def _both(slo: Terms, sla: Terms) -> str:
    return (f"SLO {_pct(slo.target)} {_window_phrase(slo.window)} against SLA "
            f"{_pct(sla.target)} {_window_phrase(sla.window)}")


def _window_phrase(window: Window) -> str:
    return f"over a {format_window(window)}" if window.is_rolling else \
        f"per {format_window(window)}"


def _status_of(ratio: Fraction) -> Status:
    if ratio < 1:
        return Status.PROVEN
    return Status.EQUAL if ratio == 1 else Status.VIOLATED


def _budget_share(ratio: Fraction) -> str:
    """How much of the SLA's budget the SLO's worst case spends, the headroom in words."""
    return f"using at most {_show(ratio * 100, 2)}% of the SLA's budget"


# -- which periods are judged -------------------------------------------------

def agreement_span(sla: Terms) -> UtcSpan | None:
    """UTC ms ``[from, until)`` the agreement covers; None when its terms carry no dates.

    Dates are midnights in the SLA window's zone; an open-ended agreement, or one
    that ends later, is judged over its first OPEN_ENDED_YEARS years.
    """
    return _span(sla.effective_from, sla.effective_until, sla.window.time_zone)


@lru_cache(maxsize=1024)  # an audit asks for every version of every agreement, both ways
def _span(start: date | None, until: date | None, time_zone: str | None) -> UtcSpan | None:
    if start is None:
        return None
    zone = time_zone or "UTC"
    # an end further away (9999-12-31 stands for "none" in many a contract system) is judged
    # as an open end is: its first years hold every pattern of periods the rest repeats
    horizon = _years_later(start, OPEN_ENDED_YEARS)
    until = horizon if until is None else min(until, horizon)
    start_ms = utc_ms(datetime.combine(start, time()), zone)
    return start_ms, max(start_ms + 1, utc_ms(datetime.combine(until, time()), zone))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=min(day.year + years, 9990))
    except ValueError:  # 29 February
        return day.replace(year=min(day.year + years, 9990), day=28)


class _Period(Struct, frozen=True):
    """One SLA period: where it starts (UTC ms; None: a rolling window, anywhere), its length."""

    start: Fraction | None
    length: int


_NOW_MS = utc_ms(datetime(2025, 1, 1), "UTC")


def _ordered(periods: Sequence[tuple[int, int]], span: UtcSpan | None
             ) -> Sequence[tuple[int, int]]:
    """An agreement's periods from its start; without dates, those from 2025 first:
    examples a reviewer recognises."""
    if span is not None:
        return periods
    cut = bisect_right([s for s, _ in periods], _NOW_MS - 1)
    return [*periods[cut:], *periods[:cut]]


@lru_cache(maxsize=1024)  # an audit asks again for every change of every agreement
def _sla_periods(window: Window, span: UtcSpan | None) -> tuple[_Period, ...]:
    """Each distinct SLA period length, with the first real period of that length."""
    if window.length is not None:
        return (_Period(None, window.length.ms),)
    starts: dict[int, int] = {}
    for s, e in _ordered(calendar_periods(window, span), span):
        starts.setdefault(e - s, s)
    return tuple(_Period(Fraction(starts[n]), n) for n in sorted(starts))


@lru_cache(maxsize=1024)
def _extent(window: Window, span: UtcSpan | None) -> UtcSpan | None:
    """From the first judged period's start to the last one's end (None: the horizon)."""
    if span is None:
        return None
    periods = calendar_periods(window, span)
    return (periods[0][0], periods[-1][1]) if periods else span


@lru_cache(maxsize=1024)
def _calendar_representatives(slo_window: Window, sla_window: Window, span: UtcSpan | None
                              ) -> tuple[tuple[int, int], ...]:
    """One SLA period of each distinct shape (its length and how SLO windows overlap it)."""
    bounds = calendar_boundaries(slo_window, _extent(sla_window, span))
    shapes = _SHAPES.setdefault((slo_window, sla_window), {})
    seen: dict[int, tuple[int, int]] = {}
    for s, e in _ordered(calendar_periods(sla_window, span), span):
        shape = shapes.get(s)
        if shape is None or shape[0] != e:
            shape = shapes[s] = (e, _shape_id((e - s, _overlaps(bounds, s, e))))
        seen.setdefault(shape[1], (s, e))
    return tuple(seen.values())


# The shape of each SLA period against an SLO's windows, by (SLO window, SLA
# window) and period start: (period end, shape id). A period's shape does not
# depend on the span judged, and an audit judges thousands of spans.
_SHAPES: dict[tuple[Window, Window], dict[int, tuple[int, int]]] = {}
_SHAPE_IDS: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}


def _shape_id(shape: tuple[int, tuple[tuple[int, int], ...]]) -> int:
    return _SHAPE_IDS.setdefault(shape, len(_SHAPE_IDS))


def _overlaps(bounds: Sequence[int], start: int, end: int) -> tuple[tuple[int, int], ...]:
    """(window length, overlap) of each SLO window that overlaps [start, end)."""
    i = bisect_right(bounds, start) - 1
    shape = []
    while bounds[i] < end:
        shape.append((bounds[i + 1] - bounds[i], min(bounds[i + 1], end) - max(bounds[i], start)))
        i += 1
    return tuple(shape)


# -- time-based budgets ------------------------------------------------------

class _Case(Struct, frozen=True):
    """The most bad time the SLO lets into one SLA period."""

    period: _Period
    bursts: tuple[Span, ...]  # relative to the period start
    windows: int  # SLO windows that touch the period
    slo_windows: tuple[Span, ...] | None  # calendar SLO windows, relative
    origin: Fraction | None = None  # a rolling SLA window's start (UTC ms), where it matters
    every: int | None = None  # the one burst repeats this often, as ``Witness.every`` says
    bad: Fraction = ZERO  # all the bursts hold


def _cap(terms: Terms, length: int | Fraction) -> Fraction:
    """What one window of ``terms`` allows: b*|w| of bad time, or floor(b*N) whole slices."""
    if terms.budgeting_method == "Timeslices":
        assert terms.time_slice_window is not None
        size = terms.time_slice_window.ms
        return Fraction(math.floor(terms.budget * (Fraction(length) // size)) * size)
    return terms.budget * length


def _compare_time(slo: Terms, sla: Terms) -> Verdict:
    span = agreement_span(sla)
    cases = _time_cases(slo, sla, span)
    problem = _misaligned(slo, cases) or _met_misaligned(slo, sla, span)
    if problem:
        return _incomparable(slo, sla, problem)
    worst = max(cases, key=lambda c: _excess(c.bad, _cap(sla, c.period.length)))
    allowed = _cap(sla, worst.period.length)
    if worst.bad > allowed:
        return _time_violation(slo, sla, worst, allowed)
    ratio = _budget_ratio(worst.bad, allowed)
    status = _status_of(ratio)
    period = _period_phrase(sla.window, worst.period)
    how = _how_phrase(slo.window, worst, period)
    margin = "with no margin" if status is Status.EQUAL else _budget_share(ratio)
    reason = (f"{_time_head(slo, sla, 'proves')} {margin}: at worst {how}, which lets "
              f"{_amount(sla, worst.bad)} into it, within its {_amount(sla, allowed, False)}")
    if not allowed:  # nothing of nothing (_budget_ratio), named in the shortest period
        none = no_bad_slice(sla) or _slice_in(sla, period)
        reason = (f"{_time_head(slo, sla, 'proves')} {margin}: neither allows a single bad "
                  f"{none}, so the first bad slice breaks both")
    return Verdict(status, _sentence(reason), None, ratio)


def _excess(bad: Fraction, allowed: Fraction) -> tuple[int, Fraction]:
    """Orders cases from harmless to worst: nothing bad, a share of what is allowed (nothing
    of nothing is all of it), anything where nothing is allowed."""
    if not allowed:
        return (2, bad) if bad else (1, ONE)
    return (1, bad / allowed) if bad else (0, ZERO)


def _budget_ratio(bad: Fraction, allowed: Fraction) -> Fraction:
    """The headroom of a period: what the SLO lets in over what the SLA allows, ``bad <=
    allowed``. Where the SLA allows not a single bad slice and the SLO lets none in (whole
    slices: floor(b*N) = floor(B*N) = 0), 0/0 is 1: no margin, the first bad slice breaks
    both."""
    assert bad <= allowed
    return bad / allowed if allowed else ONE


def no_bad_slice(sla: Terms) -> str | None:
    """``1-hour slice in a 28-day month``: the SLA's shortest period, when its whole-slice
    budget there is none (floor(B*N) = 0, so any SLO that proves it lets in none either and
    no target leaves a margin); None when every period allows a bad slice (or none can be
    computed)."""
    if sla.budgeting_method != "Timeslices" or sla.time_slice_window is None or sla.target == 0:
        return None
    try:
        periods = [p for p in _sla_periods(sla.window, agreement_span(sla)) if p.length > 0]
    except UnitError:  # periods beyond what a calendar can be computed for: none to judge
        return None
    if not periods or _cap(sla, periods[0].length):  # by length: the fewest slices first
        return None
    return _slice_in(sla, _period_phrase(sla.window, periods[0]))


def _slice_in(sla: Terms, period: str) -> str:
    assert sla.time_slice_window is not None
    return f"{describe_length(sla.time_slice_window)} slice in {period}"


def _time_violation(slo: Terms, sla: Terms, worst: _Case, allowed: Fraction) -> Verdict:
    period = _period_phrase(sla.window, worst.period)
    how = _how_phrase(slo.window, worst, period)
    more = _versus(sla, worst.bad, allowed).split(" > ")
    reason = (f"{_time_head(slo, sla, 'does not prove')}: {how}, which lets "
              f"{more[0]} {_amount(sla, worst.bad).split(' ', 1)[1]} into it, more than its "
              f"{more[1].split(' ', 1)[0]}")
    ratio = worst.bad / allowed if allowed else None
    witness = Witness(Duration(worst.period.length), worst.bursts, (), worst.slo_windows,
                      worst.every)
    return Verdict(Status.VIOLATED, _sentence(reason),
                   _time_counterexample(slo, sla, worst, period, allowed), ratio, witness)


def _time_head(slo: Terms, sla: Terms, verb: str) -> str:
    return (f"SLO {_pct(slo.target)} {_window_phrase(slo.window)} ({_allowance(slo)} per "
            f"window) {verb} SLA {_pct(sla.target)} {_window_phrase(sla.window)} "
            f"({_allowance(sla)})")


def _allowance(terms: Terms) -> str:
    """``43.2 bad minutes``, ``40 to 44 bad 1-minute slices``: what one window allows."""
    lengths = period_lengths(terms.window)
    low, high = _cap(terms, lengths[0].ms), _cap(terms, lengths[-1].ms)
    if low == high:
        return _amount(terms, low)
    return f"{_amount(terms, low, False)} to {_amount(terms, high)}"


def _amount(terms: Terms, ms: Fraction, unit: bool = True) -> str:
    """Bad time in the terms' own units: minutes, or whole slices under Timeslices."""
    if terms.budgeting_method == "Timeslices" and terms.time_slice_window is not None:
        count = _show(ms / terms.time_slice_window.ms)
        if not unit:
            return count
        size = describe_length(terms.time_slice_window)
        return f"{count} bad {size} slice" + ("" if count == "1" else "s")
    return f"{_minutes(ms)} bad minutes" if unit else _minutes(ms)


def _versus(terms: Terms, more: Fraction, less: Fraction) -> str:
    """``86.4 > 44.64 bad minutes``, with as many digits as tell the two apart."""
    for places in range(4, 60):
        a, b = _show(more / MS_PER_MINUTE, places), _show(less / MS_PER_MINUTE, places)
        if a != b:
            break
    if terms.budgeting_method == "Timeslices":
        return f"{_amount(terms, more, False)} > {_amount(terms, less)}"
    return f"{a} > {b} bad minutes"


def _misaligned(slo: Terms, cases: Sequence[_Case]) -> str:
    """Why the SLO's slices cannot be matched with the SLA's, or '': every edge must fall
    on a slice's edge. RatioTimeslices too: an SLA slice that straddles two SLO slices can
    fail whole while each SLO slice's ratio stays near 1 (its other half carries the
    successes), so bad time is no measure both sides share."""
    if slo.time_slice_window is None or slo.budgeting_method == "Occurrences":
        return ""
    size = slo.time_slice_window.ms
    slice_ = format_duration(slo.time_slice_window)
    if (slo.budgeting_method == "Timeslices" and slo.window.length is not None
            and slo.window.length.ms % size):
        return (f"a rolling {format_duration(slo.window.length)} window is no whole number of "
                f"{slice_} slices; use a window that is")
    for case in cases:
        # a rolling SLA window may start on any slice: only its length and the SLO's
        # windows, where they really are, must fall on slice edges
        start = case.period.start
        edges = [Fraction(case.period.length)] if start is None else [start, start + case.period.length]
        origin = case.origin if start is None else start
        edges += [(origin or ZERO) + w.start for w in case.slo_windows or ()]
        if any(edge % size for edge in edges):
            return _unaligned_words(slice_)
    return ""


def _met_misaligned(slo: Terms, sla: Terms, span: UtcSpan | None) -> str:
    """A rolling SLA window can meet any of the calendar SLO windows around the span, not
    only those around the worst placement: each of them must start on a slice, or ''."""
    if (sla.window.length is None or slo.window.unit is None or slo.time_slice_window is None
            or slo.budgeting_method == "Occurrences"):
        return ""
    width, size = sla.window.length.ms, slo.time_slice_window.ms
    lo, hi = span or default_span()
    bounds, _ = _rolling_layout(slo.window, width, span)
    met = bounds[bisect_right(bounds, lo - width):bisect_left(bounds, hi + width) + 1]
    return _unaligned_words(format_duration(slo.time_slice_window)) \
        if any(b % size for b in met) else ""


def _unaligned_words(slice_: str) -> str:
    return (f"the SLA's periods or the SLO's windows do not start on a {slice_} slice "
            "boundary (a time zone with a part-hour offset?), so their slices do not line up")


def _time_cases(slo: Terms, sla: Terms, span: UtcSpan | None) -> list[_Case]:
    def cap(length: int | Fraction) -> Fraction:
        return _cap(slo, length)

    if slo.window.length is not None:
        return [_rolling_case(slo.window.length.ms, period, cap)
                for period in _sla_periods(sla.window, span)]
    if sla.window.length is not None:
        width = sla.window.length.ms
        bounds, x = _worst_rolling_position(slo, width, span)
        return [_calendar_case(bounds, x, x + width, cap, rolling=True)]
    bounds = calendar_boundaries(slo.window, _extent(sla.window, span))
    return [_calendar_case(bounds, Fraction(s), Fraction(e), cap)
            for s, e in _calendar_representatives(slo.window, sla.window, span)]


# Up to this many bursts are listed one by one; more (a rolling minute against a
# year: half a million) are one burst and how often it repeats, in closed form.
_LISTED = 12


def _rolling_case(width: int, period: _Period, cap: Callable[[int], Fraction]) -> _Case:
    """Bursts of cap(W) at the start of each of the k rolling windows that cover the period:
    k-1 whole ones and the last cut by the period's end, whatever k is."""
    length = period.length
    k = -(-length // width)
    whole = cap(width)
    last = min(whole, Fraction(length - (k - 1) * width))
    bad = (k - 1) * whole + last
    if k > _LISTED and whole > 0:
        return _Case(period, (Span(ZERO, whole),), k, None, every=width, bad=bad)
    bursts = tuple(Span(Fraction(i * width), min(whole, Fraction(length - i * width)))
                   for i in range(k))
    return _Case(period, tuple(b for b in bursts if b.length > 0), k, None, bad=bad)


def _calendar_case(bounds: Sequence[int], start: Fraction, end: Fraction,
                   cap: Callable[[int], Fraction], rolling: bool = False) -> _Case:
    """Each SLO window overlapping [start, end) lets min(cap(|w|), overlap) into it."""
    bursts, windows = [], []
    i = bisect_right(bounds, start) - 1
    while bounds[i] < end:
        cell_start, cell_end = bounds[i], bounds[i + 1]
        windows.append(Span(cell_start - start, Fraction(cell_end - cell_start)))
        first = max(Fraction(cell_start), start)
        amount = min(cap(cell_end - cell_start), min(Fraction(cell_end), end) - first)
        if amount > 0:
            bursts.append(Span(first - start, amount))
        i += 1
    period = _Period(None if rolling else start, int(end - start))
    return _Case(period, tuple(bursts), len(windows), tuple(windows), start if rolling else None,
                 bad=sum((b.length for b in bursts), ZERO))


@lru_cache(maxsize=64)
def _worst_rolling_position(slo: Terms, width: int, span: UtcSpan | None
                            ) -> tuple[tuple[int, ...], Fraction]:
    """Where a rolling SLA window of ``width`` collects the most bad time from calendar
    SLO windows: the SLO windows around it, and its start.

    The bad time a window at x collects is piecewise linear in x; it bends only
    where x or x+width meets an SLO window's edge or a budget's edge, so its
    maximum is at one of those: aligned to a window's start or end, or taking
    exactly the budget of a window's tail or head. Prefix sums of the caps make
    each candidate a few lookups; integers scaled by the budget's denominator
    keep it exact.
    """
    lo, hi = span or default_span()
    bounds, cells = _rolling_layout(slo.window, width, span)
    scale = slo.budget.denominator if slo.budgeting_method == "RatioTimeslices" else 1
    edges = [b * scale for b in bounds]
    by_length: dict[int, int] = {}
    caps = []
    for a, b in itertools.pairwise(bounds):
        if b - a not in by_length:
            by_length[b - a] = int(_cap(slo, b - a) * scale)
        caps.append(by_length[b - a])
    prefix = list(itertools.accumulate(caps, initial=0))
    w = width * scale
    # the first and last windows that still overlap the span, starting on a slice: where
    # the range of starts judged ends, the maximum can be too
    step = (slo.time_slice_window.ms if slo.time_slice_window else 1) * scale
    first_x = ((lo * scale - w) // step + 1) * step
    last_x = -(-hi * scale // step) * step - step
    best_x, best = first_x, _collected(edges, caps, prefix, first_x, w)
    for i in cells:
        start, end, c = edges[i], edges[i + 1], caps[i]
        for x in (start, end - c, end - w, start + c - w, last_x):
            if x + w <= lo * scale or x >= hi * scale:
                continue
            bad = _collected(edges, caps, prefix, x, w)
            if bad > best:
                best, best_x = bad, x
    return bounds, Fraction(best_x, scale)


# Neighbourhoods of up to this many SLO windows are compared to try one window of
# each; longer ones cost more to compare than to try every window (the same answer:
# the first window of the best neighbourhood is tried either way).
_NEIGHBOURS = 128


@lru_cache(maxsize=64)
def _rolling_layout(slo_window: Window, width: int, span: UtcSpan | None
                    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The SLO windows around every rolling SLA window of ``width`` in the span, and one
    of them for each distinct neighbourhood of window lengths (the others collect the
    same): what ``_worst_rolling_position`` tries, whatever the budget."""
    lo, hi = span or default_span()
    pad = width + 800 * 86_400_000
    _within_reach(slo_window, width, hi - lo + 2 * pad)
    bounds = calendar_boundaries(slo_window, (lo - pad, hi + pad))
    first = max(0, bisect_right(bounds, lo - width) - 1)
    last = bisect_right(bounds, hi)
    diffs = [b - a for a, b in itertools.pairwise(bounds)]
    shortest = min(d for d in diffs if d > 0)
    if width // shortest > _NEIGHBOURS:  # too long to compare cheaply: try every window
        return bounds, tuple(range(first, last))
    seen: dict[tuple[tuple[int, ...], int], int] = {}
    edge = []
    for i in range(first, last):
        if bounds[i] < lo or bounds[i + 1] > hi:
            # some rolling windows placed against it miss the span, so a window of the same
            # neighbourhood elsewhere is no stand-in for it, nor it for that one
            edge.append(i)
            continue
        behind = bisect_right(bounds, bounds[i] - width) - 1
        ahead = bisect_right(bounds, bounds[i + 1] + width)
        seen.setdefault((tuple(diffs[behind:ahead]), i - behind), i)
    return bounds, tuple(sorted({*seen.values(), *edge}))


# Calendar SLO windows a rolling SLA window is judged against, one by one, at most:
# a day window over an agreement's hundred years and a rolling SLA window of years
# (38,000 to 45,000) fits; a rolling SLA window of decades or centuries of days does
# not, and is INCOMPARABLE, saying so, rather than minutes of work.
_MOST_WINDOWS = 60_000
_SHORTEST_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 89, "year": 365}


class TooManyWindows(UnitError):
    """More calendar SLO windows than a comparison judges one by one (``_MOST_WINDOWS``)."""


def _within_reach(slo_window: Window, width: int, reach: int) -> None:
    """Raise TooManyWindows when ``reach`` ms holds more of the SLO's calendar windows than
    ``_MOST_WINDOWS``: counted from their shortest nominal length, before any is computed."""
    assert slo_window.unit is not None
    shortest = slo_window.count * _SHORTEST_DAYS[slo_window.unit] * MS_PER_DAY
    about = reach // shortest
    if about > _MOST_WINDOWS:
        raise TooManyWindows(
            f"a rolling {format_duration(Duration(width))} SLA window, judged across the "
            f"agreement, meets about {about} of the SLO's {format_window(slo_window)} windows, "
            f"more than the {_MOST_WINDOWS} slopolicy judges one by one; judge it against an "
            "SLO with a rolling window or longer calendar windows")


def _collected(edges: Sequence[int], caps: Sequence[int], prefix: Sequence[int], x: int,
               w: int) -> int:
    """Bad time calendar windows let into [x, x+w): whole caps inside, the edges' shares."""
    first = bisect_right(edges, x) - 1
    last = bisect_left(edges, x + w) - 1
    if first == last:
        return min(caps[first], w)
    return (min(caps[first], edges[first + 1] - x) + prefix[last] - prefix[first + 1]
            + min(caps[last], x + w - edges[last]))


def _period_phrase(sla_window: Window, period: _Period) -> str:
    """``a 31-day month``; ``the month from 2025-03-01 00:00 (Europe/Berlin, 30d23h)``."""
    if sla_window.length is not None:
        return f"a rolling {describe_length(sla_window.length)} window"
    assert sla_window.unit is not None and sla_window.time_zone is not None
    unit = sla_window.unit if sla_window.count == 1 else f"{sla_window.count}-{sla_window.unit}"
    nominal = {"day": 86_400_000, "week": 7 * 86_400_000}.get(unit)
    if period.length == nominal:
        return f"a {unit}"
    if period.length % 86_400_000 == 0 and nominal is None:
        return f"a {period.length // 86_400_000}-day {unit}"
    assert period.start is not None
    start = local_time(int(period.start), sla_window.time_zone)
    return (f"the {unit} from {start:%Y-%m-%d %H:%M} ({sla_window.time_zone}, "
            f"{format_duration(Duration(period.length))})")


def _how_phrase(slo_window: Window, case: _Case, period: str) -> str:
    if slo_window.is_rolling:
        windows = "1 rolling window covers" if case.windows == 1 else \
            f"{case.windows} rolling windows cover"
        return f"{windows} {period}"
    return f"{period} overlaps {case.windows} of the SLO's windows"


def _time_counterexample(slo: Terms, sla: Terms, case: _Case, period: str, allowed: Fraction
                         ) -> str:
    amounts = [b.length for b in case.bursts]
    total = _versus(sla, case.bad, allowed)
    if slo.window.length is not None:
        placed = _placed_bursts(sla, case.bursts) if case.every is None else \
            _repeated_bursts(sla, case)
        return (f"{placed} meet every rolling {describe_length(slo.window.length)} window yet "
                f"break {_pct(sla.target)} for {period}: {total}")
    cells = f"{format_window(slo.window)} windows"
    if len(amounts) == 1:
        placed = f"{_amount(sla, case.bad)} in {period}, inside one of the SLO's {cells},"
    elif len(set(amounts)) == 1:
        placed = (f"{_amount(sla, amounts[0])} in each of the {len(amounts)} {cells} that "
                  f"overlap {period}")
    else:
        placed = (f"{_join([_amount(sla, a, False) for a in amounts])} "
                  f"{_amount(sla, amounts[-1]).split(' ', 1)[1]} in the {len(amounts)} {cells} "
                  f"that overlap {period}")
    return f"{placed} meet the SLO yet break {_pct(sla.target)} for it: {total}"


def _placed_bursts(sla: Terms, bursts: Sequence[Span]) -> str:
    """``43.2 bad minutes on day 1 and again on day 31``."""
    def when(span: Span) -> str:
        if span.start % 86_400_000 == 0:
            return f"on day {int(span.start // 86_400_000) + 1}"
        if span.start.denominator == 1:
            return f"{format_duration(Duration(int(span.start)))} after the start"
        return f"{_show(span.start / MS_PER_MINUTE)} minutes after the start"

    groups: list[tuple[Fraction, list[str]]] = []
    for span in bursts:
        if groups and groups[-1][0] == span.length:
            groups[-1][1].append(when(span))
        else:
            groups.append((span.length, [when(span)]))
    parts = []
    for amount, places in groups:
        where = f"{places[0]} and again {places[1]}" if len(places) == 2 else _join(places)
        parts.append(f"{_amount(sla, amount)} {where}")
    return _join(parts)


def _repeated_bursts(sla: Terms, case: _Case) -> str:
    """``0.0007 bad minutes at the start of every 1m of it, 525600 times, from day 1 to
    365d23h59m after the start``, the last cut where the period ends."""
    assert case.every is not None
    (burst,) = case.bursts
    k, every = case.windows, case.every
    last = min(burst.length, Fraction(case.period.length - (k - 1) * every))
    cut = "" if last == burst.length else f", the last cut to {_amount(sla, last, False)}"
    return (f"{_amount(sla, burst.length)} at the start of every "
            f"{format_duration(Duration(every))} of it, {k} times, from day 1 to "
            f"{format_duration(Duration((k - 1) * every))} after the start{cut}")


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- occurrences -------------------------------------------------------------

class _Cut(Struct, frozen=True):
    """Where an SLO window sticks out of an SLA period: the dilution counterexample."""

    period_ms: int
    inside: Fraction  # in the period and the protruding window (relative ms)
    outside: tuple[Fraction, ...]  # in that window, outside the period
    slo_windows: tuple[Span, ...] | None = None


class _Share(Struct, frozen=True):
    """How the SLO's windows meet one SLA period, which bounds its failure share.

    ``tiles``: share <= b. ``cover`` (m windows and a remainder): exactly
    (m+1)b/(m+b). ``sticks``: windows cross the period's edges; with a traffic
    ratio ρ the share is at most b*(1 + ρ*exposure), without one it is unbounded
    (``exposure`` None: not even a ratio bounds it).
    """

    period: _Period
    kind: Literal["tiles", "cover", "sticks"]
    why: str
    m: int = 0
    exposure: Fraction | None = None
    cut: _Cut | None = None


def _share_of(found: _Share, b: Fraction, ratio: Fraction | None) -> Fraction | None:
    """The most that may fail in the period, or None when nothing bounds it."""
    if found.kind == "tiles":
        return b
    if found.kind == "cover":
        return (found.m + 1) * b / (found.m + b)
    if ratio is None or found.exposure is None:
        return None
    return min(ONE, b * (1 + ratio * found.exposure))


def _occurrence_shares(slo: Terms, sla: Terms, interval: int) -> list[_Share]:
    # they depend on the windows and the periods judged alone, not on the targets: an
    # audit asks again for every version of every agreement
    return list(_shares_of_windows(slo.window, sla.window, agreement_span(sla), interval))


@lru_cache(maxsize=1024)
def _shares_of_windows(slo_window: Window, sla_window: Window, span: UtcSpan | None,
                       interval: int) -> tuple[_Share, ...]:
    return tuple(_window_shares(slo_window, sla_window, span, interval))


def _window_shares(slo_window: Window, sla_window: Window, span: UtcSpan | None,
                   interval: int) -> list[_Share]:
    if slo_window.length is not None:
        width = slo_window.length.ms
        return [_rolling_share(width, period, interval, sla_window)
                for period in _sla_periods(sla_window, span)]
    if sla_window.length is not None:
        return [_straddling_share(slo_window, sla_window.length.ms, interval, span)]
    bounds = calendar_boundaries(slo_window, _extent(sla_window, span))
    return [_calendar_share(bounds, s, e, interval, sla_window)
            for s, e in _calendar_representatives(slo_window, sla_window, span)]


def _rolling_share(width: int, period: _Period, interval: int, sla_window: Window) -> _Share:
    length = period.length
    words = _period_phrase(sla_window, period)
    w = format_duration(Duration(width))
    m, rest = divmod(length, width)
    if rest == 0:
        return _Share(period, "tiles", f"rolling {w} windows tile {words}")
    if m >= 1:
        return _Share(period, "cover", f"rolling {w} windows do not tile {words} ({m} of them "
                      f"and {format_duration(Duration(rest))} more)", m=m)
    margin = Fraction(width - length, 2)
    # Good traffic half of the excess before and after the period reaches every window over it.
    cut = _Cut(length, Fraction(length, 2), (-margin, length + margin))
    return _Share(period, "sticks", f"{words} is shorter than the rolling {w} window",
                  exposure=_exposure(width - length, length, interval), cut=cut)


def _exposure(outside: int, length: int, interval: int) -> Fraction | None:
    """Intervals outside the period (touched) over whole intervals inside it."""
    whole = length // interval
    return Fraction(-(-outside // interval), whole) if whole else None


def _calendar_share(bounds: Sequence[int], start: int, end: int, interval: int,
                    sla_window: Window) -> _Share:
    period = _Period(Fraction(start), end - start)
    i = bisect_right(bounds, start) - 1
    outside, first = 0, None
    while bounds[i] < end:
        if bounds[i + 1] > bounds[i] and (bounds[i] < start or bounds[i + 1] > end):
            first = i if first is None else first
            # each side on its own: a window around the whole period touches a part
            # interval at both ends, and either can carry a busiest interval's requests
            outside += -(-max(0, start - bounds[i]) // interval)
            outside += -(-max(0, bounds[i + 1] - end) // interval)
        i += 1
    if first is None:
        return _Share(period, "tiles", "the SLO's windows tile each SLA period")
    cut = _protruding(bounds, first, start, end, sla_window)
    zone = str(sla_window.time_zone)
    why = (f"the SLO window from {local_time(bounds[first], zone):%Y-%m-%d %H:%M} to "
           f"{local_time(bounds[first + 1], zone):%Y-%m-%d %H:%M} ({zone}) sticks out of the "
           f"{_period_words(sla_window)} from {local_time(start, zone):%Y-%m-%d %H:%M}")
    whole = (end - start) // interval
    return _Share(period, "sticks", why, exposure=Fraction(outside, whole) if whole else None,
                  cut=cut)


def _straddling_share(slo_window: Window, span_ms: int, interval: int, span: UtcSpan | None
                      ) -> _Share:
    """A rolling SLA window can always straddle the edge of a calendar SLO window."""
    lo = (span or default_span())[0]
    hi = lo + span_ms + 800 * 86_400_000
    _within_reach(slo_window, span_ms, hi - lo + 800 * 86_400_000)
    while True:
        bounds = calendar_boundaries(slo_window, (lo - 800 * 86_400_000, hi))
        i = bisect_right(bounds, lo)
        while i + 1 < len(bounds) - 1 and bounds[i + 1] == bounds[i]:
            i += 1
        if i + 1 < len(bounds) and bounds[-1] >= bounds[i + 1] + span_ms:
            break
        # windows longer than the span asked for (100 months): the windows after the
        # chosen edge must cover the rolling window that straddles it
        hi = bounds[-1] + span_ms + 2 * MS_PER_DAY
    cell_start, cell_end = bounds[i], bounds[i + 1]
    inside = Fraction(min(span_ms, cell_end - cell_start), 2)
    start = cell_end - inside  # the SLA window starts in the SLO window's second half
    cut = _Cut(span_ms, inside / 2, ((cell_start - start) / 2,),
               _relative_windows(bounds, i, start, start + span_ms))
    longest = max(b - a for a, b in itertools.pairwise(bounds))
    why = (f"a rolling {format_duration(Duration(span_ms))} window can straddle the edge of the "
           "SLO's calendar windows")
    return _Share(_Period(None, span_ms), "sticks", why,
                  exposure=_exposure(2 * longest, span_ms, interval), cut=cut)


def _period_words(window: Window) -> str:
    return "window" if window.length is not None else str(window.unit)


def _protruding(bounds: Sequence[int], i: int, start: int, end: int, sla_window: Window) -> _Cut:
    cell_start, cell_end = bounds[i], bounds[i + 1]
    inside = Fraction(max(cell_start, start) + min(cell_end, end), 2) - start
    outside = Fraction(cell_start + start, 2) if cell_start < start else \
        Fraction(end + cell_end, 2)
    return _Cut(end - start, inside, (outside - start,), _relative_windows(bounds, i, start, end))


def _relative_windows(bounds: Sequence[int], i: int, start: Fraction | int, end: Fraction | int
                      ) -> tuple[Span, ...]:
    """SLO windows from the i-th through those overlapping [start, end), relative to start."""
    first = min(i, bisect_right(bounds, start) - 1)
    spans = []
    j = first
    while bounds[j] < end or j <= i:
        spans.append(Span(bounds[j] - Fraction(start), Fraction(bounds[j + 1] - bounds[j])))
        j += 1
    return tuple(spans)


def _compare_occurrences(slo: Terms, sla: Terms, assumptions: Assumptions) -> Verdict:
    b, b_sla = slo.budget, sla.budget
    shares = (f"SLO {_pct(slo.target)} of requests {_window_phrase(slo.window)} "
              f"({_pct(b)} may fail) against SLA {_pct(sla.target)} "
              f"{_window_phrase(sla.window)} ({_pct(b_sla)} may fail)")
    found = _occurrence_shares(slo, sla, HOUR)
    if b > b_sla:
        return _steady_failures(slo, sla, shares, found[0].period.length)
    ratio = assumptions.max_traffic_ratio
    values = [(_share_of(s, b, ratio), s) for s in found]
    needed = None
    if any(s.kind == "sticks" for s in found):  # only a ratio bounds what sticks out
        needed = _largest_ratio(lambda rho: all(
            (v := _share_of(s, b, rho)) is not None and v <= b_sla for s in found))
    open_ = [s for v, s in values if v is None]
    if open_:
        return _unbounded(slo, sla, shares, open_[0], needed)
    worst_value, worst = max(((v, s) for v, s in values if v is not None), key=lambda p: p[0])
    assumed = ratio is not None and any(s.kind == "sticks" for s in found)
    words = _assumed_words(assumptions, HOUR) if assumed else None
    headroom = worst_value / b_sla
    if headroom > 1:
        if assumed:
            return _not_even_assuming(slo, sla, shares, worst, worst_value, words, needed)
        return _covered_violation(slo, sla, shares, worst)
    status = _status_of(headroom)
    margin = "with no margin" if status is Status.EQUAL else _budget_share(headroom)
    how = f"{worst.why}, so at most {_pct(worst_value)} of its requests may fail"
    if worst.kind == "tiles":
        how = (f"{worst.why}, and periods made of windows that each meet the target meet it "
               "too")
    assuming = f" assuming {words}" if words else ""
    return Verdict(status, _sentence(f"{shares}: proven{assuming}, {margin}; {how}"), None,
                   headroom, assumption=words)


def _steady_failures(slo: Terms, sla: Terms, shares: str, length: int) -> Verdict:
    """Failures at the SLO's own rate meet every SLO window and break the SLA."""
    good, bad = _mix(slo.budget)
    witness = Witness(Duration(length), traffic=(Traffic(Fraction(length, 2), good, bad),))
    return Verdict(
        Status.VIOLATED,
        _sentence(f"{shares}: the SLO lets more requests fail than the SLA does"),
        f"requests failing at a steady {_pct(slo.budget)} meet every SLO window yet "
        f"break {_pct(sla.target)} for every SLA period: {_pct(slo.budget)} > "
        f"{_pct(sla.budget)} of requests failed",
        slo.budget / sla.budget if sla.budget else None, witness)


def _unbounded(slo: Terms, sla: Terms, shares: str, found: _Share, needed: Fraction | None
               ) -> Verdict:
    """Windows stick out and nothing bounds the traffic outside: dilution."""
    hint = _ratio_hint(needed, HOUR)
    cut = found.cut
    if cut is None:
        return Verdict(Status.INCOMPARABLE, _sentence(
            f"{shares}: {found.why}, and its period is shorter than an hour, so not even a "
            "traffic ratio between hours bounds it"))
    good, bad = _mix(slo.budget)
    traffic = (Traffic(cut.inside, 0, bad), *(Traffic(at, good, 0) for at in cut.outside))
    where = "in the same SLO window outside it" if len(cut.outside) == 1 else \
        "just before it and again just after it"
    return Verdict(
        Status.VIOLATED,
        _sentence(f"{shares}: {found.why}, so successes outside the period can pay for "
                  f"failures inside it{hint}"),
        f"{_requests(bad, 'failed')} inside the SLA period and {_requests(good, 'successful')} "
        f"{where} meet the SLO at {_pct(slo.target)} yet leave the period at 0% "
        f"success, below {_pct(sla.target)}",
        None, Witness(Duration(cut.period_ms), traffic=traffic, slo_windows=cut.slo_windows),
        needed_ratio=needed)


def _covered_violation(slo: Terms, sla: Terms, shares: str, found: _Share) -> Verdict:
    """The exact worst case of a rolling W < L: the docstring's construction."""
    assert found.kind == "cover" and slo.window.length is not None
    width, length, m = slo.window.length.ms, found.period.length, found.m
    rest = length - m * width
    good, bad = _mix(slo.budget)
    fails = [Fraction(0)] + [j * (width + Fraction(rest, m + 1)) for j in range(1, m + 1)]
    paid = [Fraction((j - 1) * width + rest) for j in range(1, m + 1)]
    traffic = tuple(sorted(
        [Traffic(at, 0, bad) for at in fails]
        + [Traffic(at, good, 0) for at in (*paid, Fraction(rest - width), Fraction(length))],
        key=lambda t: t.at))
    share = (m + 1) * slo.budget / (m + slo.budget)
    period = _period_phrase(sla.window, found.period)
    w = describe_length(Duration(width))
    example = (
        f"{_requests(bad, 'failed')} at each of {_join([_offset(p) for p in fails])} into "
        f"{period}, {_requests(good, 'successful')} at {_each(paid)} and {good} more just "
        f"outside it on each side meet "
        f"every rolling {w} window at {_pct(slo.target)} yet leave it at {_pct(1 - share)} "
        f"success, below {_pct(sla.target)}")
    return Verdict(Status.VIOLATED, _sentence(
        f"{shares}: {found.why}, so up to {_pct(share)} of its requests may fail, more than "
        f"{_pct(sla.budget)}"), example, share / sla.budget,
        Witness(Duration(length), traffic=traffic))


def _not_even_assuming(slo: Terms, sla: Terms, shares: str, found: _Share, value: Fraction,
                       words: str | None, needed: Fraction | None) -> Verdict:
    return Verdict(Status.INCOMPARABLE, _sentence(
        f"{shares}: {found.why}; even assuming {words}, up to {_pct(value)} of its requests "
        f"may fail, more than {_pct(sla.budget)}{_ratio_hint(needed, HOUR, declared=True)}"),
        assumption=words, needed_ratio=needed)


def _each(instants: Sequence[Fraction]) -> str:
    shown = _join([_offset(p) for p in instants])
    return shown if len(instants) == 1 else f"each of {shown}"


def _offset(at: Fraction) -> str:
    if at.denominator == 1:
        return format_duration(Duration(int(at)))
    return f"{_show(at / MS_PER_MINUTE)}m"


def _requests(count: int, kind: str) -> str:
    return f"{count} {kind} request" + ("" if count == 1 else "s")


def _mix(budget: Fraction) -> tuple[int, int]:
    """Whole good and bad request counts whose failure share is exactly ``budget``."""
    return budget.denominator - budget.numerator, budget.numerator


# -- what a traffic assumption proves -----------------------------------------

def _largest_ratio(proves: Callable[[Fraction], bool]) -> Fraction | None:
    """The largest traffic ratio (to 2 decimals, rounded down) under which ``proves`` holds;
    None when not even steady traffic (ratio 1) does. ``proves`` is monotone."""
    if not proves(ONE):
        return None
    low, high = ONE, Fraction(2)
    while proves(high):
        low, high = high, high * 2
        if high > 10 ** 6:
            return low
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if proves(middle) else (low, middle)
    return Fraction(math.floor(low * 100), 100)


def _interval_words(interval: int) -> str:
    return "hours" if interval == HOUR else f"{describe_length(Duration(interval))} slices"


def _assumed_words(assumptions: Assumptions, interval: int) -> str:
    assert assumptions.max_traffic_ratio is not None
    where = f" ({assumptions.source})" if assumptions.source else ""
    return (f"traffic varies at most {_show(assumptions.max_traffic_ratio, 6)}× between "
            f"{_interval_words(interval)}{where}")


def _ratio_hint(needed: Fraction | None, interval: int, declared: bool = False) -> str:
    if needed is None:
        return "; no traffic ratio would prove it" if declared else ""
    return (f"; it would be proven assuming traffic varies at most {_show(needed, 2)}× between "
            f"{_interval_words(interval)} (declare assumptions.traffic.maxRatio in "
            ".slopolicy.yaml, or the Service annotation slopolicy/max-traffic-ratio)")


def _across_methods(slo: Terms, sla: Terms, assumptions: Assumptions) -> Verdict:
    """Requests (Occurrences) against time (Timeslices, RatioTimeslices): only under a ratio."""
    assert sla.time_slice_window is not None
    interval = sla.time_slice_window.ms
    found = _occurrence_shares(slo, sla, interval)

    def worst(rho: Fraction) -> tuple[Fraction, Fraction, Fraction, _Share] | None:
        """(bad, allowed, failure share, period) of the worst period under ratio rho."""
        cases = []
        for share in found:
            beta = _share_of(share, slo.budget, rho)
            if beta is None:
                return None
            bad = _time_from_requests(sla, beta, rho, share.period.length)
            cases.append((bad, _cap(sla, share.period.length), beta, share))
        return max(cases, key=lambda c: _excess(c[0], c[1]))

    def proves(rho: Fraction) -> bool:
        found_worst = worst(rho)
        return found_worst is not None and found_worst[0] <= found_worst[1]

    needed = _largest_ratio(proves)
    what = (f"the SLO counts failed requests and the SLA {_method_words(sla.budgeting_method)}: "
            "how many requests fail says nothing about how long they fail unless traffic is "
            "known")
    ratio = assumptions.max_traffic_ratio
    if ratio is None:
        return _incomparable(slo, sla, what + _ratio_hint(needed, interval, declared=True),
                             needed)
    words = _assumed_words(assumptions, interval)
    result = worst(ratio)
    if result is None or result[0] > result[1]:
        verdict = _incomparable(slo, sla, f"{what}; even assuming {words}, the SLO does not "
                                f"bound the SLA{_ratio_hint(needed, interval, declared=True)}",
                                needed)
        return replace(verdict, assumption=words)
    bad, allowed, beta, share = result
    headroom = _budget_ratio(bad, allowed)
    status = _status_of(headroom)
    margin = "with no margin" if status is Status.EQUAL else _budget_share(headroom)
    period = _period_phrase(sla.window, share.period)
    return Verdict(status, _sentence(
        f"{_both(slo, sla)}: proven assuming {words}, {margin}: {share.why}, so at most "
        f"{_pct(beta)} of the requests in {period} may fail, and with traffic within that "
        f"ratio they fill at most {_amount(sla, bad)} of it, within its "
        f"{_amount(sla, allowed, False)}"), None, headroom, assumption=words)


def _time_from_requests(sla: Terms, beta: Fraction, rho: Fraction, length: int) -> Fraction:
    """The most bad time (or whole bad slices) a failure share β of requests lets into a period
    whose slices' traffic varies at most ρ times (the module docstring's bound)."""
    assert sla.time_slice_window is not None
    size = sla.time_slice_window.ms
    if sla.budgeting_method == "RatioTimeslices":
        return min(ONE, beta * rho / (1 - beta + beta * rho)) * length
    assert sla.time_slice_target is not None
    slices = length // size
    c = ONE - Fraction(sla.time_slice_target)
    if c <= beta:
        return Fraction(slices * size)
    bound = beta * rho * slices / (c - beta + beta * rho)
    return Fraction(min(slices, math.ceil(bound) - 1) * size)


# -- several SLOs together ----------------------------------------------------

_MOST_PIECES = 200_000  # grid points of the cut; beyond, SLOs are judged one by one


def combine(slos: Sequence[Terms], sla: Terms, labels: Sequence[str]
            ) -> tuple[Verdict, tuple[int, ...]] | None:
    """A proof from several rolling SLOs together, and which of them it uses; None when
    the best cut (module docstring) does not prove the SLA, or does not apply."""
    usable = [i for i, slo in enumerate(slos)
              if slo.window.length is not None and slo.budgeting_method == sla.budgeting_method
              and sla.budgeting_method != "Occurrences" and _compare_kinds(slo, sla) is None]
    if len(usable) < 2:
        return None
    pieces = [(_rolling_width(slos[i]), _cap(slos[i], _rolling_width(slos[i]))) for i in usable]
    worst: tuple[tuple[int, Fraction], Fraction, Fraction, _Period, list[tuple[int, int]]] | None
    worst = None
    used: set[int] = set()
    try:
        periods = _sla_periods(sla.window, agreement_span(sla))
    except UnitError:  # periods beyond what a calendar can be computed for: nothing proven
        return None
    if any(_misaligned(slos[i], [_rolling_case(_rolling_width(slos[i]), p, lambda _: ZERO)
                                 for p in periods]) for i in usable):
        return None  # slices that do not line up bound nothing, together either
    for period in periods:
        cut = _best_cut(period.length, pieces)
        if cut is None:
            return None
        bound, chosen = cut
        used |= {usable[i] for i, _ in chosen if i >= 0}
        allowed = _cap(sla, period.length)
        key = _excess(bound, allowed)
        if worst is None or key > worst[0]:
            worst = (key, bound, allowed, period, chosen)
    assert worst is not None
    _, bound, allowed, period, chosen = worst
    if bound > allowed or len(used) < 2:
        return None  # not proven together; or one SLO (or none) suffices, and speaks alone
    headroom = _budget_ratio(bound, allowed)
    reason = _combined_reason([labels[i] for i in usable], [slos[i] for i in usable], sla,
                              period, chosen, bound, allowed, headroom,
                              [labels[i] for i in sorted(used)])
    return Verdict(_status_of(headroom), reason, None, headroom), tuple(sorted(used))


def _rolling_width(terms: Terms) -> int:
    assert terms.window.length is not None
    return terms.window.length.ms


def _best_cut(length: int, pieces: Sequence[tuple[int, Fraction]]
              ) -> tuple[Fraction, list[tuple[int, int]]] | None:
    """The least bound on a period's bad time over cuts into pieces, each inside one window
    (width, cap) of ``pieces``: the bound and the cut, (piece index or -1, length) each."""
    grid = math.gcd(length, *(w for w, _ in pieces))
    if length // grid > _MOST_PIECES:
        return None
    scale = math.lcm(*(c.denominator for _, c in pieces))
    widths = [w // grid for w, _ in pieces]
    costs = [int(c * scale) for _, c in pieces]
    steps = length // grid
    best, choice = [0] * (steps + 1), [(-1, 0)] * (steps + 1)
    for size in range(1, steps + 1):
        value, pick = size * grid * scale, (-1, size)  # every moment of it bad
        for i, (w, c) in enumerate(zip(widths, costs)):
            option = c if size <= w else c + best[size - w]
            if option < value:
                value, pick = option, (i, min(size, w))
        best[size], choice[size] = value, pick
    cut, rest = [], steps
    while rest > 0:
        i, piece = choice[rest]
        cut.append((i, piece * grid))
        rest -= piece
    return Fraction(best[steps], scale), cut


def _combined_reason(labels: Sequence[str], slos: Sequence[Terms], sla: Terms, period: _Period,
                     cut: Sequence[tuple[int, int]], bound: Fraction, allowed: Fraction,
                     headroom: Fraction, users: Sequence[str]) -> str:
    words = _period_phrase(sla.window, period)
    counts: dict[int, int] = {}
    amounts = []
    for i, piece in cut:
        counts[i] = counts.get(i, 0) + 1
        amounts.append(Fraction(piece) if i < 0 else
                       min(_cap(slos[i], _rolling_width(slos[i])), Fraction(piece)))
    parts = [f"{n} {format_window(slos[i].window)} window{'s' if n > 1 else ''} of {labels[i]}"
             if i >= 0 else f"{n} piece{'s' if n > 1 else ''} too short to matter"
             for i, n in counts.items()]
    idle = [label for label in labels if label not in users]
    status = _status_of(headroom)
    margin = "with no margin" if status is Status.EQUAL else _budget_share(headroom)
    text = (f"{_join(list(users))} together prove SLA {_pct(sla.target)} "
            f"{_window_phrase(sla.window)} {margin}: {words} is cut into {_join(parts)}, which "
            f"{'let' if len(amounts) > 1 else 'lets'} at most {_sum(sla, amounts, bound)} into it, within its "
            f"{_amount(sla, allowed, False)}")
    if idle:
        text += f"; {_join(idle)} {'is' if len(idle) == 1 else 'are'} not needed"
    return _sentence(text)


def _sum(terms: Terms, amounts: Sequence[Fraction], total: Fraction) -> str:
    """``34.56 + 2.88 = 37.44 bad minutes``, or one amount alone."""
    if len(amounts) == 1:
        return _amount(terms, total)
    return f"{' + '.join(_amount(terms, a, False) for a in amounts)} = {_amount(terms, total)}"


# -- headroom advice -----------------------------------------------------------

def advise_target(slo: Terms, sla: Terms, limit: Decimal | Fraction,
                  assumptions: Assumptions = NO_ASSUMPTIONS) -> Decimal | None:
    """The least SLO target, with as few decimals as suffice (at least two, of a percent),
    whose worst case spends at most ``limit`` of the SLA's budget; None when only 100% would.

    Where the worst case is linear in the budget the budget is scaled by
    limit/h; where it is not (floors of slices, a sliver of a calendar window),
    the budget that fits is found by bisection, and every advice is checked.
    """
    bound = Fraction(limit)

    def fits(target: Decimal) -> bool:
        verdict = compare(replace(slo, target=target), sla, assumptions)
        return verdict.status is Status.PROVEN and verdict.headroom is not None \
            and verdict.headroom <= bound

    current = compare(slo, sla, assumptions)
    headroom = ONE if current.status is Status.EQUAL else current.headroom
    if not headroom or not bound:
        return None
    budget = min(slo.budget, slo.budget * bound / headroom)
    if not fits(_target_at_least(ONE - budget, 12)):
        low, high = ZERO, budget
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if fits(_target_at_least(ONE - middle, 12)) else \
                (low, middle)
        budget = low
    for places in range(2, 40):
        target = _target_at_least(ONE - budget, places)
        if target < 1 and fits(target):
            return target
    return None


def _target_at_least(target: Fraction, places: int) -> Decimal:
    """``target`` rounded up to ``places`` decimals of a percent."""
    steps = math.ceil(target * 100 * 10 ** places)
    return Decimal(f"{steps}E-{places + 2}")
