"""The WDI importer on the World Bank's Excel files: a DataBank export and a per-indicator Excel download."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.wdi import WdiImporter
from api.model.catalogue import Catalogue

DATABANK = "World development indicatorts part 1.xlsx"
GDP = "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_46.csv"
COUNTRIES = ("DEU", "SYR", "PHL", "MEX", "LBY")


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def small_databank(tmp_path_factory: pytest.TempPathFactory, sources_dir: Path) -> Path:
    """The export's header, the rows of five countries and the world, and its footer (a small store)."""
    source = load_workbook(sources_dir / "worldbank-wdi-context" / DATABANK, read_only=True, data_only=True)
    try:
        rows = list(source["Data"].iter_rows(values_only=True))
    finally:
        source.close()
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(list(rows[0]))
    for row in rows[1:]:
        if row[3] in (*COUNTRIES, "WLD"):
            sheet.append(list(row))
    for row in ([], [], *rows[-2:]):
        sheet.append(list(row))
    path = tmp_path_factory.mktemp("databank") / "databank.xlsx"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def databank(small_databank: Path, context: ImportContext) -> ImportResult:
    return WdiImporter().read(small_databank, context)


def test_databank_cells_of_five_countries(databank: ImportResult, small_databank: Path,
                                          catalogue: Catalogue) -> None:
    book = load_workbook(small_databank, read_only=True, data_only=True)
    try:
        rows = list(book["Data"].iter_rows(values_only=True))
    finally:
        book.close()
    header = rows[0]
    by_key = {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r for r in databank.parsed.records}
    checked = 0
    for number, row in enumerate(rows[1:], start=2):
        if row[3] not in COUNTRIES:
            continue
        for column, title in enumerate(header):
            code = str(title).rsplit("[", 1)[-1].rstrip("]") if title and "[" in str(title) else None
            indicator = catalogue.by_source("WB", code) if code else None
            if indicator is None or row[column] in (None, ".."):
                continue
            record = by_key[(indicator.id, row[3], str(row[0]))]
            assert float(record.cells["OBS_VALUE"]) == float(row[column]) and record.row == number
            checked += 1
    assert checked >= 20
    assert ("CTX_GDPPC_USD", "DEU", "2021") in by_key and ("CTX_GDPPC_USD", "001", "2021") in by_key
    assert any("last updated 2024-03-28" in n for n in databank.notes)
    assert databank.metadata.dataset_id == "WB_WDI_DATABANK_2021"


def test_a_per_indicator_excel_download_reads_as_its_csv(tmp_path: Path, sources_dir: Path,
                                                         context: ImportContext) -> None:
    csv_path = sources_dir / "worldbank-wdi-context" / GDP
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in rows:  # the Excel download: the same cells, numbers as numbers
        sheet.append([float(c) if c.replace(".", "", 1).replace("-", "", 1).isdigit() and i >= 4 else c or None
                      for i, c in enumerate(row)])
    path = tmp_path / "API_NY.GDP.PCAP.CD_DS2_en_excel_v2_46.xlsx"
    book.save(path)
    from_excel = WdiImporter().read(path, context)
    from_csv = WdiImporter().read(csv_path, context)
    got = {(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): float(r.cells["OBS_VALUE"])
           for r in from_excel.parsed.records}
    want = {(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): float(r.cells["OBS_VALUE"]) for r in from_csv.parsed.records}
    assert got == want and len(got) > 10_000


def test_a_truncated_workbook_is_refused(tmp_path: Path, small_databank: Path, context: ImportContext) -> None:
    broken = tmp_path / "databank.xlsx"
    broken.write_bytes(small_databank.read_bytes()[:4000])
    with pytest.raises(InputFileError) as err:
        WdiImporter().read(broken, context)
    assert "not a readable Excel workbook" in err.value.message


def test_a_damaged_legacy_workbook_is_refused_as_xls(tmp_path: Path, context: ImportContext) -> None:
    """A file with the Excel 97-2003 (OLE2/BIFF) signature goes to the legacy reader, which names the format it
    expected. (No real legacy .xls is among the publishers' files: IOM's '.xls' is HTML, tested with its importer.)"""
    broken = tmp_path / "API_NY.GDP.PCAP.CD_DS2_en_excel_v2_46.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"not a compound document")
    with pytest.raises(InputFileError) as err:
        WdiImporter().read(broken, context)
    assert "not a readable Excel 97-2003 (.xls) workbook" in err.value.message
