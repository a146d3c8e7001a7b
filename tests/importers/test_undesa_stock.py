"""The UN DESA migrant stock importer on the publisher's "Destination" workbook (Tables 1-6)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from api.errors import InputFileError
from api.importers.areas import AreaIndex
from api.importers.base import ImportContext, ImportResult
from api.importers.undesa_stock import UndesaStockImporter
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS, series_key

REPO = Path(__file__).resolve().parents[2]
WORKBOOK = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
# sheet -> (first column, width, indicator, sex) of each block, as the sheets' row 8 and row 11 say
BLOCKS = {
    "Table 1": [(6, 7, "STK_IMM", "_T"), (13, 7, "STK_IMM", "M"), (20, 7, "STK_IMM", "F")],
    "Table 2": [(6, 7, "CTX_POP", "_T"), (13, 7, "CTX_POP", "M"), (20, 7, "CTX_POP", "F")],
    "Table 3": [(6, 7, "STK_IMM_PCT", "_T"), (13, 7, "STK_IMM_PCT", "M"), (20, 7, "STK_IMM_PCT", "F")],
    "Table 4": [(6, 7, "CHR_FEM", "_T")],
    "Table 5": [(6, 6, "STK_IMM_GR", "_T"), (12, 6, "STK_IMM_GR", "M"), (18, 6, "STK_IMM_GR", "F")],
    "Table 6": [(6, 7, "STK_REF", "_T"), (13, 7, "STK_REF_PCT", "_T"), (20, 6, "STK_REF_GR", "_T")],
}


@pytest.fixture(scope="module")
def context(area_index: AreaIndex, catalogue: Catalogue) -> ImportContext:
    """The registry's real area code list and indicator catalogue."""
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def path(sources_dir: Path) -> Path:
    return sources_dir / "undesa-migrant-stock" / WORKBOOK


@pytest.fixture(scope="module")
def sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows read with openpyxl, independently of the importer (index 0 = row 1)."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return {name: list(workbook[name].iter_rows(values_only=True)) for name in BLOCKS}
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def result(path: Path, context: ImportContext) -> ImportResult:
    return UndesaStockImporter().read(path, context)


def _records(result: ImportResult, **cells: str) -> list[Any]:
    return [r for r in result.parsed.records if all(r.cells[k] == v for k, v in cells.items())]


def _row(rows: list[tuple[Any, ...]], code: int) -> tuple[int, tuple[Any, ...]]:
    return next((n, r) for n, r in enumerate(rows, start=1) if n >= 12 and r[3] == code)


def test_every_available_cell_of_a_mapped_area_is_one_record(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]], context: ImportContext
) -> None:
    expected: dict[str, set[tuple[str, str, str]]] = {}
    for sheet, blocks in BLOCKS.items():
        for row in sheets[sheet][11:]:
            area = context.areas.code(str(row[3]))
            if area is None:
                continue
            for first, width, indicator_id, sex in blocks:
                indicator = context.catalogue.get(indicator_id)
                if indicator is None or (sex in ("M", "F") and "SEX" not in indicator.breakdowns):
                    continue
                for column in range(first, first + width):
                    if row[column - 1] not in (None, "", ".."):
                        period = str(sheets[sheet][10][column - 1])[-4:]
                        expected.setdefault(indicator_id, set()).add((area, sex, period))
    got: dict[str, list[tuple[str, str, str]]] = {}
    for record in result.parsed.records:
        cells = record.cells
        got.setdefault(cells["INDICATOR"], []).append((cells["REF_AREA"], cells["SEX"], cells["TIME_PERIOD"]))
    assert set(got) == set(expected) >= {"STK_IMM", "CTX_POP", "STK_IMM_PCT", "CHR_FEM", "STK_REF"}
    for indicator_id, keys in expected.items():
        indicator = context.catalogue.get(indicator_id)
        assert indicator is not None
        if "SEX" not in indicator.breakdowns:
            keys = {(a, "_Z", p) for a, _, p in keys}
        assert len(got[indicator_id]) == len(keys), indicator_id
        assert set(got[indicator_id]) == keys, indicator_id
    assert len(_records(result, INDICATOR="STK_IMM")) > 4_000


