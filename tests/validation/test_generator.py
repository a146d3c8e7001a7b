"""The generated shapes follow the ontology, and --check notices when they do not (DESIGN §5)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import rdflib

from api.validation.shape_generator import generate, out_of_date, write
from tests.validation.conftest import ONTOLOGY, REPO, SHAPES

FIXTURE_INDICATOR = """
@prefix mp: <https://w3id.org/migration-profile/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/migration-profile/indicator/TEST_CNT> a mp:Indicator, skos:Concept ;
    skos:inScheme mp:IndicatorScheme ; skos:notation "TEST_CNT" ; skos:prefLabel "Test count"@en ;
    mp:unit <https://w3id.org/migration-profile/code/unit/PS> ; mp:isCount true ;
    mp:minValue "0"^^xsd:decimal ; mp:maxValue "1000"^^xsd:decimal ; mp:breakdown mp:sex .
"""


def test_committed_generated_shapes_are_up_to_date() -> None:
    assert out_of_date(ONTOLOGY, SHAPES) == [], "run scripts/generate_shapes.py"


def test_check_reports_stale_shapes_after_an_ontology_change(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shapes = tmp_path / "shapes"
    shutil.copytree(ONTOLOGY, ontology)
    write(ontology, shapes)
    script = [sys.executable, str(REPO / "scripts" / "generate_shapes.py"), "--ontology", str(ontology),
              "--shapes", str(shapes), "--check"]
    assert subprocess.run(script, capture_output=True, text=True).returncode == 0
    (ontology / "test-indicator.ttl").write_text(FIXTURE_INDICATOR, encoding="utf-8")
    run = subprocess.run(script, capture_output=True, text=True)
    assert run.returncode == 1
    assert "indicators.generated.ttl is out of date" in run.stderr
    assert out_of_date(ontology, shapes) == ["codes.generated.ttl", "indicators.generated.ttl"]


def test_an_indicator_becomes_a_targeted_shape(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, ontology)
    (ontology / "test-indicator.ttl").write_text(FIXTURE_INDICATOR, encoding="utf-8")
    graph = rdflib.Graph().parse(data=generate(ontology)["indicators.generated.ttl"], format="turtle")
    sh = rdflib.SH
    shape = "https://w3id.org/migration-profile/shape/indicator-TEST_CNT"
    target = rdflib.URIRef("https://w3id.org/migration-profile/indicator/TEST_CNT#Observation")
    targeted = set(graph.subjects(sh.targetClass, target))
    suffixes = ("OBS_VALUE", "UNIT_MEASURE", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS", "disclosure")
    assert targeted == {rdflib.URIRef(f"{shape}-{s}") for s in suffixes}
    assert int(graph.value(rdflib.URIRef(shape + "-OBS_VALUE"), sh.maxInclusive)) == 1000  # type: ignore[arg-type]
    assert str(graph.value(rdflib.URIRef(shape + "-UNIT_MEASURE"), sh.hasValue)).endswith("/unit/PS")
    age = graph.value(rdflib.URIRef(shape + "-AGE"), sh.hasValue)
    assert str(age) == "https://w3id.org/migration-profile/code/age/_Z"
    assert graph.value(rdflib.URIRef(shape + "-SEX"), sh["not"]) is not None
    assert graph.value(rdflib.URIRef(shape + "-SEX"), sh.hasValue) is None
    assert (rdflib.URIRef(shape + "-disclosure"), sh["or"], None) in graph


def test_closed_shape_allows_every_property_the_shapes_check() -> None:
    """mps:Observation lists the allowed properties as sh:ignoredProperties: they must match the paths."""
    graph = rdflib.Graph()
    for path in SHAPES.glob("*.ttl"):
        graph.parse(path, format="turtle")
    sh = rdflib.SH
    observation = rdflib.URIRef("https://w3id.org/migration-profile/shape/Observation")
    allowed = set(rdflib.collection.Collection(graph, graph.value(observation, sh.ignoredProperties)))
    qb_observation = rdflib.URIRef("http://purl.org/linked-data/cube#Observation")
    paths = {graph.value(s, sh.path) for s in graph.subjects(sh.targetClass, qb_observation)} - {None}
    assert paths | {rdflib.RDF.type} == allowed
    assert len(paths) == 19


def test_code_lists_come_from_the_ontology() -> None:
    graph = rdflib.Graph().parse(data=generate(ONTOLOGY)["codes.generated.ttl"], format="turtle")
    sex = graph.value(rdflib.URIRef("https://w3id.org/migration-profile/shape/Observation-SEX"), rdflib.SH["in"])
    codes = [str(c).rsplit("/", 1)[-1] for c in rdflib.collection.Collection(graph, sex)]
    assert codes == ["F", "M", "_T", "_U", "_Z"]
