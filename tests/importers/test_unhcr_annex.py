"""The UNHCR Global Trends annex importer: populations of concern by asylum (Table 1), refugees by origin (Table 5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.unhcr_annex import UnhcrAnnexImporter
from api.model.catalogue import Catalogue

ANNEX = "15-WRD-tab_v3.xlsx"
NAMES = {"Germany": "DEU", "Syrian Arab Rep.": "SYR", "Philippines": "PHL", "Mexico": "MEX", "Libya": "LBY"}
TAB1 = {1: None, 3: "FDP_REF_A", 5: "FDP_ASY", 6: "RET_REF", 7: "FDP_IDP", 8: "RET_IDP", 9: "FDP_STA",
        10: "FDP_OOC", 11: "FDP_POC"}


@pytest.fixture(scope="module")
def sheets(sources_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(sources_dir / "unhcr-global-trends-annex" / ANNEX, read_only=True, data_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True))
                for name in ("Tab1", "Tab2", "Tab5", "Tab21", "Tab22", "Tab23")}
    finally:
        book.close()


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def annex(sources_dir: Path, context: ImportContext) -> ImportResult:
    return UnhcrAnnexImporter().read(sources_dir / "unhcr-global-trends-annex" / ANNEX, context)


def _name(label: object) -> str:
    return re.sub(r"\d+$", "", str(label)).strip()


def _by_key(annex: ImportResult) -> dict[tuple[str, str, str], Any]:
    return {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["COUNTERPART_AREA"]): r for r in annex.parsed.records}


def test_table_1_cells_of_five_countries(annex: ImportResult, sheets: dict[str, list[tuple[Any, ...]]],
                                         area_index: Any) -> None:
    by_key = _by_key(annex)
    seen = set()
    for number, row in enumerate(sheets["Tab1"], start=1):
        area = area_index.name(_name(row[0])) if row and row[0] and number > 4 else None
        if area not in NAMES.values():
            continue
        seen.add(area)
        for column, indicator in TAB1.items():
            if indicator is None:
                continue
            record = by_key.get((indicator, area, "_T")) or by_key.get((indicator, area, "_Z"))
            if row[column] in (None, "-", ".."):
                assert record is None
            else:
                assert record is not None and record.cells["OBS_VALUE"] == str(row[column]), (area, indicator)
                assert record.row == number and record.cells["TIME_PERIOD"] == "2015"
    assert seen == set(NAMES.values())


def test_table_5_refugees_by_origin_in_germany(annex: ImportResult, sheets: dict[str, list[tuple[Any, ...]]],
                                               area_index: Any) -> None:
    by_key = _by_key(annex)
    header = next(r for r in sheets["Tab5"][:14] if any(str(v or "").startswith("Population end") for v in r))
    end = next(i for i, v in enumerate(header) if str(v or "").startswith("Population end"))
    checked = 0
    for number, row in enumerate(sheets["Tab5"], start=1):
        if number < 14 or row[1] != "Germany" or not row[0]:
            continue
        origin = area_index.name(_name(row[0]))
        if origin is None:
            continue
        record = by_key[("FDP_REF_A", "DEU", origin)]
        if row[end] == "*":
            assert (record.cells["OBS_VALUE"], record.cells["CONF_STATUS"]) == ("", "C")
        else:
            assert record.cells["OBS_VALUE"] == str(row[end]) and record.row == number
        checked += 1
    assert checked > 20 and ("FDP_REF_A", "DEU", "SYR") in by_key


def test_regional_subtotals_are_not_imported(annex: ImportResult) -> None:
    assert {r.cells["REF_AREA"] for r in annex.parsed.records if r.cells["INDICATOR"] == "FDP_POC"} >= {"001"}
    world = [r for r in annex.parsed.records if r.cells["REF_AREA"] == "001" and r.cells["INDICATOR"] == "FDP_POC"]
    assert len(world) == 1 and annex.unmapped == {"Various/unknown": 1}  # Table 2: refugees of no known origin
    assert annex.metadata.dataset_id == "UNHCR_GLOBAL_TRENDS_2015"


def test_another_workbook_is_refused(sources_dir: Path, context: ImportContext) -> None:
    other = sources_dir / "idmc-gidd" / "IDMC_Internal_Displacement_Conflict-Violence_Disasters.xlsx"
    with pytest.raises(InputFileError) as err:
        UnhcrAnnexImporter().read(other, context)
    assert "expected a table whose header (within rows 1-15) starts with 'Country/territory of asylum'" \
        in err.value.message


def _area(label: object, context: ImportContext) -> str | None:
    return NAMES.get(_name(label)) or context.areas.name(_name(label))


def test_table_2_refugees_by_origin_of_five_countries(annex: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]
                                                      ) -> None:
    """Column D of Table 2 (total refugees incl. refugee-like situations, by origin) is FDP_REF_O."""
    got = _by_key(annex)
    rows = {_name(r[0]): (n, r) for n, r in enumerate(sheets["Tab2"], start=1) if r and r[0]}
    assert "total refugees and people in refugee-like situations" in str(sheets["Tab2"][3][3]).lower()
    for name, area in NAMES.items():
        number, row = rows[name]
        record = got[("FDP_REF_O", area, "_T")]
        assert record.cells["OBS_VALUE"] == str(row[3]) and record.row == number
    assert got[("FDP_REF_O", "SYR", "_T")].cells["OBS_VALUE"] == "4872585"


@pytest.mark.parametrize(("sheet", "indicator", "row_is_origin"), [
    ("Tab21", "RET_REF", True), ("Tab22", "FDP_RST_DEP", False)])
def test_repatriation_and_resettlement_pairs_involving_syria(
        annex: ImportResult, sheets: dict[str, list[tuple[Any, ...]]], context: ImportContext,
        sheet: str, indicator: str, row_is_origin: bool) -> None:
    """Every pair of Table 21 (origin returned to x asylum returned from) and Table 22 (origin x first asylum)
    with Syria on either side, cell by cell."""
    got = _by_key(annex)
    seen = 0
    for number, row in enumerate(sheets[sheet], start=1):
        if not row or len(row) < 3 or not isinstance(row[2], int) or "Syria" not in f"{row[0]} {row[1]}":
            continue
        origin, asylum = _area(row[0], context), _area(row[1], context)
        assert origin and asylum
        key = (indicator, origin, asylum) if row_is_origin else (indicator, asylum, origin)
        assert got[key].cells["OBS_VALUE"] == str(row[2]) and got[key].row == number
        seen += 1
    assert seen >= 2


def test_table_23_resettlement_arrivals(annex: ImportResult, sheets: dict[str, list[tuple[Any, ...]]],
                                        context: ImportContext) -> None:
    got = _by_key(annex)
    arrivals = [(n, r) for n, r in enumerate(sheets["Tab23"], start=1) if r and isinstance(r[1], int) and r[0]]
    assert len(arrivals) >= 20
    for number, row in arrivals:
        area = _area(row[0], context)
        if area is None or area == "001":
            continue
        assert got[("FDP_RST", area, "_T")].cells["OBS_VALUE"] == str(row[1]), row
    assert got[("FDP_RST", "DEU", "_T")].cells["OBS_VALUE"] == "481"
