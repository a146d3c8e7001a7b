"""The period model is total: every text is a period of the accepted years or a PeriodError (a BadRequest)
with a sentence, never a ValueError out of datetime or int (issue 12, class 4)."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.errors import BadRequest
from api.model.sdmx_period import (
    FIRST_YEAR,
    LAST_YEAR,
    PeriodError,
    is_period,
    iso_weeks,
    period_bounds,
    period_kind,
    period_problem,
    period_range,
)

ACCEPTED = {
    "1800": (date(1800, 1, 1), date(1800, 12, 31)),
    "2200": (date(2200, 1, 1), date(2200, 12, 31)),
    "2020-A1": (date(2020, 1, 1), date(2020, 12, 31)),
    "2020-S2": (date(2020, 7, 1), date(2020, 12, 31)),
    "2020-Q1": (date(2020, 1, 1), date(2020, 3, 31)),
    "2020-02": (date(2020, 2, 1), date(2020, 2, 29)),
    "2020-M12": (date(2020, 12, 1), date(2020, 12, 31)),
    "2020-W53": (date(2020, 12, 28), date(2021, 1, 3)),
    "2020-02-29": (date(2020, 2, 29), date(2020, 2, 29)),
    " 2019 ": (date(2019, 1, 1), date(2019, 12, 31)),
}
REFUSED = {
    "0000": "0000 is outside the years the registry accepts (1800-2200)",
    "9999": "9999 is outside the years the registry accepts (1800-2200)",
    "1799": "outside the years",
    "2201-Q1": "outside the years",
    "0000-01-01": "outside the years",
    "-0001": "'-0001' is not an SDMX time period: write 2020, 2020-01",
    "2020-Q5": "'2020-Q5' is not an SDMX time period",
    "2020-W54": "'2020-W54' is not an SDMX time period",
    "2020-W00": "is not an SDMX time period",
    "2021-W53": "2021-W53 is not a week of 2021: 2021 has 52 ISO weeks",
    "2020-13": "'2020-13' is not an SDMX time period",
    "2020-00": "is not an SDMX time period",
    "2020-02-30": "2020-02-30 is not a calendar date: February 2020 has 29 days",
    "2019-02-29": "February 2019 has 28 days",
    "2020-04-31": "April 2020 has 30 days",
    "": "the period is empty",
    "x" * 5000: "is too long to be a time period",
    "\u0662\u0660\u0662\u0660": "is not an SDMX time period",  # Arabic-Indic digits: int() reads them, we do not
    "2020\x00": "is not an SDMX time period",
    "2020-01-01T00:00:00Z": "is not an SDMX time period",  # an observation's period is never a moment
}


@pytest.mark.parametrize("text", sorted(ACCEPTED))
def test_accepted_periods_and_their_days(text: str) -> None:
    assert period_range(text) == ACCEPTED[text]
    assert period_bounds(text) == tuple(d.isoformat() for d in ACCEPTED[text])
    assert is_period(text) and period_problem(text) is None


@pytest.mark.parametrize("text", sorted(REFUSED))
def test_refused_periods_say_why(text: str) -> None:
    with pytest.raises(PeriodError) as raised:
        period_range(text)
    assert isinstance(raised.value, BadRequest) and raised.value.status == 400
    assert REFUSED[text] in raised.value.message
    assert len(raised.value.message) < 200  # a long text is quoted cut, never echoed whole
    assert period_problem(text) == raised.value.message and not is_period(text)


def test_moments_only_where_asked_and_in_the_years() -> None:
    assert period_range("2020-06-30T12:00:00Z", moments=True) == (date(2020, 6, 30), date(2020, 6, 30))
    assert period_bounds("2020-06-30T12:00:00+02:00", moments=True) == ("2020-06-30", "2020-06-30")
    for text, phrase in (("0000-01-01T00:00:00Z", "outside the years"), ("2020-02-30T00:00:00", "not a valid"),
                         ("2020-01-01T25:00:00", "not a valid")):
        with pytest.raises(PeriodError, match=phrase):
            period_range(text, moments=True)


def test_the_error_survives_a_trip_to_a_worker_process() -> None:
    with pytest.raises(PeriodError) as raised:
        period_range("0000")
    back = pickle.loads(pickle.dumps(raised.value))
    assert (back.message, back.reason, back.status) == (raised.value.message, raised.value.reason, 400)


def test_iso_weeks_of_a_year() -> None:
    assert [iso_weeks(y) for y in (2015, 2020, 2021, 2026, 2200)] == [53, 53, 52, 53, 52]
    assert period_range("2015-W53")[1] == date(2016, 1, 3)


def test_kinds_are_forms_not_ranges() -> None:
    assert [period_kind(t) for t in ("0000", "2020-01", "2020-02-30", "2020-M01", "2020-A1", "2021-W53", "2020-Q5")] \
        == ["year", "month", "day", "other", "other", "other", None]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60),
                 st.from_regex(r"\A-?[0-9]{1,5}(-(M|W|Q|S|A)?[0-9]{1,3}(-[0-9]{1,3})?)?(T[0-9:.]{1,15}Z?)?\Z")))
def test_parsing_is_total(text: str) -> None:
    for moments in (False, True):
        try:
            first, last = period_range(text, moments=moments)
        except PeriodError as exc:
            assert exc.message and exc.status == 400  # noqa: PT017 (some inputs raise, others not: no pytest.raises)
            continue
        assert FIRST_YEAR <= first.year <= last.year <= LAST_YEAR + 1  # a week of 2200 may end in 2201
        assert first <= last
