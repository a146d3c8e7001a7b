"""The SDMX roots document what their writers declare: every media type of the root's offers, its defaults."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.formats.sdmx.negotiation import OFFERS
from api.services.registry import Registry
from api.web.app import create_app


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_each_root_documents_its_formats(settings: Settings, registry: Registry, api: str) -> None:
    document = TestClient(create_app(registry)).get("/openapi.json").json()
    operation = document["paths"][f"/sdmx/{api}/{{path}}"]["get"]
    offered = {f.media_type for kind in ("data", "structure") for f in OFFERS[(api, kind)]}
    assert set(operation["responses"]["200"]["content"]) == offered
    for kind in ("data", "structure"):
        assert f"{OFFERS[(api, kind)][0].title} by default" in operation["description"]
