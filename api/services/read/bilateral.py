"""``/api/areas/{code}/origins`` and ``/api/areas/{code}/abroad``: bilateral figures, ranked (issue 18).

Bilateral data use the dimension COUNTERPART_AREA (DESIGN §4): for a stock present in a country (STK_IMM) it is
the country of origin; for nationals abroad (DIA_STK) the country of destination; for remittances received
(REM_BIL) the sending country. "Abroad" reads both the destination countries' counts of migrants from the
country (STK_IMM with COUNTERPART_AREA the country, the UN DESA and KNOMAD matrices) and DIA_STK by destination
where a source gives it.

One period is ranked at a time (the latest with bilateral figures unless one is asked for); where several
datasets give the same counterpart, sex and period, the newest submission is shown and the others stay
reachable through /api/observations?dataset=. Aggregates (regions) are not ranked among countries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.errors import BadRequest, NotFound
from api.model.bilateral import BilateralOut, BilateralRow
from api.model.catalogue import Indicator
from api.model.read_api import Provenance, SeriesPart
from api.model.sdmx_period import PeriodError, period_bounds, shown
from api.services.read import areas as area_service
from api.services.read.index import ReadIndex, read_index, read_observation
from api.services.registry import Registry

TOTALS = ("_T", "_Z")
SEXES = ("_T", "_Z", "F", "M")
ORIGINS_DEFAULT = "STK_IMM"
ABROAD_INDICATORS = ("STK_IMM", "DIA_STK")  # transposed destination counts, and nationals abroad by destination


@dataclass(frozen=True)
class Candidate:
    """A series giving one counterpart's figure: which counterpart, which sex, where to read it."""

    counterpart: str
    sex: str
    part: SeriesPart


def parse_period(text: str | None) -> str | None:
    """``latest`` (or nothing) -> None; a year such as 2015 -> '2015'; anything else is BadRequest."""
    if text is None or text == "latest":
        return None
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise BadRequest(f"period={shown(text)}: use latest or a year such as 2020.",
                         details={"parameter": "period"})
    try:
        period_bounds(text)
    except PeriodError as exc:
        raise BadRequest(f"period={text}: {exc.reason}; use latest or a year such as 2020.",
                         details={"parameter": "period"}) from None
    return text


def bilateral_indicator(registry: Registry, indicator_id: str) -> Indicator:
    """An indicator broken down by COUNTERPART_AREA; BadRequest naming those that are."""
    indicator = registry.catalogue.get(indicator_id.strip().upper())
    if indicator is None or "COUNTERPART_AREA" not in indicator.breakdowns:
        allowed = sorted(i.id for i in registry.catalogue.indicators.values() if "COUNTERPART_AREA" in i.breakdowns)
        raise BadRequest(f"indicator={shown(indicator_id)}: not an indicator broken down by COUNTERPART_AREA; use one "
                         f"of {', '.join(allowed)}.", details={"parameter": "indicator"})
    return indicator


def _sex(part: SeriesPart) -> str:
    """The part's sex, ``_T`` for both sexes or not applicable (``_Z``, e.g. remittances)."""
    sex = part.code("SEX")
    return "_T" if sex == "_Z" else sex


def _plain(part: SeriesPart) -> bool:
    """Annual, all ages and migration statuses: the series a ranking compares."""
    return (part.code("FREQ") == "A" and part.code("AGE") in TOTALS
            and part.code("MIGRATION_STATUS") in TOTALS and part.code("SEX") in SEXES)


def counterparts_of(index: ReadIndex, indicator: str, area: str) -> list[Candidate]:
    """Series of ``area`` for ``indicator`` by COUNTERPART_AREA (the area as REF_AREA)."""
    return [Candidate(p.code("COUNTERPART_AREA"), _sex(p), p)
            for p in index.by_area_indicator.get((area, indicator), ())
            if _plain(p) and p.code("COUNTERPART_AREA") not in TOTALS and p.graph in index.provenance]


def reported_by_others(index: ReadIndex, indicator: str, area: str) -> list[Candidate]:
    """Series of other areas whose COUNTERPART_AREA is ``area`` (read the matrix's other way), by REF_AREA."""
    return [Candidate(p.code("REF_AREA"), _sex(p), p)
            for p in index.by_indicator.get(indicator, ())
            if p.code("COUNTERPART_AREA") == area and _plain(p) and p.graph in index.provenance]


