"""Every command on a server store (issue "Outgrow one machine" 1): `build`, `import`, `export`, `query` and
`reindex` through the real command line with MPR_STORE=sparql, on Oxigraph server and on Virtuoso, over real
publishers' files (one World Bank dataset built, another World Bank file imported)."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api import cli
from api.config import Settings
from tests.conftest import REPO, emptied
from tests.engines import Engine

pytestmark = pytest.mark.server

runner = CliRunner()
BUILT = "WB_WDI_SM_POP_NETM"  # net migration: `build` from its description in datasets/
IMPORTED = "worldbank-wdi/API_SP.POP.TOTL_DS2_en_csv_v2_422125.csv"  # total population: `import wdi`
COUNT = "PREFIX mp: <https://w3id.org/migration-profile/def#> SELECT (COUNT(*) AS ?n) WHERE {{ ?o mp:indicator {} }}"
NETM = "<https://w3id.org/migration-profile/indicator/FLW_NET>"


@pytest.mark.parametrize("engine_fixture", ["oxigraph_engine", "virtuoso_engine"])
def test_build_import_export_query_reindex_on_a_server(engine_fixture: str, request: pytest.FixtureRequest,
                                                       tmp_path: Path, shared_data: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine: Engine = emptied(request.getfixturevalue(engine_fixture))
    shutil.copytree(REPO / "datasets" / BUILT, tmp_path / "datasets" / BUILT)
    env = {**engine.env(), "MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(shared_data),
           "MPR_BASE_IRI": "http://registry.test"}
    monkeypatch.setattr(cli, "_settings", lambda: replace(Settings.from_env(env), datasets_dir=tmp_path / "datasets"))

    built = runner.invoke(cli.app, ["build"], env=env)
    assert built.exit_code == 0, built.output
    assert "loaded" in built.output
    netm = runner.invoke(cli.app, ["query", COUNT.format(NETM)], env=env)
    assert netm.exit_code == 0, netm.output
    built_count = int(netm.stdout.splitlines()[1])
    assert built_count > 5_000

    imported = runner.invoke(cli.app, ["import", "wdi", str(shared_data / IMPORTED)], env=env)
    assert imported.exit_code == 0, imported.output
    everything = runner.invoke(cli.app, ["query", COUNT.format("?i")], env=env)
    assert int(everything.stdout.splitlines()[1]) > built_count  # the imported file added its observations

    exported = runner.invoke(cli.app, ["export", "--format", "csv"], env=env)
    assert exported.exit_code == 0, exported.output[:500]
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == int(everything.stdout.splitlines()[1])
    assert {r["INDICATOR"] for r in rows} >= {"FLW_NET"}
    nquads = runner.invoke(cli.app, ["export", "--format", "nq"], env=env)
    assert nquads.exit_code == 0 and "linked-data/cube#Observation>" in nquads.stdout

    refused = runner.invoke(cli.app, ["query", "DROP ALL"], env=env)
    assert refused.exit_code == 2  # read-only on a server store too

    for parquet in (tmp_path / "data").rglob("*.parquet"):
        parquet.unlink()
    reindexed = runner.invoke(cli.app, ["reindex"], env=env)
    assert reindexed.exit_code == 0, reindexed.output
    assert "column file(s) written" in reindexed.output
    assert any((tmp_path / "data").rglob("*.parquet"))
