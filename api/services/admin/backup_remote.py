"""Backup and restore of a registry on a SPARQL server (MPR_STORE=sparql): the same file as for the embedded store
(api.services.admin.backup: N-Quads between a header and an end line with the SHA-256), read and written through
the Store protocol, graph by graph.

A restore is checked whole first (into a store on disk, against the end line) and refused over a store that holds data
unless asked; then the server's graphs of this registry are dropped and the backup's loaded one graph at a time.
That is not one transaction: restore with no worker serving (the guide says so), as for the embedded store.
"""

from __future__ import annotations

import gzip
import io
import itertools
import tempfile
import time
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

from api.config import Settings
from api.errors import InputFileError, RegistryError
from api.services.admin import backup
from api.services.registry import open_store
from api.store.base import Store
from api.store.oxigraph_store import OxigraphStore


def backup_store(settings: Settings, target: Path) -> backup.StoreCopy:
    """Every named graph of the server to ``target`` (N-Quads, gzip for ``.gz``)."""
    if not target.parent.is_dir():
        raise InputFileError(f"cannot write {target}: the folder {target.parent} does not exist.")
    started = time.perf_counter()
    store = open_store(settings)
    quads = 0
    try:
        graphs = store.list_graphs()
        with backup._replacing(target) as temporary, temporary.open("wb") as raw:
            sink: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) \
                if target.suffix == ".gz" else raw
            try:
                hashing = backup._Hashing(sink)
                hashing.write(f"# mpr-backup {backup.VERSION} base={settings.base_iri} "
                              f"created={backup._now_text()}\n".encode())
                for graph in graphs:
                    written = list(store.quads([graph]))
                    quads += len(written)
                    serialize(written, hashing, RdfFormat.N_QUADS)  # type: ignore[arg-type]  # a duck-typed writer
                sink.write(f"# mpr-backup end quads={quads} graphs={len(graphs)} "
                           f"sha256={hashing.digest.hexdigest()}\n".encode())
            finally:
                if sink is not raw:
                    sink.close()
    finally:
        store.close()
    return backup.StoreCopy(target, quads, len(graphs), target.stat().st_size, time.perf_counter() - started)


RESTORE_PART = 250_000  # triples per request of a restore: what a client holds at once, whatever the backup's size


def restore_store(settings: Settings, source: Path, *, replace: bool = False) -> backup.StoreCopy:
    """Check ``source`` whole, then replace this registry's graphs on the server with it.

    The checked copy is a store on disk in a temporary folder (of the data folder if there is one), and each graph
    goes to the server in parts of :data:`RESTORE_PART` triples: memory stays bounded at any size (a backup of 1M
    observations holds 16M quads)."""
    started = time.perf_counter()
    backup.check_header(settings, source)
    if settings.data_dir is not None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="restore-check-", dir=settings.data_dir) as folder:
        checked_copy = OxigraphStore(Path(folder))
        try:
            with backup._open_backup(source) as handle:
                checked = backup._Checked(handle)
                quads, graphs = backup._parse(source, checked_copy, checked)
            backup._check_end(source, checked, quads)
            store = open_store(settings)
            try:
                current = store.list_graphs()
                if current and not replace:
                    raise RegistryError(f"the SPARQL server holds {len(current)} graphs: restoring replaces all of "
                                        "them. Run again with --yes to replace them.")
                for graph in current:
                    store.drop_graph(graph)
                for name in sorted(g.value for g in checked_copy.native.named_graphs() if isinstance(g, NamedNode)):
                    _send_graph(store, name, checked_copy)
            finally:
                store.close()
        finally:
            checked_copy.close()
    return backup.StoreCopy(source, quads, graphs, source.stat().st_size, time.perf_counter() - started)


def _send_graph(store: Store, name: str, checked_copy: OxigraphStore) -> None:
    """One graph of the checked copy to the server: the first part as a new graph, the others added to it."""
    triples = (Triple(q.subject, q.predicate, q.object) for q in checked_copy.quads([name]))
    first = True
    while part := list(itertools.islice(triples, RESTORE_PART)):
        if first:
            store.load_new_graph(name, part)
            first = False
        else:
            store.add_to_graph(name, part)
    if first:
        store.load_new_graph(name, [])
