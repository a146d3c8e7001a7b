"""SDMX time periods as date ranges (SDMX 2.1 Technical Notes §4.2 "Time and time format"; SDMX 3.0 §4.2).

``2015`` covers 2015-01-01..2015-12-31, ``2015-Q2`` 2015-04-01..2015-06-30, ``2015-W01`` the ISO week.
Comparisons of periods of different frequencies are made on these ranges.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"^(\d{4})(?:-A1)?$")),
    ("semester", re.compile(r"^(\d{4})-S([12])$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-M?(0[1-9]|1[0-2])$")),
    ("week", re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")),
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
)


class PeriodError(ValueError):
    """The text is not an SDMX time period."""


def period_range(text: str) -> tuple[date, date]:
    """First and last day of an SDMX reporting period; raises PeriodError with what is accepted."""
    value = text.strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
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
            try:
                monday = date.fromisocalendar(year, int(match.group(2)), 1)
            except ValueError as exc:
                raise PeriodError(f"{value} is not a week of {year}") from exc
            return monday, monday + timedelta(days=6)
        try:
            day = date(year, int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise PeriodError(f"{value} is not a calendar date") from exc
        return day, day
    try:  # an xs:dateTime (REST v1.5 allows it for startPeriod/endPeriod)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(
            f"'{value}' is not an SDMX time period: use YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM, YYYY-Wnn or YYYY-MM-DD"
        ) from None
    return moment.date(), moment.date()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def normalized_start(text: str) -> str:
    """The ISO 8601 start date of a period (SDMX-CSV ``timeFormat=normalized``, SDMX-JSON ``start``)."""
    return period_range(text)[0].isoformat()
