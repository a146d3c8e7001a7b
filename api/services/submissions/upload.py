"""Uploads by agencies (issue: country submissions): parse, check the agency's scope, validate, store.

One call per upload: the file (already on disk in a private temporary folder, as the route received it) is parsed
and validated in the upload worker process by the same readers and bounds as ``mpr load`` — so that no file can
crash or exhaust the server — its REF_AREA codes checked against the token's scope, then either only validated
(dry run) or stored as a new version attributed to the agency (``ingest.finish``: all or nothing).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from api.errors import BadRequest
from api.formats import submission_input
from api.model.agency import Principal
from api.model.report import ValidationReport
from api.model.submission import InputLimits, ParsedFile, SubmissionMetadata
from api.services.admin import agencies
from api.services.registry import Registry
from api.services.submissions import ingest
from api.services.submissions.progress import VALIDATING, Progress, quiet


@dataclass(frozen=True)
class UploadOutcome:
    """A stored submission (``submission_id`` set) or a dry run's verdict, with the validation report."""

    report: ValidationReport
    dry_run: bool
    submission_id: str | None = None
    version: int | None = None
    observations: int = 0
    restricted: int = 0

    @property
    def etag(self) -> str | None:
        """The new version's entity tag: what the next revision names in If-Match."""
        return f'"{self.submission_id}"' if self.submission_id else None


def suffix_for(file_name: str | None, media_type: str | None) -> str:
    """The reader to use: the file name's suffix, else the Content-Type; BadRequest when neither is accepted
    (both as the readers declare them: ``submission_input.READERS``)."""
    if file_name:
        suffix = Path(file_name).suffix.lower()
        if submission_input.reader_for_suffix(suffix) is not None:
            return suffix
    by_type = submission_input.suffix_for_media_type(media_type) if media_type else None
    if by_type is not None:
        return by_type
    raise BadRequest(f"cannot tell the file's format from '{file_name or ''}' or Content-Type '{media_type or ''}': "
                     f"send {submission_input.accepted(media_types=True)}.")


def _check_areas(registry: Registry, principal: Principal, written: Iterable[str]) -> None:
    agencies.check_write(principal, sorted({registry.areas.code(text) or text.strip() for text in written}))


def upload(registry: Registry, principal: Principal, received: Path, suffix: str, file_name: str,
           meta: SubmissionMetadata, *, dry_run: bool = False, base_version: int | None = None,
           progress: Progress = quiet) -> UploadOutcome:
    """Validate (and unless ``dry_run`` store) the file at ``received`` for ``principal``; SubmissionRejected on
    violations, Forbidden for areas outside the agency's scope or another agency's dataset, InputFileError for a
    file the parsers refuse or one past the bounds, WorkerStopped (503) when the worker stops while checking it,
    Conflict when ``base_version`` (or, when None, the newest version at the start) is not the newest at the end."""
    submission = replace(meta, agency_id=principal.agency_id)  # always the token's agency
    with tempfile.TemporaryDirectory(prefix="mpr-upload-") as folder:
        path = Path(folder) / (Path(file_name).stem[:80] + suffix if file_name else "upload" + suffix)
        shutil.move(received, path)
        with path.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        unread = ParsedFile(name=path.name, format="", records=[], sha256=sha256,
                            size=path.stat().st_size)  # the worker reads the records
        state, facts = ingest.begin(registry, submission, base_version, unread, dry_run=dry_run)
        progress(VALIDATING, 0, None)
        prepared = registry.upload_worker.prepare(path, submission, facts, store=not dry_run,
                                                  limits=InputLimits.from_settings(registry.settings))
        _check_areas(registry, principal, prepared.areas)
        if dry_run:
            return UploadOutcome(prepared.report, True, observations=prepared.observations)
        result = ingest.finish(registry, submission, state, facts, prepared, principal.token_id, progress)
    return UploadOutcome(result.report, False, result.submission_id, result.version, result.observations,
                         result.restricted)
