"""Submissions: an agency uploads a dataset version with its token (RFC 6750 Bearer) and follows it.

``POST /api/submissions``: multipart (``file`` plus metadata fields) or a raw body whose Content-Type names the
format (metadata in the query string). ``dry_run=true`` only validates. 201 with the report when stored, 422
with the full report when it has violations (nothing stored), 401/403 for the token and its scope, 409 when
another version was stored first (``base_version``) and 412 for a false ``If-Match`` / ``If-None-Match``
(RFC 9110 §13.1), 413 above the size limit (counted as the body arrives, whatever Content-Length says; chunked
bodies are counted alike), 415 for a compressed body. Every upload is parsed and validated in the upload worker
process (``upload_worker``): 503 when it stops while doing so (the next upload gets a new one).
With ``format=html`` (or ``Accept: text/html``) the answer is the report as a page, refusals included.
``GET /api/schemas/validation-report`` is the report's JSON Schema.
``GET /api/submissions/{id}`` (status, provenance), ``.../report`` (JSON or HTML), ``POST .../withdraw``
(admins) and ``GET /api/audit`` (admins).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from api.errors import BadRequest, Conflict, Forbidden, PreconditionFailed, SubmissionRejected, UnsupportedMediaType
from api.formats import submission_input
from api.formats.html import HTML
from api.formats.negotiation import choose
from api.formats.rdf import writer as rdf_output
from api.formats.tabular.json_writer import JSON, json_response, plain
from api.model.agency import Principal
from api.model.report import report_schema as validation_report_schema
from api.model.submission import SubmissionMetadata
from api.services.admin import audit
from api.services.params import parse_moment
from api.services.submissions import ingest
from api.services.submissions import records as submission_records
from api.services.submissions import upload as submissions
from api.services.submissions.jobs import UploadJob
from api.services.submissions.progress import Progress, quiet
from api.web import upload_body
from api.web.auth import CurrentAdmin, CurrentPrincipal, OptionalPrincipal
from api.web.cached import PRIVATE_CACHE_CONTROL
from api.web.dependencies import RegistryDep
from api.web.templating import TEMPLATES

PRIVATE = {"Cache-Control": PRIVATE_CACHE_CONTROL, "Vary": "Authorization, Accept"}
RETRY_AFTER_S = 2  # seconds a client waits before asking a background upload's job again

FIELDS = ("dataset", "title", "source", "licence", "methodology", "definition_basis", "release", "original_url",
          "base_version")
_TAG = re.compile(r'^(?:W/)?"(.+)-v([0-9]+)"$')


def _release(text: str | None) -> datetime | None:
    return parse_moment("release", text) if text else None


def _metadata(values: dict[str, list[str]], principal: Principal) -> SubmissionMetadata:
    """What the agency says about the dataset beside the file (form fields or the query string)."""
    def one(name: str) -> str | None:
        found = [v for v in values.get(name, []) if v.strip()]
        return found[0].strip() if found else None

    dataset = one("dataset")
    if dataset is None:
        raise BadRequest("say which dataset this is: dataset=<id> (letters, digits, _ and -), the same id for "
                         "every version of it.")
    meta = SubmissionMetadata(
        dataset_id=dataset, agency_id=principal.agency_id, title=one("title") or dataset,
        sources=tuple(v.strip() for v in values.get("source", []) if v.strip()), methodology=one("methodology"),
        definition_basis=one("definition_basis"), release=_release(one("release")), original_url=one("original_url"))
    licence = one("licence")
    return replace(meta, licence=licence) if licence else meta


def _outcome(found: submissions.UploadOutcome) -> dict[str, Any]:
    links = {"self": f"/api/submissions/{found.submission_id}",
             "report": f"/api/submissions/{found.submission_id}/report"} if found.submission_id else {}
    return {"submission": found.submission_id, "version": found.version, "dry_run": found.dry_run,
            "conforms": found.report.conforms, "observations": found.observations, "restricted": found.restricted,
            "etag": found.etag, "links": links, "report": found.report.to_dict()}


def _base_version(request: Request, dataset: str, field: str | None) -> tuple[int | None, bool]:
    """The version the upload builds on, from ``base_version`` or If-Match / If-None-Match (RFC 9110 §13.1.1-2),
    and whether it came from a header (a false header precondition is 412, a stale base_version 409)."""
    from_field = None
    if field is not None:
        if not (field.isascii() and field.isdigit()) or len(field) > 9:
            raise BadRequest(f"base_version={field[:20]} is not a version number: give the version your revision "
                             "builds on (0 for a new dataset), as GET /api/datasets/{id}/versions lists them.")
        from_field = int(field)
    if_match = request.headers.get("if-match", "").strip()
    if_none_match = request.headers.get("if-none-match", "").strip()
    from_header = None
    if if_none_match == "*":
        from_header = 0
    elif if_none_match:
        raise BadRequest("If-None-Match on an upload can only be '*' (create the dataset, refuse if it exists).")
    if if_match == "*":
        from_header = ingest.ANY_VERSION  # any existing version: the dataset must exist
    elif if_match:
        found = _TAG.match(if_match)
        if found is None or found.group(1) != dataset:
            raise PreconditionFailed(f"If-Match: {if_match[:80]} does not name a version of dataset {dataset}: send "
                                     f'the ETag of its newest version, e.g. If-Match: "{dataset}-v3".')
        from_header = int(found.group(2))
    if from_field is not None and from_header not in (None, from_field):
        raise BadRequest("base_version and If-Match / If-None-Match name different versions: send one of them.")
    return (from_header if from_header is not None else from_field), from_header is not None


def _negotiated_html(request: Request, format_param: str | None) -> bool:
    return choose(request.headers.get("accept"), REPORT_OFFERS, format_param) is HTML


REPORT_OFFERS = (JSON, HTML)
RECORD_OFFERS = (JSON, HTML, *rdf_output.RDF_OFFERS)


class WithdrawalRequest(BaseModel):
    """Why a submission is withdrawn (kept in the audit trail)."""

    reason: str = Field(min_length=1, max_length=2000, examples=["figures for 2021 were published in error"])


def _errors(**codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error codes of a route, each with the one error shape."""
    shape = {"application/json": {"example": {"error": {"status": 400, "code": "bad_request", "message": "...",
                                                         "details": {}}}}}
    found: dict[int | str, dict[str, Any]] = {}
    for name, text in codes.items():
        found[int(name.removeprefix("e"))] = {"description": text, "content": shape}
    return found


