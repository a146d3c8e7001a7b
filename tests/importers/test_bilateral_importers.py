"""The bilateral importers on the publishers' files: undesa-origin, undesa-od, knomad-migration and
knomad-remittances (issue 18). Expected values are read from the files here with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.errors import InputFileError
from api.importers.areas import AreaIndex
from api.importers.base import ImportContext, ImportResult
from api.importers.knomad import KnomadMigrationImporter, KnomadRemittancesImporter
from api.importers.undesa_od import UndesaOriginDestinationImporter
from api.importers.undesa_origin import UndesaOriginImporter
from api.model.catalogue import Catalogue
from tests import bilateral_cuts as cuts


@pytest.fixture(scope="module")
def context(area_index: AreaIndex, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def results(sources_dir: Path, context: ImportContext) -> dict[str, ImportResult]:
    """Each importer on its publisher's original file, read once."""
    return {
        "origin": UndesaOriginImporter().read(sources_dir / cuts.ORIGIN, context),
        "od": UndesaOriginDestinationImporter().read(sources_dir / cuts.MATRIX_2015, context),
        "migration": KnomadMigrationImporter().read(sources_dir / cuts.MIGRATION, context),
        "remittances": KnomadRemittancesImporter().read(sources_dir / cuts.REMITTANCES, context),
        "inflows": KnomadRemittancesImporter().read(sources_dir / cuts.INFLOWS, context),
    }


def _by_key(result: ImportResult) -> dict[tuple[str, ...], Any]:
    return {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["COUNTERPART_AREA"], r.cells["SEX"],
             r.cells["TIME_PERIOD"]): r.cells for r in result.parsed.records}


def test_undesa_origin_gives_nationals_abroad_by_sex_for_every_year(
        sources_dir: Path, results: dict[str, ImportResult]) -> None:
    result = results["origin"]
    rows = cuts.rows_of(sources_dir / cuts.ORIGIN, "Table 1")
    found = _by_key(result)
    years = rows[10][5:12]
    for m49, code in cuts.FOCUS_M49.items():
        row = next(r for r in rows[11:] if str(r[3]) == m49)
        for block, sex in ((5, "_T"), (12, "M"), (19, "F")):
            for offset, year in enumerate(years):
                cells = found[("DIA_STK", code, "_T", sex, str(year))]
                assert cells["OBS_VALUE"] == str(row[block + offset])
    assert result.metadata.dataset_id == "UNDESA_IMS2020_ORIGIN"
    assert result.metadata.licence == "http://creativecommons.org/licenses/by/3.0/igo/"
    # the aggregates that are not areas are listed by name, code and kind (from the correspondence table)
    assert "Northern Africa and Western Asia [1833, SDG region]" in result.unmapped
    assert "High-income countries [1503, Income group]" in result.unmapped
    assert any("2003 = origin unknown" in n for n in result.notes)
    assert any("repeats the area 419" in n for n in result.notes)  # Latin America and the Caribbean, twice


def test_undesa_od_reads_destination_rows_by_origin_names(
        sources_dir: Path, results: dict[str, ImportResult]) -> None:
    result = results["od"]
    rows = cuts.rows_of(sources_dir / cuts.MATRIX_2015, "Table 16")
    found = _by_key(result)
    names = [str(h).strip() if h else "" for h in rows[15]]
    row = next(r for r in rows[16:] if r[3] == 276)  # Germany
    assert found[("STK_IMM", "DEU", "SYR", "_T", "2015")]["OBS_VALUE"] == str(row[names.index("Syrian Arab Republic")])
    assert found[("STK_IMM", "DEU", "TUR", "_T", "2015")]["OBS_VALUE"] == str(row[names.index("Turkey")])
    assert "foreign" in found[("STK_IMM", "DEU", "TUR", "_T", "2015")]["SOURCE_DETAIL"]
    assert not [k for k in found if k[2] == "_T"]  # the Total column is the destination workbook's
    assert {"Other North", "Other South"} <= set(result.unmapped)
    assert "destination Developed regions [901]" in result.unmapped
    assert result.metadata.dataset_id == "UNDESA_MSOD2015"


def test_knomad_migration_maps_names_and_lists_the_rest(
        sources_dir: Path, results: dict[str, ImportResult]) -> None:
    result = results["migration"]
    rows = cuts.rows_of(sources_dir / cuts.MIGRATION, "BRM 2021")
    found = _by_key(result)
    header = [str(h).strip() if h else "" for h in rows[1]]
    philippines = next(r for r in rows if r[0] == "Philippines")
    saudi = header.index("Saudi Arabia")
    assert found[("STK_IMM", "SAU", "PHL", "_T", "2021")]["OBS_VALUE"] == str(philippines[saudi])
    assert found[("DIA_STK", "PHL", "_T", "_T", "2021")]["OBS_VALUE"] == str(philippines[header.index("World")])
    guinea_bissau = next(r for r in rows if r[0] == "GuineaBissau")  # an alias in ontology/codes/area-aliases.csv
    portugal = header.index("Portugal")
    assert found[("STK_IMM", "PRT", "GNB", "_T", "2021")]["OBS_VALUE"] == str(guinea_bissau[portugal])
    assert set(result.unmapped) == {"Other North", "Other South"}


