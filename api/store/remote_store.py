"""The remote store: any SPARQL 1.1 endpoint behind the Store protocol (DESIGN §6).

Queries and updates go through SPARQLWrapper (SPARQL 1.1 Protocol §2.1 query, §2.2 update); bulk
writes use the Graph Store HTTP Protocol (§5.3 PUT, §5.5 POST) when a ``graph_store_url`` is given.

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

import ast
import base64
import contextlib
import hashlib
import json
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http.client import HTTPResponse
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from api.errors import StoreError
from api.store.base import Bindings, Row, Term
from api.store.queries import fill_update, load_query

STAGING_PREFIX = "urn:mpr:staging:"  # the embedded store names its staging graphs the same way
EMPTY_GRAPH = "urn:mpr:empty"  # never written: the dataset of ``default_graphs=[]``
_CHUNK = 5_000  # triples per INSERT DATA request when no Graph Store endpoint is configured
_SPOOL = 16 * 1024 * 1024  # N-Triples bodies larger than this are buffered on disk
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_STATUS = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414,
           EndPointInternalError: 500}


class EndpointSyntaxError(StoreError, SyntaxError):
    """HTTP 400 from the endpoint: the request is not valid SPARQL (Protocol §2.1.5 and §2.2.3).

    Also a ``SyntaxError``, which is what the embedded store raises for the same mistake.
    """


class RemoteStore:
    """A SPARQL 1.1 endpoint (Query, Update, optionally Graph Store) behind the Store protocol."""

    @property
    def generation(self) -> None:
        """Other processes may write to the endpoint: nothing derived from it is cached."""
        return None

    def __init__(
        self,
        query_url: str,
        update_url: str,
        graph_store_url: str | None = None,
        *,
        timeout: float = 30.0,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        for url in (query_url, update_url, graph_store_url):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"not an http(s) URL: {public_url(url)}")
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self._user = user
        self._password = password

    def __repr__(self) -> str:  # never shows the credentials
        return f"RemoteStore({public_url(self.query_url)!r})"

    # -- queries -----------------------------------------------------------------------------

    def _wrapper(self, text: str, query_type: str, return_format: str) -> SPARQLWrapper:
        """A fresh wrapper per request, so one store can serve several threads."""
        w = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url)
        w.queryString = text  # not setQuery(): the caller knows the form, SPARQLWrapper's guess misses WITH
        w.queryType = query_type
        w.setMethod(POST)  # URL-encoded POST (Protocol §2.1.2): no length limit
        w.setReturnFormat(return_format)
        w.setOnlyConneg(True)  # content negotiation only, no ad-hoc "format=" parameters
        w.setTimeout(max(1, round(self.timeout)))
        if self._user is not None and self._password is not None:
            w.setCredentials(self._user, self._password)  # HTTP Basic
        return w

    def _send(self, w: SPARQLWrapper, endpoint: str) -> HTTPResponse:
        try:
            response: HTTPResponse = w.query().response
        except SPARQLWrapperException as exc:
            raise _wrapper_error(endpoint, exc) from None
        except urllib.error.HTTPError as exc:
            raise _http_error(endpoint, exc) from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {public_url(endpoint)}: {exc}") from None
        return response

    def _query(
        self,
        query: str,
        bindings: Bindings | None,
        default_graphs: Sequence[str] | None,
        query_type: str,
        return_format: str,
    ) -> HTTPResponse:
        w = self._wrapper(query + values_clause(bindings), query_type, return_format)
        if default_graphs is not None:
            for g in list(default_graphs) or [EMPTY_GRAPH]:
                w.addDefaultGraph(NamedNode(g).value)
                w.addNamedGraph(NamedNode(g).value)
        if return_format == TURTLE:
            w.addCustomHttpHeader("Accept", _RDF_ACCEPT)
        return self._send(w, self.query_url)

    def _json(self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None,
              query_type: str) -> dict[str, Any]:
        response = self._query(query, bindings, default_graphs, query_type, JSON)
        try:
            data: dict[str, Any] = json.load(response)
        except ValueError as exc:
            raise StoreError(f"{public_url(self.query_url)} sent results that are not SPARQL JSON: {exc}") from None
        finally:
            response.close()
        return data

    def select(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Row]:
        """SPARQL 1.1 Query Results JSON Format §3: every term becomes a pyoxigraph term."""
        data = self._json(query, bindings, default_graphs, "SELECT")
        if "results" not in data:
            raise TypeError("select() needs a SELECT query")
        names: list[str] = data["head"].get("vars", [])
        return [
            {n: term_from_json(b[n]) if n in b else None for n in names} for b in data["results"]["bindings"]
        ]

    def select_stream(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        """The JSON results are read whole (SPARQLWrapper has no streaming reader), then handed out row by row."""
        data = self._json(query, bindings, default_graphs, "SELECT")
        if "results" not in data:
            raise TypeError("select_stream() needs a SELECT query")
        names: list[str] = data["head"].get("vars", [])
        rows = data["results"]["bindings"]
        return names, (tuple(term_from_json(b[n]) if n in b else None for n in names) for b in rows)

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
        data = self._json(query, bindings, default_graphs, "ASK")
        if "boolean" not in data:
            raise TypeError("ask() needs an ASK query")
        return bool(data["boolean"])

    def _triples(
        self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None
    ) -> Iterator[Triple]:
        response = self._query(query, bindings, default_graphs, "CONSTRUCT", TURTLE)
        media_type = (response.headers.get("Content-Type") or "application/n-triples").split(";")[0].strip()
        fmt = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
        try:
            for q in parse(response, fmt):
                yield Triple(q.subject, q.predicate, q.object)
        except SyntaxError as exc:
            raise StoreError(f"{public_url(self.query_url)} sent unreadable {media_type}: {exc}") from None
        finally:
            response.close()

    def construct(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Triple]:
        return list(self._triples(query, bindings, default_graphs))

    # -- writes ------------------------------------------------------------------------------

    def update(self, update: str) -> None:
        """One request (Protocol §2.2): the endpoint runs it as one transaction."""
        self._send(self._wrapper(update, "INSERT", JSON), self.update_url).close()

    def _insert_data(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """INSERT DATA in chunks; a blank node label spanning two chunks names two blank nodes."""
        chunk: list[Triple] = []
        for t in triples:
            chunk.append(t)
            if len(chunk) >= _CHUNK:
                self._insert_chunk(graph, chunk)
                chunk = []
        if chunk:
            self._insert_chunk(graph, chunk)

    def _insert_chunk(self, graph: NamedNode, triples: list[Triple]) -> None:
        self.update(fill_update("store/insert-data", graph=graph, triples=triples))

    def _graph_store(self, method: str, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Graph Store HTTP Protocol §5.3 (PUT) / §5.5 (POST) with an N-Triples body."""
        assert self.graph_store_url is not None
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as body:
            serialize(triples, body, RdfFormat.N_TRIPLES)  # every triple read before any byte is sent
            size = body.tell()
            body.seek(0)
            sep = "&" if "?" in self.graph_store_url else "?"
            url = f"{self.graph_store_url}{sep}{urllib.parse.urlencode({'graph': graph.value})}"
            request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (http checked)
            request.add_header("Content-Type", "application/n-triples")
            request.add_header("Content-Length", str(size))
            if self._user is not None and self._password is not None:
                token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode("ascii")
                request.add_header("Authorization", f"Basic {token}")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 (http checked)
                    pass
            except urllib.error.HTTPError as exc:
                raise _http_error(self.graph_store_url, exc) from None
            except (urllib.error.URLError, OSError) as exc:
                raise StoreError(
                    f"cannot reach the graph store {public_url(self.graph_store_url)}: {exc}"
                ) from None

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Fill a staging graph, then one DROP + MOVE update: readers see the old or the new graph."""
        target = NamedNode(graph)
        staging = NamedNode(STAGING_PREFIX + uuid.uuid4().hex)
        try:
            if self.graph_store_url is not None:
                self._graph_store("PUT", staging, triples)
            else:
                self._insert_data(staging, triples)
            self.update(fill_update("store/move-graph", target=target, staging=staging))
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
        rows = self.select(load_query("store/list-graphs"))
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
        """Nothing to release: every request opens and closes its own connection."""


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


def _http_error(endpoint: str, exc: urllib.error.HTTPError) -> StoreError:
    try:
        body: bytes = exc.read()
    except OSError:
        body = b""
    return _status_error(endpoint, exc.code, _first_line(body))


def _wrapper_error(endpoint: str, exc: SPARQLWrapperException) -> StoreError:
    """SPARQLWrapper keeps the answer only inside its message, as the repr of the bytes."""
    status = _STATUS.get(type(exc), 0)
    text = str(exc)
    answer = text.split("Response:\n", 1)[1] if "Response:\n" in text else ""
    try:
        body = ast.literal_eval(answer) if answer else b""
    except (ValueError, SyntaxError):
        body = answer
    return _status_error(endpoint, status, _first_line(body) if body else exc.msg)


def _status_error(endpoint: str, status: int, line: str) -> StoreError:
    """Endpoint, HTTP status and the first line of the answer; never the credentials."""
    cls = EndpointSyntaxError if status == 400 else StoreError
    return cls(
        f"{public_url(endpoint)} answered HTTP {status or '?'}: {line}",
        details={"endpoint": public_url(endpoint), "status": status},
    )
