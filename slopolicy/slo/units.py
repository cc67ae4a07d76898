"""Durations, percents, latency thresholds and measurement windows.

Everything here is exact: durations are whole milliseconds, latency
thresholds exact decimals of a millisecond at any number of digits
(``PT0.0001S`` is 0.1 ms), targets are ``decimal.Decimal`` fractions. A YAML float reaches us as the ``Decimal`` of
its source text, so ``99.95`` stays ``99.95``; a stray binary float is read
through ``str()`` for the same reason. Bad input raises ``UnitError`` with a
message that names the value and says what would be accepted.

Two duration languages meet here. slopolicy's own (SLA documents) is
``<integer><unit>`` with ``ms s m h d w`` (``m`` is minutes, always) or ISO
8601 (``PT30M``, ``P28D``); calendar periods are named words, never units.
OpenSLO's duration-shorthand is ``[1-9][0-9]*[mhdwMQY]`` where ``M Q Y`` are
calendar months, quarters and years: they have no fixed length, so they only
ever become calendar windows.
"""
from __future__ import annotations

import importlib.resources
import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Decimal, Inexact, InvalidOperation, localcontext
from functools import cache, lru_cache
from typing import Literal, cast
from zoneinfo import ZoneInfo

from msgspec import Struct


class UnitError(ValueError):
    """A duration, percent, threshold or window that cannot be read."""


class BeyondCalendars(UnitError):
    """A calendar window whose windows leave the years a calendar is computed for."""

    def __init__(self, message: str, window: Window) -> None:
        super().__init__(message)
        self.window = window


# -- durations ---------------------------------------------------------------