AUTH_ERRORS = {"e401": "no token, or not a valid one", "e403": "outside the agency's scope or role"}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file", "dataset"], "properties": {
        "file": {"type": "string", "format": "binary", "description": submission_input.accepted()},
        "dataset": {"type": "string", "description": "The dataset id, the same for every version"},
        "title": {"type": "string"}, "source": {"type": "array", "items": {"type": "string"}},
        "licence": {"type": "string"}, "methodology": {"type": "string"},
        "definition_basis": {"type": "string", "description": "e.g. foreign-born or foreign citizens"},
        "release": {"type": "string", "description": "Release date-time: embargoed until then"},
        "original_url": {"type": "string"},
        "base_version": {"type": "string", "description": "The version this one revises (0: a new dataset)"}}}},
    **{media_type: {"schema": {"type": "string"}} for media_type in submission_input.MEDIA_TYPES}}}}


router = APIRouter(prefix="/api", tags=["Submissions"])


@router.post("/submissions", status_code=201, summary="Upload a dataset version",
             openapi_extra=UPLOAD_BODY,
             responses={200: {"description": "dry_run=true: the validation report only",
                              "content": {"application/json": {}}},
                        201: {"description": "stored: the submission and its report",
                              "content": {"application/json": {}}},
                        202: {"description": "above MPR_UPLOAD_SYNC_MAX_BYTES: accepted, running in the "
                                             "background; poll Location (GET /api/uploads/{job})",
                              "content": {"application/json": {}}},
                        **_errors(e400="unreadable file or bad metadata", **AUTH_ERRORS,
                                  e409="another version was stored first: build on it",
                                  e412="If-Match / If-None-Match is false",
                                  e413="too large", e415="compressed body",
                                  e422="violations: the report, nothing stored",
                                  e503="the validation worker stopped (killed, out of time): send it again")})
