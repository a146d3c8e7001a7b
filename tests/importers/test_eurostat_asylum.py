"""The Eurostat asylum importer on the legacy Data Explorer CSV of migr_asyappctza (labels, not codes)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.eurostat_asylum import AGES, SEXES, EurostatAsylumImporter
from api.model.catalogue import Catalogue

FILE = "migrationData.csv"
GERMANY = "Germany (until 1990 former territory of the FRG)"


def _path(sources_dir: Path) -> Path:
    return sources_dir / "eurostat-asylum" / FILE


def _rows(sources_dir: Path) -> list[tuple[int, dict[str, str]]]:
    with _path(sources_dir).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return [(reader.line_num, row) for row in reader]


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def asylum(sources_dir: Path, context: ImportContext) -> ImportResult:
    return EurostatAsylumImporter().read(_path(sources_dir), context)


def _by_key(result: ImportResult) -> dict[tuple[str, str, str, str], Any]:
    return {(r.cells["REF_AREA"], r.cells["SEX"], r.cells["AGE"], r.cells["TIME_PERIOD"]): r
            for r in result.parsed.records}


@pytest.mark.parametrize(("label", "iso3"), [(GERMANY, "DEU"), ("United Kingdom", "GBR"), ("Greece", "GRC")])
def test_published_cells_and_their_sums(asylum: ImportResult, sources_dir: Path, label: str, iso3: str) -> None:
    by_key = _by_key(asylum)
    totals: dict[str, int] = {}
    for line, row in _rows(sources_dir):
        if row["GEO"] != label:
            continue
        key = (iso3, SEXES[row["SEX"].lower()], AGES[row["AGE"].lower()], row["TIME"])
        record = by_key[key]
        assert record.cells["OBS_VALUE"] == row["Value"].replace(",", "")
        assert (record.row, record.cells["INDICATOR"], record.cells["COUNTERPART_AREA"]) == (line, "FDP_ASYAP", "_T")
        totals[row["TIME"]] = totals.get(row["TIME"], 0) + int(row["Value"].replace(",", ""))
    assert set(totals) == {"2013", "2014", "2015", "2016", "2017", "2018"}
    for year, total in totals.items():
        record = by_key[(iso3, "_T", "_T", year)]
        assert record.cells["OBS_VALUE"] == str(total) and record.row is None
        assert "sum of the published figures" in record.cells["COMMENT"]


def test_every_reporting_country_is_mapped(asylum: ImportResult, sources_dir: Path) -> None:
    rows = _rows(sources_dir)
    assert asylum.unmapped == {}
    assert len({r.cells["REF_AREA"] for r in asylum.parsed.records}) == len({row["GEO"] for _, row in rows}) == 32
    assert sum(1 for r in asylum.parsed.records if r.row is not None) == len(rows)


def test_first_time_applicants_are_reported_not_imported(tmp_path: Path, sources_dir: Path,
                                                         context: ImportContext) -> None:
    lines = _path(sources_dir).read_bytes().decode("utf-8").split("\n")
    first = lines[1].replace('"Asylum applicant"', '"First time applicant"')
    path = tmp_path / FILE
    path.write_text("\n".join([lines[0], lines[1], first, ""]), encoding="utf-8")
    result = EurostatAsylumImporter().read(path, context)
    assert [r.row for r in result.parsed.records if r.row is not None] == [2]
    assert any("First time applicant': 1 rows not imported" in n for n in result.notes)


def test_a_file_of_another_layout_is_refused(sources_dir: Path, context: ImportContext) -> None:
    other = sources_dir / "iom-missing-migrants" / "MissingMigrants-Global-2019-09-04T11-59-55.csv"
    with pytest.raises(InputFileError) as err:
        EurostatAsylumImporter().read(other, context)
    assert "line 1: expected a Eurostat Data Explorer CSV" in err.value.message
    assert "the header lacks TIME, GEO, CITIZEN, SEX, AGE, ASYL_APP, UNIT, VALUE" in err.value.message
