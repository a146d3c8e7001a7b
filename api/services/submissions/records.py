"""Stored submissions: status, provenance and validation report (GET /api/submissions/{id}) and withdrawal.

Who sees what: the agency that submitted and admins see everything — embargoed versions, the count of
confidential cells, the validation report (its messages may quote confidential values), the uploaded file's
name, SHA-256 and size and when its ingest began (all functions of the confidential cells too). Anyone else
sees a submission once its release time has passed, with its public observation count and public provenance;
before that it does not exist for them (404, the same answer as an unknown id). A withdrawal is one update on the
registry and audit graphs (PROV-O §3.1 prov:wasInvalidatedBy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from api.model.agency import Principal
from api.model.submission_record import (
    FileProvenance,
    Provenance,
    SubmissionRecord,
    SubmissionStatus,
    Withdrawal,
)
from api.services.admin import audit
from api.services.registry import Registry
from api.store.queries import fill_update, load_query

MP = vocab.MP


@dataclass(frozen=True)
class _Stored:
    """What the registry graph says about one submission."""

    id: str
    iri: str
    dataset: str
    version: int
    withdrawn: bool
    generated: datetime
    agency: str
    observations: int
    release: datetime | None
    public_graph: str
    restricted_graph: str | None
    report_graph: str | None


def _moment(term: object) -> datetime | None:
    value = getattr(term, "value", None)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC) if value else None


def _value(term: object) -> str | None:
    value = getattr(term, "value", None)
    return str(value) if value is not None else None


def _stored(registry: Registry, submission_id: str) -> _Stored | None:
    iri = registry.iris.submission(submission_id)
    rows = registry.store.select(load_query("registry/submission"), {"submission": NamedNode(iri)},
                                 default_graphs=[registry.iris.registry_graph])
    if not rows:
        return None
    row = rows[0]
    generated = _moment(row["generated"])
    if generated is None or row["dataset"] is None or row["agency"] is None or row["publicGraph"] is None:
        return None
    return _Stored(
        id=submission_id, iri=iri, dataset=vocab.code_id_from_iri(row["dataset"].value),
        version=int(row["version"].value) if row["version"] is not None else 0,
        withdrawn=_value(row["status"]) == MP + "Withdrawn", generated=generated,
        agency=vocab.code_id_from_iri(row["agency"].value),
        observations=int(row["observations"].value) if row["observations"] is not None else 0,
        release=_moment(row["release"]), public_graph=row["publicGraph"].value,
        restricted_graph=_value(row["restrictedGraph"]), report_graph=_value(row["reportGraph"]))


def _status(registry: Registry, stored: _Stored, now: datetime) -> SubmissionStatus:
    """Withdrawn, embargoed (release ahead), superseded (a newer version is public) or published."""
    if stored.withdrawn:
        return SubmissionStatus.WITHDRAWN
    if stored.release is not None and stored.release > now:
        return SubmissionStatus.EMBARGOED
    rows = registry.store.select(load_query("registry/dataset-versions"),
                                 {"dataset": NamedNode(registry.iris.dataset(stored.dataset))},
                                 default_graphs=[registry.iris.registry_graph])
    for row in rows:
        release = _moment(row["release"])
        if (row["version"] is not None and int(row["version"].value) > stored.version
                and _value(row["status"]) == MP + "Published" and (release is None or release <= now)):
            return SubmissionStatus.SUPERSEDED
    return SubmissionStatus.PUBLISHED


def _privileged(principal: Principal | None, stored: _Stored) -> bool:
    return principal is not None and (principal.admin or principal.agency_id == stored.agency)


def _visible(stored: _Stored, now: datetime) -> bool:
    """Public once released (withdrawn ones too, as withdrawn, if they had been released before)."""
    return stored.release is None or stored.release <= now


def _provenance(registry: Registry, stored: _Stored, privileged: bool) -> tuple[Provenance, str | None, int]:
    """What the public graph says (for everyone) and, for ``privileged`` callers, the file and start time the
    private graph keeps."""
    bindings = {"submission": NamedNode(stored.iri)}
    rows = registry.store.select(load_query("registry/submission-provenance"), bindings,
                                 default_graphs=[stored.public_graph])
    row = rows[0] if rows else None
    sources = [s["source"].value for s in registry.store.select(
        load_query("registry/submission-sources"), bindings, default_graphs=[stored.public_graph])
        if s["source"] is not None]

    def get(name: str) -> str | None:
        return _value(row[name]) if row is not None else None

    file, started = None, None
    if privileged and stored.report_graph is not None:
        private = registry.store.select(load_query("registry/submission-file"), bindings,
                                        default_graphs=[stored.report_graph])
        if private and private[0]["sha256"] is not None:
            found = private[0]
            size = _value(found["bytes"])
            file = FileProvenance(_value(found["fileName"]), str(_value(found["sha256"])), int(size) if size else None)
            started = _moment(found["started"])
    previous = get("previous")
    provenance = Provenance(
        agency=stored.agency, agency_iri=registry.iris.agency(stored.agency), started=started,
        ended=_moment(row["ended"]) if row is not None else None, file=file,
        revision_of=vocab.code_id_from_iri(previous) if previous else None, sources=sources,
        primary_source=get("primary"), licence=get("licence"), definition_basis=get("basis"),
        methodology=get("methodology"))
    public_count = get("publicCount")
    return provenance, get("title"), int(public_count) if public_count else 0


def _withdrawal(registry: Registry, stored: _Stored, privileged: bool) -> Withdrawal | None:
    if not stored.withdrawn:
        return None
    found = audit.entries(registry, kind="withdrawal", submission=stored.id, limit=1).entries
    if not found:
        return None
    entry = found[0]
    return Withdrawal(entry.ended, entry.agency, entry.reason) if privileged else Withdrawal(entry.ended)


def _report(registry: Registry, stored: _Stored) -> dict[str, object] | None:
    if stored.report_graph is None:
        return None
    rows = registry.store.select(load_query("registry/submission-report"), {"submission": NamedNode(stored.iri)},
                                 default_graphs=[stored.report_graph])
    if not rows or rows[0]["report"] is None:
        return None
    found: dict[str, object] = json.loads(rows[0]["report"].value)
    return found


def _find(registry: Registry, submission_id: str, principal: Principal | None, now: datetime) -> _Stored:
    stored = _stored(registry, submission_id)
    if stored is None or not (_privileged(principal, stored) or _visible(stored, now)):
        raise NotFound(f"there is no submission '{submission_id}': submission ids read <dataset>-v<version>, as "
                       "GET /api/datasets/{id}/versions lists them (an agency sees its embargoed versions with its "
                       "token).")
    return stored


def get(registry: Registry, submission_id: str, principal: Principal | None = None,
        now: datetime | None = None) -> SubmissionRecord:
    """One submission as ``principal`` (None: the public) may see it."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stored = _find(registry, submission_id, principal, now)
    privileged = _privileged(principal, stored)
    provenance, title, public_count = _provenance(registry, stored, privileged)
    report = _report(registry, stored) if privileged else None
    links = {"self": f"/api/submissions/{stored.id}", "dataset_versions": f"/api/datasets/{stored.dataset}/versions",
             "data": f"/api/observations?dataset={stored.dataset}", "iri": stored.iri}
    if privileged:
        links["report"] = f"/api/submissions/{stored.id}/report"
    return SubmissionRecord(
        id=stored.id, iri=stored.iri, dataset=stored.dataset, title=title, version=stored.version,
        status=_status(registry, stored, now), generated=stored.generated, release=stored.release,
        observations=stored.observations if privileged else public_count, provenance=provenance,
        restricted=stored.observations - public_count if privileged else None,
        withdrawal=_withdrawal(registry, stored, privileged),
        report={k: v for k, v in report.items() if k != "results"} if report is not None else None,
        etag=f'"{stored.id}"', links=links)


