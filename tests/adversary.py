"""An adversary that knows nothing of slopolicy's formulas.

It builds concrete behaviours (bad time per slot, requests per slot) that meet
every SLO window and measures the SLA period directly: by exhaustive search,
by a greedy placement proved optimal by that search, or by a linear programme
(``scipy.optimize``) over placements. The verdict tests hold slopolicy's
answers against it. Slots are whole units of time (minutes, hours, days);
a window of W slots is every run of W consecutive slots, wherever it starts,
including runs that stick out of the period. Calendar windows and periods come
from the tz database alone (the last section).
"""
from __future__ import annotations

import importlib.resources
import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from itertools import product
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

# -- time: bad time (or bad slices) per slot -----------------------------------


def most_bad_slots(slots: int, window: int, cap: int) -> int:
    """The most bad slots in a period when any ``window`` slots hold at most ``cap``.

    Greedy, earliest first: a slot goes bad whenever the window ending at it has room.
    """
    chosen: list[int] = []
    for slot in range(slots):
        if cap and sum(1 for q in chosen[-cap:] if q > slot - window) < cap:
            chosen.append(slot)
    return len(chosen)


def most_bad_slots_exhaustively(slots: int, window: int, cap: int) -> int:
    best = 0
    for mask in range(1 << slots):
        bits = [(mask >> i) & 1 for i in range(slots)]
        if all(sum(bits[max(0, end - window):end]) <= cap for end in range(1, slots + 1)):
            best = max(best, sum(bits))
    return best


def most_bad_time(slots: int, rules: Sequence[tuple[int, float]], whole: bool = False) -> float:
    """The most bad time (slot units) in a period of ``slots`` slots when every run of
    ``width`` slots holds at most ``cap`` of it, for each (width, cap) of ``rules``.

    A linear programme; with ``whole`` every slot is all bad or all good (Timeslices),
    an integer programme.
    """
    rows, limits = [], []
    for width, cap in rules:
        for end in range(1, slots + width):  # runs clipped to the period
            row = np.zeros(slots)
            row[max(0, end - width):min(end, slots)] = 1
            rows.append(row)
            limits.append(cap)
    if whole:
        found = milp(c=-np.ones(slots), constraints=[LinearConstraint(np.array(rows), -np.inf,
                                                                      np.array(limits))],
                     integrality=np.ones(slots), bounds=Bounds(0, 1))
        return float(-found.fun)
    result = linprog(-np.ones(slots), A_ub=np.array(rows), b_ub=np.array(limits),
                     bounds=[(0, 1)] * slots, method="highs")
    return float(-result.fun)


# -- requests: good and bad requests per slot ---------------------------------


def worst_failure_share(period: int, windows: Sequence[tuple[int, int]], budget: float,
                        ratio: float | None = None) -> float:
    """The highest failure share of the period's slots ``[0, period)`` over every placement
    of requests that keeps each SLO window ``[start, end)`` (slots, may stick out of the
    period) at a failure share of at most ``budget``.

    A linear programme: bad and good requests per slot, the period's requests
    normalised to 1. With ``ratio``, every slot of the period and of the windows carries
    between q and ratio*q requests, for a common q.
    """
    low = min([0, *(s for s, _ in windows)])
    high = max([period, *(e for _, e in windows)])
    n = high - low  # slots; variables: bad[n], good[n], q
    size = 2 * n + 1
    rows, limits = [], []
    for start, end in windows:
        row = np.zeros(size)
        for t in range(start - low, end - low):
            row[t] += 1 - budget
            row[n + t] -= budget
        rows.append(row)
        limits.append(0.0)
    if ratio is not None:
        for t in range(n):
            upper, lower = np.zeros(size), np.zeros(size)
            upper[t] = upper[n + t] = 1
            upper[-1] = -ratio
            lower[t] = lower[n + t] = -1
            lower[-1] = 1
            rows += [upper, lower]
            limits += [0.0, 0.0]
    inside = np.zeros(size)
    inside[-low:period - low] = 1
    inside[n - low:n + period - low] = 1
    objective = np.zeros(size)
    objective[-low:period - low] = -1
    result = linprog(objective, A_ub=np.array(rows), b_ub=np.array(limits),
                     A_eq=np.array([inside]), b_eq=[1.0], bounds=[(0, None)] * size,
                     method="highs")
    assert result.status == 0, result.message
    return float(-result.fun)


