"""HTTP around SDMX answers: validators and 304 (RFC 9110 §8.8, §13), streaming, errors in the negotiated format.

An ETag names (what the public view holds, the request, the chosen format), so it is computed before any
data is read and a revalidation costs one small registry query.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from api.errors import RegistryError
from api.formats.sdmx.error import render_error
from api.formats.sdmx.negotiation import FORMATS, OFFERS, Negotiated, negotiate
from api.model.view import PublicView

ERROR_MEDIA_TYPES = {
    "ml21": "application/vnd.sdmx.structure+xml;version=2.1",
    "ml30": "application/vnd.sdmx.structure+xml;version=3.0.0",
    "json10": "application/vnd.sdmx.data+json;version=1.0.0",
    "json20": "application/vnd.sdmx.structure+json;version=2.0.0",
    "csv": "text/plain; charset=utf-8",
}
CACHE_CONTROL = "public, max-age=60, must-revalidate"


def api_and_kind(path: str) -> tuple[str, str]:
    """("v1"|"v2", "data"|"structure") for an /sdmx/... path."""
    parts = [p for p in path.split("/") if p]
    api = parts[1] if len(parts) > 1 and parts[1] in ("v1", "v2") else "v1"
    resource = parts[2] if len(parts) > 2 else ""
    return api, "data" if resource == "data" else "structure"


def validators(request: Request, view: PublicView, negotiated: Negotiated) -> dict[str, str]:
    """ETag, Last-Modified, Vary and Cache-Control for an answer about ``view``."""
    digest = hashlib.sha256()
    for part in (view.tag, request.url.path, str(sorted(request.query_params.multi_items())),
                 negotiated.format.id, str(sorted(negotiated.options.items())),
                 request.headers.get("accept-language", "")):
        digest.update(part.encode())
        digest.update(b"\0")
    headers = {
        "ETag": f'W/"{digest.hexdigest()[:32]}"',
        "Vary": "Accept, Accept-Encoding, Accept-Language",
        "Cache-Control": CACHE_CONTROL,
    }
    modified = view.last_modified
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    return headers


def not_modified(request: Request, headers: dict[str, str]) -> Response | None:
    """A 304 when the client's copy is current (If-None-Match first, then If-Modified-Since)."""
    etag = headers["ETag"]
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if "*" in tags or etag.removeprefix("W/") in tags:
            return Response(status_code=304, headers=headers)
        return None
    since = request.headers.get("if-modified-since")
    modified = headers.get("Last-Modified")
    if since and modified:
        try:
            client = parsedate_to_datetime(since)
            ours = parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return None
        if client.tzinfo is not None and ours <= client:
            return Response(status_code=304, headers=headers)
    return None


def body_response(body: bytes, negotiated: Negotiated, headers: dict[str, str]) -> Response:
    return Response(body, media_type=negotiated.content_type, headers=headers)


def streaming_response(chunks: Iterator[bytes], negotiated: Negotiated, headers: dict[str, str],
                       *, whole_below: int = 256 * 1024) -> Response:
    """A message up to ``whole_below`` bytes goes out whole (with Content-Length, one write); a larger one
    streams, its first part already written. An error while writing that first part is still a clean error."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size >= whole_below:
            return StreamingResponse(itertools.chain((b"".join(head),), chunks), media_type=negotiated.content_type,
                                     headers=headers)
    return Response(b"".join(head), media_type=negotiated.content_type, headers=headers)


def error_response(request: Request, exc: RegistryError) -> Response:
    """The SDMX error message (REST v1.5 §4.7) in the format the client negotiated, or the root's default."""
    api, kind = api_and_kind(request.url.path)
    try:
        fmt = negotiate(api, kind, request.headers.get("accept"), dict(request.query_params)).format
    except RegistryError:
        fmt = FORMATS[OFFERS[(api, kind)][0]]
    prepared = datetime.now(UTC).replace(microsecond=0)
    body = render_error(fmt.error_kind, exc.sdmx_code, exc.message, prepared)
    media_type = fmt.media_type if fmt.error_kind != "csv" else ERROR_MEDIA_TYPES["csv"]
    if fmt.error_kind in ("ml21", "ml30") and kind == "structure":
        media_type = fmt.media_type
    headers = {"Vary": "Accept, Accept-Encoding, Accept-Language", "Cache-Control": "no-store"}
    return Response(body, status_code=exc.status, media_type=media_type, headers=headers)