def totals_of(index: ReadIndex, indicator: str, area: str) -> list[Candidate]:
    """The area's total over all counterparts (COUNTERPART_AREA _T), both sexes."""
    return [Candidate("_T", "_T", p) for p in index.by_area_indicator.get((area, indicator), ())
            if _plain(p) and p.code("COUNTERPART_AREA") == "_T" and _sex(p) == "_T"
            and p.graph in index.provenance]


def _year(period: str) -> str:
    return period_bounds(period)[0][:4]


def latest_year(candidates: list[Candidate]) -> str | None:
    years = {_year(p) for c in candidates for p in c.part.periods}
    return max(years) if years else None


def _newest(candidates: list[Candidate], index: ReadIndex, year: str) -> dict[tuple[str, str], tuple[Candidate, str]]:
    """(counterpart, sex) -> the candidate of the newest submission with a figure in ``year``, and its period."""
    chosen: dict[tuple[str, str], tuple[Candidate, str]] = {}
    for candidate in candidates:
        period = next((p for p in reversed(candidate.part.periods) if _year(p) == year), None)
        if period is None:
            continue
        key = (candidate.counterpart, candidate.sex)
        current = chosen.get(key)
        if current is None or (index.provenance[candidate.part.graph].submitted
                               > index.provenance[current[0].part.graph].submitted):
            chosen[key] = (candidate, period)
    return chosen


@dataclass(frozen=True)
class Value:
    value: float | None
    multiplier: int
    status: str | None
    period: str
    dataset: str
    graph: str


def read_value(registry: Registry, index: ReadIndex, part: SeriesPart, period: str) -> Value | None:
    """One figure (value scaled to units) with its status and dataset, read by its IRI."""
    record = read_observation(registry, index, part, period)
    if record is None:
        return None
    multiplier_text = record.get("UNIT_MULT") or "0"
    multiplier = int(multiplier_text) if multiplier_text.lstrip("-").isdigit() else 0
    text = record.get("OBS_VALUE")
    try:
        value = float(Decimal(text).scaleb(multiplier)) if text else None
    except InvalidOperation:
        value = None
    return Value(value, multiplier, record.get("OBS_STATUS"), period, index.provenance[part.graph].dataset,
                 part.graph)


def figures(registry: Registry, index: ReadIndex, candidates: list[Candidate], year: str
            ) -> dict[str, dict[str, Value]]:
    """counterpart -> sex -> its figure in ``year`` (the newest submission's)."""
    found: dict[str, dict[str, Value]] = defaultdict(dict)
    for (counterpart, sex), (candidate, period) in sorted(_newest(candidates, index, year).items()):
        value = read_value(registry, index, candidate.part, period)
        if value is not None:
            found[counterpart][sex] = value
    return found


def rank(rows: list[BilateralRow]) -> list[BilateralRow]:
    """Largest first; equal values share a rank; rows without a value last, unranked."""
    valued = sorted((r for r in rows if r.value is not None), key=lambda r: (-(r.value or 0.0), r.area))
    ranked: list[BilateralRow] = []
    for position, row in enumerate(valued, start=1):
        shared = ranked[-1].rank if ranked and ranked[-1].value == row.value else position
        ranked.append(BilateralRow(**{**row.__dict__, "rank": shared}))
    return ranked + sorted((r for r in rows if r.value is None), key=lambda r: r.area)


def _abroad_link(code: str) -> str:
    return f"/api/areas/{code}/abroad"


