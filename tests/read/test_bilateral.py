"""Origins, abroad and the crisis view against the publishers' own cells (issue 18).

The store holds cut copies of the real workbooks (five countries' rows and columns and the World totals kept,
tests/bilateral_cuts.py) and a cut of UNHCR's refugee CSV; every expected figure is read from the ORIGINAL
files here, independently of the importers.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.errors import SubmissionRejected
from api.importers.areas import AreaIndex
from api.services.registry import Registry
from api.services.submissions.imports import import_source
from api.web.app import create_app
from tests import bilateral_cuts as cuts
from tests.conftest import WorldEngines, make_settings, open_world
from tests.engines import Engine

COUNTRIES = ("DEU", "SYR", "PHL", "MEX", "LBY")
NAMES = {code: name for name, code in cuts.FOCUS.items()}
THRESHOLD = 5  # the disclosure threshold of make_settings(): counts 1-4 are withheld
MISSING_MIGRANTS = "iom-missing-migrants/MissingMigrants-Global-2019-09-04T11-59-55.csv"
SUB_REGION = {"DEU": ("155", "Western Europe"), "SYR": ("145", "Western Asia"), "PHL": ("035", "South-eastern Asia"),
              "MEX": ("013", "Central America"), "LBY": ("015", "Northern Africa")}


@dataclass(frozen=True)
class World:
    registry: Registry
    client: TestClient
    sources: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
          ) -> Iterator[World]:
    with world_engines.world() as engine:
        yield from _world(tmp_path_factory.mktemp("bilateral"), shared_data, engine)


def _world(root: Path, shared_data: Path, engine: Engine | None) -> Iterator[World]:
    # the compiled-shapes engine: what a full build uses for files of this size (pyshacl is the reference of the
    # validation tests), a third of the time here
    registry = open_world(make_settings(shacl_engine="sparql"), engine, memory=True)
    loads = (
        ("undesa-origin", cuts.cut_origin(shared_data / cuts.ORIGIN, root / "origin.xlsx")),
        ("undesa-od", cuts.cut_od_matrix(shared_data / cuts.MATRIX_2015, root / "od.xlsx")),
        ("knomad-migration", cuts.cut_knomad_matrix(shared_data / cuts.MIGRATION, root / "migration.xlsx")),
        ("knomad-remittances", cuts.cut_knomad_matrix(shared_data / cuts.REMITTANCES, root / "remittances.xlsx")),
        ("knomad-remittances", cuts.cut_inflows(shared_data / cuts.INFLOWS, root / "inflows.xlsx")),
        ("unhcr", cuts.cut_unhcr(shared_data / cuts.UNHCR, root / "unhcr.csv")),
        ("unhcr", cuts.cut_popstats(shared_data / cuts.POPSTATS, root / "popstats.csv")),
        ("iom-missing", shared_data / MISSING_MIGRANTS),
    )
    for source, path in loads:
        import_source(registry, source, path)
    try:
        yield World(registry, TestClient(create_app(registry)), shared_data)
    finally:
        registry.close()


@pytest.fixture(scope="module")
def areas(world: World) -> AreaIndex:
    return world.registry.areas


@functools.cache
def _sheet(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    return cuts.rows_of(path, sheet)


def _knomad(world: World, relative: str) -> list[tuple[Any, ...]]:
    return _sheet(world.sources / relative, "BRM 2021" if "migration" in relative else "FINAL BRM 2021 ")


def _public(value: object) -> bool:
    """A count the public sees: a number not withheld by disclosure control."""
    return isinstance(value, int | float) and not (0 < value < THRESHOLD)


def _column(rows: list[tuple[Any, ...]], name: str, areas: AreaIndex) -> dict[str, float]:
    """A KNOMAD matrix column (one destination / receiver): row area -> value, World and residuals left out."""
    index = [str(h).strip() if h else "" for h in rows[1]].index(name)
    out: dict[str, float] = {}
    for row in rows[2:]:
        label = str(row[0]).strip() if row[0] else ""
        if label.lower() == "world":
            break
        area = areas.name(label) if label else None
        if area is not None and _public(row[index]):
            out[area] = float(row[index])
    return out


def _row(rows: list[tuple[Any, ...]], name: str, areas: AreaIndex, *, counts: bool = True) -> dict[str, float]:
    """A KNOMAD matrix row (one origin / sender): column area -> value, World and residuals left out (counts:
    those the public sees)."""
    row = next(r for r in rows[2:] if r[0] and str(r[0]).strip() == name)
    out: dict[str, float] = {}
    for label, value in zip(rows[1][1:], row[1:], strict=False):
        area = areas.name(str(label)) if label and str(label).strip().lower() != "world" else None
        if area is not None and (_public(value) if counts else isinstance(value, int | float)):
            out[area] = float(value)
    return out


def _world_cell(rows: list[tuple[Any, ...]], *, row_name: str | None = None, column_name: str | None = None) -> Any:
    header = [str(h).strip().lower() if h else "" for h in rows[1]]
    if row_name is not None:  # the World column of a row
        return next(r for r in rows[2:] if r[0] and str(r[0]).strip() == row_name)[header.index("world")]
    world_row = next(r for r in rows[2:] if r[0] and str(r[0]).strip().lower() == "world")
    return world_row[[str(h).strip() if h else "" for h in rows[1]].index(column_name)]


def _answer(world: World, path: str, **params: str) -> dict[str, Any]:
    response = world.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("code", COUNTRIES)
def test_origins_are_the_destination_column_of_the_2021_matrix(world: World, areas: AreaIndex, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/origins")
    rows = _knomad(world, cuts.MIGRATION)
    expected = _column(rows, NAMES[code], areas)
    assert answer["period"] == "2021"
    assert {r["area"]: r["value"] for r in answer["rows"]} == expected
    values = [r["value"] for r in answer["rows"]]
    assert values == sorted(values, reverse=True) and answer["rows"][0]["rank"] == 1
    assert answer["total"] == float(_world_cell(rows, column_name=NAMES[code]))
    assert answer["sources"]["KNOMAD_BILATERAL_MIGRATION_2021"]["agency"] == "KNOMAD"
    assert answer["sdmx"].startswith(f"/sdmx/v1/data/MIGRATION_PROFILE/A.{code}.STK_IMM....")


@pytest.mark.parametrize("code", COUNTRIES)
def test_origins_in_2015_are_the_un_desa_destination_row(world: World, areas: AreaIndex, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/origins", period="2015")
    rows = _sheet(world.sources / cuts.MATRIX_2015, "Table 16")
    names = rows[15]
    row = next(r for r in rows[16:] if str(r[3]) == {v: k for k, v in cuts.FOCUS_M49.items()}[code])
    expected = {}
    for label, value in zip(names[6:], row[6:], strict=False):  # after 'Total'
        area = areas.name(str(label)) if label else None
        if area is not None and _public(value):
            expected[area] = float(value)
    assert {r["area"]: r["value"] for r in answer["rows"]} == expected
    assert {r["dataset"] for r in answer["rows"]} == {"UNDESA_MSOD2015"}


@pytest.mark.parametrize("code", COUNTRIES)
def test_abroad_is_the_origin_row_of_the_2021_matrix(world: World, areas: AreaIndex, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/abroad")
    rows = _knomad(world, cuts.MIGRATION)
    assert {r["area"]: r["value"] for r in answer["rows"]} == _row(rows, NAMES[code], areas)
    assert answer["indicator"] == "DIA_STK" and answer["direction"] == "abroad"
    assert answer["total"] == float(_world_cell(rows, row_name=NAMES[code]))
    assert f"A..STK_IMM.{code}..." in answer["sdmx"]


@pytest.mark.parametrize("code", COUNTRIES)
def test_abroad_in_2015_is_the_un_desa_origin_column_without_regions(world: World, areas: AreaIndex,
                                                                        code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/abroad", period="2015")
    rows = _sheet(world.sources / cuts.MATRIX_2015, "Table 16")
    column = [str(h).strip() if h else "" for h in rows[15]].index(NAMES[code])
    expected = {}
    for row in rows[16:]:
        area = areas.code(str(row[3])) if row[3] is not None else None
        if area is not None and not areas.is_region(area) and _public(row[column]):
            expected[area] = float(row[column])
    assert {r["area"]: r["value"] for r in answer["rows"]} == expected
    # a share of the total only where the same dataset gives both
    assert all(r["share_of_total"] is None or r["dataset"] == answer["total_dataset"] for r in answer["rows"])


def test_the_origin_workbook_gives_nationals_abroad_by_sex(world: World) -> None:
    rows = cuts.rows_of(world.sources / cuts.ORIGIN, "Table 1")
    syria = next(r for r in rows[11:] if r[3] == 760)
    answer = _answer(world, "/api/observations", indicator="DIA_STK", area="SYR", counterpart_area="_T",
                     **{"from": "2020", "to": "2020"})
    by_sex = {o["sex"]: o["value"] for o in answer["observations"]
              if o["provenance"]["dataset"] == "UNDESA_IMS2020_ORIGIN"}
    assert by_sex == {"_T": float(syria[11]), "M": float(syria[18]), "F": float(syria[25])}  # L, S, Z: 2020


def test_origins_csv_has_the_json_rows_with_their_sources(world: World) -> None:
    response = world.client.get("/api/areas/MEX/origins", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    answer = _answer(world, "/api/areas/MEX/origins")
    assert [(r["counterpart_area"], float(r["value"])) for r in table] == \
        [(r["area"], r["value"]) for r in answer["rows"]]
    assert {r["agency"] for r in table} == {"KNOMAD"} and all(r["licence"] for r in table)


def test_the_sdmx_equivalent_gives_the_same_figures(world: World) -> None:
    answer = _answer(world, "/api/areas/PHL/abroad")
    response = world.client.get("/sdmx/v1/data/MIGRATION_PROFILE/A..STK_IMM.PHL...",
                                params={"startPeriod": "2021", "endPeriod": "2021"},
                                headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert response.status_code == 200, response.text
    sdmx = {r["REF_AREA"]: float(r["OBS_VALUE"]) for r in csv.DictReader(io.StringIO(response.text))
            if r["SEX"] == "_T"}
    assert {r["area"]: r["value"] for r in answer["rows"]} == {a: v for a, v in sdmx.items()
                                                                if not world.registry.areas.is_region(a)}


@pytest.mark.parametrize("code", COUNTRIES)
def test_crisis_remittances_are_the_senders_row_and_the_receivers_inflows(world: World, areas: AreaIndex,
                                                                           code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/crisis")
    rows = _knomad(world, cuts.REMITTANCES)
    sent = _row(rows, NAMES[code], areas, counts=False)
    got = {r["origin"]: r for r in answer["remittances"]}
    assert set(got) == set(sent)
    header = [str(h).strip() if h else "" for h in rows[1]]
    names = {areas.name(h): h for h in header if h and h.lower() != "world"}
    for origin, row in list(got.items())[:10]:
        assert row["sent_usd"] == pytest.approx(sent[origin] * 1e6)
        inflow = _world_cell(rows, column_name=names[origin])
        if inflow:
            assert row["share_of_origin_inflows"] == pytest.approx(100 * sent[origin] / inflow, abs=1e-3)
        assert row["abroad"] == f"/api/areas/{origin}/abroad"
    assert [r["rank"] for r in answer["remittances"]] == list(range(1, len(answer["remittances"]) + 1))
    # the focus origins' recorded inflows (REM_IN 2021, KNOMAD's inflows workbook, US$ million)
    inflows = _sheet(world.sources / cuts.INFLOWS, "Inward remittance flows")
    year = list(inflows[0]).index(2021)
    for origin in set(got) & set(COUNTRIES):
        recorded = next(r for r in inflows if r[0] and str(r[0]).strip() == NAMES[origin])[year]
        assert got[origin]["origin_recorded_inflows_usd"] == pytest.approx(recorded * 1e6)
        assert got[origin]["share_of_recorded_inflows"] == pytest.approx(100 * sent[origin] / recorded, abs=1e-3)


@pytest.mark.parametrize("code", COUNTRIES)
def test_crisis_migrants_refugees_gaps_and_staleness(world: World, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/crisis")
    assert answer["migrants"]["rows"] == _answer(world, f"/api/areas/{code}/origins")["rows"]
    sections = {s["id"]: s for s in answer["sections"]}
    assert sections["migrants"]["period"] == "2021"
    assert any("sex split" in g for g in sections["migrants"]["gaps"])  # the 2021 matrix has no sexes
    # refugees hosted by origin: UNHCR's cells for this country of asylum in its last year
    with (world.sources / cuts.UNHCR).open(encoding="latin-1") as handle:
        lines = [r for r in csv.reader(handle) if len(r) == 5 and r[2] == NAMES[code] and r[0] == "2014"]
    expected = {world.registry.areas.name(r[1]): float(r[3]) for r in lines if _public(int(r[3] or 0))
                and int(r[3] or 0) > 0}
    expected.pop(None, None)  # type: ignore[call-overload]
    hosted = next((t for t in answer["refugees_and_asylum_seekers"] if t["indicator"] == "FDP_REF_A"), None)
    if expected:
        assert hosted is not None and hosted["period"] == "2014"
        assert {r["area"]: r["value"] for r in hosted["rows"] if r["value"]} == expected
        assert sections["refugees"]["stale"] and "2014" in sections["refugees"]["stale"]
    _dead_and_missing_around(world, code, answer)
    for row in answer["migrants"]["rows"][:3]:
        assert world.client.get(row["abroad"]).status_code == 200
    assert set(answer["sources"]) >= {"KNOMAD_BILATERAL_MIGRATION_2021", "KNOMAD_BILATERAL_REMITTANCES_2021"}


def _dead_and_missing_around(world: World, code: str, answer: dict[str, Any]) -> None:
    """The sub-region's dead and missing of the last three years are the sums of IOM's incidents there; the
    country's own figures (where coordinates place incidents in it) never exceed them."""
    region, grouping = SUB_REGION[code]
    with (world.sources / MISSING_MIGRANTS).open(encoding="utf-8", newline="") as handle:
        incidents = [r for r in csv.DictReader(handle) if r["UNSD Geographical Grouping"] == grouping]
    sums: dict[str, int] = {}
    for row in incidents:
        sums[row["Reported Year"]] = sums.get(row["Reported Year"], 0) + int(
            row["Total Dead and Missing"].replace(",", "") or 0)
    figures = [f for f in answer["dead_and_missing"] if f["indicator"] == "IRR_DEAD"]
    around = {f["period"]: f["value"] for f in figures if f["area"] == region}
    assert around and around == {year: float(sums[year]) for year in sorted(sums)[-3:]}
    for figure in figures:
        if figure["area"] == code:
            assert figure["value"] is not None and THRESHOLD <= figure["value"] <= sums[figure["period"]]
    assert {f["dataset"] for f in figures} == {"IOM_MMP_20190904"}
    if code in ("MEX", "LBY"):  # land routes: incidents placed in the country itself
        assert any(f["area"] == code for f in figures)


