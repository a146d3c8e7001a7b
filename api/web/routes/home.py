"""The liveness check and the API reference (served from this host); the home page is in ``api.web.pages``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import __version__
from api.web.security_headers import CONTENT_SECURITY_POLICY
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


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """The API reference as ReDoc (shipped with the package: no other host). ReDoc styles itself through
    styled-components, which needs ``<style>`` elements: this page alone allows inline style (never inline
    script, never another host); its search runs in a worker it makes from a ``blob:`` of its own script.
    The logo ReDoc's bundle names (its vendor's host) is refused by the policy: nothing leaves the machine."""
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
        "; worker-src 'self' blob:")
    return TEMPLATES.TemplateResponse(request, "redoc.html", {}, headers={"Content-Security-Policy": policy})
