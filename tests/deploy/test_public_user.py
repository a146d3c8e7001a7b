"""Public SPARQL enforced by the engine itself (issue "Outgrow one machine" 4): on Virtuoso the public endpoint
queries as a read-only user that graph-level security lets read the public graphs only, so a confidential or
embargoed graph stays invisible to it even when a query names it in FROM or GRAPH and our own checks are
bypassed (the engine asked directly, as that user). Engines without users refuse the setting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Triple

from api.config import BadSetting
from api.errors import StoreError
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from api.store.remote import remote_store
from api.store.remote_store import RemoteStore
from api.web.app import create_app
from tests.conftest import emptied, engine_settings, make_settings
from tests.engines import PUBLIC_PASSWORD, PUBLIC_USER, Engine
from tests.services.samples import stock_row, write

pytestmark = pytest.mark.server

PUBLIC, SECRET, EMBARGOED = "15762457", "31337", "424242"
MP = "https://w3id.org/migration-profile/def#"
RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def world(virtuoso_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry on Virtuoso with a public value, a confidential one (its restricted graph) and an embargoed
    submission; one public query made, so the public user's grants follow the public view."""
    folder = tmp_path_factory.mktemp("public-user")
    registry = open_registry(engine_settings(emptied(virtuoso_engine)))
    for dataset, rows, release in (
            ("NSO_DEU_STOCK", (stock_row("DEU", "2020", PUBLIC), stock_row("AND", "2020", SECRET, conf="C")), None),
            ("NSO_PRT_STOCK", (stock_row("PRT", "2020", EMBARGOED),), datetime.now(UTC) + timedelta(days=365))):
        meta = SubmissionMetadata(dataset_id=dataset, agency_id="DESTATIS", title=dataset, sources=("Census",),
                                  release=release)
        ingest.submit(registry, ingest.read_file(registry, write(folder / f"{dataset}.csv", *rows)), meta)
    with TestClient(create_app(registry)) as client:
        answer = client.get("/sparql", params={"query": f"SELECT ?v WHERE {{ ?s <{MP}obsValue> ?v }}"},
                            headers={"Accept": RESULTS})
        assert answer.status_code == 200 and PUBLIC in answer.text and SECRET not in answer.text, answer.text
    yield registry
    registry.close()


def _graphs(registry: Registry) -> tuple[str, str, str]:
    iris = registry.iris
    return (iris.submission("NSO_DEU_STOCK-v1"), iris.submission("NSO_DEU_STOCK-v1") + "/restricted",
            iris.submission("NSO_PRT_STOCK-v1"))


def _as(engine: Engine, user: str, password: str, query: str) -> str:
    """The engine's own answer to ``query`` as ``user`` (no check of ours in between)."""
    answer = httpx.post(engine.update_url, data={"query": query}, headers={"Accept": RESULTS},
                        auth=httpx.DigestAuth(user, password), timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.text


def _tricks(public: str, restricted: str, embargoed: str) -> list[str]:
    return [
        f"SELECT ?v WHERE {{ ?s <{MP}obsValue> ?v }}",
        f"SELECT ?g ?v WHERE {{ GRAPH ?g {{ ?s <{MP}obsValue> ?v }} }}",
        f"SELECT ?v FROM <{restricted}> FROM <{embargoed}> WHERE {{ ?s <{MP}obsValue> ?v }}",
        f"SELECT ?g ?v FROM NAMED <{restricted}> FROM NAMED <{embargoed}> WHERE {{ GRAPH ?g {{ ?s ?p ?v }} }}",
        f"SELECT ?v WHERE {{ GRAPH <{restricted}> {{ ?s ?p ?v }} }}",
        f"SELECT ?v WHERE {{ GRAPH <{embargoed}> {{ ?s ?p ?v }} }}",
        f"SELECT ?v FROM <{public}> FROM <{restricted}> WHERE {{ ?s <{MP}obsValue> ?v }}",
    ]


def test_the_public_user_reads_public_graphs_only_even_asked_directly(world: Registry,
                                                                       virtuoso_engine: Engine) -> None:
    public, restricted, embargoed = _graphs(world)
    for query in _tricks(public, restricted, embargoed):
        seen = _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, query)
        assert SECRET not in seen and EMBARGOED not in seen, (query, seen)
    assert PUBLIC in _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, _tricks(public, restricted, embargoed)[0])
    # the same tricks as the store's own user find the secrets: the test would see a leak
    everything = "".join(_as(virtuoso_engine, "dba", virtuoso_engine.password or "", q)
                         for q in _tricks(public, restricted, embargoed))
    assert SECRET in everything and EMBARGOED in everything


