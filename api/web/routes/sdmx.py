"""SDMX REST roots: ``/sdmx/v1`` (SDMX 2.1, REST v1.5 paths) and ``/sdmx/v2`` (SDMX 3.0, REST v2 paths).

Each root is one route over its whole path, because the SDMX grammar (optional trailing segments, a
trailing ``/`` that clients add) is easier to read as segments than as many route templates. Each
request: negotiate the format (REST v1.5 §4.6), compute validators (304, RFC 9110 §13), parse, call one
service, render with the writer the format declares.

Data and availability answer an agency's token with its own embargoed and confidential data as well (admins:
everyone's), marked ``private, no-store`` and kept in no cache; structures are the same for everyone, and their
answers are kept by ETag in the app's ``sdmx-structures`` cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from api.errors import NotFound, NotImplementedYet
from api.formats.sdmx.negotiation import OFFERS, Negotiated, check_history, negotiate
from api.formats.sdmx.spec import DataFormat, StructureHeader
from api.model.agency import Principal
from api.model.sdmx_data_query import DataQuery
from api.model.sdmx_structure import StructureResult
from api.model.structure import AGENCY
from api.model.view import PublicView
from api.services.read import groups as group_service
from api.services.registry import Registry
from api.services.sdmx import availability as sdmx_availability
from api.services.sdmx import data as sdmx_data
from api.services.sdmx import data_params as sdmx_data_params
from api.services.sdmx import history as sdmx_history
from api.services.sdmx import structure_params as sdmx_structure_params
from api.services.sdmx import structures as sdmx_structures
from api.web.auth import OptionalPrincipal
from api.web.cached import CACHE_CONTROL, PRIVATE_CACHE_CONTROL, kept, vary
from api.web.cached import answer as conditional_answer
from api.web.dependencies import RegistryDep
from api.web.language import language as choose_language
from api.web.sdmx_http import VARY, body_response, sdmx_validators, streaming_response

Build = Callable[[Negotiated, PublicView], Response]
V1_UNSUPPORTED = ("schema", "metadata")
V2_UNSUPPORTED = ("metadata", "registration")


def _formats(api: str) -> str:
    """The formats of a root, from the declarations: its defaults first (REST v1.5 §4.6, REST v2)."""
    data, structure = OFFERS[(api, "data")], OFFERS[(api, "structure")]
    return (f"Formats by Accept or `format=`: data as {', '.join(f.title for f in data)} ({data[0].title} by "
            f"default); structures as {', '.join(f.title for f in structure)} ({structure[0].title} by default).")


DESCRIPTION_V1 = (
    "SDMX 2.1 REST (v1.5): `data/{flowRef}/{key}/{providerRef}`, `availableconstraint/{flowRef}/{key}/"
    "{providerRef}/{componentID}`, `{dataflow|datastructure|codelist|conceptscheme|contentconstraint|structure}/"
    "{agencyID}/{resourceID}/{version}/{itemID}`. " + _formats("v1")
    + " With an agency's token, data and availability also hold that agency's embargoed and confidential data."
)
DESCRIPTION_V2 = (
    "SDMX 3.0 REST (v2): `data/{context}/{agencyID}/{resourceID}/{version}/{key}` with `c[ID]` filters, "
    "`availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}`, "
    "`structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}`. " + _formats("v2")
    + " With an agency's token, data and availability also hold that agency's embargoed and confidential data "
    "(includeHistory shows only what was public)."
)


def _responses(api: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of a root: every media type its writers declare (errors come in the same types)."""
    types = dict.fromkeys(f.media_type for kind in ("data", "structure") for f in OFFERS[(api, kind)])
    return {200: {"description": "The SDMX message in the negotiated format.", "content": {t: {} for t in types}},
            304: {"description": "The copy named by If-None-Match / If-Modified-Since is current."},
            406: {"description": "None of the accepted media types is offered; the message lists them."}}


