"""The Validator: engine choice, parse problems, RDF input, dataset description, disclosure threshold."""

from __future__ import annotations

from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.formats.rdf.provenance import SubmissionFacts, submission_description
from api.model.submission import ObservationRecord, ParsedFile, Problem, SubmissionMetadata
from api.validation.pyshacl_engine import PyshaclEngine
from api.validation.sparql_engine import SparqlEngine
from api.validation.validator import Validator
from tests.validation.conftest import BASE, EXAMPLES, ONTOLOGY, SHAPES, read_example, read_turtle

COUNT_ROW = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "AFG", "SEX": "_T",
             "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020", "OBS_VALUE": "7", "UNIT_MEASURE": "PS",
             "CONF_STATUS": "F"}


def parsed(*cells: dict[str, str]) -> ParsedFile:
    records = [ObservationRecord(cells={**COUNT_ROW, **c}, row=i + 2) for i, c in enumerate(cells)]
    return ParsedFile(name="t.csv", format="csv", records=records)


def rules(validator: Validator, file: ParsedFile) -> list[tuple[str, int | None]]:
    return [(p.rule, p.row) for p in validator.validate(file, base_iri=BASE).results]


def test_auto_engine_switches_at_the_configured_size() -> None:
    validator = Validator(ONTOLOGY, SHAPES, engine="auto", pyshacl_max_observations=10)
    assert isinstance(validator.engine_for(10), PyshaclEngine)
    assert isinstance(validator.engine_for(11), SparqlEngine)


def test_disclosure_threshold_is_a_setting(pyshacl_validator: Validator) -> None:
    strict = Validator(ONTOLOGY, SHAPES, disclosure_threshold=10, engine="sparql")
    assert rules(pyshacl_validator, parsed({})) == []
    assert rules(strict, parsed({})) == [("disclosure", 2)]
    assert "threshold of 10" in strict.validate(parsed({}), base_iri=BASE).results[0].message


def test_zero_is_not_disclosive_but_one_is(pyshacl_validator: Validator) -> None:
    file = parsed({"OBS_VALUE": "0"}, {"OBS_VALUE": "1", "TIME_PERIOD": "2021"},
                  {"OBS_VALUE": "1", "TIME_PERIOD": "2022", "CONF_STATUS": "N"},
                  {"OBS_VALUE": "", "OBS_STATUS": "Q", "TIME_PERIOD": "2023", "CONF_STATUS": "C"})
    assert rules(pyshacl_validator, file) == [("disclosure", 3)]


def test_parse_problems_are_part_of_the_report(pyshacl_validator: Validator) -> None:
    problem = Problem("Violation", "missing-column", "row 1: the required column SEX is missing", row=1,
                      column="SEX")
    file = ParsedFile(name="t.csv", format="csv", records=[], problems=(problem,))
    report = pyshacl_validator.validate(file)
    assert report.results == (problem,) and not report.conforms


def test_rdf_without_source_rows_names_the_observation(sparql_validator: Validator) -> None:
    triples = [t for t in read_turtle(EXAMPLES / "closed.ttl") if t.predicate.value != vocab.MP + "sourceRow"]
    [problem] = sparql_validator.validate_graph(triples, "closed.ttl").results
    assert problem.row is None
    assert problem.focus == "http://registry.test/id/observation/example/A.DEU.STK_IMM_PCT._Z._T._Z._Z/2020"
    assert problem.message.startswith(f"observation <{problem.focus}>")


def test_maximum_count_on_rdf_input(pyshacl_validator: Validator) -> None:
    triples = read_turtle(EXAMPLES / "closed.ttl")
    obs = triples[0].subject
    triples = [t for t in triples if not t.predicate.value.startswith("http://example.org/")]
    triples.append(Triple(obs, NamedNode(vocab.MP + "obsValue"), Literal("15.8", datatype=NamedNode(
        vocab.XSD + "decimal"))))
    report = pyshacl_validator.validate_graph(triples, "two-values.ttl")
    assert [(p.rule, p.column, p.row) for p in report.results] == [("cardinality", "OBS_VALUE", 3)]


def test_registry_dataset_description_conforms(pyshacl_validator: Validator) -> None:
    meta = SubmissionMetadata(dataset_id="DE-STK", agency_id="DESTATIS", title="Migrant stock",
                              sources=("https://www.destatis.de/",))
    now = datetime(2024, 5, 1, tzinfo=UTC)
    facts = SubmissionFacts("DE-STK-v1", 1, "valid.csv", "0" * 64, 10, 10, now, now)
    description = list(submission_description(meta, facts, vocab.InstanceIris(BASE)))
    report = pyshacl_validator.validate(read_example("valid.csv"), description, "DE-STK-v1", BASE)
    assert report.results == ()
    no_source = [t for t in description if t.predicate.value != vocab.DCT + "source"]
    report = pyshacl_validator.validate(read_example("valid.csv"), no_source, "DE-STK-v1", BASE)
    assert [(p.rule, p.column) for p in report.results] == [("dataset-metadata", "source")]
