"""One submission graph as columns (DESIGN §6 "columnar read model"): every observation a row of texts, exactly
as :func:`api.services.records.observation_record` reads it from the store, kept as a Parquet file.

A graph never changes once stored (a revision is a new graph), so its file is written once — when the
submission is stored, or the first time a reader needs it (``mpr reindex`` rebuilds them all) — and read
thereafter. The file name is a digest of the graph IRI; the file records the IRI and the schema version, so a
file of another graph or an older layout is never read as this one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from pyoxigraph import NamedNode, Quad

from api import vocab
from api.model.sdmx_period import period_bounds
from api.model.structure import ATTRIBUTES, DIMENSIONS, MEASURE, SERIES_DIMENSIONS, TIME_DIMENSION
from api.services.records import observation_record
from api.store.base import Store

LAYOUT = "1"  # bump when the columns change: files of another layout are rebuilt
OBSERVATION = "OBS"  # the observation's IRI
SERIES_KEY = "SERIES_KEY"
PERIOD_START, PERIOD_END = "PERIOD_START", "PERIOD_END"  # first and last day, for ordering and period filters
TEXT_COLUMNS: tuple[str, ...] = (*DIMENSIONS, MEASURE, *ATTRIBUTES)
COLUMNS: tuple[str, ...] = (SERIES_KEY, *TEXT_COLUMNS, PERIOD_START, PERIOD_END, OBSERVATION)
SCHEMA = pa.schema([pa.field(c, pa.string()) for c in COLUMNS])
_SERIES_KEY_PREDICATE = NamedNode(vocab.MP + "seriesKey").value


def file_name(graph: str, stamp: str) -> str:
    """A digest of the graph IRI and its submission's generation time (a graph restored from another store
    under the same IRI gets another file)."""
    return hashlib.sha256(f"{graph}\0{stamp}".encode()).hexdigest()[:40] + ".parquet"


def stamp_of(generated: datetime) -> str:
    """The generation time to the second (as the registry graph and the submission facts both give it)."""
    return str(int(generated.timestamp()))


def graph_columns(store: Store, graph: str) -> pa.Table:
    """Every observation of ``graph`` read from the store, in key and period order."""
    return records_table(_observations(store.quads([graph])))


def _observations(quads: Iterable[Quad]) -> Iterable[tuple[str, dict[str, str]]]:
    pairs: dict[str, list[tuple[NamedNode, object]]] = defaultdict(list)
    keys: dict[str, str] = {}
    for quad in quads:
        subject = quad.subject.value  # type: ignore[union-attr]
        if quad.predicate.value == _SERIES_KEY_PREDICATE:
            keys[subject] = quad.object.value  # type: ignore[union-attr]
        else:
            pairs[subject].append((quad.predicate, quad.object))
    for subject, key in keys.items():
        if len(key.split(".")) != len(SERIES_DIMENSIONS):
            continue
        record = observation_record(key, pairs.get(subject, ()))
        if record is not None:
            yield subject, record


def records_table(observations: Iterable[tuple[str, dict[str, str]]]) -> pa.Table:
    """Observation (IRI, record) pairs as a table of :data:`COLUMNS`, sorted by key then period."""
    rows: list[tuple[str | None, ...]] = []
    for iri, record in observations:
        start, end = period_bounds(record[TIME_DIMENSION])
        rows.append((".".join(record[d] for d in SERIES_DIMENSIONS), *(record.get(c) for c in TEXT_COLUMNS),
                     start, end, iri))
    rows.sort(key=lambda r: (r[0], r[-3], r[-2]))
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    return pa.Table.from_arrays([pa.array(list(c), pa.string()) for c in columns], schema=SCHEMA)


class ColumnFiles:
    """The column files of one registry: a folder of Parquet files (or, without a data folder, memory)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, pa.Table] = {}

    def path(self, graph: str, stamp: str) -> Path | None:
        return None if self.folder is None else self.folder / file_name(graph, stamp)

    def read(self, graph: str, stamp: str) -> pa.Table | None:
        """The file of ``graph`` if it exists and is of this graph and layout."""
        path = self.path(graph, stamp)
        if path is None:
            return self._memory.get(f"{graph}\0{stamp}")
        try:
            table = pq.read_table(path)
        except (FileNotFoundError, pa.ArrowInvalid, OSError):
            return None
        meta = table.schema.metadata or {}
        if meta.get(b"graph") != graph.encode() or meta.get(b"layout") != LAYOUT.encode() or \
                table.schema.remove_metadata() != SCHEMA:
            return None
        return table.replace_schema_metadata(None)

    def write(self, graph: str, stamp: str, table: pa.Table) -> None:
        """Write atomically (a temporary file renamed), so that a reader never sees half a file."""
        path = self.path(graph, stamp)
        if path is None:
            self._memory[f"{graph}\0{stamp}"] = table
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tagged = table.replace_schema_metadata({"graph": graph, "layout": LAYOUT})
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        try:
            pq.write_table(tagged, temporary, compression="zstd")
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def remove_all(self) -> int:
        """Drop every column file (``mpr reindex``); returns how many."""
        if self.folder is None:
            count = len(self._memory)
            self._memory.clear()
            return count
        found = list(self.folder.glob("*.parquet")) if self.folder.is_dir() else []
        for path in found:
            path.unlink()
        return len(found)

    def frame(self, store: Store, graph: str, stamp: str) -> pl.DataFrame:
        """The columns of ``graph``: its file, or built from the store and written when missing."""
        table = self.read(graph, stamp)
        if table is None:
            table = graph_columns(store, graph)
            self.write(graph, stamp, table)
        return pl.from_arrow(table)  # type: ignore[return-value]
