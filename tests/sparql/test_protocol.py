"""The SPARQL 1.1 Protocol at /sparql with real clients: SPARQLWrapper, rdflib's SPARQLStore and an Oxigraph
server federating to it; every results format; negotiation; the service description."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.live_server import free_port
from tests.read.conftest import wdi_cells
from tests.sparql.conftest import SparqlServer

NETM = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
SERIES = ('PREFIX mp: <https://w3id.org/migration-profile/def#> SELECT ?period ?value WHERE { '
          '?obs mp:seriesKey "A.DEU.FLW_NET._Z._T._Z._Z" ; mp:timePeriod ?period ; mp:obsValue ?value } '
          "ORDER BY ?period")


def _source(shared_data: Path) -> dict[str, Decimal]:
    return {year: Decimal(cell) for year, cell in wdi_cells(shared_data, NETM, "DEU").items()}


def test_sparqlwrapper_reads_the_source_figures(sparql_server: SparqlServer, shared_data: Path) -> None:
    client = SPARQLWrapper(sparql_server.endpoint)
    client.setQuery(SERIES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert {r["period"]["value"]: Decimal(r["value"]["value"]) for r in rows} == _source(shared_data)


def test_rdflib_sparqlstore_gets_the_same_rows(sparql_server: SparqlServer, shared_data: Path) -> None:
    graph = rdflib.Graph(store=SPARQLStore(sparql_server.endpoint, returnFormat="json"))
    rows = {str(r[0]): Decimal(str(r[1])) for r in graph.query(SERIES)}  # type: ignore[index]
    assert rows == _source(shared_data)




def test_an_oxigraph_server_federates_to_us_with_service(sparql_server: SparqlServer, tmp_path: Path,
                                                        shared_data: Path) -> None:
    port = free_port()
    binary = Path(sys.executable).parent / "oxigraph"
    process = subprocess.Popen([str(binary), "serve", "--location", str(tmp_path / "ox"), "--bind",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        query = SERIES.replace("SELECT ?period ?value WHERE {",
                               f"SELECT ?period ?value WHERE {{ SERVICE <{sparql_server.endpoint}> {{") + "}"
        query = query.replace("} ORDER BY ?period}", "} } ORDER BY ?period")
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/query", content=query, timeout=60, headers={
                    "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200, response.text
        rows = response.json()["results"]["bindings"]
        assert {r["period"]["value"]: Decimal(r["value"]["value"]) for r in rows} == _source(shared_data)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize(("accept", "fmt", "media"), [
    (None, None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("application/json;q=0.5, text/csv", None, "text/csv"),
    ("text/html", "tsv", "text/tab-separated-values"),
    ("*/*", None, "application/sparql-results+json"),
])
def test_select_results_in_every_format(sparql_server: SparqlServer, accept: str | None, fmt: str | None,
                                        media: str) -> None:
    params = {"query": SERIES + " LIMIT 3", **({"format": fmt} if fmt else {})}
    response = httpx.get(sparql_server.endpoint, params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    text = response.text
    if media.endswith("json"):
        periods = [b["period"]["value"] for b in json.loads(text)["results"]["bindings"]]
    elif media.endswith("xml"):
        periods = [n.text for n in __import__("lxml.etree").etree.fromstring(response.content).iter(
            "{http://www.w3.org/2005/sparql-results#}literal")][::2]
    elif media == "text/csv":
        periods = [r["period"] for r in csv.DictReader(io.StringIO(text))]
    else:
        lines = text.strip().split("\n")
        assert lines[0] == "?period\t?value"
        periods = [line.split("\t")[0].split('"')[1] for line in lines[1:]]
    assert periods == ["1960", "1961", "1962"]


def test_construct_in_every_rdf_format_and_406(sparql_server: SparqlServer) -> None:
    query = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o ; <https://w3id.org/migration-profile/def#seriesKey> "
             '"A.DEU.FLW_NET._Z._T._Z._Z" }')
    sizes = set()
    for accept, rdf_format in (("text/turtle", "turtle"), ("application/n-triples", "nt"),
                               ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")):
        response = httpx.get(sparql_server.endpoint, params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        sizes.add(len(rdflib.Graph().parse(data=response.text, format=rdf_format)))
    assert len(sizes) == 1 and sizes.pop() > 100
    refused = httpx.get(sparql_server.endpoint, params={"query": query}, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/turtle" in refused.json()["error"]["message"]
    ask = httpx.get(sparql_server.endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
    assert ask.status_code == 406


def test_post_form_and_direct_and_the_dataset_parameters(sparql_server: SparqlServer) -> None:
    direct = httpx.post(sparql_server.endpoint, content=SERIES + " LIMIT 2",
                        headers={"Content-Type": "application/sparql-query"})
    form = httpx.post(sparql_server.endpoint, data={"query": SERIES + " LIMIT 2"})
    assert direct.status_code == form.status_code == 200 and direct.json() == form.json()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def number(**params: object) -> int:
        response = httpx.get(sparql_server.endpoint, params={"query": count, **params})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    everything = number()
    only_one = number(**{"default-graph-uri": sparql_server.public_graph})
    assert 0 < only_one < everything
    from_clause = httpx.get(sparql_server.endpoint, params={
        "query": f"SELECT (COUNT(*) AS ?n) FROM <{sparql_server.public_graph}> WHERE {{ ?s ?p ?o }}"}).json()
    assert int(from_clause["results"]["bindings"][0]["n"]["value"]) == only_one


def test_service_description_and_form(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert str(graph.value(service, sd.endpoint)) == sparql_server.endpoint
    page = httpx.get(sparql_server.endpoint, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "<textarea" in page.text
