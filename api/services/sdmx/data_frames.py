"""SDMX data answers as column frames, read from the view's rows a slice at a time (issue 14, "at the speed of
the data"; REST v1.5 §4.4, REST v2 data.md).

The same answer as the record path of :mod:`api.services.sdmx.data` — the same series, periods, values and
order — computed on whole columns: each selected key's graphs are ranked best first by the reconciled view
(:func:`api.services.sdmx.data.selected_keys` orders them with :mod:`api.services.reconcile`), and each period
is answered by the best-ranked graph holding it (:func:`api.services.reconcile.assign`, applied to a frame).
Keys are taken in groups whose rows are adjacent in the view's frame, so an answer of any size is produced
chunk by chunk (the first one small, for an early first byte) and memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from api.model.sdmx import Observation, Series
from api.model.sdmx_data_query import DataQuery
from api.model.structure import DATASET_ATTRIBUTE, DIMENSIONS, MEASURE, SERIES_DIMENSIONS, TIME_DIMENSION
from api.model.view import PublicView
from api.services.readmodel.columns import PERIOD_END, PERIOD_START, SERIES_KEY
from api.services.readmodel.view import GRAPH
from api.services.reconcile import reconciler
from api.services.registry import Registry

FIRST_CHUNK_ROWS = 4_000  # the first chunk: small, so that the first byte goes out early
CHUNK_ROWS = 64_000
_RANK = "_RANK"
_INDEX, _COUNT = "_INDEX", "_COUNT"


def answers_from_frames(query: DataQuery) -> bool:
    """Whether the frame path answers ``query``: series with TIME_PERIOD at observation level, with their
    observations, and only filters that select series or datasets (the others take the record path)."""
    return (query.dimension_at_observation == TIME_DIMENSION and query.detail in ("full", "dataonly")
            and all(f.component in SERIES_DIMENSIONS or f.component == DATASET_ATTRIBUTE for f in query.filters))


class FrameAnswer:
    """The observations answering ``query`` over ``keys`` (key, its graphs best first), as frames of
    SERIES_KEY, the dimensions, OBS_VALUE and ``attributes``; the first chunk is read at once (is it empty?)."""

    def __init__(self, registry: Registry, query: DataQuery, keys: list[tuple[str, tuple[str, ...]]],
                 view: PublicView, attributes: tuple[str, ...]) -> None:
        self._rows = registry.view_rows(view)
        sources = reconciler(registry, view).sources
        self._datasets = pl.DataFrame({GRAPH: list(sources), DATASET_ATTRIBUTE: [s.dataset for s in sources.values()]},
                                      schema={GRAPH: pl.String, DATASET_ATTRIBUTE: pl.String})
        self._query = query
        self._keys = keys
        self._columns = [SERIES_KEY, *DIMENSIONS, MEASURE, *attributes]
        self._first: list[pl.DataFrame] = []
        self._rest: Iterator[pl.DataFrame] | None = None
        windowed = self._windowed()
        for frame in windowed:
            self._first.append(frame)
            if frame.height:
                self._rest = windowed
                break

    @property
    def empty(self) -> bool:
        return not any(f.height for f in self._first)

    def frames(self) -> Iterator[pl.DataFrame]:
        """The answer's chunks (the first call continues the read already started; later calls read again)."""
        if self._rest is not None:
            rest, self._rest = self._rest, None
            yield from self._first
            yield from rest
            return
        if self.empty:
            return
        yield from self._windowed()

    def series(self) -> Iterator[Series]:
        """The same answer as SDMX series (for the writers that render observation by observation)."""
        at_obs = (TIME_DIMENSION,)
        series_dims = tuple(d for d in DIMENSIONS if d != TIME_DIMENSION)
        attributes = self._columns[len(DIMENSIONS) + 2:]
        for frame in self.frames():
            for _key, group in frame.group_by(SERIES_KEY, maintain_order=True):
                rows = group.iter_rows(named=True)
                observations = []
                first: dict[str, str | None] | None = None
                for row in rows:
                    first = first or row
                    observations.append(Observation(
                        key=tuple(row[d] for d in at_obs), value=row[MEASURE],
                        attributes={a: v for a in attributes if (v := row[a]) is not None}))
                if first is not None:
                    yield Series(tuple(first[d] or "" for d in series_dims), tuple(observations))

    def _windowed(self) -> Iterator[pl.DataFrame]:
        """``offset``/``limit`` count observations across series (REST v2 data.md, "Pagination")."""
        offset, limit = self._query.offset, self._query.limit
        skipped, sent = 0, 0
        for frame in self._chunks():
            if skipped < offset:
                cut = min(offset - skipped, frame.height)
                skipped += cut
                frame = frame.slice(cut)
            if limit is not None:
                frame = frame.head(max(limit - sent, 0))
            sent += frame.height
            yield frame
            if limit is not None and sent >= limit:
                return

    def _chunks(self) -> Iterator[pl.DataFrame]:
        spans = self._rows.key_spans
        group: list[tuple[str, tuple[str, ...]]] = []
        size, target = 0, FIRST_CHUNK_ROWS
        for key, graphs in self._keys:
            start, stop = spans.get(key, (0, 0))
            group.append((key, graphs))
            size += stop - start
            if size >= target:
                yield self._chunk(group)
                group, size, target = [], 0, CHUNK_ROWS
        if group:
            yield self._chunk(group)

    def _chunk(self, group: list[tuple[str, tuple[str, ...]]]) -> pl.DataFrame:
        """The answer for a group of keys (in key order): their rows, each period the best graph's."""
        spans = self._rows.key_spans
        ranges: list[list[int]] = []
        for key, _graphs in group:
            start, stop = spans.get(key, (0, 0))
            if ranges and ranges[-1][1] == start:
                ranges[-1][1] = stop
            elif stop > start:
                ranges.append([start, stop])
        frame = self._rows.frame
        parts = [frame.slice(start, stop - start) for start, stop in ranges]
        rows = pl.concat(parts, rechunk=False) if parts else frame.clear()
        ranks = pl.DataFrame({SERIES_KEY: [k for k, graphs in group for _ in graphs],
                              GRAPH: [g for _, graphs in group for g in graphs],
                              _RANK: [i for _, graphs in group for i in range(len(graphs))]},
                             schema={SERIES_KEY: pl.String, GRAPH: pl.String, _RANK: pl.Int32})
        query = self._query
        found = rows.join(ranks, on=[SERIES_KEY, GRAPH], how="inner", maintain_order="left")
        found = found.filter(pl.col(_RANK) == pl.col(_RANK).min().over([SERIES_KEY, TIME_DIMENSION]))
        if query.start_period is not None:
            found = found.filter(pl.col(PERIOD_START) >= query.start_period.start)
        if query.end_period is not None:
            found = found.filter(pl.col(PERIOD_END) <= query.end_period.end)
        found = found.sort([SERIES_KEY, PERIOD_START, PERIOD_END, _RANK], maintain_order=True)
        if query.first_n is not None or query.last_n is not None:
            index = pl.int_range(pl.len(), dtype=pl.Int64).over(SERIES_KEY)
            count = pl.len().cast(pl.Int64).over(SERIES_KEY)
            keep = pl.lit(False)
            if query.first_n is not None:
                keep = keep | (index < query.first_n)
            if query.last_n is not None:
                keep = keep | (index >= count - query.last_n)
            found = found.filter(keep)
        found = found.join(self._datasets, on=GRAPH, how="left", maintain_order="left")
        if not query.measures:
            found = found.with_columns(pl.lit(None, pl.String).alias(MEASURE))
        return found.select(self._columns)
