"""Conditional requests for every cached answer: validators, 304, Vary, Cache-Control, and answers kept ready.

- :func:`entity_tag` names what an answer was built from (the view or vocabulary tag, the request, the chosen
  format), so validators are computed before anything is read (RFC 9110 §8.8.3);
- :func:`validators` are the headers that go with the answer and with its 304 (RFC 9110 §15.4.5: ETag, Vary,
  Cache-Control, Last-Modified §8.8.2);
- :func:`answer` evaluates ``If-None-Match`` (weak comparison, §13.1.2), or without it ``If-Modified-Since``
  (§13.1.3; precedence §13.2.2), and answers 304, or the kept copy, or builds the answer;
- :class:`ResponseCache` keeps the newest answers by ETag; the app holds them (:func:`kept`), never a module.

An answer for an agency's token is never kept: :func:`private` marks it for no cache at all (RFC 9111
§5.2.2.3, §5.2.2.7), and the anonymous answers of the same routes say ``Vary: Authorization``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from cachetools import LRUCache
from fastapi import Request, Response

CACHE_CONTROL = "public, max-age=60, must-revalidate"
PRIVATE_CACHE_CONTROL = "private, no-store"
# The app's kept answers (name -> how many): the read API, profiles and comparisons, SDMX structures.
KEPT_SIZES: Mapping[str, int] = {"read": 1024, "analysis": 1024, "sdmx-structures": 256, "pages": 512}
_NOT_IN_304 = frozenset({"content-type", "content-length"})


def vary(*names: str) -> str:
    """A ``Vary`` value naming ``names`` and ``Authorization`` (the answer depends on the token sent)."""
    return ", ".join(dict.fromkeys([*names, "Authorization"]))


def private(response: Response) -> Response:
    """``response`` marked as one authenticated caller's: stored by no cache, shared or private."""
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    present = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    response.headers["Vary"] = vary(*present)
    return response


def entity_tag(*parts: str) -> str:
    """A weak entity tag naming ``parts`` (what the answer is built from), 128 bits of their SHA-256."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return f'W/"{digest.hexdigest()[:32]}"'


def request_parts(request: Request) -> tuple[str, str]:
    """The path and the sorted query of ``request``: what every ETag of an answer to it names."""
    return request.url.path, str(sorted(request.query_params.multi_items()))


def validators(etag: str, *, vary: str | None = None, last_modified: datetime | None = None,
               cache_control: str = CACHE_CONTROL) -> dict[str, str]:
    """The validator and caching headers of an answer (``vary`` None: the built answer says it)."""
    headers = {"etag": etag, "cache-control": cache_control}
    if vary is not None:
        headers["vary"] = vary
    if last_modified is not None:
        headers["last-modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    return headers


def is_current(request: Request, headers: Mapping[str, str]) -> bool:
    """Whether the client's copy is current: If-None-Match names our ETag (or ``*``), or, only when there is
    no If-None-Match, If-Modified-Since is not before our Last-Modified (RFC 9110 §13.2.2)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",") if t.strip()}
        return "*" in tags or headers["etag"].removeprefix("W/") in tags
    since, modified = request.headers.get("if-modified-since"), headers.get("last-modified")
    if not since or not modified:
        return False
    try:
        client, ours = parsedate_to_datetime(since), parsedate_to_datetime(modified)
    except (TypeError, ValueError):
        return False
    return client.tzinfo is not None and ours <= client


@dataclass(frozen=True)
class Kept:
    """One kept answer: its body and headers (lower-case names, without Content-Length)."""

    body: bytes
    headers: dict[str, str]


class ResponseCache:
    """The newest ``size`` answers by ETag (a least-recently-used cache of cachetools)."""

    def __init__(self, size: int) -> None:
        self._entries: LRUCache[str, Kept] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, etag: str) -> Kept | None:
        with self._lock:
            return self._entries.get(etag)

    def keep(self, etag: str, response: Response) -> Kept | None:
        """Keep a 200 answer with a body (a streamed or failed one is not kept: None)."""
        if response.status_code != 200 or not isinstance(response.body, bytes):
            return None
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-length"}
        entry = Kept(bytes(response.body), headers)
        with self._lock:
            self._entries[etag] = entry
        return entry


def kept(request: Request, name: str) -> ResponseCache:
    """The app's kept answers ``name`` (one of :data:`KEPT_SIZES`, made by ``create_app``)."""
    caches: dict[str, ResponseCache] = request.app.state.kept_answers
    return caches[name]


def kept_answers() -> dict[str, ResponseCache]:
    """A new set of kept answers, for one app."""
    return {name: ResponseCache(size) for name, size in KEPT_SIZES.items()}


def kept_answer(request: Request, name: str, version: str, build: Callable[[], Response]) -> Response:
    """An answer that changes only with ``version`` (a vocabulary or view tag), kept in the app's cache ``name``:
    a repeated request costs a lookup, a revalidation a 304. Its ETag names the version, the request, and the
    Accept and Accept-Language headers; its Vary is the built answer's."""
    path, query = request_parts(request)
    etag = entity_tag(version, path, query, request.headers.get("accept", ""),
                      request.headers.get("accept-language", ""))
    return answer(request, validators(etag), build, cache=kept(request, name))


def _not_modified(headers: Mapping[str, str]) -> Response:
    return Response(status_code=304, headers={k: v for k, v in headers.items() if k not in _NOT_IN_304})


def answer(request: Request, headers: dict[str, str], build: Callable[[], Response], *,
           cache: ResponseCache | None = None) -> Response:
    """The answer to ``request`` with the validators ``headers``: 304 when the client's copy is current, else
    the copy kept in ``cache``, else ``build()`` (kept when ``cache`` is given).

    When the validators do not say what the answer varies by (no ``vary``: only its build knows), the answer is
    built and kept first, so that a 304 carries the Vary of the 200 it stands for (RFC 9110 §15.4.5)."""
    etag = headers["etag"]
    entry = cache.get(etag) if cache is not None else None
    if entry is None and cache is not None and "vary" not in headers:
        response = build()
        entry = cache.keep(etag, response)
        if entry is None:
            return response
    merged = {**(entry.headers if entry is not None else {}), **headers}
    if is_current(request, merged):
        return _not_modified(merged)
    if entry is not None:
        return Response(entry.body, headers=merged)
    response = build()
    response.headers.update(headers)
    if cache is not None:
        cache.keep(etag, response)
    return response
