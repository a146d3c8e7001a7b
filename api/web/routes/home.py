"""The home page, the liveness check and the API reference (served from this host)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import __version__
from api.services.read import datasets as catalogue_dcat
from api.web.dependencies import RegistryDep
from api.web.templating import TEMPLATES

router = APIRouter()


@router.get("/health", summary="Liveness")
def health() -> dict[str, object]:
    """That the service is up, and its version: nothing about what is stored (DESIGN §4)."""
    return {"status": "ok", "version": __version__}

@router.get("/", response_class=HTMLResponse, summary="What is published")
def index(registry: RegistryDep, request: Request) -> HTMLResponse:
    """The public datasets (the public view: current, released versions; public observations only)."""
    current = catalogue_dcat.published(registry)
    return TEMPLATES.TemplateResponse(
        request, "index.html",
        {"datasets": current, "observations": sum(d.observations for d in current),
         "dataflow_values": catalogue_dcat.dataflow_values(registry),
         "indicators": len(registry.catalogue.indicators)},
    )

@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """The API reference (Swagger UI shipped with the package: no other host)."""
    return TEMPLATES.TemplateResponse(request, "docs.html", {})
