"""An adversary that knows nothing of slopolicy's formulas.

It builds concrete behaviours (bad time per slot, requests per slot) that meet
every SLO window and measures the SLA period directly: by exhaustive search,
by a greedy placement proved optimal by that search, or by a linear programme
(``scipy.optimize``) over placements. The verdict tests hold slopolicy's
answers against it. Slots are whole units of time (minutes, hours, days);
a window of W slots is every run of W consecutive slots, wherever it starts,
including runs that stick out of the period.
"""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import product

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
