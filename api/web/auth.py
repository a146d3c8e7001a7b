"""Bearer-token authentication for the routes that write (RFC 6750 §2.1; RFC 9110 §11).

``CurrentPrincipal`` is the dependency: ``Authorization: Bearer <token>`` -> the agency's :class:`Principal`,
else 401 with ``WWW-Authenticate: Bearer`` (added by the app's error handler) and a sentence saying why:
no header, another scheme, a malformed, unknown or revoked token. Tokens are accepted in the header only,
never in the query string (RFC 6750 §2.3 would put them in access logs). Scope (403) is checked by the
route with ``agencies.check_write`` or ``CurrentAdmin``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Unauthorized
from api.model.agency import Principal
from api.services.admin import agencies

# Declares the scheme in the OpenAPI document (an "Authorize" button at /docs); the header is read below.
bearer_scheme = HTTPBearer(auto_error=False, description="A registry token: `mpr token create AGENCY` prints one.")


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization`` header value, or Unauthorized saying what is wrong with it."""
    if authorization is None or not authorization.strip():
        raise Unauthorized("this route needs a token: send the header 'Authorization: Bearer <token>' with the "
                           "token your registry operator gave you.")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(f"the Authorization header uses the '{scheme[:20]}' scheme; this registry accepts only "
                           "'Authorization: Bearer <token>'.")
    token = credentials.strip()
    if not token or " " in token:
        raise Unauthorized("the Authorization header is malformed: write 'Bearer', one space and the token, "
                           "nothing else.", token_presented=True)
    return token


def current_principal(
    request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Principal:
    """The agency the request acts for (a FastAPI dependency)."""
    token = bearer_token(request.headers.get("authorization"))
    return agencies.verify_token(agencies.credentials_for(request.app.state.registry), token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_admin(principal: CurrentPrincipal) -> Principal:
    """The principal, if it is an admin; else 403 saying so."""
    agencies.check_admin(principal, "this action")
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]


def optional_principal(
    request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Principal | None:
    """The agency of a request that sends a token, None for an anonymous one (a FastAPI dependency).

    Routes that anyone may read use it to show an agency its own embargoed and confidential figures; a token
    that is sent but not valid is a 401, never a silent fallback to the public answer."""
    if request.headers.get("authorization") is None:
        return None
    return current_principal(request, _scheme)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
