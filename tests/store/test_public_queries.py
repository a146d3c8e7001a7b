"""Public queries on a SPARQL server never pile up on the engine (api/store/public_queries.py): at most
``public_queries`` of one store object run there at once, one given up on by the time limit keeps its place until
the engine ends it, and an engine's own time-limit answer (Oxigraph's ``--timeout-s``, Virtuoso's anytime
``timeout``) is a time limit, never taken for an answer."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pyoxigraph import NamedNode, Triple

from api.errors import StoreError
from api.store.public_queries import EngineStopped
from api.store.remote import remote_store
from api.store.remote_store import RemoteStore
from api.store.virtuoso_store import VirtuosoStore
from tests import engines
from tests.engines import Engine

GRAPH = "http://registry.test/id/submission/PUBLIC_QUERIES-v1"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 2,000 triples cubed: hours
SLOW_GRAPH = "CONSTRUCT { ?a ?b ?g } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUICK = "ASK { ?s ?p ?o }"
OWN_LIMIT_S = 3  # the server-wide --timeout-s of the server one test starts


def _filled(engine: Engine, public_queries: int) -> RemoteStore:
    store = remote_store(engine.query_url, engine.update_url, engine.gsp_url, user=engine.user,
                         password=engine.password, public_queries=public_queries)
    store.load_new_graph(GRAPH, (Triple(NamedNode(f"http://registry.test/s{i}"), NamedNode("http://registry.test/p"),
                                        NamedNode(f"http://registry.test/o{i}")) for i in range(2000)))
    return store


def _public(store: RemoteStore, query: str, timeout_s: float, form: str = "results") -> object:
    return store.public_query(query, [GRAPH], [GRAPH], form, timeout_s)


def _eventually(condition: Callable[[], bool], within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _outcome(store: RemoteStore, query: str, timeout_s: float) -> str:
    try:
        return repr(_public(store, query, timeout_s))
    except EngineStopped:
        return "stopped by the engine"
    except TimeoutError as exc:
        return "could not start" if "could start" in str(exc) else "given up on"


@pytest.fixture
def unlimited_oxigraph() -> Iterator[Engine]:
    """An Oxigraph server started without ``--timeout-s``: it runs a query until the query ends."""
    with engines.oxigraph_server() as engine:
        yield engine


@pytest.mark.server
def test_queries_given_up_on_keep_their_places_while_the_engine_runs_them(unlimited_oxigraph: Engine) -> None:
    """Four slow queries at once with two places: two run and are given up on at the limit, two never start; the
    two still run on the engine and keep their places for their hold (here three time limits), so the next public
    query cannot start either, while the registry's own reads are answered; after the hold it runs."""
    store = _filled(unlimited_oxigraph, public_queries=2)
    store.public_hold = 3
    try:
        with ThreadPoolExecutor(4) as pool:
            outcomes = Counter(pool.map(lambda _: _outcome(store, SLOW, 1), range(4)))
        assert outcomes == {"given up on": 2, "could not start": 2}
        assert store.public_running == 2
        assert _outcome(store, QUICK, 1) == "could not start"
        assert store.ask(QUICK) is True
        assert _outcome(store, QUICK, 10) == "True"  # it started when the first hold ended
        assert _eventually(lambda: store.public_running == 0, 10)  # the second hold ends a moment later
    finally:
        store.close()


@pytest.mark.server
def test_oxigraph_stopping_a_query_at_its_own_limit_is_a_time_limit() -> None:
    """A server run with ``--timeout-s`` cuts the slow query short (an answer ending in its cancellation message),
    which is a time limit, and the place is free at once for the next query."""
    with engines.oxigraph_server(OWN_LIMIT_S) as engine:
        store = _filled(engine, public_queries=1)
        try:
            assert _outcome(store, SLOW, OWN_LIMIT_S * 4) == "stopped by the engine"
            assert store.public_running == 0
            assert _public(store, QUICK, 5) is True
        finally:
            store.drop_graph(GRAPH)
            store.close()


@pytest.mark.server
def test_virtuoso_stops_public_queries_at_the_time_limit_and_no_partial_answer_passes(
        virtuoso_engine: Engine) -> None:
    """Each public query carries Virtuoso's anytime ``timeout``: Virtuoso stops it there and sends what it found
    so far (``X-SQL-State: S1TAT``), which is refused as a time limit, for results and for graphs alike."""
    store = _filled(virtuoso_engine, public_queries=1)
    try:
        assert _outcome(store, SLOW, 2) == "stopped by the engine"
        with pytest.raises(EngineStopped):
            _public(store, SLOW_GRAPH, 2, form="graph")
        assert store.public_running == 0
        assert _public(store, QUICK, 5) is True
    finally:
        store.drop_graph(GRAPH)
        store.close()


def test_a_partial_virtuoso_answer_to_the_registrys_own_query_is_an_error() -> None:
    """Should the server impose an anytime limit of its own, the part of an answer it sends (``X-SQL-State:
    S1TAT``) is never taken for the whole: the read fails, saying which setting to change."""
    def partial(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-SQL-State": "S1TAT", "Content-Type": "application/sparql-results+json"},
                              json={"head": {"vars": ["n"]}, "results": {"bindings": []}})

    store = VirtuosoStore("http://virtuoso.test/sparql", "http://virtuoso.test/sparql-auth")
    store._client = httpx.Client(transport=httpx.MockTransport(partial))
    with pytest.raises(StoreError, match="ExecutionTimeout"):
        store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
