"""Running public SPARQL queries with a time and a memory limit: in worker processes that open the store read-only.

pyoxigraph has no query timeout and a thread cannot be stopped, so each query runs in a separate process
(``spawn``, never ``fork``: RocksDB has threads) that is killed when the limit passes and replaced. A worker opens
the on-disk store with ``Store.read_only`` (allowed while the server holds it read-write) and reopens it when
the public view changes, since a read-only store sees the data as of its opening. The answer is serialised in
the worker, up to a row limit, and comes back as bytes.

Each worker runs under ``RLIMIT_DATA`` (setrlimit(2): heap and private anonymous mappings, not the mapped store
files): an allocation past it fails, which aborts the Rust query engine (or raises MemoryError in Python), and
the worker is replaced. The server waits for an answer on the event loop (``add_reader`` on the worker's pipe),
so a running query holds no server thread; the pipe's send and receive use the pool's own threads.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store

from api.errors import QueryMemoryLimit, QueryTimeout, TooLarge
from api.formats.rdf import sparql_results
from api.formats.rdf.writer import RDF_OFFERS, serialize_graph
from api.formats.spec import FormatSpec
from api.store.remote_store import RemoteStore

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
    offer: FormatSpec = _OFFERS[job.media_type]
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


def run_remote(store: RemoteStore, job: SparqlJob, timeout_s: float) -> bytes:
    """Run ``job`` on a SPARQL server and write its answer as :func:`run` does (our writers, our row limit);
    TimeoutError past ``timeout_s``."""
    offer: FormatSpec = _OFFERS[job.media_type]
    form = "graph" if offer in RDF_OFFERS else "results"
    answer = store.public_query(job.query, job.default_graphs or (EMPTY_GRAPH,), job.named_graphs or (EMPTY_GRAPH,),
                                form, timeout_s)
    if isinstance(answer, bool):
        return sparql_results.write_boolean(answer, offer)
    variables, rows = answer
    if len(rows) > job.max_rows:
        what = "triples" if variables is None else "rows"
        raise TooLarge(f"the query returns more than {job.max_rows:,} {what}, the limit of this endpoint: add a "
                       "LIMIT (and ORDER BY with OFFSET to page), or narrow the patterns.")
    if variables is None:
        return serialize_graph(rows, offer)
    return sparql_results.write_select(variables, rows, offer)


def _data_segment_bytes() -> int:
    """The data segment this process already holds (``VmData`` in /proc/self/status, proc(5)); 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(max_bytes: int) -> None:
    """Let a query use at most ``max_bytes`` of data segment (heap and anonymous mappings; 0: no cap) beyond what
    the worker holds once started (its libraries' arenas count in RLIMIT_DATA too), and write no core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker that aborts writes no core file
    if max_bytes <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = _data_segment_bytes() + max_bytes
    cap = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _serve(connection: Connection, store_path: str, max_memory_bytes: int) -> None:
    """A worker's loop: one job in, one ("ok", bytes) or (error kind, message) out."""
    _limit_memory(max_memory_bytes)
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
        except MemoryError:  # the rows are freed with the frame; the worker leaves so that a fresh one follows
            connection.send(("memory", ""))
            return
        except SyntaxError as exc:
            connection.send(("syntax", str(exc)))
        except TooLarge as exc:
            connection.send(("too_large", exc.message))
        except (OSError, RuntimeError, ValueError) as exc:
            connection.send(("failed", str(exc)))


class _Worker:
    def __init__(self, store_path: str, max_memory_bytes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, store_path, max_memory_bytes),
                                                    daemon=True, name="mpr-sparql")
        self.process.start()
        child.close()

    def stop(self, grace_s: float = 0.0) -> int | None:
        """Kill the process (after ``grace_s`` to end on its own) and give its exit code (negative: the signal)."""
        if grace_s > 0:
            self.process.join(timeout=grace_s)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()
        return self.process.exitcode


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _readable(connection: Connection, timeout_s: float) -> bool:
    """Whether the worker answered (or closed its pipe) within ``timeout_s``, waiting on the event loop."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = connection.fileno()
    loop.add_reader(fd, _wake, ready)
    try:
        await asyncio.wait_for(ready, timeout=timeout_s)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)


class WorkerPool:
    """Up to ``size`` workers, started on first use; one past the time or memory limit is killed and replaced.

    The caller admits at most ``size`` queries at once (``QueryGate``), so a worker is always idle or may be
    started when ``run`` is called."""

    def __init__(self, store_path: str, size: int, timeout_s: float, max_memory_bytes: int = 0) -> None:
        self._store_path = store_path
        self._size = max(size, 1)
        self._timeout_s = timeout_s
        self._max_memory_bytes = max_memory_bytes
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self._threads = ThreadPoolExecutor(max_workers=self._size, thread_name_prefix="mpr-sparql-pipe")

    def _start(self) -> _Worker:
        return _Worker(self._store_path, self._max_memory_bytes)

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._start()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def _memory_limit(self) -> QueryMemoryLimit:
        return QueryMemoryLimit(
            f"the query needed more than {self._max_memory_bytes // (1024 * 1024):,} MB, the memory limit of a "
            "query on this endpoint, and was stopped: sorting or grouping a join of everything with everything "
            "(e.g. ORDER BY over patterns that share no variable) holds every row in memory. Join the patterns on "
            "shared variables, put the most selective ones first, or drop the ORDER BY.")

    async def run(self, job: SparqlJob) -> tuple[str, Any]:
        """("ok", bytes) or (kind, message); QueryTimeout or QueryMemoryLimit past a limit (the worker replaced)."""
        loop = asyncio.get_running_loop()
        worker = self._take()
        healthy = False
        try:
            await loop.run_in_executor(self._threads, worker.connection.send, job)
            if not await _readable(worker.connection, self._timeout_s):
                raise QueryTimeout(f"the query ran longer than {self._timeout_s:g} s, the limit of this endpoint, "
                                   "and was stopped: put the most selective patterns first, add a LIMIT, or "
                                   "narrow it to fewer graphs.")
            answer: tuple[str, Any] = await loop.run_in_executor(self._threads, worker.connection.recv)
            if answer[0] == "memory":
                raise self._memory_limit()
            healthy = True
            return answer
        except (EOFError, OSError):  # the worker died: a failed allocation aborts it (SIGABRT)
            code = await loop.run_in_executor(self._threads, worker.stop, 2.0)  # its own exit code
            if code == -signal.SIGABRT and self._max_memory_bytes > 0:
                raise self._memory_limit() from None
            return ("failed", f"the query worker stopped (exit code {code}) while running the query; try again, "
                              "and if it happens again make the query cheaper")
        finally:
            if healthy:
                self._give_back(worker)
            else:  # killed, died or in an unknown state: a fresh worker takes its place
                self._discard(worker)
                with self._lock:
                    closed = self._closed
                if not closed:
                    self._give_back(self._start())

    def _discard(self, worker: _Worker) -> None:
        """Kill at once; wait for the exit (freeing a large heap takes a moment) in a pool thread."""
        if worker.process.is_alive():
            worker.process.kill()
        try:
            self._threads.submit(worker.stop)
        except RuntimeError:  # the pool is closed
            worker.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)
