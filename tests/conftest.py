"""Shared fixtures: settings pointing at the repository's ontology and the shared publishers' files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
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
                         store_password=engine.password, store_public_user=engine.public_user,
                         store_public_password=engine.public_password, **overrides)


def emptied(engine: Engine, *, everything: bool = False) -> Engine:
    """``engine`` with every graph of ours dropped but the vocabulary's (the server lives for the session; the
    next registry finds the vocabulary of the same hash there instead of loading it again); ``everything``
    drops the vocabulary too (a restore into an empty store)."""
    from api.store.remote import remote_store
    from api.vocab import VOCABULARY_GRAPH

    store = remote_store(engine.query_url, engine.update_url, engine.gsp_url, user=engine.user,
                         password=engine.password, public_user=engine.public_user,
                         public_password=engine.public_password)  # a dropped graph's grant goes with it
    for graph in store.list_graphs():
        if everything or graph != VOCABULARY_GRAPH:
            store.drop_graph(graph)
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


def on_engine(settings: Settings, engine: Engine | None) -> Settings:
    """``settings`` pointed at ``engine`` (MPR_STORE=sparql), or unchanged for the embedded store."""
    if engine is None:
        return settings
    return replace(settings, store="sparql", store_query_url=engine.query_url, store_update_url=engine.update_url,
                   store_gsp_url=engine.gsp_url, store_user=engine.user, store_password=engine.password,
                   store_public_user=engine.public_user, store_public_password=engine.public_password)


def server_env(engine: Engine | None) -> dict[str, str]:
    """The MPR_STORE* variables of a server process on ``engine`` (none for the embedded store)."""
    return {} if engine is None else engine.env()


def open_world(settings: Settings, engine: Engine | None, *, memory: bool = False) -> Registry:
    """A suite's registry: on ``engine`` when there is one, else embedded (in memory with ``memory``, else under
    ``settings.data_dir``)."""
    if engine is None:
        return open_registry(settings, OxigraphStore(None)) if memory else open_registry(settings)
    return open_registry(on_engine(settings, engine))


class WorldEngines:
    """Servers of the kind ``--store`` names for the suites' own registries (module and session fixtures): each
    world holds a server of its own while it lives, emptied when taken; a server given back is taken again."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._idle: list[Engine] = []
        self._running = ExitStack()

    @contextmanager
    def world(self) -> Iterator[Engine | None]:
        """A server for one world (None on the embedded store)."""
        if self.kind == "embedded":
            yield None
            return
        if self._idle:
            engine = self._idle.pop()
        else:
            engine = self._running.enter_context(
                engines.oxigraph_server(engines.ENGINE_TIMEOUT_S) if self.kind == "oxigraph-server"
                else engines.virtuoso_server())
        try:
            yield emptied(engine)
        finally:
            self._idle.append(engine)

    def close(self) -> None:
        self._running.close()


@pytest.fixture(scope="session")
def world_engines(pytestconfig: pytest.Config) -> Iterator[WorldEngines]:
    """The servers of the suites' worlds (see WorldEngines); none for the embedded store."""
    pool = WorldEngines(pytestconfig.getoption("--store"))
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def on_server(pytestconfig: pytest.Config) -> bool:
    """Whether ``--store`` names a SPARQL server."""
    return bool(pytestconfig.getoption("--store") != "embedded")


@pytest.fixture(scope="session")
def oxigraph_engine() -> Iterator[Engine]:
    """One Oxigraph server per session (``oxigraph serve``, union default graph, its own time limit)."""
    with engines.oxigraph_server(engines.ENGINE_TIMEOUT_S) as engine:
        yield engine


@pytest.fixture(scope="session")
def virtuoso_engine() -> Iterator[Engine]:
    """One Virtuoso 7 per session (``virtuoso-t`` in a temporary folder)."""
    with engines.virtuoso_server() as engine:
        yield engine
