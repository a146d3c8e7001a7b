"""The columnar engine finds what the SPARQL engine and pyshacl find (DESIGN §5): a differential test.

Each file is validated by the three Validators (``engine="columnar"``, ``"sparql"``, ``"pyshacl"``) and the
findings compared as sets of (severity, rule, row, column) — and, where all engines see the cell as written, as
whole problems (value and message too). Files: every example, bench/generate.py output with every kind of seeded
error (5,000 rows for pyshacl; 100,000 rows columnar vs SPARQL, marked ``large``: it runs once in CI, about a
minute), hypothesis-generated rows mixing valid codes with the mistakes statisticians make, and a real
publisher's file read by its importer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.formats.tabular.table import ObservationTable
from api.formats.tabular.template import read_csv
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile
from api.validation.validator import Validator
from tests.validation.conftest import BASE, EXAMPLES, ONTOLOGY, REPO, SHAPES

Finding = tuple[str, str, int | None, str | None]


def problems(validator: Validator, parsed: ParsedFile) -> list[tuple[object, ...]]:
    """Every finding whole: severity, rule, row, column, value, message."""
    report = validator.validate(parsed, base_iri=BASE)
    return sorted((p.severity, p.rule, p.row or 0, p.column or "", p.value or "", p.message) for p in report.results)


def findings(found: list[tuple[object, ...]] | Validator, parsed: ParsedFile | None = None) -> set[Finding]:
    """(severity, rule, row, column) of each finding: of ``problems`` already found, or validating ``parsed``."""
    whole = problems(found, parsed) if isinstance(found, Validator) and parsed is not None else found
    assert isinstance(whole, list)
    return {(str(p[0]), str(p[1]), int(str(p[2])) or None, str(p[3]) or None) for p in whole}


@pytest.fixture(scope="module")
def columnar() -> Validator:
    return Validator(ONTOLOGY, SHAPES, engine="columnar")


@pytest.fixture(scope="module")
def sparql() -> Validator:
    return Validator(ONTOLOGY, SHAPES, engine="sparql")


@pytest.fixture(scope="module")
def reference() -> Validator:
    return Validator(ONTOLOGY, SHAPES, engine="pyshacl")


def generated(tmp: Path, rows: int, seed: int, errors: float = 0.02) -> tuple[Path, dict[str, int]]:
    out = tmp / f"generated-{rows}-{seed}.csv"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--observations", str(rows), "--seed",
                    str(seed), "--errors", str(errors), "--out", str(out)], check=True, capture_output=True)
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
    return out, meta["errors"]


def test_the_auto_engine_is_columnar_for_tables_and_sparql_for_large_rdf() -> None:
    auto = Validator(ONTOLOGY, SHAPES)
    assert auto.uses_table(ParsedFile(name="a.csv", format="sdmx-csv-2", records=[]))
    assert auto.uses_table(ParsedFile(name="a.xml", format="sdmx-ml-2.1", records=[]))
    assert not auto.uses_table(ParsedFile(name="a.ttl", format="turtle", records=[]))


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.suffix == ".csv"))
def test_every_example_gives_the_same_problems(columnar: Validator, sparql: Validator, name: str) -> None:
    parsed = read_csv(EXAMPLES / name)
    assert problems(columnar, parsed) == problems(sparql, parsed)


def test_five_thousand_generated_rows_with_every_seeded_error(tmp_path: Path, columnar: Validator, sparql: Validator,
                                                              reference: Validator) -> None:
    path, seeded = generated(tmp_path, 5_000, seed=3, errors=0.03)
    assert all(count > 0 for count in seeded.values()), seeded  # every kind of mistake is in the file
    parsed = read_csv(path)
    found = problems(columnar, parsed)
    rules = Counter(str(p[1]) for p in found)
    for rule in ("range", "code-list", "duplicate-key", "sex-total", "indicator-unit", "unit-consistency",
                 "cardinality", "disclosure"):
        assert rules[rule] > 0, rules
    assert found == problems(sparql, parsed)
    assert findings(found) == findings(reference, parsed)


@pytest.mark.large
def test_a_hundred_thousand_generated_rows_columnar_and_sparql(tmp_path: Path, columnar: Validator,
                                                               sparql: Validator) -> None:
    path, _ = generated(tmp_path, 100_000, seed=5, errors=0.01)
    parsed = read_csv(path)
    found = problems(columnar, parsed)
    assert len(found) > 1_000
    assert findings(found) == findings(sparql, parsed)


_CODES = {
    "FREQ": ["A", "Q", "X", ""],
    "REF_AREA": ["DEU", "FRA", "XZZ", "GER", " deu", "", "001"],
    "INDICATOR": ["STK_IMM", "STK_IMM_SH", "LAB_UNR", "REM_IN", "stk_imm", "NOPE", ""],
    "COUNTERPART_AREA": ["_Z", "_T", "FRA", "XYZ", ""],
    "SEX": ["F", "M", "_T", "_Z", "Q", ""],
    "AGE": ["_T", "_Z", "Y15T24", "Y0T14", "Y200", ""],
    "MIGRATION_STATUS": ["_T", "_Z", "FB", "NB", ""],
    "TIME_PERIOD": ["2020", "2021", "2020-Q1", "2019-02-29", "2020-02-29", "1700", "20x0", "2021-W53", "2020-13", ""],
    "OBS_VALUE": ["10", "3", "0", "100.5", "101", "-1", "abc", "1,000", "", "4.99999999999999999999",
                  "5.000000000000000001", "1e3", "=1+1", "+7", "007.50"],
    "UNIT_MEASURE": ["PS", "PT", "USD", "XX", ""],
    "UNIT_MULT": ["0", "3", "", "Z"],
    "OBS_STATUS": ["A", "E", "O", "Q", "", "ZZ"],
    "CONF_STATUS": ["F", "C", "N", "A", "", "Y"],
    "DECIMALS": ["", "0", "2", "16", "x", "1.5"],
    "COMMENT": ["", "note", "=HYPERLINK(1)", 'a "quoted"\\ text', "@sum"],
    "SOURCE_DETAIL": ["", "census", "-x"],
}


_SEX_ROWS = {"F": "20", "M": "50", "_U": "30"}


@pytest.mark.parametrize(("given", "total"), [(("F", "M", "_U"), "100"), (("F", "M", "_U"), "70"),
                                               (("F", "M"), "100"), (("F", "_U"), "50"), (("F", "M"), "70")])
def test_sex_totals_with_sex_not_reported(columnar: Validator, sparql: Validator, given: tuple[str, ...],
                                          total: str) -> None:
    """F + M (+ _U, sex not reported, where given) against the total: the same warning, word for word."""
    cells = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_T", "AGE": "_T",
             "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020", "UNIT_MEASURE": "PS", "UNIT_MULT": "0",
             "OBS_STATUS": "A", "CONF_STATUS": "F"}
    rows = [ObservationRecord(cells={**cells, "SEX": sex, "OBS_VALUE": _SEX_ROWS[sex]}, row=i + 2)
            for i, sex in enumerate(given)]
    rows.append(ObservationRecord(cells={**cells, "SEX": "_T", "OBS_VALUE": total}, row=len(rows) + 2))
    parsed = ParsedFile(name="sexes.csv", format="csv", records=ObservationTable.from_records(rows),
                        columns=COMPONENTS)
    found = problems(columnar, parsed)
    assert found == problems(sparql, parsed)
    expected = (total == "70" and given == ("F", "M", "_U")) or (total == "100" and given == ("F", "M"))
    assert [p[1] for p in found if p[1] == "sex-total"] == (["sex-total"] if expected else [])


@st.composite
def submissions(draw: st.DrawFn) -> ParsedFile:
    """A few rows mixing valid codes with typical mistakes; some rows repeat an earlier one's key and values."""
    rows: list[ObservationRecord] = []
    for i in range(draw(st.integers(1, 25))):
        if rows and draw(st.integers(0, 5)) == 0:
            cells = dict(draw(st.sampled_from(rows)).cells)
            cells["SEX"] = draw(st.sampled_from(["F", "M", "_T"]))
            cells["OBS_VALUE"] = draw(st.sampled_from(_CODES["OBS_VALUE"]))
        else:
            cells = {c: draw(st.sampled_from(v)) for c, v in _CODES.items()}
        rows.append(ObservationRecord(cells=cells, row=i + 2))
    return ParsedFile(name="drawn.csv", format="csv", records=ObservationTable.from_records(rows),
                      columns=COMPONENTS)


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(parsed=submissions())
def test_drawn_rows_give_the_same_problems(columnar: Validator, sparql: Validator, parsed: ParsedFile) -> None:
    assert problems(columnar, parsed) == problems(sparql, parsed)


