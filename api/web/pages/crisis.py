"""The crisis view and the bilateral tables as pages (DESIGN §7: the crisis view `/areas/{code}/crisis`).

``/areas/{code}/crisis``: who is present in a host country (migrants by origin, refugees and asylum-seekers),
internal displacement, remittances sent to each origin and dead and missing migrants, every figure with its
period and source, the gaps named and a note when figures are years old. ``/areas/{code}/origins`` and
``/areas/{code}/abroad``: one ranked table each. Each page calls the service its API route calls and answers
that route's JSON for ``Accept: application/json``; its tables need no script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.services.read import bilateral, crisis
from api.web.dependencies import RegistryDep
from api.web.pages.public import kept
from api.web.pages.render import page_language, page_or_data, render

router = APIRouter(include_in_schema=False)


@router.get("/areas/{code}/crisis")
def area_crisis(registry: RegistryDep, request: Request, code: str) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        return render(request, "crisis.html", {"c": found})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: crisis.crisis(registry, code, lang=lang), page))


@router.get("/areas/{code}/origins")
def area_origins(registry: RegistryDep, request: Request, code: str,
                 indicator: Annotated[str, Query()] = bilateral.ORIGINS_DEFAULT,
                 period: Annotated[str | None, Query()] = None) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        return render(request, "bilateral.html", {"b": found})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: bilateral.origins(registry, code, indicator=indicator, period=period, lang=lang), page))


@router.get("/areas/{code}/abroad")
def area_abroad(registry: RegistryDep, request: Request, code: str,
                period: Annotated[str | None, Query()] = None) -> Response:
    lang = page_language(request)

    def page(found: Any) -> Response:
        return render(request, "bilateral.html", {"b": found})

    return kept(registry, request, lambda: page_or_data(
        request, lambda: bilateral.abroad(registry, code, period=period, lang=lang), page))
