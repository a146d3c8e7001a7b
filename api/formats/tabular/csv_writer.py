"""Observations as CSV (RFC 4180) for spreadsheets, with cells guarded against formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe (OWASP "CSV Injection"), so a spreadsheet shows it as text instead of running it. Numbers are
written as they are: ``-1234.5`` is a value, not a formula, and net migration is often negative.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator

import polars as pl

from api.formats import csv_columns
from api.formats.spec import FormatSpec
from api.model.read_api import ObservationOut

CSV = FormatSpec(id="csv", media_type="text/csv", title="CSV", names=("csv",), suffixes=(".csv",), charset=True)

COLUMNS = ("indicator", "indicator_label", "area", "area_label", "period", "value", "unit", "unit_multiplier",
           "status", "freq", "counterpart_area", "sex", "age", "migration_status", "decimals", "comment",
           "source_detail", "dataset", "agency", "sources", "primary_source", "submitted", "version", "iri")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell text, with an apostrophe before anything a spreadsheet would run as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _plain(value)
    if text.startswith(_RISKY) and not _NUMBER.match(text):
        return "'" + text
    return text


def _plain(value: object) -> str:
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def _row(o: ObservationOut) -> list[str]:
    p = o.provenance
    values = (o.indicator, o.indicator_label, o.area, o.area_label, o.period, o.value, o.unit, o.unit_multiplier,
              o.status, o.freq, o.counterpart_area, o.sex, o.age, o.migration_status, o.decimals, o.comment,
              o.source_detail, p.dataset, p.agency, "; ".join(p.sources), p.primary_source,
              p.submitted.isoformat(), p.version, o.iri)
    return [safe_cell(v) for v in values]


def write_csv(observations: Iterable[ObservationOut], *, chunk_rows: int = 1000) -> Iterator[bytes]:
    """The header and one row per observation, in chunks of ``chunk_rows`` rows (UTF-8, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for rows, observation in enumerate(observations, start=1):
        writer.writerow(_row(observation))
        if rows % chunk_rows == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# -- whole columns ------------------------------------------------------------------------------------------------
# The same cells as write_csv, computed on a frame's columns: safe_cell as an expression, and the numbers of
# ObservationOut (value as a float, multiplier and decimals as integers) rendered as _plain renders them, straight
# from the text where the text is already that rendering, else once per distinct text.
_RISKY_START = r"^[=+\-@\t\r]"
_NUMBER_TEXT = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\n?$"  # ``$`` of re.match: also before a final newline
_SAME_FLOAT = r"^-?(0|[1-9]\d*|[1-9]\d*\.\d*[1-9])$"  # repr(float(text)) is text (with <= 15 digits)
_SAME_INT = r"^(0|-?[1-9]\d*)$"
_NUMBERS = {"value": (_SAME_FLOAT, lambda t: safe_cell(_to_float(t))),
            "unit_multiplier": (_SAME_INT, lambda t: safe_cell(_to_int(t))),
            "decimals": (_SAME_INT, lambda t: safe_cell(_to_int(t)))}


def _to_float(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _to_int(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _safe(expression: pl.Expr) -> pl.Expr:
    """:func:`safe_cell` of a text column."""
    text = expression.fill_null("")
    risky = text.str.contains(_RISKY_START) & ~text.str.contains(_NUMBER_TEXT)
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text)


def _number(frame: pl.DataFrame, column: str, same: str, render: Callable[[str], str]) -> pl.Expr:
    text = pl.col(column).fill_null("")
    kept = text.str.contains(same) & (text.str.replace_all(r"[-.]", "").str.len_chars() <= 15)
    others = frame.select(text.filter(~kept).unique()).to_series().to_list()
    return pl.when(kept).then(text).otherwise(text.replace(others, [render(t) for t in others]))


def write_frames(frames: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """What :func:`write_csv` writes for the same observations, from frames of :data:`COLUMNS` (texts as stored;
    absent values null): the header with the first frame, then one chunk per frame."""
    head = csv_columns.row_text(COLUMNS).encode("utf-8")
    for frame in frames:
        if not frame.height:
            continue
        cells = [csv_columns.quoted(_number(frame, c, *_NUMBERS[c]) if c in _NUMBERS else _safe(pl.col(c)))
                 for c in COLUMNS]
        out = io.BytesIO()
        frame.select(pl.concat_str(cells, separator=",").alias("line")).write_csv(
            out, include_header=False, quote_style="never", line_terminator="\r\n")
        yield head + out.getvalue()
        head = b""
    yield head
