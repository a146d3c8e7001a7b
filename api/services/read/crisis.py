"""``/api/areas/{code}/crisis``: migrants in a country in crisis, in one answer (issue 18; MICIC guidance).

For a host country: migrants present by origin (latest stock, sex split), refugees and asylum-seekers there by
origin, internal displacement, the remittances sent from the host to each origin with their share of that
origin's inflows (who loses income if migrants must leave), and recent dead and missing migrants in and
around it. Every figure carries its period and dataset; each part names what is missing and says when its
figures are years old. Indicators are found in the catalogue by what they are (ids and COUNTERPART_AREA
breakdown), so that datasets added later (UNHCR, IDMC, IOM Missing Migrants) appear without a code change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.model.bilateral import BilateralOut, CrisisOut, CrisisSection, Figure, RemittanceRow
from api.model.read_api import Provenance
from api.model.sdmx_period import period_bounds
from api.services.read import areas as area_service
from api.services.read import bilateral
from api.services.read.index import ReadIndex, read_index
from api.services.registry import Registry

STALE_AFTER_YEARS = 2.0
RECENT_YEARS = 3
HOST_PROTECTION = ("FDP_REF", "FDP_ASY", "FDP_OIP")  # id prefixes: REF_AREA the host, COUNTERPART_AREA the origin
ORIGIN_PERSPECTIVE = frozenset({"FDP_REF_O"})  # REF_AREA the origin, COUNTERPART_AREA the country of asylum
DISPLACEMENT = ("FDP_IDP", "FDP_NWCV", "FDP_DIS", "RET_IDP")
DEAD_AND_MISSING = ("IRR_DEAD", "IRR_MISS")
REMITTANCES = "REM_BIL"
RECORDED_INFLOWS = "REM_IN"


def _age(period: str, today: date) -> float:
    end = date.fromisoformat(period_bounds(period)[1])
    return round(max((today - end).days, 0) / 365.25, 1)


def _section(section_id: str, label: str, period: str | None, gaps: list[str], today: date) -> CrisisSection:
    age = _age(period, today) if period else None
    stale = None
    if age is not None and age > STALE_AFTER_YEARS:
        stale = (f"these figures are from {period[:4]}, {age} years ago: data go stale quickly, and a crisis "  # type: ignore[index]
                 "changes who is where; look for newer figures before acting on them.")
    return CrisisSection(section_id, label, period, age, stale, gaps)


def _ids(registry: Registry, prefixes: tuple[str, ...], *, bilateral_only: bool) -> list[str]:
    return sorted(i.id for i in registry.catalogue.indicators.values()
                  if i.id.startswith(prefixes) and (not bilateral_only or "COUNTERPART_AREA" in i.breakdowns))


def _latest_figures(registry: Registry, index: ReadIndex, indicator_ids: list[str], areas: list[str],
                    lang: str, years: int) -> tuple[list[Figure], set[str]]:
    """The plain series (both sexes, all ages) of each indicator in each area: its last ``years`` years, and the
    graphs they were read from."""
    found: list[Figure] = []
    graphs: set[str] = set()
    for area in areas:
        for indicator_id in indicator_ids:
            indicator = registry.catalogue.get(indicator_id)
            if indicator is None:
                continue
            for part in index.by_area_indicator.get((area, indicator_id), ()):
                if part.graph not in index.provenance or part.code("FREQ") != "A" or part.code("SEX") not in \
                        bilateral.TOTALS or part.code("AGE") not in bilateral.TOTALS:
                    continue
                for period in part.periods[-years:]:
                    value = bilateral.read_value(registry, index, part, period)
                    if value is None:
                        continue
                    graphs.add(value.graph)
                    found.append(Figure(
                        indicator=indicator_id, indicator_label=indicator.label(lang), area=area,
                        counterpart_area=part.code("COUNTERPART_AREA"), value=value.value, unit=indicator.unit,
                        unit_multiplier=0, period=period, status=value.status, dataset=value.dataset))
    return sorted(found, key=lambda f: (f.indicator, f.area, f.counterpart_area, f.period)), graphs


def _recorded_inflows(registry: Registry, index: ReadIndex, origin: str, year: str) -> bilateral.Value | None:
    """The origin's REM_IN (all senders) in ``year``, from the newest submission that gives it."""
    parts = [bilateral.Candidate("_T", "_T", p) for p in index.by_area_indicator.get((origin, RECORDED_INFLOWS), ())
             if p.graph in index.provenance and p.code("FREQ") == "A"
             and p.code("COUNTERPART_AREA") in bilateral.TOTALS]
    return bilateral.figures(registry, index, parts, year).get("_T", {}).get("_T")


def _share(part: float | None, whole: float | None) -> float | None:
    return round(100 * part / whole, 3) if part is not None and whole else None


