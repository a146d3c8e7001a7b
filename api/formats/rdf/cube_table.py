"""A table of observations -> RDF terms and N-Triples, column by column (DESIGN §4; W3C vocab-data-cube §6).

The same triples as :func:`api.formats.rdf.cube.records_to_triples`, written without one Python object per term:
each component's cells are mapped to their term once per distinct value (codes, periods, statuses repeat), the
measure by vectorised string operations (plain decimals: canonical form, as ``number_literal`` writes it; any other
text through ``number_literal`` itself), and each triple is one concatenated string column. A test compares both
writers on the same files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import polars as pl
from pyoxigraph import Literal, NamedNode

from api import vocab
from api.formats.rdf.cube import MP_SERIES_KEY, PROPS, QB_DATASET_PROP, QB_OBSERVATION, RDF_TYPE, value_term
from api.formats.tabular.table import ROW, ObservationTable
from api.model.structure import ATTRIBUTES, DIMENSIONS, MEASURE, SERIES_DIMENSIONS

FOCUS = "FOCUS"
KEY = "SERIES_KEY"
NUMBER = "NUMBER"  # the measure as a float (comparisons; exact decimals are re-checked near a bound)
_PLAIN_DECIMAL = r"^[0-9]{1,30}(\.[0-9]{1,18})?$"
_XSD_DECIMAL = vocab.XSD + "decimal"
TermObject = NamedNode | Literal


def term_column(component_id: str) -> str:
    """The name of the column holding a component's RDF term in N-Triples form (null: no triple)."""
    return f"t:{component_id}"


def _escape(expr: pl.Expr) -> pl.Expr:
    """N-Triples string escaping as pyoxigraph writes it (backslash, quote, line feed, carriage return)."""
    return (expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
            .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True))


def map_distinct(series: pl.Series, convert: Callable[[str], str | None]) -> pl.Series:
    """``convert`` applied once per distinct non-null value of a text column (null stays null)."""
    distinct = series.drop_nulls().unique()
    if distinct.is_empty():
        return pl.Series(series.name, [None] * series.len(), dtype=pl.Utf8)
    converted = pl.Series([convert(v) for v in distinct.to_list()], dtype=pl.Utf8)
    # Each row points at its value's text (a gather shares the text buffer) instead of holding a copy of it.
    codes = series.replace_strict(distinct, pl.int_range(distinct.len(), dtype=pl.UInt32, eager=True), default=None,
                                  return_dtype=pl.UInt32)
    return converted.gather(codes).alias(series.name)


@dataclass
class TermTable:
    """A table's observations with their IRIs and terms: ``FOCUS``, ``SERIES_KEY``, ``t:C`` per component, the
    measure as a number, and the source columns; ``terms`` maps each term text back to its term (not the measure)."""

    frame: pl.DataFrame
    terms: dict[str, dict[str, TermObject]]
    dataset: str