def rolling_windows(width: int, period: int) -> list[tuple[int, int]]:
    """Every run of ``width`` slots that overlaps the period."""
    return [(start, start + width) for start in range(1 - width, period)]


def most_bad_ratio_time(slices: int, width: int, budget: Fraction, ratio: int) -> Fraction:
    """The most bad time (in slices) a RatioTimeslices period of ``slices`` slices can
    hold when requests over every run of ``width`` slices fail at most ``budget`` and
    each slice carries 1 or ``ratio`` units of traffic (every such pattern tried): the
    best bad counts per pattern by a linear programme, the slices' failure ratios summed.
    """
    best = Fraction(0)
    for rates in product((1, ratio), repeat=slices):
        rows, limits = [], []
        for start in range(0, slices - width + 1):
            row = np.zeros(slices)
            row[start:start + width] = 1
            rows.append(row)
            limits.append(float(budget) * sum(rates[start:start + width]))
        objective = -np.array([1 / r for r in rates], dtype=float)
        result = linprog(objective, A_ub=np.array(rows), b_ub=np.array(limits),
                         bounds=[(0, r) for r in rates], method="highs")
        best = max(best, Fraction(-result.fun).limit_denominator(10 ** 9))
    return best


# -- latency: which requests a threshold objective counts as good -----------------

# An OpenSLO thresholdMetric objective compares the SLI's value with ``value`` by ``op``.
THRESHOLD_OPS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


def latency_counterexample(op: str, value: Fraction, unit_ms: int, sla_ms: int
                           ) -> Fraction | None:
    """A latency (ms) that the objective ``op value``, over an SLI reporting in units of
    ``unit_ms`` milliseconds, counts as good and an SLA "within ``sla_ms``" counts as bad;
    None when there is none.

    Every request at that latency is the behaviour: each slice (or request) is good for
    the SLO and bad for the SLA, so it meets any SLO target and breaks any SLA target
    below 100%. Tried: latencies from a microsecond to 14 hours (1, 2 and 5 times each power
    of ten), the objective's own bound and the SLA's, and a microsecond either side of each.
    """
    bound = value * unit_ms
    tried = {Fraction(m * 10 ** e, 1000) for e in range(11) for m in (1, 2, 5)}
    for edge in (bound, Fraction(sla_ms)):
        tried |= {edge - Fraction(1, 1000), edge, edge + Fraction(1, 1000)}
    for latency in sorted(t for t in tried if t > 0):
        if THRESHOLD_OPS[op](latency / unit_ms, value) and latency > sla_ms:
            return latency
    return None


def iso_ms(text: str) -> Fraction:
    """The length in ms of an ISO 8601 duration of days, hours, minutes and decimal
    seconds (``PT0.0001S``, ``P1DT2H``), read digit by digit: no slopolicy code."""
    match = re.fullmatch(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9.]+)S)?)?", text)
    assert match, text
    days, hours, minutes, seconds = (group or "0" for group in match.groups())
    whole, _, decimals = seconds.partition(".")
    exact = Fraction(int(whole + decimals), 10 ** len(decimals))
    return ((int(days) * 24 + int(hours)) * 60 + int(minutes)) * 60_000 + exact * 1000


def fine_latency_counterexample(slo_ms: Fraction, sla_ms: Fraction) -> Fraction | None:
    """A latency (ms) that an SLO "within ``slo_ms``" counts as good and an SLA "within
    ``sla_ms``" as bad, at any precision: None when there is none.

    Tried: 1, 2 and 5 times each power of ten from 10^-40 ms to 10^9 ms, each bound,
    and each bound moved by a part in 10^60 either way, and the midpoint of the two.
    """
    tried = {Fraction(m) * Fraction(10) ** e for e in range(-40, 10) for m in (1, 2, 5)}
    tiny = Fraction(1, 10 ** 60)
    for edge in (slo_ms, sla_ms):
        tried |= {edge - tiny, edge, edge + tiny}
    tried.add((slo_ms + sla_ms) / 2)
    for latency in sorted(t for t in tried if t >= 0):
        if latency <= slo_ms and latency > sla_ms:
            return latency
    return None


