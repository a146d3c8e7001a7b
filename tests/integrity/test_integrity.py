"""W3C Data Cube integrity constraints IC-1 .. IC-21 (vocab-data-cube §10.3, §11.1; DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse

from api import vocab
from api.formats.rdf.cube import records_to_triples
from api.model.structure import ATTRIBUTES, DIMENSIONS
from api.model.submission import ObservationRecord
from api.validation.integrity import IntegrityViolation, check_integrity, check_store, normalise

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
ONTOLOGY = REPO / "ontology"
EX = "http://example.org/ic/"
QB = vocab.QB
RDF_TYPE = NamedNode(vocab.RDF + "type")
XSD_GYEAR = NamedNode(vocab.XSD + "gYear")

VALID = ["valid.ttl", "valid-gyear.ttl", "valid-slices.ttl", "valid-measure-dimension.ttl"]
BROKEN = [(f"ic-{n:02d}.ttl", f"IC-{n}") for n in range(1, 22)]


def fixture(name: str) -> list[Quad]:
    return list(parse(path=str(FIXTURES / name), format=RdfFormat.TURTLE))


def ics(violations: list[IntegrityViolation]) -> set[str]:
    return {v.ic for v in violations}


@pytest.mark.parametrize(("name", "ic"), BROKEN, ids=[ic for _, ic in BROKEN])
def test_each_fixture_breaks_exactly_its_constraint(name: str, ic: str) -> None:
    violations = check_integrity(fixture(name))
    assert ics(violations) == {ic}, [v.message for v in violations]
    for violation in violations:
        assert violation.message.startswith(f"{ic} ")
        assert violation.focus is not None and violation.focus.startswith(EX)
        assert f"<{violation.focus}>" in violation.message


@pytest.mark.parametrize("name", VALID)
def test_valid_cubes_pass_all_constraints(name: str) -> None:
    assert check_integrity(fixture(name)) == []


def test_slice_cube_conforms_only_after_push_down() -> None:
    store = Store()
    store.extend(fixture("valid-slices.ttl"))
    before = check_store(store)
    assert ics(before) == {"IC-11", "IC-13"}
    assert {v.focus for v in before} == {f"{EX}o{n}" for n in range(1, 5)}
    normalise(store)
    assert check_store(store) == []


def test_gyear_duplicates_are_found_by_term_not_by_value_comparison() -> None:
    (violation,) = check_integrity(fixture("ic-12.ttl"))
    assert violation.focus == EX + "o1"
    assert f"<{EX}o3>" in violation.message
    assert f"<{EX}o4>" not in violation.message  # same area, different xsd:gYear
    assert '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>' in violation.message


def test_an_observation_with_two_values_for_a_dimension_is_no_duplicate() -> None:
    quads = fixture("valid-gyear.ttl")
    # o1 (FRA, 2018) also gets 2019: the REC's pairwise comparison makes it differ from o2 (FRA, 2019).
    quads.append(Quad(NamedNode(EX + "o1"), NamedNode(EX + "refPeriod"), Literal("2019", datatype=XSD_GYEAR)))
    assert ics(check_integrity(quads)) == set()


def test_quads_from_any_graph_are_checked_in_the_default_graph() -> None:
    graph = NamedNode("http://example.org/graph/submission")
    quads = [Quad(q.subject, q.predicate, q.object, graph) for q in fixture("ic-19.ttl")]
    assert ics(check_integrity(quads)) == {"IC-19"}


def test_violations_are_capped_per_constraint() -> None:
    quads = fixture("valid-gyear.ttl")
    quads = [q for q in quads if q.predicate != NamedNode(EX + "unit")]  # five observations lack the unit
    violations = check_integrity(quads, limit=2)
    assert [v.ic for v in violations] == ["IC-13"] * 3
    assert [v.focus is None for v in violations] == [False, False, True]
    assert "more violations than the 2 listed" in violations[-1].message


# --- a synthetic cube of 20 000 observations ------------------------------------------------------------


def synthetic_cube(areas: int = 100, sexes: int = 4, years: int = 50) -> Iterator[Triple]:
    """A flat cube of ``areas * sexes * years`` observations, two coded dimensions and xsd:gYear time."""

    def n(local: str) -> NamedNode:
        return NamedNode(EX + local)

    def t(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Triple:
        return Triple(s, p, o)

    qb_ = {
        name: NamedNode(QB + name)
        for name in (
            "DataStructureDefinition",
            "component",
            "dimension",
            "measure",
            "attribute",
            "componentRequired",
            "DataSet",
            "structure",
            "Observation",
            "dataSet",
            "codeList",
            "DimensionProperty",
        )
    }
    skos_concept, in_scheme = NamedNode(vocab.SKOS + "Concept"), NamedNode(vocab.SKOS + "inScheme")
    scheme, rdfs_range = NamedNode(vocab.SKOS + "ConceptScheme"), NamedNode(vocab.RDFS + "range")
    dsd, ds = n("dsd"), n("ds")
    yield t(dsd, RDF_TYPE, qb_["DataStructureDefinition"])
    for i, (kind, prop) in enumerate(
        [
            ("dimension", "area"),
            ("dimension", "sex"),
            ("dimension", "year"),
            ("measure", "value"),
            ("attribute", "unit"),
        ]
    ):
        spec = n(f"spec{i}")
        yield t(dsd, qb_["component"], spec)
        yield t(spec, qb_[kind], n(prop))
        if kind == "attribute":
            yield t(spec, qb_["componentRequired"], Literal(True))
    for prop, count in (("area", areas), ("sex", sexes)):
        yield t(n(prop), rdfs_range, skos_concept)
        yield t(n(prop), qb_["codeList"], n(f"{prop}-list"))
        yield t(n(f"{prop}-list"), RDF_TYPE, scheme)
        for k in range(count):
            yield t(n(f"{prop}-{k}"), RDF_TYPE, skos_concept)
            yield t(n(f"{prop}-{k}"), in_scheme, n(f"{prop}-list"))
    yield t(n("year"), rdfs_range, XSD_GYEAR)
    yield t(ds, RDF_TYPE, qb_["DataSet"])
    yield t(ds, qb_["structure"], dsd)
    number = 0
    for a in range(areas):
        for s in range(sexes):
            for y in range(years):
                obs = n(f"obs{number}")
                number += 1
                yield t(obs, RDF_TYPE, qb_["Observation"])
                yield t(obs, qb_["dataSet"], ds)
                yield t(obs, n("area"), n(f"area-{a}"))
                yield t(obs, n("sex"), n(f"sex-{s}"))
                yield t(obs, n("year"), Literal(str(1970 + y), datatype=XSD_GYEAR))
                yield t(obs, n("value"), Literal(str(number * 1.5), datatype=NamedNode(vocab.XSD + "decimal")))
                yield t(obs, n("unit"), n("persons"))


def test_a_20000_observation_cube_is_checked_and_planted_errors_are_found() -> None:
    triples = list(synthetic_cube())
    assert sum(1 for t in triples if t.predicate == NamedNode(QB + "dataSet")) == 20_000
    assert check_integrity(triples) == []

    def n(local: str) -> NamedNode:
        return NamedNode(EX + local)

    planted = [  # a copy of obs0's key, an unknown area code, an observation without its unit
        Triple(n("copy"), NamedNode(QB + "dataSet"), n("ds")),
        Triple(n("copy"), n("area"), n("area-0")),
        Triple(n("copy"), n("sex"), n("sex-0")),
        Triple(n("copy"), n("year"), Literal("1970", datatype=XSD_GYEAR)),
        Triple(n("copy"), n("value"), Literal("1.0", datatype=NamedNode(vocab.XSD + "decimal"))),
        Triple(n("copy"), n("unit"), n("persons")),
        Triple(n("obs7"), n("area"), n("area-999")),
    ]
    triples = [t for t in triples if t != Triple(n("obs9"), n("unit"), n("persons"))] + planted
    violations = check_integrity(triples)
    assert [(v.ic, v.focus) for v in violations] == [
        ("IC-12", EX + "copy"),
        ("IC-13", EX + "obs9"),
        ("IC-19", EX + "obs7"),
    ]
    assert f"<{EX}obs0>" in violations[0].message


# --- the registry's own structure and code lists -------------------------------------------------------


def registry_cube(ontology: list[Quad], records: list[ObservationRecord]) -> list[Triple | Quad]:
    """Observations built by the registry's converter + a minimal qb:DataSet + the whole ontology."""
    iris = vocab.InstanceIris("https://registry.example.org")
    submission = NamedNode(iris.submission("ic-test"))
    description = [
        Triple(submission, RDF_TYPE, NamedNode(QB + "DataSet")),
        Triple(submission, RDF_TYPE, NamedNode(vocab.DCAT + "Dataset")),
        Triple(submission, NamedNode(QB + "structure"), NamedNode(vocab.DSD)),
    ]
    return [*records_to_triples(records, iris, "ic-test"), *description, *ontology]


