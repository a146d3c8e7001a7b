"""Signed-in agencies of the upload pages: a session cookie instead of a Bearer header a browser cannot send.

An agency signs in once with its token; the registry verifies it and opens a session: a random id (32 bytes,
``secrets``) sent as a cookie that is ``HttpOnly`` (no script reads it), ``Secure`` (only over HTTPS; browsers
treat http://127.0.0.1 and http://localhost as secure contexts, so it works on a local server too),
``SameSite=Strict`` (never sent from another site's page) and ``Path=/``. The server keeps only the id's SHA-256,
the agency's principal, a CSRF token that every form repeats (OWASP synchronizer token), and the expiry; the
token itself is never kept, echoed in a page or put in a URL, and sessions never touch the RDF store. Sessions
live in the app's memory: a restart signs everyone out. A revoked token ends its sessions at the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from api.errors import Forbidden
from api.model.agency import Principal

COOKIE = "mpr_session"
LIFETIME = timedelta(hours=8)
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class PageSession:
    principal: Principal
    csrf: str
    expires: datetime


def id_digest(session_id: str) -> str:
    """The SHA-256 of a secret id (a session's, a kept upload's): what the app keys them by, never the id itself."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class PageSessions:
    """The open sessions of one app (``app.state.page_sessions``), by the SHA-256 of their id."""

    def __init__(self) -> None:
        self._by_digest: dict[str, PageSession] = {}
        self._lock = threading.Lock()

    def open(self, principal: Principal, now: datetime | None = None) -> tuple[str, PageSession]:
        now = now or datetime.now(UTC)
        session_id = secrets.token_urlsafe(32)
        session = PageSession(principal, secrets.token_urlsafe(32), now + LIFETIME)
        with self._lock:
            if len(self._by_digest) >= MAX_SESSIONS:
                self._by_digest = {k: s for k, s in self._by_digest.items() if s.expires > now}
            self._by_digest[id_digest(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None, now: datetime | None = None) -> PageSession | None:
        if not session_id:
            return None
        with self._lock:
            session = self._by_digest.get(id_digest(session_id))
            if session is not None and session.expires <= (now or datetime.now(UTC)):
                del self._by_digest[id_digest(session_id)]
                return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._by_digest.pop(id_digest(session_id), None)


def set_cookie(response: Response, session_id: str) -> None:
    response.set_cookie(COOKIE, session_id, max_age=int(LIFETIME.total_seconds()), path="/", secure=True,
                        httponly=True, samesite="strict")


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def check_csrf(request: Request, session: PageSession, sent: str | None) -> None:
    """Forbidden unless the form repeats the session's CSRF token and (when sent) Origin is this host."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden("this form was sent from another site: open /upload on this registry and send it again.")
    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise Forbidden("the form's security token is missing or out of date: reload /upload and send it again.")
