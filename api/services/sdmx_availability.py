"""Data availability computed from the public view (REST v1.5 §4.5 availableconstraint; REST v2 availability.md).

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
from api.model.sdmx_period import PeriodError, period_range
from api.model.structure import DIMENSIONS, SERIES_DIMENSIONS, TIME_DIMENSION
from api.services.registry import Registry
from api.services.sdmx_data import failing_components, raw_series, selected_keys

MODES = ("exact", "available")


def _sort_period_key(text: str) -> tuple[str, str]:
    try:
        start, end = period_range(text)
    except PeriodError:
        return text, text
    return start.isoformat(), end.isoformat()


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


def availability(
    registry: Registry, query: DataQuery, *, mode: str = "exact", component: str | None = None,
    now: datetime | None = None,
) -> CubeRegion:
    """The cube region of what exists; NotFound (SDMX 100) when the query selects nothing."""
    view = registry.public_view(now, as_of=query.as_of)
    if query.updated_after is not None:
        view = view.updated_after(query.updated_after)
    # "available" must see the values the query's own constraints exclude: every series of the view.
    keys = selected_keys(registry, query if mode == "exact" else DataQuery(), view)
    values: dict[str, set[str]] = {d: set() for d in DIMENSIONS}
    matched = 0
    series = 0
    for group in raw_series(registry, keys):
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
    periods = sorted(values[TIME_DIMENSION], key=_sort_period_key)
    shown = SERIES_DIMENSIONS if component is None else tuple(d for d in SERIES_DIMENSIONS if d == component)
    with_time = component in (None, TIME_DIMENSION)
    return CubeRegion(
        values={d: tuple(sorted(values[d])) for d in shown},
        time_start=periods[0] if periods and with_time else None,
        time_end=periods[-1] if periods and with_time else None,
        observations=matched,
        series=series,
    )
