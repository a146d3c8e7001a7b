"""Every failing example makes exactly its rule fire, at the expected row, column and value (DESIGN §5)."""

from __future__ import annotations

import pytest

from api.model.report import ValidationReport
from api.validation.validator import Validator
from tests.validation.conftest import BASE, EXAMPLES, read_example, read_turtle

# file -> (severity, rule, row, column, value)
EXPECTED: dict[str, tuple[str, str, int | None, str | None, str | None]] = {
    "range.csv": ("Violation", "range", 3, "OBS_VALUE", "104.2"),
    "code-list.csv": ("Violation", "code-list", 3, "REF_AREA", "QQQ"),
    "code-list-sex.csv": ("Violation", "code-list", 3, "SEX", "X"),
    "not-applicable-dimension.csv": ("Violation", "not-applicable-dimension", 3, "AGE", "Y15T64"),
    "breakdown-total.csv": ("Violation", "breakdown-total", 3, "SEX", "_Z"),
    "indicator-unit.csv": ("Violation", "indicator-unit", 3, "UNIT_MEASURE", "PS"),
    "datatype-obs-value.csv": ("Violation", "datatype", 3, "OBS_VALUE", "12,5"),
    "datatype-time-period.csv": ("Violation", "datatype", 3, "TIME_PERIOD", "2020/21"),
    "period-range.csv": ("Violation", "datatype", 3, "TIME_PERIOD", "0000"),
    "decimals-range.csv": ("Violation", "range", 3, "DECIMALS", "20"),
    "cardinality.csv": ("Violation", "cardinality", 3, "CONF_STATUS", None),
    "missing-value-status.csv": ("Violation", "missing-value-status", 3, "OBS_VALUE", None),
    "disclosure.csv": ("Violation", "disclosure", 3, "OBS_VALUE", "3"),
    "duplicate-key.csv": ("Violation", "duplicate-key", 4, None, "A.DEU.STK_IMM_PCT._Z._T._Z._Z 2020"),
    "sex-total.csv": ("Warning", "sex-total", 4, "OBS_VALUE", "8600000"),
    "usual-range.csv": ("Warning", "usual-range", 3, "OBS_VALUE", "-0.4"),
    "unit-consistency.csv": ("Violation", "unit-consistency", 3, "UNIT_MULT", "3"),
    "closed.ttl": ("Violation", "closed", 3, "PASSPORT", "X1234567"),
    "dataset-metadata.ttl": ("Violation", "dataset-metadata", None, "licence", None),
}
# A phrase each message must contain, so that a statistician learns what to do.
PHRASES = {
    "range.csv": "row 3, OBS_VALUE: 104.2 is above 100, the maximum for indicator STK_IMM_PCT",
    "period-range.csv": "row 3, TIME_PERIOD: 0000 is outside the years the registry accepts (1800-2200)",
    "datatype-time-period.csv": "row 3, TIME_PERIOD: '2020/21' is not an SDMX time period: write 2020, 2020-01",
    "code-list-sex.csv": "row 3, SEX: 'X' is not a sex code (code list CL_SEX); allowed: F, M, _T, _U, _Z",
    "not-applicable-dimension.csv": "row 3, AGE: indicator REM_IN is not broken down by age, so AGE must be _Z",
    "breakdown-total.csv": "use _T for a total",
    "closed.ttl": "accepts aggregates only",
    "disclosure.csv": ("row 3, OBS_VALUE: 3 persons is below the disclosure threshold of 5: leave OBS_VALUE empty, "
                       "set CONF_STATUS C and OBS_STATUS Q"),
    "duplicate-key.csv": "row 3 has the same dimension values",
    "sex-total.csv": "F + M = 8500000 (rows 2 and 3)",
    "dataset-metadata.ttl": "no licence",
    "usual-range.csv": "row 3, OBS_VALUE: -0.4 is below 0, the usual minimum for indicator REM_CST_CORR (Percent); "
    "published with this warning: A negative total cost is published where the exchange-rate margin favours",
}


def validate(validator: Validator, name: str) -> ValidationReport:
    if name.endswith(".ttl"):
        return validator.validate_graph(read_turtle(EXAMPLES / name), name)
    return validator.validate(read_example(name), base_iri=BASE)


def test_every_example_has_an_expectation() -> None:
    files = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".csv", ".ttl")}
    assert files == set(EXPECTED) | {"valid.csv"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_fires_exactly_its_rule(pyshacl_validator: Validator, name: str) -> None:
    report = validate(pyshacl_validator, name)
    got = [(p.severity, p.rule, p.row, p.column, p.value) for p in report.results]
    assert got == [EXPECTED[name]], [p.message for p in report.results]
    if name in PHRASES:
        assert PHRASES[name] in report.results[0].message
    assert report.conforms is (EXPECTED[name][0] != "Violation")


@pytest.mark.parametrize("validator_name", ["pyshacl_validator", "sparql_validator"])
def test_valid_file_conforms(request: pytest.FixtureRequest, validator_name: str) -> None:
    report = validate(request.getfixturevalue(validator_name), "valid.csv")
    assert report.results == ()
    assert report.conforms and report.observations == 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sparql_engine_gives_the_same_report(pyshacl_validator: Validator, sparql_validator: Validator,
                                              name: str) -> None:
    assert validate(sparql_validator, name).results == validate(pyshacl_validator, name).results
