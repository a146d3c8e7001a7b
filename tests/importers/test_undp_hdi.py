"""The UNDP HDI importer on the HDR data centre's CSV (HDR 2020 release, mixed encodings, names only)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.undp_hdi import UndpHdiImporter
from api.model.catalogue import Catalogue

HDI = "Human Development Index (HDI)_2019.csv"
COUNTRIES = {"Germany": "DEU", "Syrian Arab Republic": "SYR", "Philippines": "PHL", "Mexico": "MEX", "Libya": "LBY"}


def _path(sources_dir: Path) -> Path:
    return sources_dir / "undp-hdr-hdi" / HDI


def _rows(path: Path) -> list[list[str]]:
    """The file's rows, each line decoded on its own (the preamble holds a Windows-1252 byte)."""
    out = []
    for raw in path.read_bytes().split(b"\r\n"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        out.append(next(csv.reader([text]), []))
    return out


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def hdi(sources_dir: Path, context: ImportContext) -> ImportResult:
    return UndpHdiImporter().read(_path(sources_dir), context)


def test_cells_of_five_countries(hdi: ImportResult, sources_dir: Path) -> None:
    rows = _rows(_path(sources_dir))
    header = rows[5]
    assert header[:3] == ["HDI Rank", "Country", "1990"]
    by_key = {(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r for r in hdi.parsed.records}
    for line, row in enumerate(rows, start=1):
        name = row[1].strip() if len(row) > 1 else ""
        if name not in COUNTRIES:
            continue
        for column, year in enumerate(header):
            if column >= 2 and year.isdigit():
                record = by_key.get((COUNTRIES[name], year))
                if row[column] == "..":
                    assert record is None
                else:
                    assert record is not None and record.cells["OBS_VALUE"] == row[column]
                    assert (record.row, record.cells["INDICATOR"]) == (line, "CTX_HDI")


def test_every_country_is_mapped_and_aggregates_are_reported(hdi: ImportResult, sources_dir: Path) -> None:
    rows = _rows(_path(sources_dir))
    countries = [r for r in rows[6:] if len(r) > 2 and r[0].strip()]
    assert len(countries) == 189
    assert hdi.unmapped == {}
    assert {r.cells["REF_AREA"] for r in hdi.parsed.records} >= {"SWZ", "HKG", "CIV", "BOL", "KOR", "001"}
    assert len({r.cells["REF_AREA"] for r in hdi.parsed.records}) == 190  # 189 countries and the world
    assert any("Arab States" in n and "not imported" in n for n in hdi.notes)
    expected = sum(1 for r in [*countries, next(r for r in rows if len(r) > 1 and r[1].strip() == "World")]
                   for v in r[2:] if v not in ("..", ""))
    assert len(hdi.parsed.records) == expected


def test_an_edition_with_another_rank_column_and_years(tmp_path: Path, sources_dir: Path,
                                                       context: ImportContext) -> None:
    rows = _rows(_path(sources_dir))
    path = tmp_path / "Human Development Index (HDI)_2018.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["Human Development Index (HDI)"])
        writer.writerow([])
        writer.writerow(["HDI Rank (2018)", "Country", *rows[5][2:-1]])
        for row in rows[6:200]:
            if len(row) > 2:
                writer.writerow(row[:-1])
    result = UndpHdiImporter().read(path, context)
    germany = {r.cells["TIME_PERIOD"]: r.cells["OBS_VALUE"] for r in result.parsed.records
               if r.cells["REF_AREA"] == "DEU"}
    source = next(r for r in rows if len(r) > 1 and r[1].strip() == "Germany")
    assert germany == dict(zip(rows[5][2:-1], source[2:-1], strict=True))
    assert result.metadata.dataset_id == "UNDP_HDR_HDI_2018"


def test_an_unknown_name_is_listed(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    lines = _path(sources_dir).read_bytes().split(b"\r\n")
    odd = lines[6].replace(b"Afghanistan", b"Atlantis")
    path = tmp_path / HDI
    path.write_bytes(b"\r\n".join([*lines[:6], odd, lines[7]]))
    result = UndpHdiImporter().read(path, context)
    assert list(result.unmapped) == ["Atlantis"]
    assert any("Atlantis" in n for n in result.notes)


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "line 1: the file is empty"),
    (b"Country Name,Country Code,Indicator Name\n", "a header with a 'Country' column followed by year columns"),
])
def test_wrong_files_are_refused(tmp_path: Path, context: ImportContext, content: bytes, expected: str) -> None:
    path = tmp_path / "hdi.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        UndpHdiImporter().read(path, context)
    assert err.value.message.startswith("hdi.csv: ") and expected in err.value.message
