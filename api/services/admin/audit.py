"""The audit trail (issue: withdrawal and audit): every write recorded as a prov:Activity in the audit graph,
in the same update that makes the write (PROV-O §3.1: prov:wasAssociatedWith, prov:generated,
prov:invalidated). The audit graph is never part of a public view; ``entries`` lists it for admins.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.formats.rdf.provenance import datetime_literal
from api.model.audit import AuditEntry, AuditPage
from api.services.registry import Registry
from api.store.queries import load_query

KINDS = {"Upload": "upload", "Withdrawal": "withdrawal"}
CREDENTIAL_KINDS = ("agency-added", "agency-changed", "token-created", "token-revoked")


def _activity(iris: vocab.InstanceIris, activity_id: str, kind: str, agency_id: str, token_id: str | None,
              started: datetime, ended: datetime) -> tuple[NamedNode, list[Triple]]:
    node = NamedNode(iris.audit_activity(activity_id))
    triples = [
        Triple(node, NamedNode(vocab.RDF + "type"), NamedNode(vocab.PROV + "Activity")),
        Triple(node, NamedNode(vocab.RDF + "type"), NamedNode(vocab.MP + kind)),
        Triple(node, NamedNode(vocab.PROV + "wasAssociatedWith"), NamedNode(iris.agency(agency_id))),
        Triple(node, NamedNode(vocab.PROV + "startedAtTime"), datetime_literal(started)),
        Triple(node, NamedNode(vocab.PROV + "endedAtTime"), datetime_literal(ended)),
    ]
    if token_id:
        triples.append(Triple(node, NamedNode(vocab.MP + "tokenId"), Literal(token_id)))
    return node, triples


def upload_activity(iris: vocab.InstanceIris, submission_id: str, agency_id: str, token_id: str | None,
                    started: datetime, ended: datetime, sha256: str) -> list[Triple]:
    """The audit record of an upload that generated ``submission_id`` from the file with ``sha256``."""
    node, triples = _activity(iris, f"upload-{submission_id}", "Upload", agency_id, token_id, started, ended)
    triples.append(Triple(node, NamedNode(vocab.PROV + "generated"), NamedNode(iris.submission(submission_id))))
    triples.append(Triple(node, NamedNode(vocab.PROV + "used"), NamedNode(iris.file(sha256))))
    return triples


def withdrawal_activity(iris: vocab.InstanceIris, submission_id: str, agency_id: str, token_id: str | None,
                        moment: datetime, reason: str) -> tuple[NamedNode, list[Triple]]:
    """The audit record of an admin's withdrawal of ``submission_id`` (its node, for prov:wasInvalidatedBy)."""
    node, triples = _activity(iris, f"withdrawal-{submission_id}", "Withdrawal", agency_id, token_id, moment, moment)
    triples.append(Triple(node, NamedNode(vocab.PROV + "invalidated"), NamedNode(iris.submission(submission_id))))
    triples.append(Triple(node, NamedNode(vocab.MP + "withdrawalReason"), Literal(reason)))
    return node, triples


def _moment(term: object) -> datetime | None:
    value = getattr(term, "value", None)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC) if value else None


def _store_entries(registry: Registry) -> list[AuditEntry]:
    found = []
    for row in registry.store.select(load_query("audit/entries"), default_graphs=[registry.iris.audit_graph]):
        ended = _moment(row["ended"])
        if ended is None or row["activity"] is None or row["agency"] is None or row["submission"] is None:
            continue
        found.append(AuditEntry(
            activity=row["activity"].value,
            kind=KINDS.get(row["kind"].value.rsplit("#", 1)[-1], "write") if row["kind"] is not None else "write",
            agency=vocab.code_id_from_iri(row["agency"].value),
            token=row["token"].value if row["token"] is not None else None, started=_moment(row["started"]),
            ended=ended, submission=vocab.code_id_from_iri(row["submission"].value),
            reason=row["reason"].value if row["reason"] is not None else None))
    return found


def _credential_entries(registry: Registry) -> list[AuditEntry]:
    from api.services.admin import agencies  # the credentials live beside the store, opened on first use

    return [AuditEntry(activity=None, kind=e.action, agency=e.actor, token=e.token, started=e.at, ended=e.at,
                       subject=e.agency) for e in agencies.credentials_for(registry).events()]


def entries(registry: Registry, *, agency: str | None = None, kind: str | None = None,
            since: datetime | None = None, until: datetime | None = None, submission: str | None = None,
            offset: int = 0, limit: int = 100) -> AuditPage:
    """The audit trail, newest first, filtered by agency (who acted, or whose scope changed), kind, time
    (``since`` <= ended < ``until``) and submission."""
    found: list[AuditEntry] = []
    writes = _store_entries(registry)
    if submission is None and (kind is None or kind in CREDENTIAL_KINDS):
        writes += _credential_entries(registry)
    writes.sort(key=lambda e: e.ended, reverse=True)
    for entry in writes:
        if ((agency and agency not in (entry.agency, entry.subject)) or (kind and entry.kind != kind)
                or (since and entry.ended < since) or (until and entry.ended >= until)
                or (submission and entry.submission != submission)):
            continue
        found.append(entry)
    return AuditPage(total=len(found), offset=offset, limit=limit, entries=found[offset:offset + limit])
