"""Does an SLO objective prove an SLA objective?

An SLO *dominates* an SLA when every behaviour that meets the SLO also meets
the SLA, judged by the SLA's definitions. ``compare`` answers PROVEN, EQUAL,
VIOLATED (with a behaviour that meets the SLO and breaks the SLA: the
``witness``, and the same in words) or INCOMPARABLE (with what is missing).
Pure functions, exact ``Decimal`` arithmetic; time in milliseconds.

How windows are judged:

* Time-based budgets (Timeslices, RatioTimeslices): bad time. The most bad
  time the SLO lets into one SLA period decides. Rolling SLO windows of length
  W let ``(k-1)*b*W + min(b*W, L-(k-1)*W)`` into a period of length L, with
  ``k = ceil(L/W)``: bursts of ``b*W`` at the start of each of the k windows
  that cover it. That equals the plain bound of k whole budgets, ``k*b*W``,
  whenever the last, partial window can hold a whole budget (any realistic
  target), and is exact otherwise.
  Calendar SLO windows let ``min(b*|w|, |w ∩ P|)`` in from each window w that
  overlaps the period P. Periods are the SLA's real ones (``units.HORIZON``,
  by the tz database), so DST, month lengths and differing time zones are
  judged exactly rather than refused: a calendar window in another zone is
  just a window that does not tile.
* Occurrences: a success ratio. Only SLO windows that tile the SLA period
  compare, because tiling sub-periods with ratio >= T give the whole period
  ratio >= T (mediant inequality). Where they do not tile, a behaviour is
  given when one exists (an SLO window that sticks out of the period carries
  the successes that let the period fail outright; or the SLO's own failure
  rate already exceeds the SLA's); otherwise the verdict is INCOMPARABLE.
* Latency "p% within t": requests within t1 <= t2 are also within t2, so the
  SLO's good requests are the SLA's too and the targets compare as ratios
  under the same window rules. With t1 > t2 the SLO says nothing about t2:
  INCOMPARABLE.
* A stricter latency threshold or slice target is a margin the budget ratio
  does not see: equal budgets then give PROVEN (headroom 1), not EQUAL.

A window with no requests at all meets any ratio target (it has no failures).
"""
from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Literal

from slopolicy.slo.units import (
    MS_PER_DAY,
    MS_PER_MINUTE,
    Duration,
    UnitError,
    Window,
    calendar_boundaries,
    calendar_periods,
    describe_length,
    exact_div,
    format_decimal,
    format_duration,
    format_minutes,
    format_percent,
    format_window,
    local_time,
    period_lengths,
    utc_ms,
)

Indicator = Literal["availability", "latency"]
BudgetingMethod = Literal["Occurrences", "Timeslices", "RatioTimeslices"]
INDICATORS: tuple[Indicator, ...] = ("availability", "latency")
BUDGETING_METHODS: tuple[BudgetingMethod, ...] = ("Occurrences", "Timeslices", "RatioTimeslices")
DEFAULT_MAX_BUDGET_RATIO = Decimal("0.5")

ZERO, ONE = Decimal(0), Decimal(1)


class Status(Enum):
    PROVEN = "proven"
    EQUAL = "equal"
    VIOLATED = "violated"
    INCOMPARABLE = "incomparable"


@dataclass(frozen=True)
class Terms:
    """What one objective promises, in the terms a comparison needs."""

    indicator: Indicator
    target: Decimal  # fraction of good (requests, or time)
    threshold: Duration | None  # latency: good requests are faster than this
    window: Window
    budgeting_method: BudgetingMethod
    time_slice_window: Duration | None = None
    time_slice_target: Decimal | None = None  # Timeslices: a slice is good at this ratio

    def __post_init__(self) -> None:
        if self.indicator not in INDICATORS:
            raise UnitError(f"indicator is availability or latency, not {self.indicator!r}")
        if self.budgeting_method not in BUDGETING_METHODS:
            raise UnitError(f"budgetingMethod is one of {', '.join(BUDGETING_METHODS)}, "
                            f"not {self.budgeting_method!r}")
        if not isinstance(self.target, Decimal) or not ZERO <= self.target <= ONE:
            raise UnitError(f"a target is a Decimal fraction between 0 and 1, not {self.target!r}")

    @property
    def budget(self) -> Decimal:
        """The budget fraction b = 1 - T."""
        return ONE - self.target


