"""Durations, percents, windows and their formatting (slopolicy.units)."""
from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slopolicy.slo.units import (
    Duration,
    UnitError,
    Window,
    calendar_boundaries,
    calendar_periods,
    duration_ms,
    format_decimal,
    format_duration,
    format_minutes,
    format_percent,
    format_threshold,
    format_window,
    parse_duration,
    parse_shorthand,
    parse_slice_window,
    parse_target,
    parse_threshold,
    period_lengths,
    threshold_readings,
    threshold_unit,
    to_decimal,
    window_from_openslo,
    window_from_sla,
)

DAY = 86_400_000
HOUR = 3_600_000


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("500ms", 500),
        ("30s", 30_000),
        ("1m", 60_000),  # m is minutes, never months
        ("2h", 2 * HOUR),
        ("30d", 30 * DAY),
        ("1w", 7 * DAY),
        ("PT30M", 30 * 60_000),
        ("P28D", 28 * DAY),
        ("PT1H30M", 90 * 60_000),
        ("P1W", 7 * DAY),
        ("P1DT12H", DAY + 12 * HOUR),
        ("PT0.5S", 500),
        (" 4h ", 4 * HOUR),
    ],
)
def test_parse_duration_reads_both_syntaxes_exactly(text: str, ms: int) -> None:
    assert parse_duration(text) == Duration(ms)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("30", "not a duration"),
        ("1M", "no fixed length"),
        ("1.5h", "not a duration"),
        ("-1d", "not a duration"),
        ("P1M", "calendar years or months"),
        ("P1Y", "calendar years or months"),
        ("PT", "not an ISO 8601 duration"),
        ("P", "not an ISO 8601 duration"),
        ("PT0.0001S", "finer than a millisecond"),
        ("", "not a duration"),
    ],
)
def test_parse_duration_rejects_with_a_clear_message(text: str, words: str) -> None:
    with pytest.raises(UnitError, match=words):
        parse_duration(text)


@pytest.mark.parametrize("value", [30, Decimal("1.5"), None, True])
def test_parse_duration_refuses_bare_numbers(value: object) -> None:
    with pytest.raises(UnitError, match="30d, 500ms or PT30M"):
        parse_duration(value)


def test_unit_error_is_a_value_error() -> None:
    assert issubclass(UnitError, ValueError)


@pytest.mark.parametrize(
    ("text", "ms", "shown"),
    [
        ("300ms", Fraction(300), "300ms"),
        ("PT0.3S", Fraction(300), "300ms"),
        ("1s", Fraction(1000), "1s"),
        ("PT0.0001S", Fraction(1, 10), "0.1ms"),
        ("PT0,0015S", Fraction(3, 2), "1.5ms"),
        ("PT1.0000001S", Fraction(10_000_001, 10_000), "1000.0001ms"),
        ("PT0." + "0" * 60 + "1S", Fraction(1, 10 ** 58), "0." + "0" * 57 + "1ms"),
        ("PT0.3" + "0" * 40 + "1S", Fraction(3 * 10 ** 41 + 1, 10 ** 39), "300." + "0" * 38 + "1ms"),
        ("0.5ms", Fraction(1, 2), "0.5ms"),  # as a conversion writes a sub-millisecond bucket
        ("1.5s", Fraction(1500), "1s500ms"),
        ("PT0S", Fraction(0), "0s"),
        ("P0D", Fraction(0), "0s"),
        ("0ms", Fraction(0), "0s"),
    ],
)
def test_a_threshold_is_read_exactly_at_any_precision_and_may_be_zero(
        text: str, ms: Fraction, shown: str) -> None:
    threshold = parse_threshold(text)
    assert threshold.ms == ms and type(threshold.ms) is Decimal
    assert str(threshold) == format_threshold(threshold) == shown
    assert duration_ms(text) == ms


def test_thresholds_order_exactly() -> None:
    fine = [parse_threshold(t) for t in ("PT0S", "PT0." + "0" * 40 + "1S", "PT0.0001S", "1ms",
                                         "PT0.2999999999999999999999999999999999S", "300ms",
                                         "PT0.3000000000000000000000000000000001S")]
    assert fine == sorted(fine) and len(set(fine)) == len(fine)
    assert parse_threshold("PT0.3S") == parse_threshold("300ms")


