"""A CSV file without quotes split into columns by polars, row for row as the csv module reads it (RFC 4180 §2).

A file with no double quote, no NUL and no carriage return outside ``\\r\\n`` has one row per line and one field per
delimiter, so the csv module's reading of it is a split: :func:`split_lines` does it on whole columns, keeping each
row's line number and each cell's text as written. The few rows the template reader must judge one by one (rows
that may be blank, rows with more fields than the header) are handed back as Python lists, in file order, and so
are the rows whose structure columns are refused; every other row becomes a row of the table without a Python
object per cell. Files with quotes, very long lines or more rows than the bound are read by the csv module
(``template.read_table``), which gives the same result more slowly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from api.formats.tabular.table import ROW
from api.model.structure import COMPONENTS

CHUNK_LINES = 131_072
_LINE = "line"
Leading = tuple[str, ...]


def splittable(data: bytes) -> bool:
    """Whether the csv module's reading of ``data`` is a split on line feeds and the delimiter (see above)."""
    return b'"' not in data and b"\x00" not in data and data.count(b"\r") == data.count(b"\r\n")


def file_lines(data: bytes) -> pl.Series | None:
    """The lines of a splittable file after the first (a final line feed ends the last line; ``\r\n`` counts as
    one), or None if polars does not read them one for one."""
    try:
        frame = pl.read_csv(io.BytesIO(data), has_header=False, separator="\x00", quote_char=None,
                            infer_schema=False, new_columns=[_LINE])
    except pl.exceptions.PolarsError:
        return None
    if frame.width != 1 or frame.height != data.count(b"\n") + (not data.endswith(b"\n")):
        return None
    return frame[_LINE].slice(1).fill_null("").str.strip_suffix("\r")


def fits(lines: pl.Series, max_rows: int, max_line_bytes: int) -> bool:
    """Whether no bound can be passed: rows, and no line longer than one field may be (nor the csv module's limit)."""
    limit = min(max_line_bytes, csv.field_size_limit())
    longest = lines.str.len_bytes().max()
    return lines.len() <= max_rows and (not isinstance(longest, int) or longest <= limit)


@dataclass
class SplitRows:
    """The rows of a split file: the table's chunks, the rows to judge one by one, the rows whose structure
    columns are refused (with their values)."""

    chunks: list[pl.DataFrame] = field(default_factory=list)
    odd: list[tuple[int, list[str]]] = field(default_factory=list)
    refused: list[tuple[int, Leading]] = field(default_factory=list)
    unordered: bool = False

    def add(self, rows: Iterable[tuple[int, list[str]]], columns: dict[str, int],
            convert: Callable[[str, str], str] | None = None) -> None:
        """Rows judged one by one (padded to the header's width) into the table, which is then sorted by line."""
        kept = list(rows)
        if kept:
            self.unordered = True
            table = pl.DataFrame({ROW: pl.Series([r for r, _ in kept], dtype=pl.Int64),
                                  **{c: pl.Series([f[i] for _, f in kept], dtype=pl.Utf8) for c, i in columns.items()}})
            self.chunks.append(_converted(table, columns, convert))

    def frame(self, components: Iterable[str]) -> pl.DataFrame:
        """The table: ``ROW`` and the ``components`` in DSD order, rows in file order."""
        present = set(components)
        ordered = [ROW, *(c for c in COMPONENTS if c in present)]
        if not self.chunks:
            return pl.DataFrame({c: pl.Series(c, [], dtype=pl.Int64 if c == ROW else pl.Utf8) for c in ordered})
        frame = pl.concat([chunk.select(ordered) for chunk in self.chunks], rechunk=True)
        self.chunks = []
        return frame.sort(ROW, maintain_order=True) if self.unordered else frame


def split_lines(lines: pl.Series, delimiter: str, width: int, columns: dict[str, int], leading: list[int],
                refused: Callable[[Leading], bool], convert: Callable[[str, str], str] | None = None) -> SplitRows:
    """Split ``lines`` (those after a header of ``width`` fields, the first being line 2) into the ``columns``
    wanted (name -> position; a short row's missing fields are empty); ``convert(column, text)`` is applied once
    per distinct cell of each column when given. Rows whose fields at the ``leading`` positions are ``refused``
    are listed with those fields (each distinct tuple is judged once)."""
    result = SplitRows()
    judged: dict[Leading, bool] = {}
    surely_filled = "[" + re.escape("".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != delimiter)) + "]"
    for start in range(0, lines.len(), CHUNK_LINES):
        chunk = pl.DataFrame([lines.slice(start, CHUNK_LINES)]).with_columns(
            pl.int_range(start + 2, start + 2 + pl.len(), dtype=pl.Int64).alias(ROW),
            ((pl.col(_LINE).str.count_matches(delimiter, literal=True) < width)
             & pl.col(_LINE).str.contains(surely_filled)).alias("plain"))
        odd = chunk.filter(~pl.col("plain"))
        result.odd.extend((row, line.split(delimiter)) for row, line in odd.select(ROW, _LINE).iter_rows())
        kept = chunk.filter(pl.col("plain")) if odd.height else chunk
        fields = kept.select(ROW, pl.col(_LINE).str.split_exact(delimiter, width - 1).alias("f")).unnest("f")
        used = sorted({*columns.values(), *leading})
        fields = fields.select(ROW, *(pl.col(f"field_{i}").fill_null("") for i in used))
        table = fields.select(ROW, *(pl.col(f"field_{i}").alias(c) for c, i in columns.items()))
        result.chunks.append(_converted(table, columns, convert))
        if leading:
            names = [f"field_{i}" for i in leading]
            for values in fields.select(names).unique().iter_rows():
                if values not in judged:
                    judged[values] = refused(values)
            bad = [values for values in fields.select(names).unique().iter_rows() if judged[values]]
            if bad:
                key = pl.concat_str(names, separator="\x00")
                wanted = pl.Series(["\x00".join(v) for v in bad], dtype=pl.Utf8)
                flagged = fields.filter(key.is_in(wanted.implode())).select(ROW, *names)
                result.refused.extend((row, tuple(values)) for row, *values in flagged.iter_rows())
    return result


def _converted(table: pl.DataFrame, columns: dict[str, int], convert: Callable[[str, str], str] | None
               ) -> pl.DataFrame:
    if convert is None:
        return table
    return table.with_columns(_mapped(table[c], c, convert) for c in columns)


def _mapped(series: pl.Series, name: str, convert: Callable[[str, str], str]) -> pl.Series:
    distinct = series.unique()
    converted = pl.Series([convert(name, v) for v in distinct.to_list()], dtype=pl.Utf8)
    return series.replace_strict(distinct, converted, return_dtype=pl.Utf8).alias(name)
