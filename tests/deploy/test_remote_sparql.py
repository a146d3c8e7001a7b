"""/sparql on a SPARQL server (MPR_STORE=sparql) and between registries (MPR_SPARQL_PEERS).

On a server the public dataset is named in the request itself (Protocol §2.1.4: default-graph-uri and
named-graph-uri), so the engine evaluates the query over public graphs only; the endpoint's checks run in front.
Federation: SERVICE only to the exact URLs of peer registries, joined on the shared vocabulary IRIs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.services.registry import Registry, open_registry
from api.web.app import create_app
from tests.conftest import emptied, engine_settings, make_settings
from tests.engines import Engine
from tests.live_server import serving
from tests.read.conftest import EMBARGOED_DATASET, EMBARGOED_VALUE, SECRET_VALUE, _submit, row
from tests.services.samples import write

pytestmark = pytest.mark.server
CSV = {"Accept": "text/csv"}


@pytest.fixture(scope="module")
def remote_registry(oxigraph_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry on Oxigraph server: public DEU figures, a confidential cell, an embargoed submission."""
    folder = tmp_path_factory.mktemp("remote-sparql")
    registry = open_registry(engine_settings(emptied(oxigraph_engine)))
    _submit(registry, write(folder / "deu.csv", row("DEU", "2020", "15762457"),
                            row("AND", "2020", SECRET_VALUE, conf="C")), "NSO_DEU_STOCK", "DESTATIS", "foreign-born")
    _submit(registry, write(folder / "prt.csv", row("PRT", "2020", EMBARGOED_VALUE)), EMBARGOED_DATASET, "INE",
            "foreign-born", release=datetime.now(UTC) + timedelta(days=365))
    yield registry
    registry.close()


@pytest.fixture(scope="module")
def client(remote_registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(remote_registry)) as test_client:
        yield test_client


def _ask(client: TestClient, query: str, **params: str) -> str:
    answer = client.post("/sparql", data={"query": query, **params}, headers=CSV)
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize("query", [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s ?p ?o FROM <http://registry.test/id/submission/NSO_DEU_STOCK-v1/restricted> WHERE { ?s ?p ?o }",
    "SELECT ?s ?p ?o WHERE { GRAPH <http://registry.test/graph/registry> { ?s ?p ?o } }",
])
def test_the_server_answers_only_from_public_graphs(client: TestClient, query: str) -> None:
    text = _ask(client, query)
    assert SECRET_VALUE not in text
    assert EMBARGOED_VALUE not in text
    assert "/restricted" not in text and "/report" not in text and "storeGeneration" not in text


def test_counts_cover_the_public_view_only(client: TestClient, remote_registry: Registry) -> None:
    public = remote_registry.public_graphs()
    expected = remote_registry.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=public)
    counted = _ask(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").splitlines()[1]
    assert counted == expected[0]["n"].value  # type: ignore[union-attr]
    everything = remote_registry.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(everything[0]["n"].value) > int(counted)  # type: ignore[union-attr]  # the server holds more


def test_the_public_figure_is_answered(client: TestClient) -> None:
    assert "15762457" in _ask(client, 'PREFIX mp: <https://w3id.org/migration-profile/def#> '
                                      'SELECT ?v WHERE { ?o mp:obsValue ?v }')


def test_service_is_refused_without_peers(client: TestClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    answer = client.post("/sparql", data={"query": query})
    assert answer.status_code == 400
    assert "SERVICE is not allowed" in answer.text


# -- two registries, one query ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_registries(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[tuple[str, str]]:
    """Registry A (base http://a.test: DEU stocks) and registry B (base http://b.test: FRA stocks), each its own
    store; B lists A's /sparql as its one peer."""
    folder = tmp_path_factory.mktemp("federation")
    urls = []
    for name, area, value in (("a", "DEU", "15762457"), ("b", "FRA", "8524876")):
        settings = replace(make_settings(folder / name), base_iri=f"http://{name}.test")
        registry = open_registry(settings)
        _submit(registry, write(folder / f"{name}.csv", row(area, "2020", value)), f"NSO_{area}_STOCK",
                "DESTATIS" if area == "DEU" else "INSEE", "foreign-born")
        registry.close()
        urls.append(settings)
    with ExitStack() as stack:
        a = stack.enter_context(serving({"MPR_DATA": str(urls[0].data_dir), "MPR_BASE_IRI": "http://a.test",
                                         "MPR_SOURCES": str(shared_data)}, log=folder / "a.log"))
        b = stack.enter_context(serving({"MPR_DATA": str(urls[1].data_dir), "MPR_BASE_IRI": "http://b.test",
                                         "MPR_SOURCES": str(shared_data), "MPR_SPARQL_PEERS": f"{a}/sparql",
                                         "MPR_SPARQL_TIMEOUT": "20"}, log=folder / "b.log"))
        yield a, b


FEDERATED = """PREFIX mp: <https://w3id.org/migration-profile/def#>
SELECT ?area ?value ?where WHERE {
  { ?o mp:indicator ?indicator ; mp:refArea ?area ; mp:obsValue ?value . BIND ("here" AS ?where) }
  UNION
  { SERVICE <%s/sparql> { ?r mp:indicator ?indicator ; mp:refArea ?area ; mp:obsValue ?value } BIND ("peer" AS ?where) }
  FILTER (?indicator = <https://w3id.org/migration-profile/indicator/STK_IMM>)
} ORDER BY ?area"""


def test_two_registries_answer_one_query_joined_on_the_vocabulary(two_registries: tuple[str, str]) -> None:
    a, b = two_registries
    answer = httpx.post(f"{b}/sparql", data={"query": FEDERATED % a}, headers=CSV, timeout=60)
    assert answer.status_code == 200, answer.text
    lines = answer.text.splitlines()[1:]
    assert any("area/DEU" in line and "15762457" in line and "peer" in line for line in lines), lines
    assert any("area/FRA" in line and "8524876" in line and "here" in line for line in lines), lines


def test_a_join_on_the_shared_indicator_iri_across_registries(two_registries: tuple[str, str]) -> None:
    a, b = two_registries
    query = ("PREFIX mp: <https://w3id.org/migration-profile/def#>\n"
             "SELECT ?here ?there WHERE { ?o mp:indicator ?i ; mp:obsValue ?here . "
             f"SERVICE <{a}/sparql> {{ ?r mp:indicator ?i ; mp:obsValue ?there }} }}")
    answer = httpx.post(f"{b}/sparql", data={"query": query}, headers=CSV, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.text.splitlines()[1:] == ["8524876,15762457"]


@pytest.mark.parametrize("service", [
    "SERVICE <http://127.0.0.1:1/sparql>",  # not a peer
    "SERVICE ?endpoint",  # a variable may name any host
    "SERVICE SILENT <http://127.0.0.1:1/sparql>",
])
def test_only_the_exact_peer_urls_are_allowed(two_registries: tuple[str, str], service: str) -> None:
    _, b = two_registries
    answer = httpx.post(f"{b}/sparql", data={"query": f"SELECT * WHERE {{ {service} {{ ?s ?p ?o }} }}"}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "exact URL of a peer registry" in answer.text


def test_a_peer_url_with_another_path_is_not_the_peer(two_registries: tuple[str, str]) -> None:
    a, b = two_registries
    query = f"SELECT * WHERE {{ SERVICE <{a}/sparql/../api> {{ ?s ?p ?o }} }}"
    assert httpx.post(f"{b}/sparql", data={"query": query}, timeout=30).status_code == 400