@pytest.mark.parametrize("text", ["fast", "-1ms", "1.ms", "PT", "P1M", "30"])
def test_a_threshold_that_is_no_duration_is_refused(text: str) -> None:
    with pytest.raises(UnitError):
        parse_threshold(text)


@pytest.mark.parametrize(
    ("text", "fixed"),
    [("12h", Duration(12 * HOUR)), ("4w", Duration(28 * DAY)), ("5m", Duration(300_000)),
     ("1M", None), ("1Q", None), ("1Y", None)],
)
def test_shorthand_calendar_units_have_no_fixed_length(text: str, fixed: Duration | None) -> None:
    assert parse_shorthand(text).fixed == fixed


@pytest.mark.parametrize("text", ["0d", "1s", "1 d", "d", "01d", "1D", 30])
def test_shorthand_follows_the_openslo_pattern(text: object) -> None:
    with pytest.raises(UnitError, match="duration-shorthand"):
        parse_shorthand(text)


@pytest.mark.parametrize(
    ("value", "ms"),
    [(1, 60_000), (5, 300_000), (Decimal(2), 120_000), ("1m", 60_000), ("30s", 30_000)],
)
def test_slice_window_bare_numbers_are_minutes(value: object, ms: int) -> None:
    assert parse_slice_window(value) == Duration(ms)


@pytest.mark.parametrize("value", [0, "1M", Decimal("0.5"), "0s"])
def test_slice_window_rejects_empty_or_calendar_slices(value: object) -> None:
    with pytest.raises(UnitError):
        parse_slice_window(value)


@pytest.mark.parametrize(
    ("target", "percent", "fraction"),
    [
        (Decimal("0.999"), None, Decimal("0.999")),
        (None, Decimal("99.9"), Decimal("0.999")),
        (None, Decimal("99.95"), Decimal("0.9995")),
        (None, 95, Decimal("0.95")),
        (0.999, None, Decimal("0.999")),  # a binary float read through its repr
        (None, 99.95, Decimal("0.9995")),
        (None, "99.9", Decimal("0.999")),
        (1, None, Decimal(1)),
    ],
)
def test_targets_become_exact_fractions(target: object, percent: object, fraction: Decimal) -> None:
    result = parse_target(target, percent)
    assert result == fraction and isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("target", "percent", "words"),
    [
        (None, None, "neither target nor targetPercent"),
        (Decimal("0.9"), Decimal(90), "not both"),
        (Decimal("99.9"), None, "did you mean targetPercent"),
        (None, Decimal("100.5"), "between 0 and 100"),
        (True, None, "must be a number"),
        ("abc", None, "must be a number"),
        (float("nan"), None, "finite"),
    ],
)
def test_bad_targets_are_refused(target: object, percent: object, words: str) -> None:
    with pytest.raises(UnitError, match=words):
        parse_target(target, percent)


def test_a_percent_of_any_length_becomes_a_fraction_exactly() -> None:
    """Past 28 digits a percent is not rounded (the default Decimal context): 45 nines
    stay 45 nines, so 99.4999...95% is not taken for 99.5%."""
    digits = "99.49999999999999999999999999999999999999999995"
    assert parse_target(None, Decimal(digits)) == Decimal("0.9949999999999999999999999999999999999999999995")
    assert parse_target(None, "99." + "9" * 60) == Decimal("0.99" + "9" * 60)


@given(st.decimals(min_value=0, max_value=100, places=4))
def test_percent_and_fraction_agree_exactly(percent: Decimal) -> None:
    assert parse_target(None, percent) * 100 == percent
    assert to_decimal(str(percent)) == percent


# -- windows -----------------------------------------------------------------

def test_openslo_rolling_window() -> None:
    window = window_from_openslo({"duration": "28d", "isRolling": True})
    assert window == Window.rolling(Duration(28 * DAY)) and window.is_rolling