@dataclass(frozen=True)
class Span:
    """Bad time: ``length`` ms starting ``start`` ms after the SLA period starts."""

    start: Decimal
    length: Decimal


@dataclass(frozen=True)
class Traffic:
    """Requests at one instant, ``at`` ms after the SLA period starts (may lie outside it)."""

    at: Decimal
    good: int
    bad: int


@dataclass(frozen=True)
class Witness:
    """A behaviour that meets the SLO and breaks the SLA, around one SLA period.

    ``bad_time`` for time-based budgets, ``traffic`` for Occurrences. For a
    calendar SLO, ``slo_windows`` are its windows around the period (relative
    spans); for a rolling SLO it is None: every window of its length counts.
    """

    period: Duration
    bad_time: tuple[Span, ...] = ()
    traffic: tuple[Traffic, ...] = ()
    slo_windows: tuple[Span, ...] | None = None


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str
    counterexample: str | None = None
    # SLO budget / SLA budget over the SLA window, worst case: < 1 is margin.
    headroom: Decimal | None = None
    witness: Witness | None = None

    @property
    def dominates(self) -> bool:
        return self.status in (Status.PROVEN, Status.EQUAL)


def lacks_headroom(verdict: Verdict, max_budget_ratio: Decimal = DEFAULT_MAX_BUDGET_RATIO) -> bool:
    """The ``slo-headroom`` test: dominated, but EQUAL or with h above the allowed ratio."""
    if verdict.status is Status.EQUAL:
        return True
    return (verdict.status is Status.PROVEN and verdict.headroom is not None
            and verdict.headroom > max_budget_ratio)


# -- budgets (also for reports) ----------------------------------------------

def budget_minutes(target: Decimal, window: Window, length_days: int | Decimal | None = None
                   ) -> Decimal:
    """Bad minutes a target allows in one window; a calendar window needs its length in days."""
    if length_days is not None:
        length = Decimal(length_days) * MS_PER_DAY
    elif window.length is not None:
        length = Decimal(window.length.ms)
    else:
        raise UnitError(f"a {format_window(window)} has no single length: pass length_days, "
                        "or use budget_range_minutes")
    return _minutes((ONE - target) * length)


def budget_range_minutes(target: Decimal, window: Window) -> tuple[Decimal, Decimal]:
    """The least and most bad minutes per window (a calendar month at 99.9%: 40.32, 44.64)."""
    lengths = period_lengths(window)
    return (_minutes((ONE - target) * lengths[0].ms), _minutes((ONE - target) * lengths[-1].ms))


def format_budget_per_window(target: Decimal, window: Window) -> str:
    """``43.2 bad minutes per rolling 30d``, or for a calendar month (UTC) at 99.9%
    ``40.32 to 44.64 bad minutes per calendar month (UTC)``."""
    return f"{_format_range(budget_range_minutes(target, window))} bad minutes per " \
           f"{format_window(window)}"


def _format_range(bounds: tuple[Decimal, Decimal]) -> str:
    low, high = bounds
    return format_minutes(low) if low == high else \
        f"{format_minutes(low)} to {format_minutes(high)}"


def _minutes(ms: Decimal | int) -> Decimal:
    return exact_div(Decimal(ms), Decimal(MS_PER_MINUTE))


# -- the comparison ----------------------------------------------------------

