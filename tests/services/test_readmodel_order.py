"""The view's rows are in key and period order whether or not a column file already is."""

from __future__ import annotations

import polars as pl

from api.services.readmodel.view import _in_order


def _frame(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"SERIES_KEY": pl.String, "PERIOD_START": pl.String, "PERIOD_END": pl.String},
                        orient="row")


def test_order_is_checked_on_key_then_first_then_last_day() -> None:
    assert _in_order(_frame([("A", "2019-01-01", "2019-12-31"), ("A", "2020-01-01", "2020-03-31"),
                             ("A", "2020-01-01", "2020-12-31"), ("B", "2000-01-01", "2000-12-31")]))
    assert _in_order(_frame([])) and _in_order(_frame([("A", "x", "y")]))
    assert not _in_order(_frame([("B", "2019-01-01", "2019-12-31"), ("A", "2020-01-01", "2020-12-31")]))
    assert not _in_order(_frame([("A", "2020-01-01", "2020-12-31"), ("A", "2019-01-01", "2019-12-31")]))
    assert not _in_order(_frame([("A", "2020-01-01", "2020-12-31"), ("A", "2020-01-01", "2020-03-31")]))