def test_openslo_calendar_window_keeps_zone_and_start() -> None:
    window = window_from_openslo({
        "duration": "1w", "isRolling": False,
        "calendar": {"startTime": "2022-01-01 12:00:00", "timeZone": "America/New_York"},
    })
    assert (window.unit, window.count, window.time_zone) == ("week", 1, "America/New_York")
    assert window.anchor == datetime(2022, 1, 1, 12, 0)


def test_openslo_calendar_window_at_a_natural_start_equals_the_natural_one() -> None:
    window = window_from_openslo({
        "duration": "1M", "calendar": {"startTime": "2024-01-01 00:00:00", "timeZone": "UTC"},
    })
    assert window == Window.calendar("month", 1, "UTC")


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"duration": "1M", "isRolling": True}, "no fixed length"),
        ({"duration": "30d"}, "neither isRolling"),
        ({"duration": "30d", "isRolling": False}, "needs calendar.startTime"),
        ({"duration": "1M", "calendar": {"startTime": "2024-01-01 00:00:00"}},
         "timeZone is required"),
        ({"duration": "1M", "calendar": {"timeZone": "UTC"}}, "startTime is required"),
        ({"duration": "1m", "calendar": {"startTime": "2024-01-01", "timeZone": "UTC"}},
         "1m is minutes; a month is 1M"),
        ({"duration": "1M", "calendar": {"startTime": "2024-01-01", "timeZone": "Mars/Olympus"}},
         "not an IANA time zone"),
        ({"duration": "1M", "calendar": {"startTime": "2024-01-31", "timeZone": "UTC"}},
         "cannot start on day 31"),
        ({"duration": "1M", "calendar": {"startTime": "soon", "timeZone": "UTC"}},
         "local date and time"),
        ({"duration": "30d", "isRolling": "yes"}, "true or false"),
        ("30d", "must be a mapping"),
    ],
)
def test_openslo_window_errors_say_what_is_wrong(item: object, words: str) -> None:
    with pytest.raises(UnitError, match=words):
        window_from_openslo(item)


def test_sla_windows() -> None:
    assert window_from_sla({"calendar": "month", "timeZone": "UTC"}) == Window.calendar("month")
    assert window_from_sla({"rolling": "30d"}) == Window.rolling(Duration(30 * DAY))
    assert window_from_sla({"calendar": "quarter"}).time_zone == "UTC"  # contracts default to UTC


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"calendar": "month", "rolling": "30d"}, "exactly one"),
        ({}, "exactly one"),
        ({"calendar": "fortnight"}, "day, week, month, quarter, year"),
        ({"calendar": "month", "timeZone": "Nowhere/City"}, "not an IANA time zone"),
        ({"rolling": "1M"}, "no fixed length"),
        ({"rolling": "0d"}, "longer than zero"),
    ],
)
def test_sla_window_errors(spec: object, words: str) -> None:
    with pytest.raises(UnitError, match=words):
        window_from_sla(spec)


@pytest.mark.parametrize(
    ("window", "days"),
    [
        (Window.calendar("month"), [28, 29, 30, 31]),
        (Window.calendar("quarter"), [90, 91, 92]),
        (Window.calendar("year"), [365, 366]),
        (Window.calendar("week"), [7]),
        (Window.calendar("day"), [1]),
        (Window.calendar("month", 2, "UTC", datetime(2024, 1, 1)), [59, 60, 61, 62]),
        (Window.rolling(Duration(30 * DAY)), [30]),
    ],
)
def test_period_lengths_in_utc(window: Window, days: list[int]) -> None:
    assert [d.ms for d in period_lengths(window)] == [n * DAY for n in days]


def test_period_lengths_follow_daylight_saving_time() -> None:
    month = [d.ms for d in period_lengths(Window.calendar("month", 1, "Europe/Berlin"))]
    assert 31 * DAY - HOUR in month and 31 * DAY + HOUR in month  # March and October
    day = [d.ms for d in period_lengths(Window.calendar("day", 1, "Europe/Berlin"))]
    assert day == [23 * HOUR, 24 * HOUR, 25 * HOUR]


def test_utc_aliases_share_boundaries() -> None:
    utc = calendar_periods(Window.calendar("month", 1, "UTC"))
    assert calendar_periods(Window.calendar("month", 1, "Etc/UTC")) == utc


