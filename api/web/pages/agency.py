"""The upload pages of an agency: sign in once with its token, download a template, upload a file (check it
or publish it), read the report with the failing rows, and follow its submissions.

Forms carry the session's CSRF token; the session is a cookie (``api.web.pages.sessions``). Each action calls
the service its API route calls (``services.submissions``), with the same bounds on the upload as it arrives.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.errors import BadRequest, NotFound, SubmissionRejected, Unauthorized
from api.formats.html import report_view
from api.formats.tabular.csv_writer import CSV
from api.model.agency import Principal
from api.services.admin import agencies
from api.services.read import indicators as indicator_service
from api.services.submissions import records as submission_records
from api.services.submissions import template as templates
from api.services.submissions import upload as submissions
from api.web import upload_body
from api.web.cached import PRIVATE_CACHE_CONTROL
from api.web.dependencies import RegistryDep
from api.web.pages import pending, sessions
from api.web.pages.render import page_language, render
from api.web.routes.submissions import FIELDS, _metadata

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": PRIVATE_CACHE_CONTROL}
MAX_TOKEN_CHARS = 200
REPORT_ROWS_BYTES = 20 * 1024 * 1024  # rows are shown from CSV files and workbooks up to this size


def _store(request: Request) -> sessions.PageSessions:
    found: sessions.PageSessions = request.app.state.page_sessions
    return found


def _pending(request: Request) -> pending.PendingUploads:
    found: pending.PendingUploads = request.app.state.pending_uploads
    return found


def current_session(registry: RegistryDep, request: Request) -> sessions.PageSession | None:
    """The request's session, if its cookie names an open one whose token is still active."""
    session = _store(request).get(request.cookies.get(sessions.COOKIE))
    if session is None:
        return None
    tokens = agencies.list_tokens(agencies.credentials_for(registry), session.principal.agency_id)
    if not any(t.id == session.principal.token_id and t.active for t in tokens):
        _store(request).close(request.cookies.get(sessions.COOKIE))
        _pending(request).forget_session(request.cookies.get(sessions.COOKIE))
        return None
    return session


