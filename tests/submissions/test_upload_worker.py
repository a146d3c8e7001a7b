"""Every upload is parsed and validated in the worker process: the same answers as ``ingest`` gives in process
(what ``mpr load`` does)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import psutil
import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.model.submission import SubmissionMetadata
from api.services.admin import agencies
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from api.services.submissions.worker import WORKER_NICENESS
from api.store.oxigraph_store import OxigraphStore
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.conftest import make_settings
from tests.read.conftest import row
from tests.services.samples import HEADER


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def clients(settings: Settings, registry: Registry) -> tuple[TestClient, Registry, str]:
    """The app (every upload in the worker) and the registry it serves (for the in-process path)."""
    add_all(registry)
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    return TestClient(create_app(registry)), registry, token


def test_the_worker_stores_what_the_server_would(clients: tuple[TestClient, Registry, str], tmp_path: Path) -> None:
    worker, registry, token = clients
    auth = {"Authorization": f"Bearer {token}"}
    body = _csv(row("DEU", "2019", "15000000"), row("DEU", "2020", "123", conf="C"))
    fields = {"dataset": "DEU_STOCK", "source": "Census", "definition_basis": "foreign-born"}
    dry = worker.post("/api/submissions", headers=auth, data=fields, params={"dry_run": "true"},
                      files={"file": ("stock.csv", body, "text/csv")})
    assert dry.status_code == 200 and dry.json()["conforms"] is True and dry.json()["observations"] == 2
    assert registry.upload_worker.pid not in (None, os.getpid())  # parsed in another process
    stored = worker.post("/api/submissions", headers=auth, data=fields,
                         files={"file": ("stock.csv", body, "text/csv")})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["observations"], stored.json()["restricted"]) == (2, 1)
    (tmp_path / "stock.csv").write_bytes(body)  # the same file through the in-process path of `mpr load`
    meta = SubmissionMetadata(dataset_id="DEU_STOCK_2", agency_id="DESTATIS", title="DEU_STOCK_2",
                              sources=("Census",), definition_basis="foreign-born")
    in_process = ingest.submit(registry, ingest.read_file(registry, tmp_path / "stock.csv"), meta)
    assert (in_process.observations, in_process.restricted) == (2, 1)
    one = worker.get("/api/submissions/DEU_STOCK-v1", headers=auth).json()
    two = worker.get("/api/submissions/DEU_STOCK_2-v1", headers=auth).json()
    for record in (one, two):
        assert record["provenance"]["file"]["sha256"] == hashlib.sha256(body).hexdigest()
        assert (record["observations"], record["restricted"], record["provenance"]["file"]["name"]) == (
            2, 1, "stock.csv")
    assert one["report"] == two["report"]
    public = worker.get("/api/observations", params={"area": "DEU", "dataset": "DEU_STOCK"}).json()
    assert [o["value"] for o in public["observations"]] == [15000000.0]  # the confidential cell is not public
    own = worker.get("/api/observations", params={"area": "DEU", "dataset": "DEU_STOCK"}, headers=auth).json()
    assert sorted(o["value"] for o in own["observations"]) == [123.0, 15000000.0]


def test_refusals_from_the_worker_keep_their_status_and_details(clients: tuple[TestClient, Registry, str]
                                                                  ) -> None:
    worker, _, token = clients
    auth = {"Authorization": f"Bearer {token}"}
    bad = worker.post("/api/submissions", headers=auth, data={"dataset": "DEU_STOCK", "source": "x"},
                      files={"file": ("s.csv", _csv(row("DEU", "2020", "100"), row("DEU", "20x0", "7")), "text/csv")})
    assert bad.status_code == 422
    assert {r["row"] for r in bad.json()["error"]["details"]["report"]["results"] if r["severity"] == "Violation"}
    unreadable = worker.post("/api/submissions", headers=auth, data={"dataset": "DEU_STOCK", "source": "x"},
                             files={"file": ("s.csv", HEADER.encode() + b"\n\xff\xfe,1\n", "text/csv")})
    assert unreadable.status_code == 400 and unreadable.json()["error"]["details"]["line"] == 2
    outside = worker.post("/api/submissions", headers=auth, data={"dataset": "FRA_STOCK", "source": "x"},
                          files={"file": ("s.csv", _csv(row("FRA", "2020", "100")), "text/csv")})
    assert outside.status_code == 403 and "FRA" in outside.json()["error"]["message"]
    assert worker.get("/api/observations").json()["total"] == 0
    assert worker.get("/api/submissions", headers=auth).json() == []


def _meta(dataset: str) -> SubmissionMetadata:
    return SubmissionMetadata(dataset_id=dataset, agency_id="DESTATIS", title=dataset, sources=("Census",))


def test_mpr_load_reads_and_validates_in_the_worker(registry: Registry, tmp_path: Path) -> None:
    """``ingest.submit_file`` (``mpr load``) never parses in this process; the worker's progress comes back."""
    (tmp_path / "stock.csv").write_bytes(_csv(row("DEU", "2019", "15000000"), row("DEU", "2020", "15100000")))
    seen: list[tuple[str, int, int | None]] = []
    result = ingest.submit_file(registry, tmp_path / "stock.csv", _meta("DEU_LOAD"),
                                progress=lambda *step: seen.append(step))
    assert (result.version, result.observations) == (1, 2)
    assert registry.upload_worker.pid not in (None, os.getpid())
    niceness = psutil.Process(registry.upload_worker.pid).nice()  # it yields the cores to the server's readers
    assert niceness == min(os.nice(0) + WORKER_NICENESS, 19)
    assert ("reading", 2, 2) in seen and seen.index(("reading", 2, 2)) < [s[0] for s in seen].index("validating")


def test_the_worker_exits_after_a_large_file_before_the_bulk_load(tmp_path: Path) -> None:
    """A file of ``upload_retire_rows`` rows or more: the worker has exited when the store loads it; the next upload
    gets a new worker. Smaller files keep the one worker."""
    registry = open_registry(make_settings(upload_retire_rows=3), OxigraphStore(None))
    try:
        small = tmp_path / "small.csv"
        small.write_bytes(_csv(row("DEU", "2019", "15000000")))
        ingest.submit_file(registry, small, _meta("DEU_SMALL"))
        kept = registry.upload_worker.pid
        assert kept is not None
        large = tmp_path / "large.csv"
        large.write_bytes(_csv(*(row("DEU", str(year), "15000000") for year in (2017, 2018, 2019))))
        pids_at_load: list[int | None] = []
        load = registry.store.load_new_graph_file

        def loading(graph: str, path: Path) -> None:
            pids_at_load.append(registry.upload_worker.pid)
            load(graph, path)

        registry.store.load_new_graph_file = loading  # type: ignore[method-assign]
        assert ingest.submit_file(registry, large, _meta("DEU_LARGE")).observations == 3
        assert pids_at_load and set(pids_at_load) == {None}  # retired (exited and reaped) before the bulk load
        ingest.submit_file(registry, small, _meta("DEU_SMALL_2"))
        assert registry.upload_worker.pid not in (None, kept)
    finally:
        registry.close()
