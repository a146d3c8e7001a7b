"""The WDI importer on the Extended profile's context series (GDP per capita, life expectancy, unemployment)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from api.importers.base import ImportContext, ImportResult
from api.importers.wdi import WdiImporter
from api.model.catalogue import Catalogue

CONTEXT = {
    "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_46.csv": "CTX_GDPPC_USD",
    "API_SP.DYN.LE00.IN_DS2_en_csv_v2_128.csv": "CTX_LIFE",
    "API_SL.UEM.TOTL.ZS_DS2_en_csv_v2_10473697.csv": "CTX_UNEMP",
}
COUNTRIES = ("DEU", "SYR", "PHL", "MEX", "LBY")


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def imported(sources_dir: Path, context: ImportContext) -> dict[str, ImportResult]:
    return {name: WdiImporter().read(sources_dir / "worldbank-wdi-context" / name, context) for name in CONTEXT}


def _cells(path: Path) -> dict[tuple[str, str], str]:
    """(ISO3, year) -> the file's cell, read with the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header_at = next(i for i, r in enumerate(rows) if r[:2] == ["Country Name", "Country Code"])
    header = rows[header_at]
    return {(r[1], header[i]): v for r in rows[header_at + 1:] if len(r) > 4
            for i, v in enumerate(r) if i >= 4 and v and header[i].isdigit()}


@pytest.mark.parametrize("name", sorted(CONTEXT))
def test_context_cells_of_five_countries(imported: dict[str, ImportResult], sources_dir: Path, name: str) -> None:
    cells = _cells(sources_dir / "worldbank-wdi-context" / name)
    result = imported[name]
    by_key = {(r.cells["REF_AREA"], r.cells["TIME_PERIOD"]): r.cells for r in result.parsed.records}
    for country in COUNTRIES:
        years = sorted(y for (c, y) in cells if c == country)
        assert years, (name, country)
        for year in (years[0], years[-1]):
            got = by_key[(country, year)]
            assert got["INDICATOR"] == CONTEXT[name]
            assert float(got["OBS_VALUE"]) == float(cells[(country, year)])
    assert sum(1 for (c, _y) in cells if c in COUNTRIES) == sum(1 for (a, _y) in by_key if a in COUNTRIES)
