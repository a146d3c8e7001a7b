"""/api/areas/{code}/profile, /api/compare and /api/coverage: figures, scores, normalisation, flags."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.formats.tabular.xlsx_writer import XLSX_TABLES, _fill
from api.services.catalogue import load_catalogue
from api.services.read import profile as profile_service
from tests.conftest import REPO
from tests.read.conftest import ApiWorld, wdi_cells

POPULATION = "API_SP.POP.TOTL_DS2_en_csv_v2_422125.csv"


def test_profile_sections_latest_figures_gaps_and_scores(client: TestClient, shared_data: Path) -> None:
    body = client.get("/api/areas/DE/profile").json()
    assert body["area"]["code"] == "DEU"
    sections = {s["id"]: s for s in body["sections"]}
    assert list(sections)[:2] == ["CTX", "STK"] and len(sections) == 11
    population = next(i for i in sections["CTX"]["indicators"] if i["id"] == "CTX_POP")
    cells = wdi_cells(shared_data, POPULATION, "DEU")
    last_year = max(cells)
    assert population["latest"]["period"] == last_year
    assert Decimal(str(population["latest"]["value"])) == Decimal(cells[last_year])
    assert [p["period"] for p in population["series"]] == sorted(cells)[-5:]
    assert population["provenance"]["dataset"] == "WB_WDI_SP_POP_TOTL"
    stock = next(i for i in sections["STK"]["indicators"] if i["id"] == "STK_IMM")
    assert (stock["latest"]["value"], stock["series_key"]) == (15762457.0, "A.DEU.STK_IMM._T._T._T._Z")
    stk_total = len(sections["STK"]["indicators"]) + len(sections["STK"]["gaps"])
    assert sections["STK"]["completeness"] == round(len(sections["STK"]["indicators"]) / stk_total, 3)
    assert "STK_EMI" in {g["id"] for g in sections["STK"]["gaps"]} or stk_total > 1
    assert sections["GOV"]["indicators"] == [] and sections["GOV"]["completeness"] == 0.0
    assert sections["GOV"]["freshness_years"] is None


def test_freshness_is_the_age_of_the_newest_figure(api_world: ApiWorld) -> None:
    result = profile_service.profile(api_world.registry, "DEU", today=date(2025, 12, 31))
    stocks = next(s for s in result.sections if s.id == "STK")
    assert stocks.freshness_years == 5.0  # the newest stock figure is for 2020 (ends 2020-12-31)
    spanish = api_world.client.get("/api/areas/DEU/profile", params={"lang": "es"}).json()
    assert spanish["sections"][1]["label"] == "Poblaciones de migrantes" and spanish["area"]["name"] == "Alemania"


def test_compare_normalises_ranks_and_flags(client: TestClient) -> None:
    body = client.get("/api/compare", params={"indicator": "STK_IMM", "areas": "DEU,FRA,ITA,LIE"}).json()
    rows = {r["area"]: r for r in body["rows"]}
    assert [r["area"] for r in body["rows"]] == ["DEU", "FRA", "ITA"] and body["missing"] == ["LIE"]
    assert [r["rank"] for r in body["rows"]] == [1, 2, 3]
    # FRA reported 8.5 with unit multiplier 6: shown as 8 500 000 persons.
    assert (rows["FRA"]["value"], rows["FRA"]["reported_value"], rows["FRA"]["reported_unit_multiplier"]) == (
        8500000.0, 8.5, 6)
    assert body["unit_multiplier"] == 0
    flags = {f["code"]: f for f in body["flags"]}
    assert set(flags) == {"definition", "period_gap", "estimated", "sources"}
    assert "foreign-born" in flags["definition"]["message"] and "foreign citizens" in flags["definition"]["message"]
    assert flags["period_gap"]["areas"] == ["FRA"] and flags["estimated"]["areas"] == ["FRA"]
    assert flags["definition"]["areas"] == ["DEU"]  # the one figure on another basis than the others
    assert set(rows["FRA"]["flags"]) == {"period_gap", "estimated", "sources"}
    assert set(rows["DEU"]["flags"]) == {"definition", "sources"}
    assert rows["DEU"]["provenance"]["dataset"] == "NSO_DEU_STOCK"
    wider = client.get("/api/compare", params={"indicator": "STK_IMM", "areas": "DEU,FRA", "max_gap": 5}).json()
    assert "period_gap" not in {f["code"] for f in wider["flags"]}
    year = client.get("/api/compare", params={"indicator": "STK_IMM", "areas": "DEU,FRA", "period": "2019"}).json()
    assert [(r["area"], r["value"]) for r in year["rows"]] == [("DEU", 15000000.0)] and year["missing"] == ["FRA"]
    for params in ({"indicator": "STK_IMM", "period": "last"}, {"indicator": "STK_IMM", "areas": "QQQ"},
                   {"indicator": "STK_IMM", "max_gap": "-1"}):
        assert client.get("/api/compare", params=params).status_code == 400, params
    assert client.get("/api/compare", params={"indicator": "NOPE"}).status_code == 404


def test_compare_over_all_areas_and_a_region(client: TestClient, shared_data: Path) -> None:
    everything = client.get("/api/compare", params={"indicator": "CTX_POP"}).json()
    assert len(everything["rows"]) > 150 and everything["rows"][0]["rank"] == 1
    values = [r["value"] for r in everything["rows"]]
    assert values == sorted(values, reverse=True)
    europe = client.get("/api/compare", params={"indicator": "CTX_POP", "region": "150"}).json()
    deu = next(r for r in europe["rows"] if r["area"] == "DEU")
    cells = wdi_cells(shared_data, POPULATION, "DEU")
    assert Decimal(str(deu["value"])) == Decimal(cells[max(cells)])
    assert "USA" not in {r["area"] for r in europe["rows"]}


def test_coverage_agrees_with_the_profiles(client: TestClient) -> None:
    body = client.get("/api/coverage").json()
    assert list(body["sections"])[:2] == ["CTX", "STK"] and sum(body["indicators_per_section"].values()) == len(
        load_catalogue(REPO / "ontology").indicators)
    by_area = {a["area"]: a for a in body["areas"]}
    assert "DEU" in by_area and "LIE" in by_area  # every country, with data or not
    profile = client.get("/api/areas/DEU/profile").json()
    for section in profile["sections"]:
        cell = by_area["DEU"]["sections"][section["id"]]
        assert cell["completeness"] == section["completeness"]
        assert cell["indicators_with_data"] == len(section["indicators"])
    assert by_area["LIE"]["sections"]["STK"]["indicators_with_data"] == 0
    regions = client.get("/api/coverage", params={"kind": "region"}).json()
    assert {a["kind"] for a in regions["areas"]} == {"region"}


def _workbook(response: Any) -> dict[str, list[tuple[Any, ...]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_TABLES.media_type
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_the_profile_as_a_workbook_has_every_figure_and_its_source(client: TestClient) -> None:
    body = client.get("/api/areas/DEU/profile").json()
    sheets = _workbook(client.get("/api/areas/DEU/profile", params={"format": "xlsx"}))
    assert _workbook(client.get("/api/areas/DEU/profile", headers={"Accept": XLSX_TABLES.media_type})) == sheets
    header, *rows = sheets["Profile DEU"]
    assert header[:5] == ("SECTION", "INDICATOR", "LABEL", "TIME_PERIOD", "OBS_VALUE")
    expected = {(i["id"], p["period"], p["value"]) for s in body["sections"] for i in s["indicators"]
                for p in i["series"]}
    assert {(r[1], r[3], r[4]) for r in rows if r[3] is not None} == expected
    gaps = {g["id"] for s in body["sections"] for g in s["gaps"]}
    assert {r[1] for r in rows if r[3] is None} == gaps
    datasets = {i["provenance"]["dataset"] for s in body["sections"] for i in s["indicators"]}
    assert {r[0] for r in sheets["Sources"][1:]} == datasets


def test_the_comparison_as_a_workbook_ranks_as_the_json(client: TestClient) -> None:
    params = {"indicator": "STK_IMM", "areas": "DEU,FRA,ITA,LIE"}
    body = client.get("/api/compare", params=params).json()
    sheets = _workbook(client.get("/api/compare", params={**params, "format": "xlsx"}))
    _header, *rows = sheets["Compare STK_IMM"]
    assert [(r[0], r[1], r[4]) for r in rows] == [(r["rank"], r["area"], r["value"]) for r in body["rows"]]
    assert {r[0] for r in sheets["Comparability"][1:]} == {f["code"] for f in body["flags"]}
    assert client.get("/api/compare", params={**params, "format": "pdf"}).status_code == 400


def test_text_that_looks_like_a_formula_stays_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    _fill(sheet, ("TITLE",), [("=HYPERLINK(\"http://x\")",), ("+1",), (3.5,)])
    out = io.BytesIO()
    book.save(out)
    cells = [c for row in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n"]
    assert cells[1].value == "=HYPERLINK(\"http://x\")"
