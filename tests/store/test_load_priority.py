"""The embedded store's bulk load runs at a lower CPU priority than the threads that answer readers."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from api.store import oxigraph_store
from api.store.oxigraph_store import LOAD_NICENESS, OxigraphStore

GRAPH = "http://registry.test/id/submission/PRIORITY-v1"


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class _Recording:
    """The pyoxigraph store, with the niceness of the thread that calls ``bulk_load`` written down."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.niceness: list[int] = []

    def bulk_load(self, *args: Any, **kwargs: Any) -> None:
        self.niceness.append(_niceness())
        self._store.bulk_load(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread priority: Linux")
def test_a_new_graph_is_bulk_loaded_by_a_thread_of_lower_priority(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    recording = _Recording(store._store)
    store._store = recording  # type: ignore[assignment]
    file = tmp_path / "graph.nt"
    file.write_text("<http://registry.test/s> <http://registry.test/p> \"1\" .\n", encoding="utf-8")
    before = _niceness()
    store.load_new_graph_file(GRAPH, file)
    assert recording.niceness == [min(before + LOAD_NICENESS, 19)]
    assert _niceness() == before  # the caller's thread (a reader's, next time) keeps its priority
    assert len(store.graph_triples(GRAPH)) == 1
    store.close()


def test_a_failing_load_raises_in_the_callers_thread(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    file = tmp_path / "broken.nt"
    file.write_text("<http://registry.test/s> <http://registry.test/p> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError):
        store.load_new_graph_file(GRAPH, file)
    assert GRAPH not in store.list_graphs()
    store.close()


def test_the_work_runs_where_priority_cannot_change(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_: object) -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(os, "setpriority", refused)
    ran: list[str] = []
    oxigraph_store.at_low_priority(lambda: ran.append(threading.current_thread().name))
    assert ran == ["mpr-bulk-load"]
