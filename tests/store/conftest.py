"""The ``store`` fixture: every Store implementation the contract suite runs against (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.store.base import Store
from api.store.oxigraph_store import OxigraphStore
from api.store.remote import remote_store
from api.store.remote_store import RemoteStore
from api.store.virtuoso_store import VirtuosoStore
from tests.engines import Engine


@pytest.fixture(scope="session")
def oxigraph_server(oxigraph_engine: Engine) -> str:
    """The session's Oxigraph server: its base URL."""
    return oxigraph_engine.query_url.removesuffix("/query")


def _fresh(engine: Engine, *, gsp: bool = True) -> RemoteStore:
    s = remote_store(engine.query_url, engine.update_url, engine.gsp_url if gsp else None, timeout=60,
                     user=engine.user, password=engine.password)
    if isinstance(s, VirtuosoStore):  # the server lives for the session: a fresh state for every test
        s.drop_all()
    else:
        s.update("DROP ALL")
    return s


@pytest.fixture(
    params=[
        "memory",
        "disk",
        pytest.param("server", marks=pytest.mark.server),
        pytest.param("virtuoso", marks=pytest.mark.server),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each implementation."""
    s: OxigraphStore | RemoteStore
    if request.param == "memory":
        s = OxigraphStore()
    elif request.param == "disk":
        s = OxigraphStore(tmp_path / "db")
    elif request.param == "server":
        s = _fresh(request.getfixturevalue("oxigraph_engine"))
    else:
        s = _fresh(request.getfixturevalue("virtuoso_engine"))
    yield s
    s.close()


@pytest.fixture
def remote_without_gsp(oxigraph_engine: Engine) -> RemoteStore:
    """The same server without its Graph Store endpoint: writes go through INSERT DATA."""
    return _fresh(oxigraph_engine, gsp=False)