def answer(request: Request, registry: Registry, api: str, kind: str, build: Build,
           principal: Principal | None = None, *, personal: bool = False) -> Response:
    """Negotiate, validate, revalidate, build. ``personal``: an answer about data, which an agency's token
    (``principal``) widens to its own; structures answered to anyone are kept by their ETag."""
    negotiated = negotiate(api, kind, request.headers.get("accept"), dict(request.query_params))
    view = registry.public_view() if principal is None else registry.agency_view(principal)
    headers = sdmx_validators(request, view, negotiated, vary=vary(*VARY.split(", ")) if personal else VARY,
                              cache_control=CACHE_CONTROL if principal is None else PRIVATE_CACHE_CONTROL)
    cache = kept(request, "sdmx-structures") if kind == "structure" and principal is None else None
    return conditional_answer(request, headers, lambda: build(negotiated, view), cache=cache)


def data(request: Request, registry: Registry, query: DataQuery, negotiated: Negotiated,
         view: PublicView, principal: Principal | None) -> Response:
    """A data message (REST v1.5 §4.3 data queries; REST v2 ``includeHistory``, ``asOf``); an area group in a
    key position asks for its members."""
    query = group_service.expand_key_groups(registry, query)
    language = choose_language(request)
    labels = sdmx_structures.data_labels(registry, language)
    names, component_names = labels.codes, labels.components
    if query.include_history:
        check_history(negotiated)
        message = sdmx_history.history_message(registry, query, language=language, names=names,
                                               component_names=component_names)
    else:
        if query.as_of is not None:
            view = (registry.public_view(as_of=query.as_of) if principal is None
                    else registry.agency_view(principal, as_of=query.as_of))
        columns = isinstance(negotiated.format, DataFormat) and negotiated.format.columns
        message = sdmx_data.data_message(registry, query, language=language, names=names,
                                         component_names=component_names, view=view, columns=columns)
    return streaming_response(negotiated.write_data(message, dataflow_name=labels.dataflow), negotiated)


def structure(result: StructureResult, negotiated: Negotiated) -> Response:
    """A structure message (REST v1.5 §4.2 structure queries) with a new message id."""
    head = StructureHeader(message_id=f"IREF{uuid.uuid4().hex[:12].upper()}",
                           prepared=datetime.now(UTC).replace(microsecond=0), sender=AGENCY)
    return body_response(negotiated.write_structure(result, head), negotiated)


def available(request: Request, registry: Registry, query: DataQuery, component: str | None,
              negotiated: Negotiated, principal: Principal | None) -> Response:
    """An availability constraint (REST v1.5 §4.5 ``availableconstraint``; REST v2 ``availability``)."""
    query = group_service.expand_key_groups(registry, query)
    params = request.query_params
    result = sdmx_structures.availability_result(
        registry, query, mode=sdmx_availability.check_mode(params),
        component=sdmx_availability.check_component(component),
        references=sdmx_data_params.availability_references(params),
        view=None if principal is None else registry.agency_view(principal, as_of=query.as_of))
    return structure(result, negotiated)


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _at(parts: list[str], index: int) -> str | None:
    return parts[index] if len(parts) > index and parts[index] != "" else None


# Both SDMX REST roots; the registry is the app's, reached by dependency.
router = APIRouter(tags=["SDMX REST"])


@router.get("/sdmx/v1/{path:path}", summary="SDMX 2.1 REST", description=DESCRIPTION_V1, responses=_responses("v1"),
            response_class=Response)