def test_knomad_remittances_reads_both_layouts(
        sources_dir: Path, results: dict[str, ImportResult]) -> None:
    matrix = results["remittances"]
    rows = cuts.rows_of(sources_dir / cuts.REMITTANCES, "FINAL BRM 2021 ")
    header = [str(h).strip() if h else "" for h in rows[1]]
    usa = next(r for r in rows if r[0] == "United States")
    cells = _by_key(matrix)[("REM_BIL", "MEX", "USA", "_Z", "2021")]
    assert float(cells["OBS_VALUE"]) == usa[header.index("Mexico")]
    assert (cells["UNIT_MULT"], cells["UNIT_MEASURE"], cells["OBS_STATUS"]) == ("6", "USD", "E")
    inflows = results["inflows"]
    sheet = cuts.rows_of(sources_dir / cuts.INFLOWS, "Inward remittance flows")
    philippines = next(r for r in sheet if r[0] == "Philippines")
    found = _by_key(inflows)
    assert float(found[("REM_IN", "PHL", "_Z", "_Z", "2022")]["OBS_VALUE"]) == philippines[23]
    estimate = found[("REM_IN", "PHL", "_Z", "_Z", "2023")]
    assert float(estimate["OBS_VALUE"]) == philippines[24] and estimate["OBS_STATUS"] == "E"  # '2023e'
    assert float(found[("REM_IN_GDP", "PHL", "_Z", "_Z", "2023")]["OBS_VALUE"]) == philippines[25]
    assert ("REM_IN", "ZWE", "_Z", "_Z", "2022") in found  # 'Zimbabwe (using CB data for 2021 & 2022)'
    assert inflows.unmapped == {"Low-and Middle-Income Countries": 25}


def _truncated(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes()[:40_000])
    return target


@pytest.mark.parametrize(("importer", "relative", "words"), [
    (UndesaOriginImporter(), cuts.MIGRATION, "'Origin' workbook"),
    (UndesaOriginDestinationImporter(), cuts.ORIGIN, "ANNEX"),
    (KnomadMigrationImporter(), cuts.INFLOWS, "Destination country (across)"),
    (KnomadRemittancesImporter(), cuts.MIGRATION, "neither layout"),
])
def test_a_file_of_another_layout_says_what_was_expected(importer: Any, relative: str, words: str,
                                                         sources_dir: Path, context: ImportContext) -> None:
    with pytest.raises(InputFileError, match="expected") as caught:
        importer.read(sources_dir / relative, context)
    assert words in caught.value.message


@pytest.mark.parametrize("importer", [UndesaOriginImporter(), UndesaOriginDestinationImporter(),
                                      KnomadMigrationImporter(), KnomadRemittancesImporter()])
def test_a_truncated_or_empty_file_is_refused(importer: Any, sources_dir: Path, tmp_path: Path,
                                              context: ImportContext) -> None:
    with pytest.raises(InputFileError, match="truncated"):
        importer.read(_truncated(sources_dir / cuts.REMITTANCES, tmp_path / "cut.xlsx"), context)
    (tmp_path / "empty.xlsx").write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        importer.read(tmp_path / "empty.xlsx", context)


def test_text_in_a_matrix_cell_names_the_cell(sources_dir: Path, tmp_path: Path, context: ImportContext) -> None:
    book = load_workbook(sources_dir / cuts.MIGRATION)
    book.worksheets[0]["C7"] = "n/a"
    book.save(tmp_path / "text.xlsx")
    with pytest.raises(InputFileError, match=r"row 7 \(cell C7\): expected a number"):
        KnomadMigrationImporter().read(tmp_path / "text.xlsx", context)


def test_a_matrix_without_its_world_row_is_truncated(tmp_path: Path, context: ImportContext) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Bilateral Estimates of Migrant Stocks in 2021"])
    sheet.append(["Destination country (across) - Source country (down) ", "Germany", "World"])
    sheet.append(["Syrian Arab Republic", 100, 100])
    book.save(tmp_path / "short.xlsx")
    with pytest.raises(InputFileError, match="no 'World' row"):
        KnomadMigrationImporter().read(tmp_path / "short.xlsx", context)


def test_the_cli_exits_2_naming_the_layout(sources_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", "knomad-migration", str(sources_dir / cuts.INFLOWS), "--dry-run"],
                                env={"MPR_SOURCES": str(sources_dir), "MPR_DATA": str(tmp_path)})
    assert result.exit_code == 2
    assert "Source country (down)" in result.output


def test_the_layout_is_found_by_content_when_rows_shift(sources_dir: Path, tmp_path: Path, context: ImportContext,
                                                        results: dict[str, ImportResult]) -> None:
    """An edition with another title block (here one more row above the header) reads the same figures."""
    book = load_workbook(sources_dir / cuts.INFLOWS)
    book.worksheets[0].insert_rows(1)
    book.worksheets[0]["A1"] = "Migrant remittance inflows, a title row of another edition"
    book.save(tmp_path / "shifted.xlsx")
    shifted = KnomadRemittancesImporter().read(tmp_path / "shifted.xlsx", context)
    assert _by_key(shifted).keys() == _by_key(results["inflows"]).keys()
    for a, b in zip(shifted.parsed.records, results["inflows"].parsed.records, strict=True):
        # openpyxl writes floats with 15 significant digits: the copy's values are the original's to that precision
        assert float(a.cells["OBS_VALUE"]) == pytest.approx(float(b.cells["OBS_VALUE"]), rel=1e-13)
        assert a.row == b.row + 1
