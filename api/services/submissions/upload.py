"""Uploads by agencies (issue: country submissions): parse, check the agency's scope, validate, store.

One call per upload: the file (already on disk in a private temporary folder, as the route received it) is parsed
and validated in the upload worker process by the same readers and bounds as ``mpr load`` — so that no file can
crash or exhaust the server — its REF_AREA codes checked against the token's scope (each row of an area outside
it is a finding of the report, rule ``area-scope``, never stored), then either only validated (dry run) or stored as
a new version attributed to the agency (``ingest.finish``: all or nothing).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from api.errors import BadRequest, Forbidden, InputFileError
from api.formats import submission_input
from api.formats.tabular.xlsx_input import MACROS_REFUSED
from api.model.agency import Principal, describe_scope, write_scope
from api.model.report import ValidationReport
from api.model.submission import InputLimits, ParsedFile, Problem, SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import failing_rows, ingest
from api.services.submissions.prepare import PreparedSubmission
from api.services.submissions.progress import Progress, quiet

SCOPE_RULE = "area-scope"


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
    if submission_input.is_macro_workbook(file_name, media_type):
        raise InputFileError(f"{file_name or 'the upload'}: {MACROS_REFUSED}")
    if file_name:
        suffix = Path(file_name).suffix.lower()
        if submission_input.reader_for_suffix(suffix) is not None:
            return suffix
    by_type = submission_input.suffix_for_media_type(media_type) if media_type else None
    if by_type is not None:
        return by_type
    raise BadRequest(f"cannot tell the file's format from '{file_name or ''}' or Content-Type '{media_type or ''}': "
                     f"send {submission_input.accepted(media_types=True)}.")


def scope_findings(registry: Registry, principal: Principal, area_rows: Iterable[tuple[str, Iterable[int]]]
                   ) -> list[Problem]:
    """One Violation per row whose REF_AREA the agency may not write (``write_scope``), naming row and column."""
    rows = [(text, registry.areas.code(text) or text.strip(), found) for text, found in area_rows]
    decision = write_scope(principal, [code for _, code, _ in rows])
    if decision.allowed:
        return []
    outside = set(decision.outside)
    scope = "any area" if principal.writes_any_area else describe_scope(principal)
    return [Problem("Violation", SCOPE_RULE,
                    f"{f'row {row}' if row else 'observations'}, REF_AREA: agency {principal.agency_id} "
                    f"({principal.kind.label}) may write data only for {scope}, not for {code}: remove the rows of "
                    f"{code}, or ask the registry operator to grant {code} to the agency", row=row, column="REF_AREA",
                    value=text)
            for text, code, found in rows if code in outside for row in (list[int | None](found) or [None])]


def with_scope(registry: Registry, principal: Principal, prepared: PreparedSubmission) -> PreparedSubmission:
    """The submission with its scope findings in the report (none: unchanged)."""
    # A REF_AREA that is not an area code already has its finding (unknown code, with suggestions): not two.
    unknown = {p.row for p in prepared.report.results if p.column == "REF_AREA" and p.rule == "code-list"}
    listed = dict(prepared.area_rows)
    every = [*prepared.area_rows, *((a, ()) for a in prepared.areas if a not in listed)]  # no area unchecked
    found = [p for p in scope_findings(registry, principal, every) if p.row is None or p.row not in unknown]
    if not found:
        return prepared
    report = replace(prepared.report, results=tuple(sorted((*prepared.report.results, *found),
                                                           key=lambda p: (*p.sort_key(), p.message))))
    return replace(prepared, report=report)


def _refuse_scope(principal: Principal, prepared: PreparedSubmission, file_name: str) -> None:
    """403 with the report when the only violations are areas outside the scope (the data is fine, the token
    may not write it); other violations go to ``ingest.finish`` (422 with the same report)."""
    violations = [p for p in prepared.report.results if p.severity == "Violation"]
    if violations and all(p.rule == SCOPE_RULE for p in violations):
        areas = ", ".join(sorted({p.value or "" for p in violations}))
        raise Forbidden(f"{file_name}: agency {principal.agency_id} ({principal.kind.label}) may write data only for "
                        f"{describe_scope(principal)}, not for {areas} ({len(violations)} row(s), named in the "
                        "report); nothing was stored: remove those rows, or ask the registry operator to grant "
                        "the areas to the agency.", details={"report": prepared.report.to_dict()})


def upload(registry: Registry, principal: Principal, received: Path, suffix: str, file_name: str,
           meta: SubmissionMetadata, *, dry_run: bool = False, base_version: int | None = None,
           progress: Progress = quiet) -> UploadOutcome:
    """Validate (and unless ``dry_run`` store) the file at ``received`` for ``principal``; SubmissionRejected on
    violations, Forbidden for another agency's dataset or (with the report) for areas outside the agency's scope,
    InputFileError for a file the parsers refuse or one past the bounds, WorkerStopped (503) when the worker stops
    while checking it, Conflict when ``base_version`` (or, when None, the newest version at the start) is not the
    newest at the end."""
    submission = replace(meta, agency_id=principal.agency_id)  # always the token's agency
    with tempfile.TemporaryDirectory(prefix="mpr-upload-") as folder:
        path = Path(folder) / (Path(file_name).stem[:80] + suffix if file_name else "upload" + suffix)
        shutil.move(received, path)
        with path.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        unread = ParsedFile(name=path.name, format="", records=[], sha256=sha256,
                            size=path.stat().st_size)  # the worker reads the records
        state, facts = ingest.begin(registry, submission, base_version, unread, dry_run=dry_run)
        prepared = registry.upload_worker.prepare(path, submission, facts, out=None if dry_run else Path(folder),
                                                  limits=InputLimits.from_settings(registry.settings),
                                                  progress=progress)
        prepared = with_scope(registry, principal, prepared)
        if dry_run:
            return UploadOutcome(prepared.report, True, observations=prepared.observations)
        _refuse_scope(principal, prepared, file_name or path.name)
        rows = failing_rows.collect(path, suffix, prepared.report.to_dict()["results"])  # type: ignore[arg-type]
        kept = [failing_rows.triple(registry.iris.submission(facts.submission_id), rows)] if rows else []
        result = ingest.finish(registry, submission, state, facts, prepared, principal.token_id, progress, kept)
    return UploadOutcome(result.report, False, result.submission_id, result.version, result.observations,
                         result.restricted)
