"""The table writer gives the triples of the record writer (written once from the validated table)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from api import vocab
from api.formats.rdf.cube import records_to_triples
from api.formats.rdf.cube_table import repeats, term_table, write_ntriples
from api.formats.tabular.table import ObservationTable
from api.model.submission import ObservationRecord

SOURCE_ROW = NamedNode(vocab.MP + "sourceRow")
CELLS = {"FREQ": "A", "REF_AREA": " DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_Z", "SEX": "F",
         "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020 ", "UNIT_MEASURE": "PS", "UNIT_MULT": "0",
         "CONF_STATUS": "F", "OBS_STATUS": "A"}


def _records() -> list[ObservationRecord]:
    values = ["0010.50", "7", "", "abc", "1e3", "-0", "0.0000000000000000000012", "1_000", "12.", " 5 ", "100.000"]
    comments = ['say "hi"\\', "line\nbreak", "", "tab\there", "é ü"]
    records = []
    for i, value in enumerate(values):
        cells = {**CELLS, "OBS_VALUE": value, "COMMENT": comments[i % len(comments)], "DECIMALS": ["1", "x", ""][i % 3]}
        cells["TIME_PERIOD"] = ["2020 ", "2020-Q1", "2020-02", "2019-02-29", "20x0"][i % 5]
        records.append(ObservationRecord(cells=cells, row=i + 2))
    records.append(ObservationRecord(cells=dict(records[0].cells), row=99))  # a duplicate key: -dup1
    records.append(ObservationRecord(cells={"REF_AREA": "FRA", "OBS_VALUE": "1"}, row=100))  # most columns missing
    return records


def test_the_table_writer_writes_the_record_writers_triples(tmp_path: Path) -> None:
    records = _records()
    iris = vocab.InstanceIris("http://registry.test")
    terms = term_table(ObservationTable.from_records(records), iris, "DS-v1")
    path = tmp_path / "cube.nt"
    assert write_ntriples(terms, pl.lit(True), path, chunk_rows=4) == len(records)
    written = {Triple(q.subject, q.predicate, q.object) for q in parse(path=str(path), format=RdfFormat.N_TRIPLES)}
    expected = {t for t in records_to_triples(records, iris, "DS-v1") if t.predicate != SOURCE_ROW}
    assert written == expected
    assert any(str(t.subject).endswith("-dup1>") for t in written)


def test_repeats_numbers_each_value_as_a_window_over_every_row_would() -> None:
    values = pl.Series(["a", "b", "a", "c", "a", "b", "d"] * 3)
    expected = pl.DataFrame({"v": values}).select(pl.int_range(pl.len()).over("v"))[:, 0]
    found = repeats(values)
    assert found is not None and found.to_list() == expected.to_list()
    assert repeats(pl.Series(["a", "b", "c"])) is None
