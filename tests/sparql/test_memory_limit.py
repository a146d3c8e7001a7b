"""A query that needs more memory than a worker may use is stopped and answered 503 with a sentence; the worker is
replaced and the next query is served (against a live server with one worker and a small memory limit)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from tests.sparql.conftest import SparqlServer, sparql_serving

HUNGRY = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"  # sorts a cross product: GBs in seconds
QUICK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def small_server(sparql_data_copy: Callable[[], Path], shared_data: Path, on_server: bool) -> Iterator[SparqlServer]:
    if on_server:
        pytest.skip("the memory limit is that of the embedded store's query workers: on a SPARQL server the query "
                    "runs in the engine, under the engine's own limits (docs/deploy.md)")
    data = sparql_data_copy()
    yield from sparql_serving(data, shared_data, {"MPR_SPARQL_WORKERS": "1", "MPR_SPARQL_MAX_MEMORY_MB": "300",
                                                  "MPR_SPARQL_TIMEOUT": "10"})


def query_workers(server: SparqlServer) -> set[int]:
    """The process ids of the server's worker processes (its ``spawn`` children: the query worker, and the upload
    worker, which the server starts too and which no query touches)."""
    port = str(urlsplit(server.url).port)
    found = [p for p in psutil.Process().children(recursive=True) if "api.cli" in p.cmdline() and port in p.cmdline()]
    assert len(found) == 1, found
    return {c.pid for c in found[0].children() if any("spawn_main" in part for part in c.cmdline())}


def test_a_memory_hungry_query_is_stopped_and_the_worker_replaced(small_server: SparqlServer) -> None:
    assert httpx.get(small_server.endpoint, params={"query": QUICK}).status_code == 200
    before = query_workers(small_server)
    assert len(before) == 2
    started = time.monotonic()
    response = httpx.get(small_server.endpoint, params={"query": HUNGRY}, timeout=60)
    print(f"the memory-hungry query was answered in {time.monotonic() - started:.1f} s")
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "query_memory_limit"
    assert "more than 300 MB" in error["message"] and "ORDER BY" in error["message"]
    after = httpx.get(small_server.endpoint, params={"query": QUICK})
    assert after.status_code == 200 and after.json()["boolean"] is True
    replaced = query_workers(small_server)
    assert len(replaced) == 2 and len(replaced & before) == 1  # the query worker is new, the upload worker kept
