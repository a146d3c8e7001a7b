"""UN DESA International Migrant Stock, "Origin" workbook -> nationals abroad by sex (issue 18; DESIGN §4, §5).

``undesa_pd_2020_ims_stock_by_sex_and_origin.xlsx`` counts the international migrants born in (or citizens of)
each country or area who live abroad: the diaspora total by country of origin, 1990-2020, by sex. Each of its
tables has a title block, a super-header naming the blocks ("International migrant stock at mid-year, both sexes
combined" / "males" / "females"), a header row (Index, Region ..., Notes, Location code, Type of data, years) and
one row per area. The layout is recognised by content, so that other editions read alike: the title says
"International Migrant Stock YYYY: Origin", the header row is the one whose D cell is "Location code", and each
block's sex comes from its super-header.

Decisions:
- Figures become DIA_STK (nationals abroad) with REF_AREA the origin, COUNTERPART_AREA ``_T`` (all destinations)
  and SEX ``_T`` / ``M`` / ``F``. Table 2 (female share) is not stored: it is DIA_STK F over _T of Table 1.
- Areas come from the M49 code in column D. Codes that are not areas (UN DESA's SDG, development and income
  groups; 2003 "OTHER", migrants of unknown origin) are listed in ``unmapped``. The IMS aggregates
  correspondence table (``aggregates_correspondence_table_*.xlsx``), when it lies beside the workbook, names
  each such code's kind (SDG region, income group ...) and its ISO3 codes are checked against the area list.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import observation_cells
from api.importers.workbook import Row, Workbook, cell, cell_name, decimal_text, layout_error, read_workbook, text
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

LICENCE = "http://creativecommons.org/licenses/by/3.0/igo/"
DOWNLOAD_PAGE = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
EXPECTED = ("the UN DESA International Migrant Stock 'Origin' workbook: a sheet titled 'International Migrant Stock "
            "YYYY: Origin' (column E of the first rows) with a header row reading Index, Region ..., Notes, "
            "Location code, Type of data, then years, and blocks 'both sexes combined', 'males', 'females'")
CORRESPONDENCE = "aggregates_correspondence_table_*.xlsx"
UNKNOWN_ORIGIN = "2003"
_TITLE = re.compile(r"International Migrant Stock (\d{4}): Origin")
_SEXES = (("both sexes", "_T"), ("females", "F"), ("males", "M"))  # 'females' before 'males' (substring)


def _sex_of(heading: str) -> str | None:
    lowered = heading.lower()
    return next((sex for words, sex in _SEXES if words in lowered), None)


def _header_row(rows: list[Row]) -> int | None:
    """The 1-based row whose column D reads 'Location code' (within the first 20 rows)."""
    return next((n for n, row in enumerate(rows[:20], start=1) if text(cell(row, 4)).startswith("Location code")),
                None)


def _blocks(name: str, sheet: str, rows: list[Row], header: int) -> list[tuple[int, str, str]]:
    """(column, year, sex) of each value column: years from the header row, sex from the super-header above."""
    headings: dict[int, str] = {}
    for row in rows[: header - 1]:
        for column, value in enumerate(row, start=1):
            if column >= 6 and _sex_of(text(value)) is not None:
                headings[column] = text(value)
    found: list[tuple[int, str, str]] = []
    for column, value in enumerate(rows[header - 1], start=1):
        if column < 6 or value is None:
            continue
        year = text(value)
        if not re.fullmatch(r"(19|20)\d\d", year):
            raise layout_error(name, sheet, header, column, "a year such as 1990", value, EXPECTED)
        starts = [c for c in headings if c <= column]
        if not starts:
            raise layout_error(name, sheet, header - 3, column,
                               "a block title naming both sexes, males or females above the years", None, EXPECTED)
        found.append((column, year, _sex_of(headings[max(starts)]) or "_T"))
    if not found:
        raise layout_error(name, sheet, header, 6, "years from column F on", None, EXPECTED)
    return found


def correspondence(path: Path) -> dict[str, tuple[str, str, str]]:
    """The IMS correspondence table: M49 code -> (ISO3 or '', name, location type)."""
    book = read_workbook(path, "the IMS aggregates correspondence table (sheet Annex)")
    rows = book.sheets.get("Annex")
    if rows is None:
        raise InputFileError(f"{path.name}: no sheet 'Annex'; expected the IMS aggregates correspondence table.")
    header = _header_row(rows)
    if header is None or text(cell(rows[header - 1], 5)) != "ISO3 Alpha-code":
        raise InputFileError(f"{path.name}: sheet 'Annex': no header row with 'Location code' (D) and "
                             "'ISO3 Alpha-code' (E); expected the IMS aggregates correspondence table.")
    table: dict[str, tuple[str, str, str]] = {}
    for row in rows[header:]:
        code = text(cell(row, 4))
        if code.isdigit():
            table[code] = (text(cell(row, 5)), text(cell(row, 2)).rstrip("*").strip(), text(cell(row, 7)))
    return table


class UndesaOriginImporter:
    """``mpr import undesa-origin FILE``: the IMS "Origin" workbook (nationals abroad by sex)."""

    name = "undesa-origin"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        book = read_workbook(path, EXPECTED)
        companions = sorted(path.parent.glob(CORRESPONDENCE))
        table = correspondence(companions[0]) if companions else {}
        return _Reader(book, context, table).read()


class _Reader:
    def __init__(self, book: Workbook, context: ImportContext, table: dict[str, tuple[str, str, str]]) -> None:
        self.book = book
        self.context = context
        self.table = table
        self.records: list[ObservationRecord] = []
        self.unmapped: Counter[str] = Counter()
        self.notes: list[str] = []
        self.seen: dict[tuple[str, str], int] = {}  # (sheet, area) -> first row

    def read(self) -> ImportResult:
        edition, sheets = "", []
        for sheet, rows in self.book.sheets.items():
            title = next((text(cell(r, 5)) for r in rows[:6] if _TITLE.fullmatch(text(cell(r, 5)))), "")
            header = _header_row(rows)
            if not title or header is None:
                continue
            edition = _TITLE.fullmatch(title).group(1)  # type: ignore[union-attr]
            table_title = text(cell(rows[2], 5)) if len(rows) > 2 else ""
            if "percentage" in table_title.lower():
                self.notes.append(f"sheet '{sheet}' ({table_title}) not stored: it is the female share DIA_STK "
                                  "F / _T of the stock table, which is stored.")
                continue
            sheets.append((sheet, rows, header))
        if not sheets:
            raise InputFileError(f"{self.book.name}: no sheet of the expected layout (sheets: "
                                 f"{', '.join(self.book.sheets)}); expected {EXPECTED}.", details={"line": 1})
        for sheet, rows, header in sheets:
            self._sheet(sheet, rows, header, edition)
        labels = {code: f"{self.table[code][1]} [{code}, {self.table[code][2] or 'aggregate'}]"
                  for code in self.unmapped if code in self.table}
        if self.unmapped:
            shown = ", ".join(labels.get(code, code) for code in sorted(self.unmapped))
            self.notes.append(f"{len(self.unmapped)} location codes that are not areas of the code list skipped "
                              f"({UNKNOWN_ORIGIN} = origin unknown): {shown}.")
        parsed = ParsedFile(name=self.book.name, format="xlsx", records=self.records, columns=COMPONENTS,
                            sha256=self.book.sha256, size=self.book.size)
        metadata = SubmissionMetadata(
            dataset_id=f"UNDESA_IMS{edition}_ORIGIN", agency_id="UNDESA",
            title=f"International Migrant Stock {edition}: Origin, by sex (UN DESA Population Division)",
            sources=(f"United Nations, Department of Economic and Social Affairs, Population Division ({edition}). "
                     f"International Migrant Stock {edition} (POP/DB/MIG/Stock/Rev.{edition}).", DOWNLOAD_PAGE),
            licence=LICENCE, definition_basis="foreign-born where available, else foreign citizens (as counted "
            "by each country of destination)",
            methodology="UN DESA estimates from destination countries' censuses, registers and surveys, "
            "interpolated to mid-year; summed by country of origin.",
            original_url=DOWNLOAD_PAGE, importer=UndesaOriginImporter.name)
        unmapped = {labels.get(code, code): count for code, count in self.unmapped.items()}
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=unmapped, notes=tuple(self.notes))

    def _area(self, code: str) -> str | None:
        area = self.context.areas.code(code)
        iso3 = self.table.get(code, ("", "", ""))[0]
        if iso3:
            by_iso3 = self.context.areas.code(iso3)
            if by_iso3 is not None and by_iso3 != area:
                self.notes.append(f"location code {code}: the correspondence table gives {iso3}; mapped to "
                                  f"{by_iso3} (the area list maps the code to {area}).")
                return by_iso3
        return area

    def _sheet(self, sheet: str, rows: list[Row], header: int, edition: str) -> None:
        name = self.book.name
        for label, expected in ((2, "Region"), (4, "Location code"), (5, "Type of data")):
            if not text(cell(rows[header - 1], label)).startswith(expected):
                raise layout_error(name, sheet, header, label, f"the header '{expected}'",
                                   cell(rows[header - 1], label), EXPECTED)
        blocks = _blocks(name, sheet, rows, header)
        indicator = self.context.catalogue.get("DIA_STK")
        if indicator is None:
            raise InputFileError("the catalogue has no indicator DIA_STK; the ontology folder is incomplete.")
        for number, row in enumerate(rows[header:], start=header + 1):
            code = text(cell(row, 4))
            if not code and not text(cell(row, 2)):
                continue
            if not code.isdigit():
                raise layout_error(name, sheet, number, 4, "an M49 location code (digits)", cell(row, 4), EXPECTED)
            area = self._area(code)
            if area is None:
                self.unmapped[code] += len(blocks)
                continue
            first = self.seen.setdefault((sheet, area), number)
            if first != number:
                same = all(cell(row, c) == cell(rows[first - 1], c) for c, _, _ in blocks)
                self.notes.append(f"{sheet} row {number} repeats the area {area} of row {first} with "
                                  f"{'the same' if same else 'DIFFERENT (the first row is kept)'} values; "
                                  "not imported twice.")
                continue
            for column, year, sex in blocks:
                try:
                    value = decimal_text(cell(row, column))
                except ValueError as exc:
                    raise layout_error(name, sheet, number, column, "a number or '..' (not available)",
                                       cell(row, column), EXPECTED) from exc
                if value is None:
                    continue
                detail = f"UN DESA IMS {edition} Origin {sheet} {cell_name(number, column)}"
                cells = observation_cells(indicator, freq="A", ref_area=area, time_period=year, value=value,
                                          source_detail=detail, given={"SEX": sex})
                self.records.append(ObservationRecord(cells=cells, row=number))
