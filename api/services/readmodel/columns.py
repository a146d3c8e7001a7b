"""One submission graph as columns (DESIGN §6 "columnar read model"): every observation a row of texts, exactly
as :func:`api.services.records.observation_record` reads it from the store, kept as a Parquet file.

A graph never changes once stored (a revision is a new graph), so its file is written once — when the
submission is stored, or the first time a reader needs it (``mpr reindex`` rebuilds them all) — and read
thereafter. The file name is a digest of the graph IRI; the file records the IRI and the schema version, so a
file of another graph or an older layout is never read as this one.

At store time the file is written from the validated table (:func:`table_columns`), not read back from the store:
the same rows as :func:`graph_columns` gives (a test compares both), each value as the store gives it back.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from pyoxigraph import NamedNode, Quad, RdfFormat
from pyoxigraph import Store as MemoryStore

from api import vocab
from api.formats.rdf.cube_table import FOCUS, KEY, map_distinct, term_column
from api.model.sdmx_period import is_period, period_bounds
from api.model.structure import ATTRIBUTES, DIMENSIONS, MEASURE, SERIES_DIMENSIONS, TIME_DIMENSION
from api.services.records import CODED, observation_record
from api.store.base import Store

if TYPE_CHECKING:  # pyarrow is imported where a file is written or read: validating a CSV never needs it
    import pyarrow as pa

LAYOUT = "1"  # bump when the columns change: files of another layout are rebuilt
OBSERVATION = "OBS"  # the observation's IRI
SERIES_KEY = "SERIES_KEY"
PERIOD_START, PERIOD_END = "PERIOD_START", "PERIOD_END"  # first and last day, for ordering and period filters
TEXT_COLUMNS: tuple[str, ...] = (*DIMENSIONS, MEASURE, *ATTRIBUTES)
COLUMNS: tuple[str, ...] = (SERIES_KEY, *TEXT_COLUMNS, PERIOD_START, PERIOD_END, OBSERVATION)
_SERIES_KEY_PREDICATE = NamedNode(vocab.MP + "seriesKey").value


@cache
def arrow_schema() -> pa.Schema:
    """Every column a string."""
    import pyarrow as pa

    return pa.schema([pa.field(c, pa.string()) for c in COLUMNS])


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
    rows.sort(key=lambda r: (r[0], r[-3], r[-2], r[-1]))  # the IRI last: one order, whatever the store's
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    import pyarrow as pa

    return pa.Table.from_arrays([pa.array(list(c), pa.string()) for c in columns], schema=arrow_schema())


_STORED_DECIMAL = (r'^"([1-9][0-9]{0,17}|0)\.([0-9]{0,17}[1-9]|0)"\^\^<'
                   + (vocab.XSD + "decimal").replace(".", r"\.") + ">$")


def _stored_values(terms: list[str]) -> list[str]:
    """The value the store gives back for each term (N-Triples): pyoxigraph keeps typed literals in their
    canonical form (``"100.0"^^xsd:decimal`` comes back as ``100``), so they go through a store in memory."""
    store = MemoryStore()
    lines = "\n".join(f"<urn:mpr:t:{i}> <urn:mpr:v> {term} ." for i, term in enumerate(terms))
    store.load(lines.encode("utf-8"), format=RdfFormat.N_TRIPLES)
    found = {quad.subject.value: quad.object.value for quad in store}
    return [found[f"urn:mpr:t:{i}"] for i in range(len(terms))]


def _texts(frame: pl.DataFrame, component: str) -> pl.Series:
    """A component's text in each row, as :func:`observation_record` reads it from its stored term."""
    terms = frame[term_column(component)]
    if component in CODED:
        return map_distinct(terms, lambda term: vocab.code_id_from_iri(term[1:-1])).alias(component)
    parts = pl.DataFrame({"t": terms}).select(
        pl.col("t").str.extract(_STORED_DECIMAL, 1).alias("whole"), pl.col("t").str.extract(_STORED_DECIMAL, 2)
        .alias("fraction"))
    # plain decimals as the cube writer writes them (canonical, at most 18 digits each side): the store gives them
    # back without a ".0"; every other distinct term goes through the store
    plain = parts.select(pl.when(pl.col("fraction") == "0").then(pl.col("whole"))
                         .otherwise(pl.col("whole") + "." + pl.col("fraction")).alias("v"))["v"]
    others = terms.filter(plain.is_null()).drop_nulls().unique()
    if others.is_empty():
        return plain.alias(component)
    values = pl.Series(_stored_values(others.to_list()), dtype=pl.Utf8)
    slow = terms.replace_strict(others, values, default=None, return_dtype=pl.Utf8)
    return plain.fill_null(slow).alias(component)


def table_columns(frame: pl.DataFrame) -> pa.Table:
    """The column file of observations from their validated table (``cube_table.term_table``'s frame: FOCUS,
    SERIES_KEY and each component's term), the rows :func:`graph_columns` would read back once it is stored."""
    parts = pl.col(KEY).str.split(".")
    rows = frame.filter(parts.list.len() == len(SERIES_DIMENSIONS))
    texts = [_texts(rows, c) for c in (TIME_DIMENSION, MEASURE, *ATTRIBUTES)]
    period = texts[0]
    readable = map_distinct(period, lambda p: "1" if is_period(p) else None).is_not_null()
    start = map_distinct(period, lambda p: period_bounds(p)[0] if is_period(p) else None)
    end = map_distinct(period, lambda p: period_bounds(p)[1] if is_period(p) else None)
    table = rows.select(
        pl.col(KEY).alias(SERIES_KEY),
        *(parts.list.get(i).alias(d) for i, d in enumerate(SERIES_DIMENSIONS)),
        *texts, start.alias(PERIOD_START), end.alias(PERIOD_END), pl.col(FOCUS).alias(OBSERVATION),
    ).filter(readable).select(COLUMNS).sort([SERIES_KEY, PERIOD_START, PERIOD_END, OBSERVATION])
    return table.to_arrow().cast(arrow_schema())


def write_table(path: Path, graph: str, table: pa.Table) -> None:
    """Write ``table`` as the column file of ``graph`` at ``path`` (tagged with the graph and the layout)."""
    import pyarrow.parquet as pq

    pq.write_table(table.replace_schema_metadata({"graph": graph, "layout": LAYOUT}), path, compression="zstd")


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
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (FileNotFoundError, pa.ArrowInvalid, OSError):
            return None
        meta = table.schema.metadata or {}
        if meta.get(b"graph") != graph.encode() or meta.get(b"layout") != LAYOUT.encode() or \
                table.schema.remove_metadata() != arrow_schema():
            return None
        return table.replace_schema_metadata(None)

    def write(self, graph: str, stamp: str, table: pa.Table) -> None:
        """Write atomically (a temporary file renamed), so that a reader never sees half a file."""
        path = self.path(graph, stamp)
        if path is None:
            self._memory[f"{graph}\0{stamp}"] = table
            return
        self._replace(path, lambda temporary: write_table(Path(temporary), graph, table))

    def adopt(self, graph: str, stamp: str, written: Path) -> None:
        """Take the column file of ``graph`` that :func:`write_table` wrote elsewhere (the upload's folder)."""
        import pyarrow.parquet as pq

        path = self.path(graph, stamp)
        if path is None:
            self._memory[f"{graph}\0{stamp}"] = pq.read_table(written).replace_schema_metadata(None)
            return
        self._replace(path, lambda temporary: shutil.copyfile(written, temporary))

    @staticmethod
    def _replace(path: Path, make: Callable[[str], object]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        try:
            make(temporary)
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
