"""Read-only, no SERVICE, syntax errors, the time limit and the row limit: clear 4xx/503, never a hang."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest

from tests.sparql.conftest import SparqlServer


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://registry.test/graph/registry>",
    "PREFIX ex: <http://x/> WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused(sparql_server: SparqlServer, query: str) -> None:
    for response in (httpx.get(sparql_server.endpoint, params={"query": query}),
                     httpx.post(sparql_server.endpoint, data={"update": query}),
                     httpx.post(sparql_server.endpoint, content=query,
                                headers={"Content-Type": "application/sparql-update"})):
        assert response.status_code == 400 and "read-only" in response.json()["error"]["message"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z . { OPTIONAL { SeRvIcE <http://127.0.0.1:9/> { ?s ?p ?o } } } } LIMIT 1",
])
def test_service_is_refused(sparql_server: SparqlServer, query: str) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": query})
    assert response.status_code == 400 and "SERVICE is not allowed" in response.json()["error"]["message"]


def test_keywords_inside_literals_and_comments_are_text(sparql_server: SparqlServer) -> None:
    query = ('# INSERT and SERVICE in a comment\nSELECT ("SERVICE <x> INSERT" AS ?t) (\'\'\'DROP\nALL\'\'\' AS ?u) '
             "WHERE {}")
    response = httpx.get(sparql_server.endpoint, params={"query": query})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["t"]["value"] == "SERVICE <x> INSERT"


def test_syntax_errors_are_400(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400 and "not valid SPARQL" in response.json()["error"]["message"]
    assert httpx.get(sparql_server.endpoint, params={"query": "   "}).status_code == 400
    assert httpx.post(sparql_server.endpoint, content=b"\xff\xfe",
                      headers={"Content-Type": "application/sparql-query"}).status_code == 400
    assert httpx.post(sparql_server.endpoint, content="x", headers={"Content-Type": "text/plain"}).status_code == 400


def test_a_slow_query_stops_at_the_time_limit_and_the_server_goes_on(sparql_server: SparqlServer) -> None:
    started = time.monotonic()
    slow = httpx.get(sparql_server.endpoint, timeout=60, params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    elapsed = time.monotonic() - started
    assert slow.status_code == 503 and "longer than 3 s" in slow.json()["error"]["message"]
    assert elapsed < 15
    after = httpx.get(sparql_server.endpoint, params={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_too_many_rows_is_413_with_advice(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=60)
    assert response.status_code == 413 and "LIMIT" in response.json()["error"]["message"]
    assert httpx.get(sparql_server.endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"}
                     ).status_code == 200


def test_slow_queries_at_once_never_pile_up(sparql_server: SparqlServer) -> None:
    """With every worker busy a request waits at most one time limit; then it runs or is told to retry."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: httpx.get(sparql_server.endpoint, params={"query": slow}, timeout=60),
                                range(3)))
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert time.monotonic() - started < 25
    assert httpx.get(sparql_server.endpoint, params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
