"""The app factory: ``create_app(settings, registry)`` builds the app; no import-time state."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from api import __version__
from api.config import Settings
from api.errors import RegistryError
from api.services import datasets
from api.services.registry import Registry

log = logging.getLogger("mpr")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def create_app(settings: Settings, registry: Registry) -> FastAPI:
    """The registry's web application over one opened registry."""
    app = FastAPI(title="Migration Profile Registry", version=__version__, docs_url="/docs")
    app.state.registry = registry
    app.state.settings = settings

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        """The one handler: the client's mistakes are 4xx with a sentence; our failures are logged 5xx."""
        if exc.status >= 500:
            log.error("%s on %s: %s", exc.code, request.url.path, exc.message)
        body = {"error": {"status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details}}
        return JSONResponse(body, status_code=exc.status)

    @app.get("/health", summary="Liveness and what is loaded")
    def health() -> dict[str, object]:
        current = datasets.current_datasets(registry)
        return {
            "status": "ok",
            "version": __version__,
            "datasets": len(current),
            "observations": sum(s.observations for s in current),
        }

    @app.get("/", response_class=HTMLResponse, summary="What is loaded")
    def index(request: Request) -> HTMLResponse:
        current = datasets.current_datasets(registry)
        return TEMPLATES.TemplateResponse(
            request, "index.html",
            {"datasets": current, "observations": sum(s.observations for s in current),
             "indicators": len(registry.catalogue.indicators)},
        )

    return app
