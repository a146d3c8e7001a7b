"""SDMX REST roots: ``/sdmx/v1`` (SDMX 2.1, REST v1.5 paths) and ``/sdmx/v2`` (SDMX 3.0, REST v2 paths).

Each root is one route over its whole path, because the SDMX grammar (optional trailing segments, a
trailing ``/`` that clients add) is easier to read as segments than as many route templates. Each
request: negotiate the format, compute validators (304), parse, call one service, render.

Data and availability answer an agency's token with its own embargoed and confidential data as well (admins:
everyone's), marked ``private, no-store`` and kept in no cache; structures are the same for everyone.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from api.errors import NotAcceptable, NotFound, NotImplementedYet, RegistryError
from api.formats.sdmx.negotiation import Negotiated, negotiate
from api.model.agency import Principal
from api.model.sdmx_structure import StructureResult
from api.model.structure import AGENCY
from api.model.view import PublicView
from api.services.registry import Registry
from api.services.sdmx import availability as sdmx_availability
from api.services.sdmx import data as sdmx_data
from api.services.sdmx import data_params as sdmx_data_params
from api.services.sdmx import history as sdmx_history
from api.services.sdmx import structure_params as sdmx_structure_params
from api.services.sdmx import structures as sdmx_structures
from api.web import sdmx_render
from api.web.auth import OptionalPrincipal
from api.web.cached import PRIVATE_CACHE_CONTROL, vary
from api.web.language import language as choose_language
from api.web.sdmx_http import body_response, not_modified, streaming_response, validators

V1_UNSUPPORTED = ("schema", "metadata")
HISTORY_FORMATS = {"data-ml30": "application/vnd.sdmx.data+xml;version=3.0.0",
                   "data-json20": "application/vnd.sdmx.data+json;version=2.0.0"}
V2_UNSUPPORTED = ("metadata", "registration")

DESCRIPTION_V1 = (
    "SDMX 2.1 REST (v1.5): `data/{flowRef}/{key}/{providerRef}`, `availableconstraint/{flowRef}/{key}/"
    "{providerRef}/{componentID}`, `{dataflow|datastructure|codelist|conceptscheme|contentconstraint|structure}/"
    "{agencyID}/{resourceID}/{version}/{itemID}`. Formats by Accept or `format=`; SDMX-ML 2.1 by default."
    " With an agency's token, data and availability also hold that agency's embargoed and confidential data."
)
DESCRIPTION_V2 = (
    "SDMX 3.0 REST (v2): `data/{context}/{agencyID}/{resourceID}/{version}/{key}` with `c[ID]` filters, "
    "`availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}`, "
    "`structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}`. SDMX-JSON 2.0 by default."
    " With an agency's token, data and availability also hold that agency's embargoed and confidential data "
    "(includeHistory shows only what was public)."
)


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _at(parts: list[str], index: int) -> str | None:
    return parts[index] if len(parts) > index and parts[index] != "" else None


STRUCTURE_CACHE_SIZE = 256  # structure and availability answers kept by ETag


def create_sdmx_router(registry: Registry) -> APIRouter:
    """Both SDMX REST roots over one registry."""
    router = APIRouter(tags=["SDMX REST"])
    structures: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
    lock = threading.Lock()

    def answer(request: Request, api: str, kind: str, build: Callable[[Negotiated, PublicView], Response],
               principal: Principal | None = None, *, personal: bool = False) -> Response:
        """``personal``: an answer about data, which an agency's token (``principal``) widens to its own."""
        params = dict(request.query_params)
        negotiated = negotiate(api, kind, request.headers.get("accept"), params)
        view = registry.public_view() if principal is None else registry.agency_view(principal)
        headers = validators(request, view, negotiated)
        if personal:
            headers["Vary"] = vary(*(v.strip() for v in headers["Vary"].split(",")))
        if principal is not None:
            headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        cached = not_modified(request, headers)
        if cached is not None:
            return cached
        etag = headers["ETag"]
        if kind == "structure" and principal is None:
            with lock:
                kept = structures.get(etag)
            if kept is not None:
                return Response(kept[0], media_type=kept[1], headers=headers)
        response = build(negotiated, view)
        response.headers.update(headers)
        if (kind == "structure" and principal is None and response.status_code == 200
                and isinstance(response.body, bytes)):
            with lock:  # the ETag names the view, the request and the format: the same bytes answer it again
                structures[etag] = (bytes(response.body), negotiated.content_type)
                while len(structures) > STRUCTURE_CACHE_SIZE:
                    structures.popitem(last=False)
        return response

    def data(request: Request, query: sdmx_data_params.DataQuery, negotiated: Negotiated,
             view: PublicView, principal: Principal | None) -> Response:
        language = choose_language(request)
        labels = sdmx_structures.data_labels(registry, language)
        names, component_names = labels.codes, labels.components
        if query.include_history:
            if negotiated.format.id not in HISTORY_FORMATS:
                raise NotAcceptable("includeHistory=true gives one data set per version, which SDMX-ML 3.0 "
                                    f"and SDMX-JSON 2.0 can hold: ask for {' or '.join(HISTORY_FORMATS.values())}.")
            message = sdmx_history.history_message(registry, query, language=language, names=names,
                                                   component_names=component_names)
        else:
            if query.as_of is not None:
                view = (registry.public_view(as_of=query.as_of) if principal is None
                        else registry.agency_view(principal, as_of=query.as_of))
            message = sdmx_data.data_message(registry, query, language=language, names=names,
                                             component_names=component_names, view=view)
        return streaming_response(sdmx_render.data(message, negotiated, dataflow_name=labels.dataflow), negotiated,
                                  {})

    def structure(result: StructureResult, negotiated: Negotiated) -> Response:
        prepared = datetime.now(UTC).replace(microsecond=0)
        body = sdmx_render.structure(result, negotiated, message_id=f"IREF{uuid.uuid4().hex[:12].upper()}",
                                     prepared=prepared, sender=AGENCY)
        return body_response(body, negotiated, {})

    def available(request: Request, query: sdmx_data_params.DataQuery, component: str | None,
                  negotiated: Negotiated, principal: Principal | None) -> Response:
        params = request.query_params
        result = sdmx_structures.availability_result(
            registry, query, mode=sdmx_availability.check_mode(params),
            component=sdmx_availability.check_component(component),
            references=sdmx_data_params.availability_references(params),
            view=None if principal is None else registry.agency_view(principal, as_of=query.as_of))
        return structure(result, negotiated)

    @router.get("/sdmx/v1/{path:path}", summary="SDMX 2.1 REST", description=DESCRIPTION_V1)
    def sdmx_v1(path: str, request: Request, principal: OptionalPrincipal) -> Response:
        parts = _segments(path)
        resource = _at(parts, 0)
        params = dict(request.query_params)
        if resource == "data":
            flow_ref = _at(parts, 1)
            if flow_ref is None:
                raise NotFound("say which dataflow: /sdmx/v1/data/MIGRATION_PROFILE/{key}.")
            return answer(request, "v1", "data", lambda n, v: data(request, sdmx_data_params.parse_data_v1(
                flow_ref, _at(parts, 2), _at(parts, 3), params), n, v, principal), principal, personal=True)
        if resource == "availableconstraint":
            constrained = _at(parts, 1)
            if constrained is None:
                raise NotFound("say which dataflow: /sdmx/v1/availableconstraint/MIGRATION_PROFILE/{key}.")
            return answer(request, "v1", "structure", lambda n, _v: available(
                request, sdmx_data_params.parse_availability_v1(constrained, _at(parts, 2), _at(parts, 3), params),
                _at(parts, 4), n, principal), principal, personal=True)
        if resource in sdmx_structure_params.V1_RESOURCES or resource in sdmx_structure_params.V1_OTHER_RESOURCES:
            query = sdmx_structure_params.parse_structure_v1(
                resource, _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), params)
            return answer(request, "v1", "structure",
                          lambda n, _v: structure(sdmx_structures.structures(registry, query), n))
        if resource == "schema":
            raise NotImplementedYet("XML schemas (XSD) are not generated here: read the data structure from "
                                    "/sdmx/v1/datastructure/MPR/MIGRATION_PROFILE/1.0?references=children, or its "
                                    "schema as structures from /sdmx/v2/schema/dataflow/MPR/MIGRATION_PROFILE/1.0.")
        if resource in V1_UNSUPPORTED:
            raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
        raise NotFound(f"'{resource or ''}' is not an SDMX 2.1 REST resource: use data, availableconstraint, "
                       f"or {', '.join(sdmx_structure_params.V1_RESOURCES)}.")

    @router.get("/sdmx/v2/{path:path}", summary="SDMX 3.0 REST", description=DESCRIPTION_V2)
    def sdmx_v2(path: str, request: Request, principal: OptionalPrincipal) -> Response:
        parts = _segments(path)
        resource = _at(parts, 0)
        params = dict(request.query_params)

        def flow(offset: int) -> tuple[str, str, str, str]:
            return (_at(parts, offset) or "*", _at(parts, offset + 1) or "*", _at(parts, offset + 2) or "*",
                    _at(parts, offset + 3) or "*")

        if resource == "data":
            return answer(request, "v2", "data", lambda n, v: data(request, sdmx_data_params.parse_data_v2(
                *flow(1), _at(parts, 5), params), n, v, principal), principal, personal=True)
        if resource == "availability":
            return answer(request, "v2", "structure", lambda n, _v: available(
                request, sdmx_data_params.parse_availability_v2(*flow(1), _at(parts, 5), params), _at(parts, 6), n,
                principal), principal, personal=True)
        if resource == "structure":
            query = sdmx_structure_params.parse_structure_v2(
                _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), _at(parts, 5), params)
            return answer(request, "v2", "structure",
                          lambda n, _v: structure(sdmx_structures.structures(registry, query), n))
        if resource == "schema":
            context, agency, schema_id, version = sdmx_structure_params.parse_schema_v2(
                _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), params)
            return answer(request, "v2", "structure", lambda n, _v: structure(
                sdmx_structures.schema_result(registry, context, agency, schema_id, version), n))
        if resource in V2_UNSUPPORTED:
            raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
        raise NotFound(f"'{resource or ''}' is not an SDMX 3.0 REST resource: use data, availability or structure.")

    return router


__all__ = ["RegistryError", "create_sdmx_router"]