async def upload(
    registry: RegistryDep, request: Request, principal: CurrentPrincipal,
    dry_run: Annotated[bool, Query(description="Only validate; store nothing.")] = False,
    format: Annotated[str | None, Query(description="json or html: the answer, its report included "
                                                    "(else Accept)")] = None,
) -> Response:
    """Validate and store a new version of a dataset for the token's agency (see the module docstring)."""
    as_html = _negotiated_html(request, format)
    limit = registry.settings.max_upload_bytes
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedMediaType(f"Content-Encoding: {encoding[:40]} is not accepted: the registry does not "
                                   "decompress uploads (no archive can expand on the server); send the file "
                                   "uncompressed.")
    with tempfile.TemporaryDirectory(prefix="mpr-body-") as folder:
        body = await upload_body.receive(request, Path(folder), limit, FIELDS)
        values: dict[str, list[str]] = {k: [*request.query_params.getlist(k), *body.fields.get(k, [])]
                                        for k in FIELDS}
        meta = _metadata(values, principal)
        given = [v.strip() for v in values.get("base_version", []) if v.strip()]
        base_version, from_header = _base_version(request, meta.dataset_id, given[0] if given else None)
        suffix = submissions.suffix_for(body.file_name, body.media_type)

        def run(received: Path = body.path, progress: Progress = quiet) -> submissions.UploadOutcome:
            try:
                return submissions.upload(registry, principal, received, suffix, body.file_name, meta,
                                          dry_run=dry_run, base_version=base_version, progress=progress)
            except Conflict as exc:
                if from_header and not isinstance(exc, PreconditionFailed):
                    raise PreconditionFailed(exc.message, details=exc.details) from exc
                raise

        if body.path.stat().st_size > registry.settings.upload_sync_max_bytes:
            kept = Path(tempfile.mkdtemp(prefix="mpr-job-"))
            received = kept / body.path.name
            shutil.move(body.path, received)
            job = registry.upload_jobs.start(principal, kept, lambda progress: run(received, progress))
            return json_response(_job(job), status_code=202, headers={
                **PRIVATE, "Location": f"/api/uploads/{job.job_id}", "Retry-After": str(RETRY_AFTER_S)})

        # Uploads run one at a time (the one upload worker); the others wait on the app's upload slot, without
        # holding a thread of the pool that every synchronous route shares.
        try:
            found = await anyio.to_thread.run_sync(run, limiter=request.app.state.upload_slot)
        except (SubmissionRejected, Forbidden) as exc:
            report = exc.details.get("report")
            if as_html and isinstance(report, dict):  # the report as a page, with the refusal's status
                return TEMPLATES.TemplateResponse(request, "validation.html",
                                                  {"report": report, "outcome": exc.message},
                                                  status_code=exc.status, headers=PRIVATE)
            raise
    headers = {"ETag": found.etag, "Location": f"/api/submissions/{found.submission_id}"} if found.etag else {}
    status = 200 if dry_run else 201
    if as_html:
        outcome = ("dry run: nothing was stored." if dry_run else
                   f"stored as {found.submission_id} (version {found.version}).")
        return TEMPLATES.TemplateResponse(request, "validation.html", {"report": found.report.to_dict(),
                                                                       "outcome": outcome},
                                          status_code=status, headers={**headers, **PRIVATE})
    return json_response(_outcome(found), status_code=status, headers=headers)


@router.get("/schemas/validation-report", summary="The JSON Schema of validation reports",
            responses={200: {"content": {"application/schema+json": {}}}})
def report_schema() -> Response:
    """The shape of every validation report the registry answers (``report`` of an upload's answer, of a 422, of
    ``GET /api/submissions/{id}/report``): JSON Schema 2020-12."""
    return json_response(validation_report_schema(), media_type="application/schema+json")


def _job(job: UploadJob) -> dict[str, Any]:
    """An upload job as JSON: its state while it runs, then what the upload answered synchronously."""
    found: dict[str, Any] = {"job": job.job_id, "state": job.state, "rows": job.rows,
                             "links": {"self": f"/api/uploads/{job.job_id}"}}
    if job.outcome is not None:
        found["result"] = _outcome(job.outcome)
    if job.error is not None:
        found["error"] = {"status": job.error.status, "code": job.error.code, "message": job.error.message,
                          "details": job.error.details}
    return found


@router.get("/uploads/{job_id}", summary="An upload running in the background (202 Accepted)",
            responses={200: {"content": {"application/json": {}}},
                       **_errors(**AUTH_ERRORS, e404="no such job for your agency")})
def get_upload_job(registry: RegistryDep, principal: CurrentPrincipal, job_id: str) -> Response:
    """The phase of an upload above the synchronous size (``validating``, ``storing``; with Retry-After) or its
    outcome: ``stored`` / ``validated`` with the submission and report, ``rejected`` / ``failed`` with the error
    (and the report): nothing was stored."""
    job = registry.upload_jobs.get(job_id, principal)
    headers = {**PRIVATE, "Retry-After": str(RETRY_AFTER_S)} if job.running else PRIVATE
    if job.outcome is not None and job.outcome.submission_id:
        headers = {**headers, "Content-Location": f"/api/submissions/{job.outcome.submission_id}"}
    return json_response(_job(job), headers=headers)


@router.get("/submissions", summary="Your agency's submissions",
            responses={200: {"content": {"application/json": {}}}, **_errors(**AUTH_ERRORS)})
def list_own(registry: RegistryDep, principal: CurrentPrincipal) -> Response:
    """Every version the token's agency stored (admins: every agency's), newest first, with its status."""
    found = submission_records.listing(registry, principal)
    return json_response(plain(found), headers=PRIVATE)


