"""Virtuoso 7 behind the Store protocol: the remote store with Virtuoso's quirks handled here and nowhere else.

- Its own graphs (the quad map ``virtrdf#``, and the sample graphs a new database holds) are part of its default
  union: queries without a dataset exclude them with ``define input:default-graph-exclude`` /
  ``input:named-graph-exclude`` (Virtuoso's SPARQL pragmas), and they are never listed. With such a pragma
  Virtuoso matches nothing in ``GRAPH <constant>``, so a query naming a graph that way goes without it.
- ``GRAPH ?g {}`` matches no graph: graphs are listed from their triples (an empty graph does not exist there).
- A group that holds nothing but filters (``WHERE { FILTER NOT EXISTS { ... } }``, the compare-and-set of the
  write claims) is one solution in SPARQL, but Virtuoso tests its ``NOT EXISTS`` against nothing and always
  passes it: such a group gets a one-row ``VALUES`` first, after which Virtuoso applies the filter (and
  serialises concurrent conditional updates, so two claims never both win).
- ``GRAPH ?g { }`` matches no graph in a query either: it is asked as ``{ SELECT DISTINCT ?g WHERE { GRAPH ?g
  { ?s ?p ?o } } }``, one solution per graph as SPARQL gives (Virtuoso holds no empty graph).
- Triples of a CONSTRUCT (and the properties of one subject) come in the order of Virtuoso's internal ids,
  which depends on every term the store ever interned, restricted ones included: they are sorted, so that no
  public answer's order depends on restricted content.
- xsd:boolean values come back as ``1`` and ``0``: they are read as ``true`` and ``false``.
- Each operation of an update request is its own transaction: a request of several operations is refused (the
  contract says all or nothing), and a graph is replaced by one ``MOVE``.
- Updates need an authenticated endpoint (``/sparql-auth``, HTTP Digest) and a user granted SPARQL_UPDATE; the
  public endpoint ``/sparql`` stays read-only for the anonymous user.
- Bulk graphs go through the Graph Store endpoint (``/sparql-graph-crud-auth``) or INSERT DATA in chunks small
  enough for its SQL text limits (``DB.DBA.TTLP`` and the bulk loader need SQL access, which the web application
  does not hold: docs/deploy.md uses them from ``isql`` for backups).
- Graph-level security: with MPR_STORE_PUBLIC_USER, public queries run as a read-only user (created by
  ``virtuoso-public-user.sql``) who may read exactly the public graphs, granted and withdrawn here as the public
  view changes, so the engine itself refuses the rest even to a query naming a graph in FROM or GRAPH. The
  unauthenticated user then reads nothing: every query goes to an authenticated endpoint.
- One Graph Store request may not hold more than a million terms (``FRVEC ... max vector length``): a large
  graph is sent in parts of :attr:`VirtuosoStore.gsp_chunk` triples, a PUT then POSTs (into a graph no reader
  sees yet: a staging graph, or a new submission's graph before the registry names it).
- ``ResultSetMaxRows`` silently cuts answers off at its value: the server must set it above the largest answer
  (docs/deploy.md); a cut answer cannot be told from a whole one.
- Time limits ("anytime queries"): each public query carries the ``timeout`` parameter (milliseconds), so that
  Virtuoso itself stops it at the endpoint's limit (it looks about every 2 s); it then sends the results found so
  far with ``X-SQL-State: S1TAT``. Such an answer is a time limit, never data: for a public query (EngineStopped)
  and for the registry's own (a StoreError, should the server impose a limit of its own, ``ExecutionTimeout``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from string import Template
from typing import Any

import httpx
from pyoxigraph import Literal, NamedNode, Quad, Triple

from api.errors import StoreError
from api.formats.rdf.sparql_results import JSON as SPARQL_RESULTS_JSON
from api.store.base import Bindings, Term
from api.store.queries import load_query
from api.store.remote_store import ChallengeAuth, RemoteStore, with_bindings

OWN_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)
_PRAGMAS = "".join(f"define input:default-graph-exclude <{g}>\ndefine input:named-graph-exclude <{g}>\n"
                   for g in OWN_GRAPHS)
_CONSTANT_GRAPH = re.compile(r"\bGRAPH\s*<", re.IGNORECASE)
_FILTER_ONLY_GROUP = re.compile(r"(\bWHERE\s*\{|^\s*ASK\s*\{)(\s*FILTER\b)", re.IGNORECASE | re.MULTILINE)
_ONE_ROW = " VALUES ?virtuosoOneRow { 1 }"
_EMPTY_GRAPH_PATTERN = re.compile(r"\bGRAPH\s*\?([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*\}", re.IGNORECASE)
_XSD_BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_BOOLEANS = {"1": "true", "0": "false"}
# Comments, strings (long and short, both quotes), IRIs, braces, and ';' (between operations at depth 0, Update §3;
# inside braces it separates predicates).
_UPDATE_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|"(?:[^"\\\r\n]|\\.)*"'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|[;{}]",
    re.DOTALL,
)
_PUBLIC_USER_SQL = Path(__file__).with_name("virtuoso-public-user.sql")
_SQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_SQL_PASSWORD = re.compile(r"[A-Za-z0-9_.,:+@%=-]{8,128}")
_INSERT_CHUNK = 1_000  # triples per INSERT DATA: Virtuoso compiles each request to SQL with text limits


def operations(update: str) -> int:
    """How many operations a SPARQL Update request holds (';' outside braces, strings, IRIs and comments; a
    trailing one separates nothing)."""
    depth, ends = 0, []
    for match in _UPDATE_TOKEN.finditer(update):
        found = match.group()
        if found == "{":
            depth += 1
        elif found == "}":
            depth -= 1
        elif found == ";" and depth == 0:
            ends.append(match.end())
    return 1 + sum(1 for end in ends if update[end:].strip())


def public_user_sql(user: str, password: str) -> list[str]:
    """The SQL statements (run once as dba, e.g. with isql) that create the public SPARQL endpoint's read-only
    ``user`` and the procedure that grants it the public graphs (``virtuoso-public-user.sql``)."""
    if not _SQL_NAME.fullmatch(user):
        raise ValueError("the public user's name is letters, digits and '_' (up to 64), starting with a letter")
    if not _SQL_PASSWORD.fullmatch(password):
        raise ValueError("the public user's password is 8 to 128 of letters, digits and _.,:+@%=-")
    text = Template(_PUBLIC_USER_SQL.read_text(encoding="utf-8")).substitute(user=user, password=password)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in body.split("\n;") if statement.strip()]


def _written(triple: Triple) -> str:
    """A triple's N-Triples form: an order that depends on the triple alone."""
    return str(triple)


