"""The public SPARQL endpoint (SPARQL 1.1 Protocol §2.1): read-only, the public view only, with time and size
limits. Checks come first (sparql_check), then the query runs in a worker process on the on-disk store, or in
this process on an in-memory store (tests), where only the row limit applies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from api.errors import BadRequest, NotImplementedYet, StoreError, TooLarge
from api.formats.media import MediaType
from api.services import sparql_check
from api.services.registry import Registry
from api.services.sparql_worker import SparqlJob, WorkerPool, run
from api.store.oxigraph_store import OxigraphStore

_POOLS: dict[int, WorkerPool] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class SparqlAnswer:
    body: bytes
    offer: MediaType


def _pool(registry: Registry) -> WorkerPool | None:
    path = registry.settings.store_path
    if path is None:
        return None
    with _LOCK:
        pool = _POOLS.get(id(registry))
        if pool is None:
            pool = WorkerPool(str(path), registry.settings.sparql_workers, registry.settings.sparql_timeout_s)
            _POOLS[id(registry)] = pool
        return pool


def close_workers(registry: Registry) -> None:
    """Stop the registry's query workers (the app's shutdown)."""
    with _LOCK:
        pool = _POOLS.pop(id(registry), None)
    if pool is not None:
        pool.close()


def answer(registry: Registry, checked: sparql_check.CheckedQuery, offer: MediaType,
           default_graph_uris: list[str], named_graph_uris: list[str]) -> SparqlAnswer:
    """Run a checked query over the public view and write it in ``offer``."""
    view = registry.public_view()
    default, named = sparql_check.dataset(checked, view.graphs, default_graph_uris, named_graph_uris)
    job = SparqlJob(checked.text, tuple(default), tuple(named), offer.media_type, registry.settings.sparql_max_rows,
                    view.tag)
    pool = _pool(registry)
    if pool is None:
        if not isinstance(registry.store, OxigraphStore):
            raise NotImplementedYet("the public SPARQL endpoint runs on the embedded store; query the production "
                                    "triple store's own endpoint instead.")
        try:
            return SparqlAnswer(run(registry.store.native, job), offer)
        except SyntaxError as exc:
            raise BadRequest(f"the query is not valid SPARQL 1.1: {exc}.") from None
        except (RuntimeError, OSError, ValueError) as exc:
            raise StoreError(f"the query failed: {exc}") from None
    kind, result = pool.run(job)
    if kind == "ok":
        return SparqlAnswer(result, offer)
    if kind == "syntax":
        raise BadRequest(f"the query is not valid SPARQL 1.1: {result}.")
    if kind == "too_large":
        raise TooLarge(result)
    raise StoreError(f"the query failed: {result}")
