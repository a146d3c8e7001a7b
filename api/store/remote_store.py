"""The remote store: any SPARQL 1.1 endpoint behind the Store protocol (DESIGN §6).

Queries and updates are URL-encoded POSTs (SPARQL 1.1 Protocol §2.1.2 query, §2.2.2 update) over one httpx client
with keep-alive; bulk writes use the Graph Store HTTP Protocol (§5.3 PUT, §5.5 POST) when a ``graph_store_url`` is
given. Credentials go as HTTP Basic or Digest (RFC 7617, RFC 7616), whichever the server's challenge asks for;
they are never sent before a challenge, never logged and never in an error message or repr.

Generation (what caches follow): given a ``generation_graph`` (the registry graph), every write request also
replaces ``<generation_graph> mp:storeGeneration`` by a fresh token in the same update request (SPARQL 1.1 Update
§3), so any process sharing the endpoint sees that something changed by reading it once
(:meth:`RemoteStore.refresh`). Without one, ``generation`` stays None and nothing is cached.

Dataset contract, shared with the embedded store: without ``default_graphs`` the default graph is
the union of all named graphs, so the endpoint must be configured that way (Oxigraph server:
``--union-default-graph``; Virtuoso and Fuseki: their union-default-graph setting). With
``default_graphs`` the request names its dataset (Protocol §2.1.4: ``default-graph-uri`` and
``named-graph-uri``), and nothing outside those graphs is visible, not even through ``GRAPH ?g``.

Bindings: the endpoint knows no SEP-0007 substitution, so a trailing ``VALUES`` clause (SPARQL 1.1
Query §10.2.2) carries them. It is built only from the terms' N-Triples serialisation written by
pyoxigraph (``str(term)``): an IRI was validated when the ``NamedNode`` was made (it cannot hold
``>``, spaces or quotes) and a literal's lexical form is escaped (quotes, backslashes, newlines), so a
bound value can never end its token and become query text. A bound variable must be one the query's
pattern binds and, for SELECT, one it projects — the rule the embedded store's substitution enforces.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from api.errors import StoreError
from api.formats.rdf.sparql_results import JSON as SPARQL_RESULTS_JSON
from api.store.base import Bindings, Row, Term
from api.store.public_queries import EngineStopped, PublicQueries
from api.store.queries import fill_update, load_query

STAGING_PREFIX = "urn:mpr:staging:"  # the embedded store names its staging graphs the same way
STORE_GENERATION = NamedNode("https://w3id.org/migration-profile/def#storeGeneration")
EMPTY_GRAPH = "urn:mpr:empty"  # never written: the dataset of ``default_graphs=[]``
WRITE_TIMEOUT_S = 600.0  # the longest a write may take (a read: the store's timeout)
_CHUNK = 5_000  # triples per INSERT DATA request when no Graph Store endpoint is configured
_SPOOL = 16 * 1024 * 1024  # N-Triples bodies larger than this are buffered on disk
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_RESULTS_ACCEPT = SPARQL_RESULTS_JSON.media_type
_CANCELLED = b"The SPARQL operation has been cancelled"  # Oxigraph server, past its --timeout-s


class EndpointSyntaxError(StoreError, SyntaxError):
    """HTTP 400 from the endpoint: the request is not valid SPARQL (Protocol §2.1.5 and §2.2.3).

    Also a ``SyntaxError``, which is what the embedded store raises for the same mistake.
    """


class ChallengeAuth(httpx.Auth):
    """HTTP Basic or Digest, whichever the server's first 401 challenge names; then the same for every request."""

    requires_request_body = True  # a request answered 401 is sent again with credentials

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "ChallengeAuth(***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            scheme = self._scheme
        if scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        challenge = response.headers.get("www-authenticate", "").strip().lower()
        if response.status_code != 401 or not challenge:
            return
        chosen = "digest" if challenge.startswith("digest") else "basic"
        with self._lock:
            self._scheme = chosen
        yield from (self._digest if chosen == "digest" else self._basic).auth_flow(request)


