"""The one error handler (DESIGN §2): every domain error becomes its HTTP answer in one shape,
``{"error": {"status", "code", "message", "details"}}``, or an SDMX error message under /sdmx (REST v1.5 §4.7);
the client's mistakes are 4xx with a sentence, the registry's own failures are logged 5xx. A browser (a client
that prefers text/html to JSON) gets the same status and sentence as an HTML page in its language."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from api.web import sdmx_http
from api.web.pages import render

log = logging.getLogger("mpr")


def install(app: FastAPI) -> None:
    """Register the handlers of ``app``: domain errors, invalid parameters, unknown paths and methods."""
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
        if render.prefers_html(request):  # a browser: the same answer as a page
            return render.error_page(request, exc.status, exc.code, exc.message, headers)
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
