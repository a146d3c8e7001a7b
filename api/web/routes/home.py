"""The liveness check and the API reference (served from this host); the home page is in ``api.web.pages``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import __version__
from api.web.templating import TEMPLATES

router = APIRouter()


@router.get("/health", summary="Liveness")
def health() -> dict[str, object]:
    """That the service is up, and its version: nothing about what is stored (DESIGN §4)."""
    return {"status": "ok", "version": __version__}

@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """The API reference (Swagger UI shipped with the package: no other host)."""
    return TEMPLATES.TemplateResponse(request, "docs.html", {})
