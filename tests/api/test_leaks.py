"""The leak suite for the read API: the confidential observation and the embargoed submission never
appear in any /api answer (JSON, CSV, profile, compare, coverage, DCAT, RDF)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import EMBARGOED_DATASET, EMBARGOED_VALUE, SECRET_VALUE

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
    from tests.api.conftest import ApiWorld  # noqa: F401

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
