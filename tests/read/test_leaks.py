"""The leak suite for the read API: the confidential observation and the embargoed submission never
appear in any /api answer (JSON, CSV, profile, compare, coverage, DCAT, RDF). An agency's own embargoed and
confidential data reach its token only: never another agency's, never an anonymous caller, not through a
cache warmed by the owner nor a 304 for the owner's ETag, and never the routes that stay public."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import WorldEngines
from tests.read.conftest import EMBARGOED_DATASET, EMBARGOED_VALUE, SECRET_VALUE
from tests.read.test_agency_view import HIDDEN, OWN, AgencyWorld, auth, make_agency_world

ROUTES = (
    "/api/observations?per_page=1000",
    "/api/observations?area=AND", "/api/observations?area=PRT", "/api/observations?area=AND,PRT&format=csv",
    "/api/observations?indicator=STK_IMM&per_page=1000", "/api/observations?indicator=STK_IMM&format=csv",
    f"/api/observations?dataset={EMBARGOED_DATASET}", "/api/observations?dataset=NSO_DEU_STOCK&format=csv",
    "/api/areas/AND/profile", "/api/areas/PRT/profile",
    "/api/compare?indicator=STK_IMM", "/api/compare?indicator=STK_IMM&areas=AND,PRT",
    "/api/compare?indicator=STK_IMM&region=150", "/api/coverage", "/api/indicators/STK_IMM",
    "/api/datasets", "/api/datasets?format=jsonld", "/api/datasets/NSO_DEU_STOCK/rdf",
    "/api/datasets/NSO_DEU_STOCK/rdf?format=ttl", "/api/datasets/NSO_DEU_STOCK/versions",
    "/sdmx/v1/data/MIGRATION_PROFILE", "/sdmx/v1/data/MIGRATION_PROFILE/A.AND+PRT.....?format=csv",
    "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?includeHistory=true",
    "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/A.AND+PRT?format=jsondata",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.AND+PRT.....",
    "/sdmx/v1/contentconstraint/MPR/MIGRATION_PROFILE/1.0",
)


@pytest.mark.parametrize("path", ROUTES)
def test_no_route_shows_confidential_or_embargoed_figures(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 400, 404, 406), response.text
    assert SECRET_VALUE not in response.text and EMBARGOED_VALUE not in response.text
    assert EMBARGOED_DATASET not in response.text.replace(f"dataset={EMBARGOED_DATASET}", "")


def test_the_secrets_are_in_the_store(client: TestClient) -> None:
    """The suite would prove nothing if the secrets were never stored."""
    from tests.read.conftest import ApiWorld  # noqa: F401

    registry = client.app.state.registry  # type: ignore[attr-defined]
    found = registry.store.select(
        "SELECT ?v WHERE { GRAPH ?g { ?o <https://w3id.org/migration-profile/def#obsValue> ?v } }")
    values = {row["v"].value for row in found}
    assert SECRET_VALUE in values and EMBARGOED_VALUE in values


def test_embargoed_and_confidential_areas_have_no_profile_figures(client: TestClient) -> None:
    for area in ("AND", "PRT"):
        body = client.get(f"/api/areas/{area}/profile").json()
        stocks = next(s for s in body["sections"] if s["id"] == "STK")
        assert stocks["indicators"] == [] and "STK_IMM" in {g["id"] for g in stocks["gaps"]}
    assert client.get(f"/api/datasets/{EMBARGOED_DATASET}").status_code == 404


def test_public_descriptions_do_not_count_suppressed_cells(client: TestClient) -> None:
    """The DEU submission has 4 public observations and 1 confidential one: its public description says 4."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    rows = registry.store.select(
        "SELECT ?n WHERE { ?s <https://w3id.org/migration-profile/def#observationCount> ?n ; "
        "<http://purl.org/dc/terms/identifier> ?id FILTER(STRSTARTS(?id, 'NSO_DEU_STOCK')) }",
        default_graphs=registry.public_view().data_graphs)
    assert [row["n"].value for row in rows] == ["4"]


# -- an agency's own embargoed and confidential data (issue "Country submissions" 5) ------------------------------

