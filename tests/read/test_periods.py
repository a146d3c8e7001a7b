"""Periods no reader can render (issue 12, class 4): as a query parameter of any read route they are a 400 with a
sentence (an SDMX error message under /sdmx), never a 500; stored by an older version that accepted them, they
are left out of every read instead of making each route answer 500 for every caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from api.formats.rdf.cube import observation_triples
from api.model.structure import series_key
from api.model.submission import ObservationRecord, SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.conftest import WorldEngines, make_settings, open_world
from tests.engines import Engine
from tests.read.conftest import row
from tests.services.samples import write

# What an older version stored: it accepted 0000 and 9999 (typed xsd:gYear), 2021-W53 (typed mp:sdmxTimePeriod);
# a remote store may hold anything else.
STORED = ("0000", "9999", "2021-W53", "2020-02-30", "2020-Q5", "last year")


@dataclass(frozen=True)
class World:
    registry: Registry
    client: TestClient
    poisoned: tuple[str, ...]  # the IRIs of the observations put straight into the store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, world_engines: WorldEngines) -> Iterator[World]:
    with world_engines.world() as engine:
        yield from _world(tmp_path_factory, engine)


def _world(tmp_path_factory: pytest.TempPathFactory, engine: Engine | None) -> Iterator[World]:
    settings = make_settings()
    registry = open_world(settings, engine, memory=True)
    folder = tmp_path_factory.mktemp("periods")
    for area, agency in (("DEU", "DESTATIS"), ("FRA", "INSEE")):
        path = write(folder / f"{area}.csv", row(area, "2019", "1000"), row(area, "2020", "1100"))
        meta = SubmissionMetadata(dataset_id=f"NSO_{area}_STOCK", agency_id=agency, title=f"{area} stock",
                                  sources=("Census",))
        ingest.submit(registry, ingest.read_file(registry, path), meta)
    submission = "NSO_DEU_STOCK-v1"
    graph = registry.iris.submission(submission)
    template = ingest.read_file(registry, write(folder / "t.csv", row("DEU", "2020", "1"))).records[0].cells
    poisoned: list[str] = []
    for period, area in [(p, "DEU") for p in STORED] + [("0000", "ITA")]:  # ITA: a series with nothing readable
        cells = {**template, "TIME_PERIOD": period, "REF_AREA": area, "OBS_VALUE": "666"}
        iri = registry.iris.observation(submission, series_key(cells), period)
        registry.store.add_to_graph(graph, observation_triples(ObservationRecord(cells, row=9), NamedNode(iri),
                                                               NamedNode(graph)))
        poisoned.append(iri)
    try:
        yield World(registry, TestClient(create_app(registry), raise_server_exceptions=False),
                    tuple(poisoned))
    finally:
        registry.close()


V2 = "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0"
READ_ROUTES = (
    "/api/observations", "/api/observations?area=DEU&format=csv", "/api/observations?area=ITA",
    "/api/observations?from=2019&to=2020", "/api/observations?latest=true",
    "/api/datasets", "/api/datasets?format=jsonld", "/api/datasets/NSO_DEU_STOCK",
    "/api/datasets/NSO_DEU_STOCK/versions", "/api/datasets/NSO_DEU_STOCK/rdf", "/api/coverage",
    "/api/areas/DEU/profile", "/api/areas/ITA/profile", "/api/compare?indicator=STK_IMM",
    "/api/compare?indicator=STK_IMM&period=2020", "/api/indicators", "/api/indicators/STK_IMM",
    "/sdmx/v1/data/MIGRATION_PROFILE", "/sdmx/v1/data/MIGRATION_PROFILE?format=jsondata",
    "/sdmx/v1/data/MIGRATION_PROFILE?format=csv", "/sdmx/v1/data/MIGRATION_PROFILE?startPeriod=2019",
    "/sdmx/v1/data/MIGRATION_PROFILE?lastNObservations=1", "/sdmx/v1/data/MIGRATION_PROFILE?detail=serieskeysonly",
    f"{V2}/*", f"{V2}/*?format=csvdata&formatVersion=2.0.0&timeFormat=normalized", f"{V2}/*?c[TIME_PERIOD]=ge:2019",
    f"{V2}/*?includeHistory=true", f"{V2}/*?dimensionAtObservation=AllDimensions",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE", "/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.DEU.....",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE?startPeriod=2019",
    "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*",
    "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*?mode=available&c[TIME_PERIOD]=ge:2019",
    "/sdmx/v1/contentconstraint/MPR/MIGRATION_PROFILE/1.0", "/sdmx/v2/structure/dataconstraint",
    "/sdmx/v1/dataflow/MPR/MIGRATION_PROFILE/1.0?references=all",
    "/.well-known/void", "/id/dataset/NSO_DEU_STOCK", "/id/submission/NSO_DEU_STOCK-v1", "/", "/health",
)


@pytest.mark.parametrize("path", READ_ROUTES)
def test_every_read_route_answers_with_unreadable_periods_in_the_store(world: World, path: str) -> None:
    response = world.client.get(path)
    assert response.status_code == 200, response.text[:500]
    if path.startswith(("/api/observations", "/sdmx/v1/data", f"{V2}/*", "/api/areas", "/api/compare")):
        assert "666" not in response.text  # the unreadable observations are left out, the others served


def test_the_readable_observations_are_all_served(world: World) -> None:
    served = world.client.get("/api/observations", params={"area": "DEU,FRA"}).json()
    assert served["total"] == 4 and sorted({o["period"] for o in served["observations"]}) == ["2019", "2020"]
    coverage = world.client.get("/sdmx/v1/availableconstraint/MIGRATION_PROFILE", params={"format": "json"})
    assert coverage.status_code == 200
    datasets = {d["id"]: d for d in world.client.get("/api/datasets").json()}
    assert (datasets["NSO_DEU_STOCK"]["first_period"], datasets["NSO_DEU_STOCK"]["last_period"]) == ("2019", "2020")


def test_the_stored_observation_is_still_there_for_linked_data(world: World) -> None:
    """Nothing is rewritten: the system of record keeps what was stored, so that an admin can find and withdraw it;
    linked data shows the triples as stored, without parsing the period."""
    graph = world.registry.iris.submission("NSO_DEU_STOCK-v1")
    for iri in world.poisoned:
        assert world.registry.store.subject_pairs(NamedNode(iri), graph)
    for accept in ("text/turtle", "text/html"):
        page = world.client.get(world.poisoned[0], headers={"Accept": accept})
        assert page.status_code == 200 and "0000" in page.text


BAD = {  # the value -> why (each message also names the value, cut at 40 characters)
    "0000": "is outside the years the registry accepts (1800-2200)",
    "9999": "is outside the years the registry accepts (1800-2200)",
    "-0001": "is not an SDMX time period: write 2020, 2020-01",
    "2020-Q5": "is not an SDMX time period",
    "2020-W54": "is not an SDMX time period",
    "2021-W53": "is not a week of 2021: 2021 has 52 ISO weeks",
    "2020-13": "is not an SDMX time period",
    "2020-02-30": "is not a calendar date: February 2020 has 29 days",
    "0000-01-01T00:00:00Z": "is outside the years",
    "": "empty",
    "9" * 3000: "is too long to be a time period",
}
PARAMETER_ROUTES = (
    "/api/observations?from={}", "/api/observations?to={}", "/api/observations?area=DEU&from=2019&to={}",
    "/sdmx/v1/data/MIGRATION_PROFILE?startPeriod={}", "/sdmx/v1/data/MIGRATION_PROFILE?endPeriod={}",
    "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....?format=csv&startPeriod={}",
    V2 + "/*?c[TIME_PERIOD]={}", V2 + "/*?c[TIME_PERIOD]=ge:{}", V2 + "/*?c[TIME_PERIOD]=2019,lt:{}",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE?startPeriod={}",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE?endPeriod={}",
    "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*?c[TIME_PERIOD]={}",
)


@pytest.mark.parametrize("route", PARAMETER_ROUTES)
@pytest.mark.parametrize("value", sorted(BAD), ids=lambda v: v if len(v) < 30 else "long")
def test_a_period_parameter_no_reader_can_use_is_a_400_with_a_sentence(world: World, route: str, value: str) -> None:
    response = world.client.get(route.format(quote(value)))
    assert response.status_code == 400, response.text[:300]
    text = response.text
    if route.startswith("/sdmx/v1"):
        # an SDMX-ML error message (SDMX-CSV asked for: its plain-text error)
        assert '<mes:ErrorMessage code="140">' in text or text.startswith("Error 140 (Syntax error)")
    elif route.startswith("/sdmx/v2"):
        assert response.json()["errors"][0]["code"] == 140  # an SDMX-JSON error message
    else:
        text = response.json()["error"]["message"]
    expected = "has no value after the operator" if value == "" and "c[" in route else BAD[value]
    assert expected in text and value[:40] in text, text[:300]
    assert len(text) < 2000  # a long value is quoted cut, never echoed whole


@pytest.mark.parametrize("value", ["0000", "9999", "1799", "abcd", "２０２０"])  # noqa: RUF001 (full-width digits: refused)
def test_the_comparison_year_is_checked_too(world: World, value: str) -> None:
    response = world.client.get("/api/compare", params={"indicator": "STK_IMM", "period": value})
    assert response.status_code == 400 and "period" in response.json()["error"]["message"]


def test_a_stored_period_is_never_blamed_on_the_caller(world: World) -> None:
    """Reads that touch only the unreadable observation's series answer as for no data, not 400 or 500."""
    answer = world.client.get("/sdmx/v1/data/MIGRATION_PROFILE/A.ITA.....")
    assert answer.status_code == 404, answer.text
