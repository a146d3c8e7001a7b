"""Files without quotes are split by columns (``csv_table``) into the same records and problems as the csv module
gives: line numbers, cells as written, blank and malformed rows, structure columns, labels, limits."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.errors import InputFileError
from api.formats.tabular import csv_table, template
from api.formats.tabular.template import read_csv_bytes, template_header
from api.model.submission import InputLimits, ParsedFile

HEADER = ",".join(template_header())
LEAD = "dataflow,MPR:MIGRATION_PROFILE(1.0),I,"
ROW = "A,DEU,STK_IMM,_Z,_T,_T,_Z,2020,15762457,PS,0,A,F,,,"


def both(data: bytes, limits: InputLimits | None = None) -> tuple[ParsedFile, ParsedFile]:
    """The file read split by columns (never by the csv module) and read by the csv module; they must be the same."""
    with patch.object(template, "read_table", side_effect=AssertionError("read by the csv module")):
        split = read_csv_bytes(data, "t.csv", limits)
    by_csv = read_csv_bytes(data, "t.csv", limits, split=False)
    assert split.records.frame.equals(by_csv.records.frame)
    assert split.records.frame.schema == by_csv.records.frame.schema
    assert (split.problems, split.columns, split.format, split.sha256, split.size) == (
        by_csv.problems, by_csv.columns, by_csv.format, by_csv.sha256, by_csv.size)
    return split, by_csv


def test_a_file_without_quotes_is_split_and_a_file_with_quotes_is_not() -> None:
    assert csv_table.splittable(f"{HEADER}\n{LEAD}{ROW}\n".encode())
    assert not csv_table.splittable(f'{HEADER}\n{LEAD}{ROW}"note"\n'.encode())
    assert not csv_table.splittable(f"{HEADER}\r{LEAD}{ROW}\r".encode())  # old Mac line ends
    assert not csv_table.splittable(f"{HEADER}\n{LEAD}{ROW}\x00\n".encode())
    assert csv_table.splittable(f"{HEADER}\r\n{LEAD}{ROW}\r\n".encode())


def test_blank_short_long_and_refused_rows_keep_their_lines_and_problems() -> None:
    rows = [
        LEAD + ROW,
        "",
        ",,,  ,\t,",
        LEAD + ROW.replace("2020", "2019") + ",,,",  # extra fields, all empty: kept
        LEAD + ROW.replace("2020", "2018") + ",x",  # an extra field with a value: malformed
        LEAD + "A,DEU,STK_IMM",  # short: padded
        "dataflow,ESTAT:OTHER(1.0),D," + ROW.replace("2020", "2017"),
        "\u00a0," * 5,  # only non-breaking spaces: blank, as str.strip sees it
        "\u00e9" + LEAD[1:] + ROW.replace("2020", "2016"),
        LEAD + ROW.replace("2020", "2015"),
        "dataflow,ESTAT:OTHER(1.0),D," + ROW.replace("2020", "2014"),
    ]
    split, _ = both(("\n".join([HEADER, *rows]) + "\n\n").encode())
    assert [r.row for r in split.records] == [2, 5, 7, 8, 10, 11, 12]
    assert [(p.rule, p.row, p.column) for p in split.problems] == [
        ("malformed-row", 6, None), ("structure", 8, "STRUCTURE_ID"), ("structure", 8, "ACTION"),
        ("structure", 10, "STRUCTURE"), ("structure", 12, "STRUCTURE_ID"), ("structure", 12, "ACTION")]
    assert split.records[2].cells["TIME_PERIOD"] == ""


def test_crlf_bom_semicolons_tabs_and_labels() -> None:
    both(b"\xef\xbb\xbf" + f"{HEADER}\r\n{LEAD}{ROW}\r\n{LEAD}{ROW}".replace(",", ";").encode())
    both(f"{HEADER}\n{LEAD}{ROW}\n".replace(",", "\t").encode())
    header = ("REF_AREA: Reference area,FREQ: Frequency,INDICATOR,COUNTERPART_AREA,SEX,AGE,MIGRATION_STATUS,"
              "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,CONF_STATUS,COMMENT")
    split, _ = both(f"{header}\nDEU: Germany,A: Annual, STK_IMM ,_Z,_T,_T,_Z,2020,1,PS,F,note: kept \n".encode())
    assert split.records[0].cells["REF_AREA"] == "DEU"
    assert split.records[0].cells["INDICATOR"] == "STK_IMM"
    assert split.records[0].cells["COMMENT"] == "note: kept "


def test_a_header_only_and_plain_csv() -> None:
    split, _ = both(f"{HEADER}\n".encode())
    assert len(split.records) == 0
    plain = "FREQ,REF_AREA,INDICATOR,COUNTERPART_AREA,SEX,AGE,MIGRATION_STATUS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE"
    both(f"{plain},PASSPORT_NO\n{ROW}\n".encode())


def test_bounds_are_named_as_the_csv_module_names_them() -> None:
    data = ("\n".join([HEADER, *(LEAD + ROW.replace("2020", str(1900 + i)) for i in range(5))]) + "\n").encode()
    with pytest.raises(InputFileError, match="more than 4 rows"):
        read_csv_bytes(data, "t.csv", InputLimits(max_items=4))
    long = data.replace(b",A,F,,,", b",A,F," + b"x" * 300 + b",,")
    with pytest.raises(InputFileError, match="300 bytes"):
        read_csv_bytes(long, "t.csv", InputLimits(max_literal_bytes=200))
    both(long, InputLimits(max_literal_bytes=1000))


_CELL = st.sampled_from(["", " ", "DEU", "_T", "2020", "1.5", "x y", "\u00a0", "\t", "é", "DEU: Germany", ";"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CELL, min_size=0, max_size=len(template_header()) + 2), max_size=12),
       st.sampled_from([",", ";"]), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_any_rows_of_cells_read_the_same(rows: list[list[str]], delimiter: str, newline: str, final: bool) -> None:
    lines = [delimiter.join(template_header()), *(delimiter.join(r) for r in rows)]
    text = newline.join(lines) + (newline if final else "")
    both(text.encode())
