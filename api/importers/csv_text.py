"""Reading publishers' CSV text into template cells (issue: importers; DESIGN §5 "parse").

Publishers' CSV files differ from the registry's template in small ways that every importer meets:
a byte-order mark, CRLF or LF line ends, quoted new lines, preamble and footer lines, thousands
separators and missing-value markers. The helpers here turn such a file into numbered rows and
one publisher's value into the cells of one observation.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import read_original
from api.model.catalogue import Indicator
from api.model.structure import NOT_APPLICABLE, TOTAL

MISSING_MARKERS = frozenset({"", "..", "...", "…"})
BREAKDOWN_DIMENSIONS = ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class CsvText:
    """A publisher's CSV file: its rows with the 1-based line each starts on, and the facts of the bytes."""

    name: str
    rows: list[tuple[int, list[str]]]
    sha256: str
    size: int


def read_csv(path: Path, expected: str) -> CsvText:
    """Read a UTF-8 CSV file (BOM optional, CRLF or LF, quoted new lines) into numbered rows.

    ``expected`` names the layout in error messages ("a WDI API_*.csv download"). An unreadable,
    empty or non-UTF-8 file raises InputFileError naming the file, the line and what was expected.
    """
    data = read_original(path, expected)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path.name}: line {line}: byte 0x{data[exc.start]:02X} is not UTF-8; expected {expected} "
            "saved as UTF-8 text, as the publisher distributes it.",
            details={"line": line},
        ) from exc
    return CsvText(name=path.name, rows=list(numbered_rows(text, path.name)),
                   sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def numbered_rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line the record starts on, fields); a blank line yields an empty list."""
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputFileError(f"{name}: line {last + 1}: not valid CSV ({exc}).") from exc
        yield last + 1, fields
        last = reader.line_num


def is_blank(fields: Sequence[str]) -> bool:
    """True for a blank line or a row of separators only (",,,,")."""
    return all(not f.strip() for f in fields)


def without_trailing_empty(fields: Sequence[str]) -> list[str]:
    """The fields without the empty ones a trailing comma leaves at the end."""
    out = list(fields)
    while out and not out[-1].strip():
        out.pop()
    return out


def layout_error(name: str, line: int, expected: str, found: Iterable[str]) -> InputFileError:
    """The error for a file that is not of the importer's layout."""
    shown = ",".join(found)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return InputFileError(
        f"{name}: line {line}: expected {expected}; found '{shown}'. Check that the file matches the "
        "importer (mpr import SOURCE FILE) and is the publisher's original download.",
        details={"line": line},
    )


def plain_number(text: str) -> str | None:
    """A publisher's number as plain decimal text: '191,446,828' -> '191446828', '1.5E3' -> '1500'.

    Missing-value markers ('', '..') give None. Text that is not a number is returned unchanged
    (trimmed), so that validation reports it with its row instead of the importer hiding it.
    """
    value = text.strip()
    if value in MISSING_MARKERS:
        return None
    if _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    value = value.lstrip("+")
    if _PLAIN.fullmatch(value):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return text.strip()
    if not number.is_finite():
        return text.strip()
    return format(number, "f")


def observation_cells(
    indicator: Indicator,
    *,
    freq: str,
    ref_area: str,
    time_period: str,
    value: str,
    source_detail: str,
    given: dict[str, str] | None = None,
    unit_mult: str = "0",
    obs_status: str = "A",
    conf_status: str = "F",
    comment: str = "",
) -> dict[str, str]:
    """Every template column for one observation (DESIGN §4: `_Z` not applicable, `_T` total).

    A breakdown dimension of the indicator takes the value the file gives (``given``) or `_T` (the
    figure covers all of it); a dimension the indicator is not broken down by takes `_Z` unless the
    file gives a value, which is then kept for validation to report.
    """
    given = given or {}
    cells = {
        "FREQ": freq,
        "REF_AREA": ref_area,
        "INDICATOR": indicator.id,
    }
    for dim in BREAKDOWN_DIMENSIONS:
        cells[dim] = given.get(dim) or (TOTAL if dim in indicator.breakdowns else NOT_APPLICABLE)
    cells.update({
        "TIME_PERIOD": time_period,
        "OBS_VALUE": value,
        "UNIT_MEASURE": indicator.unit,
        "UNIT_MULT": unit_mult,
        "OBS_STATUS": obs_status,
        "CONF_STATUS": conf_status,
        "DECIMALS": "",
        "COMMENT": comment,
        "SOURCE_DETAIL": source_detail,
    })
    return cells


def sdmx_id(*parts: str) -> str:
    """An SDMX-style id from free parts: 'WB', 'SM.POP.NETM' -> 'WB_SM_POP_NETM'."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").upper() for p in parts if p)
