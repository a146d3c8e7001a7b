"""Area groups in /api/observations and /api/compare (EU27 with its members' dates, World Bank income groups,
SDG regions, UN DESA development groups), and the profile's context section filled from the context series.

A small store: the World Bank's context CSVs and UNDP's HDI cut to a few countries (their own rows and
preamble), imported with the real importers; every figure is compared with the cell of the source file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.services.registry import Registry
from api.services.submissions.imports import import_source
from api.web.app import create_app
from tests.conftest import WorldEngines, make_settings, open_world
from tests.engines import Engine

COUNTRIES = ("DEU", "GBR", "FRA", "HRV", "SYR", "PHL", "MEX", "LBY")
CONTEXT = {"CTX_LIFE": "API_SP.DYN.LE00.IN_DS2_en_csv_v2_128.csv",
           "CTX_GDPPC_USD": "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_46.csv",
           "CTX_UNEMP": "API_SL.UEM.TOTL.ZS_DS2_en_csv_v2_10473697.csv"}
HDI = "Human Development Index (HDI)_2019.csv"
HDI_NAMES = {"Germany": "DEU", "Syrian Arab Republic": "SYR", "Philippines": "PHL", "Mexico": "MEX",
             "Libya": "LBY", "United Kingdom": "GBR", "France": "FRA", "Croatia": "HRV"}


def _wdi_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _wdi_cells(path: Path) -> dict[tuple[str, str], str]:
    rows = _wdi_rows(path)
    header = next(r for r in rows if r[:2] == ["Country Name", "Country Code"])
    return {(r[1], year): v for r in rows if len(r) > 4 and r[1] in COUNTRIES
            for year, v in zip(header[4:], r[4:], strict=False) if year.isdigit() and v}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
          ) -> Iterator[tuple[Registry, TestClient]]:
    with world_engines.world() as engine:
        yield from _world(tmp_path_factory.mktemp("groups"), shared_data, engine)


def _world(root: Path, shared_data: Path, engine: Engine | None) -> Iterator[tuple[Registry, TestClient]]:
    registry = open_world(make_settings(root / "data"), engine, memory=True)
    for name in CONTEXT.values():
        rows = _wdi_rows(shared_data / "worldbank-wdi-context" / name)
        header_at = next(i for i, r in enumerate(rows) if r[:2] == ["Country Name", "Country Code"])
        cut = root / name
        with cut.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, quoting=csv.QUOTE_ALL).writerows(
                [*rows[:header_at + 1], *(r for r in rows[header_at + 1:] if len(r) > 1 and r[1] in COUNTRIES)])
        import_source(registry, "wdi", cut)
    lines = (shared_data / "undp-hdr-hdi" / HDI).read_bytes().split(b"\r\n")
    kept = [line for line in lines[6:] if any(f',"{n}",'.encode() in line or f", {n},".encode() in line
                                              for n in HDI_NAMES)]
    cut_hdi = root / HDI
    cut_hdi.write_bytes(b"\r\n".join([*lines[:6], *kept]))
    import_source(registry, "undp-hdi", cut_hdi)
    try:
        yield registry, TestClient(create_app(registry))
    finally:
        registry.close()


@pytest.fixture(scope="module")
def life(shared_data: Path) -> dict[tuple[str, str], str]:
    return _wdi_cells(shared_data / "worldbank-wdi-context" / CONTEXT["CTX_LIFE"])


def _compare(client: TestClient, period: str, group: str = "EU27") -> dict[str, float]:
    response = client.get("/api/compare", params={"indicator": "CTX_LIFE", "group": group, "period": period})
    assert response.status_code == 200, response.text
    return {row["area"]: row["value"] for row in response.json()["rows"]}


def test_the_uk_counts_in_the_eu_before_2020(world: tuple[Registry, TestClient],
                                             life: dict[tuple[str, str], str]) -> None:
    _, client = world
    in_2019 = _compare(client, "2019")
    assert set(in_2019) == {"DEU", "FRA", "GBR", "HRV"}
    assert all(value == float(life[(area, "2019")]) for area, value in in_2019.items())
    assert set(_compare(client, "2020")) == {"DEU", "FRA", "HRV"}
    assert "HRV" not in _compare(client, "2012") and "GBR" in _compare(client, "2012")


def test_observations_of_a_group_over_a_window(world: tuple[Registry, TestClient],
                                               life: dict[tuple[str, str], str]) -> None:
    _, client = world
    response = client.get("/api/observations", params={"indicator": "CTX_LIFE", "group": "EU27", "from": "2021",
                                                       "to": "2022", "sex": "_T", "per_page": 1000})
    assert response.status_code == 200, response.text
    got = {(o["area"], o["period"]): o["value"] for o in response.json()["observations"]}
    assert {a for a, _ in got} == {"DEU", "FRA", "HRV"}
    assert all(value == float(life[key]) for key, value in got.items())
    earlier = client.get("/api/observations", params={"indicator": "CTX_LIFE", "group": "EU27", "from": "2018",
                                                      "to": "2019", "per_page": 1000}).json()["observations"]
    assert "GBR" in {o["area"] for o in earlier}


def test_world_bank_income_groups_follow_wdicountry(world: tuple[Registry, TestClient], shared_data: Path) -> None:
    _, client = world
    with (shared_data / "worldbank-wdi" / "WDICountry.csv").open(encoding="utf-8-sig", newline="") as f:
        income = {r["Country Code"]: r["Income Group"] for r in csv.DictReader(f)}
    for group, label in (("WB_HIC", "High income"), ("WB_UMC", "Upper middle income"),
                         ("WB_LMC", "Lower middle income"), ("WB_LIC", "Low income")):
        areas = set(_compare(client, "2019", group))
        assert areas == {c for c in COUNTRIES if income[c] == label}, group


def test_sdg_regions_and_development_groups(world: tuple[Registry, TestClient]) -> None:
    _, client = world
    assert {"SYR", "LBY"} <= set(_compare(client, "2019", "SDG_1833"))  # Northern Africa and Western Asia
    assert set(_compare(client, "2019", "UNDESA_MDR")) == {"DEU", "FRA", "GBR", "HRV"}


def test_an_unknown_group_is_a_client_error(world: tuple[Registry, TestClient]) -> None:
    _, client = world
    response = client.get("/api/observations", params={"group": "EU99"})
    assert response.status_code == 400
    assert "group=EU99: no such area group" in response.text and "EU27" in response.text


@pytest.mark.parametrize("iso3", ["DEU", "SYR", "PHL", "MEX", "LBY"])
def test_the_profile_context_section_has_the_context_series(world: tuple[Registry, TestClient], shared_data: Path,
                                                            iso3: str) -> None:
    _, client = world
    profile = client.get(f"/api/areas/{iso3}/profile").json()
    context = next(s for s in profile["sections"] if s["id"] == "CTX")
    shown = {i["id"]: i for i in context["indicators"]}
    for indicator, name in CONTEXT.items():
        cells = _wdi_cells(shared_data / "worldbank-wdi-context" / name)
        years = sorted(y for a, y in cells if a == iso3)
        if years:
            assert shown[indicator]["latest"]["period"] == years[-1]
            assert shown[indicator]["latest"]["value"] == float(cells[(iso3, years[-1])])
    assert shown["CTX_HDI"]["latest"]["period"] == "2019"
    members = len(context["indicators"]) + len(context["gaps"])
    assert context["completeness"] == round(len(shown) / members, 3) and len(shown) >= 4


def test_a_group_in_an_sdmx_key_asks_for_its_members(world: tuple[Registry, TestClient],
                                                     life: dict[tuple[str, str], str]) -> None:
    _, client = world
    response = client.get("/sdmx/v1/data/MIGRATION_PROFILE/A.EU27.CTX_LIFE._Z._T._Z._Z",
                          params={"startPeriod": "2021", "endPeriod": "2021"},
                          headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(response.text.splitlines()))
    got = {(r["REF_AREA"], r["TIME_PERIOD"]): r["OBS_VALUE"] for r in rows}
    assert {a for a, _ in got} == {"DEU", "FRA", "HRV"}
    assert all(float(v) == float(life[k]) for k, v in got.items())
    with_uk = client.get("/sdmx/v1/data/MIGRATION_PROFILE/A.EU27+MEX.CTX_LIFE._Z._T._Z._Z",
                         params={"startPeriod": "2015", "endPeriod": "2015"},
                         headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert {r["REF_AREA"] for r in csv.DictReader(with_uk.text.splitlines())} == {"DEU", "FRA", "GBR", "HRV", "MEX"}
