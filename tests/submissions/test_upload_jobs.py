"""Uploads above the synchronous size: 202 Accepted with Location and Retry-After, a job the client polls."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.services.admin import agencies
from api.services.registry import Registry, open_registry
from api.store.oxigraph_store import OxigraphStore
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.read.conftest import row
from tests.services.samples import HEADER


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def world(settings: Settings) -> Any:
    registry: Registry = open_registry(replace(settings, upload_sync_max_bytes=0), OxigraphStore(None))
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {agency: agencies.create_token(credentials, agency).secret for agency in ("DESTATIS", "UNHCR")}
    yield TestClient(create_app(registry)), tokens
    registry.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _poll(client: TestClient, location: str, token: str) -> dict[str, Any]:
    for _ in range(600):
        answer = client.get(location, headers=_auth(token))
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        if job["state"] not in ("validating", "storing"):
            assert "retry-after" not in answer.headers
            return job
        assert answer.headers["retry-after"] == "2"
        time.sleep(0.1)
    raise AssertionError("the job did not end")


def test_a_large_upload_is_accepted_then_polled_until_stored(world: Any) -> None:
    client, tokens = world
    accepted = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                           files={"file": ("stock.csv", _csv(row("DEU", "2020", "15762457")), "text/csv")},
                           data={"dataset": "DEU_STOCK", "title": "Migrant stock", "source": "Census 2020"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["location"].startswith("/api/uploads/")
    assert accepted.headers["retry-after"] == "2"
    assert accepted.json()["state"] in ("validating", "storing", "stored")
    job = _poll(client, accepted.headers["location"], tokens["DESTATIS"])
    assert job["state"] == "stored"
    assert (job["result"]["submission"], job["result"]["observations"]) == ("DEU_STOCK-v1", 1)
    assert client.get("/api/submissions/DEU_STOCK-v1", headers=_auth(tokens["DESTATIS"])).status_code == 200
    # another agency cannot see the job
    assert client.get(accepted.headers["location"], headers=_auth(tokens["UNHCR"])).status_code == 404


def test_a_large_upload_with_violations_ends_rejected_and_stores_nothing(world: Any) -> None:
    client, tokens = world
    accepted = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"},
                           content=_csv(row("DEU", "2020", "-5")),
                           headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
    assert accepted.status_code == 202
    job = _poll(client, accepted.headers["location"], tokens["DESTATIS"])
    assert job["state"] == "rejected"
    assert job["error"]["status"] == 422
    assert job["error"]["details"]["report"]["conforms"] is False
    assert client.get("/api/observations").json()["total"] == 0
