"""``/api/compare``: one indicator across areas, side by side in one unit multiplier, ranked, with
comparability flags (different definitions, distant reference periods, estimated or imputed figures,
different sources, different units) taken from the figures' own metadata and provenance.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from api.errors import BadRequest, NotFound
from api.model.read_api import ComparabilityFlag, ComparisonOut, ComparisonRow, Provenance, SeriesPart
from api.model.sdmx_period import PeriodError, period_bounds, shown
from api.services.read import areas as area_service
from api.services.read import groups as group_service
from api.services.read.index import headline, read_observation, reconciled_index
from api.services.records import Record
from api.services.registry import Registry

ESTIMATED = {"E": "estimated", "I": "imputed", "F": "forecast"}
DEFAULT_MAX_GAP_YEARS = 2


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _multiplier(record: Record) -> int:
    text = record.get("UNIT_MULT") or "0"
    return int(text) if text.lstrip("-").isdigit() else 0


def _period_wanted(period: str) -> str | None:
    if period == "latest":
        return None
    if not (len(period) == 4 and period.isascii() and period.isdigit()):
        raise BadRequest(f"period={shown(period)}: use latest or a year such as 2020.")
    try:
        period_bounds(period)
    except PeriodError as exc:
        raise BadRequest(f"period: {exc.message}; use latest or a year such as 2020.") from None
    return period


def compare(registry: Registry, indicator_id: str, *, areas: list[str], region: str | None,
            period: str = "latest", max_gap: int = DEFAULT_MAX_GAP_YEARS, lang: str = "en",
            group: str | None = None) -> ComparisonOut:
    """The indicator's headline figure for each area (all areas with data when none is named)."""
    indicator = registry.catalogue.get(indicator_id.upper())
    if indicator is None:
        raise NotFound(f"no indicator has the id '{indicator_id}': /api/indicators lists them.")
    if max_gap < 0:
        raise BadRequest(f"max_gap={max_gap}: give a number of years, 0 or more.")
    year = _period_wanted(period)
    index = reconciled_index(registry, registry.public_view())
    by_area: dict[str, list[SeriesPart]] = defaultdict(list)
    for part in index.by_indicator.get(indicator.id, ()):
        by_area[part.code("REF_AREA")].append(part)
    wanted = area_service.resolve_areas(registry, areas)
    if region:
        wanted += [a for a in area_service.region_members(registry, region) if a not in wanted]
    if group:
        day = f"{year}-12-31" if year is not None else date.today().isoformat()  # members at the period's end
        wanted += [a for a in group_service.group_members(registry, group, day, day) if a not in wanted]
    if not wanted:
        wanted = sorted(by_area)
    found: list[tuple[str, Record, str]] = []
    missing: list[str] = []
    for area in wanted:
        chosen = headline(by_area.get(area, ()), index)
        periods = chosen.periods if chosen else ()
        if year is not None:
            periods = tuple(p for p in periods if period_bounds(p)[0][:4] == year)
        record = read_observation(registry, index, chosen, periods[-1]) if chosen and periods else None
        if chosen is None or record is None:
            missing.append(area)
            continue
        found.append((area, record, chosen.graph))
    rows = _rank([_row(registry, area, record, index.provenance[graph], lang) for area, record, graph in found])
    flags = _flags(rows, found, index.provenance, max_gap)
    for row in rows:
        row.flags.extend(f.code for f in flags if row.area in f.areas)
    return ComparisonOut(indicator=indicator.id, indicator_label=indicator.label(lang), period=period,
                         unit_multiplier=0, rows=rows, missing=missing, flags=flags)


def _row(registry: Registry, area: str, record: Record, provenance: Provenance, lang: str) -> ComparisonRow:
    reported = _decimal(record.get("OBS_VALUE"))
    multiplier = _multiplier(record)
    value = None if reported is None else reported.scaleb(multiplier)
    return ComparisonRow(
        rank=None, area=area, area_label=area_service.area_label(registry, area, lang),
        period=record["TIME_PERIOD"], value=None if value is None else float(value),
        reported_value=None if reported is None else float(reported),
        reported_unit_multiplier=int(record["UNIT_MULT"]) if record.get("UNIT_MULT", "").lstrip("-").isdigit()
        else None, unit=record.get("UNIT_MEASURE"), status=record.get("OBS_STATUS"), flags=[],
        provenance=provenance,
    )


def _rank(rows: list[ComparisonRow]) -> list[ComparisonRow]:
    """Highest value first; equal values share a rank; rows without a value come last, unranked."""
    valued = sorted((r for r in rows if r.value is not None), key=lambda r: (-(r.value or 0.0), r.area))
    ranked: list[ComparisonRow] = []
    for position, row in enumerate(valued, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].value == row.value else position
        ranked.append(ComparisonRow(**{**row.__dict__, "rank": rank}))
    return ranked + sorted((r for r in rows if r.value is None), key=lambda r: r.area)


def _flags(rows: list[ComparisonRow], found: list[tuple[str, Record, str]], provenance: dict[str, Provenance],
           max_gap: int
           ) -> list[ComparabilityFlag]:
    flags: list[ComparabilityFlag] = []
    if len(rows) < 2:
        return flags
    bases: dict[str, list[str]] = defaultdict(list)
    for area, _record, graph in found:
        bases[provenance[graph].definition_basis or "not stated"].append(area)
    if len(bases) > 1:
        told = "; ".join(f"{basis}: {', '.join(sorted(areas))}" for basis, areas in sorted(bases.items()))
        minority = sorted(a for basis, areas in bases.items() if len(areas) < max(map(len, bases.values()))
                          or basis == "not stated" for a in areas)
        flags.append(ComparabilityFlag("definition", f"the figures follow different definitions ({told}).",
                                       minority or sorted(a for areas in bases.values() for a in areas)))
    years = {r.area: int(period_bounds(r.period)[1][:4]) for r in rows}
    newest = max(years.values())
    old = sorted(a for a, y in years.items() if newest - y > max_gap)
    if old:
        flags.append(ComparabilityFlag(
            "period_gap", f"reference periods are more than {max_gap} years apart (newest {newest}; "
            f"{', '.join(f'{a} {years[a]}' for a in old)}).", old))
    estimated = sorted(r.area for r in rows if r.status in ESTIMATED)
    if estimated:
        kinds = sorted({ESTIMATED[r.status] for r in rows if r.status is not None and r.status in ESTIMATED})
        flags.append(ComparabilityFlag("estimated", f"some figures are {' or '.join(kinds)}, not observed.",
                                       estimated))
    datasets: dict[str, list[str]] = defaultdict(list)
    for area, _record, graph in found:
        datasets[f"{provenance[graph].dataset} ({provenance[graph].agency})"].append(area)
    if len(datasets) > 1:
        flags.append(ComparabilityFlag(
            "sources", "the figures come from different sources: " + "; ".join(
                f"{d}: {', '.join(sorted(a))}" for d, a in sorted(datasets.items())) + ".",
            sorted(area for area, _r, _g in found)))
    units: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        units[row.unit or "not stated"].append(row.area)
    if len(units) > 1:
        flags.append(ComparabilityFlag(
            "unit", "the figures are in different units: " + "; ".join(
                f"{u}: {', '.join(sorted(a))}" for u, a in sorted(units.items())) + ".",
            sorted(a for areas in units.values() for a in areas)))
    return flags
