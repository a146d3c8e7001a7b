"""Uploads above the synchronous size run in the background; the client polls their job (RFC 9110 §15.3.3).

``POST /api/submissions`` with a body larger than ``upload_sync_max_bytes`` answers 202 Accepted at once, with
``Location`` naming the job and ``Retry-After``; the job says its phase (``validating``, ``storing``) while it
runs and its outcome when done: ``stored`` (the submission and its report), ``validated`` (a dry run's report),
``rejected`` (the report or the refusal: nothing stored) or ``failed``. A job belongs to the agency that sent it
and is kept for ``KEEP`` jobs; the registry owns the jobs (``Registry.upload_jobs``).
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from api.errors import NotFound, RegistryError, SubmissionRejected
from api.model.agency import Principal
from api.services.submissions.progress import READING, VALIDATING, Progress
from api.services.submissions.upload import UploadOutcome

KEEP = 200
RUNNING = ("validating", "storing")


@dataclass(frozen=True)
class UploadJob:
    """One background upload: its phase or outcome."""

    job_id: str
    agency_id: str
    state: str = VALIDATING
    rows: int = 0
    outcome: UploadOutcome | None = None
    error: RegistryError | None = None
    details: dict[str, object] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.state in RUNNING


class UploadJobs:
    """The registry's background uploads, newest last (at most ``KEEP``)."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, UploadJob] = OrderedDict()
        self._lock = threading.Lock()

    def _set(self, job: UploadJob) -> None:
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > KEEP:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].running:
                    break
                self._jobs.popitem(last=False)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = replace(job, **changes)  # type: ignore[arg-type]

    def start(self, principal: Principal, folder: Path, work: Callable[[Progress], UploadOutcome]) -> UploadJob:
        """Run ``work`` in a thread of its own (uploads still go to the one upload worker one at a time); the
        folder holding the received file is removed when it ends."""
        job = UploadJob(secrets.token_urlsafe(16), principal.agency_id)
        self._set(job)

        def progress(phase: str, done: int, total: int | None) -> None:
            self._update(job.job_id, state=VALIDATING if phase in (READING, VALIDATING) else "storing", rows=done)

        def run() -> None:
            try:
                outcome = work(progress)
                self._update(job.job_id, state="validated" if outcome.dry_run else "stored", outcome=outcome,
                             rows=outcome.observations)
            except SubmissionRejected as exc:
                self._update(job.job_id, state="rejected", error=exc)
            except RegistryError as exc:
                self._update(job.job_id, state="rejected", error=exc)
            except Exception as exc:  # the job reports it; the server keeps running
                self._update(job.job_id, state="failed", error=RegistryError(
                    f"the upload failed on the server ({type(exc).__name__}); nothing was stored: send it again."))
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        threading.Thread(target=run, name=f"mpr-upload-{job.job_id[:6]}", daemon=True).start()
        return job

    def get(self, job_id: str, principal: Principal) -> UploadJob:
        """The job, for the agency that sent it (or an administrator); NotFound otherwise."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (job.agency_id != principal.agency_id and not principal.admin):
            raise NotFound(f"no upload job {job_id[:40]!r} for agency {principal.agency_id}: jobs are kept for the "
                           f"last {KEEP} uploads that ran in the background.")
        return job
