"""Metadata answers are kept until the vocabulary or the public view changes, and revalidate by ETag."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.config import Settings
from api.services.registry import Registry
from api.web.app import create_app
from tests.read.conftest import _submit, row
from tests.services.samples import write


def test_etag_304_and_a_new_submission_refreshes_the_answer(settings: Settings, registry: Registry,
                                                              tmp_path: Path) -> None:
    client = TestClient(create_app(registry))
    _submit(registry, write(tmp_path / "a.csv", row("DEU", "2020", "100")), "A", "NSO", None)
    first = client.get("/api/indicators/STK_IMM")
    assert first.json()["areas_with_data"] == ["DEU"]
    etag = first.headers["etag"]
    assert client.get("/api/indicators/STK_IMM", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/indicators/STK_IMM", params={"lang": "fr"}).headers["etag"] != etag
    _submit(registry, write(tmp_path / "b.csv", row("FRA", "2020", "200")), "B", "NSO", None)
    second = client.get("/api/indicators/STK_IMM", headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.json()["areas_with_data"] == ["DEU", "FRA"]
    listing = client.get("/api/indicators")
    assert client.get("/api/indicators", headers={"If-None-Match": listing.headers["etag"]}).status_code == 304
    compared = client.get("/api/compare", params={"indicator": "STK_IMM"}).json()
    assert [r["area"] for r in compared["rows"]] == ["FRA", "DEU"]
