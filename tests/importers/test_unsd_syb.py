"""The UNSD Statistical Yearbook importer on SYB65 table 327 "International migrants and refugees" (UNdata)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.unsd_syb import SERIES, UnsdSybImporter
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS

SYB = "SYB65_327_202209_International Migrants and Refugees.csv"
STOCK = "International migrant stock: Both sexes (number)"


def _path(sources_dir: Path) -> Path:
    return sources_dir / "unsd-syb-migrants-refugees" / SYB


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        return [(reader.line_num, row) for row in reader]


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def syb(sources_dir: Path, context: ImportContext) -> ImportResult:
    return UnsdSybImporter().read(_path(sources_dir), context)


@pytest.fixture(scope="module")
def by_line(syb: ImportResult) -> dict[int, Any]:
    lines = [r.row for r in syb.parsed.records]
    assert len(lines) == len(set(lines)), "one record per data line"
    return {r.row: r for r in syb.parsed.records}


def test_world_stock_equals_the_source_cell(by_line: dict[int, Any], sources_dir: Path, area_index: Any,
                                            catalogue: Catalogue) -> None:
    line, row = next((n, r) for n, r in _rows(_path(sources_dir))
                     if r[0] == "1" and r[2] == "2005" and r[3] == STOCK)
    assert "," in row[4]  # the file writes thousands separators
    record = by_line[line]
    assert record.cells["OBS_VALUE"] == str(int(row[4].replace(",", "")))
    assert record.cells["REF_AREA"] == area_index.code("001")
    assert record.cells["TIME_PERIOD"] == "2005"
    assert record.cells["FREQ"] == "A"
    stock = catalogue.get("STK_IMM")
    assert stock is not None
    assert record.cells["INDICATOR"] == "STK_IMM"
    assert record.cells["UNIT_MEASURE"] == stock.unit
    assert record.cells["SEX"] == ("_T" if "SEX" in stock.breakdowns else "_Z")
    assert record.cells["SOURCE_DETAIL"] == row[6]
    assert set(record.cells) == set(COMPONENTS)


def test_series_labels_give_indicator_and_sex(by_line: dict[int, Any], sources_dir: Path,
                                              catalogue: Catalogue) -> None:
    expected = {
        "international migrant stock: both sexes (% total population)": ("STK_IMM_PCT", "SEX", "_T"),
        "international migrant stock: male (% total population)": ("STK_IMM_PCT", "SEX", "M"),
        "international migrant stock: female (% total population)": ("STK_IMM_PCT", "SEX", "F"),
        "total refugees and people in refugee-like situations (number)": ("FDP_REF_A", "COUNTERPART_AREA", "_T"),
        "asylum seekers, including pending cases (number)": ("FDP_ASY", "COUNTERPART_AREA", "_T"),
        "other of concern to unhcr (number)": ("FDP_OOC", None, None),
        "total population of concern to unhcr (number)": ("FDP_POC", None, None),
    }
    seen = set()
    for line, row in _rows(_path(sources_dir))[2:]:
        label = row[3].lower()
        if label not in expected or line not in by_line:
            continue
        indicator_id, dim, value = expected[label]
        cells = by_line[line].cells
        assert cells["INDICATOR"] == indicator_id
        indicator = catalogue.get(indicator_id)
        assert indicator is not None
        if dim is not None:
            assert cells[dim] == (value if dim in indicator.breakdowns or value not in ("_T",) else "_Z")
        assert cells["OBS_VALUE"] == row[4].replace(",", "")
        assert re.fullmatch(r"\d+(\.\d+)?", cells["OBS_VALUE"])
        seen.add(label)
    assert seen == set(expected)


def test_footnotes_become_comments(by_line: dict[int, Any], sources_dir: Path) -> None:
    with_notes = [(n, r) for n, r in _rows(_path(sources_dir))[2:] if r[5].strip() and n in by_line]
    assert len(with_notes) > 1000
    for line, row in with_notes:
        assert by_line[line].cells["COMMENT"] == row[5].strip()
    assert all(r.cells["COMMENT"] == r.cells["COMMENT"].strip() for r in by_line.values())


def test_counts_and_unmapped_areas(syb: ImportResult, sources_dir: Path, area_index: Any) -> None:
    rows = _rows(_path(sources_dir))[2:]
    unknown_areas: dict[str, int] = {}
    expected = 0
    for _, row in rows:
        if area_index.code(row[0].zfill(3)) is None:
            key = f"{row[0]} ({row[1]})"
            unknown_areas[key] = unknown_areas.get(key, 0) + 1
        else:
            expected += 1
    assert len(syb.parsed.records) == expected
    assert syb.unmapped == unknown_areas
    assert len(syb.parsed.records) + sum(syb.unmapped.values()) == len(rows) == 7220
    if unknown_areas:
        assert any(all(k in note for k in unknown_areas) for note in syb.notes)
    keys = [(tuple(r.cells[d] for d in ("REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX")),
             r.cells["TIME_PERIOD"]) for r in syb.parsed.records]
    assert len(keys) == len(set(keys))


def test_metadata(syb: ImportResult) -> None:
    meta = syb.metadata
    assert (meta.dataset_id, meta.agency_id, meta.importer) == ("UNSD_SYB65_327", "UNSD", "unsd-syb")
    assert meta.licence == "http://data.un.org/Host.aspx?Content=UNdataUse"
    assert meta.original_url in meta.sources
    assert meta.title.startswith("International migrants and refugees")


def test_unknown_series_label_is_counted_not_fatal(tmp_path: Path, sources_dir: Path,
                                                   context: ImportContext) -> None:
    lines = _path(sources_dir).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    odd = lines[2].replace(STOCK, "International migrant stock: Both sexes (per 1000)")
    path = tmp_path / SYB
    path.write_text("".join([*lines[:3], odd]), encoding="utf-8")
    result = UnsdSybImporter().read(path, context)
    assert [r.row for r in result.parsed.records] == [3]
    assert result.unmapped == {"International migrant stock: Both sexes (per 1000)": 1}
    assert any("per 1000" in note for note in result.notes)
    assert "international migrant stock: both sexes (per 1000)" not in SERIES


def test_labels_match_case_insensitively(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    lines = _path(sources_dir).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path = tmp_path / SYB
    path.write_text("".join([*lines[:2], lines[2].replace(STOCK, STOCK.upper())]), encoding="utf-8")
    result = UnsdSybImporter().read(path, context)
    assert [r.cells["INDICATOR"] for r in result.parsed.records] == ["STK_IMM"]


def test_wdi_file_is_refused(sources_dir: Path, context: ImportContext) -> None:
    path = sources_dir / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    with pytest.raises(InputFileError) as err:
        UnsdSybImporter().read(path, context)
    assert path.name in err.value.message
    assert "line 2: expected the header Region/Country/Area" in err.value.message


def test_empty_and_non_utf8_files(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(InputFileError, match=r"empty\.csv: line 1: the file is empty"):
        UnsdSybImporter().read(empty, context)
    text = _path(sources_dir).read_text(encoding="utf-8-sig")
    line, first = next((i, t) for i, t in enumerate(text.splitlines(), start=1) if not t.isascii())
    byte = next(c for c in first if not c.isascii()).encode("cp1252")[0]
    ansi = tmp_path / "ansi.csv"  # as a spreadsheet saves it on Windows
    ansi.write_bytes(text.encode("cp1252", errors="replace"))
    with pytest.raises(InputFileError, match=rf"ansi\.csv: line {line}: byte 0x{byte:02X} is not UTF-8"):
        UnsdSybImporter().read(ansi, context)


OTHER_EDITION_HEADER = "Area Code,Area Name,Year,Series,Value,Footnotes,Source\n"


@pytest.mark.parametrize("with_title", [True, False])
def test_an_edition_with_the_area_code_header_imports_the_same(
    tmp_path: Path, sources_dir: Path, context: ImportContext, syb: ImportResult, with_title: bool
) -> None:
    lines = _path(sources_dir).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    edition = [lines[0], OTHER_EDITION_HEADER, *lines[2:]] if with_title else [OTHER_EDITION_HEADER, *lines[2:]]
    path = tmp_path / SYB
    path.write_text("".join(edition), encoding="utf-8")
    result = UnsdSybImporter().read(path, context)
    shift = 0 if with_title else 1
    assert [(r.row + shift, r.cells) for r in result.parsed.records] == [
        (r.row, r.cells) for r in syb.parsed.records]
    assert result.unmapped == syb.unmapped
    assert result.metadata.dataset_id == "UNSD_SYB65_327"
    assert result.metadata.title.startswith("International migrants and refugees" if with_title
                                            else "International Migrants and Refugees")


def test_a_header_of_neither_edition_names_both(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    lines = _path(sources_dir).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path = tmp_path / SYB
    path.write_text("".join([lines[0], "Code,Country,Year,Series,Value,Footnotes,Source\n", *lines[2:9]]),
                    encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        UnsdSybImporter().read(path, context)
    assert "line 2: expected the header Region/Country/Area,,Year" in err.value.message
    assert "Area Code,Area Name,Year,Series,Value,Footnotes,Source" in err.value.message
    assert "found 'Code,Country,Year" in err.value.message
