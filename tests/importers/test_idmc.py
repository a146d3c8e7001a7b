"""The IDMC importer on the GIDD country-year workbook (IDPs and new displacements by cause, CC BY-NC)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.idmc import LICENCE, IdmcImporter
from api.model.catalogue import Catalogue

GIDD = "IDMC_Internal_Displacement_Conflict-Violence_Disasters.xlsx"
COLUMNS = {"Conflict Stock Displacement": "FDP_IDP_CV", "Conflict Internal Displacements": "FDP_NWCV",
           "Disaster Internal Displacements": "FDP_DIS", "Disaster Stock Displacement": "FDP_IDP_DIS"}


def _main(result: ImportResult) -> list[Any]:
    """The records of the main sheet (all ages); the others come from the sheet of estimates by sex and age."""
    return [r for r in result.parsed.records if r.cells["AGE"] in ("_T", "_Z")]


def _path(sources_dir: Path) -> Path:
    return sources_dir / "idmc-gidd" / GIDD


@pytest.fixture(scope="module")
def sheet(sources_dir: Path) -> list[tuple[Any, ...]]:
    workbook = load_workbook(_path(sources_dir), read_only=True, data_only=True)
    try:
        return list(workbook["1_Displacement_data"].iter_rows(values_only=True))
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def gidd(sources_dir: Path, context: ImportContext) -> ImportResult:
    return IdmcImporter().read(_path(sources_dir), context)


@pytest.mark.parametrize("iso3", ["DEU", "SYR", "PHL", "MEX", "LBY"])
def test_cells_of_a_country(gidd: ImportResult, sheet: list[tuple[Any, ...]], iso3: str) -> None:
    header = sheet[0]
    by_key = {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r for r in _main(gidd)}
    seen = 0
    for number, row in enumerate(sheet[1:], start=2):
        if row[0] != iso3:
            continue
        for title, indicator in COLUMNS.items():
            value = row[header.index(title)]
            record = by_key.get((indicator, iso3, str(row[2])))
            if value is None:
                assert record is None
            else:
                seen += 1
                assert record is not None and record.row == number
                assert record.cells["OBS_VALUE"] == str(value)
                assert record.cells["SOURCE_DETAIL"] == f"IDMC GIDD {title}"
    assert seen == sum(1 for r in _main(gidd) if r.cells["REF_AREA"] == iso3)


def test_raw_columns_are_not_imported_and_abyei_is_listed(gidd: ImportResult, sheet: list[tuple[Any, ...]]) -> None:
    header = sheet[0]
    rounded = [header.index(t) for t in COLUMNS]
    abyei = sum(1 for r in sheet[1:] if r[0] == "AB9" for i in rounded if r[i] is not None)
    assert gidd.unmapped == {"AB9 (Abyei Area)": abyei}
    expected = sum(1 for r in sheet[1:] if r[0] != "AB9" for i in rounded if r[i] is not None)
    assert len(_main(gidd)) == expected


def test_the_licence_is_non_commercial_and_shown(gidd: ImportResult) -> None:
    assert gidd.metadata.licence == LICENCE == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert gidd.metadata.dataset_id == "IDMC_GIDD_2023"
    assert any("non-commercial" in note for note in gidd.notes)
    assert any("2023-05-11" in note for note in gidd.notes)


def test_another_release_layout_is_found_by_its_columns(tmp_path: Path, sheet: list[tuple[Any, ...]],
                                                        context: ImportContext) -> None:
    header = sheet[0]
    workbook = Workbook()
    workbook.active.title = "About"
    data = workbook.create_sheet("Displacement data")
    data.append(["Internal displacement data, filtered"])
    data.append(["Year", "ISO3", "Name", "Total number of IDPs (Conflict)", "New displacements (Disaster)"])
    rows = [r for r in sheet[1:] if r[0] in ("DEU", "SYR")]
    for row in rows:
        data.append([row[2], row[0], row[1], row[header.index("Conflict Stock Displacement")],
                     row[header.index("Disaster Internal Displacements")]])
    path = tmp_path / "IDMC_GIDD_2025.xlsx"
    workbook.save(path)
    result = IdmcImporter().read(path, context)
    got = {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r.cells["OBS_VALUE"]
           for r in result.parsed.records}
    syria = next(r for r in rows if r[0] == "SYR" and r[2] == 2022)
    assert got[("FDP_IDP_CV", "SYR", "2022")] == str(syria[header.index("Conflict Stock Displacement")])
    assert got[("FDP_DIS", "SYR", "2022")] == str(syria[header.index("Disaster Internal Displacements")])
    assert {k[0] for k in got} == {"FDP_IDP_CV", "FDP_DIS"}


def test_a_workbook_without_displacement_columns_is_refused(tmp_path: Path, sources_dir: Path,
                                                            context: ImportContext) -> None:
    other = sources_dir / "undesa-migrant-stock" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    with pytest.raises(InputFileError) as err:
        IdmcImporter().read(other, context)
    assert "expected a header with the columns ISO3, Year and at least one of" in err.value.message
    empty = tmp_path / "gidd.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="line 1: the file is empty"):
        IdmcImporter().read(empty, context)


@pytest.fixture(scope="module")
def sadd(sources_dir: Path) -> list[tuple[Any, ...]]:
    workbook = load_workbook(_path(sources_dir), read_only=True, data_only=True)
    try:
        return list(workbook["2_IDPs_SADD_estimates"].iter_rows(values_only=True))
    finally:
        workbook.close()


AGES = {"0-1": "Y0T1", "0-4": "Y0T4", "0-14": "Y0T14", "0-17": "Y0T17", "0-24": "Y0T24", "5-11": "Y5T11",
        "5-14": "Y5T14", "12-14": "Y12T14", "12-16": "Y12T16", "15-17": "Y15T17", "15-24": "Y15T24",
        "25-64": "Y25T64", "65+": "Y_GE65"}


@pytest.mark.parametrize("iso3", ["SYR", "DEU", "PHL", "MEX", "LBY"])
def test_estimates_by_sex_and_age_are_the_sheets_cells(gidd: ImportResult, sadd: list[tuple[Any, ...]],
                                                       iso3: str) -> None:
    """Every age cell of a country's rows in 2_IDPs_SADD_estimates is one figure by cause, sex and age."""
    header = [str(h) for h in sadd[0]]
    sexes = {"Female": "F", "Male": "M", "Both sexes": "_T"}
    causes = {"Conflict": "FDP_IDP_CV", "Disaster": "FDP_IDP_DIS"}
    got = {(r.cells["INDICATOR"], r.cells["SEX"], r.cells["AGE"], r.cells["TIME_PERIOD"]): r.cells["OBS_VALUE"]
           for r in gidd.parsed.records if r.cells["REF_AREA"] == iso3 and r.cells["AGE"] not in ("_T", "_Z")}
    expected = {}
    for row in sadd[1:]:
        if row[0] == iso3:
            for title, age in AGES.items():
                value = row[header.index(title)]
                if value is not None:
                    expected[(causes[row[4]], sexes[row[3]], age, str(row[2]))] = str(value)
    assert got == expected
    if iso3 == "SYR":
        assert got[("FDP_IDP_CV", "_T", "Y0T4", "2022")] == "624157"


def test_every_estimate_by_sex_and_age_is_imported(gidd: ImportResult, sadd: list[tuple[Any, ...]],
                                                   context: ImportContext) -> None:
    cells = sum(1 for row in sadd[1:] if row[0] and context.areas.code(str(row[0]))
                for value in row[5:] if value is not None)
    assert len(gidd.parsed.records) - len(_main(gidd)) == cells > 10_000
    assert any("2_IDPs_SADD_estimates" in n for n in gidd.notes)
