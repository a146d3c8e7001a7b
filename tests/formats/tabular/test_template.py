"""The CSV template and SDMX-CSV 1.0/2.0 reader: rows, columns, encodings and shape problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.errors import InputFileError
from api.formats.tabular.template import read_csv, read_csv_bytes, template_header
from api.model.submission import InputLimits

ROW = "A,DEU,STK_IMM,_Z,_T,_T,_Z,2020,15762457,PS,0,A,F,,,"


def template(*rows: str) -> bytes:
    header = ",".join(template_header())
    return ("\n".join([header, *(f"dataflow,MPR:MIGRATION_PROFILE(1.0),I,{r}" for r in rows)]) + "\n").encode()


def test_template_rows_keep_their_line_numbers() -> None:
    parsed = read_csv_bytes(template(ROW, ROW.replace("2020", "2019")), "t.csv")
    assert parsed.format == "sdmx-csv-2"
    assert [r.row for r in parsed.records] == [2, 3]
    assert parsed.records[1].cells["TIME_PERIOD"] == "2019"
    assert parsed.problems == ()
    assert len(parsed.sha256) == 64


def test_bom_and_crlf_and_semicolons() -> None:
    data = template(ROW).replace(b",", b";").replace(b"\n", b"\r\n")
    parsed = read_csv_bytes(b"\xef\xbb\xbf" + data, "t.csv")
    assert parsed.records[0].cells["REF_AREA"] == "DEU"
    assert parsed.problems == ()


def test_sdmx_csv_1() -> None:
    header = ("DATAFLOW,FREQ,REF_AREA,INDICATOR,COUNTERPART_AREA,SEX,AGE,MIGRATION_STATUS,TIME_PERIOD,OBS_VALUE,"
              "UNIT_MEASURE,CONF_STATUS")
    data = f"{header}\nMPR:MIGRATION_PROFILE(1.0),A,DEU,STK_IMM,_Z,_T,_T,_Z,2020,1,PS,F\n".encode()
    parsed = read_csv_bytes(data, "v1.csv")
    assert parsed.format == "sdmx-csv-1"
    assert parsed.problems == ()


def test_labels_both_form_is_reduced_to_ids() -> None:
    header = ("REF_AREA: Reference area,FREQ: Frequency,INDICATOR,COUNTERPART_AREA,SEX,AGE,MIGRATION_STATUS,"
              "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,CONF_STATUS,COMMENT")
    data = f"{header}\nDEU: Germany,A: Annual,STK_IMM,_Z,_T,_T,_Z,2020,1,PS,F,note: kept\n".encode()
    parsed = read_csv_bytes(data, "labels.csv")
    cells = parsed.records[0].cells
    assert cells["REF_AREA"] == "DEU" and cells["FREQ"] == "A"
    assert cells["COMMENT"] == "note: kept"


def test_unknown_column_is_a_closed_structure_violation() -> None:
    header = ",".join(template_header()) + ",PASSPORT_NO"
    data = f"{header}\ndataflow,MPR:MIGRATION_PROFILE(1.0),I,{ROW},X123\n".encode()
    problems = read_csv_bytes(data, "t.csv").problems
    assert [(p.rule, p.row, p.column) for p in problems] == [("closed", 1, "PASSPORT_NO")]
    assert "aggregates only" in problems[0].message


def test_missing_column_names_the_column() -> None:
    header = ",".join(c for c in template_header() if c != "OBS_VALUE")
    problems = read_csv_bytes(f"{header}\n".encode(), "t.csv").problems
    assert [(p.rule, p.column, p.row) for p in problems] == [("missing-column", "OBS_VALUE", 1)]


def test_wrong_dataflow_and_delete_action() -> None:
    header = ",".join(template_header())
    data = f"{header}\ndataflow,ESTAT:OTHER(1.0),D,{ROW}\n".encode()
    problems = read_csv_bytes(data, "t.csv").problems
    assert {(p.column, p.row) for p in problems} == {("STRUCTURE_ID", 2), ("ACTION", 2)}


def test_invalid_utf8_names_line_and_byte() -> None:
    data = template(ROW, ROW.replace("_Z,2020", "_Z,20\xe920"))
    data = data.replace("20\xe920".encode(), b"20\xe920")
    with pytest.raises(InputFileError) as info:
        read_csv_bytes(data, "latin.csv")
    assert "line 3" in info.value.message and "UTF-8" in info.value.message


def test_empty_file_and_size_limit(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="empty"):
        read_csv_bytes(b"   \n", "e.csv")
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # a sparse 200 MB file: refused before it is read
    with pytest.raises(InputFileError, match="upload limit"):
        read_csv(big, InputLimits(max_bytes=100 * 1024 * 1024))


def test_row_with_too_many_fields() -> None:
    header = ",".join(template_header())
    data = f"{header}\ndataflow,MPR:MIGRATION_PROFILE(1.0),I,{ROW},extra,more\n".encode()
    problems = read_csv_bytes(data, "t.csv").problems
    assert [(p.rule, p.row) for p in problems] == [("malformed-row", 2)]