STATUS_TERMS = {SubmissionStatus.PUBLISHED: "Published", SubmissionStatus.EMBARGOED: "Embargoed",
                SubmissionStatus.SUPERSEDED: "Superseded", SubmissionStatus.WITHDRAWN: "Withdrawn"}


def provenance_triples(registry: Registry, submission_id: str, principal: Principal | None = None,
                       now: datetime | None = None) -> list[Triple]:
    """The PROV-O description of a submission (its entity, file and ingest activity, PROV-O §3) with its status."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stored = _find(registry, submission_id, principal, now)
    sub = NamedNode(stored.iri)
    described = registry.store.construct(load_query("linked-data/describe"), {"subject": sub},
                                         default_graphs=[stored.public_graph])
    linked = {t.object for t in described if t.predicate.value in (vocab.PROV + "wasDerivedFrom",
                                                                   vocab.PROV + "wasGeneratedBy")}
    for node in linked:
        if isinstance(node, NamedNode):
            described += registry.store.construct(load_query("linked-data/describe"), {"subject": node},
                                                  default_graphs=[stored.public_graph])
    if _privileged(principal, stored) and stored.report_graph is not None:  # the file: the agency's and admins'
        private = [t for t in registry.store.graph_triples(stored.report_graph)
                   if t.predicate.value not in (MP + "validationReport", MP + "failingRows")]
        described += private
    status = STATUS_TERMS[_status(registry, stored, now)]
    return [*described, Triple(sub, NamedNode(MP + "status"), NamedNode(MP + status))]


def report(registry: Registry, submission_id: str, principal: Principal | None,
           now: datetime | None = None) -> dict[str, object]:
    """The full validation report: for the agency that submitted and admins only."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stored = _find(registry, submission_id, principal, now)
    if principal is None:
        raise Unauthorized(f"the validation report of {submission_id} is shown only to the agency that submitted "
                           "it and to administrators: send its token (Authorization: Bearer <token>).")
    if not _privileged(principal, stored):
        raise Forbidden(f"the validation report of {submission_id} is shown only to agency {stored.agency} and to "
                        f"administrators, not to {principal.agency_id}.")
    found = _report(registry, stored)
    if found is None:
        raise NotFound(f"{submission_id} was stored without a validation report (it was loaded before reports "
                       "were kept): validate its file again with `mpr validate` or a dry run.")
    return found


