"""The Remittance Prices Worldwide importer on the World Bank's DataBank export (corridors, senders A-K)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.remittance_prices import RemittancePricesImporter
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS

RPW = "RPW_corridors_ATCR.CORR_senders_A-K.csv"


def _path(sources_dir: Path) -> Path:
    return sources_dir / "worldbank-remittance-prices" / RPW


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        return [(reader.line_num, row) for row in reader]


def _data_rows(path: Path) -> list[tuple[int, list[str]]]:
    """The corridor rows: after the header, up to the first row of commas only."""
    rows = _rows(path)[1:]
    end = next(i for i, (_, r) in enumerate(rows) if not any(r))
    return rows[:end]


def _country(area_index: Any, code: str, name: str) -> str | None:
    area = area_index.code(code) or area_index.name(name)
    return None if area is None or area_index.is_region(area) else area


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def rpw(sources_dir: Path, context: ImportContext) -> ImportResult:
    return RemittancePricesImporter().read(_path(sources_dir), context)


def test_every_figure_of_a_known_corridor_is_one_record(rpw: ImportResult, sources_dir: Path,
                                                         area_index: Any) -> None:
    expected = 0
    skipped: dict[str, int] = {}
    for _, row in _data_rows(_path(sources_dir)):
        present = sum(1 for v in row[6:] if v != "..")
        sender, receiver = _country(area_index, row[1], row[0]), _country(area_index, row[5], row[4])
        if sender and receiver:
            expected += present
        elif present:
            key = f"{row[1]} ({row[0]})" if sender is None else f"{row[5]} ({row[4]})"
            skipped[key] = skipped.get(key, 0) + present
    assert expected > 3000
    assert len(rpw.parsed.records) == expected
    assert rpw.unmapped == skipped


def test_quarters_and_semi_annual_rounds(rpw: ImportResult, sources_dir: Path) -> None:
    path = _path(sources_dir)
    header = _rows(path)[0][1]
    by_key = {(r.row, r.cells["TIME_PERIOD"]): r for r in rpw.parsed.records}
    for line, row in _data_rows(path):
        for column, value in enumerate(row[6:], start=6):
            if value == "..":
                continue
            year, quarter = re.fullmatch(r"(\d{4})Q(\d) \[YR\d{4}Q\d\]", header[column]).groups()
            record = by_key.get((line, f"{year}-Q{quarter}"))
            if record is None:  # a corridor with an area the index does not know
                continue
            assert record.cells["FREQ"] == "Q"
            assert record.cells["OBS_VALUE"] == value
            assert record.cells["COMMENT"] == ("semi-annual survey round" if year in ("2011", "2012") else "")
    periods = {r.cells["TIME_PERIOD"] for r in rpw.parsed.records}
    assert {"2011-Q1", "2011-Q3", "2013-Q2", "2020-Q3"} <= periods
    assert not {"2011-Q2", "2012-Q4"} & periods


def test_a_corridor_spot_check(rpw: ImportResult, sources_dir: Path, catalogue: Catalogue) -> None:
    path = _path(sources_dir)
    header = _rows(path)[0][1]
    line, row = next((n, r) for n, r in _data_rows(path) if r[1] == "DEU" and r[5] == "TUR")
    column = header.index("2019Q4 [YR2019Q4]")
    assert row[column] != ".."
    record = next(r for r in rpw.parsed.records if r.row == line and r.cells["TIME_PERIOD"] == "2019-Q4")
    indicator = catalogue.by_source("WB", "ATCR.CORR")
    assert indicator is not None
    assert record.cells["REF_AREA"] == "DEU"
    assert record.cells["COUNTERPART_AREA"] == "TUR"
    assert record.cells["INDICATOR"] == indicator.id
    assert record.cells["UNIT_MEASURE"] == indicator.unit
    assert record.cells["OBS_VALUE"] == row[column]
    assert set(record.cells) == set(COMPONENTS)
    for dim in ("SEX", "AGE", "MIGRATION_STATUS"):
        assert record.cells[dim] == ("_T" if dim in indicator.breakdowns else "_Z")


def test_footer_is_not_read(rpw: ImportResult, sources_dir: Path) -> None:
    path = _path(sources_dir)
    last_data_line = _data_rows(path)[-1][0]
    footer = [r for n, r in _rows(path) if n > last_data_line]
    assert footer[-1][0].startswith("Last Updated:")
    assert max(r.row or 0 for r in rpw.parsed.records) <= last_data_line
    assert not any("Data from database" in v for r in rpw.parsed.records for v in r.cells.values())
    assert all(r.cells["SOURCE_DETAIL"] == "RPW ATCR.CORR, DataBank export last updated 2020-12-07"
               for r in rpw.parsed.records)


def test_kosovo_databank_code(rpw: ImportResult, sources_dir: Path) -> None:
    kosovo = [n for n, r in _data_rows(_path(sources_dir)) if r[5] == "KSV" and any(v != ".." for v in r[6:])]
    assert kosovo, "the file has figures for corridors to Kosovo (DataBank code KSV)"
    assert {r.cells["COUNTERPART_AREA"] for r in rpw.parsed.records if r.row in kosovo} == {"XKX"}


def test_metadata(rpw: ImportResult) -> None:
    meta = rpw.metadata
    assert (meta.dataset_id, meta.agency_id, meta.importer) == ("WB_RPW_ATCR_CORR", "WB", "remittance-prices")
    assert meta.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert meta.original_url in meta.sources
    assert any("2020-12-07" in note for note in meta.extra_notes)
    assert "Average Total Cost to remit in corridor" in meta.title


def test_wdi_file_is_refused(sources_dir: Path, context: ImportContext) -> None:
    path = sources_dir / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    with pytest.raises(InputFileError) as err:
        RemittancePricesImporter().read(path, context)
    assert path.name in err.value.message
    assert "line 1: expected the header Sending Countries Name" in err.value.message


def test_series_missing_from_the_catalogue(sources_dir: Path, area_index: Any) -> None:
    context = ImportContext(areas=area_index, catalogue=Catalogue(indicators={}))
    with pytest.raises(InputFileError, match=r"line 2: the Remittance Prices series 'ATCR\.CORR'"):
        RemittancePricesImporter().read(_path(sources_dir), context)


def test_empty_and_non_utf8_files(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"empty\.csv: line 1: the file is empty"):
        RemittancePricesImporter().read(empty, context)
    lines = _path(sources_dir).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    latin = tmp_path / "latin.csv"
    lines[3] = lines[3].replace("Angola", "Angol\u00e0")
    latin.write_bytes("".join(lines[:10]).encode("latin-1"))
    with pytest.raises(InputFileError, match=r"latin\.csv: line 4: byte 0xE0 is not UTF-8"):
        RemittancePricesImporter().read(latin, context)


def test_header_only_file(tmp_path: Path, sources_dir: Path, context: ImportContext) -> None:
    path = tmp_path / "header.csv"
    path.write_text(_path(sources_dir).read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no corridor rows"):
        RemittancePricesImporter().read(path, context)


def _extract_with_negative_costs(sources_dir: Path, tmp_path: Path, negative: str) -> tuple[Path, list[int]]:
    """The first corridors of the real export, five of their figures made negative (as the World Bank
    publishes where the exchange-rate margin favours the sender), with the export's own footer."""
    rows = [r for _, r in _rows(_path(sources_dir))]
    data = [r for _, r in _data_rows(_path(sources_dir))]
    with_figures = [r for r in data if any(v != ".." for v in r[6:])][:12]
    lines: list[int] = []
    for number, row in enumerate(with_figures[:5]):
        column = next(i for i, v in enumerate(row) if i >= 6 and v != "..")
        row[column] = negative if number == 0 else f"-{row[column]}"
        lines.append(number + 2)
    footer = rows[len(data) + 1:]
    path = tmp_path / "RPW_corridors_negative.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([rows[0], *with_figures, *footer])
    return path, lines