AGENCY_ROUTES = (
    "/api/observations?per_page=1000", "/api/observations?area=DEU&format=csv", "/api/observations?dataset=DEU_EMB",
    "/api/observations?indicator=STK_IMM&per_page=1000&asOf=2100-01-01T00:00:00Z",
    "/api/datasets", "/api/datasets/DEU_EMB", "/api/datasets/DEU_REV", "/api/datasets/DEU_REV/versions",
    "/api/datasets/DEU_EMB/versions",
    "/sdmx/v1/data/MIGRATION_PROFILE", "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU+FRA.....?format=csv",
    "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.STK_IMM._T.F._T._Z",
    "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=jsondata",
    "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=csvdata&updatedAfter=2000-01-01T00:00:00Z",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.DEU.....",
    "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*",
)
# Routes that stay public even with the owner's token: no secret of the owner's either.
PUBLIC_ONLY_ROUTES = (
    "/api/areas/DEU/profile", "/api/compare?indicator=STK_IMM", "/api/coverage", "/api/indicators/STK_IMM",
    "/api/datasets?format=jsonld", "/api/datasets/DEU_STOCK?format=jsonld", "/api/datasets/DEU_STOCK/rdf",
    "/api/datasets/DEU_REV/rdf?format=ttl",
    "/api/datasets/DEU_EMB/rdf", "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?includeHistory=true",
    "/sdmx/v1/contentconstraint/MPR/MIGRATION_PROFILE/1.0", "/.well-known/void",
)
ACCEPTS = ("application/json", "application/vnd.sdmx.genericdata+xml;version=2.1",
           "application/vnd.sdmx.structurespecificdata+xml;version=2.1", "text/csv", "*/*")


@pytest.fixture(scope="module")
def agency_world(world_engines: WorldEngines) -> Iterator[AgencyWorld]:
    with world_engines.world() as engine:
        world = make_agency_world(engine)
        yield world
        world.registry.close()


def _leaks(response: httpx.Response, values: tuple[str, ...]) -> list[str]:
    """The secret values in the answer, and the embargoed dataset's id unless the answer only echoes the request."""
    text = response.text
    named = response.status_code == 200 and "DEU_EMB" in text.replace("dataset=DEU_EMB", "").replace(
        "/api/datasets/DEU_EMB", "")
    return [v for v in values if v in text] + (["DEU_EMB"] if named else [])


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", AGENCY_ROUTES)
def test_an_agency_s_secrets_reach_only_its_own_token(agency_world: AgencyWorld, path: str, accept: str) -> None:
    client, tokens = agency_world.client, agency_world.tokens
    owner = client.get(path, headers={"Accept": accept, **auth(tokens["DESTATIS"])})  # first: every cache is warm
    other = client.get(path, headers={"Accept": accept, **auth(tokens["UNHCR"])})
    anonymous = client.get(path, headers={"Accept": accept})
    for response in (owner, other, anonymous):
        assert response.status_code in (200, 400, 404, 406), response.text
    assert not _leaks(other, OWN) and not _leaks(anonymous, HIDDEN)
    if owner.status_code == 200:
        assert owner.headers["cache-control"] == "private, no-store"
        assert "authorization" in anonymous.headers.get("vary", "").lower() or anonymous.status_code != 200
    if "etag" in owner.headers:
        replayed = client.get(path, headers={"Accept": accept, "If-None-Match": owner.headers["etag"]})
        assert replayed.status_code != 304 and not _leaks(replayed, HIDDEN)


def test_the_owner_s_token_does_reveal_them(agency_world: AgencyWorld) -> None:
    """The suite above would prove nothing if the token showed nothing."""
    owner = agency_world.client.get("/api/observations?per_page=1000", headers=auth(agency_world.tokens["DESTATIS"]))
    assert all(value in owner.text for value in OWN)


@pytest.mark.parametrize("path", PUBLIC_ONLY_ROUTES)
def test_public_only_routes_show_no_secret_even_to_the_owner(agency_world: AgencyWorld, path: str) -> None:
    response = agency_world.client.get(path, headers=auth(agency_world.tokens["DESTATIS"]))
    assert response.status_code in (200, 404), response.text
    assert not _leaks(response, HIDDEN)
