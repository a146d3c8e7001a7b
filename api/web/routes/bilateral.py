"""``/api/areas/{code}/origins``, ``/abroad`` and ``/crisis``: bilateral figures and the crisis view (issue 18).

Each route calls one service of the read capability; JSON by default, CSV for the ranked tables by Accept or
``format=csv``. The SDMX equivalent of each table is in its ``sdmx`` field (COUNTERPART_AREA keys).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.formats.negotiation import choose
from api.formats.tabular.bilateral_csv import write_bilateral_csv
from api.formats.tabular.csv_writer import CSV
from api.formats.tabular.json_writer import JSON, json_response
from api.model.bilateral import BilateralOut, CrisisOut
from api.services.read import bilateral, crisis
from api.web.cached import kept_answer, vary
from api.web.dependencies import RegistryDep
from api.web.language import language
from api.web.routes.analysis import Lang, version

router = APIRouter(prefix="/api", tags=["Bilateral figures and the crisis view"])

Period = Annotated[str | None, Query(description="latest (the newest year with figures by counterpart) or a "
                                                 "year.", examples=["latest", "2015"])]
Format = Annotated[str | None, Query(description="json or csv (beats the Accept header).")]


def _answer(request: Request, table: BilateralOut, offer: object, name: str) -> Response:
    if offer is CSV:
        return Response(write_bilateral_csv(table), media_type=CSV.content_type, headers={
            "Vary": vary("Accept", "Accept-Language"),
            "Content-Disposition": f'attachment; filename="{table.area}-{name}.csv"'})
    return json_response(table, headers={"Vary": vary("Accept", "Accept-Language")})


@router.get("/areas/{code}/origins", response_model=BilateralOut, summary="Migrants present by country of origin",
            responses={200: {"content": {JSON.media_type: {}, CSV.media_type: {}}}})
def area_origins(
    registry: RegistryDep, request: Request, code: str,
    indicator: Annotated[str, Query(description="An indicator broken down by COUNTERPART_AREA (the origin).",
                                    examples=["STK_IMM", "FDP_REF_A"])] = bilateral.ORIGINS_DEFAULT,
    period: Period = None, format: Format = None, lang: Lang = None,
) -> Response:
    """The figures of one year by country of origin, largest first, with females and males where a source
    gives them, each row's dataset, the reported total and its share, and the sources used. The same
    figures through SDMX: ``/sdmx/v1/data/MIGRATION_PROFILE/A.{code}.{indicator}....``."""
    offer = choose(request.headers.get("accept"), (JSON, CSV), format)
    return kept_answer(request, "analysis", version(registry), lambda: _answer(request, bilateral.origins(
        registry, code, indicator=indicator, period=period, lang=language(request)), offer, "origins"))


@router.get("/areas/{code}/abroad", response_model=BilateralOut, summary="Nationals abroad by destination",
            responses={200: {"content": {JSON.media_type: {}, CSV.media_type: {}}}})
def area_abroad(registry: RegistryDep, request: Request, code: str, period: Period = None, format: Format = None,
                lang: Lang = None) -> Response:
    """The country's nationals (migrants born in or citizens of it) living abroad, by country of destination,
    largest first: the destinations' counts of migrants from it, and DIA_STK by destination. Through SDMX:
    ``/sdmx/v1/data/MIGRATION_PROFILE/A..STK_IMM.{code}...`` (COUNTERPART_AREA = the country)."""
    offer = choose(request.headers.get("accept"), (JSON, CSV), format)
    return kept_answer(request, "analysis", version(registry), lambda: _answer(request, bilateral.abroad(
        registry, code, period=period, lang=language(request)), offer, "abroad"))


@router.get("/areas/{code}/crisis", response_model=CrisisOut, summary="Migrants in a country in crisis")
def area_crisis(registry: RegistryDep, request: Request, code: str, lang: Lang = None) -> Response:
    """In one answer: migrants present by origin (latest stock, sex split), refugees and asylum-seekers by
    origin, internal displacement, remittances sent to each origin with their share of its inflows, and
    recent dead and missing migrants in and around the country; every figure with period and dataset, the
    gaps named and a note when figures are years old. Each origin links to its ``abroad`` view."""
    return kept_answer(request, "analysis", version(registry), lambda: json_response(
        crisis.crisis(registry, code, lang=language(request)), headers={"Vary": "Accept-Language"}))
