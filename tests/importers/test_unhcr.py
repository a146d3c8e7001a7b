"""The UNHCR importer on UNHCR's own exports: the 2014 PopStats time series and a Refugee Data Finder file."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.areas import AreaIndex
from api.importers.base import ImportContext, ImportResult
from api.importers.unhcr import UnhcrImporter
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS, series_key

REPO = Path(__file__).resolve().parents[2]
POPSTATS = "unhcr_popstats_persons_of_concern_timeseries_2000-2013.csv"
RDF = "unhcr_rdf_refugees_asylum-seekers_by_origin_asylum_1995-2014.csv"
TYPES = {
    "Refugees": "FDP_REF_A", "Asylum seekers": "FDP_ASY", "Returned refugees": "RET_REF",
    "Internally displaced": "FDP_IDP", "Returned IDPs": "RET_IDP", "Stateless": "FDP_STA",
    "Others of concern": "FDP_OOC",
}


@pytest.fixture(scope="module")
def context(area_index: AreaIndex, catalogue: Catalogue) -> ImportContext:
    """The registry's real area code list and indicator catalogue."""
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def popstats(sources_dir: Path, context: ImportContext) -> ImportResult:
    return UnhcrImporter().read(sources_dir / "unhcr" / POPSTATS, context)


@pytest.fixture(scope="module")
def rdf(sources_dir: Path, context: ImportContext) -> ImportResult:
    return UnhcrImporter().read(sources_dir / "unhcr" / RDF, context)


def _popstats_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line, fields) of the data rows, read with the csv module (the header is line 6)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[5].startswith("Country / territory of residence,")
    return [(n, fields) for n, fields in enumerate(csv.reader(lines[6:]), start=7)]


def _rdf_rows(path: Path) -> list[tuple[int, list[str]]]:
    out = []
    for n, raw in enumerate(path.read_bytes().split(b"\n")[1:], start=2):
        if raw:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            out.append((n, next(csv.reader([text]))))
    return out


def _key(cells: dict[str, str]) -> tuple[str, str]:
    return series_key(cells), cells["TIME_PERIOD"]


def _find(result: ImportResult, **cells: str) -> list[Any]:
    return [r for r in result.parsed.records if all(r.cells[k] == v for k, v in cells.items())]


# -- PopStats time series ------------------------------------------------------------------------


def test_popstats_every_cell_is_one_observation(popstats: ImportResult, sources_dir: Path,
                                                context: ImportContext) -> None:
    """Independently: the distinct keys of the non-empty, non-negative cells of mapped rows."""
    keys: set[tuple[str, str, str, str]] = set()
    for _, (residence, origin, ptype, *values) in _popstats_rows(sources_dir / "unhcr" / POPSTATS):
        indicator = context.catalogue.get(TYPES[ptype])
        assert indicator is not None
        ref = context.areas.name(residence)
        by_origin = "COUNTERPART_AREA" in indicator.breakdowns
        counterpart = context.areas.name(origin) if by_origin else "_Z"
        if ref is None or counterpart is None:
            continue
        for year, value in zip(range(2000, 2014), values, strict=True):
            if value and not value.startswith("-"):
                keys.add((indicator.id, ref, counterpart, str(year)))
    got = [(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["COUNTERPART_AREA"], r.cells["TIME_PERIOD"])
           for r in popstats.parsed.records]
    assert len(got) > 90_000
    assert len(got) == len(set(got)) == len(keys)
    assert set(got) == keys
    assert len({_key(r.cells) for r in popstats.parsed.records}) == len(got)


def test_popstats_values_equal_the_source_cells(popstats: ImportResult, sources_dir: Path) -> None:
    rows = dict(_popstats_rows(sources_dir / "unhcr" / POPSTATS))
    assert rows[7][:3] == ["Afghanistan", "Afghanistan", "Internally displaced"]
    [idp] = _find(popstats, INDICATOR="FDP_IDP", REF_AREA="AFG", TIME_PERIOD="2000")
    assert idp.cells["OBS_VALUE"] == rows[7][3] == "758625"
    assert idp.row == 7
    assert idp.cells["COUNTERPART_AREA"] == "_Z"  # the origin column only repeats the country
    assert "Internally displaced" in idp.cells["SOURCE_DETAIL"]
    line = next(n for n, r in rows.items() if r[:3] == ["Afghanistan", "Austria", "Returned refugees"])
    [ret] = _find(popstats, INDICATOR="RET_REF", REF_AREA="AFG", COUNTERPART_AREA="AUT", TIME_PERIOD="2006")
    assert ret.cells["OBS_VALUE"] == rows[line][3 + 6] == "22"
    assert ret.row == line
    for record in popstats.parsed.records:
        assert set(record.cells) == set(COMPONENTS)
        assert (record.cells["FREQ"], record.cells["UNIT_MEASURE"], record.cells["UNIT_MULT"]) == ("A", "PS", "0")
        assert record.cells["DECIMALS"] == ""


