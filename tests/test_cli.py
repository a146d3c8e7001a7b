"""`mpr`: template, validate (exit 0/1/2), load, export and query through the real command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.formats.tabular.template import template_header
from tests.conftest import REPO, sources_dir
from tests.services.samples import stock_row, valid_rows, write

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir()),
            "MPR_BASE_IRI": "http://registry.test"}


def test_template_prefills_units_and_breakdowns(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["template", "STK_IMM", "REM_IN", "--area", "DE", "--years", "2019-2020"], env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == template_header()
    assert len(rows) == 4
    stock = rows[0]
    assert (stock["REF_AREA"], stock["INDICATOR"], stock["UNIT_MEASURE"], stock["SEX"], stock["MIGRATION_STATUS"]) == (
        "DEU", "STK_IMM", "PS", "_T", "_Z")
    assert rows[2]["INDICATOR"] == "REM_IN" and rows[2]["SEX"] == "_Z" and rows[2]["UNIT_MEASURE"] == "USD"


def test_template_unknown_indicator_suggests(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["template", "STK_IMX"], env=env)
    assert result.exit_code == 2
    assert "STK_IMM" in result.output


def test_validate_exit_codes(env: dict[str, str], tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", *valid_rows())
    bad = write(tmp_path / "bad.csv", stock_row("DEU", "2020", "abc"))
    unreadable = tmp_path / "latin.csv"
    unreadable.write_bytes(good.read_bytes().replace(b"DEU", b"D\xc9U"))
    ok = runner.invoke(app, ["validate", str(good)], env=env)
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(app, ["validate", str(bad), "--json"], env=env)
    assert failed.exit_code == 1
    report = json.loads(failed.stdout)
    assert report["conforms"] is False
    first = report["results"][0]
    assert (first["row"], first["column"], first["value"]) == (2, "OBS_VALUE", "abc")
    assert set(first) == {"severity", "rule", "message", "row", "column", "value", "focus", "suggestions"}
    assert runner.invoke(app, ["validate", str(unreadable)], env=env).exit_code == 2
    assert runner.invoke(app, ["validate", str(tmp_path / "missing.csv")], env=env).exit_code == 2


def test_load_then_export_and_query(env: dict[str, str], tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", *valid_rows())
    loaded = runner.invoke(app, ["load", str(good), "--agency", "DESTATIS", "--dataset", "DEU_STOCK"], env=env)
    assert loaded.exit_code == 0, loaded.output
    exported = runner.invoke(app, ["export", "--format", "csv"], env=env)
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {(r["REF_AREA"], r["TIME_PERIOD"], r["OBS_VALUE"]) for r in rows} == {
        ("DEU", "2019", "15000000"), ("DEU", "2020", "15762457"), ("FRA", "2020", "8524876")}
    turtle = runner.invoke(app, ["export", "--format", "ttl"], env=env)
    assert turtle.exit_code == 0 and "qb:Observation" in turtle.stdout
    nquads = runner.invoke(app, ["export", "--format", "nq"], env=env)
    assert nquads.exit_code == 0 and "/id/submission/DEU_STOCK-v1>" in nquads.stdout
    count = runner.invoke(app, ["query", "PREFIX qb: <http://purl.org/linked-data/cube#> "
                                "SELECT (COUNT(*) AS ?n) WHERE { ?o a qb:Observation }"], env=env)
    assert count.exit_code == 0 and count.stdout.splitlines()[1] == "3"
    update = runner.invoke(app, ["query", "DROP ALL"], env=env)
    assert update.exit_code == 2


def test_load_refuses_a_file_with_violations(env: dict[str, str], tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", stock_row("DEU", "2020", "-1"))
    result = runner.invoke(app, ["load", str(bad), "--agency", "DESTATIS"], env=env)
    assert result.exit_code == 1
    exported = runner.invoke(app, ["export"], env=env)
    assert exported.stdout.strip() == ",".join(template_header())


def test_import_reports_unmapped_areas_and_loads(env: dict[str, str]) -> None:
    wdi = sources_dir() / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    if not wdi.is_file():
        pytest.skip("the publishers' files are not available")
    result = runner.invoke(app, ["import", "wdi", str(wdi)], env=env)
    assert result.exit_code == 0, result.output
    assert "not mapped" in result.output and "AFE" in result.output
    count = runner.invoke(app, ["query", "PREFIX mp: <https://w3id.org/migration-profile/def#> "
                                "SELECT (COUNT(*) AS ?n) WHERE { ?o mp:indicator ?i }"], env=env)
    assert int(count.stdout.splitlines()[1]) > 10_000
    unknown = runner.invoke(app, ["import", "nosuch", str(wdi)], env=env)
    assert unknown.exit_code == 2 and "wdi" in unknown.output


def test_indicators_lists_what_the_template_accepts(env: dict[str, str]) -> None:
    stocks = runner.invoke(app, ["indicators", "--section", "STK", "--lang", "fr"], env={**env, "COLUMNS": "200"})
    assert stocks.exit_code == 0, stocks.output
    assert "STK_IMM" in stocks.stdout and "Stock de migrants internationaux" in stocks.stdout
    assert "FLW_IN" not in stocks.stdout and "International migrant stock" not in stocks.stdout
    everything = runner.invoke(app, ["indicators"], env={**env, "COLUMNS": "200"})
    assert "FLW_IN" in everything.stdout and "International migrant stock" in everything.stdout
    unknown = runner.invoke(app, ["indicators", "--section", "XYZ"], env=env)
    assert unknown.exit_code == 2 and "STK" in unknown.output


@pytest.mark.parametrize("name", ["CL_SEX", "SEX", "sex"])
def test_codes_lists_a_code_list_by_its_id_column_or_name(env: dict[str, str], name: str) -> None:
    result = runner.invoke(app, ["codes", name], env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "CL_SEX: 5 code(s), for" in result.stdout
    assert "Female" in result.stdout and "_T" in result.stdout


def test_codes_of_areas_and_an_unknown_list(env: dict[str, str]) -> None:
    areas = runner.invoke(app, ["codes", "REF_AREA"], env={**env, "COLUMNS": "200"})
    assert areas.exit_code == 0 and "for REF_AREA, COUNTERPART_AREA" in areas.stdout and "Germany" in areas.stdout
    unknown = runner.invoke(app, ["codes", "SEXX"], env=env)
    assert unknown.exit_code == 2 and "Did you mean SEX" in unknown.output


_LOADED = """
import sys
from api.cli import app
from typer.testing import CliRunner
result = CliRunner().invoke(app, ["validate", sys.argv[1]])
print(result.exit_code, *sorted(m for m in ("openpyxl", "numpy", "pyshacl", "pyarrow") if m in sys.modules))
"""


def test_validate_of_a_csv_leaves_the_workbook_pyshacl_and_parquet_libraries_unloaded(env: dict[str, str],
                                                                                         tmp_path: Path) -> None:
    """Start-up is a large part of ``mpr validate`` on a file of 100k rows: what a CSV does not need is not
    imported (openpyxl and numpy, pyshacl, pyarrow)."""
    good = write(tmp_path / "good.csv", *valid_rows())
    done = subprocess.run([sys.executable, "-c", _LOADED, str(good)], capture_output=True, text=True, check=True,
                          env={**os.environ, **env, "PYTHONPATH": str(REPO)}, cwd=REPO)
    assert done.stdout.split() == ["0"], done.stdout + done.stderr
