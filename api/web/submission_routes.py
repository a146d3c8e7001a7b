"""``POST /api/submissions``: an agency uploads a dataset version with its token (RFC 6750 Bearer).

Multipart (``file`` plus metadata fields) or a raw body whose Content-Type names the format (metadata in
the query string). ``dry_run=true`` only validates. 201 with the report when stored, 422 with the full report
when it has violations (nothing stored), 401/403 for the token and its scope, 411 without Content-Length,
413 above the size limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile

from api.errors import BadRequest, HttpError, TooLarge
from api.formats.api_json import json_response
from api.services import submissions
from api.services.registry import Registry
from api.services.sdmx_data_params import parse_moment
from api.web.auth import CurrentPrincipal

FIELDS = ("dataset", "title", "source", "licence", "methodology", "definition_basis", "release", "original_url")


def _release(text: str | None) -> datetime | None:
    return parse_moment("release", text) if text else None


def _metadata(values: dict[str, list[str]]) -> submissions.UploadMetadata:
    def one(name: str) -> str | None:
        found = [v for v in values.get(name, []) if v.strip()]
        return found[0].strip() if found else None

    dataset = one("dataset")
    if dataset is None:
        raise BadRequest("say which dataset this is: dataset=<id> (letters, digits, _ and -), the same id for "
                         "every version of it.")
    return submissions.UploadMetadata(
        dataset_id=dataset, title=one("title") or "", sources=tuple(v.strip() for v in values.get("source", [])
                                                                    if v.strip()),
        licence=one("licence"), methodology=one("methodology"), definition_basis=one("definition_basis"),
        release=_release(one("release")), original_url=one("original_url"))


def _outcome(found: submissions.UploadOutcome) -> dict[str, Any]:
    return {"submission": found.submission_id, "version": found.version, "dry_run": found.dry_run,
            "conforms": found.report.conforms, "observations": found.observations, "restricted": found.restricted,
            "report": found.report.to_dict()}


def create_submission_router(registry: Registry) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["Submissions"])

    @router.post("/submissions", status_code=201, summary="Upload a dataset version",
                 responses={200: {"description": "dry_run=true: the validation report only"},
                            201: {"description": "stored: the submission and its report"},
                            401: {"description": "no valid token"}, 403: {"description": "outside the scope"},
                            411: {"description": "no Content-Length"}, 413: {"description": "too large"},
                            422: {"description": "violations: the report, nothing stored"}})
    async def upload(
        request: Request, principal: CurrentPrincipal,
        dry_run: Annotated[bool, Query(description="Only validate; store nothing.")] = False,
    ) -> Response:
        """Validate and store a new version of a dataset for the token's agency (see the module docstring)."""
        limit = registry.settings.max_upload_bytes
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise HttpError("send the upload with a Content-Length header (chunked uploads are not accepted).", 411)
        if int(length) > limit:
            raise TooLarge(f"the upload is {int(length):,} bytes, above the limit of {limit:,}: split the dataset "
                           "into several, or ask the registry operator to raise MPR_MAX_UPLOAD_BYTES.")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        values: dict[str, list[str]] = {k: request.query_params.getlist(k) for k in FIELDS}
        if content_type == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=50)
            upload_file = form.get("file")
            if not isinstance(upload_file, UploadFile):
                raise BadRequest("the form has no file: send the data file in a part named 'file'.")
            for name in FIELDS:
                values[name] = [*values[name], *(str(v) for v in form.getlist(name))]
            data, file_name, media = await upload_file.read(), upload_file.filename or "", (
                upload_file.content_type or "").split(";")[0].strip().lower()
        else:
            data, file_name, media = await request.body(), "", content_type
        if len(data) > limit:
            raise TooLarge(f"the file is {len(data):,} bytes, above the limit of {limit:,}.")
        meta = _metadata(values)
        suffix = submissions.suffix_for(file_name, media)
        found = await anyio.to_thread.run_sync(lambda: submissions.upload(
            registry, principal, data, suffix, file_name, meta, dry_run=dry_run))
        return json_response(_outcome(found), status_code=200 if dry_run else 201)

    return router
