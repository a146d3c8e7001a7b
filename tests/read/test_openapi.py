"""schemathesis over the read API's OpenAPI schema: generated requests never get a 5xx, and every answer
matches its documented status codes, media types and schema."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.read.conftest import ApiWorld


@pytest.fixture(scope="session")
def api_schema(api_world: ApiWorld) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api_world.client.app).include(path_regex="^/api/")


def test_read_api_conforms_to_its_openapi_schema(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation, with generated parameters (valid and invalid): call_and_validate runs schemathesis'
    checks (no server error, documented status code, content type, headers and response schema) except
    "schema-valid data is accepted": an id that fits the schema's string but names no indicator or area is a
    400 naming it, which is the documented answer."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        conforms()


def test_every_read_route_is_documented_with_an_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    routes = {path for path in document["paths"] if path.startswith("/api/")}
    assert {"/api/indicators", "/api/indicators/{indicator_id}", "/api/areas", "/api/areas/{code}",
            "/api/observations", "/api/areas/{code}/profile", "/api/compare", "/api/coverage", "/api/datasets",
            "/api/datasets/{dataset_id}", "/api/datasets/{dataset_id}/rdf"} <= routes
    for path in routes:
        get = document["paths"][path].get("get")
        if get is None:  # the upload (POST) documents its answers by status, without a read example
            continue
        content = get["responses"]["200"].get("content", {})
        assert any("example" in media or "schema" in media for media in content.values()), path
        assert get.get("description"), path