def test_negative_total_costs_import_with_a_warning(tmp_path: Path, sources_dir: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    path, lines = _extract_with_negative_costs(sources_dir, tmp_path, "-0.52")
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir), "MPR_BASE_IRI": "http://r.test"}
    result = CliRunner().invoke(app, ["import", "remittance-prices", str(path), "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    warnings = [p for p in report["results"] if p["rule"] == "usual-range"]
    assert sorted(p["row"] for p in warnings) == lines
    assert all(p["severity"] == "Warning" and "exchange-rate margin favours the sender" in p["message"]
               for p in warnings)
    assert "-0.52 is below 0, the usual minimum" in next(p["message"] for p in warnings if p["row"] == 2)
    count = CliRunner().invoke(app, ["query", "PREFIX mp: <https://w3id.org/migration-profile/def#> "
                                     "SELECT (COUNT(*) AS ?n) WHERE { ?o mp:obsValue ?v FILTER(?v < 0) }"], env=env)
    assert int(count.stdout.splitlines()[1]) == 5


def test_a_cost_below_minus_100_percent_is_refused_and_nothing_stored(tmp_path: Path, sources_dir: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    path, _ = _extract_with_negative_costs(sources_dir, tmp_path, "-150")
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir), "MPR_BASE_IRI": "http://r.test"}
    result = CliRunner().invoke(app, ["import", "remittance-prices", str(path), "--json"], env=env)
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)["results"]
    assert any(p["rule"] == "range" and p["row"] == 2 and p["severity"] == "Violation" for p in problems)
    count = CliRunner().invoke(app, ["query", "PREFIX mp: <https://w3id.org/migration-profile/def#> "
                                     "SELECT (COUNT(*) AS ?n) WHERE { ?o mp:obsValue ?v }"], env=env)
    assert int(count.stdout.splitlines()[1]) == 0