# -- calendars: real periods and windows, from the tz database alone ----------------
#
# Time in whole minutes since the UTC epoch. Calendar windows are computed here from
# the tzdata package (the zone data slopolicy bundles) and local date arithmetic,
# never from slopolicy's own calendar code, and bounded by what each window allows.

def _zone(name: str) -> ZoneInfo:
    with importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
        return ZoneInfo.from_file(f, key=name)


def local_minute(moment: datetime, zone: str) -> int:
    """The UTC minute of a local wall-clock time (which must exist in the zone)."""
    seconds = moment.replace(tzinfo=_zone(zone)).astimezone(timezone.utc).timestamp()
    return int(seconds) // 60


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def calendar_cells(unit: str, count: int, zone: str, anchor: datetime, lo: int, hi: int
                   ) -> list[tuple[int, int]]:
    """Every window (start, end) of ``count`` ``unit``s from the local ``anchor`` on (and
    before it: they repeat) that overlaps the minutes [lo, hi)."""
    def start(k: int) -> int:
        if unit in ("day", "week"):
            moment = anchor + timedelta(days=k * count * (7 if unit == "week" else 1))
        else:
            months = k * count * {"month": 1, "quarter": 3, "year": 12}[unit]
            moment = datetime.combine(_months_later(anchor.date(), months), anchor.time())
        return local_minute(moment, zone)

    k = (lo - start(0)) // (count * {"day": 1440, "week": 10080, "month": 44640,
                                     "quarter": 133920, "year": 527040}[unit]) - 1
    while start(k) > lo:
        k -= 1
    cells = []
    while start(k) < hi:
        if start(k + 1) > lo:
            cells.append((start(k), start(k + 1)))
        k += 1
    return cells


def calendar_periods(kind: str, zone: str, first: date, until: date) -> list[tuple[int, int]]:
    """An SLA's calendar periods (natural boundaries) that overlap its days [first, until)."""
    anchor = {"day": first, "week": first - timedelta(days=first.weekday()),
              "month": first.replace(day=1),
              "quarter": first.replace(month=(first.month - 1) // 3 * 3 + 1, day=1),
              "year": first.replace(month=1, day=1)}[kind]
    return calendar_cells(kind, 1, zone, datetime.combine(anchor, datetime.min.time()),
                          local_minute(datetime.combine(first, datetime.min.time()), zone),
                          local_minute(datetime.combine(until, datetime.min.time()), zone))


def bad_time_in(period: tuple[int, int], cells: Sequence[tuple[int, int]],
                cap: Callable[[int], Fraction]) -> Fraction:
    """The most bad time calendar SLO windows let into a period: each window alone at most
    its cap, and only what of it lies in the period (its budget at that inner end)."""
    start, end = period
    return sum((min(cap(e - s), Fraction(min(e, end) - max(s, start)))
                for s, e in cells if min(e, end) > max(s, start)), Fraction(0))


def bad_time_rolling(length: int, width: int, cap: Fraction) -> Fraction:
    """The most bad time a rolling window of ``width`` (allowing ``cap``) lets into
    ``length``: a burst at the start of each width, the last one cut by the end."""
    k = -(-length // width)
    return (k - 1) * cap + min(cap, Fraction(length - (k - 1) * width))


def bad_time_in_rolling_window(length: int, cells: Sequence[tuple[int, int]],
                               cap: Callable[[int], Fraction], lo: int, hi: int,
                               step: int) -> Fraction:
    """The most bad time calendar windows let into a rolling window of ``length`` minutes
    that starts on a ``step`` and overlaps [lo, hi): piecewise linear in its start, so
    tried at every start where it bends (rounded both ways to a step) and at both ends."""
    candidates = {(lo - length) // step * step + step, (hi - 1) // step * step}
    for s, e in cells:
        c = cap(e - s)
        for x in (s, e - c, e - length, s + c - length):
            candidates |= {math.floor(x / step) * step, math.ceil(x / step) * step}
    return max(bad_time_in((x, x + length), cells, cap)
               for x in candidates if x + length > lo and x < hi)
