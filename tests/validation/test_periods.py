"""TIME_PERIOD accepts only what every reader renders (issue 12, class 4): the years 1800-2200 in the SDMX forms,
real dates and ISO weeks. Both engines refuse the rest with one Violation naming row, column and why; the shape's
years are the period model's."""

from __future__ import annotations

import re

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api import vocab
from api.model.sdmx_period import FIRST_YEAR, LAST_YEAR
from api.model.submission import ObservationRecord, ParsedFile
from api.validation.pyshacl_engine import PyshaclEngine
from api.validation.sparql_engine import SparqlEngine, compile_shapes
from api.validation.validator import Validator, cube, shacl_data
from tests.validation.conftest import BASE

ROW = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_T", "SEX": "_T",
       "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2019", "OBS_VALUE": "7000", "UNIT_MEASURE": "PS",
       "CONF_STATUS": "F"}
REFUSED = {
    "0000": "0000 is outside the years the registry accepts (1800-2200)",
    "9999": "9999 is outside the years the registry accepts (1800-2200)",
    "1799": "1799 is outside the years the registry accepts (1800-2200)",
    "2201-Q1": "2201-Q1 is outside the years the registry accepts (1800-2200)",
    "-0001": "'-0001' is not an SDMX time period: write 2020, 2020-01, 2020-01-31, 2020-Q1, 2020-S1 or 2020-W05",
    "2020-Q5": "'2020-Q5' is not an SDMX time period",
    "2020-W54": "'2020-W54' is not an SDMX time period",
    "2020-13": "'2020-13' is not an SDMX time period",
    "2020-02-30": "2020-02-30 is not a calendar date: February 2020 has 29 days",
    "2021-W53": "2021-W53 is not a week of 2021: 2021 has 52 ISO weeks",
}
ACCEPTED = ("1800", "2200", "2020-W53", "2020-02-29", "2200-12-31", "1800-Q1", "2020-S2", "2020-M07", "2020-A1")
ENGINES = ("pyshacl", "sparql")


def _file(period: str) -> ParsedFile:
    records = [ObservationRecord(cells=dict(ROW), row=2),
               ObservationRecord(cells={**ROW, "TIME_PERIOD": period}, row=3)]
    return ParsedFile(name="periods.csv", format="csv", records=records)


@pytest.fixture(scope="module")
def validators() -> dict[str, Validator]:
    from tests.validation.conftest import ONTOLOGY, SHAPES

    return {e: Validator(ONTOLOGY, SHAPES, engine=e) for e in ENGINES}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("period", sorted(REFUSED))
def test_a_period_no_reader_can_render_is_one_violation_naming_row_and_column(
        validators: dict[str, Validator], engine: str, period: str) -> None:
    report = validators[engine].validate(_file(period), base_iri=BASE)
    found = [(p.severity, p.rule, p.row, p.column, p.value) for p in report.results]
    assert found == [("Violation", "datatype", 3, "TIME_PERIOD", period)], [p.message for p in report.results]
    assert report.results[0].message.startswith(f"row 3, TIME_PERIOD: {REFUSED[period]}")
    assert not report.conforms


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("period", ACCEPTED)
def test_the_edges_of_what_is_accepted_conform(validators: dict[str, Validator], engine: str, period: str) -> None:
    report = validators[engine].validate(_file(period), base_iri=BASE)
    assert report.results == (), [p.message for p in report.results]


def _typed(validator: Validator, literal: Literal | NamedNode | BlankNode) -> list[Triple]:
    """The cube of one observation with its period replaced by ``literal`` (what an RDF upload may carry)."""
    triples, _ = cube(_file("2020"), "periods", BASE)
    period = NamedNode(vocab.prop("TIME_PERIOD"))
    return shacl_data([Triple(t.subject, t.predicate, literal) if t.predicate == period else t for t in triples])


