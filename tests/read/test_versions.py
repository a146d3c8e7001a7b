"""Revisions through the read API: every public version listed, and asOf reads the data as it was."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.config import Settings
from api.services.registry import Registry
from api.web.app import create_app
from tests.read.conftest import _submit, row
from tests.services.samples import write


def test_versions_and_as_of(settings: Settings, registry: Registry, tmp_path: Path) -> None:
    client = TestClient(create_app(registry))
    _submit(registry, write(tmp_path / "v1.csv", row("DEU", "2020", "100"), row("DEU", "2019", "90")),
            "DEU_STOCK", "NSO", None)
    between = datetime.now(UTC)
    time.sleep(1.1)  # generation times have second precision
    _submit(registry, write(tmp_path / "v2.csv", row("DEU", "2020", "105")), "DEU_STOCK", "NSO", None)
    _submit(registry, write(tmp_path / "v3.csv", row("DEU", "2020", "999")), "DEU_STOCK", "NSO", None,
            release=datetime.now(UTC) + timedelta(days=30))  # embargoed: not a public version yet
    versions = client.get("/api/datasets/DEU_STOCK/versions").json()
    assert [(v["version"], v["current"], v["observations"]) for v in versions] == [(1, False, 2), (2, True, 1)]
    assert versions[0]["valid_to"] == versions[1]["valid_from"] and versions[1]["valid_to"] is None
    now = client.get("/api/observations", params={"area": "DEU"}).json()
    assert [(o["period"], o["value"], o["provenance"]["version"]) for o in now["observations"]] == [
        ("2020", 105.0, 2)]
    sdmx = client.get("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....",
                      headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"}).text
    assert ",105," in sdmx and "999" not in sdmx  # the embargoed revision leaves version 2 public
    then = client.get("/api/observations", params={"area": "DEU", "asOf": between.isoformat()}).json()
    assert [(o["period"], o["value"], o["provenance"]["version"]) for o in then["observations"]] == [
        ("2019", 90.0, 1), ("2020", 100.0, 1)]
    before = client.get("/api/observations", params={"area": "DEU", "asOf": "2000-01-01"}).json()
    assert before["total"] == 0
    bad = client.get("/api/observations", params={"asOf": "yesterday"})
    assert bad.status_code == 400 and "asOf=yesterday" in bad.json()["error"]["message"]
    assert client.get("/api/datasets/NOPE/versions").status_code == 404


def test_two_revisions_within_one_second_stay_ordered(settings: Settings, registry: Registry, tmp_path: Path) -> None:
    """Generation times keep microseconds and strictly follow the version before: asOf between two revisions
    stored within the same second answers the older one (issue: the house by capability, point 3)."""
    client = TestClient(create_app(registry))
    second = datetime(2025, 6, 1, 12, 0, 0, 100, tzinfo=UTC)
    registry.clock = lambda: second
    _submit(registry, write(tmp_path / "v1.csv", row("DEU", "2020", "100")), "DEU_STOCK", "NSO", None)
    registry.clock = lambda: second.replace(microsecond=900_000)
    _submit(registry, write(tmp_path / "v2.csv", row("DEU", "2020", "105")), "DEU_STOCK", "NSO", None)
    registry.clock = lambda: second  # a clock that went back: the third version still comes after the second
    _submit(registry, write(tmp_path / "v3.csv", row("DEU", "2020", "110")), "DEU_STOCK", "NSO", None)
    versions = client.get("/api/datasets/DEU_STOCK/versions").json()
    made = [datetime.fromisoformat(v["generated"].replace("Z", "+00:00")) for v in versions]
    assert made == sorted(made) and len(set(made)) == 3
    between = second.replace(microsecond=500_000).isoformat()
    then = client.get("/api/observations", params={"area": "DEU", "asOf": between}).json()
    assert [(o["value"], o["provenance"]["version"]) for o in then["observations"]] == [(100.0, 1)]
