"""Which IRI a path names, where an IRI is browsed on this server, and the embargo lifting on time
(the service, in process, over an in-memory registry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.errors import NotFound
from api.model.submission import SubmissionMetadata
from api.services.linked_data import resolve as linked_data
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.services.samples import stock_row, write

W3ID = "https://w3id.org/migration-profile/"
BASE = "http://registry.test"


@pytest.mark.parametrize(("path", "iri"), [
    ("/def", W3ID + "def"),
    ("/indicator/STK_IMM", W3ID + "indicator/STK_IMM"),
    ("/indicator/STK%5FIMM", W3ID + "indicator/STK_IMM"),
    ("/code/sex/_T", W3ID + "code/sex/_T"),
    ("/code/series/WB/SM.POP.NETM", W3ID + "code/series/WB/SM.POP.NETM"),
    ("/graph/vocabulary", W3ID + "graph/vocabulary"),
    ("/id/dataset/DEU_STOCK", BASE + "/id/dataset/DEU_STOCK"),
    ("/id/agency/A%40B", BASE + "/id/agency/A%40B"),
    ("/id/agency/A@B", BASE + "/id/agency/A%40B"),
    ("/id/observation/S-v1/A.DEU.STK_IMM._T._T._T._Z/2020-Q1",
     BASE + "/id/observation/S-v1/A.DEU.STK_IMM._T._T._T._Z/2020-Q1"),
])
def test_paths_name_the_iris_the_registry_mints(registry: Registry, path: str, iri: str) -> None:
    assert linked_data.iri_of_path(registry, path) == iri
    assert linked_data.local_path(registry, iri) == linked_data.iri_of_path(registry, path).replace(
        W3ID, "/").replace(BASE, "")


@pytest.mark.parametrize("path", ["/def/Indicator", "/indicator", "/indicator/", "/id/dataset", "/id/dataset/",
                                  "/graph/registry", "/code//F", "/other/x"])
def test_other_paths_are_not_found(registry: Registry, path: str) -> None:
    with pytest.raises(NotFound) as raised:
        linked_data.iri_of_path(registry, path)
    assert raised.value.message == linked_data.NOT_FOUND


def test_local_paths_only_for_what_this_server_answers(registry: Registry) -> None:
    assert linked_data.local_path(registry, W3ID + "def#refArea") == "/def#refArea"
    assert linked_data.local_path(registry, W3ID + "other/x") is None
    assert linked_data.local_path(registry, "http://purl.org/linked-data/cube#Observation") is None
    assert linked_data.local_path(registry, BASE + "/id/file/abc") == "/id/file/abc"


def test_an_embargoed_submission_resolves_once_released(registry: Registry, tmp_path: Path) -> None:
    release = datetime.now(UTC) + timedelta(days=3)
    meta = SubmissionMetadata(dataset_id="PRT_STOCK", agency_id="INE", title="Stocks", sources=("Census",),
                              licence="https://creativecommons.org/licenses/by/4.0/", release=release)
    ingest.submit(registry, ingest.read_file(registry, write(tmp_path / "p.csv", stock_row("PRT", "2020", "7"))), meta)
    paths = ("/id/dataset/PRT_STOCK", "/id/submission/PRT_STOCK-v1", "/id/agency/INE",
             "/id/observation/PRT_STOCK-v1/A.PRT.STK_IMM._T._T._T._Z/2020")
    for path in paths:
        with pytest.raises(NotFound):
            linked_data.describe(registry, path)
    later = release + timedelta(seconds=1)
    for path in paths:
        described = linked_data.describe(registry, path, now=later)
        assert described.triples and described.subjects == (BASE + path,)
    observation = linked_data.describe(registry, paths[3], now=later)
    assert "7" in {t.object.value for t in observation.triples}


def test_labels_of_linked_things_come_in_every_language(registry: Registry, tmp_path: Path) -> None:
    meta = SubmissionMetadata(dataset_id="DEU_STOCK", agency_id="DESTATIS", title="Stocks", sources=("Census",),
                              licence="https://creativecommons.org/licenses/by/4.0/")
    ingest.submit(registry, ingest.read_file(registry, write(tmp_path / "d.csv", stock_row("DEU", "2020", "9"))), meta)
    described = linked_data.describe(registry, "/id/observation/DEU_STOCK-v1/A.DEU.STK_IMM._T._T._T._Z/2020")
    area = described.labels[W3ID + "code/area/DEU"]
    assert {label.language for _kind, label in area} >= {"en", "fr", "es"}
    assert W3ID + "def#refArea" in described.labels
