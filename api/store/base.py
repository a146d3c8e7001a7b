"""The Store protocol: what every triple store implementation offers (DESIGN §6).

Terms are pyoxigraph's RDF terms (``NamedNode``, ``Literal``, ``BlankNode``) for every
implementation, so callers never see which store answers. ``bindings`` are substituted by the
store as RDF terms (SEP-0007 substitution or a VALUES block), never pasted into query text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

Term = NamedNode | Literal | BlankNode
Row = dict[str, Term | None]
Bindings = Mapping[str, Term]


@runtime_checkable
class Store(Protocol):
    """Query, construct, write and list named graphs."""

    @property
    def generation(self) -> int | None:
        """Changes after every write made through this object; None when other writers may change the store
        too (then nothing derived from its content may be cached)."""
        ...

    def select(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Row]:
        """Run a SELECT; ``default_graphs`` restricts the default graph to the union of those graphs."""
        ...

    def select_stream(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        """A SELECT's variable names and its rows as tuples in that order, produced while read (large results)."""
        ...

    def subjects_with(
        self, predicate: NamedNode, value: Term, graph: str
    ) -> Iterator[tuple[Term, list[tuple[NamedNode, Term]]]]:
        """Each subject of ``graph`` that has ``predicate value``, with all its (predicate, object) pairs there.

        The keyed lookup behind the SDMX data routes: an index read, no query planning.
        """
        ...

    def subject_pairs(self, subject: NamedNode, graph: str) -> list[tuple[NamedNode, Term]]:
        """Every (predicate, object) of one subject in one graph: an index read (one observation by its IRI)."""
        ...

    def ask(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> bool: ...

    def construct(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Triple]: ...

    def update(self, update: str) -> None:
        """Run one SPARQL Update request as one transaction (all of it or none)."""
        ...

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``; readers see the old or the new graph, never a mix."""
        ...

    def load_new_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Bulk-load a graph that no reader can see yet (a new submission not yet in the registry).

        Fast and not atomic: the registry's commit makes it visible; a crash leaves an orphan graph
        that ``Registry.clean_orphans`` removes.
        """
        ...

    def load_new_graph_file(self, graph: str, path: Path) -> None:
        """As :meth:`load_new_graph`, from an N-Triples file (written by a validation worker)."""
        ...

    def add_to_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Add triples to ``graph`` in one transaction."""
        ...

    def drop_graph(self, graph: str) -> None: ...

    def list_graphs(self) -> list[str]: ...

    def graph_triples(self, graph: str) -> list[Triple]:
        """Every triple of one named graph."""
        ...

    def quads(self, graphs: Sequence[str] | None = None) -> Iterable[Quad]:
        """Every quad of the given named graphs (all named graphs when None), streamed."""
        ...

    def close(self) -> None: ...