def test_popstats_suppressed_cells(popstats: ImportResult, sources_dir: Path) -> None:
    rows = _popstats_rows(sources_dir / "unhcr" / POPSTATS)
    line, fields = next((n, r) for n, r in rows if r[:3] == ["Algeria", "Liberia", "Asylum seekers"])
    assert fields[3 + 13] == "*"
    [record] = _find(popstats, INDICATOR="FDP_ASY", REF_AREA="DZA", COUNTERPART_AREA="LBR", TIME_PERIOD="2013")
    assert record.row == line
    assert (record.cells["OBS_VALUE"], record.cells["CONF_STATUS"], record.cells["OBS_STATUS"]) == ("", "C", "Q")
    stars = sum(1 for r in popstats.parsed.records if r.cells["CONF_STATUS"] == "C")
    assert stars > 3_000
    assert all(r.cells["OBS_VALUE"] == "" for r in popstats.parsed.records if r.cells["CONF_STATUS"] == "C")
    assert any(f"{stars} suppressed cells" in note for note in popstats.notes)


def test_popstats_negative_cells_are_skipped_and_listed(popstats: ImportResult) -> None:
    # line 141: Algeria, Burundi, Asylum seekers, 2001 = -1 (2012 = 4 is kept)
    assert not _find(popstats, INDICATOR="FDP_ASY", REF_AREA="DZA", COUNTERPART_AREA="BDI", TIME_PERIOD="2001")
    [kept] = _find(popstats, INDICATOR="FDP_ASY", REF_AREA="DZA", COUNTERPART_AREA="BDI", TIME_PERIOD="2012")
    assert kept.cells["OBS_VALUE"] == "4"
    assert all(not r.cells["OBS_VALUE"].startswith("-") for r in popstats.parsed.records)
    note = next(n for n in popstats.notes if "negative cells skipped" in n)
    assert "line 141 2001 (-1)" in note


def test_popstats_pseudo_areas_and_latin_names(popstats: ImportResult) -> None:
    assert _find(popstats, REF_AREA="CIV", INDICATOR="FDP_REF_A")
    assert any("residence Côte d'Ivoire" in r.cells["SOURCE_DETAIL"] for r in _find(popstats, REF_AREA="CIV"))
    assert _find(popstats, INDICATOR="FDP_REF_A", COUNTERPART_AREA="PSE")  # "Palestinian"
    assert _find(popstats, INDICATOR="FDP_ASY", COUNTERPART_AREA="XXA")  # "Stateless"
    assert _find(popstats, INDICATOR="FDP_REF_A", COUNTERPART_AREA="XXX")  # "Various", "Tibetan"


def test_popstats_rows_on_the_same_key_are_summed(popstats: ImportResult, sources_dir: Path) -> None:
    rows = _popstats_rows(sources_dir / "unhcr" / POPSTATS)
    tibetan = next((n, r) for n, r in rows if r[:3] == ["Australia", "Tibetan", "Refugees"])
    various = next((n, r) for n, r in rows if r[:3] == ["Australia", "Various", "Refugees"])
    column = 3 + 6  # 2006
    [record] = _find(popstats, INDICATOR="FDP_REF_A", REF_AREA="AUS", COUNTERPART_AREA="XXX", TIME_PERIOD="2006")
    assert int(record.cells["OBS_VALUE"]) == int(tibetan[1][column]) + int(various[1][column])
    assert record.row == min(tibetan[0], various[0])
    assert f"lines {tibetan[0]}, {various[0]}" in record.cells["COMMENT"]
    assert any("sums of several publisher rows" in note for note in popstats.notes)


