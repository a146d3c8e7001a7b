"""Data availability computed from the public view or an agency's view (REST v1.5 §4.5 availableconstraint;
REST v2 availability.md).

``mode=exact``: the values each dimension takes in the data the query selects. ``mode=available``: for each
dimension, the values that could still be selected given the constraints on the *other* dimensions
(what a filter panel may offer next).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from api.errors import BadRequest, NotFound
from api.model.sdmx import CubeRegion
from api.model.sdmx_data_query import DataQuery
from api.model.sdmx_period import period_bounds
from api.model.structure import DIMENSIONS, SERIES_DIMENSIONS, TIME_DIMENSION
from api.model.view import PublicView
from api.services.read.index import reconciled_index
from api.services.registry import Registry
from api.services.sdmx.data import failing_components, raw_series, selected_keys

MODES = ("exact", "available")


def check_mode(params: Mapping[str, str]) -> str:
    mode = params.get("mode", "exact")
    if mode not in MODES:
        raise BadRequest(f"mode '{mode}' is not exact or available.")
    return mode


def check_component(component: str | None) -> str | None:
    if component in (None, "", "all", "*"):
        return None
    if component not in DIMENSIONS:
        raise BadRequest(f"componentID '{component}' is not a dimension; use all or one of {', '.join(DIMENSIONS)}.")
    return component


def _series_level(query: DataQuery) -> bool:
    """True when only series dimensions are constrained: availability can then be read from series keys."""
    return query.start_period is None and query.end_period is None and all(
        f.component in SERIES_DIMENSIONS for f in query.filters)


def _view_periods(registry: Registry, view: PublicView) -> tuple[list[str], int]:
    """Every period of the view and its number of values in the reconciled view (from the read model)."""
    index = reconciled_index(registry, view)
    return sorted({p for part in index.parts for p in part.periods}, key=period_bounds), index.observations


def _from_series_keys(registry: Registry, view: PublicView, query: DataQuery, mode: str
                      ) -> tuple[dict[str, set[str]], int, int] | None:
    """Values per dimension, observations and series, from the series index (no observation read unless the
    matched series are a part of the view); None when nothing matches."""
    values: dict[str, set[str]] = {d: set() for d in DIMENSIONS}
    every = selected_keys(registry, DataQuery(), view)
    matched: list[tuple[str, tuple[str, ...]]] = []
    for key, graphs in every:
        record = dict(zip(SERIES_DIMENSIONS, key.split("."), strict=True))
        record[TIME_DIMENSION] = ""
        failing = failing_components(record, query)
        if not failing:
            matched.append((key, graphs))
            for dimension in SERIES_DIMENSIONS:
                values[dimension].add(record[dimension])
        elif mode == "available" and len(failing) == 1:
            values[next(iter(failing))].add(record[next(iter(failing))])
    if not matched and not (mode == "available" and any(values.values())):
        return None
    if len(matched) == len(every):
        periods, observations = _view_periods(registry, view)
        values[TIME_DIMENSION].update(periods)
    else:
        observations = 0
        for group in raw_series(registry, matched, view):
            observations += len(group)
            values[TIME_DIMENSION].update(r[TIME_DIMENSION] for r in group)
    return values, observations, len(matched)


def availability(
    registry: Registry, query: DataQuery, *, mode: str = "exact", component: str | None = None,
    now: datetime | None = None, view: PublicView | None = None,
) -> CubeRegion:
    """The cube region of what exists; NotFound (SDMX 100) when the query selects nothing. ``view`` (an agency's
    view, already as of the query's asOf) replaces the public view."""
    view = view or registry.public_view(now, as_of=query.as_of)
    if query.updated_after is not None:
        view = view.updated_after(query.updated_after)
    if _series_level(query):
        found = _from_series_keys(registry, view, query, mode)
        if found is None:
            raise NotFound("no data matches the query, so nothing is available for it.")
        values, matched, series = found
        return _region(values, matched, series, component)
    # "available" must see the values the query's own constraints exclude: every series of the view.
    keys = selected_keys(registry, query if mode == "exact" else DataQuery(), view)
    values = {d: set() for d in DIMENSIONS}
    matched = 0
    series = 0
    for group in raw_series(registry, keys, view):
        before = matched
        for record in group:
            failing = failing_components(record, query)
            if not failing:
                matched += 1
                for dimension in DIMENSIONS:
                    values[dimension].add(record[dimension])
            elif mode == "available" and len(failing) == 1:
                (dimension,) = failing
                if dimension in values:
                    values[dimension].add(record[dimension])
        series += matched > before
    if not matched and not (mode == "available" and any(values.values())):
        raise NotFound("no data matches the query, so nothing is available for it.")
    return _region(values, matched, series, component)


def _region(values: dict[str, set[str]], matched: int, series: int, component: str | None) -> CubeRegion:
    periods = sorted(values[TIME_DIMENSION], key=period_bounds)
    shown = SERIES_DIMENSIONS if component is None else tuple(d for d in SERIES_DIMENSIONS if d == component)
    with_time = component in (None, TIME_DIMENSION)
    return CubeRegion(
        values={d: tuple(sorted(values[d])) for d in shown},
        time_start=periods[0] if periods and with_time else None,
        time_end=periods[-1] if periods and with_time else None,
        observations=matched,
        series=series,
    )