def _table(registry: Registry, index: ReadIndex, *, area: str, direction: str, indicator: Indicator,
           candidates: list[Candidate], totals: list[Candidate], year: str | None, lang: str, sdmx: str
           ) -> BilateralOut:
    periods = sorted({_year(p) for c in candidates for p in c.part.periods}, reverse=True)
    chosen = year or (periods[0] if periods else None)
    notes: list[str] = []
    rows: list[BilateralRow] = []
    used: set[str] = set()
    total: Value | None = None
    if chosen is not None:
        total_found = figures(registry, index, totals, chosen).get("_T", {}).get("_T")
        total = total_found
        regions = 0
        for counterpart, by_sex in figures(registry, index, candidates, chosen).items():
            if registry.areas.is_region(counterpart):
                regions += 1
                continue
            both = by_sex.get("_T")
            first = both or next(iter(by_sex.values()))
            share = None
            if both is not None and both.value is not None and total is not None and total.value \
                    and total.dataset == both.dataset:
                share = round(100 * both.value / total.value, 3)
            used.update(v.graph for v in by_sex.values())
            rows.append(BilateralRow(
                rank=None, area=counterpart, area_label=area_service.area_label(registry, counterpart, lang),
                value=both.value if both else None, female=by_sex["F"].value if "F" in by_sex else None,
                male=by_sex["M"].value if "M" in by_sex else None, share_of_total=share,
                status=first.status, period=first.period, dataset=first.dataset, abroad=_abroad_link(counterpart)))
        if regions:
            notes.append(f"{regions} regions or groupings among the counterparts are not ranked with countries.")
        if total is not None:
            used.add(total.graph)
    if chosen is None:
        notes.append(f"no {indicator.id} figures by counterpart area for {area}.")
    elif year is not None and year not in periods:
        notes.append(f"no {indicator.id} figures by counterpart area for {area} in {year}; years with figures: "
                     f"{', '.join(periods) or 'none'}.")
    sources: dict[str, Provenance] = {index.provenance[g].dataset: index.provenance[g] for g in sorted(used)}
    return BilateralOut(
        area=area, area_label=area_service.area_label(registry, area, lang), direction=direction,
        indicator=indicator.id, indicator_label=indicator.label(lang), period=chosen, unit=indicator.unit,
        unit_multiplier=0, total=total.value if total else None, total_dataset=total.dataset if total else None,
        rows=rank(rows), periods_available=periods, sources=sources, sdmx=sdmx, notes=notes)


def _canonical(registry: Registry, code: str) -> str:
    found = area_service.canonical(registry, code)
    if found is None:
        raise NotFound(f"no area has the code '{code}': use an ISO 3166-1 alpha-3 or alpha-2 code or an M49 number "
                       "(e.g. DEU, DE or 276); /api/areas lists them all.")
    return found


def _sdmx_period(year: str | None) -> str:
    return f"?startPeriod={year}&endPeriod={year}" if year else ""


def origins(registry: Registry, code: str, *, indicator: str = ORIGINS_DEFAULT, period: str | None = None,
            lang: str = "en") -> BilateralOut:
    """Figures present in ``code`` by country of origin (COUNTERPART_AREA), ranked, by sex where given."""
    area = _canonical(registry, code)
    chosen = bilateral_indicator(registry, indicator)
    year = parse_period(period)
    index = read_index(registry, registry.public_view())
    candidates = counterparts_of(index, chosen.id, area)
    out_year = year or latest_year(candidates)
    sdmx = f"/sdmx/v1/data/MIGRATION_PROFILE/A.{area}.{chosen.id}....{_sdmx_period(out_year)}"
    return _table(registry, index, area=area, direction="origins", indicator=chosen, candidates=candidates,
                  totals=totals_of(index, chosen.id, area), year=year, lang=lang, sdmx=sdmx)


def abroad(registry: Registry, code: str, *, period: str | None = None, lang: str = "en") -> BilateralOut:
    """The nationals of ``code`` living abroad by country of destination, ranked: the destinations' counts of
    migrants from ``code`` (STK_IMM with COUNTERPART_AREA ``code``) and DIA_STK by destination."""
    area = _canonical(registry, code)
    year = parse_period(period)
    index = read_index(registry, registry.public_view())
    stock, diaspora = ABROAD_INDICATORS
    candidates = reported_by_others(index, stock, area) + counterparts_of(index, diaspora, area)
    out_year = year or latest_year(candidates)
    when = _sdmx_period(out_year)
    sdmx = (f"/sdmx/v1/data/MIGRATION_PROFILE/A..{stock}.{area}...{when} (destinations' counts) and "
            f"/sdmx/v1/data/MIGRATION_PROFILE/A.{area}.{diaspora}....{when}")
    indicator = registry.catalogue.get(diaspora)
    if indicator is None:
        raise NotFound(f"the catalogue has no indicator {diaspora}.")
    return _table(registry, index, area=area, direction="abroad", indicator=indicator, candidates=candidates,
                  totals=totals_of(index, diaspora, area), year=year, lang=lang, sdmx=sdmx)
