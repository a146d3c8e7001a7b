"""The columnar read model (DESIGN §6): a Parquet file per submission graph, written when it is stored, read by the
data routes, rebuilt from the store when missing or damaged; the answers are the same bytes either way."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from api.model.submission import SubmissionMetadata
from api.services.admin import export
from api.services.readmodel.columns import graph_columns
from api.services.readmodel.reindex import data_graphs, reindex
from api.services.readmodel.view import ReadModel
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.conftest import make_settings
from tests.services.samples import stock_row, write

ANSWERS = (
    "/sdmx/v1/data/MIGRATION_PROFILE?format=csvdata",
    "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=jsondata",
    "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.STK_IMM._T._T._T._Z",
    "/api/observations?format=csv",
    "/api/observations?all_sources=true&per_page=1000",
    "/api/areas/DEU/profile",
    "/api/compare?indicator=STK_IMM&area=DEU,FRA",
    "/api/coverage",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE",
)


def _submit(registry: Registry, root: Path, dataset: str, agency: str, *rows: str,
            release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=dataset, sources=("census",),
                              release=release)
    ingest.submit(registry, ingest.read_file(registry, write(root / f"{dataset}.csv", *rows)), meta)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("readmodel")
    registry = open_registry(make_settings(root / "data"))
    try:
        _submit(registry, root, "DEU_STOCK", "DESTATIS", stock_row("DEU", "2019", "15000000"),
                stock_row("DEU", "2020", "15762457"), stock_row("DEU", "2020", "7", sex="F", conf="C"))
        _submit(registry, root, "WORLD_STOCK", "UNDESA", stock_row("DEU", "2020", "15800000"),
                stock_row("FRA", "2020", "8524876"))
        _submit(registry, root, "LATER", "INSEE", stock_row("FRA", "2021", "424242"),
                release=datetime.now(UTC) + timedelta(days=30))
    finally:
        registry.close()
    return root / "data"


def _answers(data: Path) -> dict[str, bytes]:
    registry = open_registry(make_settings(data))
    try:
        client = TestClient(create_app(registry))
        found = {}
        for url in ANSWERS:
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.text[:300])
            found[url] = _without_message_ids(answer.content)
        out = io.StringIO()
        export.export_csv(registry, out)
        found["export"] = out.getvalue().encode()
        return found
    finally:
        registry.close()


def _without_message_ids(content: bytes) -> bytes:
    """SDMX messages carry a fresh id and preparation time; everything else must be the same bytes."""
    import re

    return re.sub(rb'"(id|prepared)": ?"[^"]*"|MPR-[0-9a-f]{12}|<(mes:)?(Prepared|ID)>[^<]*<', b"", content)


def test_each_stored_graph_has_its_column_file_equal_to_the_store(folder: Path) -> None:
    registry = open_registry(make_settings(folder))
    try:
        graphs = data_graphs(registry)
        assert len(graphs) == 4  # three public graphs and DEU_STOCK's restricted one
        files = sorted((folder / "columns").glob("*.parquet"))
        assert len(files) == len(graphs)  # written when stored, before any read
        for graph, generated in graphs.items():
            stored = registry.read_model.files.read(graph, str(int(generated.timestamp())))
            assert stored is not None and stored.equals(graph_columns(registry.store, graph))
    finally:
        registry.close()


def test_answers_are_the_same_bytes_from_rebuilt_or_missing_column_files(folder: Path) -> None:
    before = _answers(folder)
    # the reconciled view answers UN DESA's figure (STK_IMM's primary source; DESTATIS has no description that
    # makes it Germany's national agency here), every source answers both
    assert b"15800000" in before["/api/observations?format=csv"] and b"15762457" not in before[
        "/api/observations?format=csv"]
    assert b"15762457" in before["/api/observations?all_sources=true&per_page=1000"]
    assert b"424242" not in b"".join(before.values())  # embargoed: as before, nowhere
    assert b",7," not in before["export"]  # the confidential cell stays out of every public answer
    registry = open_registry(make_settings(folder))
    try:
        assert reindex(registry) == 4
    finally:
        registry.close()
    assert _answers(folder) == before, [url for url, body in _answers(folder).items() if body != before[url]]
    for path in (folder / "columns").glob("*.parquet"):
        path.unlink()
    assert _answers(folder) == before  # rebuilt from the store on first read
    damaged = next((folder / "columns").glob("*.parquet"))
    damaged.write_bytes(b"not parquet")
    assert _answers(folder) == before
    assert pq.read_table(damaged).num_rows > 0  # written again


def test_a_file_of_another_graph_is_never_read_as_this_one(folder: Path) -> None:
    registry = open_registry(make_settings(folder))
    try:
        (first, first_time), (second, second_time) = list(data_graphs(registry).items())[:2]
        files = registry.read_model.files
        other = files.path(second, str(int(second_time.timestamp())))
        target = files.path(first, str(int(first_time.timestamp())))
        assert other is not None and target is not None
        target.write_bytes(other.read_bytes())
        assert files.read(first, str(int(first_time.timestamp()))) is None
    finally:
        registry.close()


def test_bulk_downloads_are_files_with_an_etag(folder: Path) -> None:
    import csv
    import gzip

    registry = open_registry(make_settings(folder))
    try:
        client = TestClient(create_app(registry))
        answered = int(client.get("/api/observations", params={"per_page": 1}).headers["X-Total-Count"])
        whole = client.get("/api/download")
        assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(whole.text)))
        assert len(rows) == answered == len({(r["FREQ"], r["REF_AREA"], r["SEX"], r["TIME_PERIOD"]) for r in rows})
        assert {r["DATASET"] for r in rows} == {"WORLD_STOCK", "DEU_STOCK"} and rows[0]["DATAFLOW"]
        assert "424242" not in whole.text and "15762457" not in whole.text  # embargoed; outranked by UN DESA
        assert list((folder / "downloads").rglob("*.csv"))  # written once, then sent as a file
        again = client.get("/api/download", headers={"If-None-Match": whole.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        zipped = client.get("/api/download", params={"gzip": "true"})
        assert gzip.decompress(zipped.content) == whole.content and zipped.headers["etag"] != whole.headers["etag"]
        one = client.get("/api/download", params={"dataset": "WORLD_STOCK", "format": "csv", "provenance": "full"})
        listed = list(csv.DictReader(io.StringIO(one.text)))
        assert {r["DATASET"] for r in listed} == {"WORLD_STOCK"} and len(listed) == 2
        assert {r["agency"] for r in listed} == {"UNDESA"} and "DATAFLOW" not in listed[0]
        table = pq.read_table(io.BytesIO(client.get("/api/download", params={"format": "parquet"}).content))
        assert table.num_rows == answered and "DATASET" in table.column_names
        assert client.get("/api/download", params={"format": "xls"}).status_code == 400
        assert client.get("/api/download", params={"dataset": "../x"}).status_code == 400
        assert client.get("/api/download", params={"dataset": "LATER"}).status_code == 404  # embargoed
    finally:
        registry.close()


def _not_from_the_store(*_: object) -> None:
    raise AssertionError("the column file was read back from the store")


def test_the_column_file_written_from_the_table_equals_the_one_rebuilt_from_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values the store gives back in another form than the file's (canonical decimals and integers) and text
    attributes with quotes and non-ASCII letters: the file written at store time from the validated table has the
    rows ``mpr reindex`` rebuilds from the store."""
    registry = open_registry(make_settings(tmp_path / "data"))
    prefix = "dataflow,MPR:MIGRATION_PROFILE(1.0),I,A,"
    rows = [stock_row("DEU", "2019", "15000000.000"), stock_row("DEU", "2020", "0012.50"),
            stock_row("DEU", "2021", " 3 ", sex="F", conf="C", status="Q"),
            f'{prefix}FRA,STK_IMM,_T,_T,_T,_Z,2020,8524876.0,PS,0,A,F,0,"Zählung, ""provisoire""",INSEE ✓',
            f"{prefix}FRA,STK_IMM,_T,_T,_T,_Z,2021,0.0,PS,0,E,F,02,,"]
    try:
        with monkeypatch.context() as patched:  # a tabular submission never reads its graphs back for the file
            patched.setattr(ReadModel, "store_graph", _not_from_the_store)
            _submit(registry, tmp_path, "VARIED", "UNHCR", *rows)
        graphs = data_graphs(registry)
        assert len(graphs) == 2  # public and restricted
        written = {graph: registry.read_model.files.read(graph, str(int(when.timestamp())))
                   for graph, when in graphs.items()}
        for graph, table in written.items():
            assert table is not None and table.num_rows > 0
            from_store = graph_columns(registry.store, graph)
            assert table.equals(from_store), (table.to_pylist(), from_store.to_pylist())
        values = {r["TIME_PERIOD"] + r["REF_AREA"]: r for t in written.values() if t for r in t.to_pylist()}
        assert values["2020DEU"]["OBS_VALUE"] == "12.5" and values["2019DEU"]["OBS_VALUE"] == "15000000"
        assert values["2020FRA"]["COMMENT"] == 'Zählung, "provisoire"' and values["2021FRA"]["DECIMALS"] == "2"
        assert reindex(registry) == 2
        for graph, when in graphs.items():
            rebuilt = registry.read_model.files.read(graph, str(int(when.timestamp())))
            assert rebuilt is not None and rebuilt.equals(written[graph])
    finally:
        registry.close()