def test_the_store_s_public_query_with_our_dataset_bypassed_still_sees_nothing_secret(world: Registry) -> None:
    """The public query path naming the secret graphs itself, as if our dataset check had let them through."""
    store = world.store
    assert isinstance(store, RemoteStore) and store.has_public_user
    public, restricted, embargoed = _graphs(world)
    answer = store.public_query(f"SELECT ?v WHERE {{ {{ ?s <{MP}obsValue> ?v }} UNION {{ GRAPH ?g {{ ?s ?p ?v }} }} }}",
                                [public, restricted, embargoed], [public, restricted, embargoed], "results", 30)
    assert not isinstance(answer, bool)
    values = {row[0].value for row in answer[1] if row[0] is not None}
    assert PUBLIC in values and SECRET not in values and EMBARGOED not in values


def test_grants_follow_the_public_view(world: Registry, virtuoso_engine: Engine) -> None:
    """A graph leaving the public view (withdrawn) is unreadable at once; back in the view, readable again."""
    store = world.store
    assert isinstance(store, RemoteStore)
    public = _graphs(world)[0]
    query = f"SELECT ?v FROM <{public}> WHERE {{ ?s <{MP}obsValue> ?v }}"
    view = list(world.public_view().graphs)
    try:
        store.expose_public([g for g in view if g != public])
        assert PUBLIC not in _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, query)
    finally:
        store.expose_public(view)
    assert PUBLIC in _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, query)


def test_a_grant_another_process_left_is_withdrawn(world: Registry, virtuoso_engine: Engine) -> None:
    """A graph granted by one process and then no longer public is withdrawn by another process's first view."""
    stale = world.iris.submission("STALE-v1")
    store = world.store
    assert isinstance(store, RemoteStore)
    store.add_to_graph(stale, [Triple(NamedNode(stale + "/obs"), NamedNode(MP + "obsValue"), Literal("777001"))])
    view = list(world.public_view().graphs)
    store.expose_public([*view, stale])
    query = f"SELECT ?v FROM <{stale}> WHERE {{ ?s <{MP}obsValue> ?v }}"
    assert "777001" in _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, query)
    other = open_registry(engine_settings(virtuoso_engine), maintain=False)  # another worker: it granted nothing
    try:
        assert isinstance(other.store, RemoteStore)
        other.store.expose_public(view)
        assert "777001" not in _as(virtuoso_engine, PUBLIC_USER, PUBLIC_PASSWORD, query)
    finally:
        other.close()
        store.drop_graph(stale)
        store.expose_public(view)


def test_the_unauthenticated_endpoint_reads_nothing(world: Registry, virtuoso_engine: Engine) -> None:
    """With graph-level security on, Virtuoso's anonymous /sparql (reachable by anyone who reaches the engine)
    reads no graph at all."""
    anonymous = virtuoso_engine.update_url.removesuffix("-auth")
    answer = httpx.post(anonymous, data={"query": f"SELECT ?v WHERE {{ ?s <{MP}obsValue> ?v }}"},
                        headers={"Accept": RESULTS}, timeout=60)
    assert answer.status_code == 200 and answer.json()["results"]["bindings"] == []


def test_an_engine_without_users_refuses_the_public_user(oxigraph_engine: Engine) -> None:
    with pytest.raises(StoreError, match="graph-level security") as refused:
        remote_store(oxigraph_engine.query_url, oxigraph_engine.update_url, oxigraph_engine.gsp_url,
                     public_user=PUBLIC_USER, public_password=PUBLIC_PASSWORD)
    assert refused.value.details["variable"] == "MPR_STORE_PUBLIC_USER"
    assert PUBLIC_PASSWORD not in str(refused.value)


def test_the_public_user_setting_needs_its_password_and_a_server(tmp_path: Path) -> None:
    with pytest.raises(BadSetting, match="go together"):
        make_settings(tmp_path, store_public_user=PUBLIC_USER)
    with pytest.raises(BadSetting, match="MPR_STORE=sparql"):
        make_settings(tmp_path, store_public_user=PUBLIC_USER, store_public_password=PUBLIC_PASSWORD)
