"""World Bank Excel files for ``mpr import wdi``: per-indicator Excel downloads and DataBank exports.

Issue: importers. Two layouts, told apart by their content, in either Excel format (Office Open XML read by
openpyxl; legacy BIFF ``.xls`` read by xlrd):

- the **per-indicator download** (``API_<code>_DS2_en_excel_v2_<n>.xls``): sheet ``Data`` with the same preamble
  and header as the CSV download (``Data Source``, ``Last Updated Date``, then ``Country Name, Country Code,
  Indicator Name, Indicator Code, 1960, ...``); its cells are turned into the CSV's text and read by the CSV path;
- the **DataBank export**: a sheet whose header has ``Country Code`` and series columns named
  ``<Indicator name> [<SERIES.CODE>]`` (the code only in the brackets) with a ``Time`` column (``2021``), or
  ``Series Code`` rows with ``2021 [YR2021]`` year columns; ``..`` = no figure; after the data, empty rows and the
  footer ``Data from database: ...`` / ``Last Updated: MM/DD/YYYY``. Series the catalogue does not match are
  counted in a note, not refused (an export holds hundreds).

Economies map by code (ISO alpha-3, WB variants such as XKX); aggregates other than the world are reported.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import CsvText, observation_cells, sdmx_id
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SERIES = re.compile(r"^(?P<name>.*)\[(?P<code>[A-Z][A-Z0-9_.]*)\]\s*$")
_YEAR_COLUMN = re.compile(r"^(\d{4})(?:\s*\[YR\1\])?$")
_UPDATED = re.compile(r"Last Updated:\s*(\d{1,2})/(\d{1,2})/(\d{4})")
PUBLISHER = "The World Bank, World Development Indicators (DataBank)"
URL = "https://databank.worldbank.org/source/world-development-indicators"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
WORLD = {"WLD": "001"}
MISSING = frozenset({"", "..", "\u2026", "\u2014"})


def is_workbook(path: Path) -> bool:
    """True for an Excel workbook (.xlsx zip or legacy .xls), by its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head.startswith(_ZIP) or head == _OLE2


def cell_text(value: Any) -> str:
    """A cell as the CSV download writes it: numbers as plain decimals, years without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value).strip()


@dataclass(frozen=True)
class Workbook:
    name: str
    sheets: dict[str, list[list[str]]]
    sha256: str
    size: int

    @property
    def databank(self) -> bool:
        return _databank_sheet(self) is not None

    def as_text(self) -> CsvText:
        """The per-indicator download's Data sheet (else the first sheet) as numbered CSV-like rows."""
        sheet = self.sheets.get("Data") or next(iter(self.sheets.values()), [])
        return CsvText(name=self.name, rows=[(n, r) for n, r in enumerate(sheet, start=1)], sha256=self.sha256,
                       size=self.size)


