"""The VoID description at /.well-known/void (VoID §4, §6, §7.2): it parses, its statistics match the
store's public view, and it points at the SPARQL endpoint, the downloads and the URI spaces."""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import NamedNode
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from tests.linked_data.conftest import EMBARGOED_DATASET, WDI_DATASET, LinkedWorld

VOID = Namespace("http://rdfs.org/ns/void#")
W3ID = "https://w3id.org/migration-profile/"


_TRIPLES: dict[str, frozenset[tuple[object, object, object]]] = {}


def _counts(world: LinkedWorld, graphs: tuple[str, ...] | list[str]) -> tuple[int, int]:
    """Distinct triples and distinct IRI subjects of the graphs' merge, read from the store copy."""
    for g in graphs:
        if g not in _TRIPLES:
            _TRIPLES[g] = frozenset((q.subject, q.predicate, q.object)
                                    for q in world.snapshot.quads_for_pattern(None, None, None, NamedNode(g)))
    triples = frozenset().union(*(_TRIPLES[g] for g in graphs))
    return len(triples), len({s for s, _p, _o in triples if isinstance(s, NamedNode)})


@pytest.fixture(scope="module")
def void(linked: LinkedWorld) -> Graph:
    return Graph().parse(f"{linked.url}/.well-known/void")


def _int(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"{subject} has no {predicate}"
    return int(value)


def test_statistics_match_the_public_view(linked: LinkedWorld, void: Graph) -> None:
    doc = f"{linked.url}/.well-known/void"
    registry, vocabulary, data = URIRef(doc + "#registry"), URIRef(doc + "#vocabulary"), URIRef(doc + "#data")
    assert (registry, RDF.type, VOID.Dataset) in void
    assert {vocabulary, data} <= set(void.objects(registry, VOID.subset))
    for subject, graphs in ((registry, linked.public_graphs), (vocabulary, linked.public_graphs[:1]),
                            (data, linked.public_graphs[1:])):
        triples, entities = _counts(linked, graphs)
        assert _int(void, subject, VOID.triples) == triples > 0
        assert _int(void, subject, VOID.entities) == entities > 0
    for graph in linked.public_graphs[1:]:
        assert (data, VOID.subset, URIRef(graph)) in void
        assert _int(void, URIRef(graph), VOID.triples) == _counts(linked, [graph])[0]


def test_endpoint_downloads_vocabularies_and_uri_spaces(linked: LinkedWorld, void: Graph,
                                                        http: httpx.Client) -> None:
    doc = f"{linked.url}/.well-known/void"
    registry = URIRef(doc + "#registry")
    assert void.value(registry, VOID.sparqlEndpoint) == URIRef(f"{linked.url}/sparql")
    dumps = {str(o) for o in void.objects(None, VOID.dataDump)}
    assert any("/sdmx/" in d for d in dumps)
    assert f"{linked.url}/api/datasets/{WDI_DATASET}/rdf" in dumps
    for dump in dumps:
        with http.stream("GET", dump[len(linked.url):]) as response:
            assert response.status_code == 200, dump
    vocabularies = {str(o) for o in void.objects(registry, VOID.vocabulary)}
    assert {"http://purl.org/linked-data/cube#", "http://www.w3.org/2004/02/skos/core#", W3ID + "def#",
            "http://www.w3.org/ns/prov#"} <= vocabularies
    spaces = {str(o) for o in void.objects(None, VOID.uriSpace)}
    assert spaces == {W3ID, f"{linked.url}/id/"}
    assert void.value(URIRef(doc + "#vocabulary"), VOID.rootResource) == URIRef(W3ID + "def")
    assert (URIRef(doc), RDF.type, VOID.DatasetDescription) in void
    assert void.value(registry, DCTERMS.title) is not None


def test_void_is_negotiable_and_says_nothing_of_embargoed_data(http: httpx.Client) -> None:
    page = http.get("/.well-known/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "void:triples" in page.text or "triples" in page.text
    for fmt, parser in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        response = http.get("/.well-known/void", params={"format": fmt})
        assert len(Graph().parse(data=response.content, format=parser)) > 20
        assert EMBARGOED_DATASET not in response.text
    assert EMBARGOED_DATASET not in page.text