def _measure_terms(cells: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The measure's terms (N-Triples) and values as floats; plain decimals vectorised, the rest by number_literal."""
    plain = cells.str.contains(_PLAIN_DECIMAL).fill_null(False)
    frame = pl.DataFrame({"c": cells, "plain": plain})
    whole = pl.col("c").str.extract(r"^([0-9]+)", 1).str.strip_chars_start("0")
    fraction = pl.col("c").str.extract(r"\.([0-9]+)$", 1).fill_null("").str.strip_chars_end("0")
    canonical = (pl.when(whole == "").then(pl.lit("0")).otherwise(whole) + "."
                 + pl.when(fraction == "").then(pl.lit("0")).otherwise(fraction))

    def slow(text: str) -> str | None:
        return None if not text.strip() else str(value_term(MEASURE, text))

    others = cells.filter(~plain).drop_nulls().unique()
    converted = pl.Series([slow(v) for v in others.to_list()], dtype=pl.Utf8)
    by_python = pl.col("c").replace_strict(others, converted, default=None, return_dtype=pl.Utf8)
    term = pl.when(pl.col("plain")).then(pl.lit('"') + canonical + pl.lit(f'"^^<{_XSD_DECIMAL}>')).otherwise(by_python)
    terms = frame.select(term.alias(term_column(MEASURE)))[term_column(MEASURE)]
    number = pl.DataFrame({"t": terms}).select(
        pl.col("t").str.extract(r'^"([^"]*)"\^\^<' + _XSD_DECIMAL.replace(".", r"\.") + ">$", 1)
        .cast(pl.Float64, strict=False).alias(NUMBER))[NUMBER]
    return terms, number


def term_table(table: ObservationTable, iris: vocab.InstanceIris, submission_id: str) -> TermTable:
    """Observation IRIs (minted from key and period, duplicates numbered as ``records_to_triples`` does) and terms."""
    frame = table.frame
    missing = [c for c in (*DIMENSIONS, MEASURE, *ATTRIBUTES) if c not in frame.columns]
    frame = frame.with_columns(*(pl.lit(None, dtype=pl.Utf8).alias(c) for c in missing))
    key = pl.concat_str([pl.col(d).fill_null("") for d in SERIES_DIMENSIONS], separator=".")
    frame = frame.with_columns(key.alias(KEY))
    terms: dict[str, dict[str, TermObject]] = {}
    new_columns: list[pl.Series] = []
    for component in (*DIMENSIONS, *ATTRIBUTES):
        seen: dict[str, TermObject] = {}

        def convert(text: str, component: str = component, seen: dict[str, TermObject] = seen) -> str | None:
            if not text.strip():
                return None
            term = value_term(component, text)
            shown = str(term)
            seen[shown] = term
            return shown

        new_columns.append(map_distinct(frame[component], convert).alias(term_column(component)))
        terms[component] = seen
    measure, number = _measure_terms(frame[MEASURE])
    frame = frame.with_columns(*new_columns, measure, number)
    prefix = f"{iris.base}/id/observation/{quote(submission_id, safe='')}/"
    quoted_key = map_distinct(frame[KEY], lambda k: quote(k, safe="."))
    quoted_period = map_distinct(frame["TIME_PERIOD"].fill_null(""), lambda p: quote(p.strip(), safe="-"))
    base = pl.lit(prefix) + pl.Series(values=quoted_key) + "/" + pl.Series(values=quoted_period)
    frame = frame.with_columns(base.alias(FOCUS))
    occurrence = repeats(frame[FOCUS])
    if occurrence is not None:
        frame = frame.with_columns(
            pl.when(occurrence > 0).then(pl.col(FOCUS) + "-dup" + occurrence.cast(pl.Utf8)).otherwise(pl.col(FOCUS))
            .alias(FOCUS))
    return TermTable(frame, terms, iris.submission(submission_id))


def repeats(values: pl.Series) -> pl.Series | None:
    """How many rows above have the same value (0 for a first occurrence), or None when no value repeats. Only the
    rows whose hash repeats are grouped by value: a group-by over every text costs seconds at a million rows."""
    candidates = values.hash().is_duplicated()
    if not candidates.any():
        return None
    positions = candidates.arg_true()
    repeated = pl.DataFrame({"v": values.gather(positions)}).select(pl.int_range(pl.len()).over("v"))[:, 0]
    return pl.zeros(values.len(), dtype=pl.Int64, eager=True).scatter(positions, repeated)


def _triple_lines(dataset: str) -> list[pl.Expr]:
    subject = "<" + pl.col(FOCUS) + "> "
    lines = [
        subject + f"{RDF_TYPE} {QB_OBSERVATION} .",
        subject + f"{QB_DATASET_PROP} <{dataset}> .",
        *(subject + f"{PROPS[c]} " + pl.col(term_column(c)) + " ." for c in (*DIMENSIONS, MEASURE, *ATTRIBUTES)),
        subject + f"{MP_SERIES_KEY} \"" + _escape(pl.col(KEY)) + '" .',
    ]
    return lines


def write_ntriples(terms: TermTable, rows: pl.Expr, path: Path, *, chunk_rows: int = 65_536,
                   header: str = "", on_chunk: Callable[[int], None] | None = None) -> int:
    """Write the observations selected by ``rows`` (a boolean expression) as N-Triples (without mp:sourceRow:
    the stored graphs never keep the line, see ``prepare``); ``header`` (N-Triples) first. The number written."""
    selected = terms.frame.filter(rows)
    lines = _triple_lines(terms.dataset)
    with path.open("wb") as out:
        out.write(header.encode("utf-8"))
        for start in range(0, selected.height, chunk_rows):
            chunk = selected.slice(start, chunk_rows)
            # one string per observation (its lines), written by polars as is: no Python string per triple
            chunk.select(pl.concat_str(lines, separator="\n", ignore_nulls=True).alias("nt")).write_csv(
                out, include_header=False, quote_style="never")
            if on_chunk is not None:
                on_chunk(start + chunk.height)
    return selected.height


def observation_rows(frame: pl.DataFrame) -> pl.Series:
    """The 1-based source lines of a term table's rows."""
    return frame[ROW]
