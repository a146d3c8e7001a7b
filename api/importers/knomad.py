"""KNOMAD / World Bank bilateral matrices and remittance inflows (issue 18; DESIGN §4, §5).

Three layouts, recognised by their content (other editions of the same tables read alike):

- the **bilateral migration matrix** ("Bilateral Estimates of Migrant Stocks in 2021"): row 2 a corner label
  "Destination country (across) ... Source country (down)" and destination names; one row per origin;
  ``World`` as the last row and column. Cells -> STK_IMM, REF_AREA the destination, COUNTERPART_AREA the origin;
  the ``World`` row -> STK_IMM with COUNTERPART_AREA ``_T``; the ``World`` column -> DIA_STK (nationals abroad,
  all destinations) of the origin.
- the **bilateral remittance matrix** ("Bilateral Remittance Estimates for 2021 ... (millions of US$)"): corner
  "Remittance-receiving country (across) ... Remittance-sending country (down)"; rows senders, columns receivers.
  Cells -> REM_BIL, REF_AREA the receiver, COUNTERPART_AREA the sender, UNIT_MULT 6, OBS_STATUS ``E`` (model
  estimates); the ``WORLD`` row -> REM_BIL with COUNTERPART_AREA ``_T``. The ``WORLD`` column (what a sender
  sends in all) is not stored: the model's total is not the balance-of-payments REM_OUT.
- the **inward remittance flows** ("Remittance inflows (US$ million)" in A1, then years, a year such as
  ``2023e`` and "% of GDP in 2023"): REM_IN (UNIT_MULT 6) and REM_IN_GDP; an ``e`` year is OBS_STATUS ``E``.

Names are mapped through the registry's areas (aliases in ontology/codes/area-aliases.csv); names that do not
map are listed, never guessed; ``Other North`` / ``Other South`` are residual groups. An empty cell is no
estimate (no record); an ellipsis ``…`` is not available.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import observation_cells
from api.importers.workbook import (
    NameMapper,
    Row,
    Workbook,
    cell,
    cell_name,
    decimal_text,
    layout_error,
    read_workbook,
    text,
    year_in,
)
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

LICENCE = "https://www.worldbank.org/en/about/legal/terms-of-use-for-datasets"
DOWNLOAD_PAGE = "https://www.knomad.org/data/remittances"
MIGRATION_PAGE = "https://www.knomad.org/data/migration/emigration"
RESIDUAL = frozenset({"Other North", "Other South"})
WORLD = "world"
EXPECTED_MIGRATION = ("the KNOMAD bilateral migration matrix: row 1 'Bilateral Estimates of Migrant Stocks in YYYY', "
                      "A2 'Destination country (across) ... Source country (down)', destination names from B2, "
                      "origin names in column A from row 3, 'World' last")
EXPECTED_REMITTANCES = ("a KNOMAD remittance workbook: either the bilateral remittance matrix (row 1 'Bilateral "
                        "Remittance Estimates for YYYY ...', A2 'Remittance-receiving country (across) ... "
                        "Remittance-sending country (down)') or the inward remittance flows (a header row reading "
                        "'Remittance inflows (US$ million)' in column A, then years from column B)")
NO_LICENCE = "the workbook states no licence; the World Bank's terms of use for datasets apply"


@dataclass(frozen=True)
class Matrix:
    """One bilateral layout: the corner words, the indicator of a cell and of the totals, who is REF_AREA."""

    across: str
    down: str
    cell_indicator: str
    ref_is_column: bool  # True: REF_AREA is the column's area (destination / receiver)
    column_total: str | None  # indicator of the World column (per row area), None: not stored
    row_total: str  # indicator of the World row (per column area)
    unit_mult: str
    obs_status: str


MIGRATION = Matrix("destination country (across)", "source country (down)", "STK_IMM", True, "DIA_STK",
                   "STK_IMM", "0", "A")
REMITTANCES = Matrix("remittance-receiving country (across)", "remittance-sending country (down)", "REM_BIL",
                     True, None, "REM_BIL", "6", "E")


HEADER_SEARCH_ROWS = 10


def _matrix_sheet(book: Workbook, layout: Matrix) -> tuple[str, list[Row], int] | None:
    """The sheet whose corner cell (column A, within the first rows) names both sides; its 0-based header row."""
    for sheet, rows in book.sheets.items():
        for number, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            corner = " ".join(text(cell(row, 1)).lower().split())
            if layout.across in corner and layout.down in corner:
                return sheet, rows, number
    return None


def _indicator(context: ImportContext, identifier: str) -> Indicator:
    found = context.catalogue.get(identifier)
    if found is None:
        raise InputFileError(f"the catalogue has no indicator {identifier}; the ontology folder is incomplete.")
    return found


class _Collector:
    """Records and notes of one import, with the area mapping."""

    def __init__(self, book: Workbook, context: ImportContext) -> None:
        self.book = book
        self.context = context
        self.names = NameMapper(context.areas, skip=RESIDUAL)
        self.records: list[ObservationRecord] = []
        self.notes: list[str] = []

    def add(self, indicator_id: str, number: int, column: int, *, ref_area: str, year: str, value: str,
            counterpart: str | None, sheet: str, unit_mult: str, status: str, comment: str = "") -> None:
        indicator = _indicator(self.context, indicator_id)
        given = {"COUNTERPART_AREA": counterpart} if counterpart else {}
        cells = observation_cells(
            indicator, freq="A", ref_area=ref_area, time_period=year, value=value,
            source_detail=f"KNOMAD {self.book.name} sheet '{sheet.strip()}' {cell_name(number, column)}",
            given=given, unit_mult=unit_mult, obs_status=status, comment=comment)
        self.records.append(ObservationRecord(cells=cells, row=number))

    def value(self, sheet: str, number: int, column: int, raw: object, expected: str) -> str | None:
        try:
            return decimal_text(raw)
        except ValueError as exc:
            raise layout_error(self.book.name, sheet, number, column, "a number or an empty cell", raw,
                               expected) from exc

    def result(self, metadata: SubmissionMetadata) -> ImportResult:
        parsed = ParsedFile(name=self.book.name, format="xlsx", records=self.records, columns=COMPONENTS,
                            sha256=self.book.sha256, size=self.book.size)
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=self.names.report(),
                            notes=(*self.notes, *self.names.notes()))


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: int
    year: str
    value: str


def _place(collector: _Collector, layout: Matrix, at: Cell, header: Row, label: str, *, row_area: str | None,
           column_area: str | None, world_row: bool, world_column: bool) -> None:
    """One matrix cell as the observation it is: a bilateral figure, a row total or a column total."""
    if world_row:
        indicator, ref, counterpart, missing = layout.row_total, column_area, "_T", cell(header, at.column)
    elif row_area is None:
        indicator, ref, counterpart, missing = "", None, None, label
    elif world_column:
        if layout.column_total is None:
            return
        indicator, ref, counterpart, missing = layout.column_total, row_area, "_T", label
    elif layout.ref_is_column:
        indicator, ref, counterpart, missing = layout.cell_indicator, column_area, row_area, cell(header, at.column)
    else:
        indicator, ref, counterpart, missing = layout.cell_indicator, row_area, column_area, cell(header, at.column)
    if ref is None or counterpart is None:
        collector.names.count_unmapped(missing)
        return
    collector.add(indicator, at.row, at.column, ref_area=ref, year=at.year, value=at.value, counterpart=counterpart,
                  sheet=at.sheet, unit_mult=layout.unit_mult, status=layout.obs_status)


def _read_matrix(collector: _Collector, layout: Matrix, found: tuple[str, list[Row], int], expected: str) -> str:
    """Store every cell of a bilateral matrix; the year its title (a row above the header) names."""
    name = collector.book.name
    sheet, rows, at = found
    titles = [text(cell(r, 1)) for r in rows[:at] if text(cell(r, 1))]
    year = next((y for y in map(year_in, titles) if y), None)
    if year is None:
        raise layout_error(name, sheet, 1, 1, "a title above the header naming the year (e.g. 'in 2021')",
                           titles[0] if titles else None, expected)
    header = rows[at]
    columns: list[tuple[int, str | None, bool]] = []  # (column, area, is the World column)
    for column in range(2, len(header) + 1):
        label = text(cell(header, column))
        if label:
            world = label.lower() == WORLD
            columns.append((column, None if world else collector.names.area(label), world))
    if not columns or not columns[-1][2]:
        raise layout_error(name, sheet, at + 1, len(header), "'World' as the last column name",
                           cell(header, len(header)), expected)
    for number, row in enumerate(rows[at + 1:], start=at + 2):
        label = text(cell(row, 1))
        if not label:
            if any(v is not None for v in row[1:]):
                raise layout_error(name, sheet, number, 1, "a country name in column A", None, expected)
            continue
        world_row = label.lower() == WORLD
        row_area = None if world_row else collector.names.area(label)
        for column, column_area, world_column in columns:
            value = collector.value(sheet, number, column, cell(row, column), expected)
            if value is not None and not (world_row and world_column):
                _place(collector, layout, Cell(sheet, number, column, year, value), header, label,
                       row_area=row_area, column_area=column_area, world_row=world_row, world_column=world_column)
        if world_row:
            break
    else:
        raise InputFileError(f"{name}: sheet '{sheet}': no 'World' row closes the matrix; the file may be "
                             f"truncated. Expected {expected}.")
    return year


class KnomadMigrationImporter:
    """``mpr import knomad-migration FILE``: the bilateral migration matrix (migrant stocks, origin x destination)."""

    name = "knomad-migration"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        book = read_workbook(path, EXPECTED_MIGRATION)
        found = _matrix_sheet(book, MIGRATION)
        if found is None:
            raise InputFileError(f"{book.name}: no sheet whose A2 reads 'Destination country (across) ... Source "
                                 f"country (down)' (sheets: {', '.join(book.sheets)}); expected {EXPECTED_MIGRATION}.",
                                 details={"line": 2})
        collector = _Collector(book, context)
        year = _read_matrix(collector, MIGRATION, found, EXPECTED_MIGRATION)
        collector.notes.append("the World column is stored as DIA_STK (nationals abroad, all destinations) and the "
                               "World row as STK_IMM with COUNTERPART_AREA _T.")
        return collector.result(SubmissionMetadata(
            dataset_id=f"KNOMAD_BILATERAL_MIGRATION_{year}", agency_id="KNOMAD",
            title=f"Bilateral Estimates of Migrant Stocks in {year} (KNOMAD / World Bank)",
            sources=(f"KNOMAD/World Bank Bilateral Remittance Matrix {year}: Bilateral Estimates of Migrant Stocks "
                     f"in {year}.", "Underlying sources: UN DESA Population Division, UNHCR, OECD, Eurostat, "
                     "national statistical offices.", MIGRATION_PAGE),
            licence=LICENCE, definition_basis="foreign-born where available (UN DESA estimates updated by KNOMAD)",
            methodology="World Bank/KNOMAD estimates of bilateral migrant stocks; " + NO_LICENCE + ".",
            original_url=MIGRATION_PAGE, importer=KnomadMigrationImporter.name))


class KnomadRemittancesImporter:
    """``mpr import knomad-remittances FILE``: the bilateral remittance matrix or the inward remittance flows."""

    name = "knomad-remittances"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        book = read_workbook(path, EXPECTED_REMITTANCES)
        collector = _Collector(book, context)
        found = _matrix_sheet(book, REMITTANCES)
        if found is not None:
            year = _read_matrix(collector, REMITTANCES, found, EXPECTED_REMITTANCES)
            collector.notes.append("the WORLD column (a sender's modelled total) is not stored; the WORLD row is "
                                   "REM_BIL with COUNTERPART_AREA _T (a receiver's modelled total).")
            return collector.result(SubmissionMetadata(
                dataset_id=f"KNOMAD_BILATERAL_REMITTANCES_{year}", agency_id="KNOMAD",
                title=f"Bilateral Remittance Estimates for {year} (KNOMAD / World Bank)",
                sources=(f"KNOMAD/World Bank Bilateral Remittance Matrix {year}.",
                         next((text(cell(r, 1)) for r in found[1][:found[2]] if text(cell(r, 1))), ""),
                         DOWNLOAD_PAGE),
                licence=LICENCE, methodology="Estimates from migrant stocks, host country incomes and origin "
                "country incomes (Ratha and Shaw 2007); " + NO_LICENCE + ".",
                original_url=DOWNLOAD_PAGE, importer=KnomadRemittancesImporter.name))
        inflows = next(((s, r, n) for s, r in book.sheets.items() for n, row in enumerate(r[:HEADER_SEARCH_ROWS])
                        if "remittance inflows" in text(cell(row, 1)).lower()
                        and re.fullmatch(r"(19|20)\d\d", text(cell(row, 2)))), None)
        if inflows is None:
            raise InputFileError(f"{book.name}: neither layout found (sheets: {', '.join(book.sheets)}); expected "
                                 f"{EXPECTED_REMITTANCES}.", details={"line": 1})
        last = _read_inflows(collector, *inflows)
        return collector.result(SubmissionMetadata(
            dataset_id=f"KNOMAD_REMITTANCE_INFLOWS_{last}", agency_id="KNOMAD",
            title=f"Migrant remittance inflows, up to {last} (KNOMAD / World Bank)",
            sources=("World Bank-KNOMAD, remittance inflows (" + _dated(inflows[1]) + ").",
                     "GDP data from IMF World Economic Outlook.", DOWNLOAD_PAGE),
            licence=LICENCE, methodology="Balance-of-payments personal remittances (IMF BPM6) compiled by the "
            "World Bank; the last year is an estimate (OBS_STATUS E); " + NO_LICENCE + ".",
            original_url=DOWNLOAD_PAGE, importer=KnomadRemittancesImporter.name))


def _dated(rows: list[Row]) -> str:
    return next((text(cell(r, 1))[len("Date:"):].strip() for r in rows if text(cell(r, 1)).startswith("Date:")),
                "undated")


_ESTIMATE = re.compile(r"((?:19|20)\d\d)e")
_SHARE = re.compile(r"% of GDP in ((?:19|20)\d\d)")


def _read_inflows(collector: _Collector, sheet: str, rows: list[Row], at: int) -> str:
    """REM_IN per year (and REM_IN_GDP) from the header row ``at`` (0-based) on; the last year named."""
    name = collector.book.name
    columns: list[tuple[int, str, str, str]] = []  # (column, indicator, year, status)
    for column, raw in enumerate(rows[at], start=1):
        label = text(raw)
        if column == 1 or not label:
            continue
        if re.fullmatch(r"(19|20)\d\d", label):
            columns.append((column, "REM_IN", label, "A"))
        elif estimate := _ESTIMATE.fullmatch(label):
            columns.append((column, "REM_IN", estimate.group(1), "E"))
        elif share := _SHARE.fullmatch(label):
            estimated = any(c[2] == share.group(1) and c[3] == "E" for c in columns)
            columns.append((column, "REM_IN_GDP", share.group(1), "E" if estimated else "A"))
        else:
            raise layout_error(name, sheet, at + 1, column, "a year, a year with 'e' (estimate) or "
                               "'% of GDP in YYYY'", raw, EXPECTED_REMITTANCES)
    if not columns:
        raise layout_error(name, sheet, at + 1, 2, "years from column B on", cell(rows[at], 2), EXPECTED_REMITTANCES)
    for number, row in enumerate(rows[at + 1:], start=at + 2):
        label = text(cell(row, 1))
        if not label:
            break  # the footer follows the first empty row
        area = collector.names.area(label)
        for column, indicator, year, status in columns:
            value = collector.value(sheet, number, column, cell(row, column), EXPECTED_REMITTANCES)
            if value is None:
                continue
            if area is None:
                collector.names.count_unmapped(label)
                continue
            collector.add(indicator, number, column, ref_area=area, year=year, value=value, counterpart=None,
                          sheet=sheet, unit_mult="6" if indicator == "REM_IN" else "0", status=status)
    return max(c[2] for c in columns)
