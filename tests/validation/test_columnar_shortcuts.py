"""The columnar engine's shortcuts give what the long way gives: hashes only narrow the rows that are compared by
value, an ``sh:in`` list is read once as a set, and a long code list is never written out."""

from __future__ import annotations

from unittest.mock import patch

import polars as pl
import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode

from api import vocab
from api.formats.rdf.cube_table import term_table
from api.formats.tabular.table import ObservationTable
from api.model.submission import ObservationRecord
from api.validation import columnar_checks
from api.validation.columnar_engine import _key, _same
from api.validation.engine import ShaclResult
from api.validation.report import ReportContext, ShapeInfo, _Writer

CELLS = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_T", "SEX": "_T",
         "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020", "OBS_VALUE": "100", "UNIT_MEASURE": "PS",
         "UNIT_MULT": "0", "CONF_STATUS": "F"}


def _terms(*changes: dict[str, str]) -> columnar_checks.TermTable:
    records = [ObservationRecord(cells={**CELLS, **c}, row=i + 2) for i, c in enumerate(changes)]
    return term_table(ObservationTable.from_records(records), vocab.InstanceIris("http://registry.test"), "t")


def test_equal_rows_hash_equal_and_others_mostly_not() -> None:
    frame = pl.DataFrame({"a": ["x", "x", "y", None], "b": ["1", "1", "1", "1"]})
    hashes = frame.select(columnar_checks.row_hash(["a", "b"]))[:, 0].to_list()
    assert hashes[0] == hashes[1] and len(set(hashes)) == 3


def test_duplicate_keys_are_told_apart_by_value_when_every_hash_collides() -> None:
    terms = _terms({}, {"TIME_PERIOD": "2019"}, {}, {"REF_AREA": "FRA"}, {"TIME_PERIOD": "2019"}, {})
    found = columnar_checks.duplicate_keys(terms)
    with patch.object(columnar_checks, "row_hash", lambda columns: pl.lit(0, dtype=pl.UInt64)):
        assert columnar_checks.duplicate_keys(terms) == found
    assert sorted(p.row or 0 for p in found) == [4, 6, 7]


XSD = vocab.XSD
NODES: list[rdflib.term.Node] = [rdflib.URIRef("urn:a"), rdflib.Literal("a"), rdflib.Literal("a", lang="en"),
                                 rdflib.Literal("1", datatype=rdflib.URIRef(XSD + "integer")), rdflib.BNode("b")]
TERMS = [NamedNode("urn:a"), Literal("a"), Literal("a", language="en"),
         Literal("1", datatype=NamedNode(XSD + "integer")), Literal("urn:a"), BlankNode("b")]


@pytest.mark.parametrize("term", TERMS, ids=str)
def test_a_list_read_as_a_set_matches_as_the_walk_does(term: NamedNode | Literal) -> None:
    members = {_key(n) for n in NODES} - {None}
    assert (_key(term) in members) == any(_same(term, n) for n in NODES)  # type: ignore[arg-type]


def test_a_long_code_list_is_neither_listed_nor_read() -> None:
    writer = _Writer(ReportContext(shapes={}))
    result = ShaclResult(focus="urn:o", path=None, value=None, source_shape="urn:s", component="", severity="")
    short = ShapeInfo(in_values=tuple(vocab.code("sex", c) for c in ("F", "M", "_T")))
    long = ShapeInfo(in_values=tuple(vocab.code("area", f"A{i:02}") for i in range(30)))
    assert "allowed: F, M, _T" in writer.message("code-list", "In", result, "row 2", "SEX", "X", short, None)
    with patch.object(vocab, "code_id_from_iri", side_effect=AssertionError("read")):
        text = writer.message("code-list", "In", result, "row 2", "REF_AREA", "XZZ", long, None)
    assert "allowed" not in text and "mpr codes REF_AREA" in text


def test_codes_are_equal_exactly_where_the_texts_are() -> None:
    texts = ["<urn:b>", "<urn:a>", None, "<urn:b>", "<urn:c>", "<urn:a>"]
    found = pl.DataFrame({"t": texts}).select(columnar_checks.codes("t"))[:, 0].to_list()
    assert [c is None for c in found] == [t is None for t in texts]
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            if a is not None and b is not None:
                assert (found[i] == found[j]) == (a == b)
