"""A stored submission as its agency and the public see it (issue: submission resource; PROV-O §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SubmissionStatus(StrEnum):
    """Where a version stands: public now, waiting for its release, replaced by a newer one, or withdrawn."""

    PUBLISHED = "published"
    EMBARGOED = "embargoed"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class FileProvenance:
    """The uploaded file a submission was derived from (prov:wasDerivedFrom)."""

    name: str | None
    sha256: str
    bytes: int | None


@dataclass(frozen=True)
class Provenance:
    """Who stored it, when, from which file, revising which version, with what metadata."""

    agency: str
    agency_iri: str
    started: datetime | None
    ended: datetime | None
    file: FileProvenance | None
    revision_of: str | None
    sources: list[str] = field(default_factory=list)
    primary_source: str | None = None
    licence: str | None = None
    definition_basis: str | None = None
    methodology: str | None = None


@dataclass(frozen=True)
class Withdrawal:
    at: datetime
    by: str | None = None  # shown to the agency and admins only
    reason: str | None = None


@dataclass(frozen=True)
class SubmissionRecord:
    """GET /api/submissions/{id}: ``observations`` counts what the caller may see (public cells for the public,
    all for the agency); ``restricted`` and ``report`` only for the agency and admins."""

    id: str
    iri: str
    dataset: str
    title: str | None
    version: int
    status: SubmissionStatus
    generated: datetime
    release: datetime | None
    observations: int
    provenance: Provenance
    restricted: int | None = None
    withdrawal: Withdrawal | None = None
    report: dict[str, object] | None = None  # the report's file and summary (the full one at links.report)
    etag: str | None = None
    links: dict[str, str] = field(default_factory=dict)
