"""``/api/observations``: public observations with unit, status and provenance, filtered and paginated
(with an agency's token: also that agency's embargoed and confidential observations).

Totals come from the read index (no observation is read to count them); a page reads only its own
observations, each by IRI. The order is series key, then dataset graph, then period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from api.errors import BadRequest
from api.model.agency import Principal
from api.model.read_api import ObservationOut, ObservationPage, ObservationQuery, Provenance, SeriesPart
from api.model.sdmx_period import PeriodError, period_bounds, shown
from api.model.submission import MAX_IDENTIFIER, is_identifier
from api.services.params import parse_moment
from api.services.read import areas as area_service
from api.services.read import groups as group_service
from api.services.read.index import ReadIndex, read_index, read_observation, reconciled_index
from api.services.records import Record
from api.services.registry import Registry
from api.services.sdmx.structures import data_labels

MAX_PER_PAGE = 1000
_DIMENSION_FILTERS = (("counterpart_areas", "COUNTERPART_AREA"), ("sexes", "SEX"), ("ages", "AGE"),
                      ("migration_statuses", "MIGRATION_STATUS"))
_PARAMETERS = {"COUNTERPART_AREA": "counterpart_area", "SEX": "sex", "AGE": "age",
               "MIGRATION_STATUS": "migration_status"}


def _codes(texts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.strip() for text in texts for c in text.split(",") if c.strip()))


def _bound(text: str | None, name: str, end: bool) -> str | None:
    """The first (``from``) or last (``to``) day of a period parameter; BadRequest naming the parameter."""
    if text is None:
        return None
    try:
        first, last = period_bounds(text, moments=True)
    except PeriodError as exc:
        raise BadRequest(f"{name}={shown(text)} {exc.reason}; or leave {name} out.") from None
    return last if end else first


def parse_query(registry: Registry, *, indicator: list[str], area: list[str], region: str | None,
                counterpart_area: list[str], sex: list[str], age: list[str], migration_status: list[str],
                dataset: list[str], start: str | None, end: str | None, latest: bool, page: int,
                per_page: int, as_of: str | None = None, group: str | None = None,
                all_sources: bool = False) -> ObservationQuery:
    """Check and canonicalise the query string; a bad value is BadRequest naming the parameter."""
    indicators = tuple(i.upper() for i in _codes(indicator))
    unknown = [i for i in indicators if registry.catalogue.get(i) is None]
    if unknown:
        raise BadRequest(f"indicator={','.join(unknown)}: no such indicator; /api/indicators lists the ids.")
    areas = area_service.resolve_areas(registry, list(_codes(area)))
    if region:
        areas += [a for a in area_service.region_members(registry, region) if a not in areas]
    if group:
        window = (_bound(start, "from", False), _bound(end, "to", True))
        areas += [a for a in group_service.group_members(registry, group, *window) if a not in areas]
    codes = data_labels(registry, "en").codes
    values: dict[str, tuple[str, ...]] = {}
    for (field, dimension), given in zip(_DIMENSION_FILTERS, (counterpart_area, sex, age, migration_status),
                                         strict=True):
        asked = _codes(given)
        if dimension == "COUNTERPART_AREA":
            asked = tuple(area_service.resolve_areas(registry, list(asked), "counterpart_area"))
        bad = [c for c in asked if c not in codes.get(dimension, {})]
        if bad:
            raise BadRequest(f"{_PARAMETERS[dimension]}={','.join(bad)}: not a code of "
                             f"{dimension}; /sdmx/v1/codelist lists the codes.")
        values[field] = asked
    if page < 1:
        raise BadRequest(f"page={page}: pages start at 1.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"per_page={per_page}: ask for 1 to {MAX_PER_PAGE} observations per page.")
    datasets = _codes(dataset)
    bad_ids = [d for d in datasets if not is_identifier(d)]
    if bad_ids:
        raise BadRequest(f"dataset={bad_ids[0][:40]!r}{'…' if len(bad_ids[0]) > 40 else ''} is not a dataset id: ids "
                         f"are 1 to {MAX_IDENTIFIER} letters, digits, '_', '-', '@' or '$'; /api/datasets lists "
                         "them.", details={"parameter": "dataset"})
    query = ObservationQuery(indicators=indicators, areas=tuple(areas), datasets=datasets,
                             counterpart_areas=values["counterpart_areas"], sexes=values["sexes"],
                             ages=values["ages"], migration_statuses=values["migration_statuses"],
                             start=_bound(start, "from", False), end=_bound(end, "to", True), latest=latest,
                             as_of=parse_moment("asOf", as_of) if as_of and as_of.strip() else None,
                             page=page, per_page=per_page, all_sources=all_sources)
    if query.start and query.end and query.start > query.end:
        raise BadRequest(f"from={start} is after to={end}.")
    return query


def _candidates(index: ReadIndex, query: ObservationQuery) -> tuple[SeriesPart, ...]:
    if query.areas and query.indicators:
        cells = {(a, i) for a in query.areas for i in query.indicators}
        return tuple(sorted((p for cell in cells for p in index.by_area_indicator.get(cell, ())),
                            key=lambda p: (p.key, p.graph)))
    if query.areas:
        wanted = set(query.areas)
        return tuple(sorted((p for a in wanted for p in index.by_area.get(a, ())), key=lambda p: (p.key, p.graph)))
    if query.indicators:
        return tuple(sorted((p for i in set(query.indicators) for p in index.by_indicator.get(i, ())),
                            key=lambda p: (p.key, p.graph)))
    return index.parts


def _part_wanted(part: SeriesPart, query: ObservationQuery, index: ReadIndex) -> bool:
    if query.indicators and part.code("INDICATOR") not in query.indicators:
        return False
    if query.areas and part.code("REF_AREA") not in query.areas:
        return False
    for field, dimension in _DIMENSION_FILTERS:
        allowed: tuple[str, ...] = getattr(query, field)
        if allowed and part.code(dimension) not in allowed:
            return False
    if query.datasets:
        provenance = index.provenance.get(part.graph)
        if provenance is None or provenance.dataset not in query.datasets:
            return False
    return True


def _periods(part: SeriesPart, query: ObservationQuery) -> tuple[str, ...]:
    periods = part.periods
    if query.start or query.end:
        periods = tuple(p for p in periods if (not query.start or period_bounds(p)[0] >= query.start)
                        and (not query.end or period_bounds(p)[1] <= query.end))
    return periods[-1:] if query.latest and periods else periods


@dataclass(frozen=True)
class Selection:
    """What a query selects: each series part with its wanted periods, and how many observations in all."""

    index: ReadIndex
    parts: tuple[tuple[SeriesPart, tuple[str, ...]], ...]

    @property
    def total(self) -> int:
        return sum(len(periods) for _, periods in self.parts)

    def window(self, offset: int, limit: int | None) -> Iterator[tuple[SeriesPart, str]]:
        """(part, period) of the observations ``offset`` to ``offset + limit`` without reading the others."""
        skipped, sent = 0, 0
        for part, periods in self.parts:
            if skipped + len(periods) <= offset:
                skipped += len(periods)
                continue
            for period in periods[max(offset - skipped, 0):]:
                if limit is not None and sent >= limit:
                    return
                sent += 1
                yield part, period
            skipped += len(periods)


def select(registry: Registry, query: ObservationQuery, principal: Principal | None = None) -> Selection:
    """The series parts and periods ``query`` selects in the public view (as it was at ``asOf`` if given), or
    in ``principal``'s view (with its own embargoed and confidential observations): one value per key and
    period as precedence chooses among the selected datasets, or every dataset's with ``all_sources``."""
    view = (registry.public_view(as_of=query.as_of) if principal is None
            else registry.agency_view(principal, as_of=query.as_of))
    index = read_index(registry, view) if query.all_sources else reconciled_index(registry, view, query.datasets)
    chosen = []
    for part in _candidates(index, query):
        if _part_wanted(part, query, index):
            periods = _periods(part, query)
            if periods:
                chosen.append((part, periods))
    return Selection(index, tuple(chosen))


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def to_out(registry: Registry, record: Record, provenance: Provenance, lang: str) -> ObservationOut:
    """An observation record as the API shows it, with labels in ``lang``."""
    indicator = registry.catalogue.get(record["INDICATOR"])
    return ObservationOut(
        indicator=record["INDICATOR"], indicator_label=indicator.label(lang) if indicator else record["INDICATOR"],
        area=record["REF_AREA"], area_label=area_service.area_label(registry, record["REF_AREA"], lang),
        period=record["TIME_PERIOD"], value=_float(record.get("OBS_VALUE")), unit=record.get("UNIT_MEASURE"),
        unit_multiplier=_int(record.get("UNIT_MULT")), status=record.get("OBS_STATUS"), freq=record["FREQ"],
        counterpart_area=record["COUNTERPART_AREA"], sex=record["SEX"], age=record["AGE"],
        migration_status=record["MIGRATION_STATUS"], decimals=_int(record.get("DECIMALS")),
        comment=record.get("COMMENT"), source_detail=record.get("SOURCE_DETAIL"), iri=record.get("@iri", ""),
        provenance=provenance,
    )


def read(registry: Registry, selection: Selection, offset: int, limit: int | None, lang: str
         ) -> Iterator[ObservationOut]:
    """The selected observations from ``offset`` on, each read by its IRI."""
    for part, period in selection.window(offset, limit):
        record = read_observation(registry, selection.index, part, period)
        if record is not None:
            yield to_out(registry, record, selection.index.provenance[part.graph], lang)


def observation_page(registry: Registry, query: ObservationQuery, lang: str = "en",
                     principal: Principal | None = None) -> ObservationPage:
    """One page of the matching observations and the total (in ``principal``'s view when given)."""
    selection = select(registry, query, principal)
    total = selection.total
    offset = (query.page - 1) * query.per_page
    observations = list(read(registry, selection, offset, query.per_page, lang)) if offset < total else []
    pages = max((total + query.per_page - 1) // query.per_page, 1)
    return ObservationPage(total=total, page=query.page, per_page=query.per_page, pages=pages,
                           observations=observations)
