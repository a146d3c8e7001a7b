"""Germany's Migration Profile from the publishers' real files (issue 18, "Done when": sections with data).

The datasets that carry Germany's figures are built as `mpr build` builds them (their datasets/ descriptions,
the real files, sha256 checked) into an in-memory store; `/api/areas/DEU/profile` then reports which of the
eleven sections have data. Labour migration (LAB) and governance (GOV) have no file among the publishers'
files; irregular migration (IRR) has Germany's two deaths of 2017 (IOM), which the disclosure control withholds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import build as build_service
from api.services.registry import Registry, open_registry
from api.services.submissions.imports import read_source
from api.store.oxigraph_store import OxigraphStore
from api.web.app import create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.slow  # seven real datasets through the whole import path (validation, store, read model)

REPO = Path(__file__).resolve().parents[2]
# the section each dataset fills for Germany
DATASETS = {
    "WB_WDI_SP_POP_TOTL": "CTX",
    "UNDESA_IMS2020_DESTINATION": "STK",  # and CHR: Table 4, the female share of migrants
    "WB_WDI_SM_POP_NETM": "FLW",
    "WB_WDI_BM_TRF_PWKR_CD_DT": "REM",
    "UNDESA_IMS2020_ORIGIN": "DIA",
    "UNHCR_GLOBAL_TRENDS_2015": "FDP",  # and RET (returned refugees and IDPs, Table 1)
    "IOM_MMP_20190904": "IRR",
}
NO_FILE = {"LAB", "GOV"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[tuple[Registry, list[Any]]]:
    datasets = tmp_path_factory.mktemp("datasets")
    for dataset in DATASETS:
        shutil.copytree(REPO / "datasets" / dataset, datasets / dataset)
    registry = open_registry(make_settings(datasets_dir=datasets, shacl_engine="sparql"), OxigraphStore(None))
    try:
        yield registry, build_service.build(registry)
    finally:
        registry.close()


@pytest.fixture(scope="module")
def profile(built: tuple[Registry, list[Any]]) -> dict[str, Any]:
    registry, outcomes = built
    assert [o.status for o in outcomes] == ["loaded"] * len(DATASETS), outcomes
    response = TestClient(create_app(registry)).get("/api/areas/DEU/profile")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _with_data(profile: dict[str, Any]) -> dict[str, set[str]]:
    return {s["id"]: {i["id"] for i in s["indicators"]} for s in profile["sections"] if s["indicators"]}


def test_germany_has_data_in_eight_of_eleven_sections(profile: dict[str, Any]) -> None:
    sections = _with_data(profile)
    assert len(profile["sections"]) == 11
    assert set(sections) == {"CTX", "STK", "FLW", "CHR", "REM", "DIA", "FDP", "RET"}, sections
    assert "CHR_FEM" in sections["CHR"]
    assert not set(sections) & NO_FILE


def test_the_female_share_is_the_workbooks_cell(profile: dict[str, Any], shared_data: Path) -> None:
    from openpyxl import load_workbook

    path = shared_data / "undesa-migrant-stock" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(workbook["Table 4"].iter_rows(min_row=12, values_only=True))
    finally:
        workbook.close()
    germany = next(r for r in rows if r[3] == 276)
    [chr_section] = [s for s in profile["sections"] if s["id"] == "CHR"]
    [female] = [i for i in chr_section["indicators"] if i["id"] == "CHR_FEM"]
    assert female["latest"]["period"] == "2020"
    assert female["latest"]["value"] == pytest.approx(germany[11])


def test_irregular_migration_is_withheld_not_missing(built: tuple[Registry, list[Any]], shared_data: Path) -> None:
    """Germany's IRR figures exist (2 dead in 2017, placed in Germany by the incidents' coordinates) but are
    below the disclosure threshold, so the public profile shows none of them, not even a zero companion."""
    registry, _ = built
    result = read_source(registry, "iom-missing", shared_data / "iom-missing-migrants" /
                         "MissingMigrants-Global-2019-09-04T11-59-55.csv")
    germany = [r.cells for r in result.parsed.records if r.cells["REF_AREA"] == "DEU"]
    assert [(c["INDICATOR"], c["TIME_PERIOD"], c["OBS_VALUE"], c["CONF_STATUS"]) for c in germany] == [
        ("IRR_DEAD", "2017", "2", "C")]
