"""The minimal web app: health and the page listing what is loaded (through the app factory)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.services.samples import valid_rows, write


def test_health_says_only_that_the_service_is_up(registry: Registry, tmp_path: Path) -> None:
    client = TestClient(create_app(registry))
    before = client.get("/health")
    parsed = ingest.read_file(registry, write(tmp_path / "s.csv", *valid_rows()))
    ingest.submit(registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    after = client.get("/health")
    assert before.status_code == after.status_code == 200
    assert before.json() == after.json() and set(after.json()) == {"status", "version"}


def test_index_lists_the_public_datasets(registry: Registry, tmp_path: Path) -> None:
    client = TestClient(create_app(registry))
    parsed = ingest.read_file(registry, write(tmp_path / "s.csv", *valid_rows()))
    ingest.submit(registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    page = client.get("/")
    assert page.status_code == 200 and "DEU_STOCK" in page.text and "DESTATIS" in page.text
    assert "3 public observations" in page.text and "/datasets/DEU_STOCK" in page.text