def compare(slo: Terms, sla: Terms) -> Verdict:
    """Judge whether ``slo`` dominates ``sla``: every behaviour meeting ``slo`` meets ``sla``."""
    early = _compare_kinds(slo, sla)
    if early is not None:
        return early
    b_slo, b_sla = slo.budget, sla.budget
    if sla.target == 0 or b_slo == 0:
        verdict = _trivial(slo, sla)
    elif sla.budgeting_method == "Occurrences":
        verdict = _compare_occurrences(slo, sla, b_slo, b_sla)
    else:
        verdict = _compare_time(slo, sla, b_slo, b_sla)
    margin = _stricter_elsewhere(slo, sla)
    if verdict.status is Status.EQUAL and margin:
        verdict = replace(verdict, status=Status.PROVEN, reason=verdict.reason.replace(
            "with no margin", f"with no budget margin, though its {margin}"))
    return verdict


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
        return _incomparable(
            slo, sla,
            f"the SLO budgets {slo.budgeting_method} and the SLA {sla.budgeting_method}: "
            f"{_method_words(slo.budgeting_method)} bounds nothing about "
            f"{_method_words(sla.budgeting_method)}; use the SLA's budgeting method")
    if sla.budgeting_method != "Occurrences":
        return _compare_slices(slo, sla)
    return None


