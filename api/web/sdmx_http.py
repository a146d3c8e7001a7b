"""HTTP around SDMX answers: their validators (RFC 9110 §8.8), streaming, errors in the negotiated format.

An ETag names (what the public view holds, the request, the chosen format), so it is computed before any
data is read and a revalidation costs one small registry query; :func:`api.web.cached.answer` does the rest.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from api.errors import RegistryError
from api.formats.sdmx.error import error_message
from api.formats.sdmx.negotiation import OFFERS, Negotiated, negotiate
from api.model.view import PublicView
from api.web.cached import CACHE_CONTROL, entity_tag, request_parts, validators

VARY = "Accept, Accept-Encoding, Accept-Language"


def api_and_kind(path: str) -> tuple[str, str]:
    """("v1"|"v2", "data"|"structure") for an /sdmx/... path."""
    parts = [p for p in path.split("/") if p]
    api = parts[1] if len(parts) > 1 and parts[1] in ("v1", "v2") else "v1"
    resource = parts[2] if len(parts) > 2 else ""
    return api, "data" if resource == "data" else "structure"


def sdmx_validators(request: Request, view: PublicView, negotiated: Negotiated, *, vary: str = VARY,
                    cache_control: str = CACHE_CONTROL) -> dict[str, str]:
    """ETag, Last-Modified, Vary and Cache-Control for an answer about ``view`` (RFC 9110 §8.8)."""
    etag = entity_tag(view.tag, *request_parts(request), negotiated.format.id, str(sorted(negotiated.options.items())),
                      request.headers.get("accept-language", ""))
    return validators(etag, vary=vary, last_modified=view.last_modified, cache_control=cache_control)


def body_response(body: bytes, negotiated: Negotiated) -> Response:
    return Response(body, media_type=negotiated.content_type)


def streaming_response(chunks: Iterator[bytes], negotiated: Negotiated, *, whole_below: int = 256 * 1024) -> Response:
    """A message up to ``whole_below`` bytes goes out whole (with Content-Length, one write); a larger one
    streams, its first part already written. An error while writing that first part is still a clean error."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size >= whole_below:
            return StreamingResponse(itertools.chain((b"".join(head),), chunks), media_type=negotiated.content_type)
    return Response(b"".join(head), media_type=negotiated.content_type)


def error_response(request: Request, exc: RegistryError) -> Response:
    """The SDMX error message (REST v1.5 §4.7) in the format the client negotiated, or the root's default."""
    api, kind = api_and_kind(request.url.path)
    try:
        fmt = negotiate(api, kind, request.headers.get("accept"), dict(request.query_params)).format
    except RegistryError:
        fmt = OFFERS[(api, kind)][0]
    prepared = datetime.now(UTC).replace(microsecond=0)
    body, media_type = error_message(fmt, exc.sdmx_code, exc.message, prepared)
    headers = {"Vary": VARY, "Cache-Control": "no-store"}
    return Response(body, status_code=exc.status, media_type=media_type, headers=headers)