def read_workbook(path: Path, expected: str) -> Workbook:
    """Every sheet's cells as text; an unreadable or truncated workbook is refused naming what was expected."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path.name}: cannot be read ({exc.strerror}); expected {expected}.") from exc
    sheets: dict[str, list[list[str]]] = {}
    if data.startswith(_OLE2):
        import struct

        import xlrd
        from xlrd.compdoc import CompDocError

        try:
            book = xlrd.open_workbook(file_contents=data)
        # a damaged compound document fails in xlrd's lower layers, not only as XLRDError
        except (xlrd.XLRDError, CompDocError, struct.error, IndexError, ValueError, AssertionError, KeyError) as exc:
            raise InputFileError(f"{path.name}: line 1: not a readable Excel 97-2003 (.xls) workbook ({exc}); "
                                 f"expected {expected}.", details={"line": 1}) from exc
        for sheet in book.sheets():
            sheets[sheet.name] = [[cell_text(c) for c in sheet.row_values(r)] for r in range(sheet.nrows)]
    else:
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise InputFileError(f"{path.name}: line 1: not a readable Excel workbook ({exc}); expected {expected}.",
                                 details={"line": 1}) from exc
        try:
            for name in book.sheetnames:
                sheets[name] = [[cell_text(c) for c in row] for row in book[name].iter_rows(values_only=True)]
        finally:
            book.close()
    return Workbook(path.name, sheets, hashlib.sha256(data).hexdigest(), len(data))


def _databank_sheet(workbook: Workbook) -> tuple[str, int] | None:
    """(sheet, header row index) of a DataBank export: a header with Country Code and series columns."""
    for name, rows in workbook.sheets.items():
        for index, row in enumerate(rows[:5]):
            if "Country Code" in row and (any(_SERIES.match(c) for c in row) or "Series Code" in row):
                return name, index
    return None


def read_databank(workbook: Workbook, context: ImportContext) -> ImportResult:
    """Every figure of a series the catalogue matches, by economy and year."""
    found = _databank_sheet(workbook)
    assert found is not None
    sheet, header_at = found
    rows = workbook.sheets[sheet]
    header = rows[header_at]
    country = header.index("Country Code")
    records: list[ObservationRecord] = []
    unmapped: Counter[str] = Counter()
    unknown_series: set[str] = set()
    used: dict[str, Indicator] = {}
    end = next((i for i in range(header_at + 1, len(rows)) if not any(rows[i])), len(rows))
    updated = next((m for r in rows[end:] for c in r[:1] if (m := _UPDATED.search(c))), None)
    release = date(int(updated.group(3)), int(updated.group(1)), int(updated.group(2))).isoformat() if updated else ""
    for number, row in ((i + 1, rows[i]) for i in range(header_at + 1, end)):
        for year, code, value, _column in _figures(header, row):
            indicator = used.get(code) or context.catalogue.by_source("WB", code)
            if indicator is None:
                unknown_series.add(code)
                continue
            used[code] = indicator
            economy = row[country].strip()
            area = context.areas.code(economy) or WORLD.get(economy)
            if area is None or (context.areas.is_region(area) and area not in WORLD.values()):
                unmapped[f"{economy} ({row[country - 1] if country else ''})"] += 1
                continue
            detail = f"WDI DataBank {code}" + (f", last updated {release}" if release else "")
            records.append(ObservationRecord(cells=observation_cells(
                indicator, freq="A", ref_area=area, time_period=year, value=value, source_detail=detail),
                row=number))
    if not used:
        raise InputFileError(f"{workbook.name}: sheet '{sheet}' row {header_at + 1}: no series of the DataBank export "
                             "matches an indicator of the catalogue (skos:exactMatch series/WB/<code>).",
                             details={"sheet": sheet, "row": header_at + 1})
    years = sorted({r.cells["TIME_PERIOD"] for r in records})
    notes = [f"DataBank export{f' last updated {release}' if release else ''}: series "
             f"{', '.join(sorted(used))} imported; {len(unknown_series)} other series match no indicator."]
    if unmapped:
        notes.append("Aggregates or economies without an area skipped: " + ", ".join(sorted(unmapped)) + ".")
    metadata = SubmissionMetadata(
        dataset_id=sdmx_id("WB", "WDI", "DATABANK", *(years[:1] + years[-1:] if len(years) > 1 else years)),
        agency_id="WB",
        title="World Development Indicators, DataBank export (World Bank)",
        sources=(PUBLISHER, URL), licence=LICENCE, original_url=URL, importer="wdi", extra_notes=tuple(notes))
    parsed = ParsedFile(name=workbook.name, format="wdi-databank", records=records, columns=COMPONENTS,
                        sha256=workbook.sha256, size=workbook.size)
    return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=tuple(notes))


def _figures(header: list[str], row: list[str]) -> list[tuple[str, str, str, int]]:
    """(year, series code, value, column) of the row's figures, in either DataBank orientation."""
    out: list[tuple[str, str, str, int]] = []
    if "Series Code" in header:  # one row per economy and series, one column per year
        code = row[header.index("Series Code")].strip()
        for column, title in enumerate(header):
            match = _YEAR_COLUMN.match(title.strip())
            if match and column < len(row) and row[column].strip() not in MISSING:
                out.append((match.group(1), code, row[column].strip(), column))
        return out
    year = row[header.index("Time")].strip() if "Time" in header else ""
    for column, title in enumerate(header):
        match = _SERIES.match(title)
        if match and column < len(row) and row[column].strip() not in MISSING and re.fullmatch(r"\d{4}", year):
            out.append((year, match.group("code"), row[column].strip(), column))
    return out
