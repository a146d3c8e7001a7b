"""The minimal web app: health and the page listing what is loaded (through the app factory)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.model.submission import SubmissionMetadata
from api.services import ingest
from api.services.registry import Registry
from api.web.app import create_app
from tests.services.samples import valid_rows, write


def test_health_and_index_list_loaded_data(registry: Registry, tmp_path: Path) -> None:
    client = TestClient(create_app(registry.settings, registry))
    assert client.get("/health").json()["datasets"] == 0
    parsed = ingest.read_file(registry, write(tmp_path / "s.csv", *valid_rows()))
    ingest.submit(registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    health = client.get("/health").json()
    assert (health["datasets"], health["observations"]) == (1, 3)
    page = client.get("/")
    assert page.status_code == 200 and "DEU_STOCK" in page.text and "DESTATIS" in page.text
