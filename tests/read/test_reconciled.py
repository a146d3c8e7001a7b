"""The reconciled view (issue 14): one value per key and period in the public dataflow, each saying its dataset,
chosen by precedence (national agency for its own country > the indicator's primary source > newest release;
a republication never outranks its origin); the other sources stay reachable by provider, dataset and
``all_sources``. Built from the publishers' real files whose figures overlap (UN DESA and the UNSD Yearbook
that republishes it; UN DESA and World Bank population) plus two national submissions."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sdmx
import sdmx.reader.xml.v30
from fastapi.testclient import TestClient

from api.errors import NotFound
from api.model.agency import AgencyKind
from api.model.sdmx_data_query import DataQuery
from api.model.structure import SERIES_DIMENSIONS
from api.model.submission import SubmissionMetadata
from api.services import build
from api.services.admin.agencies import AgencyRequest, add_agency
from api.services.registry import Registry
from api.services.sdmx.data import data_message
from api.services.submissions import ingest
from api.web.app import create_app
from tests.conftest import REPO, WorldEngines, make_settings, open_world
from tests.engines import Engine
from tests.read.conftest import row
from tests.services.samples import write

OVERLAPPING = ("UNDESA_IMS2020_DESTINATION", "UNSD_SYB65_MIGRANTS_REFUGEES", "WB_WDI_SP_POP_TOTL")
NATIONAL_VALUE = "15762457"  # DESTATIS's own figure for Germany, 2020


@dataclass(frozen=True)
class World:
    registry: Registry
    client: TestClient


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
          ) -> Iterator[World]:
    with world_engines.world() as engine:
        yield from _world(tmp_path_factory.mktemp("reconciled"), shared_data, engine)


def _world(root: Path, shared_data: Path, engine: Engine | None) -> Iterator[World]:
    for name in OVERLAPPING:
        shutil.copytree(REPO / "datasets" / name, root / "datasets" / name)
    settings = replace(make_settings(root / "data"), datasets_dir=root / "datasets", sources_dir=shared_data)
    registry = open_world(settings, engine)
    assert [o.status for o in build.build(registry)] == ["loaded"] * len(OVERLAPPING)
    add_agency(registry, AgencyRequest("DESTATIS", ["Statistisches Bundesamt@de"], AgencyKind.NSO, country="DEU"))
    for dataset, agency, rows in (("NSO_DEU_STOCK", "DESTATIS", [row("DEU", "2020", NATIONAL_VALUE)]),
                                  ("STUDY_ABROAD", "ACADEMY", [row("DEU", "2020", "15000001")])):
        meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=dataset, sources=(f"{agency} census",))
        ingest.submit(registry, ingest.read_file(registry, write(root / f"{dataset}.csv", *rows)), meta)
    try:
        yield World(registry, TestClient(create_app(registry)))
    finally:
        registry.close()


def _all_data(registry: Registry, query: DataQuery | None = None) -> list[tuple[tuple[str, ...], str, dict[str, str]]]:
    message = data_message(registry, query or DataQuery())
    return [(series.key, obs.key[0], obs.attributes) for series in message.series() for obs in series.observations]


def _found(registry: Registry, query: DataQuery) -> bool:
    try:
        return bool(_all_data(registry, query))
    except NotFound:
        return False


def _one(area_period: tuple[str, str], provider: str) -> DataQuery:
    from api.services.sdmx.data_params import parse_data_v1

    return parse_data_v1("MIGRATION_PROFILE", f"A.{area_period[0]}.CTX_POP....", provider,
                         {"startPeriod": area_period[1], "endPeriod": area_period[1]})


def test_the_public_dataflow_has_one_value_per_key_and_period(world: World) -> None:
    every = world.client.get("/api/observations", params={"all_sources": "true", "per_page": 1})
    reconciled = _all_data(world.registry)
    counts = Counter((key, period) for key, period, _ in reconciled)
    assert [k for k, n in counts.items() if n > 1] == []
    # the sources do overlap: the view answers fewer values than the datasets hold, and every key of theirs
    assert int(every.headers["X-Total-Count"]) > len(reconciled) > 0
    assert all(attributes.get("DATASET") for _, _, attributes in reconciled)


def test_precedence_national_then_primary_source_and_a_republication_never_outranks_its_origin(
        world: World) -> None:
    values = {(key[1], key[2], period): attributes["DATASET"] for key, period, attributes in _all_data(world.registry)
              if key[3:] == ("_T", "_T", "_T", "_Z")}
    assert values[("DEU", "STK_IMM", "2020")] == "NSO_DEU_STOCK"  # the national agency, for its own country
    assert values[("DEU", "STK_IMM", "2015")] == "UNDESA_IMS2020_DESTINATION"  # the primary source, not UNSD
    # a newer figure of an agency that is neither Germany's nor the primary source never wins
    assert "STUDY_ABROAD" not in values.values()
    # the republication answers only periods its origin does not give
    origin = {(*k[:2], k[2]) for k, d in values.items() if d == "UNDESA_IMS2020_DESTINATION"}
    assert not any(k in origin for k, d in values.items() if d == "UNSD_SYB65_MIGRANTS_REFUGEES")
    # where UN DESA and the World Bank both give a population, UN DESA (CTX_POP's primary source) answers
    population: dict[tuple[str, str], set[str]] = {}
    for key, period, attributes in _all_data(world.registry, DataQuery(provider="UNDESA+WB")):
        if key[2] == "CTX_POP":
            population.setdefault((key[1], period), set()).add(attributes["DATASET"])
    both = [k for k in sorted(population)[:200] if _found(world.registry, _one(k, "UNDESA"))
            and _found(world.registry, _one(k, "WB"))]
    assert both and all(population[k] == {"UNDESA_IMS2020_DESTINATION"} for k in both)


def test_other_sources_by_provider_dataset_and_all_sources(world: World) -> None:
    client = world.client
    key = "A.DEU.STK_IMM._T._T._T._Z"
    unsd = client.get(f"/sdmx/v1/data/MIGRATION_PROFILE/{key}/UNSD", params={"format": "csvdata"})
    assert unsd.status_code == 200, unsd.text
    rows = list(csv.DictReader(io.StringIO(unsd.text)))
    assert rows and {r["DATASET"] for r in rows} == {"UNSD_SYB65_MIGRANTS_REFUGEES"}
    v2 = client.get(f"/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/{key}",
                    params={"format": "csvdata", "provider": "MPR,ACADEMY"})
    assert [(r["TIME_PERIOD"], r["OBS_VALUE"], r["DATASET"]) for r in csv.DictReader(io.StringIO(v2.text))] == [
        ("2020", "15000001", "STUDY_ABROAD")]
    assert client.get(f"/sdmx/v1/data/MIGRATION_PROFILE/{key}/NOBODY").status_code == 404
    assert client.get(f"/sdmx/v1/data/MIGRATION_PROFILE/{key}/a;b").status_code == 400
    public = client.get("/api/observations", params={"indicator": "STK_IMM", "area": "DEU", "from": "2020",
                                                     "to": "2020", "sex": "_T", "counterpart_area": "_T"}).json()
    assert [(o["value"], o["provenance"]["dataset"]) for o in public["observations"]] == [
        (float(NATIONAL_VALUE), "NSO_DEU_STOCK")]
    every = client.get("/api/observations", params={"indicator": "STK_IMM", "area": "DEU", "from": "2020",
                                                    "to": "2020", "sex": "_T", "counterpart_area": "_T",
                                                    "all_sources": "true"}).json()
    assert {o["provenance"]["dataset"] for o in every["observations"]} == {
        "NSO_DEU_STOCK", "STUDY_ABROAD", "UNDESA_IMS2020_DESTINATION", "UNSD_SYB65_MIGRANTS_REFUGEES"}


def test_each_dataset_distribution_gives_only_that_dataset(world: World) -> None:
    client = world.client
    listed = {d["id"]: d for d in client.get("/api/datasets").json()}
    for dataset_id in ("UNSD_SYB65_MIGRANTS_REFUGEES", "STUDY_ABROAD"):
        for distribution in listed[dataset_id]["distributions"]:
            url = distribution["access_url"]
            if "/rdf" in url:
                continue
            answer = client.get(url + ("&per_page=1000" if "/api/" in url else ""))
            assert answer.status_code == 200, (distribution, answer.text[:300])
            if "json" in answer.headers["content-type"]:
                found = {o["provenance"]["dataset"] for o in answer.json()["observations"]}
                total = int(answer.headers["X-Total-Count"])
            else:
                rows = list(csv.DictReader(io.StringIO(answer.text)))
                found = {r.get("DATASET") or r.get("dataset") for r in rows}
                total = len(rows) if "X-Total-Count" not in answer.headers else int(answer.headers["X-Total-Count"])
            assert found == {dataset_id}, distribution
            assert total == listed[dataset_id]["observations"], distribution


def test_sdmx1_unstacks_an_all_data_query(world: World) -> None:
    answer = world.client.get("/sdmx/v1/data/MIGRATION_PROFILE", headers={
        "Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"})
    assert answer.status_code == 200
    frame = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(answer.content)))
    wide = frame.unstack("TIME_PERIOD")  # raises ValueError on duplicate entries
    assert len(wide) == len(set(frame.index.droplevel("TIME_PERIOD")))
    assert set(frame.index.names) == {*SERIES_DIMENSIONS, "TIME_PERIOD"}


def test_counts_agree_everywhere(world: World) -> None:
    client = world.client
    datasets = client.get("/api/datasets").json()
    held = sum(d["observations"] for d in datasets)
    every = int(client.get("/api/observations", params={"all_sources": "true", "per_page": 1}
                           ).headers["X-Total-Count"])
    answered = int(client.get("/api/observations", params={"per_page": 1}).headers["X-Total-Count"])
    versions = sum(client.get(f"/api/datasets/{d['id']}/versions").json()[0]["observations"] for d in datasets)
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text
    (entities,) = [line for line in void.splitlines() if line.startswith("<") and "#observations>" in line.split()[0]
                   and "entities" in line.split()[1]]
    home = client.get("/").text.replace(",", "")
    assert held == every == versions == int(entities.split('"')[1]) > answered == len(_all_data(world.registry))
    assert f"{held} public observations" in home and f"answers {answered} of them" in home
