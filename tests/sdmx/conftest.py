"""A live registry server over real imported data, for the SDMX REST tests (sdmx1 and pysdmx as clients)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from api.config import Settings
from api.services import build
from tests.conftest import REPO, WorldEngines, make_settings, on_engine, open_world, server_env
from tests.live_server import serving

# Two small real datasets (about 21 000 observations): UN Statistical Yearbook and World Bank WDI.
LIVE_DATASETS = ("UNSD_SYB65_MIGRANTS_REFUGEES", "WB_WDI_SM_POP_NETM")


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings




@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
         ) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    datasets = root / "datasets"
    for name in LIVE_DATASETS:
        shutil.copytree(REPO / "datasets" / name, datasets / name)
    settings = replace(make_settings(root / "data"), datasets_dir=datasets)
    with world_engines.world() as engine:
        registry = open_world(settings, engine)
        try:
            outcomes = build.build(registry)
        finally:
            registry.close()
        assert [o.status for o in outcomes] == ["loaded"] * len(LIVE_DATASETS), outcomes
        with serving({"MPR_DATA": str(root / "data"), "MPR_BASE_IRI": settings.base_iri,
                      "MPR_SOURCES": str(shared_data), **server_env(engine)}) as url:
            yield LiveServer(url, on_engine(settings, engine))
