"""The WDI importer on the World Bank's own downloads (API_*.csv with their Metadata_* companions)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.wdi import WdiImporter
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS

NETM = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
PAID = "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv"


def _wdi(sources_dir: Path, name: str) -> Path:
    return sources_dir / "worldbank-wdi" / name


def _read_wide(path: Path) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """(Last Updated Date, header, [(line, row)]) read with the csv module, independently of the importer."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
    release = next(r[1] for _, r in rows if r and r[0] == "Last Updated Date")
    header_at = next(i for i, (_, r) in enumerate(rows) if r[:2] == ["Country Name", "Country Code"])
    return release, rows[header_at][1], [x for x in rows[header_at + 1:] if x[1]]


def _regions(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {r["Country Code"]: r["Region"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def netm(sources_dir: Path, context: ImportContext) -> ImportResult:
    return WdiImporter().read(_wdi(sources_dir, NETM), context)


def test_every_country_value_becomes_one_record(netm: ImportResult, sources_dir: Path, area_index: Any) -> None:
    _, _header, rows = _read_wide(_wdi(sources_dir, NETM))
    regions = _regions(_wdi(sources_dir, "Metadata_Country_" + NETM))
    expected = 0
    for _, row in rows:
        area = area_index.code(row[1])
        aggregate = regions.get(row[1]) == ""
        if area is not None and (not aggregate or area_index.is_region(area)):
            expected += sum(1 for v in row[4:] if v != "")
    assert expected > 10_000
    assert len(netm.parsed.records) == expected


def test_values_equal_the_source_cells(netm: ImportResult, sources_dir: Path) -> None:
    release, header, rows = _read_wide(_wdi(sources_dir, NETM))
    line, deu = next((n, r) for n, r in rows if r[1] == "DEU")
    column = header.index("2020")
    by_key = {(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r for r in netm.parsed.records}
    record = by_key[("DEU", "2020")]
    assert record.cells["OBS_VALUE"] == deu[column]
    assert record.row == line
    assert record.cells["SOURCE_DETAIL"] == f"WDI SM.POP.NETM, release {release}"
    world_line, world = next((n, r) for n, r in rows if r[1] == "WLD")
    assert by_key[("001", "2020")].cells["OBS_VALUE"] == world[column]
    assert by_key[("001", "2020")].row == world_line


def test_every_component_is_filled(netm: ImportResult, catalogue: Catalogue) -> None:
    indicator = catalogue.by_source("WB", "SM.POP.NETM")
    assert indicator is not None
    for record in netm.parsed.records:
        assert set(record.cells) == set(COMPONENTS)
        assert record.cells["INDICATOR"] == indicator.id
        assert record.cells["FREQ"] == "A"
        assert re.fullmatch(r"\d{4}", record.cells["TIME_PERIOD"])
        assert record.cells["UNIT_MEASURE"] == indicator.unit
        assert (record.cells["UNIT_MULT"], record.cells["OBS_STATUS"], record.cells["CONF_STATUS"]) == ("0", "A", "F")
        for dim in ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS"):
            assert record.cells[dim] == ("_T" if dim in indicator.breakdowns else "_Z")
        assert re.fullmatch(r"-?\d+(\.\d+)?", record.cells["OBS_VALUE"])
    keys = [(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]) for r in netm.parsed.records]
    assert len(keys) == len(set(keys))


def test_aggregates_are_reported_not_imported(netm: ImportResult, sources_dir: Path) -> None:
    _, _, rows = _read_wide(_wdi(sources_dir, NETM))
    regions = _regions(_wdi(sources_dir, "Metadata_Country_" + NETM))
    afe = next(r for _, r in rows if r[1] == "AFE")
    assert regions["AFE"] == ""
    assert netm.unmapped["AFE (Africa Eastern and Southern)"] == sum(1 for v in afe[4:] if v != "")
    assert "EUU (European Union)" in netm.unmapped
    areas = {r.cells["REF_AREA"] for r in netm.parsed.records}
    assert not areas & {"AFE", "EUU", "HIC", "WLD", "ARB"}
    assert {"001", "XKX", "DEU"} <= areas
    assert all(not key.startswith("WLD") for key in netm.unmapped)


def test_metadata(netm: ImportResult) -> None:
    meta = netm.metadata
    assert meta.dataset_id == "WB_WDI_SM_POP_NETM"
    assert meta.agency_id == "WB"
    assert meta.importer == "wdi"
    assert meta.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert meta.original_url and "SM.POP.NETM" in meta.original_url
    assert meta.original_url in meta.sources
    assert any("2024-06-28" in note for note in meta.extra_notes)
    assert meta.definition_basis and meta.definition_basis.startswith("Net migration is")
    assert "Net migration" in meta.title


def test_lf_file_without_companions(sources_dir: Path, context: ImportContext, area_index: Any) -> None:
    path = _wdi(sources_dir, PAID)
    assert b"\r\n" not in path.read_bytes()
    assert not path.with_name("Metadata_Country_" + PAID).exists()
    result = WdiImporter().read(path, context)
    release, _, rows = _read_wide(path)
    expected = sum(sum(1 for v in r[4:] if v != "") for _, r in rows if area_index.code(r[1]) is not None)
    assert len(result.parsed.records) == expected
    assert any(key.startswith("EUU ") for key in result.unmapped)
    assert all(r.cells["SOURCE_DETAIL"] == f"WDI BM.TRF.PWKR.CD.DT, release {release}" for r in result.parsed.records)


def test_series_missing_from_the_catalogue(sources_dir: Path, area_index: Any) -> None:
    context = ImportContext(areas=area_index, catalogue=Catalogue(indicators={}))
    with pytest.raises(InputFileError) as err:
        WdiImporter().read(_wdi(sources_dir, NETM), context)
    assert "SM.POP.NETM" in err.value.message
    assert "ontology/indicators.ttl" in err.value.message


def test_remittance_file_is_refused(sources_dir: Path, context: ImportContext) -> None:
    path = sources_dir / "worldbank-remittance-prices" / "RPW_corridors_ATCR.CORR_senders_A-K.csv"
    with pytest.raises(InputFileError) as err:
        WdiImporter().read(path, context)
    assert path.name in err.value.message
    assert "line 1" in err.value.message
    assert "Data Source" in err.value.message


def test_empty_file(tmp_path: Path, context: ImportContext) -> None:
    path = tmp_path / "API_X_DS2_en_csv_v2_1.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(InputFileError, match=r"API_X_DS2_en_csv_v2_1\.csv: line 1: the file is empty"):
        WdiImporter().read(path, context)


def test_non_utf8_file_names_the_line(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    text = _wdi(sources_dir, NETM).read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.startswith('"Cote d\'Ivoire"'))
    lines[target] = lines[target].replace("Cote", "C\u00f4te")
    path = tmp_path / NETM
    path.write_bytes("".join(lines).encode("latin-1"))
    with pytest.raises(InputFileError) as err:
        WdiImporter().read(path, context)
    assert f"line {target + 1}:" in err.value.message
    assert "UTF-8" in err.value.message


def test_header_without_years_is_refused(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    path = tmp_path / NETM
    shutil.copy(_wdi(sources_dir, NETM), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[4] = lines[4].replace('"1960"', '"Year 1960"')
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputFileError, match="line 5: expected year columns"):
        WdiImporter().read(path, context)


def test_annual_release_has_no_five_year_comment(netm: ImportResult) -> None:
    assert {r.cells["COMMENT"] for r in netm.parsed.records} == {""}


def test_five_yearly_release_is_commented(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    """Releases before 2024 gave SM.POP.NETM every fifth year only: keep 1962, 1967, ... and blank the rest."""
    source = _wdi(sources_dir, NETM)
    release, header, rows = _read_wide(source)
    kept = {i for i, h in enumerate(header) if h.isdigit() and int(h) % 5 == 2}
    path = tmp_path / NETM
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write(f'"Data Source","World Development Indicators",\r\n\r\n"Last Updated Date","{release}",\r\n\r\n')
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        for _, row in rows:
            writer.writerow([v if i < 4 or i in kept else "" for i, v in enumerate(row)])
    result = WdiImporter().read(path, context)
    assert result.parsed.records
    assert {r.cells["TIME_PERIOD"][-1] for r in result.parsed.records} == {"2", "7"}
    assert all(r.cells["COMMENT"].startswith("five-year estimate") for r in result.parsed.records)
    assert any("every five years" in note for note in result.metadata.extra_notes)
