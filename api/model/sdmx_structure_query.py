"""A parsed SDMX structure query (REST v1.5 §4.3 structural queries; REST v2 structures.md, querying_versions.md).

Both API versions parse to one :class:`StructureQuery`; ``None`` in ``agencies``/``ids``/``items`` means any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.model.sdmx_structure import ArtefactRef

DETAILS = ("full", "allstubs", "referencestubs", "referencepartial", "allcompletestubs", "referencecompletestubs",
           "raw")
REFERENCE_SCOPES = ("none", "parents", "parentsandsiblings", "ancestors", "children", "descendants", "all")

LATEST = "latest"  # v1 latest, v2 `~` (latest of any status)
LATEST_STABLE = "+"  # v2 `+`
ANY_VERSION = "*"  # v1 all, v2 *

_WILDCARD_VERSION = re.compile(r"^(\d+)(\+)?(?:\.(\d+)(\+)?)?(?:\.(\d+)(\+)?)?$")


@dataclass(frozen=True)
class StructureQuery:
    """Which artefacts, which of their items, how much detail, and which references."""

    types: tuple[str, ...]
    agencies: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    versions: tuple[str, ...] = (LATEST,)
    items: tuple[str, ...] | None = None
    detail: str = "full"
    references: str = "none"  # a scope of REFERENCE_SCOPES or a structure type


def _numbers(version: str) -> tuple[int, ...] | None:
    """``1.0`` as (1, 0, 0): SDMX 2.1 versions compare equal to their semantic-version form."""
    try:
        numbers = tuple(int(p) for p in version.split("."))
    except ValueError:
        return None
    return numbers + (0,) * (3 - len(numbers))


def version_matches(spec: str, version: str, newest: str) -> bool:
    """Does ``version`` answer ``spec``? ``newest`` is the latest version of the same agency and id.

    Exact versions, ``*``, ``latest``/``~``/``+`` and SDMX 3.0 wildcards such as ``1+.0`` or ``1.2+.0``
    (the latest version at or above the one given, within the same major version).
    """
    if spec == ANY_VERSION:
        return True
    if spec in (LATEST, LATEST_STABLE):
        return version == newest
    if "+" not in spec:
        return spec == version or (_numbers(spec) is not None and _numbers(spec) == _numbers(version))
    match = _WILDCARD_VERSION.match(spec)
    have = _numbers(version)
    if match is None or have is None or version != newest:
        return False
    floor = tuple(int(n) for n in match.group(1, 3, 5) if n is not None)
    return have[0] == floor[0] and have[: len(floor)] >= floor


def ref_matches(query: StructureQuery, ref: ArtefactRef, newest: str) -> bool:
    """Does ``ref`` answer the query's type, agency, id and version?"""
    return (ref.type in query.types
            and (query.agencies is None or ref.agency in query.agencies)
            and (query.ids is None or ref.id in query.ids)
            and any(version_matches(spec, ref.version, newest) for spec in query.versions))