def _compare_thresholds(slo: Terms, sla: Terms) -> Verdict | None:
    if slo.threshold is None or sla.threshold is None:
        missing = "SLO" if slo.threshold is None else "SLA objective"
        return _incomparable(
            slo, sla,
            f"the {missing} gives no latency threshold, so it is unknown which requests count as "
            "good; add one (SLO annotation slopolicy/threshold, SLA objective threshold)")
    if slo.threshold > sla.threshold:
        t1, t2 = format_duration(slo.threshold), format_duration(sla.threshold)
        return _incomparable(
            slo, sla,
            f"the SLO promises {format_percent(slo.target)} of requests within {t1}, the SLA "
            f"{format_percent(sla.target)} within {t2}: the SLO says nothing about {t2} (every "
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
        slice_ = format_duration(sla.time_slice_window)
        p1, p2 = format_percent(slo.time_slice_target), format_percent(sla.time_slice_target)
        return Verdict(
            Status.VIOLATED,
            _sentence(f"{_both(slo, sla)}: the SLO calls a {slice_} slice good at {p1} good "
                      f"requests, the SLA only at {p2}: slices between the two are good for the "
                      f"SLO and bad for the SLA; raise the SLO's timeSliceTarget to {p2} or more"),
            counterexample=(
                f"every {slice_} slice at exactly {p1} good requests is good for the SLO (0 bad "
                f"minutes) and bad for the SLA (every minute of its {format_window(sla.window)})"),
        )
    return None


def _stricter_elsewhere(slo: Terms, sla: Terms) -> str:
    """A margin the budget ratio cannot see, in words, or ''."""
    if slo.threshold is not None and sla.threshold is not None and slo.threshold < sla.threshold:
        return f"latency threshold is stricter ({slo.threshold} < {sla.threshold})"
    if (sla.budgeting_method == "Timeslices" and slo.time_slice_target is not None
            and sla.time_slice_target is not None
            and slo.time_slice_target > sla.time_slice_target):
        return (f"slice target is stricter ({format_percent(slo.time_slice_target)} > "
                f"{format_percent(sla.time_slice_target)})")
    return ""


def _incomparable(slo: Terms, sla: Terms, reason: str) -> Verdict:
    return Verdict(Status.INCOMPARABLE, _sentence(f"{_both(slo, sla)}: {reason}"))


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
    return Verdict(Status.PROVEN, _sentence(
        f"{both}: the SLO allows nothing bad in any window, so nothing bad reaches the SLA"),
        None, ZERO)


def _both(slo: Terms, sla: Terms) -> str:
    return (f"SLO {format_percent(slo.target)} {_window_phrase(slo.window)} against SLA "
            f"{format_percent(sla.target)} {_window_phrase(sla.window)}")


def _window_phrase(window: Window) -> str:
    return f"over a {format_window(window)}" if window.is_rolling else \
        f"per {format_window(window)}"


def _status_of(ratio: Decimal) -> Status:
    if ratio < 1:
        return Status.PROVEN
    return Status.EQUAL if ratio == 1 else Status.VIOLATED


# -- time-based budgets ------------------------------------------------------

@dataclass(frozen=True)
class _Case:
    """The most bad time the SLO lets into one SLA period."""

    period_ms: int
    period_start: Decimal | None  # UTC ms: calendar SLO or SLA; None: any rolling position
    bursts: tuple[Span, ...]  # relative to the period start
    windows: int  # SLO windows that touch the period
    slo_windows: tuple[Span, ...] | None  # calendar SLO windows, relative

    @property
    def bad_ms(self) -> Decimal:
        return sum((b.length for b in self.bursts), ZERO)


def _compare_time(slo: Terms, sla: Terms, b_slo: Decimal, b_sla: Decimal) -> Verdict:
    cases = _time_cases(slo.window, sla.window, b_slo)
    # The worst period has the largest bad share; the first of equals keeps it deterministic.
    worst = max(cases, key=lambda c: c.bad_ms / c.period_ms)
    # An SLA of 100% allows nothing, and the SLO (b_slo > 0 here) allows something.
    ratio = worst.bad_ms / (b_sla * worst.period_ms) if b_sla else None
    status = Status.VIOLATED if ratio is None else _status_of(ratio)
    period = _period_phrase(sla.window, worst)
    how = _how_phrase(slo.window, worst, period)
    bad, allowed = _minutes(worst.bad_ms), _minutes(b_sla * worst.period_ms)
    head = (f"SLO {format_percent(slo.target)} {_window_phrase(slo.window)} "
            f"({_format_range(budget_range_minutes(slo.target, slo.window))} bad minutes per "
            f"window) {'does not prove' if status is Status.VIOLATED else 'proves'} SLA "
            f"{format_percent(sla.target)} {_window_phrase(sla.window)} "
            f"({_format_range(budget_range_minutes(sla.target, sla.window))} bad minutes)")
    if status is Status.VIOLATED:
        reason = (f"{head}: {how}, which lets {format_minutes(bad)} bad minutes into it, more "
                  f"than its {format_minutes(allowed)}")
        return Verdict(status, _sentence(reason), _time_counterexample(slo, sla, worst, period),
                       ratio, Witness(Duration(worst.period_ms), worst.bursts, (),
                                      worst.slo_windows))
    assert ratio is not None
    margin = "with no margin" if status is Status.EQUAL else _budget_share(ratio)
    reason = (f"{head} {margin}: at worst {how}, which lets {format_minutes(bad)} bad minutes "
              f"into it, within its {format_minutes(allowed)}")
    return Verdict(status, _sentence(reason), None, ratio)


def _budget_share(ratio: Decimal) -> str:
    """How much of the SLA's budget the SLO's worst case spends, the headroom in words."""
    return f"using at most {format_decimal(ratio.scaleb(2), 2)}% of the SLA's budget"


def _time_cases(slo_window: Window, sla_window: Window, b: Decimal) -> list[_Case]:
    if slo_window.length is not None:
        return [_rolling_case(slo_window.length.ms, length.ms, b, start)
                for length, start in _sla_lengths(sla_window)]
    bounds = calendar_boundaries(slo_window)
    if sla_window.length is not None:
        span = sla_window.length.ms
        return [_calendar_case(bounds, x, x + span, b)
                for x in _rolling_positions(slo_window, span, b)]
    return [_calendar_case(bounds, Decimal(s), Decimal(e), b)
            for s, e in _calendar_representatives(slo_window, sla_window)]


def _rolling_case(width: int, length: int, b: Decimal, start: Decimal | None) -> _Case:
    """Bursts of b*W at the start of each of the k rolling windows that cover the period."""
    k = -(-length // width)
    budget = b * width
    bursts = tuple(
        Span(Decimal(i * width), min(budget, Decimal(length - i * width))) for i in range(k))
    return _Case(length, start, bursts, k, None)


def _calendar_case(bounds: Sequence[int], start: Decimal, end: Decimal, b: Decimal) -> _Case:
    """Each SLO window overlapping [start, end) lets min(b*|w|, overlap) into it."""
    bursts, windows = [], []
    i = bisect_right(bounds, start) - 1
    while bounds[i] < end:
        cell_start, cell_end = bounds[i], bounds[i + 1]
        windows.append(Span(cell_start - start, Decimal(cell_end - cell_start)))
        first = max(Decimal(cell_start), start)
        amount = min(b * (cell_end - cell_start), min(Decimal(cell_end), end) - first)
        if amount > 0:
            bursts.append(Span(first - start, amount))
        i += 1
    return _Case(int(end - start), start, tuple(bursts), len(windows), tuple(windows))


def _sla_lengths(window: Window) -> list[tuple[Duration, Decimal | None]]:
    """Each distinct SLA period length, with a real period of that length for calendar windows."""
    if window.length is not None:
        return [(window.length, None)]
    starts: dict[int, int] = {}
    for s, e in _recent_first(calendar_periods(window)):
        starts.setdefault(e - s, s)
    return [(length, Decimal(starts[length.ms])) for length in period_lengths(window)]


_NOW_MS = utc_ms(datetime(2025, 1, 1), "UTC")


def _recent_first(periods: Sequence[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """Periods from 2025 on, then the earlier ones: examples a reviewer recognises."""
    cut = bisect_right([s for s, _ in periods], _NOW_MS - 1)
    return [*periods[cut:], *periods[:cut]]


@lru_cache(maxsize=64)
def _calendar_representatives(slo_window: Window, sla_window: Window
                              ) -> tuple[tuple[int, int], ...]:
    """One SLA period of each distinct shape (its length and how SLO windows overlap it)."""
    bounds = calendar_boundaries(slo_window)
    seen: dict[tuple[int, tuple[tuple[int, int], ...]], tuple[int, int]] = {}
    for s, e in _recent_first(calendar_periods(sla_window)):
        seen.setdefault((e - s, _overlaps(bounds, s, e)), (s, e))
    return tuple(seen.values())


def _overlaps(bounds: Sequence[int], start: int, end: int) -> tuple[tuple[int, int], ...]:
    """(window length, overlap) of each SLO window that overlaps [start, end)."""
    i = bisect_right(bounds, start) - 1
    shape = []
    while bounds[i] < end:
        shape.append((bounds[i + 1] - bounds[i], min(bounds[i + 1], end) - max(bounds[i], start)))
        i += 1
    return tuple(shape)


def _rolling_positions(slo_window: Window, span: int, b: Decimal) -> list[Decimal]:
    """Starts of rolling SLA windows among which the most bad time is found.

    The bad time a window at x collects is piecewise linear in x; it bends only
    where x or x+span meets an SLO window edge or a budget's edge, so its
    maximum is at one of those: aligned to a window's start or end, or taking
    exactly the budget of a window's tail or head.
    """
    bounds = calendar_boundaries(slo_window)
    positions: list[Decimal] = []
    for i, backward in _rolling_representatives(slo_window, span):
        cell_start, cell_end = bounds[i], bounds[i + 1]
        budget = b * (cell_end - cell_start)
        if backward:
            positions += [Decimal(cell_end - span), cell_start + budget - span]
        else:
            positions += [Decimal(cell_start), cell_end - budget]
    return positions


@lru_cache(maxsize=64)
def _rolling_representatives(slo_window: Window, span: int) -> tuple[tuple[int, bool], ...]:
    """One SLO window per distinct run of window lengths after it (and before it)."""
    bounds = calendar_boundaries(slo_window)
    forward: dict[tuple[int, ...], int] = {}
    backward: dict[tuple[int, ...], int] = {}
    for i in range(len(bounds) - 1):
        if bounds[i] - span < bounds[0] or bounds[i + 1] + span >= bounds[-1]:
            continue  # too near the edge of the enumerated windows to see a whole run
        ahead = bisect_right(bounds, bounds[i + 1] + span)
        behind = bisect_right(bounds, bounds[i] - span) - 1
        forward.setdefault(_diffs(bounds[i:ahead + 1]), i)
        backward.setdefault(_diffs(bounds[behind:i + 2]), i)
    return tuple([(i, False) for i in forward.values()] + [(i, True) for i in backward.values()])


def _diffs(bounds: Sequence[int]) -> tuple[int, ...]:
    return tuple(b - a for a, b in itertools.pairwise(bounds))


def _period_phrase(sla_window: Window, case: _Case) -> str:
    """``a 31-day month``; ``the month from 2025-03-01 00:00 (Europe/Berlin, 30d23h)``."""
    if sla_window.length is not None:
        return f"a rolling {describe_length(sla_window.length)} window"
    assert sla_window.unit is not None and sla_window.time_zone is not None
    unit = sla_window.unit if sla_window.count == 1 else f"{sla_window.count}-{sla_window.unit}"
    nominal = {"day": MS_PER_DAY, "week": 7 * MS_PER_DAY}.get(unit)
    if case.period_ms == nominal:
        return f"a {unit}"
    if case.period_ms % MS_PER_DAY == 0 and nominal is None:
        return f"a {case.period_ms // MS_PER_DAY}-day {unit}"
    assert case.period_start is not None
    start = local_time(int(case.period_start), sla_window.time_zone)
    return (f"the {unit} from {start:%Y-%m-%d %H:%M} ({sla_window.time_zone}, "
            f"{format_duration(Duration(case.period_ms))})")


def _how_phrase(slo_window: Window, case: _Case, period: str) -> str:
    if slo_window.is_rolling:
        windows = "1 rolling window covers" if case.windows == 1 else \
            f"{case.windows} rolling windows cover"
        return f"{windows} {period}"
    return f"{period} overlaps {case.windows} of the SLO's windows"


def _time_counterexample(slo: Terms, sla: Terms, case: _Case, period: str) -> str:
    amounts = [_minutes(b.length) for b in case.bursts]
    total = _minutes(case.bad_ms)
    allowed = _minutes(sla.budget * case.period_ms)
    if slo.window.length is not None:
        placed = _placed_bursts(case.bursts, amounts)
        return (f"{placed} meet every rolling {describe_length(slo.window.length)} window yet "
                f"break {format_percent(sla.target)} for {period}: {format_minutes(total)} > "
                f"{format_minutes(allowed)} minutes")
    cells = f"{format_window(slo.window)} windows"
    if len(amounts) == 1:
        placed = (f"{format_minutes(total)} bad minutes in {period}, inside one of the SLO's "
                  f"{cells},")
    elif len(set(amounts)) == 1:
        placed = (f"{format_minutes(amounts[0])} bad minutes in each of the {len(amounts)} "
                  f"{cells} that overlap {period}")
    else:
        placed = (f"{_join([format_minutes(a) for a in amounts])} bad minutes in the "
                  f"{len(amounts)} {cells} that overlap {period}")
    return (f"{placed} meet the SLO yet break {format_percent(sla.target)} for it: "
            f"{format_minutes(total)} > {format_minutes(allowed)} minutes")


def _placed_bursts(bursts: Sequence[Span], amounts: Sequence[Decimal]) -> str:
    """``43.2 bad minutes on day 1 and again on day 31``."""
    def when(span: Span) -> str:
        if span.start % MS_PER_DAY == 0:
            return f"on day {int(span.start // MS_PER_DAY) + 1}"
        if span.start == span.start.to_integral_value():
            return f"{format_duration(Duration(int(span.start)))} after the start"
        return f"{format_decimal(span.start / MS_PER_MINUTE, 4)} minutes after the start"

    groups: list[tuple[Decimal, list[str]]] = []
    for span, amount in zip(bursts, amounts):
        if groups and groups[-1][0] == amount:
            groups[-1][1].append(when(span))
        else:
            groups.append((amount, [when(span)]))
    parts = []
    for amount, places in groups:
        where = f"{places[0]} and again {places[1]}" if len(places) == 2 else _join(places)
        parts.append(f"{format_minutes(amount)} bad minutes {where}")
    return _join(parts)


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- occurrences -------------------------------------------------------------

@dataclass(frozen=True)
class _Cut:
    """SLO windows that do not tile the SLA period, and where one sticks out of it."""

    period_ms: int
    why: str
    inside: Decimal | None = None  # in the period and the protruding window (relative ms)
    outside: tuple[Decimal, ...] = ()  # in that window, outside the period
    slo_windows: tuple[Span, ...] | None = None


def _compare_occurrences(slo: Terms, sla: Terms, b_slo: Decimal, b_sla: Decimal) -> Verdict:
    cut = _cut(slo.window, sla.window)
    shares = (f"SLO {format_percent(slo.target)} of requests {_window_phrase(slo.window)} "
              f"({format_percent(b_slo)} may fail) against SLA {format_percent(sla.target)} "
              f"{_window_phrase(sla.window)} ({format_percent(b_sla)} may fail)")
    if b_slo > b_sla:
        return _steady_failures(slo, sla, shares, cut)
    if cut is None:
        ratio = b_slo / b_sla
        margin = "with no margin" if ratio == 1 else _budget_share(ratio)
        return Verdict(_status_of(ratio), _sentence(
            f"{shares}: proven, {margin}; the SLO's windows tile each SLA period, and periods made "
            "of windows that each meet the target meet it too"), None, ratio)
    if cut.inside is None:
        return Verdict(Status.INCOMPARABLE, _sentence(
            f"{shares}: {cut.why}, and a success ratio over overlapping windows bounds the period "
            f"only by what tiles it; use windows that tile the SLA period, such as a "
            f"{_tiling_hint(sla.window)}"))
    return _diluted(slo, sla, shares, cut, b_slo)


def _tiling_hint(window: Window) -> str:
    if window.length is not None:
        return f"rolling window that divides {format_duration(window.length)}"
    return f"calendar {window.unit} or day in {window.time_zone}"


def _steady_failures(slo: Terms, sla: Terms, shares: str, cut: _Cut | None) -> Verdict:
    """Failures at the SLO's own rate meet every SLO window and break the SLA."""
    good, bad = _mix(slo.budget)
    length = cut.period_ms if cut else period_lengths(sla.window)[0].ms
    witness = Witness(Duration(length), traffic=(Traffic(Decimal(length) / 2, good, bad),))
    return Verdict(
        Status.VIOLATED,
        _sentence(f"{shares}: the SLO lets more requests fail than the SLA does"),
        f"requests failing at a steady {format_percent(slo.budget)} meet every SLO window yet "
        f"break {format_percent(sla.target)} for every SLA period: {format_percent(slo.budget)} > "
        f"{format_percent(sla.budget)} of requests failed",
        slo.budget / sla.budget if sla.budget else None, witness)


def _diluted(slo: Terms, sla: Terms, shares: str, cut: _Cut, b_slo: Decimal) -> Verdict:
    """All failures inside the period, the successes that pay for them just outside it."""
    assert cut.inside is not None
    good, bad = _mix(b_slo)
    traffic = (Traffic(cut.inside, 0, bad), *(Traffic(at, good, 0) for at in cut.outside))
    where = "in the same SLO window outside it" if len(cut.outside) == 1 else \
        "just before it and again just after it"
    return Verdict(
        Status.VIOLATED,
        _sentence(f"{shares}: {cut.why}, so successes outside the period can pay for failures "
                  "inside it"),
        f"{_requests(bad, 'failed')} inside the SLA period and {_requests(good, 'successful')} "
        f"{where} meet the SLO at {format_percent(slo.target)} yet leave the period at 0% "
        f"success, below {format_percent(sla.target)}",
        None, Witness(Duration(cut.period_ms), traffic=traffic, slo_windows=cut.slo_windows))


def _requests(count: int, kind: str) -> str:
    return f"{count} {kind} request" + ("" if count == 1 else "s")


def _mix(budget: Decimal) -> tuple[int, int]:
    """Whole good and bad request counts whose failure share is exactly ``budget``."""
    bad, total = budget.as_integer_ratio()
    return total - bad, bad


def _cut(slo_window: Window, sla_window: Window) -> _Cut | None:
    """None when SLO windows tile every SLA period, else how one does not."""
    if slo_window.length is not None:
        return _rolling_cut(slo_window.length.ms, sla_window)
    if sla_window.length is not None:
        return _calendar_cut_rolling(slo_window, sla_window.length.ms)
    bounds = calendar_boundaries(slo_window)
    for s, e in _calendar_representatives(slo_window, sla_window):
        i = bisect_right(bounds, s) - 1
        while bounds[i] < e:
            if bounds[i] < s or bounds[i + 1] > e:
                return _protruding(bounds, i, s, e, sla_window)
            i += 1
    return None


def _rolling_cut(width: int, sla_window: Window) -> _Cut | None:
    lengths = [d.ms for d in period_lengths(sla_window)]
    if all(length % width == 0 for length in lengths):
        return None
    period = _period_words(sla_window)
    short = lengths[0]
    if short < width:
        # Every window over the period sticks out by W - L in all; good traffic
        # half of that before and after it reaches every window that sees the period.
        margin = Decimal(width - short) / 2
        return _Cut(short, f"a {describe_length(Duration(short))} {period} is shorter than the "
                    f"rolling {format_duration(Duration(width))} window",
                    Decimal(short) / 2, (-margin, short + margin))
    odd = next(length for length in lengths if length % width)
    return _Cut(odd, f"rolling {format_duration(Duration(width))} windows do not tile a "
                f"{describe_length(Duration(odd))} {period}")


def _period_words(window: Window) -> str:
    return "window" if window.length is not None else str(window.unit)


def _calendar_cut_rolling(slo_window: Window, span: int) -> _Cut:
    """A rolling SLA window can always straddle a calendar SLO window's edge."""
    bounds = calendar_boundaries(slo_window)
    i = bisect_right(bounds, _NOW_MS)
    cell_start, cell_end = bounds[i], bounds[i + 1]
    inside = Decimal(min(span, cell_end - cell_start)) / 2
    start = cell_end - inside  # the SLA window starts in the SLO window's second half
    return _Cut(span, f"a rolling {format_duration(Duration(span))} window can straddle the "
                "edge of the SLO's calendar windows", inside / 2, ((cell_start - start) / 2,),
                _relative_windows(bounds, i, start, start + span))


def _protruding(bounds: Sequence[int], i: int, start: int, end: int, sla_window: Window) -> _Cut:
    cell_start, cell_end = bounds[i], bounds[i + 1]
    inside = Decimal(max(cell_start, start) + min(cell_end, end)) / 2 - start
    outside = Decimal(cell_start + start) / 2 if cell_start < start else \
        Decimal(end + cell_end) / 2
    zone = str(sla_window.time_zone)
    return _Cut(end - start, f"the SLO window from {local_time(cell_start, zone):%Y-%m-%d %H:%M} "
                f"to {local_time(cell_end, zone):%Y-%m-%d %H:%M} ({zone}) sticks out of the "
                f"{_period_words(sla_window)} from {local_time(start, zone):%Y-%m-%d %H:%M}",
                inside, (outside - start,), _relative_windows(bounds, i, start, end))


def _relative_windows(bounds: Sequence[int], i: int, start: Decimal | int, end: Decimal | int
                      ) -> tuple[Span, ...]:
    """SLO windows from the i-th through those overlapping [start, end), relative to start."""
    first = min(i, bisect_right(bounds, start) - 1)
    spans = []
    j = first
    while bounds[j] < end or j <= i:
        spans.append(Span(bounds[j] - Decimal(start), Decimal(bounds[j + 1] - bounds[j])))
        j += 1
    return tuple(spans)