def _one_row_first(text: str) -> str:
    """``text`` with a one-row VALUES opening each group that starts with a FILTER (see the module's notes)."""
    return _FILTER_ONLY_GROUP.sub(lambda m: m.group(1) + _ONE_ROW + m.group(2), text)


class VirtuosoStore(RemoteStore):
    """A Virtuoso 7 SPARQL endpoint (Query at ``/sparql``, Update at ``/sparql-auth``, Graph Store at
    ``/sparql-graph-crud-auth``)."""

    dialect = "virtuoso"
    insert_chunk = _INSERT_CHUNK
    engine_grace_s = 2.5  # Virtuoso looks at its anytime limit about every 2 s, so it stops up to 2 s past it
    list_graphs_query = "store/list-graphs-virtuoso"

    def _dialect_query(self, text: str) -> str:
        text = _EMPTY_GRAPH_PATTERN.sub(
            lambda m: f"{{ SELECT DISTINCT ?{m.group(1)} WHERE {{ GRAPH ?{m.group(1)} "
                      "{ ?virtuosoS ?virtuosoP ?virtuosoO } } }", _one_row_first(text))
        return text if _CONSTANT_GRAPH.search(text) else _PRAGMAS + text

    def _dialect_update(self, text: str) -> str:
        return _one_row_first(text)

    def _term(self, term: Term) -> Term:
        if isinstance(term, Literal) and term.datatype == _XSD_BOOLEAN and term.value in _BOOLEANS:
            return Literal(_BOOLEANS[term.value], datatype=_XSD_BOOLEAN)
        return term

    def update(self, update: str) -> None:
        """One operation; a request of several is refused before anything is sent (each would commit alone). The
        generation counter is incremented in the same request, after the operation."""
        count = operations(update)
        if count > 1:
            raise StoreError("Virtuoso runs each operation of a SPARQL Update request as its own transaction, so a "
                             f"request of {count} operations cannot be all or nothing: send one operation per "
                             "update.", details={"engine": "virtuoso", "operations": count})
        super().update(update)

    def use_public_user(self, user: str, password: str) -> None:
        """Public queries as ``user`` on the authenticated endpoint (``/sparql`` never asks for credentials, so
        there they would run as the unauthenticated user), which reads only the graphs :meth:`expose_public`
        granted it."""
        if not _SQL_NAME.fullmatch(user):
            raise StoreError("MPR_STORE_PUBLIC_USER is not a Virtuoso user name (letters, digits and '_', starting "
                             "with a letter).", details={"variable": "MPR_STORE_PUBLIC_USER"})
        self._public_user = user
        self._exposed: frozenset[str] | None = None  # what the public user may read, as last granted
        self._revoked: set[str] = set()  # what this process withdrew from it
        self._expose_lock = threading.Lock()
        self._public_client = httpx.Client(auth=ChallengeAuth(user, password), timeout=self.timeout,
                                           follow_redirects=False)

    def _public_query_url(self) -> str:
        return self.update_url

    def expose_public(self, graphs: Sequence[str]) -> None:
        """Grant the public user read access to exactly ``graphs`` whenever they change: every other graph of the
        store is withdrawn from it unless this process already did (a grant on a graph of that name from before,
        made by another process or an earlier life of the store, may be stale), then the new ones granted."""
        if self._public_client is None:
            return
        wanted = frozenset(graphs)
        with self._expose_lock:
            if wanted == self._exposed:
                return
            exposed = self._exposed or frozenset()
            withdrawn = ((set(self._all_graphs()) - self._revoked) | exposed) - wanted
            granted = wanted - exposed if self._exposed is not None else wanted
            for graph, readable in [*((g, 0) for g in sorted(withdrawn)), *((g, 1) for g in sorted(granted))]:
                self._permit(graph, readable)
            self._exposed = wanted

    def _permit(self, graph: str, readable: int) -> None:
        """Let the public user read ``graph`` (1) or not (0)."""
        self._post(self.update_url, data={"query": with_bindings(
            load_query("store/virtuoso-public-graph"),
            {"user": Literal(self._public_user), "g": NamedNode(graph), "readable": Literal(readable)})},
            headers={"Accept": SPARQL_RESULTS_JSON.media_type})
        if readable:
            self._revoked.discard(graph)
        else:
            self._revoked.add(graph)

    def drop_graph(self, graph: str) -> None:
        """Drop ``graph``; with a public user, its grant goes with it (a graph of that name made later is not
        readable to the public user until it is granted again)."""
        super().drop_graph(graph)
        if self._public_client is not None:
            with self._expose_lock:
                self._permit(graph, 0)
                if self._exposed is not None:
                    self._exposed = self._exposed - {graph}

    def construct(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Triple]:
        return sorted(super().construct(query, bindings, default_graphs=default_graphs), key=_written)

    def graph_triples(self, graph: str) -> list[Triple]:
        return sorted(super().graph_triples(graph), key=_written)

    def subject_pairs(self, subject: NamedNode, graph: str) -> list[tuple[NamedNode, Term]]:
        return sorted(super().subject_pairs(subject, graph), key=lambda pair: (str(pair[0]), str(pair[1])))

    def quads(self, graphs: Sequence[str] | None = None) -> Iterable[Quad]:
        for graph in list(graphs) if graphs is not None else self.list_graphs():
            g = NamedNode(graph)
            yield from (Quad(t.subject, t.predicate, t.object, g) for t in self.graph_triples(graph))

    def _query(self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None,
               accept: str) -> httpx.Response:
        response = super()._query(query, bindings, default_graphs, accept)
        if self._engine_stopped(response, b""):
            raise StoreError("Virtuoso stopped the query at a time limit of its own and sent part of the answer "
                             "(X-SQL-State S1TAT): raise or remove ExecutionTimeout and MaxQueryExecutionTime in "
                             "virtuoso.ini [SPARQL] above the registry's longest read.",
                             details={"engine": "virtuoso", "sql_state": "S1TAT"})
        return response

    def _time_limit(self, seconds: float) -> dict[str, str]:
        """Virtuoso's anytime ``timeout`` (milliseconds, 1000 at least): the engine stops the query itself."""
        return {"timeout": str(max(1000, int(seconds * 1000)))}

    def _engine_stopped(self, response: httpx.Response, content: bytes) -> bool:
        """An anytime answer: part of the results with ``X-SQL-State: S1TAT`` (status 200 or 206), or the error
        that says the query did not complete within it; never taken for the whole answer."""
        return response.headers.get("x-sql-state", "").strip().upper() == "S1TAT" or (
            response.status_code >= 500 and b"S1TAT" in content)

    def public_query(self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str], form: str,
                     timeout_s: float) -> bool | tuple[list[str] | None, list[Any]]:
        answer = super().public_query(query, default_graphs, named_graphs, form, timeout_s)
        if not isinstance(answer, bool) and answer[0] is None:
            return None, sorted(answer[1], key=_written)
        return answer

    gsp_chunk = 200_000  # triples per Graph Store request (600,000 terms, under Virtuoso's vector limit)

    def _graph_store(self, method: str, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """The Graph Store request in parts: the first with ``method``, the rest added (POST)."""
        part: list[Triple] = []
        for triple in triples:
            part.append(triple)
            if len(part) == self.gsp_chunk:
                super()._graph_store(method, graph, part)
                method, part = "POST", []
        if part or method == "PUT":
            super()._graph_store(method, graph, part)

    MOVE_GRAPH = "store/move-graph-one"  # one operation: MOVE replaces the target's content as a whole

    def list_graphs(self) -> list[str]:
        return [g for g in super().list_graphs() if g not in OWN_GRAPHS]

    def drop_all(self) -> None:
        """Drop every graph of ours (``DROP ALL`` would drop Virtuoso's own graphs too)."""
        for graph in self._all_graphs():
            if graph not in OWN_GRAPHS:
                self.drop_graph(graph)
