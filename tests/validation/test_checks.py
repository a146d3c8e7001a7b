"""The set-based checks: duplicate keys, sex totals, one unit per series (DESIGN §5)."""

from __future__ import annotations

from api.model.submission import ObservationRecord, ParsedFile
from api.validation.checks import run_checks
from api.validation.validator import cube

COUNT = "https://w3id.org/migration-profile/indicator/STK_IMM"
BASE_CELLS = {"FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM", "COUNTERPART_AREA": "_T", "SEX": "_T",
              "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": "2020", "OBS_VALUE": "100", "UNIT_MEASURE": "PS",
              "UNIT_MULT": "0", "CONF_STATUS": "F"}


def check(*rows: dict[str, str], counts: tuple[str, ...] = (COUNT,)) -> list[tuple[str, str, int | None]]:
    records = [ObservationRecord(cells={**BASE_CELLS, **r}, row=i + 2) for i, r in enumerate(rows)]
    triples, observations = cube(ParsedFile("t.csv", "csv", records), "t", "http://registry.test")
    return [(p.rule, p.severity, p.row) for p in run_checks(triples, observations, counts)]


def test_different_years_are_different_keys() -> None:
    """xsd:gYear keys are compared as terms: 2019 and 2020 are two keys, not a type error."""
    assert check({"TIME_PERIOD": "2019"}, {"TIME_PERIOD": "2020"}, {"TIME_PERIOD": "2021"}) == []


def test_duplicate_key_names_the_later_rows() -> None:
    found = check({}, {"TIME_PERIOD": "2019"}, {}, {})
    assert found == [("duplicate-key", "Violation", 4), ("duplicate-key", "Violation", 5)]


def test_sex_total_within_half_a_percent_passes() -> None:
    assert check({"SEX": "F", "OBS_VALUE": "50"}, {"SEX": "M", "OBS_VALUE": "50"},
                 {"SEX": "_T", "OBS_VALUE": "100.4"}) == []


def test_sex_total_off_by_more_is_a_warning_on_the_total_row() -> None:
    found = check({"SEX": "F", "OBS_VALUE": "50"}, {"SEX": "_T", "OBS_VALUE": "101"}, {"SEX": "M", "OBS_VALUE": "50"})
    assert found == [("sex-total", "Warning", 3)]


def test_sex_total_only_for_counts_and_only_with_both_sexes() -> None:
    rows = ({"SEX": "F", "OBS_VALUE": "50"}, {"SEX": "M", "OBS_VALUE": "50"}, {"SEX": "_T", "OBS_VALUE": "120"})
    assert check(*rows, counts=()) == []
    assert check(rows[0], rows[2]) == []


def test_sex_not_reported_counts_in_the_sum_where_given() -> None:
    """Incident records give the sex of some people only: F + M + _U (not reported) make the total."""
    rows = ({"SEX": "F", "OBS_VALUE": "20"}, {"SEX": "M", "OBS_VALUE": "50"}, {"SEX": "_U", "OBS_VALUE": "30"})
    assert check(*rows, {"SEX": "_T", "OBS_VALUE": "100"}) == []
    assert check(*rows, {"SEX": "_T", "OBS_VALUE": "70"}) == [("sex-total", "Warning", 5)]
    assert check(*rows[:2], {"SEX": "_T", "OBS_VALUE": "100"}) == [("sex-total", "Warning", 4)]
    assert check(rows[0], rows[2], {"SEX": "_T", "OBS_VALUE": "50"}) == []  # M not given: nothing to compare


def test_sex_total_compares_within_the_same_key() -> None:
    """F and M of 2019 do not add up to the total of 2020."""
    assert check({"SEX": "F", "OBS_VALUE": "50", "TIME_PERIOD": "2019"}, {"SEX": "M", "OBS_VALUE": "50"},
                 {"SEX": "F", "OBS_VALUE": "50"}, {"SEX": "_T", "OBS_VALUE": "100"},
                 {"SEX": "M", "OBS_VALUE": "40", "TIME_PERIOD": "2019"}) == []


def test_unit_multiplier_change_inside_a_series() -> None:
    found = check({"TIME_PERIOD": "2018"}, {"TIME_PERIOD": "2019", "UNIT_MULT": "3"}, {"TIME_PERIOD": "2020"})
    assert found == [("unit-consistency", "Violation", 3)]


def test_missing_multiplier_counts_as_units() -> None:
    assert check({"TIME_PERIOD": "2018", "UNIT_MULT": ""}, {"TIME_PERIOD": "2019"}) == []


def test_unit_change_names_the_unit_column() -> None:
    records = [ObservationRecord(cells={**BASE_CELLS, "TIME_PERIOD": y, "UNIT_MEASURE": u}, row=i + 2)
               for i, (y, u) in enumerate((("2018", "PS"), ("2019", "PT"), ("2020", "PS")))]
    triples, observations = cube(ParsedFile("t.csv", "csv", records), "t", "http://registry.test")
    [problem] = run_checks(triples, observations, ())
    assert (problem.column, problem.value, problem.row) == ("UNIT_MEASURE", "PT", 3)
