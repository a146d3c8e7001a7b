"""A report a statistician can act on, tried as a new user would: a real template from `mpr template`, filled in,
validated; the findings reviewed whatever the engine (pyshacl, SPARQL)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.formats.tabular.template import read_csv
from api.model.report import GROUP_ROWS, RULE_TITLES, ValidationReport, report_schema
from api.model.submission import Problem
from api.validation.review import without_missing_columns
from api.validation.suggestions import CodeIndex
from api.validation.validator import Validator
from tests.conftest import sources_dir
from tests.validation.conftest import read_turtle

runner = CliRunner()
ENV = {"MPR_SOURCES": str(sources_dir()), "MPR_BASE_IRI": "http://registry.test"}


@pytest.fixture(scope="module")
def template_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The template `mpr template STK_IMM --area DEU --years 2019-2021` writes: 3 rows to fill."""
    env = {**ENV, "MPR_DATA": str(tmp_path_factory.mktemp("data"))}
    result = runner.invoke(app, ["template", "STK_IMM", "--area", "DEU", "--years", "2019-2021"], env=env)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def write_rows(path: Path, rows: list[dict[str, str]], drop: tuple[str, ...] = ()) -> Path:
    columns = [c for c in rows[0] if c not in drop]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def filled(rows: list[dict[str, str]], *values: str, **changes: str) -> list[dict[str, str]]:
    return [{**r, "OBS_VALUE": v, **changes} for r, v in zip(rows, values, strict=True)]


@pytest.fixture(params=["pyshacl", "sparql"])
def validator(request: pytest.FixtureRequest, pyshacl_validator: Validator, sparql_validator: Validator
              ) -> Validator:
    return pyshacl_validator if request.param == "pyshacl" else sparql_validator


def test_a_missing_column_is_one_finding(validator: Validator, template_rows: list[dict[str, str]],
                                         tmp_path: Path) -> None:
    path = write_rows(tmp_path / "three.csv", filled(template_rows, "100", "200", "300"),
                      drop=("UNIT_MEASURE", "SEX", "AGE"))
    report = validator.validate(read_csv(path))
    assert sorted((p.rule, p.column, p.row) for p in report.results) == [
        ("missing-column", "AGE", 1), ("missing-column", "SEX", 1), ("missing-column", "UNIT_MEASURE", 1)]


def test_only_the_missing_columns_lose_their_row_findings() -> None:
    problems = [Problem("Violation", "missing-column", "m", row=1, column="SEX"),
                Problem("Violation", "cardinality", "c", row=2, column="SEX"),
                Problem("Violation", "cardinality", "c", row=2, column="AGE")]
    assert [(p.rule, p.column) for p in without_missing_columns(problems)] == [
        ("missing-column", "SEX"), ("cardinality", "AGE")]


def test_following_the_disclosure_advice_validates(template_rows: list[dict[str, str]], tmp_path: Path) -> None:
    env = {**ENV, "MPR_DATA": str(tmp_path / "data")}
    small = write_rows(tmp_path / "small.csv", filled(template_rows, "3", "100", "200"))
    result = runner.invoke(app, ["validate", str(small), "--json"], env=env)
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["results"]
    assert finding["rule"] == "disclosure" and finding["row"] == 2 and finding["column"] == "OBS_VALUE"
    assert ("3 persons is below the disclosure threshold of 5: leave OBS_VALUE empty, set CONF_STATUS C and "
            "OBS_STATUS Q") in finding["message"]
    # The advice, followed to the letter: nothing else to fix.
    advice = re.search(r"leave (\w+) empty, set (\w+) (\w) and (\w+) (\w)", finding["message"])
    assert advice is not None
    empty, conf, conf_code, status, status_code = advice.groups()
    rows = filled(template_rows, "3", "100", "200")
    rows[0] = {**rows[0], empty: "", conf: conf_code, status: status_code}
    fixed = runner.invoke(app, ["validate", str(write_rows(tmp_path / "fixed.csv", rows)), "--json"], env=env)
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.stdout)["results"] == []


@pytest.fixture(scope="module")
def codes() -> CodeIndex:
    from tests.validation.conftest import ONTOLOGY

    return CodeIndex(t for path in sorted(ONTOLOGY.rglob("*.ttl")) for t in read_turtle(path))


@pytest.mark.parametrize(("column", "written", "meant"), [
    ("REF_AREA", "GER", "DEU"),  # the start of its name
    ("REF_AREA", "DE", "DEU"),  # ISO 3166-1 alpha-2
    ("REF_AREA", "276", "DEU"),  # M49
    ("REF_AREA", "deu", "DEU"),  # the code in another case
    ("COUNTERPART_AREA", "Allemagne", "DEU"),  # a label in French
    ("INDICATOR", "stk_imm", "STK_IMM"),
    ("INDICATOR", "STK_IMN", "STK_IMM"),  # a typing error
    ("UNIT_MEASURE", "ps", "PS"),
    ("SEX", "Female", "F"),
])
def test_unknown_codes_get_suggestions(codes: CodeIndex, column: str, written: str, meant: str) -> None:
    assert codes.suggest(column, written)[0] == meant


def test_no_suggestion_without_a_likely_code(codes: CodeIndex) -> None:
    assert codes.suggest("SEX", "QQQQQQ") == ()
    assert codes.suggest("OBS_VALUE", "GER") == ()  # not a coded column


