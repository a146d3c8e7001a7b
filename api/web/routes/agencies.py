"""``/api/whoami``: which agency a token stands for and what it may write, so agencies can test their token.

Answers 200 with the principal, or 401 (RFC 6750 §3, RFC 9110 §11.6.1) with ``WWW-Authenticate: Bearer``
and a sentence saying why. Never cached (``Cache-Control: no-store``): the answer depends on the token.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.model.agency import describe_scope
from api.web.auth import CurrentPrincipal
from api.web.dependencies import RegistryDep


class WhoAmIOut(BaseModel):
    agency: str = Field(description="The agency id", examples=["DESTATIS"])
    iri: str = Field(description="The agency's IRI; its public description is in the RDF store")
    kind: str = Field(description="nso, ministry, international or admin", examples=["nso"])
    areas: list[str] = Field(description="The areas the agency is granted (ISO alpha-3 or M49)", examples=[["DEU"]])
    any_area: bool = Field(description="True for international organisations: they write any area")
    admin: bool = Field(description="Admins may withdraw submissions and administer the registry")
    may_write: str = Field(description="What the agency may write, in words", examples=["DEU"])
    token: str = Field(description="The id of the token used (not the token)", examples=["3f9a0c2b71de"])


router = APIRouter(prefix="/api", tags=["Agencies"])


@router.get("/whoami", response_model=WhoAmIOut, summary="The agency a bearer token stands for",
            responses={401: {"description": "No token, or a malformed, unknown or revoked one"}})
def whoami(registry: RegistryDep, principal: CurrentPrincipal, response: Response) -> WhoAmIOut:
    """Send `Authorization: Bearer <token>`; the answer names the agency and what it may write."""
    response.headers["Cache-Control"] = "no-store"
    return WhoAmIOut(
        agency=principal.agency_id, iri=registry.iris.agency(principal.agency_id), kind=principal.kind.value,
        areas=sorted(principal.areas), any_area=principal.writes_any_area, admin=principal.admin,
        may_write=describe_scope(principal), token=principal.token_id,
    )
