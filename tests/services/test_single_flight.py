"""Concurrent requests of one worker share a generation read, but only one that began after they arrived
(api/services/single_flight.py; DESIGN §6), on the real remote store against a real Oxigraph server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.services.registry import open_registry
from api.services.single_flight import SingleFlight
from tests.conftest import emptied, engine_settings
from tests.engines import Engine


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.001)


def test_requests_arriving_together_share_one_read() -> None:
    started, gate = threading.Event(), threading.Event()
    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        started.set()
        gate.wait(30)
        return len(calls)

    flight: SingleFlight[int] = SingleFlight(read)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(flight.run)
        assert started.wait(30)  # the first read is under way: the next seven arrive after it began
        late = [pool.submit(flight.run) for _ in range(7)]
        _until(lambda: flight.waiting == 7)
        gate.set()
        results = [first.result(), *(f.result() for f in late)]
    # the seven waited for the first read (it began before they arrived), then shared one new read
    assert results == [1, 2, 2, 2, 2, 2, 2, 2] and flight.reads == 2


def test_a_read_that_fails_is_not_shared() -> None:
    outcomes = iter([RuntimeError("store down"), 7])

    def read() -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    flight: SingleFlight[int] = SingleFlight(read)
    with pytest.raises(RuntimeError):
        flight.run()
    assert flight.run() == 7 and flight.reads == 2


@pytest.mark.server
def test_a_write_before_the_request_is_seen_and_concurrent_requests_share_store_reads(
        oxigraph_engine: Engine, tmp_path: Path) -> None:
    reader = open_registry(engine_settings(emptied(oxigraph_engine), tmp_path / "reader"))
    writer = open_registry(engine_settings(oxigraph_engine, tmp_path / "writer"))
    try:
        before = reader.follow_generation()
        queries = 0
        refresh = reader.store.refresh  # type: ignore[attr-defined]

        def counted() -> int | None:
            nonlocal queries
            queries += 1
            time.sleep(0.02)  # a slow store: requests pile up behind a read, as under load
            return refresh()  # type: ignore[no-any-return]

        reader.store.refresh = counted  # type: ignore[attr-defined]
        with ThreadPoolExecutor(16) as pool:
            seen = list(pool.map(lambda _: reader.follow_generation(), range(64)))
        assert set(seen) == {before} and queries < 64
        writer.store.update("INSERT DATA { GRAPH <http://registry.test/g/flight> { <urn:a> <urn:b> 1 } }")
        assert reader.follow_generation() != before  # the next request after a write sees it
    finally:
        reader.close()
        writer.close()
