"""The app factory: ``create_app(settings, registry)`` builds the app; no import-time state."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import fastapi_offline
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import __version__
from api.config import Settings
from api.errors import (
    BadRequest,
    Busy,
    HttpError,
    LengthRequired,
    RegistryError,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from api.services.read import datasets as catalogue_dcat
from api.services.registry import Registry
from api.services.sparql.endpoint import SparqlEndpoint
from api.web import openapi, sdmx_http
from api.web.cached import kept_answers
from api.web.routes import agencies as agency_routes
from api.web.routes import linked_data as linked_data_routes
from api.web.routes import sdmx as sdmx_routes
from api.web.routes import sparql as sparql_routes
from api.web.routes import submissions as submission_routes
from api.web.routes.analysis import create_analysis_router
from api.web.routes.read import create_api_router
from api.web.security_headers import SecurityHeaders
from api.web.templating import TEMPLATES

log = logging.getLogger("mpr")


def create_app(settings: Settings, registry: Registry) -> FastAPI:
    """The registry's web application over one opened registry."""
    app = FastAPI(title="Migration Profile Registry", version=__version__, docs_url=None, redoc_url=None)
    app.state.registry = registry
    app.state.sparql = SparqlEndpoint(registry)
    app.state.upload_slot = anyio.CapacityLimiter(1)  # one upload validated at a time (the one worker)
    app.state.settings = settings
    app.state.kept_answers = kept_answers()  # answers kept by ETag (api.web.cached.kept reaches them)
    # Order matters: CORS answers preflights and adds its headers, gzip compresses what streams out, and every
    # answer (errors included) carries the security headers.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS", "POST"],
                       allow_headers=["Accept", "Accept-Language", "If-None-Match", "If-Modified-Since",
                                      "Content-Type", "Authorization"],
                       expose_headers=["ETag", "Last-Modified", "Content-Type", "Vary", "Link", "X-Total-Count"])
    app.add_middleware(SecurityHeaders)
    # Swagger UI and ReDoc as shipped by the fastapi-offline package (only its files: its pages inline script).
    app.mount("/static/vendor", StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"),
              name="vendor")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, exc: RegistryError) -> Response:
        """The one handler: the client's mistakes are 4xx with a sentence; our failures are logged 5xx.

        Under /sdmx the sentence travels in an SDMX error message in the negotiated format (REST v1.5 §4.7).
        """
        if exc.status >= 500:
            log.error("%s on %s: %s", exc.code, request.url.path, exc.message)
        if request.url.path.startswith("/sdmx/"):
            return sdmx_http.error_response(request, exc)
        body = {"error": {"status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details}}
        headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, Unauthorized) else {}
        if isinstance(exc, Busy):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, TooLarge):  # the rest of the body is not read: close (RFC 9110 §15.5.14)
            headers["Connection"] = "close"
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A parameter of the wrong type or missing: 400 in the one error shape, naming each parameter."""
        problems = [{"parameter": ".".join(str(p) for p in error.get("loc", ())[1:]), "problem": error.get("msg", "")}
                    for error in exc.errors()]
        told = "; ".join(f"{p['parameter']}: {p['problem']}" for p in problems)
        return await registry_error(request, BadRequest(f"the request's parameters are not valid: {told}.",
                                                        details={"problems": problems}))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown paths and methods in the same shape (404: see /docs for the routes); 411 and 415 by name."""
        message = (f"there is nothing at {request.url.path}: /docs lists the routes." if exc.status_code == 404
                   else str(exc.detail))
        named = {411: LengthRequired, 415: UnsupportedMediaType}.get(exc.status_code)
        return await registry_error(request, named(message) if named else HttpError(message, exc.status_code))

    app.include_router(sdmx_routes.router)
    app.include_router(create_api_router(registry))
    app.include_router(create_analysis_router(registry))
    app.include_router(linked_data_routes.router)
    app.include_router(agency_routes.router)
    app.include_router(sparql_routes.router)
    app.include_router(submission_routes.router)
    app.router.on_shutdown.append(app.state.sparql.close)
    app.router.on_shutdown.append(registry.upload_worker.close)
    openapi.install(app)

    @app.get("/health", summary="Liveness")
    def health() -> dict[str, object]:
        """That the service is up, and its version: nothing about what is stored (DESIGN §4)."""
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, summary="What is published")
    def index(request: Request) -> HTMLResponse:
        """The public datasets (the public view: current, released versions; public observations only)."""
        current = catalogue_dcat.published(registry)
        return TEMPLATES.TemplateResponse(
            request, "index.html",
            {"datasets": current, "observations": sum(d.observations for d in current),
             "indicators": len(registry.catalogue.indicators)},
        )

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """The API reference (Swagger UI shipped with the package: no other host)."""
        return TEMPLATES.TemplateResponse(request, "docs.html", {})

    return app
