"""The Excel template both ways: `mpr template ... --xlsx` writes it, the workbook reader reads it like the CSV
template (worksheet rows), and refuses formulas, macros, external links, hidden sheets and zip bombs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.errors import InputFileError
from api.formats import submission_input
from api.formats.tabular.template import template_header
from api.formats.tabular.xlsx_input import read_xlsx
from api.model.submission import InputLimits
from tests.conftest import sources_dir

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xlsx")
    path = folder / "template.xlsx"
    env = {"MPR_SOURCES": str(sources_dir()), "MPR_BASE_IRI": "http://registry.test", "MPR_DATA": str(folder)}
    result = runner.invoke(app, ["template", "STK_IMM", "REM_IN", "--area", "DEU", "--years", "2019-2020", "--xlsx",
                                 "-o", str(path)], env=env)
    assert result.exit_code == 0, result.output
    return path


def test_the_workbook_has_data_code_lists_and_definitions(template: Path) -> None:
    book = load_workbook(template)
    assert book.sheetnames[0] == "Data" and "Indicators" in book.sheetnames
    assert {"CL_AREA", "CL_SEX", "CL_AGE", "CL_UNIT_MEASURE", "CL_OBS_STATUS", "CL_CONF_STATUS"} <= set(
        book.sheetnames)
    data = book["Data"]
    header = [c.value for c in data[1]]
    assert header == template_header()
    assert [data.cell(row=r, column=header.index("INDICATOR") + 1).value for r in range(2, 6)] == [
        "STK_IMM", "STK_IMM", "REM_IN", "REM_IN"]
    areas = {row[0] for row in book["CL_AREA"].iter_rows(min_row=2, values_only=True)}
    assert {"DEU", "FRA", "001"} <= areas
    definitions = {row[0]: row for row in book["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert set(definitions) == {"STK_IMM", "REM_IN"} and "born in another country" in definitions["STK_IMM"][5]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in data.data_validations.dataValidation}
    area_column = data.cell(row=1, column=header.index("REF_AREA") + 1).column_letter
    sex_column = data.cell(row=1, column=header.index("SEX") + 1).column_letter
    assert lists[f"{area_column}2"].startswith("'CL_AREA'!$A$2:$A$")
    assert lists[f"{sex_column}2"] == "'CL_SEX'!$A$2:$A$6"
    assert all(ws.sheet_state == "visible" for ws in book.worksheets)


def fill(template: Path, out: Path, values: dict[int, object], **cells: tuple[int, object]) -> Path:
    book = load_workbook(template)
    data = book["Data"]
    header = [c.value for c in data[1]]
    for row, value in values.items():
        data.cell(row=row, column=header.index("OBS_VALUE") + 1, value=value)
    for column, (row, value) in cells.items():
        data.cell(row=row, column=header.index(column) + 1, value=value)
    book.save(out)
    return out


def test_a_filled_workbook_reads_like_the_csv_template(template: Path, tmp_path: Path) -> None:
    path = fill(template, tmp_path / "filled.xlsx", {2: 15762457, 3: 15.5, 4: 1000.0, 5: 2000})
    parsed = submission_input.read_submission(path)
    assert parsed.problems == ()
    assert [(r.row, r.cells["INDICATOR"], r.cells["TIME_PERIOD"], r.cells["OBS_VALUE"]) for r in parsed.records] == [
        (2, "STK_IMM", "2019", "15762457"), (3, "STK_IMM", "2020", "15.5"), (4, "REM_IN", "2019", "1000"),
        (5, "REM_IN", "2020", "2000")]


def test_findings_name_the_worksheet_rows(template: Path, tmp_path: Path) -> None:
    book = load_workbook(template)
    data = book["Data"]
    data.insert_rows(3, amount=2)  # two empty rows: the data rows are now 2, 5, 6, 7
    data.cell(row=6, column=template_header().index("REF_AREA") + 1, value="GER")
    book.save(tmp_path / "gaps.xlsx")
    parsed = read_xlsx(tmp_path / "gaps.xlsx")
    assert [r.row for r in parsed.records] == [2, 5, 6, 7]
    assert parsed.records[2].cells["REF_AREA"] == "GER"


def _workbook(path: Path, *, formula: bool = False, hidden: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(template_header())
    sheet.append(["dataflow", "MPR:MIGRATION_PROFILE(1.0)", "I", "A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z",
                  "2020", "=2+2" if formula else 4, "PS", "0", "A", "F"])
    if hidden:
        book.create_sheet("Notes").sheet_state = hidden
    book.save(path)
    return path


def test_formula_cells_are_refused_with_the_cell(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"cell L2 holds a formula.*Paste Special > Values"):
        read_xlsx(_workbook(tmp_path / "formula.xlsx", formula=True))


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_refused(tmp_path: Path, state: str) -> None:
    with pytest.raises(InputFileError, match=r"hidden sheets \('Notes'\).*Unhide"):
        read_xlsx(_workbook(tmp_path / "hidden.xlsx", hidden=state))


def _with_part(source: Path, target: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item, old.read(item.filename))
        new.writestr(name, data)
    return target


def test_macros_are_refused(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx")
    with pytest.raises(InputFileError, match="contains macros"):
        read_xlsx(_with_part(plain, tmp_path / "vba.xlsx", "xl/vbaProject.bin", b"\0" * 64))
    xlsm = tmp_path / "book.xlsm"
    xlsm.write_bytes(plain.read_bytes())
    with pytest.raises(InputFileError, match="macro-enabled workbook is refused"):
        submission_input.read_submission(xlsm)


def test_external_links_are_refused(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx")
    linked = _with_part(plain, tmp_path / "linked.xlsx", "xl/externalLinks/externalLink1.xml", b"<externalLink/>")
    with pytest.raises(InputFileError, match="links to other workbooks"):
        read_xlsx(linked)


def test_a_zip_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx")
    bomb = _with_part(plain, tmp_path / "bomb.xlsx", "xl/media/zeros.bin", b"\0" * 5_000_000)
    assert bomb.stat().st_size < 100_000  # small on the wire
    with pytest.raises(InputFileError, match="expands to more than 1,000,000 bytes"):
        read_xlsx(bomb, InputLimits(max_bytes=100_000))


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"STRUCTURE,STRUCTURE_ID\n")
    with pytest.raises(InputFileError, match=r"not an Excel workbook \(.xlsx\)"):
        read_xlsx(fake)


def test_rows_and_cells_are_bounded(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "one.xlsx")
    with pytest.raises(InputFileError, match="more than 0 rows"):
        read_xlsx(path, InputLimits(max_items=0))
    book = load_workbook(path)
    book["Data"]["R2"] = "x" * 100
    book.save(path)
    with pytest.raises(InputFileError, match="a cell of 100 bytes"):
        read_xlsx(path, InputLimits(max_literal_bytes=50))


def test_a_macro_workbook_upload_is_refused_by_name_or_type() -> None:
    from api.services.submissions.upload import suffix_for

    for file_name, media_type in (("book.xlsm", "application/octet-stream"),
                                  (None, "application/vnd.ms-excel.sheet.macroEnabled.12")):
        with pytest.raises(InputFileError, match="macro-enabled workbook is refused"):
            suffix_for(file_name, media_type)
    assert suffix_for("book.xlsx", None) == ".xlsx"
