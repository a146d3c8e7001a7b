"""SDMX time periods as date ranges: the one parser that validation and every reader call (SDMX 2.1 Technical
Notes §4.2 "Time and time format"; SDMX 3.0 §4.2; ISO 8601 weeks).

``2015`` covers 2015-01-01..2015-12-31, ``2015-Q2`` 2015-04-01..2015-06-30, ``2015-W01`` the ISO week.
Comparisons of periods of different frequencies are made on these ranges.

The registry accepts the years ``FIRST_YEAR``..``LAST_YEAR`` (1800-2200), the same range as the TIME_PERIOD
shape (shapes/observation.ttl): quarters Q1-Q4, halves S1-S2, months 01-12 (or M01-M12), ISO weeks W01 up to
the number of weeks the year has (52 or 53), real calendar dates, and ``YYYY-A1``. Query parameters may also
be an xs:dateTime (``moments=True``; REST v1.5 §4.4 startPeriod/endPeriod); an observation's period may not.
Parsing is total: every function here returns or raises :class:`PeriodError` (a BadRequest, so that a period
a client sent is a 400) with a sentence, never ValueError out of ``datetime`` or ``int``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from api.errors import BadRequest

FIRST_YEAR = 1800
LAST_YEAR = 2200
MAX_LENGTH = 40  # longer text is never a period (the longest, an xs:dateTime with fractions and offset, is ~32)
FORMS = "2020, 2020-01, 2020-01-31, 2020-Q1, 2020-S1 or 2020-W05"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"([0-9]{4})(?:-A1)?")),
    ("semester", re.compile(r"([0-9]{4})-S([12])")),
    ("quarter", re.compile(r"([0-9]{4})-Q([1-4])")),
    ("month", re.compile(r"([0-9]{4})-M?(0[1-9]|1[0-2])")),
    ("week", re.compile(r"([0-9]{4})-W(0[1-9]|[1-4][0-9]|5[0-3])")),
    ("day", re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")),
)  # ASCII digits only: Python's \d also matches other scripts' digits
_DATETIME = re.compile(
    r"([0-9]{4})-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?")


class PeriodError(BadRequest):
    """The text is not a time period the registry accepts; the message says why and what to write.

    ``reason`` is the sentence without the period ("is outside the years ..."), for callers that name the
    value themselves (``from=0000 is outside ...``)."""

    def __init__(self, quoted: str, reason: str) -> None:
        super().__init__(f"{quoted} {reason}")
        self.quoted = quoted
        self.reason = reason

    def __reduce__(self) -> tuple[type[PeriodError], tuple[str, str]]:  # pickled whole (worker processes)
        return PeriodError, (self.quoted, self.reason)


def shown(text: str) -> str:
    """The text as a message quotes it: at most MAX_LENGTH characters, control characters escaped."""
    cut = text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH] + "…"
    return cut.encode("unicode_escape").decode("ascii") if not cut.isprintable() else cut


def _year(value: str, year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(shown(value), f"is outside the years the registry accepts ({FIRST_YEAR}-{LAST_YEAR})")
    return year


def iso_weeks(year: int) -> int:
    """How many ISO 8601 weeks ``year`` has (52 or 53): the week of 28 December."""
    return date(year, 12, 28).isocalendar()[1]


@lru_cache(maxsize=1 << 12)
def _parse(value: str, moments: bool) -> tuple[date, date]:
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        year = _year(value, int(match.group(1)))
        if kind == "year":
            return date(year, 1, 1), date(year, 12, 31)
        if kind == "semester":
            half = int(match.group(2))
            return date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
        if kind == "quarter":
            quarter = int(match.group(2))
            return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
        if kind == "month":
            month = int(match.group(2))
            return date(year, month, 1), _month_end(year, month)
        if kind == "week":
            week = int(match.group(2))
            if week > iso_weeks(year):
                raise PeriodError(value, f"is not a week of {year}: {year} has {iso_weeks(year)} ISO weeks")
            monday = date.fromisocalendar(year, week, 1)
            return monday, monday + timedelta(days=6)
        month, day = int(match.group(2)), int(match.group(3))
        if day > calendar.monthrange(year, month)[1]:
            raise PeriodError(value, f"is not a calendar date: {calendar.month_name[month]} {year} has "
                                     f"{calendar.monthrange(year, month)[1]} days")
        return date(year, month, day), date(year, month, day)
    moment = _DATETIME.fullmatch(value) if moments else None
    if moment is not None:  # an xs:dateTime (REST v1.5 allows it for startPeriod/endPeriod)
        _year(value, int(moment.group(1)))
        try:
            moment_day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            raise PeriodError(value, "is not a valid date and time") from None
        return moment_day, moment_day
    raise PeriodError(f"'{shown(value)}'", f"is not an SDMX time period: write {FORMS}")


def _checked(text: str) -> str:
    value = text.strip()
    if not value:
        raise PeriodError("the period", f"is empty: write {FORMS}")
    if len(value) > MAX_LENGTH:
        raise PeriodError(f"'{shown(value)}'", f"is too long to be a time period: write {FORMS}")
    return value


def period_range(text: str, *, moments: bool = False) -> tuple[date, date]:
    """First and last day of an SDMX reporting period (or, with ``moments``, the day of an xs:dateTime);
    raises PeriodError saying what is accepted."""
    return _parse(_checked(text), moments)


@lru_cache(maxsize=1 << 12)
def _bounds(value: str, moments: bool) -> tuple[str, str]:
    start, end = _parse(value, moments)
    return start.isoformat(), end.isoformat()


def period_bounds(text: str, *, moments: bool = False) -> tuple[str, str]:
    """The ISO dates of a period's first and last day (the sort and comparison key of periods)."""
    return _bounds(_checked(text), moments)


def period_kind(text: str) -> str | None:
    """The form of a period, not its range: ``year`` (YYYY), ``month`` (YYYY-MM), ``day`` (YYYY-MM-DD), ``other``
    (YYYY-A1, -Sn, -Qn, -Mmm, -Www: the SDMX forms XML Schema has no type for), or None (not a period's form)."""
    value = text.strip()
    for kind, pattern in _PATTERNS:
        if pattern.fullmatch(value):
            if (kind == "year" and len(value) == 4) or kind == "day":
                return kind
            return "month" if kind == "month" and "M" not in value else "other"
    return None


def period_problem(text: str) -> str | None:
    """Why ``text`` is not a period the registry accepts, or None when it is (what validation reports)."""
    try:
        period_range(text)
    except PeriodError as exc:
        return exc.message
    return None


def is_period(text: str) -> bool:
    """Whether ``text`` is a period every reader can render (stored data is checked with this before use)."""
    return period_problem(text) is None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def normalized_start(text: str) -> str:
    """The ISO 8601 start date of a period (SDMX-CSV ``timeFormat=normalized``, SDMX-JSON ``start``)."""
    return period_range(text)[0].isoformat()
