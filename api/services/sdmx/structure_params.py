"""Parse SDMX REST structure paths into a StructureQuery (REST v1.5 §4.3; REST v2 structures.md).

v1: ``/{resource}/{agencyID}/{resourceID}/{version}/{itemID}`` with ``all``/``latest`` and ``+`` lists.
v2: ``/structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}`` with ``*``, ``+``, ``~`` and ``,`` lists.
Mistakes are BadRequest naming the segment or parameter; types this registry does not maintain are valid
SDMX and simply match nothing (NotFound, SDMX error 100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from api.errors import BadRequest, NotFound
from api.model.sdmx_structure import CODELIST, CONCEPTSCHEME, CONSTRAINT, DATAFLOW, DATASTRUCTURE, TYPES
from api.model.sdmx_structure_query import (
    ANY_VERSION,
    DETAILS,
    LATEST,
    LATEST_STABLE,
    REFERENCE_SCOPES,
    StructureQuery,
)
from api.services.sdmx.data_params import PRESENTATION_PARAMS

# Resources of REST v1.5 (§4.3) the registry serves, and what they mean in its model.
V1_RESOURCES: dict[str, tuple[str, ...]] = {
    "dataflow": (DATAFLOW,), "datastructure": (DATASTRUCTURE,), "codelist": (CODELIST,),
    "conceptscheme": (CONCEPTSCHEME,), "contentconstraint": (CONSTRAINT,), "actualconstraint": (CONSTRAINT,),
    "structure": TYPES,
}
# Valid SDMX 2.1 structure resources of which the registry maintains none.
V1_OTHER_RESOURCES = (
    "categoryscheme", "categorisation", "hierarchicalcodelist", "organisationscheme", "agencyscheme",
    "dataproviderscheme", "dataconsumerscheme", "organisationunitscheme", "reportingtaxonomy",
    "provisionagreement", "structureset", "process", "metadataflow", "metadatastructure", "attachmentconstraint",
    "allowedconstraint",
)
V2_TYPES: dict[str, tuple[str, ...]] = {
    "dataflow": (DATAFLOW,), "datastructure": (DATASTRUCTURE,), "codelist": (CODELIST,),
    "conceptscheme": (CONCEPTSCHEME,), "dataconstraint": (CONSTRAINT,), "*": TYPES, "all": TYPES,
}
V2_OTHER_TYPES = (
    "metadatastructure", "categoryscheme", "valuelist", "hierarchy", "hierarchyassociation", "agencyscheme",
    "dataproviderscheme", "dataconsumerscheme", "metadataproviderscheme", "organisationunitscheme",
    "metadataflow", "reportingtaxonomy", "provisionagreement", "metadataprovisionagreement", "structuremap",
    "representationmap", "conceptschememap", "categoryschememap", "organisationschememap",
    "reportingtaxonomymap", "metadataconstraint", "categorisation", "transformationscheme", "rulesetscheme",
    "userdefinedoperatorscheme", "customtypescheme", "namepersonalisationscheme", "vtlmappingscheme",
)
V1_DETAILS = tuple(d for d in DETAILS if d != "raw")
V1_PARAMS = ("detail", "references", *PRESENTATION_PARAMS)
V2_PARAMS = ("detail", "references", "asOf", *PRESENTATION_PARAMS)

_ID = re.compile(r"^[A-Za-z0-9_@$\-]+$")
_AGENCY = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)*$")
_VERSION = re.compile(r"^[0-9]+(\+)?(\.[0-9]+(\+)?){0,2}(-[A-Za-z0-9.\-]+)?$")
_ITEM = re.compile(r"^[A-Za-z0-9_@$\-]+(\.[A-Za-z0-9_@$\-]+)*$")


def _check_params(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown query parameter '{name}': structure queries accept {', '.join(allowed)}.")


def _values(label: str, text: str, separator: str, pattern: re.Pattern[str], everything: tuple[str, ...]
            ) -> tuple[str, ...] | None:
    """None for the ``all``/``*`` keyword, else the listed values, each checked against ``pattern``."""
    if text in everything:
        return None
    values = tuple(v for v in text.split(separator))
    for value in values:
        if not pattern.match(value):
            raise BadRequest(f"{label} '{value}' is not a valid SDMX identifier (letters, digits, _ @ $ -).")
    return values


def _references(text: str, known_types: tuple[str, ...], *, v2: bool) -> str:
    scopes = tuple(s for s in REFERENCE_SCOPES if v2 or s != "ancestors")
    if text in scopes:
        return text
    if text in known_types:
        return CONSTRAINT if text in ("contentconstraint", "actualconstraint") else text
    raise BadRequest(f"references '{text}' is not one of {', '.join(scopes)} or a structure type "
                     f"(such as codelist or {'dataconstraint' if v2 else 'contentconstraint'}).")


def _detail(text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise BadRequest(f"detail '{text}' is not one of {', '.join(allowed)}.")
    return text


def parse_structure_v1(resource: str, agency: str | None, resource_id: str | None, version: str | None,
                       item: str | None, params: Mapping[str, str]) -> StructureQuery:
    """A v1 structure path (SDMX 2.1 keywords ``all`` and ``latest``; ``+`` separates values)."""
    _check_params(params, V1_PARAMS)
    if resource in V1_OTHER_RESOURCES:
        raise NotFound(f"this registry maintains no {resource}: it has a dataflow, a data structure, code lists, "
                       "a concept scheme and an actual content constraint.")
    types = V1_RESOURCES[resource]
    versions_text = version or "latest"
    if versions_text == "latest":
        versions: tuple[str, ...] = (LATEST,)
    elif versions_text == "all":
        versions = (ANY_VERSION,)
    else:
        versions = tuple(versions_text.split("+"))
        for value in versions:
            if not re.match(r"^[0-9]+(\.[0-9]+)*$", value):
                raise BadRequest(f"version '{value}' is not a version (such as 1.0), latest or all.")
    items = _values("itemID", item or "all", "+", _ITEM, ("all",))
    if items is not None and resource not in ("codelist", "conceptscheme", "structure"):
        raise BadRequest(f"an itemID is only allowed on codelist and conceptscheme queries, not on {resource}.")
    known = (*V1_RESOURCES, *V1_OTHER_RESOURCES)
    return StructureQuery(
        types=types,
        agencies=_values("agencyID", agency or "all", "+", _AGENCY, ("all",)),
        ids=_values("resourceID", resource_id or "all", "+", _ID, ("all",)),
        versions=versions,
        items=items,
        detail=_detail(params.get("detail", "full"), V1_DETAILS),
        references=_references(params.get("references", "none"), known, v2=False),
    )


def parse_structure_v2(kind: str | None, agency: str | None, resource_id: str | None, version: str | None,
                       item: str | None, params: Mapping[str, str]) -> StructureQuery:
    """A v2 structure path (``*`` any, ``~`` latest, ``+`` latest stable; ``,`` separates values)."""
    _check_params(params, V2_PARAMS)
    if "asOf" in params:
        try:
            datetime.fromisoformat(params["asOf"].replace("Z", "+00:00"))
        except ValueError as error:
            raise BadRequest(f"asOf '{params['asOf']}' is not an ISO 8601 date-time.") from error
    types: list[str] = []
    for name in (kind or "*").split(","):
        if name in V2_TYPES:
            types.extend(t for t in V2_TYPES[name] if t not in types)
        elif name not in V2_OTHER_TYPES:
            raise BadRequest(f"structure type '{name}' is not an SDMX 3.0 structure type; use *, "
                             f"{', '.join(t for t in V2_TYPES if t not in ('*', 'all'))} or another SDMX type.")
    if not types:
        raise NotFound(f"this registry maintains no {kind}: it has a dataflow, a data structure, code lists, "
                       "a concept scheme and an actual data constraint.")
    versions: list[str] = []
    for value in (version or "~").split(","):
        if value == "~":
            versions.append(LATEST)
        elif value in ("+", "*"):
            versions.append(LATEST_STABLE if value == "+" else ANY_VERSION)
        elif _VERSION.match(value):
            versions.append(value)
        else:
            raise BadRequest(f"version '{value}' is not a version (1.0.0, 1.2+.0), * (all), + (latest stable) "
                             "or ~ (latest).")
    items = _values("itemID", item or "*", ",", _ITEM, ("*",))
    if items is not None and not {CODELIST, CONCEPTSCHEME} & set(types):
        raise BadRequest("an itemID is only allowed on item schemes (codelist, conceptscheme).")
    return StructureQuery(
        types=tuple(types),
        agencies=_values("agencyID", agency or "*", ",", _AGENCY, ("*",)),
        ids=_values("resourceID", resource_id or "*", ",", _ID, ("*",)),
        versions=tuple(versions),
        items=items,
        detail=_detail(params.get("detail", "full"), DETAILS),
        references=_references(params.get("references", "none"), (*V2_TYPES, *V2_OTHER_TYPES), v2=True),
    )


V2_SCHEMA_PARAMS = ("dimensionAtObservation", "explicitMeasure", "deletion", "asOf", *PRESENTATION_PARAMS)
SCHEMA_CONTEXTS = ("dataflow", "datastructure", "provisionagreement")


def parse_schema_v2(context: str | None, agency: str | None, resource_id: str | None, version: str | None,
                    params: Mapping[str, str]) -> tuple[str, str, str, str]:
    """``/schema/{context}/{agencyID}/{resourceID}/{version}`` (REST v2): all four checked, version ``~``
    by default."""
    _check_params(params, V2_SCHEMA_PARAMS)
    if context not in SCHEMA_CONTEXTS:
        raise BadRequest(f"schema context '{context or ''}' is not one of {', '.join(SCHEMA_CONTEXTS)}.")
    if agency is None or resource_id is None:
        raise BadRequest("a schema query names the agency and the id: /schema/dataflow/MPR/MIGRATION_PROFILE/1.0.")
    for label, value, pattern in (("agencyID", agency, _AGENCY), ("resourceID", resource_id, _ID)):
        if not pattern.match(value):
            raise BadRequest(f"{label} '{value}' is not a valid SDMX identifier.")
    chosen = version or "~"
    if chosen not in ("~", "+") and not _VERSION.match(chosen):
        raise BadRequest(f"version '{chosen}' is not a version (1.0.0), + or ~.")
    return context, agency, resource_id, {"~": LATEST, "+": LATEST_STABLE}.get(chosen, chosen)
