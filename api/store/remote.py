"""Opening a remote SPARQL store: the engine is recognised from its answer (its ``Server`` header), so that its
quirks are handled by the matching class and the settings stay the same for every engine (DESIGN §6)."""

from __future__ import annotations

import httpx

from api.errors import StoreError
from api.formats.rdf.sparql_results import JSON as SPARQL_RESULTS_JSON
from api.store.remote_store import RemoteStore, public_url
from api.store.virtuoso_store import VirtuosoStore


def engine_of(query_url: str, timeout: float) -> str:
    """``virtuoso`` or ``sparql11`` (any other engine), from the query endpoint's answer to ``ASK {}``."""
    try:
        response = httpx.get(query_url, params={"query": "ASK {}"}, timeout=timeout,
                             headers={"Accept": SPARQL_RESULTS_JSON.media_type})
    except httpx.HTTPError as exc:
        raise StoreError(f"cannot reach the SPARQL endpoint {public_url(query_url)}: {type(exc).__name__}. Check "
                         "MPR_STORE_QUERY_URL and that the server runs.", details={"endpoint": public_url(query_url)}
                         ) from None
    return "virtuoso" if response.headers.get("server", "").lower().startswith("virtuoso") else "sparql11"


def remote_store(query_url: str, update_url: str, graph_store_url: str | None = None, *, timeout: float = 30.0,
                 user: str | None = None, password: str | None = None,
                 generation_graph: str | None = None, public_user: str | None = None,
                 public_password: str | None = None, public_queries: int = 2) -> RemoteStore:
    """The store class that matches the engine at ``query_url`` (with ``public_user``: the public SPARQL endpoint
    queries as that read-only user, where the engine can hold one; at most ``public_queries`` public queries of this
    object run on the engine at once)."""
    cls = VirtuosoStore if engine_of(query_url, timeout) == "virtuoso" else RemoteStore
    store = cls(query_url, update_url, graph_store_url, timeout=timeout, user=user, password=password,
                generation_graph=generation_graph, public_queries=public_queries)
    if public_user is not None and public_password is not None:
        try:
            store.use_public_user(public_user, public_password)
        except StoreError:
            store.close()
            raise
    return store
