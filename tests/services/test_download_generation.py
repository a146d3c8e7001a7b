"""Bulk downloads follow the store's generation (not only the view), and each dataset's DCAT record links its
files (issue 14 §3)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Triple

from api.model.submission import SubmissionMetadata
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from api.store.oxigraph_store import OxigraphStore
from api.web.app import create_app
from tests.conftest import make_settings
from tests.services.samples import stock_row, write


def _submit(registry: Registry, root: Path, dataset: str, agency: str, *rows: str) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=dataset, sources=("census",),
                              release=datetime(2024, 1, 1, tzinfo=UTC))
    ingest.submit(registry, ingest.read_file(registry, write(root / f"{dataset}.csv", *rows)), meta)


def test_a_write_anywhere_gives_new_files_and_etags(tmp_path: Path) -> None:
    registry = open_registry(make_settings(tmp_path / "data"))
    try:
        _submit(registry, tmp_path, "DEU_STOCK", "DESTATIS", stock_row("DEU", "2020", "15762457"))
        client = TestClient(create_app(registry))
        first = client.get("/api/download")
        tag = registry.public_view().tag
        assert client.get("/api/download").headers["etag"] == first.headers["etag"]  # the same generation
        registry.store.add_to_graph("http://registry.test/scratch", [Triple(
            NamedNode("http://registry.test/x"), NamedNode("http://purl.org/dc/terms/title"), Literal("x"))])
        second = client.get("/api/download")
        assert registry.public_view().tag == tag  # the view did not change, the store did
        assert second.status_code == 200 and second.content == first.content
        assert second.headers["etag"] != first.headers["etag"]
        assert client.get("/api/download", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
        folders = sorted(p.name for p in (tmp_path / "data" / "downloads").iterdir())
        assert len(folders) == 2 and all(f.startswith(tag) for f in folders)
    finally:
        registry.close()


class _SharedStore(OxigraphStore):
    """An embedded store that reports a generation token as a remote store does (one per write, shared)."""

    token = "first"

    @property
    def shared_generation(self) -> str | None:
        return self.token


def test_processes_sharing_a_store_name_its_content_alike(tmp_path: Path) -> None:
    one, two = (Registry(make_settings(tmp_path / name), _SharedStore(None)) for name in ("a", "b"))
    alone = Registry(make_settings(tmp_path / "c"), OxigraphStore(None))
    try:
        assert one.generation_key == two.generation_key != alone.generation_key
        before = one.generation_key
        _SharedStore.token = "second"
        assert one.generation_key == two.generation_key != before
    finally:
        _SharedStore.token = "first"


def test_each_dataset_links_its_download_files(tmp_path: Path) -> None:
    registry = open_registry(make_settings(tmp_path / "data"))
    try:
        _submit(registry, tmp_path, "DEU_STOCK", "DESTATIS", stock_row("DEU", "2020", "15762457"),
                stock_row("DEU", "2019", "15000000"))
        _submit(registry, tmp_path, "WORLD_STOCK", "UNDESA", stock_row("FRA", "2020", "8524876"))
        client = TestClient(create_app(registry))
        record = client.get("/api/datasets/DEU_STOCK").json()
        files = [d["access_url"] for d in record["distributions"] if d["access_url"].startswith("/api/download?")]
        assert files == ["/api/download?dataset=DEU_STOCK&format=sdmx-csv",
                         "/api/download?dataset=DEU_STOCK&format=csv"]
        for url in files:
            rows = list(csv.DictReader(io.StringIO(client.get(url).text)))
            assert {r["DATASET"] for r in rows} == {"DEU_STOCK"} and len(rows) == 2
        ld = client.get("/api/datasets", headers={"Accept": "application/ld+json"}).json()
        deu = next(d for d in ld["dcat:dataset"] if d["dct:identifier"] == "DEU_STOCK")
        downloads = [x["dcat:downloadURL"]["@id"] for x in deu["dcat:distribution"] if "dcat:downloadURL" in x]
        assert len(downloads) == 2 and all(u.endswith(f) for u, f in zip(downloads, files, strict=True))
        page = client.get("/datasets/DEU_STOCK")
        assert page.status_code == 200 and "/api/download?dataset=DEU_STOCK&amp;format=csv" in page.text
    finally:
        registry.close()


def test_a_client_taking_gzip_gets_the_gzipped_file_as_it_is(tmp_path: Path) -> None:
    import gzip

    from api.web.routes.read import accepts_gzip

    assert accepts_gzip("gzip, deflate") and accepts_gzip("br;q=1, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip(None) and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    registry = open_registry(make_settings(tmp_path / "data"))
    try:
        _submit(registry, tmp_path, "DEU_STOCK", "DESTATIS", stock_row("DEU", "2020", "15762457"))
        client = TestClient(create_app(registry))
        plain = client.get("/api/download", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text.startswith("DATAFLOW,")
        with client.stream("GET", "/api/download", headers={"Accept-Encoding": "gzip"}) as encoded:
            raw = b"".join(encoded.iter_raw())
            assert encoded.headers["content-encoding"] == "gzip"
            assert encoded.headers["content-type"].startswith("text/csv")
            assert encoded.headers["etag"] != plain.headers["etag"]
            assert 'filename="MIGRATION_PROFILE-sdmx.csv"' in encoded.headers["content-disposition"]
        file = client.get("/api/download", params={"gzip": "true"}, headers={"Accept-Encoding": "gzip"})
        assert raw == file.content and gzip.decompress(raw) == plain.content  # the same file, sent as it is
        again = client.get("/api/download", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": encoded.headers["etag"]})
        assert again.status_code == 304
    finally:
        registry.close()