class RemoteStore:
    """A SPARQL 1.1 endpoint (Query, Update, optionally Graph Store) behind the Store protocol."""

    dialect = "sparql11"
    list_graphs_query = "store/list-graphs"
    insert_chunk = _CHUNK
    engine_grace_s = 1.0  # how late past the time limit the engine's own time-limit answer may come
    public_hold = 0.5  # a public query given up on keeps its place this many time limits at most (public_queries.py)

    def __init__(
        self,
        query_url: str,
        update_url: str,
        graph_store_url: str | None = None,
        *,
        timeout: float = 30.0,
        user: str | None = None,
        password: str | None = None,
        generation_graph: str | None = None,
        public_queries: int = 2,
    ) -> None:
        for url in (query_url, update_url, graph_store_url):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"not an http(s) URL: {public_url(url)}")
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self.write_timeout = max(timeout, WRITE_TIMEOUT_S)
        auth = ChallengeAuth(user, password) if user is not None and password is not None else None
        self._client = httpx.Client(auth=auth, timeout=timeout, follow_redirects=False,
                                    limits=httpx.Limits(max_keepalive_connections=16))
        self._generation: int | None = None
        self._generation_graph = NamedNode(generation_graph) if generation_graph else None
        self._token: str | None = None  # the generation token last read, and how often it changed
        self._counter = 0
        self._token_lock = threading.Lock()
        self._public_client: httpx.Client | None = None  # the read-only public user's (use_public_user)
        self._public = PublicQueries(public_queries)

    def __repr__(self) -> str:  # never shows the credentials
        return f"{type(self).__name__}({public_url(self.query_url)!r})"

    # -- the generation other processes share ------------------------------------------------

    @property
    def generation(self) -> int | None:
        """The store's write counter as last read by :meth:`refresh` (None before: nothing is cached then)."""
        return self._generation

    @property
    def shared_generation(self) -> str | None:
        """The generation token as last read: the same in every process sharing the endpoint (None before)."""
        return self._token

    def refresh(self) -> int | None:
        """Read the store's generation token (one small query; the Registry calls it once per request): the
        number :attr:`generation` gives moves on whenever the token differs from the one read before."""
        if self._generation_graph is None:
            return None
        rows = self.select(load_query("store/generation"), {"g": self._generation_graph},
                           default_graphs=[self._generation_graph.value])
        token = "|".join(sorted(n.value for row in rows if (n := row["n"]) is not None))
        with self._token_lock:
            if token != self._token:
                self._token, self._counter = token, self._counter + 1
            self._generation = self._counter
        return self._generation

    def _bump(self) -> str:
        """The update operation that increments the counter, appended to every write request ('' without one)."""
        if self._generation_graph is None:
            return ""
        return fill_update("store/bump-generation", generation=self._generation_graph,
                           token=Literal(uuid.uuid4().hex))

    # -- the transport -----------------------------------------------------------------------

    def _post(self, url: str, *, data: Mapping[str, str | list[str]] | None = None, content: bytes | None = None,
              headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
              method: str = "POST", write: bool = False) -> httpx.Response:
        """One request, its answer read whole; StoreError naming the endpoint and status (never credentials).
        A ``write`` may take :attr:`write_timeout`: a large graph loaded or moved on a busy server takes longer
        than any read should, and a write given up on may still commit."""
        limit = self.write_timeout if write else self.timeout
        try:
            response = self._client.request(method, url, data=data, content=content, headers=headers,
                                            params=params, timeout=limit)
        except httpx.TimeoutException:
            raise StoreError(f"the SPARQL endpoint {public_url(url)} did not answer within {limit:g} s",
                             details={"endpoint": public_url(url), "status": 0}) from None
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {public_url(url)}: {type(exc).__name__}",
                             details={"endpoint": public_url(url), "status": 0}) from None
        if response.status_code >= 300:
            raise _status_error(url, response.status_code, _first_line(response.content))
        return response

    def _query(
        self,
        query: str,
        bindings: Bindings | None,
        default_graphs: Sequence[str] | None,
        accept: str,
    ) -> httpx.Response:
        form: dict[str, str | list[str]] = {"query": self._dialect_query(with_bindings(query, bindings))}
        if default_graphs is not None:
            names = [NamedNode(g).value for g in (list(default_graphs) or [EMPTY_GRAPH])]
            form["default-graph-uri"] = names
            form["named-graph-uri"] = names
        return self._post(self.query_url, data=form, headers={"Accept": accept})

    def _dialect_query(self, text: str) -> str:
        """The query as this engine needs it (standard SPARQL here; a dialect overrides it)."""
        return text

    def _term(self, term: Term) -> Term:
        """A term as the engine wrote it, in its canonical form (a dialect overrides it)."""
        return term

    def _json(self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None) -> dict[str, Any]:
        response = self._query(query, bindings, default_graphs, _RESULTS_ACCEPT)
        try:
            data: dict[str, Any] = json.loads(response.content)
        except ValueError as exc:
            raise StoreError(f"{public_url(self.query_url)} sent results that are not SPARQL JSON: {exc}") from None
        return data

    def select(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Row]:
        """SPARQL 1.1 Query Results JSON Format §3: every term becomes a pyoxigraph term."""
        data = self._json(query, bindings, default_graphs)
        if "results" not in data:
            raise TypeError("select() needs a SELECT query")
        names: list[str] = data["head"].get("vars", [])
        term = self._term
        return [{n: term(term_from_json(b[n])) if n in b else None for n in names}
                for b in data["results"]["bindings"]]

    def select_stream(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        """The JSON results are read whole, then handed out row by row."""
        data = self._json(query, bindings, default_graphs)
        if "results" not in data:
            raise TypeError("select_stream() needs a SELECT query")
        names: list[str] = data["head"].get("vars", [])
        rows = data["results"]["bindings"]
        return names, (tuple(self._term(term_from_json(b[n])) if n in b else None for n in names) for b in rows)

    def subjects_with(
        self, predicate: NamedNode, value: Term, graph: str
    ) -> Iterator[tuple[Term, list[tuple[NamedNode, Term]]]]:
        """One SELECT ordered by subject; pairs are regrouped per subject as rows arrive."""
        rows = self.select(load_query("store/subjects-with"),
                           {"predicate": predicate, "value": value, "g": NamedNode(graph)})
        current: Term | None = None
        pairs: list[tuple[NamedNode, Term]] = []
        for row in rows:
            subject, p, o = row["s"], row["p"], row["o"]
            if subject is None or not isinstance(p, NamedNode) or o is None:
                continue
            if subject != current:
                if current is not None:
                    yield current, pairs
                current, pairs = subject, []
            pairs.append((p, o))
        if current is not None:
            yield current, pairs

    def subject_pairs(self, subject: NamedNode, graph: str) -> list[tuple[NamedNode, Term]]:
        rows = self.select(load_query("store/subject-pairs"), {"s": subject, "g": NamedNode(graph)})
        return [(row["p"], row["o"]) for row in rows if isinstance(row["p"], NamedNode) and row["o"] is not None]

    def ask(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> bool:
        data = self._json(query, bindings, default_graphs)
        if "boolean" not in data:
            raise TypeError("ask() needs an ASK query")
        return bool(data["boolean"])

    def _triples(
        self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None
    ) -> Iterator[Triple]:
        response = self._query(query, bindings, default_graphs, _RDF_ACCEPT)
        media_type = (response.headers.get("Content-Type") or "application/n-triples").split(";")[0].strip()
        fmt = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
        try:
            for q in parse(response.content, fmt):
                yield Triple(q.subject, q.predicate, self._term(q.object))
        except SyntaxError as exc:
            raise StoreError(f"{public_url(self.query_url)} sent unreadable {media_type}: {exc}") from None

    # -- the public view ---------------------------------------------------------------------

    def use_public_user(self, user: str, password: str) -> None:
        """Public queries as a read-only ``user`` who sees only the public graphs: refused here, since SPARQL 1.1
        has no users or graph permissions; the engines that do override it."""
        raise StoreError("MPR_STORE_PUBLIC_USER needs an engine with graph-level security (Virtuoso): this SPARQL "
                         "server has no users to restrict, so the public view is the dataset each public query "
                         "names. Unset MPR_STORE_PUBLIC_USER and MPR_STORE_PUBLIC_PASSWORD.",
                         details={"variable": "MPR_STORE_PUBLIC_USER", "engine": self.dialect})

    @property
    def has_public_user(self) -> bool:
        """Whether public queries run as the read-only public user."""
        return self._public_client is not None

    def expose_public(self, graphs: Sequence[str]) -> None:
        """Make ``graphs`` exactly what the public user may read (nothing to do without one)."""

    def _public_query_url(self) -> str:
        """The endpoint the public user's queries go to (a dialect may name another)."""
        return self.query_url

    def public_query(self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str], form: str,
                     timeout_s: float) -> bool | tuple[list[str] | None, list[Any]]:
        """A caller's query (checked first by the endpoint) over exactly these default and named graphs: a boolean,
        (variables, rows of terms) for results, or (None, triples) for ``form="graph"``; TimeoutError past
        ``timeout_s`` (the whole exchange, any SERVICE call the engine makes included), EngineStopped when the
        engine stopped it at its own limit. At most :attr:`public_queries` run on the engine at once
        (``public_queries.py``: one given up on keeps its place until the engine ends it, or half a time limit)."""
        base: dict[str, str | list[str]] = {"query": self._dialect_query(query),
                                            "default-graph-uri": [NamedNode(g).value for g in default_graphs],
                                            "named-graph-uri": [NamedNode(g).value for g in named_graphs]}
        accept = _RDF_ACCEPT if form == "graph" else _RESULTS_ACCEPT
        client, url = self._client, self.query_url
        if self._public_client is not None:
            client, url = self._public_client, self._public_query_url()
        try:
            response, content = self._public.send(client, url, lambda left: {**base, **self._time_limit(left)},
                                                  {"Accept": accept}, timeout_s, connect_s=self.timeout,
                                                  grace_s=self.engine_grace_s, hold_s=timeout_s * self.public_hold)
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {public_url(self.query_url)}: "
                             f"{type(exc).__name__}") from None
        if self._engine_stopped(response, content):
            raise EngineStopped(f"the store stopped the query at its own time limit (within {timeout_s:g} s)")
        if response.status_code >= 300:
            raise _status_error(self.query_url, response.status_code, _first_line(content))
        try:
            return self._public_answer(response, content, form)
        except (SyntaxError, ValueError, KeyError, TypeError) as exc:
            if content.rstrip().endswith(_CANCELLED):  # Oxigraph's --timeout-s, once the answer had begun
                raise EngineStopped(f"the store stopped the query at its own time limit (within {timeout_s:g} s)"
                                    ) from None
            raise StoreError(f"{public_url(self.query_url)} sent an unreadable answer: {exc}") from None

    @property
    def public_queries(self) -> int:
        """How many public queries this object may have on the engine at once."""
        return self._public.size

    @property
    def public_running(self) -> int:
        """Public queries the engine may still be running for this object: in flight, or given up on by the time
        limit and not yet ended by the engine."""
        return self._public.running

    def _time_limit(self, seconds: float) -> dict[str, str]:
        """The request parameters that make the engine itself stop a query after ``seconds`` (none here: SPARQL
        1.1 has no such parameter; Oxigraph server has only its server-wide ``--timeout-s``)."""
        return {}

    def _engine_stopped(self, response: httpx.Response, content: bytes) -> bool:
        """Whether the answer is the engine saying it stopped the query at its own time limit (Oxigraph's
        ``--timeout-s`` before the answer began: an error that says so)."""
        return response.status_code >= 500 and _CANCELLED in content

    def _public_answer(self, response: httpx.Response, content: bytes,
                       form: str) -> bool | tuple[list[str] | None, list[Any]]:
        if form == "graph":
            media_type = (response.headers.get("Content-Type") or "application/n-triples").split(";")[0].strip()
            fmt = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
            return None, [Triple(q.subject, q.predicate, self._term(q.object)) for q in parse(content, fmt)]
        body: dict[str, Any] = json.loads(content)
        if "boolean" in body:
            return bool(body["boolean"])
        names: list[str] = body["head"].get("vars", [])
        return names, [[self._term(term_from_json(b[n])) if n in b else None for n in names]
                       for b in body["results"]["bindings"]]

    def construct(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Triple]:
        return list(self._triples(query, bindings, default_graphs))

    # -- writes ------------------------------------------------------------------------------

    def update(self, update: str) -> None:
        """One request (Protocol §2.2), the generation counter incremented in it: one transaction."""
        bump = self._bump()
        text = update.rstrip().rstrip(";") + "\n;\n" + bump if bump else update  # newline: it may end in a comment
        self._post(self.update_url, data={"update": self._dialect_update(text)}, write=True)
        self._wrote()

    def _wrote(self) -> None:
        """After a write: the counter moved, so nothing is cached until the next :meth:`refresh`."""
        if self._generation_graph is not None:
            self._generation = None

    def _dialect_update(self, text: str) -> str:
        """The update as this engine needs it (standard SPARQL here; a dialect overrides it)."""
        return text

    def _insert_data(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """INSERT DATA in chunks; a blank node label spanning two chunks names two blank nodes."""
        chunk: list[Triple] = []
        for t in triples:
            chunk.append(t)
            if len(chunk) >= self.insert_chunk:
                self._insert_chunk(graph, chunk)
                chunk = []
        if chunk:
            self._insert_chunk(graph, chunk)

    def _insert_chunk(self, graph: NamedNode, triples: list[Triple]) -> None:
        self.update(fill_update("store/insert-data", graph=graph, triples=triples))

    def _graph_store(self, method: str, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Graph Store HTTP Protocol §5.3 (PUT) / §5.5 (POST) with an N-Triples body, then the counter."""
        assert self.graph_store_url is not None
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as body:
            serialize(triples, body, RdfFormat.N_TRIPLES)  # every triple read before any byte is sent
            body.seek(0)
            content = body.read()
        self._post(self.graph_store_url, method=method, content=content, params={"graph": graph.value},
                   headers={"Content-Type": "application/n-triples"}, write=True)
        if bump := self._bump():
            self._post(self.update_url, data={"update": self._dialect_update(bump)}, write=True)
            self._wrote()

    MOVE_GRAPH = "store/move-graph"  # the update that puts the staging graph in place (an engine may need another)

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Fill a staging graph, then one DROP + MOVE update (:attr:`MOVE_GRAPH`): readers see the old or the new
        graph."""
        target = NamedNode(graph)
        staging = NamedNode(STAGING_PREFIX + uuid.uuid4().hex)
        try:
            if self.graph_store_url is not None:
                self._graph_store("PUT", staging, triples)
            else:
                self._insert_data(staging, triples)
            self.update(fill_update(self.MOVE_GRAPH, target=target, staging=staging))
        finally:
            # A leftover staging graph is invisible to readers; clean_staging() removes it.
            with contextlib.suppress(StoreError):
                self.update(fill_update("store/drop-graph", graph=staging))

    def load_new_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Upload a graph no reader sees yet straight to its name (Graph Store PUT, or chunked INSERT DATA)."""
        target = NamedNode(graph)
        if self.graph_store_url is not None:
            self._graph_store("PUT", target, triples)
        else:
            self.drop_graph(graph)
            self._insert_data(target, triples)

    def load_new_graph_file(self, graph: str, path: Path) -> None:
        """As :meth:`load_new_graph`, from an N-Triples file."""
        self.load_new_graph(graph, (Triple(q.subject, q.predicate, q.object)
                                    for q in parse(path=path, format=RdfFormat.N_TRIPLES)))

    def add_to_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """One Graph Store POST, or one INSERT DATA: one transaction either way."""
        g = NamedNode(graph)
        if self.graph_store_url is not None:
            self._graph_store("POST", g, triples)
            return
        found = list(triples)
        if found:
            self.update(fill_update("store/insert-data", graph=g, triples=found))

    def drop_graph(self, graph: str) -> None:
        self.update(fill_update("store/drop-graph", graph=NamedNode(graph)))

    def _all_graphs(self) -> list[str]:
        rows = self.select(load_query(self.list_graphs_query))
        return [g.value for r in rows if isinstance(g := r["g"], NamedNode)]

    def list_graphs(self) -> list[str]:
        return sorted(g for g in self._all_graphs() if not g.startswith(STAGING_PREFIX))

    def clean_staging(self) -> None:
        """Drop graphs a crashed write left behind (they were never visible to readers)."""
        for g in self._all_graphs():
            if g.startswith(STAGING_PREFIX):
                self.drop_graph(g)

    # -- reads of whole graphs ---------------------------------------------------------------

    def graph_triples(self, graph: str) -> list[Triple]:
        return list(self._triples(load_query("store/graph-triples"), {"g": NamedNode(graph)}, None))

    def quads(self, graphs: Sequence[str] | None = None) -> Iterable[Quad]:
        """One CONSTRUCT per graph, parsed as the answer arrives."""
        names = list(graphs) if graphs is not None else self.list_graphs()
        query = load_query("store/graph-triples")
        for name in names:
            g = NamedNode(name)
            for t in self._triples(query, {"g": g}, None):
                yield Quad(t.subject, t.predicate, t.object, g)

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._client.close()
        if self._public_client is not None:
            self._public_client.close()


_FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_bindings(query: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with its bindings as an inline VALUES block (SPARQL 1.1 Query §10.2.1) opening its WHERE group,
    so that every FILTER and FILTER NOT EXISTS of the group sees them, as with the embedded store's substitution
    (a trailing VALUES joins only at the end, and Virtuoso refuses it for ASK and CONSTRUCT). Our queries are
    .rq files whose query form starts a line; the block is written by :func:`values_clause`."""
    clause = values_clause(bindings)
    if not clause:
        return query
    form = _FORM.search(query)
    if form is None:
        return query + clause
    where = _WHERE.search(query, form.end())
    brace = where.end() if where is not None else query.find("{", form.end()) + 1
    if brace <= 0:
        return query + clause
    return query[:brace] + clause + query[brace:]


def values_clause(bindings: Mapping[str, Term] | None) -> str:
    """A trailing VALUES clause (SPARQL 1.1 Query §10.2.2) written from the terms' N-Triples form."""
    if not bindings:
        return ""
    names, cells = [], []
    for name, term in bindings.items():
        if isinstance(term, BlankNode):
            raise ValueError(f"?{name}: a blank node cannot be bound (SPARQL VALUES holds IRIs and literals)")
        if not isinstance(term, NamedNode | Literal):
            raise TypeError(f"?{name}: expected a pyoxigraph NamedNode or Literal, got {type(term).__name__}")
        if not name.isidentifier():
            raise ValueError(f"?{name}: not a variable name")
        names.append(f"?{name}")
        cells.append(str(term))
    # A newline first: the query may end with a "# comment" line.
    return f"\nVALUES ({' '.join(names)}) {{ ({' '.join(cells)}) }}\n"


def term_from_json(value: Mapping[str, str]) -> Term:
    """One RDF term of SPARQL 1.1 Query Results JSON §3.2.2 (and the older "typed-literal")."""
    kind = value["type"]
    if kind == "uri":
        return NamedNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], language=value["xml:lang"])
        if "datatype" in value:
            return Literal(value["value"], datatype=NamedNode(value["datatype"]))
        return Literal(value["value"])
    if kind == "bnode":
        try:
            return BlankNode(value["value"])
        except ValueError:  # e.g. Virtuoso's "nodeID://b10001": keep it stable, make it a valid label
            return BlankNode("b" + hashlib.sha1(value["value"].encode()).hexdigest())  # noqa: S324
    raise StoreError(f"unsupported RDF term in SPARQL results: {kind!r}")


def public_url(url: str) -> str:
    """The URL without user info or query string, fit for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _first_line(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return next((line.strip() for line in text.splitlines() if line.strip()), "(empty answer)")[:300]


def _status_error(endpoint: str, status: int, line: str) -> StoreError:
    """Endpoint, HTTP status and the first line of the answer; never the credentials."""
    cls = EndpointSyntaxError if status == 400 else StoreError
    return cls(
        f"{public_url(endpoint)} answered HTTP {status or '?'}: {line}",
        details={"endpoint": public_url(endpoint), "status": status},
    )
