"""Virtuoso 7 behind the Store protocol: the remote store with Virtuoso's quirks handled here and nowhere else.

- Its own graphs (the quad map ``virtrdf#``, and the sample graphs a new database holds) are part of its default
  union: queries without a dataset exclude them with ``define input:default-graph-exclude`` /
  ``input:named-graph-exclude`` (Virtuoso's SPARQL pragmas), and they are never listed. With such a pragma
  Virtuoso matches nothing in ``GRAPH <constant>``, so a query naming a graph that way goes without it.
- ``GRAPH ?g {}`` matches no graph: graphs are listed from their triples (an empty graph does not exist there).
- xsd:boolean values come back as ``1`` and ``0``: they are read as ``true`` and ``false``.
- Each operation of an update request is its own transaction: a request of several operations is refused (the
  contract says all or nothing), and a graph is replaced by one ``MOVE``.
- Updates need an authenticated endpoint (``/sparql-auth``, HTTP Digest) and a user granted SPARQL_UPDATE; the
  public endpoint ``/sparql`` stays read-only for the anonymous user.
- Bulk graphs go through the Graph Store endpoint (``/sparql-graph-crud-auth``) or INSERT DATA in chunks small
  enough for its SQL text limits (``DB.DBA.TTLP`` and the bulk loader need SQL access, which the web application
  does not hold: docs/deploy.md uses them from ``isql`` for backups).
- ``ResultSetMaxRows`` silently cuts answers off at its value: the server must set it above the largest answer
  (docs/deploy.md); a cut answer cannot be told from a whole one.
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from api.errors import StoreError
from api.store.base import Term
from api.store.remote_store import RemoteStore

OWN_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)
_PRAGMAS = "".join(f"define input:default-graph-exclude <{g}>\ndefine input:named-graph-exclude <{g}>\n"
                   for g in OWN_GRAPHS)
_CONSTANT_GRAPH = re.compile(r"\bGRAPH\s*<", re.IGNORECASE)
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


class VirtuosoStore(RemoteStore):
    """A Virtuoso 7 SPARQL endpoint (Query at ``/sparql``, Update at ``/sparql-auth``, Graph Store at
    ``/sparql-graph-crud-auth``)."""

    dialect = "virtuoso"
    insert_chunk = _INSERT_CHUNK
    list_graphs_query = "store/list-graphs-virtuoso"

    def _dialect_query(self, text: str) -> str:
        return text if _CONSTANT_GRAPH.search(text) else _PRAGMAS + text

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

    MOVE_GRAPH = "store/move-graph-one"  # one operation: MOVE replaces the target's content as a whole

    def list_graphs(self) -> list[str]:
        return [g for g in super().list_graphs() if g not in OWN_GRAPHS]

    def drop_all(self) -> None:
        """Drop every graph of ours (``DROP ALL`` would drop Virtuoso's own graphs too)."""
        for graph in self._all_graphs():
            if graph not in OWN_GRAPHS:
                self.drop_graph(graph)