XSD = vocab.XSD
TYPED = [
    Literal("2020", datatype=NamedNode(XSD + "gYear")), Literal("0000", datatype=NamedNode(XSD + "gYear")),
    Literal("9999", datatype=NamedNode(XSD + "gYear")), Literal("20200", datatype=NamedNode(XSD + "gYear")),
    Literal("2020Z", datatype=NamedNode(XSD + "gYear")), Literal("2020-Q1", datatype=NamedNode(XSD + "gYear")),
    Literal("2020-13", datatype=NamedNode(XSD + "gYearMonth")),
    Literal("0000-01", datatype=NamedNode(XSD + "gYearMonth")),
    Literal("2020-02-30", datatype=NamedNode(XSD + "date")), Literal("2019-02-29", datatype=NamedNode(XSD + "date")),
    Literal("2020-02-29", datatype=NamedNode(XSD + "date")), Literal("0000-01-01", datatype=NamedNode(XSD + "date")),
    Literal("2020-01-01Z", datatype=NamedNode(XSD + "date")),
    Literal("2020-Q5", datatype=NamedNode(vocab.MP + "sdmxTimePeriod")),
    Literal("0000-Q1", datatype=NamedNode(vocab.MP + "sdmxTimePeriod")),
    Literal("2020-W53", datatype=NamedNode(vocab.MP + "sdmxTimePeriod")),
    Literal("2020", datatype=NamedNode(vocab.MP + "sdmxTimePeriod")), Literal("2020"),
    NamedNode("http://example.org/2020"), BlankNode("p2020"),
]


@pytest.mark.parametrize("term", TYPED, ids=str)
def test_both_engines_give_the_same_results_on_typed_periods(
        validators: dict[str, Validator], term: Literal | NamedNode | BlankNode) -> None:
    data = _typed(validators["pyshacl"], term)
    shapes = validators["pyshacl"].shapes
    reference = PyshaclEngine().validate(data, shapes)
    assert SparqlEngine().validate(data, shapes) == reference
    period_results = [r for r in reference if r.path == vocab.prop("TIME_PERIOD")]
    conforms = isinstance(term, Literal) and str(term) in (
        str(TYPED[0]), str(TYPED[10]), str(TYPED[15]))  # 2020 gYear, 2020-02-29 date, 2020-W53 sdmx
    assert (period_results == []) is conforms, period_results


def _alternatives(shapes: rdflib.Graph) -> dict[str, str]:
    """datatype -> sh:pattern of each alternative of the TIME_PERIOD shape's sh:or."""
    shape = rdflib.URIRef("https://w3id.org/migration-profile/shape/Observation-TIME_PERIOD")
    members = rdflib.collection.Collection(shapes, shapes.value(shape, rdflib.SH["or"]))
    return {str(shapes.value(m, rdflib.SH.datatype)): str(shapes.value(m, rdflib.SH.pattern)) for m in members}


def test_the_shape_accepts_exactly_the_years_of_the_period_model(validators: dict[str, Validator]) -> None:
    patterns = _alternatives(validators["pyshacl"].shapes)
    suffix = {XSD + "gYear": "", XSD + "gYearMonth": "-06", XSD + "date": "-06-30",
              vocab.MP + "sdmxTimePeriod": "-Q2"}
    assert set(patterns) == set(suffix)
    for datatype, pattern in patterns.items():
        accepted = [y for y in range(1000, 10000) if re.search(pattern, f"{y:04d}{suffix[datatype]}")]
        assert (accepted[0], accepted[-1], len(accepted)) == (FIRST_YEAR, LAST_YEAR, LAST_YEAR - FIRST_YEAR + 1)
        assert not re.search(pattern, f"0000{suffix[datatype]}")


def test_sh_pattern_is_compiled_as_pyshacl_reads_it_and_flags_are_refused() -> None:
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:property <urn:s-p> .
        <urn:s-p> sh:path <urn:p> ; sh:pattern "^a[0-9]+$" .
    """, format="turtle")
    data = rdflib.Graph()
    for i, value in enumerate([rdflib.Literal("a12"), rdflib.Literal("b12"), rdflib.Literal('a1" } #'),
                               rdflib.URIRef("urn:a1"), rdflib.Literal("a1", lang="en"),
                               rdflib.Literal("12", datatype=rdflib.XSD.integer)]):
        data.add((rdflib.URIRef(f"urn:o{i}"), rdflib.RDF.type, rdflib.URIRef("urn:C")))
        data.add((rdflib.URIRef(f"urn:o{i}"), rdflib.URIRef("urn:p"), value))
    reference = PyshaclEngine().validate(data, shapes)
    assert sorted(r.focus for r in reference) == ["urn:o1", "urn:o2", "urn:o3", "urn:o5"]  # (blank nodes: above)
    assert SparqlEngine().validate(data, shapes) == reference
    flagged = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:pattern "^a" ; sh:flags "i" ] .
    """, format="turtle")
    with pytest.raises(NotImplementedError):
        compile_shapes(flagged)
