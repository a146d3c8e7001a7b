"""CSV rows written from whole columns (a polars frame at a time), byte for byte as the csv module writes them.

RFC 4180 with the csv module's defaults (``QUOTE_MINIMAL``): a cell is quoted when it holds the separator, a
double quote, a carriage return or a line feed, and a double quote inside is doubled; a missing value is an empty
cell. Each row is built by one ``concat_str`` over the frame's columns and the lines written by polars, so the
cost per observation is that of the column kernels, not of Python. A cell function (labels, normalised periods)
is applied once per distinct value of its column, never per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import polars as pl

_NEEDS_QUOTES = r'[",\r\n]'
_LINE = "_LINE"


@dataclass(frozen=True)
class Cell:
    """One CSV column: the frame column it shows, the function turning a value into its text (None: the value
    itself), or ``blank`` for a column that is always empty."""

    column: str
    text: Callable[[str], str] | None = None
    blank: bool = False


def row_text(values: Iterable[str], terminator: str = "\r\n") -> str:
    """One row as the csv module writes it (for headers and constant leading cells)."""
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerow(list(values))
    return out.getvalue()


def quoted(expression: pl.Expr) -> pl.Expr:
    """The cell text of a string expression (null: empty), quoted when the csv module would quote it."""
    text = expression.fill_null("")
    return pl.when(text.str.contains(_NEEDS_QUOTES)).then(
        pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')).otherwise(text)


def mapped(frame: pl.DataFrame, column: str, text: Callable[[str], str]) -> pl.Expr:
    """``text`` applied to every distinct value of ``column`` (null read as empty), as an expression."""
    values = frame.get_column(column).fill_null("").unique().to_list()
    return pl.col(column).fill_null("").replace(values, [text(v) for v in values])


def cell_expression(frame: pl.DataFrame, cell: Cell) -> pl.Expr:
    if cell.blank or cell.column not in frame.columns:
        return pl.lit("")
    if cell.text is None:
        return pl.col(cell.column).cast(pl.String)
    return mapped(frame, cell.column, cell.text)


def lines(frame: pl.DataFrame, cells: list[Cell], lead: str = "", terminator: str = "\r\n") -> bytes:
    """The frame's rows as CSV lines; ``lead`` is the text of constant leading cells (with their separator)."""
    if not frame.height:
        return b""
    parts = [quoted(cell_expression(frame, cell)) for cell in cells]
    line = pl.concat_str(parts, separator=",")
    if lead:
        line = pl.lit(lead) + line
    out = io.BytesIO()
    frame.select(line.alias(_LINE)).write_csv(out, include_header=False, quote_style="never",
                                              line_terminator=terminator)
    return out.getvalue()


def stream(frames: Iterable[pl.DataFrame], header: list[str], lead: list[str], cells: list[Cell],
           terminator: str = "\r\n") -> Iterator[bytes]:
    """The header, then each frame's lines as one chunk (the first chunk is the header with the first frame)."""
    head = row_text(header, terminator).encode("utf-8")
    prefix = row_text([*lead, ""], terminator).removesuffix(terminator) if lead else ""
    for frame in frames:
        body = lines(frame, cells, prefix, terminator)
        if body:
            yield head + body
            head = b""
    yield head
