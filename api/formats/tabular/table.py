"""Observations as a columnar table: one text column per component, built in chunks (DESIGN §5).

A tabular submission (the CSV template, SDMX-CSV, SDMX-ML) is one row per observation. Kept as Python dicts it
costs about 1.6 KB per row; as a polars DataFrame of text columns it costs the text. :class:`TableBuilder` takes
rows as they are read and turns every ``CHUNK_ROWS`` of them into a frame, so that at most one chunk of Python
strings is alive; :class:`ObservationTable` is the result, and is also a read-only sequence of
``ObservationRecord`` for the code that reads records one by one (the SPARQL engine, pyshacl, the importers).

Columns: ``ROW`` (the 1-based line, null when the input has none) and one ``Utf8`` column per component the
input has (a component the input lacks has no column, as a record lacks the key); a cell is the text as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import polars as pl

from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord

ROW = "ROW"
CHUNK_ROWS = 65_536


class ObservationTable(Sequence[ObservationRecord]):
    """The observations of one file as a polars DataFrame (``ROW`` + component columns of text)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.components: tuple[str, ...] = tuple(c for c in COMPONENTS if c in frame.columns)

    @classmethod
    def from_records(cls, records: Iterable[ObservationRecord]) -> ObservationTable:
        """The table of records read by another reader (SDMX-ML, RDF), in chunks."""
        if isinstance(records, ObservationTable):
            return records
        builder = TableBuilder(None)
        for record in records:
            builder.add_cells(record.cells, record.row)
        return builder.finish()

    def __len__(self) -> int:
        return self.frame.height

    def _record(self, values: dict[str, object]) -> ObservationRecord:
        row = values.pop(ROW)
        cells = {c: str(v) for c, v in values.items() if v is not None}
        return ObservationRecord(cells=cells, row=row if isinstance(row, int) else None)

    @overload
    def __getitem__(self, index: int) -> ObservationRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ObservationRecord]: ...
    def __getitem__(self, index: int | slice) -> ObservationRecord | Sequence[ObservationRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._record(self.frame.row(index, named=True))

    def __iter__(self) -> Iterator[ObservationRecord]:
        for start in range(0, self.frame.height, CHUNK_ROWS):
            for values in self.frame.slice(start, CHUNK_ROWS).iter_rows(named=True):
                yield self._record(values)


class TableBuilder:
    """Collects rows in chunks of ``CHUNK_ROWS`` and makes a frame of each chunk (columns by one transposition)."""

    def __init__(self, components: Sequence[str] | None) -> None:
        self.components: list[str] = list(components or ())
        self._rows: list[int | None] = []
        self._values: list[Sequence[str | None]] = []
        self._chunks: list[pl.DataFrame] = []

    def add(self, values: Sequence[str | None], row: int | None) -> None:
        """One row whose values are in the order of ``components``."""
        self._values.append(values)
        self._rows.append(row)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()

    def add_cells(self, cells: dict[str, str], row: int | None) -> None:
        """One row as a record's cells (any components; one not seen before gets a column)."""
        for column in cells:
            if column not in self.components:
                self._add_column(column)
        self.add([cells.get(c) for c in self.components], row)

    def _add_column(self, column: str) -> None:
        self.components.append(column)
        self._values = [[*values, None] for values in self._values]
        for i, chunk in enumerate(self._chunks):
            self._chunks[i] = chunk.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))

    def _flush(self) -> None:
        if not self._rows:
            return
        columns: dict[str, pl.Series] = {ROW: pl.Series(ROW, self._rows, dtype=pl.Int64)}
        transposed = list(zip(*self._values, strict=True)) if self.components else []
        for column, values in zip(self.components, transposed, strict=True):
            columns[column] = pl.Series(column, values, dtype=pl.Utf8)
        self._rows, self._values = [], []
        self._chunks.append(pl.DataFrame(columns))

    def finish(self) -> ObservationTable:
        self._flush()
        ordered = [ROW, *(c for c in COMPONENTS if c in self.components)]
        if not self._chunks:
            return ObservationTable(pl.DataFrame({c: pl.Series(c, [], dtype=pl.Int64 if c == ROW else pl.Utf8)
                                                  for c in ordered}))
        frame = pl.concat([chunk.select(ordered) for chunk in self._chunks], rechunk=True)
        self._chunks = []
        return ObservationTable(frame)
