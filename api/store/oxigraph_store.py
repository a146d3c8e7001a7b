"""The embedded store: pyoxigraph on disk (RocksDB) or in memory (DESIGN §6)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    Variable,
    serialize,
)
from pyoxigraph import (
    Store as OxStore,
)

from api.errors import StoreError
from api.store.base import Bindings, Row, Term
from api.store.queries import fill_update

_STAGING = "urn:mpr:staging:"


class OxigraphStore:
    """pyoxigraph behind the Store protocol. ``path=None`` keeps everything in memory."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        try:
            if path is None:
                self._store = OxStore()
            elif read_only:
                self._store = OxStore.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = OxStore(str(path))
        except OSError as exc:  # the RocksDB lock is held by another process
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        self.path = path
        self._generation = 0

    @property
    def generation(self) -> int:
        """Counts the writes made through this object (cached views check it)."""
        return self._generation

    @property
    def native(self) -> OxStore:
        """The pyoxigraph store, for bulk paths (benchmarks, bulk import)."""
        return self._store

    def _run(
        self, query: str, bindings: Bindings | None, default_graphs: Sequence[str] | None
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        subs = {Variable(k): v for k, v in (bindings or {}).items()}
        kwargs: dict[str, object] = {}
        if default_graphs is not None:
            kwargs["default_graph"] = [NamedNode(g) for g in default_graphs] or [DefaultGraph()]
            kwargs["named_graphs"] = [NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        return self._store.query(query, substitutions=subs or None, **kwargs)  # type: ignore[arg-type]

    def select(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Row]:
        result = self._run(query, bindings, default_graphs)
        if not isinstance(result, QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: sol[n] for n in names} for sol in result]

    def select_stream(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        result = self._run(query, bindings, default_graphs)
        if not isinstance(result, QuerySolutions):
            raise TypeError("select_stream() needs a SELECT query")
        names = [v.value for v in result.variables]
        width = len(names)
        return names, (tuple(solution[i] for i in range(width)) for solution in result)

    def subjects_with(
        self, predicate: NamedNode, value: Term, graph: str
    ) -> Iterator[tuple[Term, list[tuple[NamedNode, Term]]]]:
        g = NamedNode(graph)
        store = self._store
        for quad in store.quads_for_pattern(None, predicate, value, g):
            subject = quad.subject
            pairs = [(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, g)]
            yield subject, pairs  # type: ignore[misc]  # no RDF-star terms are ever stored

    def subject_pairs(self, subject: NamedNode, graph: str) -> list[tuple[NamedNode, Term]]:
        return [(q.predicate, q.object)  # type: ignore[misc]  # no RDF-star terms are ever stored
                for q in self._store.quads_for_pattern(subject, None, None, NamedNode(graph))]

    def ask(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> bool:
        return bool(self._run(query, bindings, default_graphs))

    def construct(
        self, query: str, bindings: Bindings | None = None, *, default_graphs: Sequence[str] | None = None
    ) -> list[Triple]:
        result = self._run(query, bindings, default_graphs)
        if not isinstance(result, QueryTriples):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(result)

    def update(self, update: str) -> None:
        """One transaction; a failing operation (e.g. CREATE GRAPH of an existing graph) is a StoreError."""
        try:
            self._store.update(update)
        except (RuntimeError, OSError) as exc:  # SyntaxError passes through, as for queries
            raise StoreError(f"the update failed, nothing was changed: {exc}") from exc
        finally:
            self._generation += 1  # after the write: a view cached while it ran carries the older number

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Write into a staging graph, then MOVE it over ``graph`` in one update (one transaction)."""
        staging = NamedNode(_STAGING + uuid.uuid4().hex)
        target = NamedNode(graph)
        try:
            self._store.bulk_extend(Quad(t.subject, t.predicate, t.object, staging) for t in triples)
            self._store.update(fill_update("store/move-graph", target=target, staging=staging))
        finally:
            self._store.remove_graph(staging) if self._store.contains_named_graph(staging) else None
            self._generation += 1
        self._store.flush()

    def load_new_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        """Bulk-load a graph no reader sees yet (not atomic; a crash leaves an unreferenced orphan).

        The triples are written out as N-Triples first and parsed by the bulk loader in Rust, which runs without
        the GIL: the server's other threads keep answering while a large submission is stored."""
        with tempfile.TemporaryDirectory(prefix="mpr-load-") as folder:
            staged = Path(folder) / "graph.nt"
            serialize(triples, staged, format=RdfFormat.N_TRIPLES)
            self.load_new_graph_file(graph, staged)

    def load_new_graph_file(self, graph: str, path: Path) -> None:
        """As :meth:`load_new_graph`, from an N-Triples file: parsed and loaded in Rust, without the GIL, by
        threads of lower CPU priority (:func:`at_low_priority`), so that readers keep the cores they need."""
        g = NamedNode(graph)
        try:
            if self._store.contains_named_graph(g):
                self._store.remove_graph(g)
            at_low_priority(lambda: self._store.bulk_load(path=path, format=RdfFormat.N_TRIPLES, to_graph=g))
        finally:
            self._generation += 1
        self._store.flush()

    def add_to_graph(self, graph: str, triples: Iterable[Triple]) -> None:
        g = NamedNode(graph)
        try:
            self._store.extend([Quad(t.subject, t.predicate, t.object, g) for t in triples])
        finally:
            self._generation += 1

    def drop_graph(self, graph: str) -> None:
        g = NamedNode(graph)
        try:
            if self._store.contains_named_graph(g):
                self._store.remove_graph(g)
        finally:
            self._generation += 1

    def list_graphs(self) -> list[str]:
        return sorted(
            g.value for g in self._store.named_graphs() if isinstance(g, NamedNode)
            and not g.value.startswith(_STAGING)
        )

    def graph_triples(self, graph: str) -> list[Triple]:
        g = NamedNode(graph)
        return [Triple(q.subject, q.predicate, q.object) for q in self._store.quads_for_pattern(None, None, None, g)]

    def quads(self, graphs: Sequence[str] | None = None) -> Iterable[Quad]:
        names = list(graphs) if graphs is not None else self.list_graphs()
        for name in names:
            yield from self._store.quads_for_pattern(None, None, None, NamedNode(name))

    def optimize(self) -> None:
        """Compact the on-disk store after a bulk load (faster reads afterwards; DESIGN §2)."""
        if self.path is not None:
            self._store.optimize()

    def clean_staging(self) -> None:
        """Drop graphs a crashed write left behind (they were never visible to readers)."""
        for g in list(self._store.named_graphs()):
            if isinstance(g, NamedNode) and g.value.startswith(_STAGING):
                self._store.remove_graph(g)

    def dump_nquads(self, output: IO[bytes]) -> tuple[int, int]:
        """Every quad (default graph, every named graph) to ``output`` as N-Quads; (quads, named graphs).

        On a store opened ``read_only`` the dump and the counts are one snapshot. Empty graphs are not written."""
        try:
            self._store.dump(output, RdfFormat.N_QUADS)
            return len(self._store), sum(1 for _ in self._store.named_graphs())
        except OSError as exc:
            raise StoreError(f"reading the store at {self.path or 'memory'} failed: {exc}") from exc

    def load_nquads(self, source: IO[bytes]) -> tuple[int, int]:
        """Bulk-load N-Quads; (quads, named graphs) afterwards. Not one transaction: use it on a new store.

        A syntax error (``SyntaxError`` with ``lineno``) and the source's own errors pass through."""
        try:
            self._store.bulk_load(source, RdfFormat.N_QUADS)
            self._store.flush()
        finally:
            self._generation += 1
        return len(self._store), sum(1 for _ in self._store.named_graphs())

    def close(self) -> None:
        """Flush and release the store (and its on-disk lock) even while this object is still referenced."""
        if self.path is not None:
            with contextlib.suppress(OSError, RuntimeError):  # a read-only store has nothing to flush
                self._store.flush()
            self._store = OxStore()  # drop the last reference to the on-disk store: RocksDB unlocks


LOAD_NICENESS = 10  # how much less CPU priority the bulk loader's threads have than the server's other threads


def at_low_priority(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of its own whose niceness is raised by ``LOAD_NICENESS`` (setpriority(2) on one
    thread id: on Linux the nice value is per thread, and threads it starts, as Oxigraph's bulk loader does,
    inherit it). A large load then yields the cores to the readers answered beside it and loses nothing when no
    one else waits. Where a thread's priority cannot be changed the work runs as it is."""
    failure: list[BaseException] = []

    def run() -> None:
        with contextlib.suppress(OSError, AttributeError):
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, os.getpriority(os.PRIO_PROCESS, me) + LOAD_NICENESS)
        try:
            work()
        except BaseException as exc:  # raised again in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="mpr-bulk-load")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