def test_calendar_periods_tile_time() -> None:
    periods = calendar_periods(Window.calendar("week", 1, "Australia/Lord_Howe"))
    assert all(a[1] == b[0] for a, b in itertools.pairwise(periods))


# -- formatting --------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("43.2000"), "43.2"),
        (Decimal("44.64"), "44.64"),
        (Decimal("86.40"), "86.4"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.00"), "0"),
        (Decimal("1.23456789"), "1.2346"),
    ],
)
def test_minutes_print_without_exponent_or_trailing_zeros(value: Decimal, text: str) -> None:
    assert format_minutes(value) == text


def test_format_percent_and_decimal() -> None:
    assert format_percent(Decimal("0.999")) == "99.9%"
    assert format_percent(Decimal("0.9995")) == "99.95%"
    assert format_percent(Decimal(1)) == "100%"
    assert format_decimal(Decimal("-0")) == "0"


@pytest.mark.parametrize(
    ("ms", "text"),
    [(30 * DAY, "30d"), (90 * 60_000, "1h30m"), (500, "500ms"), (0, "0s"), (7 * DAY, "7d")],
)
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(Duration(ms)) == text == str(Duration(ms))


@given(st.integers(min_value=0, max_value=10**12))
def test_format_duration_round_trips(ms: int) -> None:
    text = format_duration(Duration(ms))
    assert sum(parse_duration(part).ms for part in _split(text)) == ms


def _split(text: str) -> list[str]:
    import re

    return re.findall(r"[0-9]+(?:ms|[dhms])", text)


@pytest.mark.parametrize(
    ("window", "text"),
    [
        (Window.rolling(Duration(30 * DAY)), "rolling 30d"),
        (Window.calendar("month"), "calendar month (UTC)"),
        (Window.calendar("month", 2, "UTC", datetime(2024, 2, 1)),
         "calendar 2 months (UTC, from 2024-02-01 00:00)"),
        (Window.calendar("week", 1, "America/New_York", datetime(2022, 1, 1, 12)),
         "calendar week (America/New_York, from 2022-01-01 12:00)"),
    ],
)
def test_format_window(window: Window, text: str) -> None:
    assert format_window(window) == text == str(window)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.sampled_from(["day", "week", "month", "year"]))
def test_calendar_windows_with_a_count_tile_time(count: int, unit: str) -> None:
    window = Window.calendar(unit, count, "UTC", datetime(2001, 1, 1))  # type: ignore[arg-type]
    periods = calendar_periods(window)
    assert periods and all(a[1] == b[0] for a, b in itertools.pairwise(periods))


@pytest.mark.parametrize(
    ("unit", "count"),
    [("month", 120_000), ("year", 10_000), ("month", 99_999_999_999), ("quarter", 40_000),
     ("day", 4_000_000), ("week", 10 ** 30), ("year", 5_000)],
)
def test_a_calendar_window_too_long_for_any_calendar_is_a_unit_error(unit: str, count: int
                                                                      ) -> None:
    """Windows whose neighbours leave the years 2 to 9998: a UnitError that names the
    window, never a ValueError or an OverflowError from datetime."""
    window = Window.calendar(unit, count, "UTC", datetime(2025, 1, 1))  # type: ignore[arg-type]
    for span in (None, (1_735_689_600_000, 1_767_225_600_000)):
        with pytest.raises(UnitError, match="calendar windows cannot be computed") as caught:
            calendar_boundaries(window, span)
        assert f"{count} {unit}s" in str(caught.value)
        with pytest.raises(UnitError):
            period_lengths(window, span)


def test_threshold_readings_keep_every_digit() -> None:
    threshold = parse_threshold("PT0.3" + "0" * 40 + "1S")
    assert threshold_readings(threshold) == (
        ("seconds", Decimal("0.3" + "0" * 40 + "1")), ("milliseconds", Decimal("300." + "0" * 38 + "1")))
    assert threshold_unit(Decimal("0.3"), threshold) is None
    assert threshold_unit(Decimal("0.3" + "0" * 40 + "1"), threshold) == "seconds"
