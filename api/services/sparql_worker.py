"""Running public SPARQL queries with a time limit: in worker processes that open the store read-only.

pyoxigraph has no query timeout and a thread cannot be stopped, so each query runs in a separate process
(``spawn``, never ``fork``: RocksDB has threads) that is killed when the limit passes and replaced. A worker opens
the on-disk store with ``Store.read_only`` (allowed while the server holds it read-write) and reopens it when
the public view changes, since a read-only store sees the data as of its opening. The answer is serialised in
the worker, up to a row limit, and comes back as bytes.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store

from api.errors import QueryTimeout, TooLarge
from api.formats import sparql_results
from api.formats.media import MediaType
from api.formats.rdf_output import RDF_OFFERS, serialize_graph

EMPTY_GRAPH = "urn:mpr:no-graph"  # names no graph: an empty dataset part stays empty
_OFFERS = {o.media_type: o for o in (*sparql_results.RESULT_OFFERS, *RDF_OFFERS)}


@dataclass(frozen=True)
class SparqlJob:
    """One query to run: the text, the dataset, the format to write and the row limit."""

    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    media_type: str
    max_rows: int
    view_tag: str = ""


def run(store: Store, job: SparqlJob) -> bytes:
    """Run ``job`` on ``store`` and write its answer; SyntaxError for a bad query, TooLarge above the limit."""
    offer: MediaType = _OFFERS[job.media_type]
    result = store.query(job.query, default_graph=[NamedNode(g) for g in job.default_graphs or (EMPTY_GRAPH,)],
                         named_graphs=[NamedNode(g) for g in job.named_graphs or (EMPTY_GRAPH,)])
    if isinstance(result, QueryBoolean):
        return sparql_results.write_boolean(bool(result), offer)
    rows: list[Any] = []
    for item in result:
        rows.append(item)
        if len(rows) > job.max_rows:
            what = "rows" if isinstance(result, QuerySolutions) else "triples"
            raise TooLarge(f"the query returns more than {job.max_rows:,} {what}, the limit of this endpoint: add a "
                           "LIMIT (and ORDER BY with OFFSET to page), or narrow the patterns.")
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        return sparql_results.write_select(variables, [[s[i] for i in range(len(variables))] for s in rows], offer)
    return serialize_graph(rows, offer)


def _serve(connection: Connection, store_path: str) -> None:
    """A worker's loop: one job in, one ("ok", bytes) or (error kind, message) out."""
    store: Store | None = None
    tag: str | None = None
    while True:
        try:
            job: SparqlJob = connection.recv()
        except EOFError:
            return
        try:
            if store is None or tag != job.view_tag:
                store, tag = Store.read_only(store_path), job.view_tag
            connection.send(("ok", run(store, job)))
        except SyntaxError as exc:
            connection.send(("syntax", str(exc)))
        except TooLarge as exc:
            connection.send(("too_large", exc.message))
        except (OSError, RuntimeError, ValueError) as exc:
            connection.send(("failed", str(exc)))


class _Worker:
    def __init__(self, store_path: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, store_path), daemon=True,
                                                    name="mpr-sparql")
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class WorkerPool:
    """``size`` workers started on first use; a worker past the time limit is killed and replaced."""

    def __init__(self, store_path: str, size: int, timeout_s: float) -> None:
        self._store_path = store_path
        self._size = max(size, 1)
        self._timeout_s = timeout_s
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self._size:
                self._started += 1
                return _Worker(self._store_path)
        try:  # every worker busy: wait at most one time limit, so requests never pile up without end
            return self._idle.get(timeout=self._timeout_s)
        except queue.Empty:
            raise QueryTimeout(f"every query worker stayed busy for {self._timeout_s:g} s: try again shortly, or "
                               "make the query cheaper (selective patterns first, a LIMIT).") from None

    def run(self, job: SparqlJob) -> tuple[str, Any]:
        """("ok", bytes) or (kind, message); QueryTimeout when the limit passes (the worker is replaced)."""
        worker = self._take()
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self._timeout_s):
                worker.stop()
                worker = _Worker(self._store_path)
                raise QueryTimeout(f"the query ran longer than {self._timeout_s:g} s, the limit of this endpoint, "
                                   "and was stopped: put the most selective patterns first, add a LIMIT, or "
                                   "narrow it to fewer graphs.")
            answer: tuple[str, Any] = worker.connection.recv()
            return answer
        except (EOFError, OSError, BrokenPipeError):
            worker.stop()
            worker = _Worker(self._store_path)
            return ("failed", "the query worker stopped; try again")
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get().stop()
