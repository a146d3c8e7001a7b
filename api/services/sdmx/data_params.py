"""Parse SDMX REST data and availability requests into a DataQuery (REST v1.5 §4.4; REST v2 data.md).

Every mistake is a BadRequest naming the parameter, the value and what is allowed; a flow or agency
the registry does not have is NotFound (SDMX error 100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from api.errors import BadRequest, NotFound, NotImplementedYet
from api.model.sdmx import ALL_DIMENSIONS, DETAILS
from api.model.sdmx_data_query import OPERATORS, ComponentFilter, Condition, KeyPattern, Period
from api.model.sdmx_data_query import DataQuery as DataQuery  # the parsed query, named by the SDMX routes
from api.model.sdmx_period import PeriodError, period_range
from api.model.structure import (
    AGENCY,
    COMPONENTS,
    DATAFLOW_ID,
    DATASET_ATTRIBUTE,
    DIMENSIONS,
    PUBLISHED_ATTRIBUTES,
    SERIES_DIMENSIONS,
    TIME_DIMENSION,
)
from api.services.params import parse_moment

_CODE = re.compile(r"^[A-Za-z0-9_@$-]+$")
_FILTER_PARAM = re.compile(r"^c\[([A-Za-z0-9_@$-]+)\]$")
_VERSIONS_V1 = ("1.0", "latest", "all", "1.0.0")
_VERSIONS_V2 = ("1.0", "1.0.0", "*", "+", "~")
# Parameters every route accepts: format selection and languages (REST v2 extend.md).
PRESENTATION_PARAMS = ("format", "formatVersion", "lang", "labels", "timeFormat", "keys", "compression")

V1_DATA_PARAMS = (
    "startPeriod", "endPeriod", "updatedAfter", "firstNObservations", "lastNObservations",
    "dimensionAtObservation", "detail", "includeHistory", *PRESENTATION_PARAMS,
)
V2_DATA_PARAMS = (
    "updatedAfter", "firstNObservations", "lastNObservations", "dimensionAtObservation", "attributes",
    "measures", "includeHistory", "offset", "limit", "sort", "asOf", "reportingYearStartDay", "provider",
    *PRESENTATION_PARAMS,
)


def _check_params(params: Mapping[str, str], allowed: tuple[str, ...], *, filters: bool) -> None:
    for name in params:
        if name in allowed or (filters and _FILTER_PARAM.match(name)):
            continue
        raise BadRequest(
            f"unknown query parameter '{name}': this resource accepts {', '.join(allowed)}"
            + (" and c[COMPONENT] filters." if filters else ".")
        )


# -- v1 ------------------------------------------------------------------------------------------

def check_flow_v1(flow_ref: str) -> None:
    """``FLOW``, ``AGENCY,FLOW`` or ``AGENCY,FLOW,VERSION`` naming MPR:MIGRATION_PROFILE(1.0)."""
    parts = [p.strip() for p in flow_ref.split(",")]
    if len(parts) > 3 or any(not p for p in parts):
        raise BadRequest(f"flowRef '{flow_ref}' is malformed: use FLOW, AGENCY,FLOW or AGENCY,FLOW,VERSION.")
    agency, flow, version = ("all", parts[0], "latest") if len(parts) == 1 else (
        parts[0], parts[1], parts[2] if len(parts) == 3 else "latest")
    _check_flow(agency, flow, version, agencies=("all", AGENCY), versions=_VERSIONS_V1)


def _check_flow(agency: str, flow: str, version: str, *, agencies: tuple[str, ...], versions: tuple[str, ...]) -> None:
    for label, value in (("agency", agency), ("dataflow", flow), ("version", version)):
        if value not in ("*", "+", "~", "all", "latest") and not re.match(r"^[A-Za-z0-9_@$.\-]+$", value):
            raise BadRequest(f"{label} '{value}' is not a valid SDMX identifier.")
    if agency not in agencies or flow not in (DATAFLOW_ID, "*", "all") or version not in versions:
        raise NotFound(
            f"no dataflow {agency}:{flow}({version}) here: the registry publishes one dataflow, "
            f"{AGENCY}:{DATAFLOW_ID}(1.0)."
        )


def parse_key_v1(key: str | None) -> tuple[KeyPattern, ...]:
    """Dimension codes joined by '.', empty = any, '+' = or; ``all`` or nothing = every series."""
    if key is None or key in ("", "all", "*"):
        return (KeyPattern(),)
    return (_key_pattern(key, or_separator="+", allow_short=False),)


def _key_pattern(key: str, *, or_separator: str, allow_short: bool) -> KeyPattern:
    positions = key.split(".")
    wanted = len(SERIES_DIMENSIONS)
    if len(positions) == wanted + 1:  # a key that includes the time dimension
        raise BadRequest(
            f"key '{key}' has {len(positions)} positions; the series key has {wanted} "
            f"({'.'.join(SERIES_DIMENSIONS)}): select periods with startPeriod/endPeriod or c[TIME_PERIOD]."
        )
    if len(positions) > wanted or (len(positions) < wanted and not allow_short):
        raise BadRequest(
            f"key '{key}' has {len(positions)} positions but the series key has {wanted}: "
            f"{'.'.join(SERIES_DIMENSIONS)} (leave a position empty for any value)."
        )
    values: list[frozenset[str] | None] = []
    for dimension, text in zip(SERIES_DIMENSIONS, positions, strict=False):
        if text in ("", "*"):
            values.append(None)
            continue
        codes = text.split(or_separator)
        for code in codes:
            if not _CODE.match(code):
                raise BadRequest(
                    f"key '{key}': '{code}' at {dimension} is not a code (letters, digits, '_', '@', '$', '-')."
                )
        values.append(frozenset(codes))
    values.extend(None for _ in range(wanted - len(values)))
    return KeyPattern(tuple(values))


def parse_period(name: str, text: str) -> Period:
    try:
        start, end = period_range(text, moments=True)
    except PeriodError as exc:
        raise BadRequest(f"{name}: {exc}.") from None
    return Period(text, start.isoformat(), end.isoformat())


def _positive(name: str, text: str, *, zero: bool = False) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or (int(text) == 0 and not zero):
        raise BadRequest(f"{name} must be a {'non-negative' if zero else 'positive'} integer, not '{text[:40]}'.")
    return int(text)


def _boolean(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false, not '{text}'.")
    return text == "true"


def _dimension_at_observation(text: str) -> str:
    if text == ALL_DIMENSIONS or text in DIMENSIONS:
        return text
    raise BadRequest(
        f"dimensionAtObservation '{text}' is not a dimension: use {', '.join(DIMENSIONS)} or AllDimensions."
    )


def parse_data_v1(flow_ref: str, key: str | None, provider: str | None, params: Mapping[str, str]) -> DataQuery:
    """GET /data/{flowRef}/{key}/{providerRef} with its query parameters (REST v1.5 §4.4)."""
    check_flow_v1(flow_ref)
    _check_params(params, V1_DATA_PARAMS, filters=False)
    detail = params.get("detail", "full")
    if detail not in DETAILS:
        raise BadRequest(f"detail '{detail}' is not one of {', '.join(DETAILS)}.")
    include_history = _boolean("includeHistory", params.get("includeHistory", "false"))
    if include_history:
        raise NotImplementedYet(
            "includeHistory=true is answered on /sdmx/v2 only; on v1 ask for the current data "
            "(includeHistory=false) or use updatedAfter."
        )
    return DataQuery(
        keys=parse_key_v1(key),
        start_period=parse_period("startPeriod", params["startPeriod"]) if "startPeriod" in params else None,
        end_period=parse_period("endPeriod", params["endPeriod"]) if "endPeriod" in params else None,
        first_n=_positive("firstNObservations", params["firstNObservations"]) if "firstNObservations" in params
        else None,
        last_n=_positive("lastNObservations", params["lastNObservations"]) if "lastNObservations" in params
        else None,
        updated_after=parse_moment("updatedAfter", params["updatedAfter"]) if "updatedAfter" in params else None,
        dimension_at_observation=_dimension_at_observation(params.get("dimensionAtObservation", TIME_DIMENSION)),
        detail=detail,
        provider=_provider(provider),
    )


_PROVIDER = re.compile(r"^(?:(?:MPR|\*)[,:])?([A-Za-z0-9_@$-]{1,64}(?:\+[A-Za-z0-9_@$-]{1,64})*)$")


def _provider(provider: str | None) -> str | None:
    """A data provider is the agency a dataset is attributed to (``UNDESA``, ``MPR,UNDESA``; '+' = or)."""
    if provider in (None, "", "all", "*"):
        return None
    match = _PROVIDER.match(provider)
    if match is None:
        raise BadRequest(
            f"providerRef '{provider[:70]}' is not a data provider id: use an agency id such as UNDESA (optionally "
            "MPR,UNDESA; several joined by '+'), 'all', or leave it out; /api/datasets names each dataset's agency."
        )
    return match.group(1)


# -- v2 ------------------------------------------------------------------------------------------

def check_flow_v2(context: str, agency: str, resource: str, version: str) -> None:
    """``/{context}/{agencyID}/{resourceID}/{version}``; several values separated by ','."""
    contexts = context.split(",")
    for item in contexts:
        if item not in ("dataflow", "datastructure", "provisionagreement", "*"):
            raise BadRequest(
                f"context '{item}' is not one of dataflow, datastructure, provisionagreement or *."
            )
    if contexts == ["provisionagreement"]:
        raise NotFound("the registry has no provision agreements; ask with context dataflow or datastructure.")
    agencies = agency.split(",")
    resources = resource.split(",")
    versions = version.split(",")
    if not any(a in ("*", AGENCY) for a in agencies):
        _check_flow(agencies[0], DATAFLOW_ID, "1.0", agencies=("*", AGENCY), versions=_VERSIONS_V2)
    if not any(r in ("*", DATAFLOW_ID) for r in resources):
        _check_flow(AGENCY, resources[0], "1.0", agencies=("*", AGENCY), versions=_VERSIONS_V2)
    if not any(v in _VERSIONS_V2 for v in versions):
        _check_flow(AGENCY, DATAFLOW_ID, versions[0], agencies=("*", AGENCY), versions=_VERSIONS_V2)


def parse_key_v2(key: str | None) -> tuple[KeyPattern, ...]:
    """'*' (or empty) = any; shortened keys allowed; several keys separated by ','."""
    if key is None or key in ("", "*"):
        return (KeyPattern(),)
    return tuple(_key_pattern(part, or_separator="+", allow_short=True) for part in key.split(","))


def parse_filters(params: Mapping[str, str]) -> tuple[ComponentFilter, ...]:
    """``c[ID]=op:value`` with ',' = or and '+' = and (REST v2 data.md, "Filtering")."""
    filters: list[ComponentFilter] = []
    for name, text in params.items():
        match = _FILTER_PARAM.match(name)
        if not match:
            continue
        component = match.group(1)
        if component not in COMPONENTS and component != DATASET_ATTRIBUTE:
            raise BadRequest(
                f"c[{component}]: '{component}' is not a component of the structure; use one of "
                f"{', '.join((*COMPONENTS, DATASET_ATTRIBUTE))}."
            )
        alternatives: list[tuple[Condition, ...]] = []
        for alternative in text.split(","):
            conditions: list[Condition] = []
            for part in alternative.split("+"):
                operator, value = part.split(":", 1) if re.match(r"^[a-z]{2}:", part) else ("eq", part)
                if operator not in OPERATORS:
                    raise BadRequest(f"c[{component}]: operator '{operator}' is not one of {', '.join(OPERATORS)}.")
                if value == "":
                    raise BadRequest(f"c[{component}]: '{part}' has no value after the operator.")
                if component == TIME_DIMENSION and operator not in ("co", "nc", "sw", "ew"):
                    parse_period(f"c[{component}]", value)
                conditions.append(Condition(operator, value))
            alternatives.append(tuple(conditions))
        filters.append(ComponentFilter(component, tuple(alternatives)))
    return tuple(filters)


def _attributes(text: str) -> tuple[str, ...] | None:
    if text in ("dsd", "all", "obs", "msd"):
        return None
    if text in ("none", "dataset", "series"):  # every attribute of this structure is at observation level
        return ()
    ids = tuple(text.split(","))
    for item in ids:
        if item not in PUBLISHED_ATTRIBUTES:
            raise BadRequest(
                f"attributes: '{item}' is not an attribute; use dsd, msd, dataset, series, obs, all, none "
                f"or ids among {', '.join(PUBLISHED_ATTRIBUTES)}."
            )
    return ids


def _measures(text: str) -> bool:
    if text in ("all", "OBS_VALUE"):
        return True
    if text == "none":
        return False
    raise BadRequest(f"measures '{text}' is not all, none or OBS_VALUE.")


def parse_data_v2(
    context: str, agency: str, resource: str, version: str, key: str | None, params: Mapping[str, str]
) -> DataQuery:
    """GET /data/{context}/{agencyID}/{resourceID}/{version}/{key} (REST v2 data.md)."""
    check_flow_v2(context, agency, resource, version)
    _check_params(params, V2_DATA_PARAMS, filters=True)
    if "sort" in params:
        raise NotImplementedYet("sort is not offered: series come ordered by series key, observations by period.")
    if "reportingYearStartDay" in params:
        raise NotImplementedYet("reportingYearStartDay is not offered: every period here is a calendar period.")
    return DataQuery(
        keys=parse_key_v2(key),
        filters=parse_filters(params),
        first_n=_positive("firstNObservations", params["firstNObservations"]) if "firstNObservations" in params
        else None,
        last_n=_positive("lastNObservations", params["lastNObservations"]) if "lastNObservations" in params
        else None,
        updated_after=parse_moment("updatedAfter", params["updatedAfter"]) if "updatedAfter" in params else None,
        as_of=parse_moment("asOf", params["asOf"]) if "asOf" in params else None,
        include_history=_boolean("includeHistory", params.get("includeHistory", "false")),
        dimension_at_observation=_dimension_at_observation(params.get("dimensionAtObservation", TIME_DIMENSION)),
        attributes=_attributes(params.get("attributes", "dsd")),
        measures=_measures(params.get("measures", "all")),
        offset=_positive("offset", params["offset"], zero=True) if "offset" in params else 0,
        limit=_positive("limit", params["limit"]) if "limit" in params else None,
        provider=_provider(params.get("provider")),
    )


# -- availability --------------------------------------------------------------------------------

V1_AVAILABILITY_PARAMS = ("startPeriod", "endPeriod", "updatedAfter", "references", "mode", *PRESENTATION_PARAMS)
V2_AVAILABILITY_PARAMS = ("updatedAfter", "references", "mode", "asOf", *PRESENTATION_PARAMS)
AVAILABILITY_REFERENCES = ("none", "all", "datastructure", "dataflow", "codelist", "conceptscheme",
                           "dataproviderscheme")


def availability_references(params: Mapping[str, str]) -> str:
    references = params.get("references", "none")
    if references not in AVAILABILITY_REFERENCES:
        raise BadRequest(f"references '{references}' is not one of {', '.join(AVAILABILITY_REFERENCES)}.")
    return references


def parse_availability_v1(flow_ref: str, key: str | None, provider: str | None, params: Mapping[str, str]) -> DataQuery:
    """GET /availableconstraint/{flowRef}/{key}/{providerRef}/{componentID} (REST v1.5 §4.5)."""
    check_flow_v1(flow_ref)
    _check_params(params, V1_AVAILABILITY_PARAMS, filters=False)
    availability_references(params)
    return DataQuery(
        keys=parse_key_v1(key),
        start_period=parse_period("startPeriod", params["startPeriod"]) if "startPeriod" in params else None,
        end_period=parse_period("endPeriod", params["endPeriod"]) if "endPeriod" in params else None,
        updated_after=parse_moment("updatedAfter", params["updatedAfter"]) if "updatedAfter" in params else None,
        provider=_provider(provider),
    )


def parse_availability_v2(
    context: str, agency: str, resource: str, version: str, key: str | None, params: Mapping[str, str]
) -> DataQuery:
    """GET /availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID} (REST v2)."""
    check_flow_v2(context, agency, resource, version)
    _check_params(params, V2_AVAILABILITY_PARAMS, filters=True)
    availability_references(params)
    return DataQuery(
        keys=parse_key_v2(key),
        filters=parse_filters(params),
        updated_after=parse_moment("updatedAfter", params["updatedAfter"]) if "updatedAfter" in params else None,
        as_of=parse_moment("asOf", params["asOf"]) if "asOf" in params else None,
    )
