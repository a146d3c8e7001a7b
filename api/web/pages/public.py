"""The pages an analyst reads: home, country profiles, comparisons, the indicator catalogue and the datasets.

Each page calls the read service its API route calls and renders the result; ``Accept: application/json`` gives
that route's JSON. The core table of every page is HTML (no script needed); charts are Vega-Lite specs built on
the server (``api.formats.html.charts``), in the page as a JSON data block and at ``….vl.json`` beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.formats.html import charts
from api.formats.tabular.json_writer import json_response
from api.model.read_api import ComparisonOut, ProfileIndicator, Provenance
from api.services.read import areas as area_service
from api.services.read import compare as compare_service
from api.services.read import datasets as dataset_service
from api.services.read import groups as area_groups
from api.services.read import indicators as indicator_service
from api.services.read import profile as profile_service
from api.services.registry import Registry
from api.web.cached import kept_answer
from api.web.dependencies import RegistryDep
from api.web.pages.render import page_language, page_or_data, render, wants_json
from api.web.routes.analysis import version

router = APIRouter(include_in_schema=False)
MAX_SEARCH_RESULTS = 20


def kept(registry: RegistryDep, request: Request, build: Callable[[], Response]) -> Response:
    """A public page (public data only) kept by the app while the public view and the day stay the same, like
    the analysis API's answers: a repeated request costs a lookup, a revalidation a 304."""
    return kept_answer(request, "pages", version(registry), build)


def source_line(provenance: Provenance) -> str:
    """Who published the figure: the dataset's title and agency (and its primary source where named)."""
    return f"{provenance.dataset_title} ({provenance.agency})"


def series_points(item: ProfileIndicator) -> list[charts.Point]:
    return [charts.Point(p.period, p.value) for p in item.series if p.value is not None]


def series_spec(item: ProfileIndicator, area_name: str, lang: str) -> dict[str, Any]:
    return charts.time_series(f"{item.label} — {area_name}", item.unit, source_line(item.provenance),
                              series_points(item), lang)


def comparison_spec(found: ComparisonOut, lang: str) -> dict[str, Any]:
    ranked = [r for r in found.rows if r.value is not None]
    unit = ranked[0].unit if ranked else None
    sources = sorted({source_line(r.provenance) for r in ranked})
    return charts.ranking(found.indicator_label, unit, "; ".join(sources[:3]) + (" …" if len(sources) > 3 else ""),
                          [charts.Point(r.area_label, r.value) for r in ranked if r.value is not None], lang)


@router.get("/")
def home(registry: RegistryDep, request: Request, q: str | None = None) -> Response:
    lang = page_language(request)

    def build() -> Response:
        current = dataset_service.published(registry)
        with_data = [a for a in profile_service.coverage(registry, lang=lang).areas if a.completeness > 0]
        words = (q or "").strip()
        found_areas = [a for a in area_service.list_areas(registry, lang=lang)
                       if words.casefold() in a.name.casefold() or words.upper() in
                       (a.code, a.iso3166_alpha2, a.m49)][:MAX_SEARCH_RESULTS] if words else []
        found_indicators = indicator_service.list_indicators(registry, q=words, lang=lang)[:MAX_SEARCH_RESULTS] \
            if words else []
        return render(request, "home.html", {
            "datasets": current, "observations": sum(d.observations for d in current),
            "dataflow_values": dataset_service.dataflow_values(registry),
            "indicators": len(registry.catalogue.indicators), "q": words,
            "areas_with_data": [{"code": a.area, "name": a.area_label} for a in with_data],
            "found_areas": found_areas, "found_indicators": found_indicators})

    return kept(registry, request, build)


@router.get("/areas/{code}")
def area_profile(registry: RegistryDep, request: Request, code: str) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        specs = {i.id: series_spec(i, found.area.name, lang) for s in found.sections for i in s.indicators}
        return render(request, "profile.html", {"p": found, "specs": specs, "source_line": source_line})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: profile_service.profile(registry, code, lang=lang), page))


@router.get("/areas/{code}/charts/{indicator_id}.vl.json")
def area_chart(registry: RegistryDep, request: Request, code: str, indicator_id: str) -> Response:
    """The Vega-Lite spec of one indicator's chart on the profile page."""
    lang = page_language(request)
    found = profile_service.profile(registry, code, lang=lang)
    for section in found.sections:
        for item in section.indicators:
            if item.id == indicator_id:
                return json_response(series_spec(item, found.area.name, lang), headers={"Vary": "Accept-Language"})
    return json_response(charts.time_series(indicator_id, None, "", [], lang), status_code=404)