def test_popstats_metadata(popstats: ImportResult) -> None:
    meta = popstats.metadata
    assert (meta.dataset_id, meta.agency_id, meta.importer) == ("UNHCR_POPSTATS_2000_2013", "UNHCR", "unhcr")
    assert meta.licence == "https://www.unhcr.org/terms-of-use"
    assert any("no licence" in note for note in meta.extra_notes)
    assert any("2014-06-30" in source for source in meta.sources)
    assert meta.original_url in meta.sources
    assert popstats.parsed.format == "unhcr-popstats-csv"
    assert len(popstats.parsed.sha256) == 64


# -- Refugee Data Finder -------------------------------------------------------------------------


def test_rdf_two_indicators_per_row(rdf: ImportResult, sources_dir: Path, context: ImportContext) -> None:
    keys: set[tuple[str, str, str, str]] = set()
    for _, (year, origin, asylum, _refugees, _asylum_seekers) in _rdf_rows(sources_dir / "unhcr" / RDF):
        # one name is written with dots for spaces: "Antigua.and.Barbuda"
        ref = context.areas.name(asylum) or context.areas.name(asylum.replace(".", " "))
        counterpart = context.areas.name(origin) or context.areas.name(origin.replace(".", " "))
        if ref is not None and counterpart is not None:
            keys |= {("FDP_REF_A", ref, counterpart, year), ("FDP_ASY", ref, counterpart, year)}
    got = [(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["COUNTERPART_AREA"], r.cells["TIME_PERIOD"])
           for r in rdf.parsed.records]
    assert len(got) > 100_000
    assert len(got) == len(set(got)) == len(keys)
    assert Counter(k[0] for k in got) == {"FDP_REF_A": len(keys) // 2, "FDP_ASY": len(keys) // 2}
    assert any("origin Antigua.and.Barbuda" in r.cells["SOURCE_DETAIL"] for r in _find(rdf, COUNTERPART_AREA="ATG"))


def test_rdf_values_zeros_and_latin1_names(rdf: ImportResult, sources_dir: Path) -> None:
    path = sources_dir / "unhcr" / RDF
    rows = _rdf_rows(path)
    line, civ = next((n, r) for n, r in rows if r[1] == "Côte d'Ivoire" and r[2] == "Liberia" and r[0] == "2003")
    assert b"C\xf4te d'Ivoire" in path.read_bytes()  # Windows-1252 in the body
    [ref] = _find(rdf, INDICATOR="FDP_REF_A", REF_AREA="LBR", COUNTERPART_AREA="CIV", TIME_PERIOD="2003")
    [asy] = _find(rdf, INDICATOR="FDP_ASY", REF_AREA="LBR", COUNTERPART_AREA="CIV", TIME_PERIOD="2003")
    assert (ref.cells["OBS_VALUE"], asy.cells["OBS_VALUE"]) == (civ[3], civ[4])
    assert ref.row == asy.row == line
    assert "origin Côte d'Ivoire" in ref.cells["SOURCE_DETAIL"]
    assert rows[0] == (2, ["1995", "Afghanistan", "Afghanistan", "0", "0"])
    zeros = _find(rdf, REF_AREA="AFG", COUNTERPART_AREA="AFG", TIME_PERIOD="1995")
    assert sorted(r.cells["OBS_VALUE"] for r in zeros) == ["0", "0"]
    assert all(r.row == 2 for r in zeros)


def test_rdf_trailing_spaces_and_pseudo_areas(rdf: ImportResult) -> None:
    assert _find(rdf, COUNTERPART_AREA="XXA")  # "Stateless"
    unknown = _find(rdf, COUNTERPART_AREA="XXX")  # "Unknown " with a trailing space, "Tibetan"
    assert any("origin Unknown" in r.cells["SOURCE_DETAIL"] for r in unknown)
    assert _find(rdf, REF_AREA="CUW")  # "Curacao " with a trailing space
    merged = [r for r in unknown if r.cells["COMMENT"].startswith("sum of 2 publisher rows")]
    assert merged and all("Tibetan" in r.cells["COMMENT"] and "Unknown" in r.cells["COMMENT"] for r in merged)


def test_rdf_metadata(rdf: ImportResult) -> None:
    meta = rdf.metadata
    assert (meta.dataset_id, meta.agency_id) == ("UNHCR_RDF_1995_2014", "UNHCR")
    assert meta.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert rdf.parsed.format == "unhcr-rdf-csv"


# -- small files for the edge cases --------------------------------------------------------------

PREAMBLE = (
    '\ufeff"Extracted from the UNHCR Population Statistics Reference Database, United Nations High '
    'Commissioner for Refugees."\r\nDate extracted: 2014-06-30 19:13 +00:00\r\n\r\n'
    '"Time Series \u2013 Persons of concern to UNHCR"\r\n\r\n'
    "Country / territory of residence,Origin / Returned from,Population type,2012,2013\r\n"
)


def _write(tmp_path: Path, text: str | bytes, name: str = "unhcr.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def test_unmapped_names_are_counted(tmp_path: Path, context: ImportContext) -> None:
    path = _write(tmp_path, PREAMBLE + "Atlantis,Germany,Refugees,5,7\r\nGermany,Atlantis,Refugees,1,\r\n"
                  "Germany,Atlantis,Asylum seekers,,2\r\nGermany,Syrian Arab Republic,Refugees,10,*\r\n")
    result = UnhcrImporter().read(path, context)
    assert result.unmapped == {"Atlantis": 3}
    assert [(r.cells["TIME_PERIOD"], r.cells["OBS_VALUE"], r.row) for r in result.parsed.records] == [
        ("2012", "10", 10), ("2013", "", 10)]
    assert result.metadata.dataset_id == "UNHCR_POPSTATS_2012_2013"


def test_a_suppressed_part_withholds_the_sum(tmp_path: Path, context: ImportContext) -> None:
    path = _write(tmp_path, PREAMBLE + "Germany,Various,Refugees,5,*\r\nGermany,Tibetan,Refugees,7,3\r\n")
    records = UnhcrImporter().read(path, context).parsed.records
    assert [(r.cells["OBS_VALUE"], r.cells["CONF_STATUS"], r.row) for r in records] == [
        ("12", "F", 7), ("", "C", 7)]
    assert "lines 7, 8" in records[0].cells["COMMENT"]
    assert "withheld" in records[1].cells["COMMENT"]


def test_rdf_cp1252_line_and_zero_rows(tmp_path: Path, context: ImportContext) -> None:
    body = ("Year,Country of origin,Country of asylum,Refugees under UNHCR\u2019s mandate,Asylum-seekers\n"
            "2014,C\u00f4te d'Ivoire,Ghana,0,0\n").encode("utf-8")
    body += "2014,Curacao ,C\u00f4te d'Ivoire,3,\n".encode("cp1252")
    result = UnhcrImporter().read(_write(tmp_path, body), context)
    got = [(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["COUNTERPART_AREA"], r.cells["OBS_VALUE"], r.row)
           for r in result.parsed.records]
    assert got == [("FDP_REF_A", "GHA", "CIV", "0", 2), ("FDP_ASY", "GHA", "CIV", "0", 2),
                   ("FDP_REF_A", "CIV", "CUW", "3", 3)]
    assert result.metadata.dataset_id == "UNHCR_RDF_2014_2014"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "line 1: the file is empty"),
        (b"Country Name,Country Code,1990\nGermany,DEU,1\n", "line 1: expected a UNHCR export"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 2: control character"),
        ((PREAMBLE + "Germany,Syrian Arab Republic,Refugees,12 000,3\r\n").encode(), "line 7: 2012: expected a count"),
        ((PREAMBLE + "Germany,Syria,Refugees,1\r\n").encode(), "line 7: expected 5 fields"),
        (b"Year,Country of origin,Country of asylum,Asylum-seekers\n2014,A,B,1\n",
         "line 1: expected a column 'refugees under unhcr's mandate'"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, context: ImportContext, content: bytes,
                                       expected: str) -> None:
    path = _write(tmp_path, content, "bad.csv")
    with pytest.raises(InputFileError) as err:
        UnhcrImporter().read(path, context)
    assert err.value.message.startswith("bad.csv: ")
    assert expected in err.value.message


def test_an_undesa_workbook_is_refused(sources_dir: Path, context: ImportContext) -> None:
    path = sources_dir / "undesa-migrant-stock" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    with pytest.raises(InputFileError) as err:
        UnhcrImporter().read(path, context)
    assert path.name in err.value.message


def test_csv_module_agrees_on_the_popstats_header(sources_dir: Path) -> None:
    """Guard for the independent readers above: the header really is line 6 after a BOM and CRLF."""
    data = (sources_dir / "unhcr" / POPSTATS).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig").splitlines()[5])))
    assert header[:3] == ["Country / territory of residence", "Origin / Returned from", "Population type"]
