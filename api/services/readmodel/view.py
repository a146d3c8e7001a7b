"""A view's rows: the union of its graphs' column files (DESIGN §6), read by the data routes instead of the store.

``ViewRows`` holds every observation of the view's data graphs in one frame, ordered by series key, graph and
period, with the offset of each (key, graph) run; which of them the public dataflow answers is decided by
:mod:`api.services.reconcile`, the one place precedence lives.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import polars as pl
from cachetools import LRUCache

from api.model.view import PublicView
from api.services.readmodel.columns import (
    COLUMNS,
    OBSERVATION,
    SERIES_KEY,
    TEXT_COLUMNS,
    ColumnFiles,
    graph_columns,
    stamp_of,
)
from api.services.reconcile import admissible_rows
from api.services.records import Record
from api.store.base import Store

GRAPH = "GRAPH"


@dataclass(frozen=True)
class ViewRows:
    """Every observation of one view; ``runs`` maps (series key, graph) to its rows' offset and length."""

    frame: pl.DataFrame
    runs: dict[tuple[str, str], tuple[int, int]]

    def periods(self) -> Iterator[tuple[str, str, list[str]]]:
        """(key, graph, periods in order) for every run."""
        periods = self.frame.get_column("TIME_PERIOD").to_list()
        for (key, graph), (offset, length) in self.runs.items():
            yield key, graph, periods[offset:offset + length]

    def run(self, key: str, graph: str) -> pl.DataFrame:
        offset, length = self.runs.get((key, graph), (0, 0))
        return self.frame.slice(offset, length)

    def records(self, key: str, graph: str) -> list[Record]:
        """The run's observations as records (component id -> text; absent components left out; '@iri')."""
        return [_record(row) for row in self.run(key, graph).iter_rows(named=True)]

    def record(self, key: str, graph: str, period: str) -> Record | None:
        """One observation of the run, by period."""
        found = self.run(key, graph).filter(pl.col("TIME_PERIOD") == period)
        return _record(found.row(0, named=True)) if found.height else None

    @property
    def observations(self) -> int:
        return self.frame.height

    @cached_property
    def key_spans(self) -> dict[str, tuple[int, int]]:
        """Series key -> the (start, stop) rows of its runs, every graph's (a key's runs are adjacent)."""
        spans: dict[str, tuple[int, int]] = {}
        for (key, _graph), (offset, length) in self.runs.items():
            start, stop = spans.get(key, (offset, offset))
            spans[key] = (min(start, offset), max(stop, offset + length))
        return spans


def _record(row: dict[str, str | None]) -> Record:
    record: Record = {c: v for c in TEXT_COLUMNS if (v := row[c]) is not None}
    record["@iri"] = row[OBSERVATION] or ""
    return record


def _in_order(frame: pl.DataFrame) -> bool:
    """Whether the rows (of one graph) are sorted by series key, first day, last day (one vectorised pass)."""
    key, start, end = pl.col(SERIES_KEY), pl.col("PERIOD_START"), pl.col("PERIOD_END")
    later = (key > key.shift()) | ((key == key.shift()) & (
        (start > start.shift()) | ((start == start.shift()) & (end >= end.shift()))))
    return bool(frame.select(later.slice(1).fill_null(False).all()).item()) if frame.height > 1 else True


class ReadModel:
    """The column files of a registry and the frames read from them (owned by the Registry)."""

    def __init__(self, store: Store, folder: Path | None) -> None:
        self.store = store
        self.files = ColumnFiles(folder)
        self._frames: LRUCache[tuple[str, str], pl.DataFrame] = LRUCache(maxsize=4096)
        self._lock = threading.Lock()

    def graph(self, graph: str, generated: datetime) -> pl.DataFrame:
        """One graph's rows (its column file, built from the store when missing)."""
        stamp = stamp_of(generated)
        with self._lock:
            found = self._frames.get((graph, stamp))
        if found is None:
            found = self.files.frame(self.store, graph, stamp)
            with self._lock:
                self._frames[(graph, stamp)] = found
        return found

    def store_graph(self, graph: str, generated: datetime) -> None:
        """Write the column file of a graph just stored (so that no reader has to build it)."""
        self.files.write(graph, stamp_of(generated), graph_columns(self.store, graph))

    def adopt(self, graph: str, generated: datetime, written: Path) -> None:
        """Take the column file of a graph just stored that was written from its validated table."""
        self.files.adopt(graph, stamp_of(generated), written)

    def reindex(self, graphs: dict[str, datetime]) -> int:
        """Drop every column file and rebuild those of ``graphs`` from the store (``mpr reindex``)."""
        self.files.remove_all()
        with self._lock:
            self._frames.clear()
        for graph, generated in graphs.items():
            self.store_graph(graph, generated)
        return len(graphs)

    def rows(self, view: PublicView) -> ViewRows:
        """The union of the view's data graphs (not cached here: the registry's caches keep it per view)."""
        parts = [self.graph(g, view.generated[g]).with_columns(pl.lit(g).alias(GRAPH)) for g in view.data_graphs]
        schema = {**dict.fromkeys(COLUMNS, pl.String), GRAPH: pl.String}
        frame = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=schema)
        frame = admissible_rows(frame, view).select([*COLUMNS, GRAPH])
        if len(parts) > 1 or not _in_order(frame):  # one file is usually in key and period order already
            frame = frame.sort([SERIES_KEY, GRAPH, "PERIOD_START", "PERIOD_END"], maintain_order=True)
        runs: dict[tuple[str, str], tuple[int, int]] = {}
        if frame.height:
            counts = frame.group_by([SERIES_KEY, GRAPH], maintain_order=True).len()
            offset = 0
            for key, graph, length in counts.iter_rows():
                runs[(key, graph)] = (offset, length)
                offset += length
        return ViewRows(frame, runs)
