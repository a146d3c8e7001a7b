"""``/api/areas/{code}/profile``: a country's Migration Profile and ``/api/coverage`` for every area.

For each section of the profile (IOM Migration Profile guidance, Extended profile context): each indicator's
headline figure (latest value and the last few), its provenance, the indicators without data as gaps, a
completeness score (share of the section's catalogue indicators with data) and a freshness score (age in
years of the section's newest figure). Coverage computes the same scores from the index alone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from api.model.read_api import (
    AreaCoverage,
    CoverageOut,
    Gap,
    PointOut,
    ProfileIndicator,
    ProfileOut,
    ProfileSection,
    SectionCoverage,
    SeriesPart,
)
from api.model.sdmx_period import period_bounds
from api.model.sdmx_structure import pick
from api.services.read import areas as area_service
from api.services.read.index import headline, is_headline, read_observation, reconciled_index
from api.services.read.indicators import scheme_labels, sections
from api.services.registry import Registry

SERIES_POINTS = 5


def _age_years(period: str, today: date) -> float:
    """Years between the end of ``period`` and ``today`` (0 for a period not yet over), one decimal."""
    end = date.fromisoformat(period_bounds(period)[1])
    return round(max((today - end).days, 0) / 365.25, 1)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _point(record: dict[str, str]) -> PointOut:
    return PointOut(record["TIME_PERIOD"], _number(record.get("OBS_VALUE")), record.get("OBS_STATUS"))


def profile(registry: Registry, area_text: str, *, lang: str = "en", today: date | None = None) -> ProfileOut:
    """The Migration Profile of one area (any of its codes) from the public view."""
    area = area_service.get_area(registry, area_text, lang=lang)
    today = today or datetime.now(UTC).date()
    index = reconciled_index(registry, registry.public_view())
    by_indicator: dict[str, list[SeriesPart]] = defaultdict(list)
    for part in index.by_area.get(area.code, ()):
        by_indicator[part.code("INDICATOR")].append(part)
    section_labels = scheme_labels(registry, "section")
    out_sections: list[ProfileSection] = []
    with_data_total, indicators_total = 0, 0
    for section in sections(registry):
        members = sorted((i for i in registry.catalogue.indicators.values() if i.section == section),
                         key=lambda i: i.id)
        shown: list[ProfileIndicator] = []
        gaps: list[Gap] = []
        for indicator in members:
            chosen = headline(by_indicator.get(indicator.id, ()), index)
            records = [r for r in (read_observation(registry, index, chosen, p)
                                   for p in chosen.periods[-SERIES_POINTS:]) if r is not None] if chosen else []
            if chosen is None or not records:
                gaps.append(Gap(indicator.id, indicator.label(lang)))
                continue
            latest = records[-1]
            multiplier = latest.get("UNIT_MULT")
            shown.append(ProfileIndicator(
                id=indicator.id, label=indicator.label(lang), unit=latest.get("UNIT_MEASURE"),
                unit_multiplier=int(multiplier) if multiplier and multiplier.lstrip("-").isdigit() else None,
                latest=_point(latest), series=[_point(r) for r in records], series_key=chosen.key,
                provenance=index.provenance[chosen.graph]))
        ages = [_age_years(i.latest.period, today) for i in shown]
        out_sections.append(ProfileSection(
            id=section, label=pick(section_labels.get(section, {}), lang) or section,
            completeness=round(len(shown) / len(members), 3) if members else 0.0,
            freshness_years=min(ages) if ages else None, indicators=shown, gaps=gaps))
        with_data_total += len(shown)
        indicators_total += len(members)
    return ProfileOut(area=area, completeness=round(with_data_total / indicators_total, 3) if indicators_total else 0.0,
                      sections=out_sections)


Covered = tuple[dict[str, dict[str, set[str]]], dict[tuple[str, str], str]]


def covered(registry: Registry) -> Covered:
    """Per area and section, the indicators with a headline figure and the end of the newest period, in the
    public reconciled view (kept per view: every language's coverage and home page read the same; the warm-up
    builds it before the first request)."""
    view = registry.public_view()

    def build() -> Covered:
        section_of = {i.id: i.section for i in registry.catalogue.indicators.values()}
        have: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        newest: dict[tuple[str, str], str] = {}
        for part in reconciled_index(registry, view).parts:
            if not is_headline(part) or not part.periods:
                continue
            code, indicator = part.code("REF_AREA"), part.code("INDICATOR")
            section = section_of.get(indicator)
            if section is None:
                continue
            have[code][section].add(indicator)
            end = period_bounds(part.periods[-1])[1]
            if end > newest.get((code, section), ""):
                newest[(code, section)] = end
        return {code: dict(found) for code, found in have.items()}, newest

    return registry.caches.get("coverage", (view.tag, registry.vocabulary_tag), build)


def coverage(registry: Registry, *, lang: str = "en", kind: str | None = None,
             today: date | None = None) -> CoverageOut:
    """Completeness and freshness per area and section, from the index (no observation is read)."""
    today = today or datetime.now(UTC).date()
    section_of = {i.id: i.section for i in registry.catalogue.indicators.values()}
    order = sections(registry)
    per_section = {s: sum(1 for v in section_of.values() if v == s) for s in order}
    have, newest = covered(registry)
    listed = area_service.list_areas(registry, kind=kind, lang=lang)  # a bad kind is BadRequest naming the kinds
    areas = [a for a in listed if kind is not None or a.kind == "country" or a.code in have]
    rows: list[AreaCoverage] = []
    total = sum(per_section.values())
    for area in areas:
        cells: dict[str, SectionCoverage] = {}
        for section in order:
            indicators = have.get(area.code, {}).get(section, set())
            newest_end = newest.get((area.code, section))
            cells[section] = SectionCoverage(
                completeness=round(len(indicators) / per_section[section], 3) if per_section[section] else 0.0,
                freshness_years=_age_years(newest_end, today) if newest_end else None,
                indicators_with_data=len(indicators))
        with_data = sum(c.indicators_with_data for c in cells.values())
        rows.append(AreaCoverage(area.code, area.name, area.kind, round(with_data / total, 3) if total else 0.0,
                                 cells))
    labels = scheme_labels(registry, "section")
    return CoverageOut(sections={s: pick(labels.get(s, {}), lang) or s for s in order},
                       indicators_per_section=per_section, areas=rows)