def test_no_key_twice_and_every_component_filled(result: ImportResult, context: ImportContext) -> None:
    keys = [(series_key(r.cells), r.cells["TIME_PERIOD"]) for r in result.parsed.records]
    assert len(keys) == len(set(keys))
    for record in result.parsed.records:
        indicator = context.catalogue.get(record.cells["INDICATOR"])
        assert indicator is not None
        assert set(record.cells) == set(COMPONENTS)
        assert record.cells["FREQ"] == "A"
        assert record.cells["UNIT_MEASURE"] == indicator.unit
        assert record.cells["DECIMALS"] == ""
        for dim in ("COUNTERPART_AREA", "AGE", "MIGRATION_STATUS"):
            assert record.cells[dim] == ("_T" if dim in indicator.breakdowns else "_Z")
        assert record.cells["SOURCE_DETAIL"].startswith("UN DESA IMS 2020 Table ")


def test_table_1_by_sex_equals_the_source_cells(result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]) -> None:
    number, burundi = _row(sheets["Table 1"], 108)
    assert burundi[1].strip() == "Burundi" and burundi[4] == "B R"
    for column, sex in ((6, "_T"), (13, "M"), (20, "F")):
        [record] = _records(result, INDICATOR="STK_IMM", REF_AREA="BDI", SEX=sex, TIME_PERIOD="1990")
        assert record.cells["OBS_VALUE"] == str(burundi[column - 1])
        assert record.row == number
        assert record.cells["OBS_STATUS"] == "A"
        assert record.cells["COMMENT"] == "foreign-born"
    [last] = _records(result, INDICATOR="STK_IMM", REF_AREA="BDI", SEX="F", TIME_PERIOD="2020")
    assert last.cells["OBS_VALUE"] == str(burundi[25])
    assert last.cells["SOURCE_DETAIL"] == (f"UN DESA IMS 2020 Table 1 Z{number}; "
                                           "type of data B R: foreign-born, refugees added")
    world_row, world = _row(sheets["Table 1"], 900)
    [record] = _records(result, INDICATOR="STK_IMM", REF_AREA="001", SEX="_T", TIME_PERIOD="2020")
    assert (record.cells["OBS_VALUE"], record.row) == (str(world[11]), world_row)
    assert record.cells["COMMENT"] == "" and record.cells["SOURCE_DETAIL"] == f"UN DESA IMS 2020 Table 1 L{world_row}"


def test_population_in_thousands_and_percentages_keep_every_digit(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]
) -> None:
    number, samoa = _row(sheets["Table 2"], 882)
    [pop] = _records(result, INDICATOR="CTX_POP", REF_AREA="WSM", TIME_PERIOD="1990", SEX="_T")
    assert Decimal(pop.cells["OBS_VALUE"]) == Decimal(repr(samoa[5])) == Decimal("162.797")
    assert (pop.cells["UNIT_MULT"], pop.cells["COMMENT"], pop.row) == ("3", "", number)
    assert pop.cells["SOURCE_DETAIL"] == f"UN DESA IMS 2020 Table 2 F{number}"
    _, samoa_pct = _row(sheets["Table 3"], 882)
    [pct] = _records(result, INDICATOR="STK_IMM_PCT", REF_AREA="WSM", TIME_PERIOD="1990", SEX="M")
    assert Decimal(pct.cells["OBS_VALUE"]) == Decimal(repr(samoa_pct[12]))
    assert "E" not in pct.cells["OBS_VALUE"] and pct.cells["UNIT_MULT"] == "0"
    _, tokelau = _row(sheets["Table 2"], 772)
    assert tokelau[12] == ".."
    assert not _records(result, INDICATOR="CTX_POP", REF_AREA="TKL", SEX="M")


def test_type_of_data_sets_status_comment_and_detail(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]
) -> None:
    _, eritrea = _row(sheets["Table 1"], 232)
    assert eritrea[4] == "I R"
    [imputed] = _records(result, INDICATOR="STK_IMM", REF_AREA="ERI", SEX="_T", TIME_PERIOD="2000")
    assert imputed.cells["OBS_STATUS"] == "I"
    assert imputed.cells["SOURCE_DETAIL"].endswith("type of data I R: imputed, refugees added")
    _, tuvalu = _row(sheets["Table 4"], 798)
    assert tuvalu[4] == "C"
    [citizens] = _records(result, INDICATOR="CHR_FEM", REF_AREA="TUV", TIME_PERIOD="2020")
    assert Decimal(citizens.cells["OBS_VALUE"]) == Decimal(repr(tuvalu[11]))
    assert (citizens.cells["COMMENT"], citizens.cells["OBS_STATUS"]) == ("foreign citizens", "A")
    [population] = _records(result, INDICATOR="CTX_POP", REF_AREA="ERI", SEX="_T", TIME_PERIOD="2000")
    assert (population.cells["OBS_STATUS"], population.cells["COMMENT"]) == ("A", "")


