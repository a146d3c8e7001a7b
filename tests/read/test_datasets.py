"""/api/datasets: the DCAT catalogue in JSON and JSON-LD, and each dataset's RDF download."""

from __future__ import annotations

import json

import rdflib
from fastapi.testclient import TestClient

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def test_catalogue_lists_public_datasets_with_coverage_and_distributions(client: TestClient) -> None:
    found = {d["id"]: d for d in client.get("/api/datasets").json()}
    assert set(found) == {"WB_WDI_SM_POP_NETM", "WB_WDI_SP_POP_TOTL", "NSO_DEU_STOCK", "NSO_FRA_STOCK"}
    deu = found["NSO_DEU_STOCK"]
    assert (deu["agency"], deu["observations"], deu["areas"], deu["definition_basis"]) == (
        "DESTATIS", 4, ["DEU"], "foreign-born")  # the confidential AND row is not counted
    media = {d["media_type"] for d in deu["distributions"]}
    assert {"application/json", "text/csv", "application/n-triples"} <= media
    csv_link = next(d["access_url"] for d in deu["distributions"] if d["media_type"] == "text/csv")
    assert client.get(csv_link).text.count("\n") == 5  # header + 4 observations
    one = client.get("/api/datasets/NSO_DEU_STOCK").json()
    assert one == deu
    assert client.get("/api/datasets/NOPE").status_code == 404


def test_json_ld_is_dcat(client: TestClient) -> None:
    response = client.get("/api/datasets", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    datasets = set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert len(datasets) == 4
    titles = {str(graph.value(d, DCT.identifier)) for d in datasets}
    assert "NSO_FRA_STOCK" in titles
    single = client.get("/api/datasets/NSO_FRA_STOCK", params={"format": "jsonld"})
    assert json.loads(single.text)["dct:identifier"] == "NSO_FRA_STOCK"


def test_rdf_download_holds_the_public_graph(client: TestClient) -> None:
    nt = client.get("/api/datasets/NSO_DEU_STOCK/rdf")
    assert nt.headers["content-type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=nt.text, format="nt")
    qb = rdflib.Namespace("http://purl.org/linked-data/cube#")
    assert len(set(graph.subjects(rdflib.RDF.type, qb.Observation))) == 4
    turtle = client.get("/api/datasets/NSO_DEU_STOCK/rdf", headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == len(graph)
    assert client.get("/api/datasets/NSO_DEU_STOCK/rdf", params={"format": "pdf"}).status_code == 400
