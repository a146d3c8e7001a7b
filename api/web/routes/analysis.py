"""``/api``: a country's Migration Profile, comparisons across countries and coverage (what to check first)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.formats.negotiation import choose
from api.formats.tabular.json_writer import JSON, json_response
from api.formats.tabular.xlsx_writer import XLSX_TABLES, comparison_workbook, profile_workbook
from api.model.read_api import ComparisonOut, CoverageOut, ProfileOut
from api.services.read import compare, profile
from api.services.registry import Registry
from api.web.cached import kept_answer
from api.web.dependencies import RegistryDep
from api.web.language import language
from api.web.routes import examples as ex

Lang = Annotated[str | None, Query(description="Language of labels: en, fr or es (else Accept-Language).",
                                   examples=["es"])]
Format = Annotated[str | None, Query(description="json or xlsx (an Excel workbook: figures, then sources; beats "
                                                 "the Accept header).", examples=["xlsx"])]
OFFERS = (JSON, XLSX_TABLES)


router = APIRouter(prefix="/api", tags=["Profiles and comparisons"])


def _with_workbook(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    responses[200]["content"][XLSX_TABLES.media_type] = {}
    return responses


def _workbook(content: bytes, name: str) -> Response:
    return Response(content, media_type=XLSX_TABLES.media_type, headers={
        "Vary": "Accept, Accept-Language", "Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def version(registry: Registry) -> str:
    """What these answers depend on: the public view, and today's date (freshness is an age)."""
    return f"{registry.public_view().tag}/{datetime.now(UTC).date().isoformat()}"


@router.get("/areas/{code}/profile", response_model=ProfileOut, summary="A country's Migration Profile",
            responses=_with_workbook(ex.response(ex.PROFILE)))
def area_profile(registry: RegistryDep, request: Request, code: str, lang: Lang = None,
                 format: Format = None) -> Response:
    """Every section with each indicator's latest figure, the last few, unit and source; the indicators
    without data as gaps; per section a completeness score (share of its indicators with data) and a
    freshness score (age of its newest figure in years). ``format=xlsx``: the same as a workbook."""
    offer = choose(request.headers.get("accept"), OFFERS, format)

    def answer() -> Response:
        found = profile.profile(registry, code, lang=language(request))
        if offer is XLSX_TABLES:
            return _workbook(profile_workbook(found), f"{found.area.code}-profile")
        return json_response(found, headers={"Vary": "Accept, Accept-Language"})

    return kept_answer(request, "analysis", version(registry), answer)


@router.get("/compare", response_model=ComparisonOut, summary="Compare areas on one indicator",
            responses=_with_workbook(ex.response(ex.COMPARISON)))
def compare_areas(
    registry: RegistryDep,
    request: Request,
    indicator: Annotated[str, Query(description="The indicator id.", examples=["STK_IMM"])],
    areas: Annotated[list[str], Query(description="Areas by any code, repeated or comma-separated; all "
                                                  "areas with data when neither areas nor region is given.",
                                      examples=["DEU,FRA,ITA"])] = [],  # noqa: B006 (FastAPI copies defaults)
    region: Annotated[str | None, Query(description="A region or grouping, expanded to its countries.",
                                        examples=["150"])] = None,
    group: Annotated[str | None, Query(description="An area group (EU27, WB_HIC, SDG_947, UNDESA_LDC): its "
                                       "members at the end of the period (today for latest).",
                                       examples=["EU27"])] = None,
    period: Annotated[str, Query(description="latest (each area's newest figure) or a year.",
                                 examples=["latest", "2020"])] = "latest",
    max_gap: Annotated[int, Query(description="Flag reference periods more than this many years apart.")
                       ] = compare.DEFAULT_MAX_GAP_YEARS,
    lang: Lang = None,
    format: Format = None,
) -> Response:
    """The values side by side in one unit multiplier, ranked, with comparability flags: different
    statistical definitions (from the datasets' metadata), distant reference periods, estimated or
    imputed figures, different sources, different units."""
    named = [a.strip() for text in areas for a in text.split(",") if a.strip()]
    offer = choose(request.headers.get("accept"), OFFERS, format)

    def answer() -> Response:
        found = compare.compare(registry, indicator, areas=named, region=region, period=period, max_gap=max_gap,
                                lang=language(request), group=group)
        if offer is XLSX_TABLES:
            return _workbook(comparison_workbook(found), f"{found.indicator}-comparison")
        return json_response(found, headers={"Vary": "Accept, Accept-Language"})

    return kept_answer(request, "analysis", version(registry), answer)


@router.get("/coverage", response_model=CoverageOut, summary="Completeness and freshness everywhere",
            responses=ex.response(ex.COVERAGE))
def coverage(
    registry: RegistryDep,
    request: Request,
    kind: Annotated[str | None, Query(description="country, region or special (default: countries and any "
                                                  "area with data).", examples=["country"])] = None,
    lang: Lang = None,
) -> Response:
    """For every area and section: completeness (share of the section's indicators with data) and
    freshness (age of the newest figure in years)."""
    return kept_answer(request, "analysis", version(registry, ), lambda: json_response(
        profile.coverage(registry, lang=language(request), kind=kind), headers={"Vary": "Accept-Language"}))
