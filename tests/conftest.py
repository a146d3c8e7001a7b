"""Shared fixtures: settings pointing at the repository's ontology and the shared publishers' files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.config import Settings
from api.services.registry import Registry, open_registry
from api.store.oxigraph_store import OxigraphStore
from tests import engines
from tests.engines import Engine

REPO = Path(__file__).resolve().parents[1]


def sources_dir() -> Path:
    """The publishers' files: MPR_SOURCES, else the shared data folder beside the repository."""
    return Path(os.environ.get("MPR_SOURCES", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = sources_dir()
    if not path.is_dir():
        pytest.skip(f"the publishers' files are not at {path} (set MPR_SOURCES)")
    return path


def make_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    return Settings(base_iri="http://registry.test", data_dir=data_dir, sources_dir=sources_dir(), **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    return make_settings()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--store", choices=STORES, default="embedded",
                     help="the store the `registry` fixture opens: embedded (in memory, the default), "
                          "oxigraph-server or virtuoso (a server started once per session)")


STORES = ("embedded", "oxigraph-server", "virtuoso")


def engine_settings(engine: Engine, data_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings with MPR_STORE=sparql pointing at ``engine``."""
    return make_settings(data_dir, store="sparql", store_query_url=engine.query_url,
                         store_update_url=engine.update_url, store_gsp_url=engine.gsp_url, store_user=engine.user,
                         store_password=engine.password, **overrides)


def emptied(engine: Engine) -> Engine:
    """``engine`` with every graph of ours dropped (the server lives for the session)."""
    from api.store.remote import remote_store
    from api.store.virtuoso_store import VirtuosoStore

    store = remote_store(engine.query_url, engine.update_url, engine.gsp_url, user=engine.user,
                         password=engine.password)
    if isinstance(store, VirtuosoStore):
        store.drop_all()
    else:
        store.update("DROP ALL")
    store.close()
    return engine


@pytest.fixture
def chosen_engine(request: pytest.FixtureRequest) -> Engine | None:
    """The server ``--store`` names, emptied; None for the embedded store."""
    chosen = request.config.getoption("--store")
    if chosen == "embedded":
        return None
    engine: Engine = request.getfixturevalue("oxigraph_engine" if chosen == "oxigraph-server" else "virtuoso_engine")
    return emptied(engine)


@pytest.fixture
def registry(settings: Settings, chosen_engine: Engine | None) -> Iterator[Registry]:
    """A registry on the store ``--store`` names (in memory by default)."""
    if chosen_engine is None:
        reg = open_registry(settings, OxigraphStore(None))
    else:
        reg = open_registry(engine_settings(chosen_engine))
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def oxigraph_engine() -> Iterator[Engine]:
    """One Oxigraph server per session (``oxigraph serve``, union default graph)."""
    with engines.oxigraph_server() as engine:
        yield engine


@pytest.fixture(scope="session")
def virtuoso_engine() -> Iterator[Engine]:
    """One Virtuoso 7 per session (``virtuoso-t`` in a temporary folder)."""
    with engines.virtuoso_server() as engine:
        yield engine