def sdmx_v1(path: str, request: Request, registry: RegistryDep, principal: OptionalPrincipal) -> Response:
    """One SDMX 2.1 REST request (REST v1.5 §4: data, availableconstraint, structure resources)."""
    parts = _segments(path)
    resource = _at(parts, 0)
    params = dict(request.query_params)
    if resource == "data":
        flow_ref = _at(parts, 1)
        if flow_ref is None:
            raise NotFound("say which dataflow: /sdmx/v1/data/MIGRATION_PROFILE/{key}.")
        return answer(request, registry, "v1", "data", lambda n, v: data(
            request, registry, sdmx_data_params.parse_data_v1(flow_ref, _at(parts, 2), _at(parts, 3), params), n, v,
            principal), principal, personal=True)
    if resource == "availableconstraint":
        constrained = _at(parts, 1)
        if constrained is None:
            raise NotFound("say which dataflow: /sdmx/v1/availableconstraint/MIGRATION_PROFILE/{key}.")
        return answer(request, registry, "v1", "structure", lambda n, _v: available(
            request, registry, sdmx_data_params.parse_availability_v1(constrained, _at(parts, 2), _at(parts, 3),
                                                                      params),
            _at(parts, 4), n, principal), principal, personal=True)
    if resource in sdmx_structure_params.V1_RESOURCES or resource in sdmx_structure_params.V1_OTHER_RESOURCES:
        query = sdmx_structure_params.parse_structure_v1(
            resource, _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), params)
        return answer(request, registry, "v1", "structure",
                      lambda n, _v: structure(sdmx_structures.structures(registry, query), n))
    if resource == "schema":
        raise NotImplementedYet("XML schemas (XSD) are not generated here: read the data structure from "
                                "/sdmx/v1/datastructure/MPR/MIGRATION_PROFILE/1.0?references=children, or its "
                                "schema as structures from /sdmx/v2/schema/dataflow/MPR/MIGRATION_PROFILE/1.0.")
    if resource in V1_UNSUPPORTED:
        raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
    raise NotFound(f"'{resource or ''}' is not an SDMX 2.1 REST resource: use data, availableconstraint, "
                   f"or {', '.join(sdmx_structure_params.V1_RESOURCES)}.")


@router.get("/sdmx/v2/{path:path}", summary="SDMX 3.0 REST", description=DESCRIPTION_V2, responses=_responses("v2"),
            response_class=Response)
def sdmx_v2(path: str, request: Request, registry: RegistryDep, principal: OptionalPrincipal) -> Response:
    """One SDMX 3.0 REST request (REST v2: data, availability, structure and schema resources)."""
    parts = _segments(path)
    resource = _at(parts, 0)
    params = dict(request.query_params)

    def flow(offset: int) -> tuple[str, str, str, str]:
        return (_at(parts, offset) or "*", _at(parts, offset + 1) or "*", _at(parts, offset + 2) or "*",
                _at(parts, offset + 3) or "*")

    if resource == "data":
        return answer(request, registry, "v2", "data", lambda n, v: data(
            request, registry, sdmx_data_params.parse_data_v2(*flow(1), _at(parts, 5), params), n, v, principal),
            principal, personal=True)
    if resource == "availability":
        return answer(request, registry, "v2", "structure", lambda n, _v: available(
            request, registry, sdmx_data_params.parse_availability_v2(*flow(1), _at(parts, 5), params),
            _at(parts, 6), n, principal), principal, personal=True)
    if resource == "structure":
        query = sdmx_structure_params.parse_structure_v2(
            _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), _at(parts, 5), params)
        return answer(request, registry, "v2", "structure",
                      lambda n, _v: structure(sdmx_structures.structures(registry, query), n))
    if resource == "schema":
        context, agency, schema_id, version = sdmx_structure_params.parse_schema_v2(
            _at(parts, 1), _at(parts, 2), _at(parts, 3), _at(parts, 4), params)
        return answer(request, registry, "v2", "structure", lambda n, _v: structure(
            sdmx_structures.schema_result(registry, context, agency, schema_id, version), n))
    if resource in V2_UNSUPPORTED:
        raise NotImplementedYet(f"the {resource} resource is not offered by this registry.")
    raise NotFound(f"'{resource or ''}' is not an SDMX 3.0 REST resource: use data, availability or structure.")
