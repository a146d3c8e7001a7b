"""UN DESA "Migrants by Destination and Origin" matrix -> migrants present by origin (issue 18; DESIGN §4, §5).

``UN_MigrantStockByOriginAndDestination_2015.xlsx`` (POP/DB/MIG/Stock/Rev.2015): each table is one year and one
sex ("Table 16. Total migrant stock at mid-year by origin and by major area, region, country or area of
destination, 2015"); rows are destinations (M49 code in the "Country code" column), columns origins named in
the row under the header ("Total", "Other North", "Other South", then countries by name). The ANNEX sheet maps
origin names to codes. Tables are recognised by their title, so any of the 18 tables (and other editions of
the layout) read alike.

Decisions:
- Each cell becomes STK_IMM with REF_AREA the destination and COUNTERPART_AREA the origin; the table title gives
  the year and the sex (Total ``_T``, Male ``M``, Female ``F``). The ``Total`` column is not stored: the total
  stock is the destination workbook's (a later revision).
- ``Other North`` / ``Other South`` are residual groups, not areas; destinations whose code is not an area
  (901, 902, 934) and origins no name of which maps are listed in ``unmapped``.
- An empty cell means no estimate: no record. ``Type of data`` goes into SOURCE_DETAIL and COMMENT
  (foreign-born / foreign citizens); ``I`` gives OBS_STATUS ``I``.
"""

from __future__ import annotations

import re
from collections import Counter
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
)
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

LICENCE = "https://www.un.org/en/about-us/copyright"
DOWNLOAD_PAGE = "https://www.un.org/en/development/desa/population/migration/data/estimates2/estimates15.asp"
EXPECTED = ("the UN DESA 'Migrants by Destination and Origin' workbook: sheets titled 'Table N. Total (or Male, "
            "Female) migrant stock at mid-year by origin and by ... destination, YYYY', a header row with "
            "'Country code' in column D and origin names in the row below from column F, and an ANNEX sheet")
RESIDUAL = frozenset({"Other North", "Other South"})
TYPE_MEANINGS = {"B": "foreign-born", "C": "foreign citizens", "R": "refugees added", "I": "imputed"}
BASIS = {"B": "foreign-born", "C": "foreign citizens"}
_TITLE = re.compile(r"Table \d+\. (Total|Male|Female) migrant stock at mid-year by origin and by .*destination, "
                    r"(\d{4})", re.IGNORECASE)
_SEX = {"total": "_T", "male": "M", "female": "F"}


def _annex(book: Workbook) -> dict[str, str]:
    """ANNEX: country or area name -> its M49 country code."""
    for sheet, rows in book.sheets.items():
        if sheet.strip().upper() != "ANNEX":
            continue
        header = next((n for n, r in enumerate(rows[:30]) if text(cell(r, 1)) == "Country code"
                       and text(cell(r, 2)) == "Country or area"), None)
        if header is None:
            raise InputFileError(f"{book.name}: sheet '{sheet}': no header row 'Country code', 'Country or area'; "
                                 f"expected {EXPECTED}.")
        return {text(cell(r, 2)): text(cell(r, 1)) for r in rows[header + 1:] if text(cell(r, 1)).isdigit()}
    raise InputFileError(f"{book.name}: no ANNEX sheet (sheets: {', '.join(book.sheets)}); expected {EXPECTED}.")


class UndesaOriginDestinationImporter:
    """``mpr import undesa-od FILE``: the origin x destination matrix (migrants present by origin)."""

    name = "undesa-od"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        book = read_workbook(path, EXPECTED)
        return _Reader(book, context).read()