@pytest.mark.parametrize("code", COUNTRIES)
def test_crisis_displacement_is_unhcrs_idp_row_for_its_last_years(world: World, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/crisis")
    lines = (world.sources / cuts.POPSTATS).read_bytes().decode("utf-8-sig", errors="replace").splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("Country / territory of residence"))
    years = lines[header].split(",")[3:]
    row = next((line.split(",") for line in lines[header + 1:]
                if line.startswith(f"{NAMES[code]},{NAMES[code]},Internally displaced,")), None)
    expected = {y: float(v) for y, v in zip(years, row[3:], strict=True) if v} if row else {}
    got = {f["period"]: f["value"] for f in answer["displacement"] if f["indicator"] == "FDP_IDP"}
    sections = {s["id"]: s for s in answer["sections"]}
    if not expected:  # Germany and Mexico: UNHCR counts no IDPs there; the gap is named
        assert got == {} and any(g.startswith("FDP_IDP") for g in sections["displacement"]["gaps"])
        return
    assert got == {y: expected[y] for y in sorted(expected)[-3:]}
    assert sections["displacement"]["period"] == "2013" and "2013" in sections["displacement"]["stale"]
    assert {f["dataset"] for f in answer["displacement"]} <= set(answer["sources"])


def test_the_diaspora_section_of_the_profile_has_nationals_abroad(world: World) -> None:
    profile = _answer(world, "/api/areas/DEU/profile")
    diaspora = next(s for s in profile["sections"] if s["id"] == "DIA")
    figure = next(i for i in diaspora["indicators"] if i["id"] == "DIA_STK")
    rows = _knomad(world, cuts.MIGRATION)
    assert figure["latest"] == {"period": "2021", "value": float(_world_cell(rows, row_name="Germany")),
                                "status": "A"}
    assert diaspora["completeness"] > 0


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("/api/areas/DEU/origins", {"indicator": "CTX_POP"}, 400, "COUNTERPART_AREA"),
    ("/api/areas/DEU/origins", {"period": "20x5"}, 400, "period"),
    ("/api/areas/XYZ/abroad", {}, 404, "no area"),
    ("/api/areas/XYZ/crisis", {}, 404, "no area"),
])
def test_bad_parameters_are_named(world: World, path: str, params: dict[str, str], status: int, words: str) -> None:
    response = world.client.get(path, params=params)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_a_refused_row_stores_nothing(world: World, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = cuts.cut_inflows(world.sources / cuts.INFLOWS, tmp_path / "negative.xlsx")
    book = load_workbook(path)
    row = next(r for r in book.worksheets[0].iter_rows(min_row=2) if r[0].value == "Mexico")
    row[3].value = -12.5  # Mexico 2002: negative inflows, below the indicator's range (0 and above)
    book.save(path)
    before = _answer(world, "/api/datasets")
    versions = {d["id"]: d.get("version") for d in before}
    with pytest.raises(SubmissionRejected, match="violation"):
        import_source(world.registry, "knomad-remittances", path, dataset_id="KNOMAD_NEGATIVE_TEST")
    after = _answer(world, "/api/datasets")
    assert {d["id"]: d.get("version") for d in after} == versions


@pytest.mark.parametrize(("page", "api"), [
    ("/areas/SYR/crisis", "/api/areas/SYR/crisis"),
    ("/areas/DEU/origins", "/api/areas/DEU/origins"),
    ("/areas/PHL/abroad?lang=fr", "/api/areas/PHL/abroad?lang=fr"),
])
def test_the_pages_give_their_api_answer_to_json_callers(world: World, page: str, api: str) -> None:
    as_data = world.client.get(page, headers={"Accept": "application/json"})
    assert as_data.status_code == 200 and as_data.json() == world.client.get(api).json()


@pytest.mark.parametrize("code", ["DEU", "LBY"])
def test_the_crisis_page_shows_each_section_with_its_figures_and_links(world: World, code: str) -> None:
    answer = _answer(world, f"/api/areas/{code}/crisis")
    page = world.client.get(f"/areas/{code}/crisis", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for section in answer["sections"]:
        assert f'data-section="{section["id"]}"' in html and f'id="c-{section["id"]}"' in html
        for gap in section["gaps"]:
            assert _escaped(gap) in html
    first = answer["migrants"]["rows"][0]
    assert f'data-area="{first["area"]}"' in html and f'/areas/{first["area"]}/abroad' in html
    for origin in answer["remittances"][:5]:
        assert f'data-area="{origin["origin"]}"' in html
    assert f'/api/areas/{code}/crisis' in html and "<script" not in html.split("</main>")[0].split("<main")[1]
    profile = world.client.get(f"/areas/{code}").text
    assert f'/areas/{code}/crisis' in profile and f'/areas/{code}/abroad' in profile


def test_the_abroad_page_ranks_as_the_api_does(world: World) -> None:
    answer = _answer(world, "/api/areas/MEX/abroad")
    html = world.client.get("/areas/MEX/abroad").text
    shown = [html.index(f'data-area="{r["area"]}"') for r in answer["rows"][:10]]
    assert shown == sorted(shown) and len(shown) == min(10, len(answer["rows"]))


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace(
        "'", "&#39;")
