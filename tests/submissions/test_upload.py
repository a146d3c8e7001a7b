"""POST /api/submissions: an agency uploads with its token; the report decides; the scope is enforced."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.read.conftest import row
from tests.services.samples import HEADER


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def world(settings: Settings, registry: Registry) -> tuple[TestClient, dict[str, str]]:
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {agency: agencies.create_token(credentials, agency).secret for agency in ("DESTATIS", "UNHCR")}
    return TestClient(create_app(registry)), tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_multipart_upload_is_stored_and_served(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    response = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                           files={"file": ("stock.csv", _csv(row("DEU", "2020", "15762457")), "text/csv")},
                           data={"dataset": "DEU_STOCK", "title": "Migrant stock", "source": "Census 2020",
                                 "definition_basis": "foreign-born"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["submission"], body["version"], body["conforms"], body["observations"]) == (
        "DEU_STOCK-v1", 1, True, 1)
    served = client.get("/api/observations", params={"area": "DEU"}).json()["observations"]
    assert [(o["value"], o["provenance"]["agency"], o["provenance"]["definition_basis"]) for o in served] == [
        (15762457.0, "DESTATIS", "foreign-born")]


def test_raw_body_dry_run_and_violations(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    good = _csv(row("DEU", "2020", "100"))
    dry = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "dry_run": "true", "source": "Census"},
                      content=good,
                      headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
    assert dry.status_code == 200 and dry.json()["dry_run"] is True and dry.json()["conforms"] is True
    assert client.get("/api/observations").json()["total"] == 0  # a dry run stores nothing
    bad = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"},
                      content=_csv(row("DEU", "2020", "-5"), row("DEU", "20x0", "7")),
                      headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
    assert bad.status_code == 422
    report = bad.json()["error"]["details"]["report"]
    assert report["conforms"] is False and {r["row"] for r in report["results"] if r["severity"] == "Violation"}
    assert client.get("/api/observations").json()["total"] == 0  # nothing stored


def test_tokens_and_scope(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    france = _csv(row("FRA", "2020", "100"))
    files = {"file": ("fra.csv", france, "text/csv")}
    missing = client.post("/api/submissions", files=files, data={"dataset": "X"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post("/api/submissions", files=files, data={"dataset": "X"}, headers=_auth("mpr_" + "0" * 12 + "_x"))
    assert wrong.status_code == 401
    outside = client.post("/api/submissions", files=files, data={"dataset": "FRA_STOCK", "source": "Census"},
                          headers=_auth(tokens["DESTATIS"]))
    assert outside.status_code == 403 and "FRA" in outside.json()["error"]["message"]
    international = client.post("/api/submissions", files=files, data={"dataset": "FRA_STOCK", "source": "Survey"},
                                headers=_auth(tokens["UNHCR"]))
    assert international.status_code == 201, international.text


def test_bad_requests_are_clear_and_store_nothing(world: tuple[TestClient, dict[str, str]], registry: Registry,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens = world
    auth = _auth(tokens["DESTATIS"])
    no_dataset = client.post("/api/submissions", files={"file": ("a.csv", _csv(row("DEU", "2020", "1")))},
                             headers=auth)
    assert no_dataset.status_code == 400 and "dataset" in no_dataset.json()["error"]["message"]
    unknown = client.post("/api/submissions", params={"dataset": "D"}, content=b"%PDF",
                          headers={**auth, "Content-Type": "application/pdf"})
    assert unknown.status_code == 400 and "text/csv" in unknown.json()["error"]["message"]
    bad_release = client.post("/api/submissions", params={"dataset": "D", "release": "soon"},
                              content=_csv(row("DEU", "2020", "1")), headers={**auth, "Content-Type": "text/csv"})
    assert bad_release.status_code == 400
    monkeypatch.setattr(registry, "settings", replace(registry.settings, max_upload_bytes=100))
    too_big = client.post("/api/submissions", params={"dataset": "D"}, content=b"x" * 1000,
                         headers={**auth, "Content-Type": "text/csv"})
    assert too_big.status_code == 413
    assert client.get("/api/observations").json()["total"] == 0
