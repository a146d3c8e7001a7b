"""A live registry server for the SPARQL tests: one real World Bank file, a confidential observation and an
embargoed submission in their own graphs, on an on-disk store (queries run in worker processes)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.services import build
from tests.conftest import REPO, WorldEngines, make_settings, open_world, server_env
from tests.engines import Engine
from tests.live_server import serving
from tests.read.conftest import EMBARGOED_DATASET, EMBARGOED_VALUE, SECRET_VALUE, _submit, row
from tests.services.samples import write

__all__ = ["EMBARGOED_DATASET", "EMBARGOED_VALUE", "SECRET_VALUE", "SparqlServer", "sparql_serving"]


@dataclass(frozen=True)
class SparqlServer:
    url: str
    endpoint: str
    base_iri: str
    restricted_graph: str
    embargoed_graph: str
    public_graph: str


@pytest.fixture(scope="session")
def sparql_data(sparql_build: Path) -> Path:
    return sparql_build / "data"


@pytest.fixture(scope="session")
def sparql_data_copy(sparql_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """A fresh copy of the data folder for another server (a store is opened by one server at a time)."""
    def copy() -> Path:
        target = tmp_path_factory.mktemp("sparql-copy") / "data"
        shutil.copytree(sparql_build / "pristine", target)
        return target
    return copy


@pytest.fixture(scope="session")
def sparql_engine(world_engines: WorldEngines) -> Iterator[Engine | None]:
    """The server the SPARQL suite's store is on (None: embedded, under the data folder)."""
    with world_engines.world() as engine:
        yield engine


@pytest.fixture(scope="session")
def sparql_env(sparql_engine: Engine | None) -> dict[str, str]:
    """The MPR_STORE* variables of every server of the suite (copies of the data folder share the server)."""
    return server_env(sparql_engine)


@pytest.fixture(scope="session")
def sparql_build(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, sparql_engine: Engine | None) -> Path:
    """The data folder (``data``) and a copy of it taken before any server opened it (``pristine``)."""
    root = tmp_path_factory.mktemp("sparql")
    datasets = root / "datasets"
    shutil.copytree(REPO / "datasets" / "WB_WDI_SM_POP_NETM", datasets / "WB_WDI_SM_POP_NETM")
    settings = replace(make_settings(root / "data"), datasets_dir=datasets, sources_dir=shared_data)
    registry = open_world(settings, sparql_engine)
    try:
        assert [o.status for o in build.build(registry)] == ["loaded"]
        _submit(registry, write(root / "deu.csv", row("DEU", "2020", "15762457"),
                                row("AND", "2020", SECRET_VALUE, conf="C")), "NSO_DEU_STOCK", "DESTATIS",
                "foreign-born")
        _submit(registry, write(root / "prt.csv", row("PRT", "2020", EMBARGOED_VALUE)), EMBARGOED_DATASET, "INE",
                "foreign-born", release=datetime.now(UTC) + timedelta(days=365))
    finally:
        registry.close()
    shutil.copytree(root / "data", root / "pristine")
    return root


def sparql_serving(data: Path, shared_data: Path, env: dict[str, str]) -> Iterator[SparqlServer]:
    """A live server over ``data`` with ``env`` added (MPR_SPARQL_* limits)."""
    with serving({"MPR_DATA": str(data), "MPR_BASE_IRI": "http://registry.test", "MPR_SOURCES": str(shared_data),
                  **env}) as url:
        yield SparqlServer(url, url + "/sparql", "http://registry.test",
                           "http://registry.test/id/submission/NSO_DEU_STOCK-v1/restricted",
                           f"http://registry.test/id/submission/{EMBARGOED_DATASET}-v1",
                           "http://registry.test/id/submission/NSO_DEU_STOCK-v1")


@pytest.fixture(scope="session")
def sparql_server(sparql_data: Path, shared_data: Path, sparql_env: dict[str, str]) -> Iterator[SparqlServer]:
    yield from sparql_serving(sparql_data, shared_data, {"MPR_SPARQL_TIMEOUT": "3", "MPR_SPARQL_MAX_ROWS": "50000",
                                                         **sparql_env})
