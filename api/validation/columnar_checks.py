"""The set-based checks and the cell checks as group-bys and column predicates over a term table (DESIGN §5).

The same findings as ``checks.py`` (SPARQL over an in-memory store) and ``cell_checks.py`` (one Python loop per
cell), with the messages written by their functions: duplicate keys are a group-by over the eight dimension
terms; ``_T = F + M`` a group-by of F and M joined to the totals (exact decimals for the totals the float sum
flags, or nearly flags); one unit per series a group-by over the seven series dimensions; formula cells a regular
expression per text column; periods the readers' parser once per distinct value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import reduce

import polars as pl

from api import vocab
from api.formats.rdf.cube_table import FOCUS, KEY, NUMBER, TermTable, term_column
from api.formats.tabular.table import ROW
from api.model.sdmx_period import period_problem
from api.model.structure import DIMENSIONS, SERIES_DIMENSIONS
from api.model.submission import Problem
from api.validation.cell_checks import formula_problem, period_cell_problem
from api.validation.checks import duplicate_problems, sex_total_problem, unit_problems
from api.validation.report import ObservationInfo

_FORMULA_START = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_SEX = vocab.CODE + "sex/"
_MULT_DEFAULT = vocab.CODE + "unit-mult/0"


def _t(component: str) -> pl.Expr:
    return pl.col(term_column(component))


def _iri(term: str | None) -> str:
    return (term or "")[1:-1]


def codes(column: str | pl.Expr) -> pl.Expr:
    """A text column as numbers, one per distinct text (null stays null): equal numbers for equal texts within the
    column, so that group-bys and joins on them are those on the texts, on 4 bytes a row."""
    expression = pl.col(column) if isinstance(column, str) else column
    return expression.cast(pl.Categorical).to_physical().alias(column if isinstance(column, str) else "codes")


def row_hash(columns: list[str]) -> pl.Expr:
    """A hash of each row's values in ``columns`` (one seed per column), to find the rows that may be equal: equal
    rows have equal hashes, and the few others that do are told apart by their values. Cheaper than a struct's hash
    or a group-by over the texts, both of which encode every row's values first."""
    return reduce(lambda a, b: a.xor(b), [pl.col(c).hash(seed=i) for i, c in enumerate(columns)])


def observation_infos(terms: TermTable, components: Iterable[str], indexes: Iterable[int]
                      ) -> dict[str, ObservationInfo]:
    """ObservationInfo (row and cells as written) of the rows at ``indexes`` only, by focus IRI."""
    wanted = sorted(set(indexes))
    if not wanted:
        return {}
    columns = [c for c in components if c in terms.frame.columns]
    rows = terms.frame.select(FOCUS, ROW, *columns)[wanted]
    infos: dict[str, ObservationInfo] = {}
    for values in rows.iter_rows(named=True):
        cells = {c: values[c] for c in columns if values[c] is not None}
        infos[values[FOCUS]] = ObservationInfo(values[ROW], cells)
    return infos


def formula_cells(terms: TermTable, components: Iterable[str]) -> list[Problem]:
    """Cells that a spreadsheet would run as a formula (``cell_checks.is_formula``), per column."""
    problems: list[Problem] = []
    for column in components:
        cell = pl.col(column)
        found = terms.frame.filter(cell.str.contains(_FORMULA_START) & ~cell.str.contains(_NUMBER))
        for focus, row, text in found.select(FOCUS, ROW, column).iter_rows():
            problems.append(formula_problem(focus, row, column, text))
    return problems


def period_cells(terms: TermTable) -> list[Problem]:
    """TIME_PERIODs the readers' parser refuses, judged once per distinct value."""
    stripped = pl.col("TIME_PERIOD").str.strip_chars()
    distinct = terms.frame.select(stripped.unique().alias("p"))["p"].drop_nulls().to_list()
    refused = [p for p in distinct if p and period_problem(p) is not None]
    if not refused:
        return []
    found = terms.frame.filter(stripped.is_in(pl.Series(refused, dtype=pl.Utf8).implode()))
    return [period_cell_problem(focus, row, value.strip())
            for focus, row, value in found.select(FOCUS, ROW, "TIME_PERIOD").iter_rows()]


def duplicate_keys(terms: TermTable) -> list[Problem]:
    """Observations that share all eight dimension terms."""
    keys = [term_column(d) for d in DIMENSIONS]
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    # Only rows whose keys' hash repeats can repeat their keys: those few are grouped by the keys themselves (a
    # group-by over eight text columns of every row cost seconds and half a gigabyte at a million rows).
    maybe = present & pl.when(present).then(row_hash(keys)).is_duplicated()
    frame = terms.frame.select(*keys, KEY, "TIME_PERIOD", ROW, FOCUS).filter(maybe)  # the columns used, not all
    repeated = frame.filter(pl.len().over(keys) > 1)
    if repeated.is_empty():
        return []
    text = pl.col(KEY) + " " + pl.col("TIME_PERIOD").fill_null("").str.strip_chars()
    groups: dict[tuple[object, ...], list[tuple[int | None, str, str]]] = defaultdict(list)
    for values in repeated.select(*keys, ROW, FOCUS, text.alias("text")).iter_rows():
        groups[values[:8]].append((values[8], values[9], values[10]))
    return duplicate_problems(groups.values())