def _remittances(registry: Registry, index: ReadIndex, host: str, lang: str) -> tuple[list[RemittanceRow], set[str]]:
    """REM_BIL received by each origin from ``host`` and the origin's total REM_BIL of the same dataset."""
    sent = bilateral.reported_by_others(index, REMITTANCES, host)
    year = bilateral.latest_year(sent)
    if year is None:
        return [], set()
    rows: list[RemittanceRow] = []
    graphs: set[str] = set()
    for origin, by_sex in bilateral.figures(registry, index, sent, year).items():
        value = by_sex.get("_T") or next(iter(by_sex.values()))
        if registry.areas.is_region(origin):
            continue
        totals = bilateral.figures(registry, index, bilateral.totals_of(index, REMITTANCES, origin), year)
        total = totals.get("_T", {}).get("_T")
        same = total is not None and total.dataset == value.dataset
        recorded = _recorded_inflows(registry, index, origin, year)
        graphs.update(v.graph for v in (value, total if same else None, recorded) if v is not None)
        rows.append(RemittanceRow(
            rank=None, origin=origin, origin_label=area_service.area_label(registry, origin, lang),
            sent_usd=value.value, origin_inflows_usd=total.value if same and total else None,
            share_of_origin_inflows=_share(value.value, total.value) if same and total else None,
            origin_recorded_inflows_usd=recorded.value if recorded else None,
            share_of_recorded_inflows=_share(value.value, recorded.value) if recorded else None,
            period=value.period, dataset=value.dataset,
            abroad=f"/api/areas/{origin}/abroad"))
    ordered = sorted(rows, key=lambda r: (-(r.sent_usd or 0.0), r.origin))
    return [RemittanceRow(**{**r.__dict__, "rank": n}) for n, r in enumerate(ordered, start=1)], graphs


def _newest_period(periods: list[str | None]) -> str | None:
    known = [p for p in periods if p]
    return max(known, key=lambda p: period_bounds(p)[1]) if known else None


def crisis(registry: Registry, code: str, *, lang: str = "en", today: date | None = None) -> CrisisOut:
    """The crisis view of one host country from the public view."""
    today = today or datetime.now(UTC).date()
    area = area_service.get_area(registry, code, lang=lang)
    host = area.code
    index = read_index(registry, registry.public_view())
    sources: dict[str, Provenance] = {}
    sections: list[CrisisSection] = []

    migrants = bilateral.origins(registry, host, lang=lang)
    sources.update(migrants.sources)
    gaps = [] if migrants.rows else ["STK_IMM by country of origin: no figures for this country"]
    if migrants.rows and not any(r.female is not None for r in migrants.rows):
        gaps.append(f"the sex split of migrants by origin: no source gives it for {migrants.period}")
    sections.append(_section("migrants", "Migrants present by country of origin", migrants.period, gaps, today))

    protection: list[BilateralOut] = []
    gaps = []
    for indicator_id in _ids(registry, HOST_PROTECTION, bilateral_only=True):
        if indicator_id in ORIGIN_PERSPECTIVE:
            continue
        table = bilateral.origins(registry, host, indicator=indicator_id, lang=lang)
        if table.rows:
            protection.append(table)
            sources.update(table.sources)
        else:
            gaps.append(f"{indicator_id} ({table.indicator_label}) by country of origin: no figures")
    sections.append(_section("refugees", "Refugees and asylum-seekers by country of origin",
                             _newest_period([t.period for t in protection]), gaps, today))

    displacement, graphs = _latest_figures(registry, index, _ids(registry, DISPLACEMENT, bilateral_only=False),
                                           [host], lang, RECENT_YEARS)
    sources.update({index.provenance[g].dataset: index.provenance[g] for g in graphs})
    have = {f.indicator for f in displacement}
    gaps = [f"{i}: no figures" for i in _ids(registry, DISPLACEMENT, bilateral_only=False) if i not in have]
    sections.append(_section("displacement", "Internal displacement", _newest_period([f.period for f in displacement]),
                             gaps, today))

    remittances, graphs = _remittances(registry, index, host, lang)
    sources.update({index.provenance[g].dataset: index.provenance[g] for g in graphs})
    gaps = [] if remittances else [f"{REMITTANCES} sent from this country by country of origin: no figures"]
    sections.append(_section("remittances", "Remittances sent to each origin and their share of its inflows",
                             _newest_period([r.period for r in remittances]), gaps, today))

    around = [host] + [a for a in (registry.areas.broader(host),) if a is not None]
    dead, graphs = _latest_figures(registry, index, _ids(registry, DEAD_AND_MISSING, bilateral_only=False), around,
                                   lang, RECENT_YEARS)
    sources.update({index.provenance[g].dataset: index.provenance[g] for g in graphs})
    gaps = [] if dead else [f"dead and missing migrants ({', '.join(DEAD_AND_MISSING)}) in {host} or "
                            f"{', '.join(around[1:]) or 'its region'}: no figures"]
    sections.append(_section("dead_and_missing", "Dead and missing migrants in and around the country",
                             _newest_period([f.period for f in dead]), gaps, today))
    return CrisisOut(area=host, area_label=area.name, migrants=migrants, refugees_and_asylum_seekers=protection,
                     displacement=displacement, remittances=remittances, dead_and_missing=dead, sections=sections,
                     sources=dict(sorted(sources.items())))