def failing_rows(registry: Registry, submission_id: str, principal: Principal | None,
                 now: datetime | None = None) -> dict[str, object] | None:
    """The failing rows kept for the report page (``failing_rows``): for the agency that submitted and admins;
    None for anyone else, and when none were kept."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stored = _find(registry, submission_id, principal, now)
    if not _privileged(principal, stored) or stored.report_graph is None:
        return None
    rows = registry.store.select(load_query("registry/submission-failing-rows"),
                                 {"submission": NamedNode(stored.iri)}, default_graphs=[stored.report_graph])
    if not rows or rows[0]["rows"] is None:
        return None
    found: dict[str, object] = json.loads(rows[0]["rows"].value)
    return found


def _newest_other(registry: Registry, stored: _Stored) -> NamedNode | None:
    """The newest version of the dataset that is not withdrawn and is not ``stored``."""
    rows = registry.store.select(load_query("registry/dataset-versions"),
                                 {"dataset": NamedNode(registry.iris.dataset(stored.dataset))},
                                 default_graphs=[registry.iris.registry_graph])
    for row in rows:  # newest first
        if row["submission"] is not None and row["submission"].value != stored.iri \
                and _value(row["status"]) == MP + "Published":
            return NamedNode(row["submission"].value)
    return None


def withdraw(registry: Registry, principal: Principal, submission_id: str, reason: str,
             now: datetime | None = None) -> SubmissionRecord:
    """Withdraw a submission (admins only; the route checks): kept in history and in the audit trail, never public
    again; the dataset's current version falls back to its newest remaining one."""
    reason = reason.strip()
    if not reason:
        raise BadRequest("say why the submission is withdrawn: send {\"reason\": \"...\"}; the reason is kept in the "
                       "audit trail.")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with registry.write_lock:
        stored = _find(registry, submission_id, principal, moment)
        if stored.withdrawn:
            raise Conflict(f"{submission_id} is already withdrawn.", details={"status": "withdrawn"})
        sub, graph = NamedNode(stored.iri), NamedNode(registry.iris.registry_graph)
        dataset = NamedNode(registry.iris.dataset(stored.dataset))
        activity, logged = audit.withdrawal_activity(registry.iris, submission_id, principal.agency_id,
                                                     principal.token_id, moment, reason)
        inserted = [Triple(sub, NamedNode(MP + "status"), NamedNode(MP + "Withdrawn")),
                    Triple(sub, NamedNode(vocab.PROV + "wasInvalidatedBy"), activity),
                    Triple(sub, NamedNode(vocab.PROV + "invalidatedAtTime"),
                           Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   datatype=NamedNode(vocab.XSD + "dateTime")))]
        replacement = _newest_other(registry, stored)
        if replacement is not None:
            inserted.append(Triple(dataset, NamedNode(MP + "currentVersion"), replacement))

        registry.store.update(fill_update("registry/withdraw", registry=graph,
                                          audit=NamedNode(registry.iris.audit_graph), submission=sub,
                                          dataset=dataset, record=inserted, activity=logged))
    return get(registry, submission_id, principal, moment)


def listing(registry: Registry, principal: Principal, now: datetime | None = None) -> list[SubmissionRecord]:
    """The agency's own submissions (admins: all), newest first, without their report summaries."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    rows = registry.store.select(load_query("registry/submissions"), default_graphs=[registry.iris.registry_graph])
    found = []
    for row in rows:
        if row["submission"] is None or row["agency"] is None:
            continue
        if principal.admin or vocab.code_id_from_iri(row["agency"].value) == principal.agency_id:
            found.append(get(registry, vocab.code_id_from_iri(row["submission"].value), principal, now))
    found.sort(key=lambda r: r.generated, reverse=True)
    return found
