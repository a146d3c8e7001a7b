"""The bearer dependency through the app: 401 variants with WWW-Authenticate and a reason, 403 outside scope."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from api.web.auth import CurrentAdmin, CurrentPrincipal


@pytest.fixture
def app(agency_registry: Registry) -> FastAPI:
    app = create_app(agency_registry)

    # A stand-in for the write routes: authenticate, then check the scope for the areas written.
    @app.post("/test/write/{area}")
    def write(area: str, principal: CurrentPrincipal) -> dict[str, str]:
        agencies.check_write(principal, [area])
        return {"written": area, "by": principal.agency_id}

    @app.post("/test/admin")
    def administer(principal: CurrentAdmin) -> dict[str, str]:
        return {"by": principal.agency_id}

    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def _token(registry: Registry, agency: str) -> str:
    return agencies.create_token(agencies.credentials_for(registry), agency).secret


def test_whoami_names_the_agency_and_its_scope(client: TestClient, agency_registry: Registry) -> None:
    token = _token(agency_registry, "DESTATIS")
    response = client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"agency": "DESTATIS", "iri": "http://registry.test/id/agency/DESTATIS", "kind": "nso",
                    "areas": ["DEU"], "any_area": False, "admin": False, "may_write": "DEU",
                    "token": token.split("_")[1]}
    assert response.headers["cache-control"] == "no-store"
    assert token not in response.text
    lower = client.get("/api/whoami", headers={"authorization": f"bearer {token}"})
    assert lower.status_code == 200  # the scheme is case-insensitive (RFC 9110 §11.1)


@pytest.mark.parametrize(("header", "says", "invalid_token"), [
    (None, "this route needs a token", False),
    ("", "this route needs a token", False),
    ("Basic dXNlcjpwYXNz", "uses the 'Basic' scheme", False),
    ("Bearer", "malformed", True),
    ("Bearer two words", "malformed", True),
    ("Bearer not-a-registry-token", "the bearer token is malformed", True),
    ("Bearer mpr_0123456789ab_" + "A" * 43, "the bearer token is unknown", True),
])
def test_401_says_why(client: TestClient, header: str | None, says: str, invalid_token: bool) -> None:
    response = client.get("/api/whoami", headers={} if header is None else {"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert ('error="invalid_token"' in response.headers["www-authenticate"]) is invalid_token
    error = response.json()["error"]
    assert error["code"] == "unauthorized" and says in error["message"]
    assert error["message"].endswith(".")


def test_a_revoked_token_gets_401(client: TestClient, agency_registry: Registry) -> None:
    token = _token(agency_registry, "DESTATIS")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/whoami", headers=headers).status_code == 200
    agencies.revoke_token(agencies.credentials_for(agency_registry), token)
    response = client.get("/api/whoami", headers=headers)
    assert response.status_code == 401 and "was revoked on" in response.json()["error"]["message"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_national_agency_gets_403_outside_its_areas(client: TestClient, agency_registry: Registry) -> None:
    headers = {"Authorization": f"Bearer {_token(agency_registry, 'DESTATIS')}"}
    assert client.post("/test/write/DEU", headers=headers).json() == {"written": "DEU", "by": "DESTATIS"}
    response = client.post("/test/write/FRA", headers=headers)
    assert response.status_code == 403
    assert "www-authenticate" not in response.headers
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "agency DESTATIS (national statistical office) may write data only for DEU, not for FRA" in error["message"]


def test_an_international_organisation_writes_any_area(client: TestClient, agency_registry: Registry) -> None:
    headers = {"Authorization": f"Bearer {_token(agency_registry, 'UNHCR')}"}
    for area in ("DEU", "FRA", "001"):
        assert client.post(f"/test/write/{area}", headers=headers).status_code == 200
    assert client.get("/api/whoami", headers=headers).json()["may_write"] == "any area, as its own source"


def test_admin_routes_need_an_admin(client: TestClient, agency_registry: Registry) -> None:
    admin = {"Authorization": f"Bearer {_token(agency_registry, 'MPR_ADMIN')}"}
    nso = {"Authorization": f"Bearer {_token(agency_registry, 'DESTATIS')}"}
    assert client.post("/test/admin", headers=admin).json() == {"by": "MPR_ADMIN"}
    refused = client.post("/test/admin", headers=nso)
    assert refused.status_code == 403 and "needs an admin token" in refused.json()["error"]["message"]
    assert client.post("/test/admin").status_code == 401


def test_openapi_documents_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values())
    assert "/api/whoami" in document["paths"]
