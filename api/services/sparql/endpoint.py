"""The public SPARQL endpoint (SPARQL 1.1 Protocol §2.1): read-only, the public view only, with time, memory and
size limits, and bounded, fair admission (sparql_gate). Checks come first (sparql_check), then the query runs in a
worker process on the on-disk store, or in a thread of this process on an in-memory store (tests), where only
the row limit applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import anyio.to_thread

from api.errors import BadRequest, NotImplementedYet, QueryTimeout, StoreError, TooLarge
from api.formats.spec import FormatSpec
from api.services.registry import Registry
from api.services.sparql import check as sparql_check
from api.services.sparql.gate import QueryGate
from api.services.sparql.worker import SparqlJob, WorkerPool, run, run_remote
from api.store.oxigraph_store import OxigraphStore
from api.store.remote_store import EndpointSyntaxError, RemoteStore


@dataclass(frozen=True)
class SparqlAnswer:
    body: bytes
    offer: FormatSpec


class SparqlEndpoint:
    """The endpoint of one app: its admission gate and its worker pool (owned by the app, closed at shutdown)."""

    def __init__(self, registry: Registry) -> None:
        settings = registry.settings
        self.registry = registry
        limit = settings.sparql_timeout_s  # a running query ends within it: a waiting one gets a worker in two
        self.gate = QueryGate(settings.sparql_workers, per_client=settings.sparql_client_queries,
                              max_waiting=settings.sparql_queue, wait_s=2 * limit, retry_after=math.ceil(limit))
        path = settings.store_path if isinstance(registry.store, OxigraphStore) else None
        self._pool = None if path is None else WorkerPool(str(path), settings.sparql_workers,
                                                          settings.sparql_timeout_s,
                                                          settings.sparql_max_memory_mb * 1024 * 1024)

    def job(self, checked: sparql_check.CheckedQuery, offer: FormatSpec, default_graph_uris: list[str],
            named_graph_uris: list[str]) -> SparqlJob:
        """The job for a checked query over the public view, written in ``offer`` (reads the store: a thread)."""
        view = self.registry.public_view()
        if isinstance(self.registry.store, RemoteStore):  # an engine's read-only public user reads these only
            self.registry.store.expose_public(list(view.graphs))
        default, named = sparql_check.dataset(checked, view.graphs, default_graph_uris, named_graph_uris)
        return SparqlJob(checked.text, tuple(default), tuple(named), offer.media_type,
                         self.registry.settings.sparql_max_rows, view.tag)

    async def answer(self, client: str, job: SparqlJob, offer: FormatSpec) -> SparqlAnswer:
        """Run ``job`` for ``client`` once the gate admits it; Busy (503, Retry-After) when it does not."""
        async with self.gate.slot(client):
            if self._pool is None:
                return SparqlAnswer(await anyio.to_thread.run_sync(self._in_process, job), offer)
            kind, result = await self._pool.run(job)
        if kind == "ok":
            return SparqlAnswer(result, offer)
        if kind == "syntax":
            raise BadRequest(f"the query is not valid SPARQL 1.1: {result}.")
        if kind == "too_large":
            raise TooLarge(result)
        raise StoreError(f"the query failed: {result}")

    def _in_process(self, job: SparqlJob) -> bytes:
        store = self.registry.store
        if isinstance(store, RemoteStore):
            return self._on_remote(store, job)
        if not isinstance(store, OxigraphStore):
            raise NotImplementedYet("the public SPARQL endpoint runs on the embedded store or a SPARQL server.")
        try:
            return run(store.native, job)
        except SyntaxError as exc:
            raise BadRequest(f"the query is not valid SPARQL 1.1: {exc}.") from None
        except (RuntimeError, OSError, ValueError) as exc:
            raise StoreError(f"the query failed: {exc}") from None

    def _on_remote(self, store: RemoteStore, job: SparqlJob) -> bytes:
        """The query on the SPARQL server with the public dataset named in the request (Protocol §2.1.4), so the
        engine itself sees only public graphs; its time limit is the request's (the remote part included)."""
        try:
            return run_remote(store, job, self.registry.settings.sparql_timeout_s)
        except EndpointSyntaxError as exc:
            raise BadRequest(f"the query is not valid SPARQL 1.1: {exc.message}.") from None
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {self.registry.settings.sparql_timeout_s:g} s, the limit "
                               "of this endpoint: narrow the patterns or add a LIMIT.") from None

    def close(self) -> None:
        """Stop the query workers (the app's shutdown)."""
        if self._pool is not None:
            self._pool.close()
