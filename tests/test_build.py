"""`mpr build` / `make serve`: the store built from datasets/ and the publishers' real files.

One session-scoped build (on disk, as `make serve` does) is shared by these tests: it must load the
four publishers, cover at least 200 areas, keep every figure equal to its source cell, pass the W3C
Data Cube integrity constraints on everything published, and be served by a real `mpr serve`.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from api.services import build as build_service
from api.services.admin import export
from api.services.registry import Registry, open_registry
from api.validation.integrity import check_integrity
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[tuple[Registry, list]]:
    settings = make_settings(tmp_path_factory.mktemp("built") / "data")
    registry = open_registry(settings)
    outcomes = build_service.build(registry)
    yield registry, outcomes
    registry.close()


def test_every_described_dataset_is_loaded(built: tuple[Registry, list]) -> None:
    _, outcomes = built
    assert outcomes and all(o.status == "loaded" for o in outcomes), outcomes


PREFIXES = ("PREFIX mp: <https://w3id.org/migration-profile/def#> PREFIX prov: <http://www.w3.org/ns/prov#> "
            "PREFIX qb: <http://purl.org/linked-data/cube#> ")


def test_four_publishers_and_two_hundred_areas(built: tuple[Registry, list]) -> None:
    registry, _ = built
    graphs = registry.public_graphs()
    areas = registry.store.select(PREFIXES + "SELECT (COUNT(DISTINCT ?area) AS ?n) WHERE { ?o mp:refArea ?area }",
                                  default_graphs=graphs)
    assert int(areas[0]["n"].value) >= 200
    publishers = {row["agency"].value.rsplit("/", 1)[-1] for row in registry.store.select(
        PREFIXES + "SELECT DISTINCT ?agency WHERE { ?d a qb:DataSet ; prov:wasAttributedTo ?agency }",
        default_graphs=graphs)}
    assert {"WB", "UNDESA", "UNHCR", "UNSD"} <= publishers


def _value(registry: Registry, key: str, period: str, dataset: str) -> str:
    """The value of one observation of one dataset's current version."""
    rows = registry.store.select(
        PREFIXES + "SELECT ?v ?key ?period WHERE { ?o mp:seriesKey ?key ; mp:timePeriod ?t ; mp:obsValue ?v "
        "FILTER(STR(?t) = ?period) }",
        {"key": pyoxigraph.Literal(key), "period": pyoxigraph.Literal(period)},
        default_graphs=[registry.iris.submission(f"{dataset}-v1")])
    assert len(rows) == 1, (key, period, rows)
    return str(rows[0]["v"].value)


def test_figures_equal_the_source_cells(built: tuple[Registry, list], shared_data: Path) -> None:
    registry, _ = built
    wdi = shared_data / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    lines = wdi.read_text(encoding="utf-8-sig").splitlines()[4:]
    deu = next(r for r in csv.DictReader(io.StringIO("\n".join(lines))) if r["Country Code"] == "DEU")
    for year in ("1990", "2015", "2022"):
        assert float(_value(registry, "A.DEU.FLW_NET._Z._T._Z._Z", year, "WB_WDI_SM_POP_NETM")) == float(deu[year])
    syb = shared_data / "unsd-syb-migrants-refugees" / "SYB65_327_202209_International Migrants and Refugees.csv"
    rows = list(csv.reader(io.StringIO(syb.read_text(encoding="utf-8-sig"))))[2:]
    world = next(r for r in rows if r[0] == "1" and r[2] == "2020" and r[3].endswith("Both sexes (number)"))
    stock = _value(registry, "A.001.STK_IMM._T._T._T._Z", "2020", "UNSD_SYB65_MIGRANTS_REFUGEES")
    assert float(stock) == float(world[4].replace(",", ""))


def test_published_cube_passes_integrity_constraints(built: tuple[Registry, list]) -> None:
    registry, _ = built
    # the quads `mpr export --format nq` writes (its text is read back in test_cli and tests/deploy)
    violations = check_integrity(export.public_quads(registry))
    assert violations == [], violations[:5]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mpr_serve_serves_the_built_store(built: tuple[Registry, list]) -> None:
    registry, _ = built
    data_dir = registry.settings.data_dir
    registry.close()  # release the store's lock for the server process
    port = _free_port()
    env = {**os.environ, "MPR_DATA": str(data_dir), "MPR_SOURCES": str(registry.settings.sources_dir),
           "MPR_BASE_IRI": registry.settings.base_iri}
    mpr = Path(sys.executable).parent / "mpr"
    server = subprocess.Popen([str(mpr), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert '"status":"ok"' in body.replace(" ", "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:  # the first view read
            page = response.read().decode()
        assert "UNHCR_RDF_1995_2014" in page and "UNDESA_IMS2020_DESTINATION" in page
        described = build_service.read_descriptions(registry.settings.datasets_dir)
        assert page.count('<a href="/datasets/') == len(described)  # every built dataset, all public
    finally:
        server.terminate()
        server.wait(timeout=20)