def _exact(term: str) -> Decimal | None:
    try:
        return Decimal(term.split('"')[1])
    except (InvalidOperation, IndexError):
        return None


def sex_totals(terms: TermTable, count_indicators: Iterable[str]) -> list[Problem]:
    """Totals (SEX _T) of count indicators that differ from F + M (+ _U where given) by more than 0.5 %."""
    keys = [term_column(d) for d in (*DIMENSIONS,) if d != "SEX"]
    counts = pl.Series([f"<{i}>" for i in count_indicators], dtype=pl.Utf8)
    value = term_column("OBS_VALUE")
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys]) & pl.col(value).is_not_null()
    counted = (present & _t("INDICATOR").is_in(counts.implode())).alias("counted")
    used = [term_column("SEX"), value, NUMBER, ROW, FOCUS, "OBS_VALUE"]
    frame = (terms.frame.select(*(codes(k) for k in keys), *used, counted)
             .filter(pl.col("counted")).drop("counted"))  # the keys grouped and joined by their codes
    unknown_sex = _t("SEX") == f"<{_SEX}_U>"
    parts = (frame.filter(_t("SEX").is_in([f"<{_SEX}F>", f"<{_SEX}M>", f"<{_SEX}_U>"]))
             .group_by(keys).agg(pl.col(NUMBER).sum().alias("sum"), pl.col(NUMBER).null_count().alias("nulls"),
                                 pl.col(term_column("SEX")).n_unique().alias("sexes"), pl.len().alias("n"),
                                 (~unknown_sex).sum().alias("known"), unknown_sex.any().alias("unknown"),
                                 pl.col(value).alias("terms"), pl.col(ROW).alias("rows"))
             .filter((pl.col("known") == 2) & (pl.col("sexes") == pl.col("n")) & (pl.col("nulls") == 0)))
    totals = frame.filter((_t("SEX") == f"<{_SEX}_T>") & pl.col(NUMBER).is_not_null())
    joined = totals.join(parts, on=keys, how="inner")
    flagged = joined.filter((pl.col(NUMBER) - pl.col("sum")).abs() >= 0.004 * pl.col(NUMBER).abs())
    problems: list[Problem] = []
    for focus, row, total_term, total_text, part_terms, rows, unknown in flagged.select(
            FOCUS, ROW, value, "OBS_VALUE", "terms", "rows", "unknown").iter_rows():
        total = _exact(total_term)
        summed = [_exact(t) for t in part_terms]
        if total is None or any(s is None for s in summed):
            continue
        exact_sum = sum((s for s in summed if s is not None), Decimal(0))
        if abs(total - exact_sum) > Decimal("0.005") * abs(total):
            parts_rows = [str(r) for r in rows if r is not None]
            problems.append(sex_total_problem(row, focus, (total_text or "").strip(), str(exact_sum), parts_rows,
                                              unknown=bool(unknown)))
    return problems


def unit_consistency(terms: TermTable) -> list[Problem]:
    """Observations whose unit or multiplier differs from the rest of their series."""
    keys = [term_column(d) for d in SERIES_DIMENSIONS]
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys]) & _t("UNIT_MEASURE").is_not_null()
    unit, mult = term_column("UNIT_MEASURE"), term_column("UNIT_MULT")
    # the (unit, multiplier) pair as one number: the two terms' codes (a text per row cost 100 MB at 1M rows)
    pair = (codes(unit).cast(pl.UInt64) * (1 << 32) + codes(pl.col(mult).fill_null(f"<{_MULT_DEFAULT}>"))
            .cast(pl.UInt64)).alias("pair")
    frame = terms.frame.select(*(codes(k) for k in keys), pair, unit, mult, KEY, ROW, FOCUS,
                               present.alias("present")).filter(pl.col("present"))
    mixed = frame.filter(pl.col("pair").n_unique().over(keys) > 1)
    series: dict[str, list[tuple[int | None, str, str, str]]] = defaultdict(list)
    for key, row, focus, unit, mult in mixed.select(
            KEY, ROW, FOCUS, term_column("UNIT_MEASURE"), term_column("UNIT_MULT")).iter_rows():
        series[key].append((row, focus, _iri(unit), _iri(mult) if mult else _MULT_DEFAULT))
    return unit_problems(series)


def table_checks(terms: TermTable, count_indicators: Iterable[str]) -> list[Problem]:
    """Every set-based check over one term table."""
    return [*duplicate_keys(terms), *sex_totals(terms, count_indicators), *unit_consistency(terms)]
