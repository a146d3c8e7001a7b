"""Records -> RDF Data Cube triples: typed periods, canonical numbers, series keys and source rows."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from api import vocab
from api.formats.rdf.cube import number_literal, records_to_triples, time_period_literal
from api.model.submission import ObservationRecord

XSD = vocab.XSD


def test_time_periods_are_typed_so_they_compare() -> None:
    assert time_period_literal("2020") == Literal("2020", datatype=NamedNode(XSD + "gYear"))
    assert time_period_literal("2020-01") == Literal("2020-01", datatype=NamedNode(XSD + "gYearMonth"))
    assert time_period_literal("2020-01-31").datatype == NamedNode(XSD + "date")
    assert time_period_literal("2011-Q3").datatype == NamedNode(vocab.MP + "sdmxTimePeriod")
    assert time_period_literal("last year").datatype == NamedNode(XSD + "string")


def test_numbers_are_canonical_decimals_or_stay_text() -> None:
    assert number_literal("0015.50") == Literal("15.5", datatype=NamedNode(XSD + "decimal"))
    assert number_literal("191446828").value == "191446828.0"
    assert number_literal("1,234").datatype == NamedNode(XSD + "string")
    assert number_literal("NaN").datatype == NamedNode(XSD + "string")


def test_observation_triples_carry_key_row_and_codes() -> None:
    cells = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_Z", "SEX": "F",
             "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020", "OBS_VALUE": "", "CONF_STATUS": "C"}
    triples = list(records_to_triples([ObservationRecord(cells, row=7)] * 2, vocab.InstanceIris("http://x"), "s-v1"))
    subjects = {t.subject.value for t in triples}
    assert len(subjects) == 2  # a duplicate key keeps its own node for the duplicate check
    by_p = {t.predicate.value: t.object for t in triples if t.subject.value == min(subjects)}
    assert by_p[vocab.MP + "seriesKey"] == Literal("A.DEU.STK_IMM._Z.F._T._Z")
    assert by_p[vocab.MP + "sourceRow"].value == "7"
    assert by_p[vocab.MP + "sex"] == NamedNode(vocab.CODE + "sex/F")
    assert vocab.MP + "obsValue" not in by_p  # an empty cell is a missing value, not an empty literal


def test_spreadsheet_doubles_fit_the_store_decimal_scale() -> None:
    assert number_literal("0.0012048120192047036").value == "0.001204812019204704"
