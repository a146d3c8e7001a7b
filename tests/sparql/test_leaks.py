"""The leak suite for /sparql: the confidential observation's restricted graph and the embargoed submission
are unreachable through GRAPH, FROM, FROM NAMED, the protocol's dataset parameters, DESCRIBE or a search;
an agency's token (its own, another's, an admin's) changes nothing: SPARQL shows the public view only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import WorldEngines
from tests.read.test_agency_view import CONFIDENTIAL, HIDDEN, AgencyWorld, auth, make_agency_world
from tests.sparql.conftest import EMBARGOED_DATASET, EMBARGOED_VALUE, SECRET_VALUE, SparqlServer

MP = "https://w3id.org/migration-profile/def#"
AREA = "https://w3id.org/migration-profile/code/area/"
SECRETS = (SECRET_VALUE, EMBARGOED_VALUE, EMBARGOED_DATASET, "/restricted", "/graph/registry")


def _queries(server: SparqlServer) -> list[tuple[str, dict[str, str]]]:
    restricted, embargoed = server.restricted_graph, server.embargoed_graph
    return [
        (f"SELECT ?g ?s ?o WHERE {{ GRAPH ?g {{ ?s <{MP}obsValue> ?o }} }}", {}),
        (f"SELECT ?g ?s ?o WHERE {{ GRAPH ?g {{ ?s <{MP}refArea> ?o FILTER(?o != <{AREA}DEU>) }} }} LIMIT 40000",
         {}),
        (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{restricted}> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{embargoed}> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT ?s ?p ?o FROM <{restricted}> FROM <{embargoed}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT ?g ?s ?o FROM NAMED <{restricted}> FROM NAMED <{embargoed}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
         {}),
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"default-graph-uri": restricted}),
        ("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": embargoed}),
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"default-graph-uri": embargoed, "named-graph-uri": restricted}),
        (f'SELECT ?s WHERE {{ ?s <{MP}obsValue> ?v FILTER(STR(?v) IN ("{SECRET_VALUE}", "{EMBARGOED_VALUE}")) }}',
         {}),
        (f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?s), '{EMBARGOED_DATASET}')) }}", {}),
        ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", {}),
        ("SELECT (COUNT(DISTINCT ?g) AS ?n) ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
        (f"DESCRIBE <{embargoed}>", {}),
        (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{restricted}> {{ ?s ?p ?o }} }}", {}),
    ]


def test_no_trick_reaches_the_secrets(sparql_server: SparqlServer) -> None:
    for query, params in _queries(sparql_server):
        response = httpx.get(sparql_server.endpoint, params={"query": query, **params}, timeout=60,
                             headers={"Accept": "text/csv, text/turtle;q=0.5"})
        assert response.status_code == 200, (query, response.text[:300])  # a whole answer, not a refusal
        for secret in SECRETS:
            assert secret not in response.text, (query, secret)


def test_the_public_neighbours_are_there(sparql_server: SparqlServer) -> None:
    graphs = httpx.get(sparql_server.endpoint, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
                       headers={"Accept": "text/csv"}).text
    assert sparql_server.public_graph in graphs and "graph/vocabulary" in graphs
    deu = httpx.get(sparql_server.endpoint, params={
        "query": f'SELECT ?v WHERE {{ ?s <{MP}refArea> <https://w3id.org/migration-profile/code/area/DEU> ; '
                 f'<{MP}indicator> <https://w3id.org/migration-profile/indicator/STK_IMM> ; <{MP}obsValue> ?v }}'},
        headers={"Accept": "text/csv"}).text
    assert "15762457" in deu


@pytest.mark.parametrize("graph_param", ["default-graph-uri", "named-graph-uri"])
def test_a_restricted_graph_looks_like_an_unknown_one(sparql_server: SparqlServer, graph_param: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    restricted = httpx.get(sparql_server.endpoint, params={"query": query, graph_param: sparql_server.restricted_graph})
    unknown = httpx.get(sparql_server.endpoint, params={"query": query, graph_param: "http://registry.test/nothing"})
    assert restricted.status_code == unknown.status_code == 200 and restricted.json() == unknown.json()


@pytest.fixture(scope="module")
def agency_world(world_engines: WorldEngines) -> Iterator[AgencyWorld]:
    with world_engines.world() as engine:
        world = make_agency_world(engine)
        yield world
        world.registry.close()


def test_no_token_opens_an_agency_s_graphs(agency_world: AgencyWorld) -> None:
    """SPARQL is public-only: the owner's token (which does show its secrets on /api/observations), another
    agency's, an admin's or none, every trick answers the same public data."""
    client, tokens, base = agency_world.client, agency_world.tokens, agency_world.registry.iris.base
    owner = auth(tokens["DESTATIS"])
    assert CONFIDENTIAL in client.get("/api/observations", headers=owner).text
    server = SparqlServer("", "/sparql", base, f"{base}/id/submission/DEU_STOCK-v1/restricted",
                          f"{base}/id/submission/DEU_EMB-v1", f"{base}/id/submission/DEU_STOCK-v1")
    for query, params in _queries(server):
        answers = set()
        for headers in (owner, auth(tokens["MPR_ADMIN"]), auth(tokens["UNHCR"]), {}):
            response = client.get("/sparql", params={"query": query, **params},
                                   headers={**headers, "Accept": "text/csv, text/turtle;q=0.5"})
            assert response.status_code == 200, (query, response.text[:300])
            for secret in (*HIDDEN, "DEU_EMB", "DEU_REV-v2", "/restricted", "/graph/registry"):
                assert secret not in response.text, (query, secret)
            answers.add(response.text)
        assert len(answers) == 1, query  # the same answer whoever asks