MS_PER_UNIT: Mapping[str, int] = {
    "ms": 1,
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
MS_PER_MINUTE = 60_000
MS_PER_DAY = 86_400_000

_DURATION = re.compile(r"([0-9]+)(ms|s|m|h|d|w)")
_ISO_DURATION = re.compile(
    r"P(?:(?P<Y>[0-9]+)Y)?(?:(?P<Mo>[0-9]+)M)?(?:(?P<W>[0-9]+)W)?(?:(?P<D>[0-9]+)D)?"
    r"(?:T(?:(?P<H>[0-9]+)H)?(?:(?P<Mi>[0-9]+)M)?(?:(?P<S>[0-9]+(?:[.,][0-9]+)?)S)?)?"
)


class Duration(Struct, frozen=True, order=True):
    """An exact length of time, in whole milliseconds."""

    ms: int

    def __post_init__(self) -> None:
        if isinstance(self.ms, bool) or not isinstance(self.ms, int) or self.ms < 0:
            raise UnitError(f"a duration is a whole number of milliseconds >= 0, not {self.ms!r}")

    @classmethod
    def of(
        cls, *, weeks: int = 0, days: int = 0, hours: int = 0, minutes: int = 0,
        seconds: int = 0, ms: int = 0,
    ) -> Duration:
        return cls(
            weeks * MS_PER_UNIT["w"] + days * MS_PER_DAY + hours * MS_PER_UNIT["h"]
            + minutes * MS_PER_MINUTE + seconds * MS_PER_UNIT["s"] + ms
        )

    @property
    def minutes(self) -> Decimal:
        return exact_div(Decimal(self.ms), Decimal(MS_PER_MINUTE))

    @property
    def days(self) -> Decimal:
        return exact_div(Decimal(self.ms), Decimal(MS_PER_DAY))

    def __str__(self) -> str:
        return format_duration(self)


def parse_duration(value: object) -> Duration:
    """``30d``, ``500ms``, ``1m`` (a minute), ``PT1H30M``, ``P1W`` -> Duration.

    A bare number is refused: without a unit nobody can tell what it means.
    """
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise UnitError(f"a duration is written like 30d, 500ms or PT30M, not {value!r}")
    text = value.strip()
    match = _DURATION.fullmatch(text)
    if match:
        return Duration(_count(match.group(1), text) * MS_PER_UNIT[match.group(2)])
    if text.startswith("P"):
        ms = _iso_ms(text)
        if ms != ms.to_integral_value():
            raise UnitError(f"{_shown(text)} is finer than a millisecond")
        return Duration(_count(format(ms.to_integral_value(), "f"), text, "milliseconds"))
    hint = ""
    if re.fullmatch(r"[0-9]+[MQY]", text):
        hint = ": months, quarters and years have no fixed length; name a calendar period instead"
    raise UnitError(
        f"{value!r} is not a duration: write <integer><unit> with unit ms, s, m (minutes), "
        f"h, d or w, or ISO 8601 like PT30M{hint}"
    )


# Counts and lengths beyond this many digits (a billion billion years of milliseconds)
# are refused: no window or slice is that long, and Python reads no integer of over
# 4,300 digits without a limit lifted for the whole process.
MAX_DIGITS = 30


def _count(digits: str, text: str, what: str = "") -> int:
    """The integer ``digits`` (a count of ``what``) of the duration ``text``; UnitError
    past MAX_DIGITS."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > MAX_DIGITS:
        size = f"is {len(digits)} digits of {what} long" if what else \
            f"counts {len(digits)} digits"
        raise UnitError(f"{_shown(text)} {size}: no window or slice is that long (slopolicy "
                        f"reads counts of up to {MAX_DIGITS} digits)")
    return int(digits)


def _shown(text: str) -> str:
    """``text`` quoted, its middle left out when it is long."""
    return repr(text) if len(text) <= 60 else repr(f"{text[:28]}...{text[-28:]}")


def _exact(compute: Callable[[], Decimal]) -> Decimal:
    """``compute()`` in a context that keeps every digit, and says so if it could not."""
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = MAX_PREC, MAX_EMAX, MIN_EMIN
        ctx.traps[Inexact] = True
        return compute()


def _iso_ms(text: str) -> Decimal:
    """The exact length in ms of an ISO 8601 duration, every digit of its seconds kept."""
    match = _ISO_DURATION.fullmatch(text)
    parts = match.groupdict() if match else {}
    if not match or not any(parts.values()) or text.endswith("T"):
        raise UnitError(f"{text!r} is not an ISO 8601 duration like PT30M, P28D or PT1H30M")
    if any(c != "0" for c in (parts["Y"] or "0") + (parts["Mo"] or "0")):
        raise UnitError(
            f"{text!r} counts calendar years or months, which have no fixed length; "
            "use days or weeks (P30D, P4W)"
        )
    seconds = shift_point(Decimal((parts["S"] or "0").replace(",", ".")), 3)
    sizes = (("W", MS_PER_UNIT["w"]), ("D", MS_PER_DAY), ("H", MS_PER_UNIT["h"]),
             ("Mi", MS_PER_MINUTE))
    return _exact(lambda: sum((Decimal(parts[key] or 0) * size for key, size in sizes),
                              seconds))


def duration_ms(value: object) -> Decimal:
    """The exact length in milliseconds of a duration, however fine: ``PT0.0001S`` is 0.1,
    ``0.5ms`` (as a conversion writes a sub-millisecond bucket) 0.5. UnitError when it is
    no duration."""
    if isinstance(value, Duration):
        return Decimal(value.ms)
    if isinstance(value, Threshold):
        return value.ms
    if not isinstance(value, str):
        raise UnitError(f"a duration is written like 30d, 500ms or PT30M, not {value!r}")
    text = value.strip()
    match = _DECIMAL_DURATION.fullmatch(text)
    if match:
        number, unit = Decimal(match.group(1)), MS_PER_UNIT[match.group(2)]
        return _exact(lambda: number * unit)
    if text.startswith("P"):
        return _iso_ms(text)
    return Decimal(parse_duration(text).ms)  # raises, with the words parse_duration has


_DECIMAL_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)")


class Threshold(Struct, frozen=True, order=True):
    """A latency threshold: an exact length of time >= 0 in milliseconds, a Decimal with
    every digit written (``PT0.0001S`` is 0.1; ``0`` no request is fast enough for)."""

    ms: Decimal

    def __post_init__(self) -> None:
        if type(self.ms) is not Decimal or not self.ms.is_finite() or self.ms < 0:
            raise UnitError(f"a threshold is a Decimal of milliseconds >= 0, not {self.ms!r}")

    def __str__(self) -> str:
        return format_threshold(self)


def parse_threshold(value: object) -> Threshold:
    """A latency threshold (``300ms``, ``1s``, ``PT0.0001S``, ``PT0S``): exact, and >= 0."""
    return Threshold(duration_ms(value))


def format_threshold(threshold: Threshold) -> str:
    """``300ms``, ``1s``, ``0s`` in slopolicy's own syntax; a length that is no whole
    number of milliseconds as its exact decimal of them: ``0.1ms``, ``1000.0001ms``."""
    ms = threshold.ms
    if ms == ms.to_integral_value() and ms.adjusted() < 18:  # a number any int holds
        return format_duration(Duration(int(ms)))
    return f"{format(_exact(ms.normalize), 'f')}ms"


# The units latency SLIs report in (Prometheus and OpenTelemetry: seconds; many
# APM tools: milliseconds), by the number of milliseconds in one.
LATENCY_UNITS: tuple[tuple[str, int], ...] = (("seconds", 1_000), ("milliseconds", 1))


def threshold_readings(threshold: Threshold) -> tuple[tuple[str, Decimal], ...]:
    """``threshold`` as an SLI's number in each unit of LATENCY_UNITS: 300ms is 0.3 and 300,
    exactly (a size is a power of ten: the point moves)."""
    return tuple((unit, _exact(shift_point(threshold.ms, -(len(str(size)) - 1)).normalize))
                 for unit, size in LATENCY_UNITS)


def threshold_unit(value: Decimal, threshold: Threshold) -> str | None:
    """The unit of LATENCY_UNITS in which the number ``value`` is ``threshold``, if one."""
    for unit, amount in threshold_readings(threshold):
        if value == amount:
            return unit
    return None


# -- OpenSLO duration-shorthand ----------------------------------------------

_SHORTHAND = re.compile(r"([1-9][0-9]*)([mhdwMQY])")
_SHORTHAND_FIXED = {"m": "m", "h": "h", "d": "d", "w": "w"}

CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
CALENDAR_UNITS: tuple[CalendarUnit, ...] = ("day", "week", "month", "quarter", "year")
_SHORTHAND_CALENDAR: Mapping[str, CalendarUnit] = {
    "d": "day", "w": "week", "M": "month", "Q": "quarter", "Y": "year",
}


class Shorthand(Struct, frozen=True):
    """An OpenSLO duration-shorthand: a count and a case-sensitive unit."""

    count: int
    unit: str  # one of m h d w M Q Y

    @property
    def fixed(self) -> Duration | None:
        """The exact length, or None for calendar months, quarters and years."""
        unit = _SHORTHAND_FIXED.get(self.unit)
        return Duration(self.count * MS_PER_UNIT[unit]) if unit else None

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_shorthand(value: object) -> Shorthand:
    if not isinstance(value, str) or not _SHORTHAND.fullmatch(value.strip()):
        raise UnitError(
            f"{value!r} is not an OpenSLO duration-shorthand: a positive integer and one of "
            "m h d w M Q Y, like 28d, 4w or 1M"
        )
    text = value.strip()
    return Shorthand(_count(text[:-1], text), text[-1])


def parse_slice_window(value: object) -> Duration:
    """OpenSLO ``timeSliceWindow``: a number of minutes or a fixed shorthand (``1m``, ``5m``).

    Seconds and ISO durations are accepted too, for the SLA's ``timeSlice.window``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    elif isinstance(value, Decimal) and value == value.to_integral_value():
        minutes = int(value)
    else:
        if isinstance(value, str) and _SHORTHAND.fullmatch(value.strip()):
            fixed = parse_shorthand(value).fixed
            if fixed is None:
                raise UnitError(f"a time slice of {value!r} has no fixed length")
            return fixed
        duration = parse_duration(value)
        if duration.ms == 0:
            raise UnitError("a time slice must be longer than zero")
        return duration
    if minutes <= 0:
        raise UnitError(f"a time slice must be longer than zero, not {value!r}")
    return Duration(minutes * MS_PER_MINUTE)


# -- numbers and percents ----------------------------------------------------

def to_decimal(value: object, what: str = "value") -> Decimal:
    """An exact Decimal from YAML data; binary floats go through their shortest repr."""
    if isinstance(value, bool) or value is None:
        raise UnitError(f"{what} must be a number, not {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise UnitError(f"{what} must be a number, not {value!r}") from None
    else:
        raise UnitError(f"{what} must be a number, not {value!r}")
    if not number.is_finite():
        raise UnitError(f"{what} must be a finite number, not {value!r}")
    return number


def percent_to_fraction(percent: object, what: str = "targetPercent") -> Decimal:
    number = to_decimal(percent, what)
    if not 0 <= number <= 100:
        raise UnitError(f"{what} is a percent between 0 and 100, not {number}")
    return shift_point(number, -2)


def shift_point(number: Decimal, places: int) -> Decimal:
    """``number`` times 10**places, exactly: ``scaleb`` and ``*`` round to the context's
    28 digits, which would take 99.4999...95% (45 digits) for 99.5%."""
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        raise UnitError(f"not a finite number: {number}")
    return Decimal((sign, digits, exponent + places))


def parse_fraction(value: object, what: str = "target") -> Decimal:
    number = to_decimal(value, what)
    if not 0 <= number <= 1:
        raise UnitError(
            f"{what} is a fraction between 0 and 1, not {number}"
            + (" (did you mean targetPercent?)" if 1 < number <= 100 else "")
        )
    return number


def parse_target(target: object = None, target_percent: object = None) -> Decimal:
    """``target`` (0.999) or ``targetPercent`` (99.9), exactly one, as a fraction."""
    if target is not None and target_percent is not None:
        raise UnitError("give target or targetPercent, not both")
    if target is not None:
        return parse_fraction(target, "target")
    if target_percent is not None:
        return percent_to_fraction(target_percent, "targetPercent")
    raise UnitError("the objective has neither target nor targetPercent")


# -- time zones --------------------------------------------------------------

# Names the tz database defines as plain UTC: they share every boundary, so
# they count as one zone, and they need no database lookup.
UTC_NAMES = frozenset({
    "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
    "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0",
    "Etc/Greenwich", "Greenwich",
})


@cache
def zone(name: str) -> tzinfo:
    """The zone of an IANA name; UnitError for a name the tz database lacks.

    Zones come from the ``tzdata`` package slopolicy depends on, as the schema's
    zone list does, so a verdict never depends on the host's zoneinfo.
    """
    if name in UTC_NAMES:
        return timezone.utc
    if name not in _bundled_zone_names():
        raise UnitError(f"{name!r} is not an IANA time zone (like UTC or Europe/Berlin)")
    with importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
        return ZoneInfo.from_file(f, key=name)


@cache
def _bundled_zone_names() -> frozenset[str]:
    listing = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in listing.splitlines() if line.strip())


def parse_date(value: object) -> date | None:
    """A YAML date (kept as its text, or a date) as a date; None when it is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value is not None else None
    except ValueError:
        return None


def window_zone(window: object) -> tzinfo:
    """The zone of an SLA ``spec.window`` (UTC when it names none, or an unknown one)."""
    name = window.get("timeZone", "UTC") if isinstance(window, Mapping) else "UTC"
    try:
        return zone(str(name))
    except UnitError:
        return timezone.utc


def same_zone(a: str, b: str) -> bool:
    return a == b or (a in UTC_NAMES and b in UTC_NAMES)


# -- windows -----------------------------------------------------------------

_UNIT_DAYS: Mapping[str, int] = {"day": 1, "week": 7}
_UNIT_MONTHS: Mapping[str, int] = {"month": 1, "quarter": 3, "year": 12}

# Natural boundaries: midnight, ISO weeks from Monday, months from the 1st,
# quarters from January, April, July and October, years from January.
_NATURAL_DAY_REFERENCE = datetime(2000, 1, 3)  # a midnight, and a Monday for weeks
_NATURAL_MONTH_REFERENCE = datetime(2000, 1, 1)  # a month, quarter and year start


class Window(Struct, frozen=True):
    """A measurement window: rolling (an exact length) or calendar-aligned.

    A calendar window is ``count`` calendar ``unit``s in ``time_zone``, starting
    at the local wall-clock ``anchor`` (OpenSLO's ``calendar.startTime``); no
    anchor means the natural boundaries (midnight, Monday, the 1st, January).
    """

    length: Duration | None = None
    unit: CalendarUnit | None = None
    count: int = 1
    time_zone: str | None = None
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        if (self.length is None) == (self.unit is None):
            raise UnitError("a window is either rolling (a length) or calendar (a unit)")
        if self.length is not None:
            if self.length.ms == 0:
                raise UnitError("a rolling window must be longer than zero")
            return
        if self.unit not in CALENDAR_UNITS:
            raise UnitError(f"calendar windows are {', '.join(CALENDAR_UNITS)}, not {self.unit!r}")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise UnitError(f"a calendar window counts at least one {self.unit}")
        if self.time_zone is None:
            raise UnitError("a calendar window needs a time zone")
        zone(self.time_zone)
        if self.anchor is not None and self.unit in _UNIT_MONTHS and self.anchor.day > 28:
            # Day 29-31 does not exist in every month, so the window start would drift.
            raise UnitError(f"a {self.unit} window cannot start on day {self.anchor.day}")

    @classmethod
    def rolling(cls, length: Duration) -> Window:
        return cls(length=length)

    @classmethod
    def calendar(
        cls, unit: CalendarUnit, count: int = 1, time_zone: str = "UTC",
        anchor: datetime | None = None,
    ) -> Window:
        if anchor is not None and count == 1 and _is_natural_start(unit, anchor):
            anchor = None  # the same windows as the natural ones: compare them as equal
        return cls(unit=unit, count=count, time_zone=time_zone, anchor=anchor)

    @property
    def is_rolling(self) -> bool:
        return self.length is not None

    def __str__(self) -> str:
        return format_window(self)


def _is_natural_start(unit: CalendarUnit, anchor: datetime) -> bool:
    if anchor.time() != datetime.min.time():
        return False
    if unit == "day":
        return True
    if unit == "week":
        return anchor.weekday() == 0
    if anchor.day != 1:
        return False
    return unit == "month" or (unit == "quarter" and anchor.month % 3 == 1) or anchor.month == 1


def _parse_local_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("T", " ", 1))
        except ValueError:
            pass
    raise UnitError(f"calendar.startTime is a local date and time like 2024-01-01 00:00:00, "
                    f"not {value!r}")


def window_from_openslo(item: object) -> Window:
    """An OpenSLO ``timeWindow[0]`` item -> Window."""
    if not isinstance(item, Mapping):
        raise UnitError("timeWindow[0] must be a mapping with duration and isRolling or calendar")
    shorthand = parse_shorthand(item.get("duration"))
    calendar = item.get("calendar")
    rolling = item.get("isRolling")
    if rolling is None:
        # OpenSLO: isRolling defaults to false when a calendar is given.
        if calendar is None:
            raise UnitError("timeWindow[0] says neither isRolling: true nor a calendar")
        rolling = False
    if rolling is True:
        fixed = shorthand.fixed
        if fixed is None:
            raise UnitError(
                f"a rolling window of {shorthand} has no fixed length; write it in days or "
                "weeks (30d, 4w)"
            )
        return Window.rolling(fixed)
    if rolling is not False:
        raise UnitError(f"isRolling is true or false, not {rolling!r}")
    if not isinstance(calendar, Mapping):
        raise UnitError("a calendar-aligned timeWindow needs calendar.startTime and timeZone")
    unit = _SHORTHAND_CALENDAR.get(shorthand.unit)
    if unit is None:
        hint = f" ({shorthand} is minutes; a month is {shorthand.count}M)" \
            if shorthand.unit == "m" else ""
        raise UnitError(f"calendar windows are counted in d, w, M, Q or Y, not {shorthand}{hint}")
    time_zone = calendar.get("timeZone")
    if not isinstance(time_zone, str):
        raise UnitError("calendar.timeZone is required: the IANA zone the window follows")
    if calendar.get("startTime") is None:
        raise UnitError("calendar.startTime is required: where the windows start")
    anchor = _parse_local_datetime(calendar.get("startTime"))
    return Window.calendar(unit, shorthand.count, time_zone, anchor)


def window_from_sla(spec_window: object) -> Window:
    """An SLA ``spec.window`` (``{calendar: month, timeZone: UTC}`` or ``{rolling: 30d}``)."""
    if not isinstance(spec_window, Mapping):
        raise UnitError(
            "spec.window must be {calendar: <unit>, timeZone: <zone>} or {rolling: 30d}")
    calendar, rolling = spec_window.get("calendar"), spec_window.get("rolling")
    if (calendar is None) == (rolling is None):
        raise UnitError("spec.window gives exactly one of calendar and rolling")
    if rolling is not None:
        return Window.rolling(parse_duration(rolling))
    if calendar not in CALENDAR_UNITS:
        raise UnitError(f"window.calendar is one of {', '.join(CALENDAR_UNITS)}, not {calendar!r}")
    # A contract that names no zone is read in UTC, the zone contracts default to.
    time_zone = spec_window.get("timeZone", "UTC")
    if not isinstance(time_zone, str):
        raise UnitError(f"window.timeZone is an IANA zone name, not {time_zone!r}")
    return Window.calendar(cast(CalendarUnit, calendar), 1, time_zone)


# -- calendar geometry -------------------------------------------------------

# Calendar windows are judged on the real periods of a span of time, by the tz
# database: the span an agreement covers (see ``dominance``), or by default
# this one. Every pattern of month lengths and weekdays occurs in it, and the
# tz rules in force today are extended over it, so it stands for the future too.
HORIZON = (datetime(2000, 1, 1), datetime(2101, 1, 1))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MS = timedelta(milliseconds=1)
# datetime reaches year 9999: spans stay a few windows inside it
_FIRST_DAY, _LAST_DAY = datetime(2, 1, 1), datetime(9997, 1, 1)
_NAIVE_EPOCH = datetime(1970, 1, 1)
# and the windows next to them start inside it, a year from each end for any zone's offset
_FIRST_START, _LAST_START = datetime(2, 1, 1), datetime(9999, 1, 1)

UtcSpan = tuple[int, int]  # [start, end) in UTC ms


def utc_ms(local: datetime, time_zone: str) -> int:
    """Milliseconds since the epoch of a wall-clock time in a zone.

    A wall-clock time skipped by a DST change maps to the instant of the change,
    so a day that starts in the gap starts when its first real minute does.
    """
    return (local.replace(tzinfo=zone(time_zone)) - _EPOCH) // _ONE_MS


def local_time(ms: int, time_zone: str) -> datetime:
    return (_EPOCH + timedelta(milliseconds=ms)).astimezone(zone(time_zone)).replace(tzinfo=None)


def default_span() -> UtcSpan:
    """The span judged when an agreement gives no dates: HORIZON, a day inside each end."""
    # a day of slack for any zone offset
    return (utc_ms(HORIZON[0], "UTC") + MS_PER_DAY, utc_ms(HORIZON[1], "UTC") - MS_PER_DAY)


def calendar_boundaries(window: Window, span: UtcSpan | None = None) -> tuple[int, ...]:
    """UTC ms of each start of the window, covering ``span`` (default HORIZON) with
    one window to spare each side; UnitError when that leaves the years datetime knows."""
    if window.unit is None or window.time_zone is None:
        raise UnitError("a rolling window has no calendar boundaries")
    first, last = HORIZON
    if span is not None:
        first = _utc_datetime(span[0] - 2 * MS_PER_DAY)
        last = _utc_datetime(span[1] + 2 * MS_PER_DAY)
    lo, hi = _naive_ms(first), _naive_ms(last)
    covered = _COVERED.get(window)
    if covered is None or not (covered[0] <= lo and hi <= covered[1]):
        if covered is not None:  # grow what is known, so repeated spans cost nothing
            lo, hi = min(lo, covered[0]), max(hi, covered[1])
            first, last = _utc_datetime(lo), _utc_datetime(hi)
        locals_ = _local_starts(window, first, last)
        covered = _COVERED[window] = (lo, hi, tuple(utc_ms(s, window.time_zone) for s in locals_))
        lo, hi = _naive_ms(first), _naive_ms(last)
    bounds = covered[2]
    # two windows to spare each side of the span asked, as a fresh computation would give
    start = max(0, bisect_right(bounds, lo - 2 * MS_PER_DAY) - 2)
    end = min(len(bounds), bisect_left(bounds, hi + 2 * MS_PER_DAY) + 2)
    return bounds[start:end]


# Each calendar window's boundaries, computed once over the widest span any
# judgement asked for (a day window over a century is ~37k instants, and an
# audit judges the same windows thousands of times).
_COVERED: dict[Window, tuple[int, int, tuple[int, ...]]] = {}


def _naive_ms(moment: datetime) -> int:
    return (moment - _NAIVE_EPOCH) // _ONE_MS


def _utc_datetime(ms: int) -> datetime:
    days = ms // MS_PER_DAY
    if not (_FIRST_DAY - _NAIVE_EPOCH).days <= days <= (_LAST_DAY - _NAIVE_EPOCH).days:
        raise UnitError("the periods to judge reach beyond the years 2 to 9996, for which "
                        "calendar windows cannot be computed")
    return _NAIVE_EPOCH + timedelta(milliseconds=ms)


def _local_starts(window: Window, start: datetime, end: datetime) -> list[datetime]:
    """The local starts of ``window`` from one before ``start`` to two after ``end``;
    UnitError when one of them leaves the years a calendar is computed for."""
    unit, count, anchor = window.unit, window.count, window.anchor
    assert unit is not None
    if unit in _UNIT_DAYS:
        ref = anchor or _NATURAL_DAY_REFERENCE
        days = _UNIT_DAYS[unit] * count
        first = (start - ref).days // days - 1
        last = (end - ref).days // days + 2
        if (ref - _FIRST_START).days // days < -first or (_LAST_START - ref).days // days < last:
            raise _beyond_calendars(window)
        step = timedelta(days=days)
        return [ref + n * step for n in range(first, last + 1)]
    months = _UNIT_MONTHS[unit] * count
    ref = anchor or _NATURAL_MONTH_REFERENCE
    ref_index = ref.year * 12 + ref.month - 1
    first = (start.year * 12 + start.month - 1 - ref_index) // months - 1
    last = (end.year * 12 + end.month - 1 - ref_index) // months + 2
    indexes = range(ref_index + first * months, ref_index + last * months + 1, months)
    if indexes[0] < _FIRST_START.year * 12 or indexes[-1] >= _LAST_START.year * 12:
        raise _beyond_calendars(window)
    return [ref.replace(year=index // 12, month=index % 12 + 1) for index in indexes]


def _beyond_calendars(window: Window) -> BeyondCalendars:
    return BeyondCalendars(f"the windows of the {format_window(window)} next to the periods judged "
                     f"reach beyond the years {_FIRST_START.year} to {_LAST_START.year - 1}, for "
                     "which calendar windows cannot be computed", window)


def calendar_periods(window: Window, span: UtcSpan | None = None) -> tuple[tuple[int, int], ...]:
    """Every window ``(start, end)`` in UTC ms that lies inside HORIZON, or with a span,
    every window that overlaps it. A window of no length (a day a zone skipped) holds
    nothing and is never one of them."""
    bounds = calendar_boundaries(window, span)
    if span is None:
        lo, hi = default_span()
        first = max(0, bisect_left(bounds, lo) - 1)
        last = min(len(bounds), bisect_right(bounds, hi) + 1)
        return tuple((s, e) for s, e in itertools.pairwise(bounds[first:last])
                     if s >= lo and e <= hi and e > s)
    first = max(0, bisect_right(bounds, span[0]) - 2)
    last = min(len(bounds), bisect_left(bounds, span[1]) + 2)
    return tuple((s, e) for s, e in itertools.pairwise(bounds[first:last])
                 if e > span[0] and s < span[1] and e > s)


@lru_cache(maxsize=64)
def period_lengths(window: Window, span: UtcSpan | None = None) -> tuple[Duration, ...]:
    """The distinct lengths a window takes, shortest first (a rolling window has one).

    Without a span, of the windows inside HORIZON; a window longer than it (5000
    weeks) takes the lengths of those that overlap it, never none."""
    if window.length is not None:
        return (window.length,)
    periods = calendar_periods(window, span) or calendar_periods(window, default_span())
    return tuple(Duration(ms) for ms in sorted({e - s for s, e in periods}))


# -- formatting --------------------------------------------------------------

def exact_div(a: Decimal, b: Decimal) -> Decimal:
    """a / b with enough precision that every terminating quotient comes out exact."""
    with localcontext() as ctx:
        ctx.prec = 60
        return a / b


def format_decimal(value: Decimal, places: int = 6) -> str:
    """A plain decimal string: no exponent, no trailing zeros, at most ``places`` decimals."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def format_minutes(minutes: Decimal) -> str:
    """43.2, 44.64, 86.4: minutes as a reviewer reads them."""
    return format_decimal(minutes, 4)


def format_percent(fraction: Decimal) -> str:
    """0.999 -> 99.9%."""
    return format_decimal(shift_point(fraction, 2), 6) + "%"


_FORMAT_UNITS = (("d", MS_PER_DAY), ("h", 3_600_000), ("m", MS_PER_MINUTE), ("s", 1_000), ("ms", 1))


def format_duration(duration: Duration) -> str:
    """30d, 1h30m, 500ms: the shortest spelling in slopolicy's own syntax."""
    if duration.ms == 0:
        return "0s"
    parts, rest = [], duration.ms
    for suffix, size in _FORMAT_UNITS:
        if rest >= size:
            parts.append(f"{rest // size}{suffix}")
            rest %= size
    return "".join(parts)


def describe_length(duration: Duration) -> str:
    """A 31-day month, a 12-hour window: whole days or hours read as words."""
    for word, size in (("day", MS_PER_DAY), ("hour", 3_600_000), ("minute", MS_PER_MINUTE)):
        if duration.ms % size == 0:
            return f"{duration.ms // size}-{word}"
    return format_duration(duration)


def format_period(unit: CalendarUnit, count: int = 1) -> str:
    """1 month, 2 weeks."""
    return f"{count} {unit}" + ("s" if count != 1 else "")


def format_window(window: Window) -> str:
    """``rolling 30d``, ``calendar month (UTC)``, or with a count and a start
    ``calendar 2 months (UTC, from 2024-01-15 00:00)``."""
    if window.length is not None:
        return f"rolling {format_duration(window.length)}"
    assert window.unit is not None
    what = window.unit if window.count == 1 else format_period(window.unit, window.count)
    where = str(window.time_zone)
    if window.anchor is not None:
        where += f", from {window.anchor:%Y-%m-%d %H:%M}"
    return f"calendar {what} ({where})"
