"""Small copies of the publishers' bilateral workbooks for tests: the same layout, every sheet and label kept,
only the cells of five countries (and the World totals) left, so that a test store holds a few thousand
observations instead of fifty thousand. Tests compare the answers with the ORIGINAL files' cells."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

FOCUS = {"Germany": "DEU", "Syrian Arab Republic": "SYR", "Philippines": "PHL", "Mexico": "MEX", "Libya": "LBY"}
FOCUS_M49 = {"276": "DEU", "760": "SYR", "608": "PHL", "484": "MEX", "434": "LBY"}
ORIGIN = "undesa-ims2020-origin/undesa_pd_2020_ims_stock_by_sex_and_origin.xlsx"
MATRIX_2015 = "undesa-migrant-stock-origin-destination/UN_MigrantStockByOriginAndDestination_2015.xlsx"
MIGRATION = "knomad-bilateral-migration/bilateral_migration_matrix_2021_latest.xlsx"
REMITTANCES = "knomad-remittances/bilateral_remittance_matrix_2021_0.xlsx"
INFLOWS = "knomad-remittances/inward_remittance_flows_december_2023_1.xlsx"
UNHCR = "unhcr/unhcr_rdf_refugees_asylum-seekers_by_origin_asylum_1995-2014.csv"


def rows_of(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    """A sheet of an original workbook, read with openpyxl (index 0 = row 1)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


def _name(value: object) -> str:
    return "" if value is None else str(value).strip()


def cut_knomad_matrix(source: Path, target: Path) -> Path:
    """Rows = one side, columns = the other (row 2 names, column A names): keep the focus rows and columns and
    the World row and column."""
    book = load_workbook(source)
    sheet = book.worksheets[0]
    names = {c.column: _name(c.value) for c in sheet[2]}
    for row in sheet.iter_rows(min_row=3):
        label = _name(row[0].value)
        if label in FOCUS or label.lower() == "world" or not label:
            continue
        for c in row[1:]:
            if names.get(c.column, "") not in FOCUS and names.get(c.column, "").lower() != "world":
                c.value = None
    book.save(target)
    return target


def cut_od_matrix(source: Path, target: Path) -> Path:
    """Table 16: keep the focus destinations' rows and the focus origins' columns."""
    book = load_workbook(source)
    sheet = book["Table 16"]
    names = {c.column: _name(c.value) for c in sheet[16]}
    for row in sheet.iter_rows(min_row=17):
        if _name(row[3].value) in FOCUS_M49:
            continue
        for c in row[5:]:
            if names.get(c.column, "") not in FOCUS:
                c.value = None
    book.save(target)
    return target


def cut_origin(source: Path, target: Path) -> Path:
    """Tables 1 and 2: keep WORLD and the focus countries' rows (other rows emptied)."""
    book = load_workbook(source)
    for name in ("Table 1", "Table 2"):
        for row in book[name].iter_rows(min_row=12):
            if _name(row[3].value) not in {*FOCUS_M49, "900"}:
                for c in row:
                    c.value = None
    book.save(target)
    return target


def cut_inflows(source: Path, target: Path) -> Path:
    """Keep the values of the focus countries and World (other rows keep their names, lose their values)."""
    book = load_workbook(source)
    for row in book.worksheets[0].iter_rows(min_row=2, max_row=217):
        if _name(row[0].value) not in {*FOCUS, "World"}:
            for c in row[1:]:
                c.value = None
    book.save(target)
    return target


def cut_unhcr(source: Path, target: Path, first_year: int = 2012) -> Path:
    """The UNHCR refugee and asylum-seeker CSV: the focus countries of asylum from ``first_year`` on. The file
    mixes UTF-8 (header) and Windows-1252 (body): its bytes are kept as they are (read and written as Latin-1)."""
    with source.open(encoding="latin-1", newline="") as handle, target.open("w", encoding="latin-1",
                                                                             newline="") as out:
        reader, writer = csv.reader(handle), csv.writer(out, lineterminator="\n")
        writer.writerow(next(reader))
        for fields in reader:
            if fields and fields[2] in FOCUS and int(fields[0]) >= first_year:
                writer.writerow(fields)
    return target


POPSTATS = "unhcr/unhcr_popstats_persons_of_concern_timeseries_2000-2013.csv"


def cut_popstats(source: Path, target: Path) -> Path:
    """UNHCR's persons of concern time series: its preamble and header, and the internally displaced and
    returned IDPs of the focus countries (bytes kept as they are)."""
    lines = source.read_bytes().splitlines(keepends=True)
    header = next(n for n, line in enumerate(lines) if line.startswith(b"Country / territory of residence"))
    wanted = [line for line in lines[header + 1:]
              if any(line.startswith(name.encode() + b",") for name in FOCUS)
              and (b",Internally displaced," in line or b",Returned IDPs," in line)]
    target.write_bytes(b"".join(lines[: header + 1] + wanted))
    return target
