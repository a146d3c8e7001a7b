"""SDMX REST roots: ``/sdmx/v1`` (SDMX 2.1, REST v1.5 paths) and ``/sdmx/v2`` (SDMX 3.0, REST v2 paths).

Each root is one route over its whole path, because the SDMX grammar (optional trailing segments, a
trailing ``/`` that clients add) is easier to read as segments than as many route templates. Each
request: negotiate the format, compute validators (304), parse, call one service, render.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from api.errors import NotFound, NotImplementedYet, RegistryError
from api.formats.sdmx_negotiation import Negotiated, negotiate
from api.services import sdmx_data, sdmx_data_params
from api.services.registry import Registry
from api.web import sdmx_render
from api.web.sdmx_http import not_modified, streaming_response, validators

V1_STRUCTURES = ("dataflow", "datastructure", "codelist", "conceptscheme", "contentconstraint", "structure")
V1_OTHER_STRUCTURES = (
    "categoryscheme", "categorisation", "hierarchicalcodelist", "organisationscheme", "agencyscheme",
    "dataproviderscheme", "dataconsumerscheme", "organisationunitscheme", "reportingtaxonomy",
    "provisionagreement", "structureset", "process", "metadataflow", "metadatastructure", "attachmentconstraint",
    "actualconstraint", "allowedconstraint",
)
V2_UNSUPPORTED = ("schema", "metadata", "registration")
STRUCTURES_LATER = (
    "the {resource} resource is not served yet: structure messages are being added; the data structure is "
    "described in the vocabulary (ontology/structure.ttl) and SDMX-CSV data needs no structure to read."
)
V1_UNSUPPORTED = ("schema", "metadata")

DESCRIPTION_V1 = (
    "SDMX 2.1 REST (v1.5): `data/{flowRef}/{key}/{providerRef}`, `availableconstraint/{flowRef}/{key}/"
    "{providerRef}/{componentID}`, `{dataflow|datastructure|codelist|conceptscheme|contentconstraint|structure}/"
    "{agencyID}/{resourceID}/{version}/{itemID}`. Formats by Accept or `format=`; SDMX-ML 2.1 by default."
)
DESCRIPTION_V2 = (
    "SDMX 3.0 REST (v2): `data/{context}/{agencyID}/{resourceID}/{version}/{key}` with `c[ID]` filters, "
    "`availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}`, "
    "`structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}`. SDMX-JSON 2.0 by default."
)


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _at(parts: list[str], index: int) -> str | None:
    return parts[index] if len(parts) > index and parts[index] != "" else None


def _language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "en")
    for item in asked.split(","):
        code = item.split(";")[0].strip().lower()[:2]
        if code in ("en", "fr", "es"):
            return code
    return "en"


def create_sdmx_router(registry: Registry) -> APIRouter:
    """Both SDMX REST roots over one registry."""
    router = APIRouter(tags=["SDMX REST"])

    def answer(request: Request, api: str, kind: str, build: Callable[[Negotiated], Response]) -> Response:
        params = dict(request.query_params)
        negotiated = negotiate(api, kind, request.headers.get("accept"), params)
        headers = validators(request, registry.public_view(), negotiated)
        cached = not_modified(request, headers)
        if cached is not None:
            return cached
        response = build(negotiated)
        response.headers.update(headers)
        return response

    def data(request: Request, query: sdmx_data_params.DataQuery, negotiated: Negotiated) -> Response:
        language = _language(request)
        message = sdmx_data.data_message(registry, query, language=language)
        return streaming_response(sdmx_render.data(message, negotiated), negotiated, {})

    @router.get("/sdmx/v1/{path:path}", summary="SDMX 2.1 REST", description=DESCRIPTION_V1)
    def sdmx_v1(path: str, request: Request) -> Response:
        parts = _segments(path)
        resource = _at(parts, 0)
        params = dict(request.query_params)
        if resource == "data":
            flow_ref = _at(parts, 1)
            if flow_ref is None:
                raise NotFound("say which dataflow: /sdmx/v1/data/MIGRATION_PROFILE/{key}.")
            return answer(request, "v1", "data", lambda n: data(request, sdmx_data_params.parse_data_v1(
                flow_ref, _at(parts, 2), _at(parts, 3), params), n))
        if resource == "availableconstraint" or resource in V1_STRUCTURES:
            raise NotImplementedYet(STRUCTURES_LATER.format(resource=resource))
        if resource in V1_UNSUPPORTED:
            raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
        if resource in V1_OTHER_STRUCTURES:
            raise NotFound(f"this registry maintains no {resource}: it has dataflows, data structures, "
                           "code lists, concept schemes and content constraints.")
        raise NotFound(f"'{resource or ''}' is not an SDMX 2.1 REST resource: use data, availableconstraint, "
                       f"or {', '.join(V1_STRUCTURES)}.")

    @router.get("/sdmx/v2/{path:path}", summary="SDMX 3.0 REST", description=DESCRIPTION_V2)
    def sdmx_v2(path: str, request: Request) -> Response:
        parts = _segments(path)
        resource = _at(parts, 0)
        params = dict(request.query_params)

        def flow(offset: int) -> tuple[str, str, str, str]:
            return (_at(parts, offset) or "*", _at(parts, offset + 1) or "*", _at(parts, offset + 2) or "*",
                    _at(parts, offset + 3) or "*")

        if resource == "data":
            return answer(request, "v2", "data", lambda n: data(request, sdmx_data_params.parse_data_v2(
                *flow(1), _at(parts, 5), params), n))
        if resource in ("availability", "structure"):
            raise NotImplementedYet(STRUCTURES_LATER.format(resource=resource))
        if resource in V2_UNSUPPORTED:
            raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
        raise NotFound(f"'{resource or ''}' is not an SDMX 3.0 REST resource: use data, availability or structure.")

    return router


__all__ = ["RegistryError", "create_sdmx_router"]
