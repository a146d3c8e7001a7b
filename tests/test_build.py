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
from pyoxigraph import RdfFormat, Triple

from api.services import build as build_service
from api.services import export
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


def test_four_publishers_and_two_hundred_areas(built: tuple[Registry, list]) -> None:
    registry, _ = built
    rows = list(export.public_rows(registry))
    areas = {r["REF_AREA"] for r in rows}
    assert len(areas) >= 200
    publishers = {row["agency"].value.rsplit("/", 1)[-1] for row in registry.store.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX qb: <http://purl.org/linked-data/cube#> "
        "SELECT DISTINCT ?agency WHERE { ?d a qb:DataSet ; prov:wasAttributedTo ?agency }",
        default_graphs=registry.public_graphs())}
    assert {"WB", "UNDESA", "UNHCR", "UNSD"} <= publishers


def test_figures_equal_the_source_cells(built: tuple[Registry, list], shared_data: Path) -> None:
    registry, _ = built
    values = {(r["INDICATOR"], r["REF_AREA"], r["TIME_PERIOD"], r["SEX"]): r["OBS_VALUE"]
              for r in export.public_rows(registry) if r["COUNTERPART_AREA"] in ("_T", "_Z")}
    wdi = shared_data / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    lines = wdi.read_text(encoding="utf-8-sig").splitlines()[4:]
    table = list(csv.DictReader(io.StringIO("\n".join(lines))))
    deu = next(r for r in table if r["Country Code"] == "DEU")
    for year in ("1990", "2015", "2022"):
        assert float(values[("FLW_NET", "DEU", year, "_T")]) == float(deu[year])


def test_published_cube_passes_integrity_constraints(built: tuple[Registry, list]) -> None:
    registry, _ = built
    buffer = io.BytesIO()
    export.export_rdf(registry, buffer, "nq")
    triples = [Triple(q.subject, q.predicate, q.object)
               for q in pyoxigraph.parse(buffer.getvalue(), format=RdfFormat.N_QUADS)]
    violations = check_integrity(triples)
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
        assert '"datasets":9' in body.replace(" ", "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            page = response.read().decode()
        assert "UNHCR_RDF_1995_2014" in page and "UNDESA_IMS2020_DESTINATION" in page
    finally:
        server.terminate()
        server.wait(timeout=20)