PREFERRED_CODES = {"FREQ": "A", "UNIT_MEASURE": "PS", "UNIT_MULT": "0", "OBS_STATUS": "A", "CONF_STATUS": "F"}


def registry_records(ontology: list[Quad]) -> list[ObservationRecord]:
    """Two observations whose codes are taken from the ontology's own code lists (public, totals first)."""
    code_list = {q.subject: q.object for q in ontology if q.predicate == NamedNode(QB + "codeList")}
    in_scheme = NamedNode(vocab.SKOS + "inScheme")
    members: dict[object, list[str]] = {}
    for q in ontology:
        if q.predicate == in_scheme and isinstance(q.subject, NamedNode):
            members.setdefault(q.object, []).append(vocab.code_id_from_iri(q.subject.value))
    cells: dict[str, str] = {}
    for component in (*DIMENSIONS, *ATTRIBUTES):
        if component not in vocab.CODE_LISTS and component != "INDICATOR":
            continue
        scheme = code_list.get(NamedNode(vocab.prop(component)))
        codes = sorted(members.get(scheme, []))
        assert codes, f"no code list with codes for {component} in the ontology"
        preferred = [c for c in (PREFERRED_CODES.get(component), "_T", "_Z") if c in codes]
        cells[component] = (preferred or codes)[0]
    cells.update({"OBS_VALUE": "1234", "DECIMALS": "0", "COMMENT": "test", "SOURCE_DETAIL": "test"})
    return [ObservationRecord({**cells, "TIME_PERIOD": year}, row=i) for i, year in enumerate(("2019", "2020"), 2)]


@pytest.mark.skipif(
    not (ONTOLOGY / "structure.ttl").exists() or not any((ONTOLOGY / "codes").glob("*.ttl")),
    reason="ontology/structure.ttl or ontology/codes/*.ttl is not there yet",
)
def test_a_registry_cube_with_the_ontology_passes_all_constraints() -> None:
    ontology = [q for path in sorted(ONTOLOGY.rglob("*.ttl")) for q in parse(path=str(path), format=RdfFormat.TURTLE)]
    records = registry_records(ontology)
    assert check_integrity(registry_cube(ontology, records)) == []
    # The same record twice is a duplicate key: proves the DSD's dimensions were found and compared.
    duplicated = check_integrity(registry_cube(ontology, [*records, records[0]]))
    assert ics(duplicated) == {"IC-12"}
