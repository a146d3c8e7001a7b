"""schemathesis over the submission routes with real tokens: generated uploads, ids, withdrawals and audit
queries never get a 5xx, and every answer matches its documented status codes and media types."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.config import Settings
from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.read.conftest import row
from tests.services.samples import HEADER


@pytest.fixture
def tokens(settings: Settings, registry: Registry) -> tuple[TestClient, dict[str, str]]:
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    found = {a: agencies.create_token(credentials, a).secret for a in ("DESTATIS", "MPR_ADMIN")}
    client = TestClient(create_app(registry))
    body = ("\n".join([HEADER, row("DEU", "2020", "15762457")]) + "\n").encode()
    stored = client.post("/api/submissions", headers={"Authorization": f"Bearer {found['DESTATIS']}"},
                         files={"file": ("s.csv", body, "text/csv")}, data={"dataset": "DEU_STOCK", "source": "x"})
    assert stored.status_code == 201
    return client, found


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


VALID = ("\n".join([HEADER, row("DEU", "2021", "15800000")]) + "\n").encode()


def test_uploads_of_a_valid_file_with_generated_metadata_conform(tokens: tuple[TestClient, dict[str, str]]) -> None:
    """POST /api/submissions with a file that conforms and metadata schemathesis generates from the schema (title,
    sources, methodology, definition basis, licence, release, original URL, base version; half of the examples with
    a valid dataset id of the agency's, so that they reach validation and storage): every answer is one of the
    documented codes in the one error shape, never a 5xx."""
    client, found = tokens
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).include(
        path_regex="^/api/submissions$", method="POST")
    (operation,) = [result.ok() for result in schema.get_all_operations()]
    headers = {"Authorization": f"Bearer {found['DESTATIS']}"}
    statuses: set[int] = set()

    @given(case=operation.as_strategy(media_type="multipart/form-data"), ours=st.booleans())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)  # the same examples on every run: CI never flakes on a rare draw
    def conforms(case: schemathesis.Case, ours: bool) -> None:
        body = dict(case.body) if isinstance(case.body, dict) else {}
        case.body = {**body, "file": VALID, **({"dataset": "DEU_GENERATED"} if ours else {})}
        case.media_type = "multipart/form-data"
        case.multipart_content_types = {"file": "text/csv"}
        # (the file replaced in the generated body is not "schema-violating data": both acceptance checks are off)
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance,
                                                                            negative_data_rejection])
        assert response.status_code < 500, response.text
        statuses.add(response.status_code)

    conforms()
    assert statuses & {200, 201}, statuses  # some generated metadata was accepted: the file did reach the worker