@router.get("/submissions/{submission_id}", summary="One submission: status and provenance",
            responses={200: {"content": {o.media_type: {} for o in RECORD_OFFERS}},
                       **_errors(e400="a bad format= value", e401="a token that is not valid",
                                 e404="unknown, or embargoed and not your agency's", e406="not acceptable")})
def get_submission(registry: RegistryDep, request: Request, submission_id: str, principal: OptionalPrincipal,
                   format: Annotated[str | None, Query(description="json or html (else Accept)")] = None,
                   ) -> Response:
    """Status (published, embargoed, superseded, withdrawn) and provenance (JSON, an HTML page, or PROV-O as
    Turtle, JSON-LD, N-Triples, RDF/XML); with the agency's token also the embargoed versions, the confidential
    cell count and the report summary."""
    offer = choose(request.headers.get("accept"), RECORD_OFFERS, format)
    record = submission_records.get(registry, submission_id, principal)
    headers = {**PRIVATE, "ETag": record.etag or ""} if principal is not None else {
        "Cache-Control": "no-cache", "Vary": "Authorization, Accept"}
    if offer in rdf_output.RDF_OFFERS:
        triples = submission_records.provenance_triples(registry, submission_id, principal)
        return Response(rdf_output.serialize_graph(triples, offer), media_type=offer.content_type,
                        headers=headers)
    if offer is HTML:
        found = submission_records.report(registry, submission_id, principal) if record.report else None
        return TEMPLATES.TemplateResponse(request, "submission.html", {"s": plain(record), "report": found},
                                          headers=headers)
    return json_response(plain(record), headers=headers)


@router.get("/submissions/{submission_id}/report", summary="The validation report of a submission",
            responses={200: {"content": {o.media_type: {} for o in REPORT_OFFERS}},
                       **_errors(e400="a bad format= value", **AUTH_ERRORS,
                                 e404="unknown, or embargoed and not your agency's", e406="not acceptable")})
def get_report(registry: RegistryDep, request: Request, submission_id: str, principal: OptionalPrincipal,
               format: Annotated[str | None, Query(description="json or html (else Accept)")] = None,
               ) -> Response:
    """Every Violation, Warning and note with its row and column, as stored with the submission (for its
    agency and admins)."""
    found = submission_records.report(registry, submission_id, principal)
    if _negotiated_html(request, format):
        record = submission_records.get(registry, submission_id, principal)
        return TEMPLATES.TemplateResponse(request, "submission.html", {"s": plain(record), "report": found},
                                          headers=PRIVATE)
    return json_response(found, headers=PRIVATE)


@router.post("/submissions/{submission_id}/withdraw", summary="Withdraw a submission (admins)",
             responses={200: {"content": {"application/json": {}}},
                        **_errors(e400="no reason given", **AUTH_ERRORS, e404="no such submission",
                                  e409="already withdrawn")})
async def withdraw(registry: RegistryDep, principal: CurrentAdmin, submission_id: str,
                   body: Annotated[WithdrawalRequest, Body()]) -> Response:
    """Kept in the store and in history, never public again; recorded in the audit trail."""
    record = await anyio.to_thread.run_sync(
        lambda: submission_records.withdraw(registry, principal, submission_id, body.reason))
    return json_response(plain(record), headers=PRIVATE)


@router.get("/audit", summary="The audit trail (admins)",
            responses={200: {"content": {"application/json": {}}},
                       **_errors(e400="a bad date-time or parameter", **AUTH_ERRORS)})
def audit_trail(registry: RegistryDep,
    principal: CurrentAdmin,
    agency: Annotated[str | None, Query(description="Only this agency's writes.")] = None,
    kind: Annotated[str | None, Query(
        description="upload, withdrawal, agency-added, agency-changed, token-created or token-revoked.",
        pattern="^(upload|withdrawal|agency-added|agency-changed|token-created|token-revoked)$")] = None,
    since: Annotated[str | None, Query(description="Writes ended at or after this date-time.")] = None,
    until: Annotated[str | None, Query(description="Writes ended before this date-time.")] = None,
    submission: Annotated[str | None, Query(description="Writes of this submission.")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Every write, newest first: uploads and withdrawals (PROV activities: who, with which token id, what,
    when) and changes of agencies' scopes and tokens made with the command line."""
    page = audit.entries(registry, agency=agency, kind=kind,
                         since=parse_moment("since", since) if since else None,
                         until=parse_moment("until", until) if until else None,
                         submission=submission, offset=offset, limit=limit)
    return json_response(plain(page), headers=PRIVATE)