def _compare(registry: RegistryDep, request: Request, indicator: str | None, areas: str | None,
             region: str | None, period: str) -> ComparisonOut | None:
    if not indicator:
        return None
    named = [a.strip() for a in (areas or "").split(",") if a.strip()]
    return compare_service.compare(registry, indicator, areas=named, region=region or None, period=period or "latest",
                                   lang=page_language(request))


Text = Annotated[str | None, Query()]


@router.get("/compare")
def comparison(registry: RegistryDep, request: Request, indicator: Text = None, areas: Text = None,
               region: Text = None, period: str = "latest") -> Response:
    lang = page_language(request)

    def build() -> Response:
        found = _compare(registry, request, indicator, areas, region, period)
        if found is not None and wants_json(request):
            return json_response(found, headers={"Vary": "Accept, Accept-Language"})
        regions = area_service.list_areas(registry, kind="region", lang=lang)
        return render(request, "compare.html", {
            "c": found, "indicators": indicator_service.list_indicators(registry, lang=lang), "regions": regions,
            "chosen": {"indicator": indicator or "", "areas": areas or "", "region": region or "", "period": period},
            "spec": comparison_spec(found, lang) if found else None, "query": request.url.query,
            "messages": {f.code: f.message for f in found.flags} if found else {}, "source_line": source_line})

    return kept(registry, request, build)


@router.get("/compare.vl.json")
def comparison_chart(registry: RegistryDep, request: Request, indicator: Text = None, areas: Text = None,
                     region: Text = None, period: str = "latest") -> Response:
    found = _compare(registry, request, indicator, areas, region, period)
    if found is None:
        return json_response(charts.ranking("", None, "", [], page_language(request)), status_code=404)
    return json_response(comparison_spec(found, page_language(request)), headers={"Vary": "Accept-Language"})


@router.get("/indicators")
def indicator_catalogue(registry: RegistryDep, request: Request, q: str | None = None) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        labels = indicator_service.scheme_labels(registry, "section")
        grouped = [(s, labels.get(s, {}).get(lang) or labels.get(s, {}).get("en") or s,
                    [i for i in found if i.section == s]) for s in indicator_service.sections(registry)]
        return render(request, "indicators.html", {"grouped": [g for g in grouped if g[2]], "q": q or ""})

    return page_or_data(request, lambda: indicator_service.list_indicators(registry, q=q, lang=lang), page)


SDG_REGION = "SDG_"


def by_region(registry: Registry, codes: list[str], names: dict[str, str]
              ) -> list[tuple[str, str, list[str]]]:
    """The areas with data grouped by SDG region (the UN M49 SDG regions of ontology/codes/groups-undesa.ttl),
    as (region id, region name, the areas by name); areas in none (regions, aggregates) come last, id ""."""
    regions = [g for g in area_groups.groups(registry).values() if g.id.startswith(SDG_REGION)]
    left = set(codes)
    found: list[tuple[str, str, list[str]]] = []
    for group in regions:
        members = left & set(group.areas())
        if members:
            name = names.get(group.id[len(SDG_REGION):]) or group.label.removesuffix(" (SDG region)") or group.id
            found.append((group.id, name, sorted(members, key=lambda c: names.get(c, c))))
            left -= members
    found.sort(key=lambda r: r[1])
    if left:
        found.append(("", "", sorted(left, key=lambda c: names.get(c, c))))
    return found


@router.get("/indicators/{indicator_id}")
def indicator_page(registry: RegistryDep, request: Request, indicator_id: str) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        ranked = compare_service.compare(registry, found.id, areas=[], region=None, lang=lang)
        names = {a.code: a.name for a in area_service.list_areas(registry, lang=lang)}
        return render(request, "indicator.html", {
            "i": found, "c": ranked, "spec": comparison_spec(ranked, lang) if ranked.rows else None,
            "area_names": names, "source_line": source_line,
            "by_region": by_region(registry, found.areas_with_data or [], names)})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: indicator_service.get_indicator(registry, indicator_id, lang=lang), page))


@router.get("/datasets")
def dataset_catalogue(registry: RegistryDep, request: Request) -> Response:
    return kept(registry, request, lambda: page_or_data(request, lambda: dataset_service.list_datasets(registry),
                                                        lambda found: render(request, "datasets.html",
                                                                             {"datasets": found})))


@router.get("/datasets/{dataset_id}")
def dataset_page(registry: RegistryDep, request: Request, dataset_id: str) -> Response:
    def page(found: Any) -> Response:
        versions = dataset_service.dataset_versions(registry, dataset_id)
        return render(request, "dataset.html", {"d": found, "versions": versions})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: dataset_service.get_dataset(registry, dataset_id), page))
