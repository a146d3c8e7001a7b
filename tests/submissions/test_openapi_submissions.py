"""schemathesis over the submission routes with real tokens: generated uploads, ids, withdrawals and audit
queries never get a 5xx, and every answer matches its documented status codes and media types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.config import Settings
from api.services import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.agencies.conftest import add_all
from tests.api.conftest import row
from tests.services.samples import HEADER


@pytest.fixture
def tokens(settings: Settings, registry: Registry) -> Iterator[tuple[TestClient, dict[str, str]]]:
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    found = {a: agencies.create_token(credentials, a).secret for a in ("DESTATIS", "MPR_ADMIN")}
    client = TestClient(create_app(settings, registry))
    body = ("\n".join([HEADER, row("DEU", "2020", "15762457")]) + "\n").encode()
    stored = client.post("/api/submissions", headers={"Authorization": f"Bearer {found['DESTATIS']}"},
                         files={"file": ("s.csv", body, "text/csv")}, data={"dataset": "DEU_STOCK", "source": "x"})
    assert stored.status_code == 201
    yield client, found


@pytest.mark.parametrize("agency", ["DESTATIS", "MPR_ADMIN"])
def test_submission_routes_conform_to_their_openapi_schema(tokens: tuple[TestClient, dict[str, str]],
                                                           agency: str) -> None:
    """Each operation under /api/submissions and /api/audit, as a national office and as an admin (whose
    writes are refused with 403 or whose withdrawals of generated ids are 404s); "schema-valid data is
    accepted" is excluded because a generated dataset id or file is rightly refused with 400/403/422."""
    client, found = tokens
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).include(
        path_regex="^/api/(submissions|audit)")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{o.method.upper()} {o.path}" for o in operations} >= {
        "POST /api/submissions", "GET /api/submissions", "GET /api/submissions/{submission_id}",
        "GET /api/submissions/{submission_id}/report", "POST /api/submissions/{submission_id}/withdraw",
        "GET /api/audit"}
    headers = {"Authorization": f"Bearer {found[agency]}"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        conforms()