def test_suggestions_in_the_cli_and_the_json_report(template_rows: list[dict[str, str]], tmp_path: Path) -> None:
    env = {**ENV, "MPR_DATA": str(tmp_path / "data")}
    rows = filled(template_rows, "100", "200", "300")
    rows[0] = {**rows[0], "REF_AREA": "GER"}
    rows[1] = {**rows[1], "INDICATOR": "stk_imm"}
    path = write_rows(tmp_path / "codes.csv", rows)
    text = runner.invoke(app, ["validate", str(path)], env=env)
    assert text.exit_code == 1
    assert "did you mean DEU (Germany)?" in text.stdout and "did you mean STK_IMM" in text.stdout
    report = json.loads(runner.invoke(app, ["validate", str(path), "--json"], env=env).stdout)
    jsonschema.validate(report, report_schema())
    assert {(r["row"], r["column"], tuple(r["suggestions"])) for r in report["results"]} == {
        (2, "REF_AREA", ("DEU",)), (3, "INDICATOR", ("STK_IMM",))}


def many_errors(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One template row broken in a different way per row: together they break most rules of the registry."""
    base = {**rows[0], "OBS_VALUE": "100"}
    broken = [
        {"REF_AREA": "GER"}, {"OBS_VALUE": "12,5"}, {"OBS_VALUE": "-5"}, {"MIGRATION_STATUS": "_T"},
        {"SEX": "_Z"}, {"UNIT_MEASURE": "PT"}, {"OBS_VALUE": ""}, {"OBS_VALUE": "3"}, {"FREQ": ""},
        {"TIME_PERIOD": "2020-13"}, {"COMMENT": "=1+1"}, {"STRUCTURE_ID": "ESTAT:OTHER(1.0)"},
        {"TIME_PERIOD": "2001"}, {"TIME_PERIOD": "2001", "COMMENT": "again"},
        {"TIME_PERIOD": "2002", "SEX": "_T", "OBS_VALUE": "1000"},
        {"TIME_PERIOD": "2002", "SEX": "F", "OBS_VALUE": "10"},
        {"TIME_PERIOD": "2002", "SEX": "M", "OBS_VALUE": "10"},
        {"TIME_PERIOD": "2003", "UNIT_MULT": "3"},
    ]
    return [{**base, "TIME_PERIOD": f"{1980 + n}", **change} for n, change in enumerate(broken)]


EXPECTED_RULES = {"code-list", "datatype", "range", "not-applicable-dimension", "breakdown-total", "indicator-unit",
                  "missing-value-status", "disclosure", "cardinality", "formula-injection", "structure",
                  "duplicate-key", "sex-total", "unit-consistency", "closed"}
_JARGON = re.compile(r"\[[a-z-]+\]|ConstraintComponent|\bsh:|\bmps?:|\bqb:|\bskos:")
_CODE_LIST_ID = re.compile(r"CL_[A-Z_]+")


def assert_plain(message: str) -> None:
    assert not _JARGON.search(message), message
    for found in _CODE_LIST_ID.finditer(message):  # a code-list id only beside a plain phrase
        assert message[:found.start()].endswith("(code list "), message


def test_no_internal_jargon_in_any_rule_message(validator: Validator, template_rows: list[dict[str, str]],
                                                tmp_path: Path) -> None:
    rows = many_errors(template_rows)
    rows[0]["EXTRA_NAME"] = "Jane"  # a column outside the structure (closed)
    path = tmp_path / "all.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*template_rows[0], "EXTRA_NAME"], lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    report = validator.validate(read_csv(path))
    missing = write_rows(tmp_path / "missing.csv", filled(template_rows, "1", "2", "3"), drop=("SEX",))
    duplicated = tmp_path / "duplicated.csv"
    duplicated.write_text(path.read_text().replace("SOURCE_DETAIL", "COMMENT", 1), encoding="utf-8")
    results = [*report.results, *validator.validate(read_csv(missing)).results,
               *validator.validate(read_csv(duplicated)).results]
    seen = {p.rule for p in results}
    assert EXPECTED_RULES | {"missing-column", "duplicate-column"} <= seen
    for p in results:
        assert_plain(p.message)
        assert p.rule in RULE_TITLES
    text = ValidationReport("all.csv", 1, tuple(results)).to_text()
    assert not re.search(r"\[[a-z-]+\]", text)


def test_summary_first_then_groups_with_their_first_rows(template_rows: list[dict[str, str]],
                                                         pyshacl_validator: Validator, tmp_path: Path) -> None:
    base = {**template_rows[0], "OBS_VALUE": "100", "REF_AREA": "GER"}
    rows = [{**base, "TIME_PERIOD": str(2000 + n)} for n in range(8)]
    rows.append({**base, "REF_AREA": "DEU", "TIME_PERIOD": "2010", "OBS_VALUE": "x"})
    report = pyshacl_validator.validate(read_csv(write_rows(tmp_path / "eight.csv", rows)))
    body = report.to_dict()
    jsonschema.validate(body, report_schema())
    assert body["by_rule"] == [
        {"severity": "Violation", "rule": "code-list", "title": RULE_TITLES["code-list"], "count": 8},
        {"severity": "Violation", "rule": "datatype", "title": RULE_TITLES["datatype"], "count": 1}]
    assert body["by_column"] == [{"column": "REF_AREA", "count": 8}, {"column": "OBS_VALUE", "count": 1}]
    first = body["groups"][0]
    assert (first["rule"], first["column"], first["count"], first["rows"], first["more_rows"], first["more"]) == (
        "code-list", "REF_AREA", 8, [2, 3, 4, 5, 6], 3, 3)
    assert len(first["first"]) == GROUP_ROWS
    text = report.to_text()
    lines = text.splitlines()
    assert lines[1].startswith("  by rule:") and lines[2].startswith("  by column:")
    assert "... and 3 more (rows 7-9)" in text
    assert text.count("is not an area code") == GROUP_ROWS
