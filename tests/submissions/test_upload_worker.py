"""Large uploads are parsed and validated in the worker process: the same answers as in the server process."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.services import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.agencies.conftest import add_all
from tests.api.conftest import row
from tests.services.samples import HEADER


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def clients(settings: Settings, registry: Registry) -> Iterator[tuple[TestClient, TestClient, str]]:
    """Two apps over one registry: every upload in the worker, and none."""
    add_all(registry)
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    in_worker = create_app(replace(settings, upload_worker_min_bytes=0), registry)
    in_server = create_app(replace(settings, upload_worker_min_bytes=1 << 40), registry)
    yield TestClient(in_worker), TestClient(in_server), token
    in_worker.state.upload_worker.close()


def test_the_worker_stores_what_the_server_would(clients: tuple[TestClient, TestClient, str]) -> None:
    worker, server, token = clients
    auth = {"Authorization": f"Bearer {token}"}
    body = _csv(row("DEU", "2019", "15000000"), row("DEU", "2020", "123", conf="C"))
    fields = {"dataset": "DEU_STOCK", "source": "Census", "definition_basis": "foreign-born"}
    dry = worker.post("/api/submissions", headers=auth, data=fields, params={"dry_run": "true"},
                      files={"file": ("stock.csv", body, "text/csv")})
    assert dry.status_code == 200 and dry.json()["conforms"] is True and dry.json()["observations"] == 2
    assert worker.app.state.upload_worker._pool is not None  # type: ignore[attr-defined]
    stored = worker.post("/api/submissions", headers=auth, data=fields,
                         files={"file": ("stock.csv", body, "text/csv")})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["observations"], stored.json()["restricted"]) == (2, 1)
    again = server.post("/api/submissions", headers=auth, data={**fields, "dataset": "DEU_STOCK_2"},
                        files={"file": ("stock.csv", body, "text/csv")})
    assert again.status_code == 201
    one = worker.get("/api/submissions/DEU_STOCK-v1", headers=auth).json()
    two = server.get("/api/submissions/DEU_STOCK_2-v1", headers=auth).json()
    for record in (one, two):
        assert record["provenance"]["file"]["sha256"] == hashlib.sha256(body).hexdigest()
        assert (record["observations"], record["restricted"], record["provenance"]["file"]["name"]) == (
            2, 1, "stock.csv")
    assert one["report"] == two["report"]
    public = worker.get("/api/observations", params={"area": "DEU", "dataset": "DEU_STOCK"}).json()
    assert [o["value"] for o in public["observations"]] == [15000000.0]  # the confidential cell is not public
    own = worker.get("/api/observations", params={"area": "DEU", "dataset": "DEU_STOCK"}, headers=auth).json()
    assert sorted(o["value"] for o in own["observations"]) == [123.0, 15000000.0]


def test_refusals_from_the_worker_keep_their_status_and_details(clients: tuple[TestClient, TestClient, str]
                                                                  ) -> None:
    worker, _, token = clients
    auth = {"Authorization": f"Bearer {token}"}
    bad = worker.post("/api/submissions", headers=auth, data={"dataset": "DEU_STOCK", "source": "x"},
                      files={"file": ("s.csv", _csv(row("DEU", "2020", "100"), row("DEU", "20x0", "7")), "text/csv")})
    assert bad.status_code == 422
    assert {r["row"] for r in bad.json()["error"]["details"]["report"]["results"] if r["severity"] == "Violation"}
    unreadable = worker.post("/api/submissions", headers=auth, data={"dataset": "DEU_STOCK", "source": "x"},
                             files={"file": ("s.csv", HEADER.encode() + b"\n\xff\xfe,1\n", "text/csv")})
    assert unreadable.status_code == 400 and unreadable.json()["error"]["details"]["line"] == 2
    outside = worker.post("/api/submissions", headers=auth, data={"dataset": "FRA_STOCK", "source": "x"},
                          files={"file": ("s.csv", _csv(row("FRA", "2020", "100")), "text/csv")})
    assert outside.status_code == 403 and "FRA" in outside.json()["error"]["message"]
    assert worker.get("/api/observations").json()["total"] == 0
    assert worker.get("/api/submissions", headers=auth).json() == []