def test_rates_of_change_take_the_period_end_year(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]
) -> None:
    number, burundi = _row(sheets["Table 5"], 108)
    assert sheets["Table 5"][10][5] == "1990-1995" and burundi[5] < 0
    [rate] = _records(result, INDICATOR="STK_IMM_GR", REF_AREA="BDI", SEX="_T", TIME_PERIOD="1995")
    assert Decimal(rate.cells["OBS_VALUE"]) == Decimal(repr(burundi[5])) < 0
    assert rate.row == number
    assert rate.cells["COMMENT"] == "annual rate of change over 1990-1995; foreign-born"
    assert not _records(result, INDICATOR="STK_IMM_GR", TIME_PERIOD="1990")


def test_protected_cells_are_confidential_without_value(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]
) -> None:
    number, tonga = _row(sheets["Table 6"], 776)
    assert tonga[5] == "~"
    [ref] = _records(result, INDICATOR="STK_REF", REF_AREA="TON", TIME_PERIOD="1990")
    assert (ref.cells["OBS_VALUE"], ref.cells["CONF_STATUS"], ref.cells["OBS_STATUS"]) == ("", "C", "Q")
    assert ref.row == number
    confidential = [r for r in result.parsed.records if r.cells["CONF_STATUS"] == "C"]
    assert confidential and all(r.cells["OBS_VALUE"] == "" for r in confidential)
    assert any(f"{len(confidential)} protected cells" in note for note in result.notes)


def test_groups_without_an_area_are_reported(result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]]) -> None:
    _, high = _row(sheets["Table 1"], 1503)
    assert high[1].strip() == "High-income countries"
    assert result.unmapped["High-income countries"] == 6  # one row in each of the six tables
    assert "Upper-middle-income countries" in result.unmapped
    assert any("High-income countries [1503]" in note for note in result.notes)


def test_metadata(result: ImportResult) -> None:
    meta = result.metadata
    assert (meta.dataset_id, meta.agency_id, meta.importer) == ("UNDESA_IMS2020_DESTINATION", "UNDESA", "undesa-stock")
    assert meta.licence == "http://creativecommons.org/licenses/by/3.0/igo/"
    assert meta.original_url in meta.sources
    assert any("POP/DB/MIG/Stock/Rev.2020" in s for s in meta.sources)
    assert meta.definition_basis and "foreign-born" in meta.definition_basis
    assert (result.parsed.format, len(result.parsed.sha256)) == ("xlsx", 64)


# -- small workbooks with the publisher's headers, for symbols and bad layouts -------------------


