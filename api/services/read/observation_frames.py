"""The observations a ``/api/observations`` selection holds, as frames of the CSV's columns (issue 14, "at the
speed of the data"): the same rows, in the same order, as :func:`api.services.read.observations.read` gives
one by one, read from the view's column files a group of series at a time.

Cells are texts as the store holds them; the CSV writer (:func:`api.formats.tabular.csv_writer.write_frames`)
renders value, unit multiplier and decimals as numbers, as it renders :class:`ObservationOut`.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from api.formats.tabular.csv_writer import COLUMNS
from api.model.read_api import SeriesPart
from api.services.read import areas as area_service
from api.services.read.observations import Selection
from api.services.readmodel.columns import OBSERVATION, SERIES_KEY
from api.services.readmodel.view import GRAPH
from api.services.registry import Registry

FIRST_CHUNK_ROWS = 4_000
CHUNK_ROWS = 64_000
_COMPONENTS = {"indicator": "INDICATOR", "area": "REF_AREA", "period": "TIME_PERIOD", "value": "OBS_VALUE",
               "unit": "UNIT_MEASURE", "unit_multiplier": "UNIT_MULT", "status": "OBS_STATUS", "freq": "FREQ",
               "counterpart_area": "COUNTERPART_AREA", "sex": "SEX", "age": "AGE",
               "migration_status": "MIGRATION_STATUS", "decimals": "DECIMALS", "comment": "COMMENT",
               "source_detail": "SOURCE_DETAIL", "iri": OBSERVATION}
_PROVENANCE = ("dataset", "agency", "sources", "primary_source", "submitted", "version")


def frames(registry: Registry, selection: Selection, lang: str) -> Iterator[pl.DataFrame]:
    """Every selected observation (no window), as frames of :data:`COLUMNS` (texts; absent values null)."""
    rows = selection.index.rows
    if rows is None:
        return
    provenance = pl.DataFrame(
        [(g, p.dataset, p.agency, "; ".join(p.sources), p.primary_source, p.submitted.isoformat(), str(p.version))
         for g, p in selection.index.provenance.items()],
        schema={GRAPH: pl.String, **dict.fromkeys(_PROVENANCE, pl.String)}, orient="row")
    group: list[tuple[SeriesPart, tuple[str, ...]]] = []
    size, target = 0, FIRST_CHUNK_ROWS
    for part, periods in selection.parts:
        group.append((part, periods))
        size += len(periods)
        if size >= target:
            yield _chunk(registry, rows.frame, rows.key_spans, group, provenance, lang)
            group, size, target = [], 0, CHUNK_ROWS
    if group:
        yield _chunk(registry, rows.frame, rows.key_spans, group, provenance, lang)


def _chunk(registry: Registry, frame: pl.DataFrame, spans: dict[str, tuple[int, int]],
           group: list[tuple[SeriesPart, tuple[str, ...]]], provenance: pl.DataFrame, lang: str) -> pl.DataFrame:
    chosen = pl.DataFrame({SERIES_KEY: [p.key for p, _ in group], GRAPH: [p.graph for p, _ in group],
                           "TIME_PERIOD": [list(periods) for _, periods in group]},
                          schema={SERIES_KEY: pl.String, GRAPH: pl.String, "TIME_PERIOD": pl.List(pl.String)}
                          ).explode("TIME_PERIOD")
    ranges: list[list[int]] = []
    for key in dict.fromkeys(p.key for p, _ in group):
        start, stop = spans.get(key, (0, 0))
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = stop
        elif stop > start:
            ranges.append([start, stop])
    parts = [frame.slice(start, stop - start) for start, stop in ranges]
    rows = pl.concat(parts, rechunk=False) if parts else frame.clear()
    found = chosen.join(rows, on=[SERIES_KEY, GRAPH, "TIME_PERIOD"], how="inner", maintain_order="left")
    found = found.join(provenance, on=GRAPH, how="inner", maintain_order="left")
    catalogue = registry.catalogue
    indicators = found.get_column("INDICATOR").unique().to_list()
    areas = found.get_column("REF_AREA").unique().to_list()
    indicator_labels = [(i.label(lang) if (i := catalogue.get(code)) else code) for code in indicators]
    area_labels = [area_service.area_label(registry, code, lang) for code in areas]
    columns = {name: pl.col(component) for name, component in _COMPONENTS.items()}
    columns["indicator_label"] = pl.col("INDICATOR").replace(indicators, indicator_labels)
    columns["area_label"] = pl.col("REF_AREA").replace(areas, area_labels)
    columns.update({name: pl.col(name) for name in _PROVENANCE})
    return found.select(columns[name].alias(name) for name in COLUMNS)
