"""The UN DESA migration flows importer on the 2015 revision's totals workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.undesa_flows import COVERAGE, TYPES, UndesaFlowsImporter
from api.model.catalogue import Catalogue

FLOWS = "undesa_pd_2015_migration_flow_totals.xlsx"
NAMES = {"Germany": "DEU", "Philippines": "PHL", "Mexico": "MEX"}


@pytest.fixture(scope="module")
def path(sources_dir: Path) -> Path:
    return sources_dir / "undesa-migration-flows" / FLOWS


@pytest.fixture(scope="module")
def rows(path: Path) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return list(workbook["Totals"].iter_rows(values_only=True))
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def flows(path: Path, context: ImportContext) -> ImportResult:
    return UndesaFlowsImporter().read(path, context)


def test_cells_of_the_reporting_countries(flows: ImportResult, rows: list[tuple[Any, ...]]) -> None:
    header = rows[16]
    assert header[:4] == ("CntName", "Criteria", "Type", "Coverage")
    by_key = {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["MIGRATION_STATUS"], r.cells["TIME_PERIOD"]): r
              for r in flows.parsed.records}
    checked = 0
    for number, row in enumerate(rows[17:], start=18):
        if row[0] not in NAMES:
            continue
        for column, year in enumerate(header):
            if column < 4 or row[column] in (None, ".."):
                continue
            record = by_key[(TYPES[row[2].lower()], NAMES[row[0]], COVERAGE[row[3].lower()], str(year))]
            assert record.cells["OBS_VALUE"] == str(row[column]) and record.row == number
            assert record.cells["COMMENT"] == f"criterion: {row[1].lower()}"
            checked += 1
    assert checked > 50
    assert flows.metadata.dataset_id == "UNDESA_MIGFLOWS2015"


def test_a_repeated_series_under_another_criterion_is_listed(flows: ImportResult) -> None:
    assert any("France Immigrants Both by Residence (row 86; row 84 by Citizenship imported)" in n
               for n in flows.notes)


def test_another_title_block_imports_the_same(tmp_path: Path, rows: list[tuple[Any, ...]], flows: ImportResult,
                                              context: ImportContext) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Flows"
    sheet.append(["International Migration Flows to and from Selected Countries: The 2015 Revision"])
    for row in rows[16:]:
        sheet.append(list(row))
    path = tmp_path / "flows.xlsx"
    workbook.save(path)
    result = UndesaFlowsImporter().read(path, context)
    assert [r.cells["OBS_VALUE"] for r in result.parsed.records] == [r.cells["OBS_VALUE"] for r in flows.parsed.records]


def test_a_workbook_without_the_header_is_refused(sources_dir: Path, context: ImportContext) -> None:
    other = sources_dir / "idmc-gidd" / "IDMC_Internal_Displacement_Conflict-Violence_Disasters.xlsx"
    with pytest.raises(InputFileError) as err:
        UndesaFlowsImporter().read(other, context)
    assert "expected a header row with the columns CntName (the reporting country), Criteria, Type and Coverage" \
        in err.value.message