def _mini(tmp_path: Path, sheets: dict[str, list[tuple[Any, ...]]], rows: list[tuple[Any, ...]],
          change: dict[tuple[str, str], Any] | None = None, drop: str = "") -> Path:
    """A workbook with the real title, block and header rows of each table and the given data rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, source in sheets.items():
        if name == drop:
            continue
        sheet = workbook.create_sheet(name)
        for number in (2, 4, 8, 11):
            for column, value in enumerate(source[number - 1], start=1):
                if value is not None:
                    sheet.cell(number, column, value)
        for offset, row in enumerate(rows):
            for column, value in enumerate(row, start=1):
                sheet.cell(12 + offset, column, value)
        for (target, ref), value in (change or {}).items():
            if target == name:
                sheet[ref] = value
    path = tmp_path / "mini.xlsx"
    workbook.save(path)
    return path


def test_nil_negative_and_protected_symbols(tmp_path: Path, sheets: dict[str, list[tuple[Any, ...]]],
                                           context: ImportContext) -> None:
    row = (1, "   Germany", None, 276, "B", "\u2014", "-12.5", "~", "..", None, 7, 8.25)
    result = UndesaStockImporter().read(_mini(tmp_path, sheets, [row]), context)
    got = {(r.cells["TIME_PERIOD"], r.cells["OBS_VALUE"], r.cells["OBS_STATUS"], r.cells["CONF_STATUS"])
           for r in _records(result, INDICATOR="STK_IMM", REF_AREA="DEU")}
    assert got == {("1990", "0", "A", "F"), ("1995", "-12.5", "A", "F"), ("2000", "", "Q", "C"),
                   ("2015", "7", "A", "F"), ("2020", "8.25", "A", "F")}
    assert all(r.row == 12 for r in result.parsed.records)


def test_a_repeated_area_is_imported_once(tmp_path: Path, sheets: dict[str, list[tuple[Any, ...]]],
                                          context: ImportContext) -> None:
    first = (1, "  Germany", None, 276, "B", 5, 6)
    again = (2, "Germany", None, 276, "B", 5, 6)
    result = UndesaStockImporter().read(_mini(tmp_path, sheets, [first, again]), context)
    assert sorted(r.row for r in _records(result, INDICATOR="STK_IMM")) == [12, 12]
    assert any("row 13 repeats the area of row 12 with the same values" in note for note in result.notes)


@pytest.mark.parametrize(
    ("change", "drop", "expected"),
    [
        ({}, "Table 5", "sheet(s) Table 5 not found"),
        ({("Table 3", "E11"): "Kind of data"}, "",
         "sheet 'Table 3' rows 1-30: expected a header row with the columns"),
        ({("Table 1", "M8"): "International migrant stock, females"}, "",
         "sheet 'Table 1' rows 1-11: expected a block title containing 'males' above the year columns"),
        ({("Table 5", "G11"): 1995}, "", "sheet 'Table 5' row 11 (cell G11): expected a period"),
        ({("Table 1", "E2"): "World Population Prospects", ("Table 1", "E4"): "POP/DB/WPP/Rev.2019"}, "",
         "sheet 'Table 1' rows 1-30: expected a title block naming the edition"),
        ({("Table 2", "H12"): "n/a"}, "", "sheet 'Table 2' row 12 (cell H12): expected a number"),
        ({("Table 4", "D12"): "DEU"}, "", "sheet 'Table 4' row 12 (cell D12): expected an M49 location code"),
    ],
)
def test_a_wrong_layout_names_sheet_and_cell(tmp_path: Path, sheets: dict[str, list[tuple[Any, ...]]],
                                             context: ImportContext, change: dict[tuple[str, str], Any],
                                             drop: str, expected: str) -> None:
    row = (1, "Germany", None, 276, "B", 5, 6, 7)
    path = _mini(tmp_path, sheets, [row], change, drop)
    with pytest.raises(InputFileError) as err:
        UndesaStockImporter().read(path, context)
    assert err.value.message.startswith("mini.xlsx: ")
    assert expected in err.value.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "line 1: the file is empty"), (b"Year,Country of origin\n", "line 1: not an Excel workbook"),
     (b"PK\x03\x04 broken zip", "line 1: not an Excel workbook")],
)
def test_files_that_are_not_the_workbook(tmp_path: Path, context: ImportContext, content: bytes,
                                         expected: str) -> None:
    path = tmp_path / "stock.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        UndesaStockImporter().read(path, context)
    assert err.value.message.startswith("stock.xlsx: ") and expected in err.value.message


def test_a_unhcr_csv_is_refused(sources_dir: Path, context: ImportContext) -> None:
    path = sources_dir / "unhcr" / "unhcr_rdf_refugees_asylum-seekers_by_origin_asylum_1995-2014.csv"
    with pytest.raises(InputFileError) as err:
        UndesaStockImporter().read(path, context)
    assert path.name in err.value.message


# -- an older edition's layout: another title block, a two-row header, heading rows with '..' -------

OLDER_HEADER_ROW = 15  # the 2015-2019 editions: title block in rows 1-14, header in rows 15-16
SDG_HEADING = "Sustainable Development Goal (SDG) regions"


def _older_heading(text: object) -> object:
    """A 2020 block title as the older editions word it ('..., males' -> '... (male)')."""
    if not isinstance(text, str):
        return text
    for new, old in ((", both sexes combined", " (both sexes)"), (", males", " (male)"), (", females", " (female)")):
        text = text.replace(new, old)
    return text


@pytest.fixture(scope="module")
def older(tmp_path_factory: pytest.TempPathFactory, sheets: dict[str, list[tuple[Any, ...]]]) -> Path:
    """The 2020 workbook's cells laid out as the 2017 revision laid them out."""
    workbook = Workbook(write_only=True)
    for name, source in sheets.items():
        sheet = workbook.create_sheet(name)
        title = str(source[2][4]).split(": ", 1)[1]
        block = [["United Nations"], ["Department of Economic and Social Affairs"], ["Population Division"], [],
                 ["International migrant stock: The 2017 revision"], [], [f"{name}. {title}"], [],
                 ["\u00a9 2017 United Nations"], [], [], [], [], []]
        for row in block:
            sheet.append(row)
        headings = [_older_heading(v) for v in source[7]]
        sheet.append(["Sort\norder", "Major area, region, country or area of destination", "Notes", "Code",
                      "Type of data (a)", *headings[5:]])
        sheet.append([None] * 5 + list(source[10][5:]))
        width = len(source[10])
        for number, row in enumerate(source[11:], start=12):
            sheet.append(list(row))
            if number == 12:  # after WORLD: a heading row without a code, '..' in every column
                sheet.append([None, SDG_HEADING, None, None, None] + [".."] * (width - 5))
    path = tmp_path_factory.mktemp("older") / "UN_MigrantStockTotal_2017.xlsx"
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def older_result(older: Path, context: ImportContext) -> ImportResult:
    return UndesaStockImporter().read(older, context)


