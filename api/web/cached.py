"""Answers that only change with the vocabulary or the public view, kept ready and revalidated by ETag
(RFC 9110 §8.8.3, §13.1.2): a repeated request costs a dictionary lookup, a revalidation a 304.

An answer for an agency's token is never kept here: :func:`private` marks it for no cache at all (RFC 9111
§5.2.2.3, §5.2.2.7), and the anonymous answers of the same routes say ``Vary: Authorization``."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request, Response

CACHE_CONTROL = "public, max-age=60, must-revalidate"
PRIVATE_CACHE_CONTROL = "private, no-store"


def vary(*names: str) -> str:
    """A ``Vary`` value naming ``names`` and ``Authorization`` (the answer depends on the token sent)."""
    return ", ".join(dict.fromkeys([*names, "Authorization"]))


def private(response: Response) -> Response:
    """``response`` marked as one authenticated caller's: stored by no cache, shared or private."""
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    present = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    response.headers["Vary"] = vary(*present)
    return response


class ResponseCache:
    """The newest ``size`` answers by (version, path, query, language, accept)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def answer(self, request: Request, version: str, build: Callable[[], Response]) -> Response:
        """The cached answer for this request and ``version`` of the data, built once; 304 when current."""
        parts = (version, request.url.path, str(sorted(request.query_params.multi_items())),
                 request.headers.get("accept", ""), request.headers.get("accept-language", ""))
        key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
        etag = f'W/"{key}"'
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            response = build()
            if response.status_code != 200 or not isinstance(response.body, bytes):
                return response
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            entry = (bytes(response.body), headers)
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        body, headers = entry
        validators = {**headers, "etag": etag, "cache-control": CACHE_CONTROL}
        tags = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",") if t}
        if "*" in tags or etag.removeprefix("W/") in tags:
            return Response(status_code=304, headers={k: v for k, v in validators.items() if k != "content-type"})
        return Response(body, headers=validators)