class _Reader:
    def __init__(self, book: Workbook, context: ImportContext) -> None:
        self.book = book
        self.context = context
        self.names = NameMapper(context.areas, skip=RESIDUAL)
        self.destinations: Counter[str] = Counter()
        self.records: list[ObservationRecord] = []
        self.notes: list[str] = []
        self.revision = ""

    def read(self) -> ImportResult:
        annex = _annex(self.book)
        tables = []
        for sheet, rows in self.book.sheets.items():
            for number, row in enumerate(rows[:20], start=1):
                found = _TITLE.search(text(cell(row, 5)))
                if found:
                    tables.append((sheet, rows, _SEX[found.group(1).lower()], found.group(2)))
                    self.revision = next((text(cell(r, 5)) for r in rows[number:number + 3]
                                          if text(cell(r, 5)).startswith("POP/DB")), self.revision)
                    break
        if not tables:
            raise InputFileError(f"{self.book.name}: no sheet titled like 'Table 16. Total migrant stock at mid-year "
                                 f"by origin and by ... destination, 2015' (sheets: {', '.join(self.book.sheets)}); "
                                 f"expected {EXPECTED}.", details={"line": 1})
        years = sorted({year for *_, year in tables})
        for sheet, rows, sex, year in tables:
            self._table(sheet, rows, sex, year, annex)
        self.notes.append("the 'Total' column is not stored (the destination workbook's total stock is a later "
                          "revision).")
        self.notes.extend(self.names.notes())
        if self.destinations:
            self.notes.append("destination codes that are not areas skipped: "
                              + ", ".join(sorted(self.destinations)) + ".")
        edition = self.revision.rsplit(".", 1)[-1] if self.revision else years[-1]
        parsed = ParsedFile(name=self.book.name, format="xlsx", records=self.records, columns=COMPONENTS,
                            sha256=self.book.sha256, size=self.book.size)
        metadata = SubmissionMetadata(
            dataset_id=f"UNDESA_MSOD{edition}", agency_id="UNDESA",
            title=f"Trends in International Migrant Stock: Migrants by Destination and Origin, {', '.join(years)} "
                  "(UN DESA Population Division)",
            sources=("United Nations, Department of Economic and Social Affairs (" + edition + "). Trends in "
                     "International Migrant Stock: Migrants by Destination and Origin (United Nations database, "
                     f"{self.revision or 'POP/DB/MIG/Stock'}).", DOWNLOAD_PAGE),
            licence=LICENCE, definition_basis="foreign-born where available, else foreign citizens; refugees added "
            "where marked R (type of data per destination in SOURCE_DETAIL and COMMENT)",
            methodology="UN DESA estimates from destination countries' censuses, registers and surveys, by country "
            "of origin, interpolated to mid-year.", original_url=DOWNLOAD_PAGE,
            importer=UndesaOriginDestinationImporter.name)
        unmapped = {**self.names.report(), **{f"destination {k}": v for k, v in self.destinations.items()}}
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=unmapped, notes=tuple(self.notes))

    def _origins(self, sheet: str, rows: list[Row], header: int, annex: dict[str, str]) -> list[tuple[int, str | None]]:
        """(column, origin area or None) of every origin column but 'Total'."""
        names = rows[header]  # the row under the header (0-based index header = 1-based row header + 1)
        if text(cell(names, 6)) != "Total":
            raise layout_error(self.book.name, sheet, header + 1, 6, "'Total', then the origins' names",
                               cell(names, 6), EXPECTED)
        found: list[tuple[int, str | None]] = []
        for column in range(7, len(names) + 1):
            label = text(cell(names, column))
            if not label:
                continue
            code = annex.get(label)
            area = self.context.areas.code(code) if code else None
            found.append((column, area or self.names.area(label)))
        return found

    def _table(self, sheet: str, rows: list[Row], sex: str, year: str, annex: dict[str, str]) -> None:
        name = self.book.name
        header = next((n for n, r in enumerate(rows[:30], start=1) if text(cell(r, 4)) == "Country code"), None)
        if header is None:
            raise layout_error(name, sheet, 15, 4, "the header 'Country code' (within the first 30 rows)", None,
                               EXPECTED)
        origins = self._origins(sheet, rows, header, annex)
        indicator = self.context.catalogue.get("STK_IMM")
        if indicator is None:
            raise InputFileError("the catalogue has no indicator STK_IMM; the ontology folder is incomplete.")
        labels = rows[header]
        for number, row in enumerate(rows[header + 1:], start=header + 2):
            code = text(cell(row, 4))
            if not code and not text(cell(row, 2)):
                continue
            if not code.isdigit():
                raise layout_error(name, sheet, number, 4, "an M49 country code (digits)", cell(row, 4), EXPECTED)
            destination = self.context.areas.code(code)
            letters = tuple(text(cell(row, 5)).upper().split())
            for column, origin in origins:
                raw = cell(row, column)
                try:
                    value = decimal_text(raw)
                except ValueError as exc:
                    raise layout_error(name, sheet, number, column, "a number or an empty cell", raw,
                                       EXPECTED) from exc
                if value is None:
                    continue
                if destination is None:
                    self.destinations[f"{text(cell(row, 2))} [{code}]"] += 1
                    continue
                if origin is None:
                    self.names.count_unmapped(cell(labels, column))
                    continue
                self._record(indicator, number, column, destination, origin, sex, year, value, letters, sheet)

    def _record(self, indicator: Indicator, number: int, column: int, destination: str, origin: str, sex: str,
                year: str, value: str, letters: tuple[str, ...], sheet: str) -> None:
        detail = f"UN DESA {self.revision or 'Migrants by Destination and Origin'} {sheet} {cell_name(number, column)}"
        comment = [BASIS[letter] for letter in letters if letter in BASIS]
        if letters:
            detail += f"; type of data {' '.join(letters)}: {', '.join(TYPE_MEANINGS.get(x, x) for x in letters)}"
        cells = observation_cells(
            indicator, freq="A", ref_area=destination, time_period=year, value=value,
            source_detail=detail, given={"SEX": sex, "COUNTERPART_AREA": origin},
            obs_status="I" if "I" in letters else "A", comment="; ".join(comment))
        self.records.append(ObservationRecord(cells=cells, row=number))