def _by_key(result: ImportResult) -> dict[tuple[tuple[str, str], ...], str]:
    """Value by every other cell (the source detail names the edition and cell, so it differs)."""
    return {tuple(sorted((k, v) for k, v in r.cells.items() if k not in ("SOURCE_DETAIL", "OBS_VALUE"))):
            r.cells["OBS_VALUE"] for r in result.parsed.records}


def test_an_older_edition_imports_the_same_figures(older_result: ImportResult, result: ImportResult) -> None:
    older, current = _by_key(older_result), _by_key(result)
    assert len(older) == len(older_result.parsed.records) == len(result.parsed.records)
    assert older.keys() == current.keys()
    # openpyxl writes a float with 15 significant digits: the same number, not always the same digits
    assert all(older[k] == current[k] or float(older[k]) == pytest.approx(float(current[k]), rel=1e-14)
               for k in current)
    assert older_result.metadata.dataset_id == "UNDESA_IMS2017_DESTINATION"
    assert "2017" in older_result.metadata.sources[0]
    assert older_result.unmapped == result.unmapped
    assert any("1 heading rows without a location code" in n for n in older_result.notes)


@pytest.mark.parametrize(("code", "iso3"), [(276, "DEU"), (760, "SYR"), (608, "PHL"), (484, "MEX"), (434, "LBY")])
def test_an_older_edition_cell_is_read_where_it_lies(older: Path, older_result: ImportResult, code: int,
                                                     iso3: str) -> None:
    workbook = load_workbook(older, read_only=True, data_only=True)
    try:
        rows = list(workbook["Table 1"].iter_rows(values_only=True))
    finally:
        workbook.close()
    number, row = next((n, r) for n, r in enumerate(rows, start=1) if n > 16 and r[3] == code)
    for column, sex in ((12, "_T"), (19, "M"), (26, "F")):  # 2020, both sexes / male / female
        assert rows[OLDER_HEADER_ROW][column - 1] == 2020
        [record] = _records(older_result, INDICATOR="STK_IMM", REF_AREA=iso3, SEX=sex, TIME_PERIOD="2020")
        assert record.cells["OBS_VALUE"] == str(row[column - 1])
        assert record.row == number
        assert f"Table 1 {'LSZ'[(column - 12) // 7]}{number}" in record.cells["SOURCE_DETAIL"]


def test_an_older_layout_without_the_header_names_rows_and_columns(
    tmp_path: Path, older: Path, context: ImportContext
) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    workbook = load_workbook(older)
    workbook["Table 2"]["E15"] = "Kind of estimate"
    broken = tmp_path / "broken.xlsx"
    workbook.save(broken)
    result = CliRunner().invoke(app, ["import", "undesa-stock", str(broken), "--dry-run"],
                                env={"MPR_DATA": str(tmp_path / "data"), "COLUMNS": "400"})
    assert result.exit_code == 2
    assert "sheet 'Table 2' rows 1-30: expected a header row with the columns" in result.output
    assert "'Location code' (or 'Code') and 'Type of data'" in result.output


def test_table_4_gives_the_female_share_of_migrants_a_characteristic_of_migrants(
    result: ImportResult, sheets: dict[str, list[tuple[Any, ...]]], context: ImportContext
) -> None:
    """Germany's and the Philippines' female share (Table 4, M49 276 and 608) land in section CHR."""
    indicator = context.catalogue.get("CHR_FEM")
    assert indicator is not None and indicator.section == "CHR" and indicator.unit == "PT"
    years = [str(v) for v in sheets["Table 4"][10][5:12]]
    for code, area in ((276, "DEU"), (608, "PHL")):
        _, row = _row(sheets["Table 4"], code)
        for year, cell in zip(years, row[5:12], strict=True):
            [record] = _records(result, INDICATOR="CHR_FEM", REF_AREA=area, TIME_PERIOD=year)
            assert Decimal(record.cells["OBS_VALUE"]) == Decimal(repr(cell)), (area, year)
            assert record.cells["UNIT_MEASURE"] == "PT"
