"""Answer an SDMX data query from the public view (REST v1.5 §4.4, REST v2 data.md).

The store is asked per indicator (and per area when the query names areas), with values bound, never
pasted; what SPARQL cannot index (other key positions, ``c[]`` operators, periods) is filtered here.
Rows stream: a query over a million observations never holds them all in Python.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from math import prod

from api.errors import NotFound, TooLarge
from api.model.sdmx import ALL_DIMENSIONS, DataMessage, Observation, Series
from api.model.sdmx_data_query import ComponentFilter, Condition, DataQuery
from api.model.sdmx_period import period_bounds
from api.model.structure import (
    DATASET_ATTRIBUTE,
    DIMENSIONS,
    PUBLISHED_ATTRIBUTES,
    SERIES_DIMENSIONS,
    TIME_DIMENSION,
)
from api.model.view import PublicView
from api.services.reconcile import Reconciler, admissible, assign, reconciler
from api.services.records import Record
from api.services.registry import Registry
from api.services.sdmx.data_frames import FrameAnswer, answers_from_frames

_NUMERIC = {"OBS_VALUE", "UNIT_MULT", "DECIMALS"}


# -- filters -------------------------------------------------------------------------------------

def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _holds(condition: Condition, component: str, value: str | None) -> bool:
    op, wanted = condition.operator, condition.value
    if value is None:
        return op in ("ne", "nc")
    if op in ("co", "nc", "sw", "ew"):
        hit = wanted in value if op in ("co", "nc") else (
            value.startswith(wanted) if op == "sw" else value.endswith(wanted))
        return hit if op != "nc" else not hit
    if component == TIME_DIMENSION:
        start, end = period_bounds(value)
        w_start, w_end = period_bounds(wanted, moments=True)
        if op == "eq":
            return (start, end) == (w_start, w_end)
        if op == "ne":
            return (start, end) != (w_start, w_end)
        return {"ge": start >= w_start, "gt": start > w_end, "le": end <= w_end, "lt": end < w_start}[op]
    left: Decimal | str | None = value
    right: Decimal | str | None = wanted
    if component in _NUMERIC:
        left, right = _number(value), _number(wanted)
        if left is None or right is None:
            return op == "ne"
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    return {"lt": left < right, "le": left <= right, "gt": left > right, "ge": left >= right}[op]  # type: ignore[operator]


# -- the series index ---------------------------------------------------------------------------

def series_index(registry: Registry, view: PublicView) -> dict[str, tuple[str, ...]]:
    """Series key -> the data graphs holding it, for the view (from the column files; kept per view in the
    registry's caches, an agency's view in a cache of its own, so that it never evicts the public index)."""
    def build() -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for key, graph in registry.view_rows(view).runs:
            found.setdefault(key, []).append(graph)
        return {key: tuple(sorted(graphs)) for key, graphs in sorted(found.items())}

    return registry.caches.get("series_index" if view.public else "agency_series_index", view.tag, build)


def _series_filters(query: DataQuery) -> tuple[ComponentFilter, ...]:
    return tuple(f for f in query.filters if f.component in SERIES_DIMENSIONS)


def _key_wanted(key: tuple[str, ...], query: DataQuery, filters: tuple[ComponentFilter, ...]) -> bool:
    if not any(pattern.matches(key) for pattern in query.keys):
        return False
    values = dict(zip(SERIES_DIMENSIONS, key, strict=True))
    return all(any(all(_holds(c, f.component, values[f.component]) for c in alt) for alt in f.alternatives)
               for f in filters)


def selected_keys(registry: Registry, query: DataQuery, view: PublicView) -> list[tuple[str, tuple[str, ...]]]:
    """The series (key, graphs) the key patterns and series-dimension filters select, in key order; the graphs
    of each key are those of the providers or datasets the query selects, best first (the reconciled view)."""
    if _every_key(query):  # the whole dataflow: the same list for every such query of this view, kept with the index
        return registry.caches.get("series_index" if view.public else "agency_series_index", ("every", view.tag),
                                   lambda: _selected(registry, DataQuery(), view))
    return _selected(registry, query, view)


def _every_key(query: DataQuery) -> bool:
    """Whether ``query`` selects every series of every source (no key position, filter or provider)."""
    return (query.provider is None and any(all(v is None for v in p.values) for p in query.keys)
            and not any(f.component in SERIES_DIMENSIONS or f.component == DATASET_ATTRIBUTE for f in query.filters))


def _selected(registry: Registry, query: DataQuery, view: PublicView) -> list[tuple[str, tuple[str, ...]]]:
    index = series_index(registry, view)
    ranked = reconciler(registry, view)
    filters = _series_filters(query)
    exact = _exact_keys(query)
    if exact is not None and not filters:
        found = [(key, index[key]) for key in sorted(exact) if key in index]
    else:
        found = [(key, graphs) for key, graphs in index.items()
                 if len(parts := tuple(key.split("."))) == len(SERIES_DIMENSIONS)
                 and _key_wanted(parts, query, filters)]
    chosen = []
    for key, graphs in found:
        area, indicator = key.split(".")[1:3]
        ordered = ranked.order((g for g in graphs if _source_wanted(ranked, g, query)), area, indicator)
        if ordered:
            chosen.append((key, ordered))
    return chosen


def _source_wanted(ranked: Reconciler, graph: str, query: DataQuery) -> bool:
    """Whether ``graph`` belongs to the provider (v1 providerRef, v2 ``provider``) and the datasets
    (``c[DATASET]``) the query selects."""
    source = ranked.sources.get(graph)
    if source is None:
        return False
    if query.provider is not None and source.agency not in query.provider.split("+"):
        return False
    return all(any(all(_holds(c, DATASET_ATTRIBUTE, source.dataset) for c in alt) for alt in f.alternatives)
               for f in query.filters if f.component == DATASET_ATTRIBUTE)


def _exact_keys(query: DataQuery) -> set[str] | None:
    """Fully specified keys (one code or an OR list at every position) spelled out; None if any is wildcarded."""
    keys: set[str] = set()
    for pattern in query.keys:
        if any(v is None for v in pattern.values) or prod(len(v) for v in pattern.values if v) > 10_000:
            return None
        keys.update(".".join(combo) for combo in itertools.product(*(sorted(v) for v in pattern.values if v)))
    return keys


# -- observations --------------------------------------------------------------------------------

def _series_records(registry: Registry, key: str, graphs: tuple[str, ...], view: PublicView) -> list[Record]:
    """One value per period of one series in the view (``graphs`` best first; the reconciled view), as records
    keyed by component id, each with the dataset it comes from."""
    ranked = reconciler(registry, view)
    rows = registry.view_rows(view)
    by_graph: dict[str, dict[str, Record]] = {}
    for graph in graphs:
        found: dict[str, Record] = {}
        for record in rows.records(key, graph):
            if admissible(record.get("CONF_STATUS"), view):
                del record["@iri"]
                found[record[TIME_DIMENSION]] = record
        by_graph[graph] = found
    records: list[Record] = []
    for graph, periods in assign(graphs, by_graph).items():
        for period in periods:
            record = by_graph[graph][period]
            record[DATASET_ATTRIBUTE] = ranked.dataset(graph)
            records.append(record)
    return records


def _keys_suffice(query: DataQuery) -> bool:
    """Whether the series index alone answers: keys only, and nothing that looks at observations."""
    return (query.detail in ("serieskeysonly", "nodata") and query.dimension_at_observation == TIME_DIMENSION
            and query.start_period is None and query.end_period is None and query.offset == 0
            and query.limit is None and all(f.component in SERIES_DIMENSIONS for f in query.filters))


def _records(registry: Registry, query: DataQuery, keys: list[tuple[str, tuple[str, ...]]],
             view: PublicView) -> Iterator[list[Record]]:
    """Each selected series's wanted records, sorted by period (one bare record per key when keys suffice:
    every series in the index has at least one observation in the view)."""
    if _keys_suffice(query):
        for key, _graphs in keys:
            yield [dict(zip(SERIES_DIMENSIONS, key.split("."), strict=True))]
        return
    for key, graphs in keys:
        series = [r for r in _series_records(registry, key, graphs, view) if _wanted(r, query)]
        if series:
            series.sort(key=lambda r: period_bounds(r[TIME_DIMENSION]))
            yield _first_last(series, query)


def raw_series(registry: Registry, keys: list[tuple[str, tuple[str, ...]]], view: PublicView
               ) -> Iterator[list[Record]]:
    """Every value of the given series in the reconciled view, unfiltered (availability)."""
    for key, graphs in keys:
        yield _series_records(registry, key, graphs, view)


def _wanted(record: Record, query: DataQuery) -> bool:
    return not failing_components(record, query, stop_at_first=True)


def failing_components(record: Record, query: DataQuery, *, stop_at_first: bool = False) -> set[str]:
    """The components whose constraint ``record`` breaks (key positions, periods, c[] filters)."""
    failing: set[str] = set()
    key = tuple(record.get(d, "") for d in SERIES_DIMENSIONS)
    if not any(pattern.matches(key) for pattern in query.keys):
        for position, dimension in enumerate(SERIES_DIMENSIONS):
            if all(p.values[position] is not None and key[position] not in p.values[position]  # type: ignore[operator]
                   for p in query.keys):
                failing.add(dimension)
        if not failing:  # several keys, each broken at another position
            failing.update(d for i, d in enumerate(SERIES_DIMENSIONS)
                           if any(p.values[i] is not None and key[i] not in p.values[i]  # type: ignore[operator]
                                  for p in query.keys))
        if stop_at_first and failing:
            return failing
    if query.start_period or query.end_period:
        start, end = period_bounds(record[TIME_DIMENSION])
        if (query.start_period and start < query.start_period.start) or (
                query.end_period and end > query.end_period.end):
            failing.add(TIME_DIMENSION)
            if stop_at_first:
                return failing
    for f in query.filters:
        if not any(all(_holds(c, f.component, record.get(f.component)) for c in alt) for alt in f.alternatives):
            failing.add(f.component)
            if stop_at_first:
                return failing
    return failing


def _first_last(series: list[Record], query: DataQuery) -> list[Record]:
    if query.first_n is not None and query.last_n is not None:
        if query.first_n + query.last_n >= len(series):
            return series
        return series[: query.first_n] + series[-query.last_n:]
    if query.first_n is not None:
        return series[: query.first_n]
    if query.last_n is not None:
        return series[-query.last_n:]
    return series


def _window(groups: Iterator[list[Record]], offset: int, limit: int | None) -> Iterator[list[Record]]:
    """``offset``/``limit`` count observations across series (REST v2 data.md, "Pagination")."""
    skipped, sent = 0, 0
    for group in groups:
        if skipped < offset:
            cut = min(offset - skipped, len(group))
            skipped += cut
            group = group[cut:]
        if limit is not None:
            group = group[: max(limit - sent, 0)]
        if group:
            sent += len(group)
            yield group
        if limit is not None and sent >= limit:
            return


def _to_series(
    groups: Iterator[list[Record]], query: DataQuery, attributes: tuple[str, ...], limit: int
) -> Iterator[Series]:
    at_obs = DIMENSIONS if query.dimension_at_observation == ALL_DIMENSIONS else (query.dimension_at_observation,)
    series_dims = tuple(d for d in DIMENSIONS if d not in at_obs)
    keys_only = query.detail in ("serieskeysonly", "nodata")

    def observation(record: Record) -> Observation:
        return Observation(
            key=tuple(record[d] for d in at_obs),
            value=record.get("OBS_VALUE") if query.measures else None,
            attributes={a: record[a] for a in attributes if a in record},
        )

    if query.dimension_at_observation == TIME_DIMENSION:
        for group in groups:
            key = tuple(group[0][d] for d in series_dims)
            yield Series(key, () if keys_only else tuple(observation(r) for r in group))
        return
    # Another dimension (or none) at observation level: regroup, which needs the whole answer in memory.
    records: list[Record] = []
    for group in groups:
        records.extend(group)
        if len(records) > limit:
            raise TooLarge(
                f"dimensionAtObservation={query.dimension_at_observation} regroups the answer in memory and this "
                f"query selects more than {limit:,} observations: keep TIME_PERIOD at observation level (answers "
                "of any size stream), narrow the key, or page with offset/limit on /sdmx/v2."
            )
    if not series_dims:
        yield Series((), tuple(observation(r) for r in records))
        return
    records.sort(key=lambda r: (tuple(r[d] for d in series_dims), r.get(query.dimension_at_observation, "")))
    for key, members in itertools.groupby(records, key=lambda r: tuple(r[d] for d in series_dims)):
        listed = list(members)
        yield Series(key, () if keys_only else tuple(observation(r) for r in listed))


def data_message(
    registry: Registry,
    query: DataQuery,
    *,
    names: dict[str, dict[str, str]] | None = None,
    component_names: dict[str, str] | None = None,
    language: str = "en",
    now: datetime | None = None,
    view: PublicView | None = None,
    columns: bool = False,
) -> DataMessage:
    """The message answering ``query``; NotFound (SDMX 100) when nothing matches, TooLarge above the limit.

    ``view`` replaces the public view (one past version, for includeHistory; an agency's view). ``columns``:
    the message is for a writer of frames (``DataFormat.columns``), so its ``frames`` are filled when the
    query allows (``series()`` then reads records only if called)."""
    view = view or registry.public_view(now, as_of=query.as_of)
    if query.updated_after is not None:
        view = view.updated_after(query.updated_after)
    if not view.data_graphs:
        raise NotFound("no data matches the query: nothing has been published" + (
            " since updatedAfter." if query.updated_after else "."))
    keys = selected_keys(registry, query, view)
    attributes = () if query.detail == "dataonly" else (
        PUBLISHED_ATTRIBUTES if query.attributes is None
        else tuple(a for a in PUBLISHED_ATTRIBUTES if a in query.attributes))
    limit = registry.settings.sdmx_max_regrouped_observations

    def series() -> Iterator[Series]:
        return _to_series(_window(_records(registry, query, keys, view), query.offset, query.limit), query, attributes,
                          limit)

    answer = FrameAnswer(registry, query, keys, view, attributes) if columns and answers_from_frames(query) \
        else None
    if answer is None:
        replay = _Replay(series, registry.settings.sdmx_replay_observations)
        empty, make = replay.empty, replay.__call__
    else:
        empty, make = answer.empty, series
    if empty:
        raise NotFound("no data matches the query: check the key, the filters and the periods "
                       "(the availability resource lists what exists).")
    at_obs = DIMENSIONS if query.dimension_at_observation == ALL_DIMENSIONS else (query.dimension_at_observation,)
    return DataMessage(
        id=f"MPR-{uuid.uuid4().hex[:12]}",
        prepared=datetime.now(UTC).replace(microsecond=0),
        series=make,
        observation_dimensions=at_obs,
        detail=query.detail,
        attributes=attributes,
        names=names or {},
        component_names=component_names or {},
        language=language,
        frames=None if answer is None else answer.frames,
    )


class _Replay:
    """``message.series`` that reads the store once for small answers (SDMX-JSON reads the series twice).

    The first series up to ``budget`` observations are kept; when that is the whole answer every call replays
    them, otherwise the first call continues the started read and later calls read again (memory stays flat).
    """

    def __init__(self, make: Callable[[], Iterator[Series]], budget: int) -> None:
        self._make = make
        started = make()
        self.head: list[Series] = []
        self._started: Iterator[Series] | None = None
        held = 0
        for one in started:
            self.head.append(one)
            held += max(len(one.observations), 1)
            if held >= budget:
                self._started = started
                break
        self._complete = self._started is None

    @property
    def empty(self) -> bool:
        return not self.head

    def __call__(self) -> Iterator[Series]:
        if self._complete:
            return iter(self.head)
        if self._started is not None:
            rest, self._started = self._started, None
            return itertools.chain(self.head, rest)
        return self._make()
