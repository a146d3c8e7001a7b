"""The audit trail: who wrote what, when (issue: withdrawal and audit; PROV-O §3.1 prov:Activity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    """One write: an upload that generated a submission, a withdrawal that invalidated one (prov:Activity in the
    audit graph, ``activity`` its IRI), or a change of an agency's scope or tokens (kept in the credentials
    database beside the tokens, ``activity`` None)."""

    activity: str | None
    kind: str  # upload, withdrawal, agency-added, agency-changed, token-created, token-revoked
    agency: str  # who acted: the agency, or operator:<user> for the command line
    token: str | None  # the public id of the token used or concerned (never the token)
    started: datetime | None
    ended: datetime
    submission: str | None = None
    reason: str | None = None
    subject: str | None = None  # the agency whose scope or token changed


@dataclass(frozen=True)
class AuditPage:
    total: int
    offset: int
    limit: int
    entries: list[AuditEntry]
