"""Every IRI the registry mints resolves: rdflib fetches it by content negotiation from the live server and
gets exactly what the public view holds about it (W3C Cool URIs for the Semantic Web §4)."""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import NamedNode
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from tests.linked_data.conftest import (
    KEY,
    PUBLIC_DATASET,
    WDI_DATASET,
    LinkedWorld,
    expected,
    vocabulary_terms,
)

W3ID = "https://w3id.org/migration-profile/"
VOCABULARY_GRAPH = W3ID + "graph/vocabulary"


def _same(got: Graph, want: Graph) -> None:
    assert len(want) > 0, "the store holds nothing about this IRI: the test would prove nothing"
    if set(got) != set(want):
        _both, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        raise AssertionError(f"served but not stored:\n{only_got.serialize(format='nt')}\n"
                             f"stored but not served:\n{only_want.serialize(format='nt')}")


def _first_observation(world: LinkedWorld, graph: str) -> str:
    qb_dataset = NamedNode("http://purl.org/linked-data/cube#dataSet")
    quad = next(iter(world.snapshot.quads_for_pattern(None, qb_dataset, NamedNode(graph), NamedNode(graph))))
    return quad.subject.value


def test_rdflib_dereferences_a_dataset(linked: LinkedWorld) -> None:
    iri = f"{linked.url}/id/dataset/{WDI_DATASET}"
    _same(Graph().parse(iri), expected(linked, iri, [linked.registry_graph]))


@pytest.mark.parametrize("dataset", [WDI_DATASET, PUBLIC_DATASET])
def test_rdflib_dereferences_a_submission(linked: LinkedWorld, dataset: str) -> None:
    iri = f"{linked.url}/id/submission/{dataset}-v1"
    assert iri in linked.public_graphs
    _same(Graph().parse(iri), expected(linked, iri, [iri]))


def test_rdflib_dereferences_observations(linked: LinkedWorld) -> None:
    wdi = f"{linked.url}/id/submission/{WDI_DATASET}-v1"
    national = f"{linked.url}/id/submission/{PUBLIC_DATASET}-v1"
    for graph, iri in ((wdi, _first_observation(linked, wdi)),
                       (national, f"{linked.url}/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='DEU')}/2020")):
        _same(Graph().parse(iri), expected(linked, iri, [graph]))


@pytest.mark.parametrize("iri", [W3ID + "indicator/STK_IMM", W3ID + "indicator/FLW_NET", W3ID + "code/area/DEU",
                                 W3ID + "code/sex/F", W3ID + "code/sex", VOCABULARY_GRAPH])
def test_rdflib_dereferences_vocabulary_iris_here(linked: LinkedWorld, iri: str) -> None:
    _same(Graph().parse(linked.path(iri)), expected(linked, iri, [VOCABULARY_GRAPH]))


def test_rdflib_dereferences_the_hash_namespace_document(linked: LinkedWorld) -> None:
    """def#Indicator is fetched as /def (the fragment never reaches the server): every def# term is there."""
    got = Graph().parse(linked.path(W3ID + "def#Indicator").split("#")[0])
    _same(got, vocabulary_terms(linked))
    assert any(str(s) == W3ID + "def#Indicator" for s in got.subjects())


def test_agencies_and_activities_resolve_files_stay_private(linked: LinkedWorld, http: httpx.Client) -> None:
    submission = f"{linked.url}/id/submission/{PUBLIC_DATASET}-v1"
    described = Graph().parse(submission)
    prov = "http://www.w3.org/ns/prov#"
    for predicate in ("wasAttributedTo", "wasGeneratedBy"):
        (target,) = [str(o) for o in described.objects(predicate=URIRef(prov + predicate))]
        assert target.startswith(f"{linked.url}/id/")
        _same(Graph().parse(target), expected(linked, target, linked.public_graphs[1:]))
    # The uploaded file (its name, SHA-256 and size) is described for its agency only, so its IRI is not found.
    assert not list(described.objects(predicate=URIRef(prov + "wasDerivedFrom")))
    files = [q.object.value for q in linked.snapshot.quads_for_pattern(None, NamedNode(prov + "wasDerivedFrom"), None)]
    assert files and all(http.get(f.replace(linked.url, "")).status_code == 404 for f in files)


def test_percent_encoding_variants_name_the_same_iri(linked: LinkedWorld, http: httpx.Client) -> None:
    plain = http.get("/indicator/STK_IMM", headers={"Accept": "application/n-triples"})
    encoded = http.get("/indicator/STK%5FIMM", headers={"Accept": "application/n-triples"})
    assert plain.status_code == encoded.status_code == 200
    assert plain.content == encoded.content


def test_rdflib_default_accept_header_gets_turtle(linked: LinkedWorld, http: httpx.Client) -> None:
    """rdflib asks for every media type it can parse, all at q=1: the tie goes to Turtle."""
    from rdflib.parser import Parser
    from rdflib.plugin import plugins

    accept = ", ".join(p.name for p in plugins(kind=Parser) if "/" in p.name)
    assert "text/turtle" in accept and "application/rdf+xml" in accept
    response = http.get(f"/id/dataset/{WDI_DATASET}", headers={"Accept": accept})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
