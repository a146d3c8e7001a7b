"""The SPARQL engine gives exactly pyshacl's results on the registry's shapes (DESIGN §5)."""

from __future__ import annotations

from collections import Counter

import pytest
import rdflib

from api.model.submission import ParsedFile
from api.validation.engine import ShaclResult
from api.validation.pyshacl_engine import PyshaclEngine
from api.validation.sparql_engine import SparqlEngine, compile_shapes
from api.validation.validator import Validator, cube, shacl_data
from tests.validation.conftest import BASE, EXAMPLES, read_example, read_turtle
from tests.validation.synthetic import synthetic_records


def both(validator: Validator, data: list) -> tuple[list[ShaclResult], list[ShaclResult]]:  # type: ignore[type-arg]
    return PyshaclEngine().validate(data, validator.shapes), SparqlEngine().validate(data, validator.shapes)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".csv", ".ttl")))
def test_same_results_on_every_example(pyshacl_validator: Validator, name: str) -> None:
    if name.endswith(".ttl"):
        data = shacl_data(read_turtle(EXAMPLES / name))
    else:
        triples, _ = cube(read_example(name), "example", BASE)
        data = shacl_data(triples)
    reference, compiled = both(pyshacl_validator, data)
    assert compiled == reference


def test_same_results_on_a_thousand_observations_with_planted_errors(pyshacl_validator: Validator) -> None:
    parsed = ParsedFile(name="synthetic.csv", format="csv", records=synthetic_records(1000))
    triples, _ = cube(parsed, "synthetic", BASE)
    reference, compiled = both(pyshacl_validator, shacl_data(triples))
    assert compiled == reference
    components = Counter(r.component.rsplit("#", 1)[-1] for r in reference)
    # the planted errors exercise every kind of constraint the shapes use on observations
    for component in ("In", "Datatype", "MinInclusive", "MaxInclusive", "MinCount", "HasValue", "Not", "Or"):
        assert components[f"{component}ConstraintComponent"] > 0, components


def test_unsupported_constraint_is_refused_not_skipped() -> None:
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:minLength 2 ] .
    """, format="turtle")
    with pytest.raises(NotImplementedError):
        compile_shapes(shapes)


def test_literals_of_the_shapes_are_escaped_in_the_compiled_query() -> None:
    tricky = 'a" } UNION { ?f ?p ?v } #'
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:property <urn:s-p> .
    """, format="turtle")
    members = rdflib.BNode()
    rdflib.collection.Collection(shapes, members, [rdflib.Literal(tricky), rdflib.Literal("b")])
    shapes.add((rdflib.URIRef("urn:s-p"), rdflib.SH.path, rdflib.URIRef("urn:p")))
    shapes.add((rdflib.URIRef("urn:s-p"), rdflib.SH["in"], members))
    data = rdflib.Graph()
    for node, value in (("urn:o1", tricky), ("urn:o2", "c")):
        data.add((rdflib.URIRef(node), rdflib.RDF.type, rdflib.URIRef("urn:C")))
        data.add((rdflib.URIRef(node), rdflib.URIRef("urn:p"), rdflib.Literal(value)))
    reference = PyshaclEngine().validate(data, shapes)
    assert [r.focus for r in reference] == ["urn:o2"]
    assert SparqlEngine().validate(data, shapes) == reference


def test_only_the_branches_of_the_classes_in_the_data_are_run() -> None:
    """The whole UNION takes seconds to parse on any data; a store with instances of <urn:C> alone runs only the
    branches targeting <urn:C>, and finds what the whole query finds."""
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:property <urn:s-p> .
        <urn:s-p> sh:path <urn:p> ; sh:minCount 1 .
        <urn:t> a sh:NodeShape ; sh:targetClass <urn:D> ; sh:property <urn:t-q> .
        <urn:t-q> sh:path <urn:q> ; sh:minCount 1 .
    """, format="turtle")
    compiled = compile_shapes(shapes)
    assert compiled.targets == ("urn:C", "urn:D")
    only_c = compiled.query_for({"urn:C"})
    assert "<urn:C>" in only_c and "<urn:D>" not in only_c and "BIND(0 AS ?k)" in only_c
    assert "BIND(1 AS ?k)" in compiled.query_for({"urn:D"}) and "<urn:C>" not in compiled.query_for({"urn:D"})
    assert "FILTER(false)" in compiled.query_for(set())
    data = rdflib.Graph()
    data.add((rdflib.URIRef("urn:o1"), rdflib.RDF.type, rdflib.URIRef("urn:C")))
    data.add((rdflib.URIRef("urn:o2"), rdflib.RDF.type, rdflib.URIRef("urn:D")))
    found = SparqlEngine().validate(data, shapes)
    assert [(r.focus, r.path) for r in found] == [("urn:o1", "urn:p"), ("urn:o2", "urn:q")]
    assert found == PyshaclEngine().validate(data, shapes)