@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(parsed=submissions())
def test_drawn_rows_give_pyshacls_findings(columnar: Validator, reference: Validator, parsed: ParsedFile) -> None:
    assert findings(columnar, parsed) == findings(reference, parsed)


@pytest.fixture(scope="module")
def wdi_import() -> ParsedFile:
    from api.importers.areas import AreaIndex
    from api.importers.base import ImportContext
    from api.importers.wdi import WdiImporter
    from api.services.catalogue import load_catalogue

    folder = Path(os.environ.get("MPR_SOURCES", REPO / ".." / "shared" / "data")).resolve()
    path = folder / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    if not path.is_file():
        pytest.skip(f"the publishers' files are not at {folder} (set MPR_SOURCES)")
    context = ImportContext(areas=AreaIndex.load(ONTOLOGY), catalogue=load_catalogue(ONTOLOGY))
    return WdiImporter().read(path, context).parsed


def test_a_real_imported_file(wdi_import: ParsedFile, columnar: Validator, sparql: Validator,
                              reference: Validator) -> None:
    assert len(wdi_import.records) > 10_000
    assert problems(columnar, wdi_import) == problems(sparql, wdi_import)
    first = ParsedFile(name="wdi-5000.csv", format="csv", records=list(wdi_import.records)[:5_000])
    assert findings(columnar, first) == findings(reference, first)


def test_rdf_above_its_limit_is_refused_with_the_way_out() -> None:
    from api.errors import TooLarge
    from api.formats.rdf.reader import read_rdf

    ttl = next(p for p in sorted(EXAMPLES.iterdir()) if p.suffix == ".ttl")
    parsed = read_rdf(ttl)
    assert len(parsed.records) >= 1
    limited = Validator(ONTOLOGY, SHAPES, rdf_max_observations=len(parsed.records) - 1)
    with pytest.raises(TooLarge, match="CSV template, SDMX-CSV or SDMX-ML"):
        limited.validate(parsed)
    assert Validator(ONTOLOGY, SHAPES, rdf_max_observations=len(parsed.records)).validate(parsed) is not None
