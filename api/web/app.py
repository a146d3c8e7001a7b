"""The app factory: ``create_app(registry)`` builds the app; no import-time state."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import fastapi_offline
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from api import __version__
from api.config import Settings
from api.services.registry import Registry, open_registry
from api.services.sparql.endpoint import SparqlEndpoint
from api.web import error_handler, openapi
from api.web.cached import kept_answers
from api.web.follow_generation import FollowGeneration
from api.web.pages import router as page_router
from api.web.pages.pending import PendingUploads
from api.web.pages.sessions import PageSessions
from api.web.routes import agencies as agency_routes
from api.web.routes import analysis as analysis_routes
from api.web.routes import bilateral as bilateral_routes
from api.web.routes import home as home_routes
from api.web.routes import linked_data as linked_data_routes
from api.web.routes import read as read_routes
from api.web.routes import sdmx as sdmx_routes
from api.web.routes import sparql as sparql_routes
from api.web.routes import submissions as submission_routes
from api.web.security_headers import SecurityHeaders

log = logging.getLogger("mpr")


def create_app(registry: Registry) -> FastAPI:
    """The registry's web application over one opened registry."""
    app = FastAPI(title="Migration Profile Registry", version=__version__, docs_url=None, redoc_url=None)
    app.state.registry = registry
    app.state.sparql = SparqlEndpoint(registry)
    app.state.upload_slot = anyio.CapacityLimiter(1)  # one upload validated at a time (the one worker)
    app.state.page_sessions = PageSessions()  # agencies signed in to the upload pages (memory only)
    app.state.pending_uploads = PendingUploads()  # checked files waiting for "Publish this file"
    app.state.kept_answers = kept_answers()  # answers kept by ETag (api.web.cached.kept reaches them)
    # Order matters: CORS answers preflights and adds its headers, gzip compresses what streams out, and every
    # answer (errors included) carries the security headers.
    # zlib's own default level (6): a bulk answer streams at about 75 MB/s compressed instead of 30 MB/s at
    # Starlette's level 9, for 7 % more bytes (bench/README.md, "gzip level").
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS", "POST"],
                       allow_headers=["Accept", "Accept-Language", "If-None-Match", "If-Modified-Since",
                                      "Content-Type", "Authorization"],
                       expose_headers=["ETag", "Last-Modified", "Content-Type", "Vary", "Link", "X-Total-Count"])
    app.add_middleware(SecurityHeaders)
    app.add_middleware(FollowGeneration, registry=registry)  # outermost: before anything reads the store
    # Swagger UI and ReDoc as shipped by the fastapi-offline package (only its files: its pages inline script).
    app.mount("/static/vendor", StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"),
              name="vendor")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    error_handler.install(app)
    app.include_router(sdmx_routes.router)
    app.include_router(read_routes.router)
    app.include_router(analysis_routes.router)
    app.include_router(bilateral_routes.router)
    app.include_router(linked_data_routes.router)
    app.include_router(agency_routes.router)
    app.include_router(sparql_routes.router)
    app.include_router(submission_routes.router)
    app.include_router(home_routes.router)
    app.include_router(page_router)
    app.router.on_shutdown.append(app.state.sparql.close)
    app.router.on_shutdown.append(registry.upload_worker.close)
    app.router.on_shutdown.append(app.state.pending_uploads.close)
    openapi.install(app)

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker of ``mpr serve --workers N``: the registry from the MPR_* settings, its store
    opened without maintenance (the command did that once before starting the workers)."""
    registry = open_registry(Settings.from_env(), maintain=False)
    app = create_app(registry)
    app.router.on_startup.append(registry.upload_worker.start)
    app.router.on_shutdown.append(registry.close)
    return app