def _upload_page(registry: RegistryDep, request: Request, session: sessions.PageSession, *,
                 report: dict[str, Any] | None = None, file_rows: report_view.FileRows | None = None,
                 status_code: int = 200, chosen: dict[str, str] | None = None,
                 pending_id: str | None = None) -> Response:
    lang = page_language(request)
    groups = report_view.findings_by_rule(report["results"]) if report else []
    return render(request, "upload.html", {
        "agency": session.principal.agency_id, "areas": sorted(session.principal.areas), "csrf": session.csrf,
        "indicators": indicator_service.list_indicators(registry, lang=lang),
        "submissions": submission_records.listing(registry, session.principal),
        "report": report, "groups": [(g, report_view.failing_rows(g, file_rows)) for g in groups],
        "header": file_rows.header if file_rows else [], "chosen": chosen or {}, "pending": pending_id,
        "pending_minutes": pending.LIFETIME.seconds // 60},
        status_code=status_code, headers=PRIVATE)


@router.get("/upload")
def upload_page(registry: RegistryDep, request: Request) -> Response:
    session = current_session(registry, request)
    if session is None:
        return render(request, "signin.html", {"problem": None}, headers=PRIVATE)
    return _upload_page(registry, request, session)


@router.post("/upload/sign-in")
async def sign_in(registry: RegistryDep, request: Request) -> Response:
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return render(request, "signin.html", {"problem": "This form was sent from another site."},
                      status_code=403, headers=PRIVATE)
    form = await request.form(max_files=0, max_fields=5)
    token = str(form.get("token") or "").strip()[:MAX_TOKEN_CHARS]
    try:
        principal = agencies.verify_token(agencies.credentials_for(registry), token)
    except Unauthorized as exc:
        return render(request, "signin.html", {"problem": exc.message}, status_code=401, headers=PRIVATE)
    session_id, _ = _store(request).open(principal)
    response = RedirectResponse(f"/upload?lang={page_language(request)}", status_code=303, headers=PRIVATE)
    sessions.set_cookie(response, session_id)
    return response


@router.post("/upload/sign-out")
async def sign_out(registry: RegistryDep, request: Request) -> Response:
    session = current_session(registry, request)
    if session is not None:
        form = await request.form(max_files=0, max_fields=5)
        sessions.check_csrf(request, session, str(form.get("csrf") or ""))
        _store(request).close(request.cookies.get(sessions.COOKIE))
        _pending(request).forget_session(request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/upload", status_code=303, headers=PRIVATE)
    sessions.clear_cookie(response)
    return response


@router.get("/upload/template.csv")
def template(registry: RegistryDep, request: Request,
             indicator: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
             area: str = "", years: str = "") -> Response:
    """The CSV template for the chosen indicators, pre-filled with the area and years (one row each)."""
    session = current_session(registry, request)
    if session is None:
        raise Unauthorized("sign in at /upload first: the template is made for your agency's areas.")
    if not indicator:
        raise BadRequest("choose at least one indicator for the template.")
    wanted_years = [y.strip() for y in years.split(",") if y.strip()]
    rows = templates.template_rows(registry.catalogue, indicator, area.strip().upper(), wanted_years or None)
    out = io.StringIO()
    templates.write_template(out, rows)
    return Response(out.getvalue(), media_type=CSV.content_type, headers={
        **PRIVATE, "Content-Disposition": 'attachment; filename="template.csv"'})


def _rows_of(path: Path, suffix: str, report: dict[str, Any]) -> report_view.FileRows | None:
    wanted = {int(r["row"]) for r in report["results"] if r.get("row")}
    return report_view.rows_of_file(path, suffix, wanted, REPORT_ROWS_BYTES)


@router.post("/upload")
async def upload(registry: RegistryDep, request: Request) -> Response:
    session = current_session(registry, request)
    if session is None:
        raise Unauthorized("sign in at /upload first.")
    principal: Principal = session.principal
    with tempfile.TemporaryDirectory(prefix="mpr-page-") as folder:
        body = await upload_body.receive(request, Path(folder), registry.settings.max_upload_bytes,
                                         (*FIELDS, "csrf", "action"))
        sessions.check_csrf(request, session, (body.fields.get("csrf") or [""])[0])
        meta = _metadata(body.fields, principal)
        publish = (body.fields.get("action") or ["check"])[0] == "publish"
        suffix = submissions.suffix_for(body.file_name, body.media_type)
        kept = Path(folder) / "kept"  # upload() moves the file away: the rows (and a dry run's file) stay here
        if suffix == ".csv" or not publish:
            shutil.copyfile(body.path, kept)
        chosen = {"dataset": meta.dataset_id, "title": meta.title, "source": ", ".join(meta.sources)}

        def run() -> submissions.UploadOutcome:
            return submissions.upload(registry, principal, body.path, suffix, body.file_name, meta,
                                      dry_run=not publish)

        try:
            found = await anyio.to_thread.run_sync(run, limiter=request.app.state.upload_slot)
        except SubmissionRejected as exc:
            report = exc.details["report"]
            return _upload_page(registry, request, session, report=report,  # type: ignore[arg-type]
                                file_rows=_rows_of(kept, suffix, report), status_code=422,  # type: ignore[arg-type]
                                chosen=chosen)
        if found.submission_id is not None:
            return RedirectResponse(f"/submissions/{found.submission_id}?lang={page_language(request)}",
                                    status_code=303, headers=PRIVATE)
        report = found.report.to_dict()
        file_rows = _rows_of(kept, suffix, report)
        pending_id = _pending(request).keep(request.cookies.get(sessions.COOKIE) or "", session.csrf, kept,
                                            body.file_name or "upload" + suffix, suffix, meta
                                            ) if found.report.conforms else None
        return _upload_page(registry, request, session, report=report, file_rows=file_rows,
                            status_code=200 if found.report.conforms else 422, chosen=chosen, pending_id=pending_id)


@router.post("/upload/publish")
async def publish_checked(registry: RegistryDep, request: Request) -> Response:
    """Publish the file of a dry run that conformed, kept server-side for this session (``pages.pending``)."""
    session = current_session(registry, request)
    if session is None:
        raise Unauthorized("sign in at /upload first.")
    form = await request.form(max_files=0, max_fields=5)
    csrf = str(form.get("csrf") or "")
    sessions.check_csrf(request, session, csrf)
    entry = _pending(request).take(str(form.get("pending") or ""), request.cookies.get(sessions.COOKIE), csrf)
    if entry is None:
        raise NotFound(f"the checked file is no longer kept (a checked file waits {pending.LIFETIME.seconds // 60} "
                       "minutes, until it is published or you sign out): upload it again at /upload.")
    principal: Principal = session.principal

    def run() -> submissions.UploadOutcome:
        return submissions.upload(registry, principal, entry.path, entry.suffix, entry.file_name, entry.meta)

    try:
        found = await anyio.to_thread.run_sync(run, limiter=request.app.state.upload_slot)
    except SubmissionRejected as exc:
        return _upload_page(registry, request, session, report=exc.details["report"],  # type: ignore[arg-type]
                            status_code=422)
    finally:
        pending.PendingUploads.done(entry)
    return RedirectResponse(f"/submissions/{found.submission_id}?lang={page_language(request)}",
                            status_code=303, headers=PRIVATE)


@router.get("/submissions/{submission_id}")
def submission_page(registry: RegistryDep, request: Request, submission_id: str) -> Response:
    """A submission's status and provenance; for its agency, the report grouped by rule."""
    session = current_session(registry, request)
    principal = session.principal if session else None
    record = submission_records.get(registry, submission_id, principal)
    report = submission_records.report(registry, submission_id, principal) if record.report else None
    groups = report_view.findings_by_rule(report["results"]) if report else []  # type: ignore[arg-type]
    kept = submission_records.failing_rows(registry, submission_id, principal) if report else None
    file_rows = report_view.kept_rows(kept) if kept else None
    return render(request, "submission.html", {
        "s": record, "report": report, "groups": [(g, report_view.failing_rows(g, file_rows)) for g in groups],
        "header": file_rows.header if file_rows else []}, headers=PRIVATE)
