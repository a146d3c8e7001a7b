"""Virtuoso 7 behind the Store protocol: the remote store with Virtuoso's quirks handled here and nowhere else.

- Its own graphs (the quad map ``virtrdf#``, and the sample graphs a new database holds) are part of its default
  union: queries without a dataset exclude them with ``define input:default-graph-exclude`` /
  ``input:named-graph-exclude`` (Virtuoso's SPARQL pragmas), and they are never listed.
- Updates need an authenticated endpoint (``/sparql-auth``, HTTP Digest) and a user granted SPARQL_UPDATE; the
  public endpoint ``/sparql`` stays read-only for the anonymous user.
- Bulk graphs go through the Graph Store endpoint (``/sparql-graph-crud-auth``) or INSERT DATA in chunks small
  enough for its SQL text limits (``DB.DBA.TTLP`` and the bulk loader need SQL access, which a web application has
  no business holding: the guide's backup section uses them from ``isql``).
- ``ResultSetMaxRows`` silently cuts answers off at its value: the server must set it above the largest answer
  (the guide says so); :meth:`VirtuosoStore.select` cannot tell a cut answer from a whole one.
"""

from __future__ import annotations

from api.store.remote_store import RemoteStore

OWN_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)
_PRAGMAS = "".join(f"define input:default-graph-exclude <{g}>\ndefine input:named-graph-exclude <{g}>\n"
                   for g in OWN_GRAPHS)
_INSERT_CHUNK = 1_000  # triples per INSERT DATA: Virtuoso compiles each request to SQL with text limits


class VirtuosoStore(RemoteStore):
    """A Virtuoso 7 SPARQL endpoint (Query at ``/sparql``, Update at ``/sparql-auth``, Graph Store at
    ``/sparql-graph-crud-auth``)."""

    dialect = "virtuoso"
    insert_chunk = _INSERT_CHUNK

    def _dialect_query(self, text: str) -> str:
        """Virtuoso's own graphs left out of the default union (a request naming its dataset never sees them)."""
        return _PRAGMAS + text

    def list_graphs(self) -> list[str]:
        return [g for g in super().list_graphs() if g not in OWN_GRAPHS]

    def drop_all(self) -> None:
        """Drop every graph of ours (``DROP ALL`` would drop Virtuoso's own graphs too)."""
        for graph in self._all_graphs():
            if graph not in OWN_GRAPHS:
                self.drop_graph(graph)
