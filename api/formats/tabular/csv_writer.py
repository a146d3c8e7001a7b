"""Observations as CSV (RFC 4180) for spreadsheets, with cells guarded against formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe (OWASP "CSV Injection"), so a spreadsheet shows it as text instead of running it. Numbers are
written as they are: ``-1234.5`` is a value, not a formula, and net migration is often negative.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

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
