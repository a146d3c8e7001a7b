"""Large uploads are parsed and validated in a worker process, so that the server keeps answering readers.

Parsing, building the cube and mapping the report are Python work that holds the GIL for tens of seconds on a
100,000-observation file; in one process every read waits behind it. The worker (``spawn``, never ``fork``: the
server's store runs threads) keeps its own validator, reads the uploaded file from a private temporary folder and
writes the submission's graphs there as N-Triples (``submission_prep``); the server then bulk-loads them (in
Rust, without the GIL) and commits. One worker, one upload at a time: validation is CPU-bound and the machine
has few cores. A worker that dies (killed, out of memory) is replaced on the next upload.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from api import errors
from api.config import Settings
from api.errors import RegistryError, StoreError
from api.formats import submission_input
from api.formats.provenance_rdf import SubmissionFacts
from api.model.submission import SubmissionMetadata
from api.services import submission_prep
from api.validation.validator import Validator

_WORKER: dict[str, Any] = {}  # in the worker process: its settings and validator


def _start(settings: Settings) -> None:
    _WORKER["settings"] = settings
    _WORKER["validator"] = Validator.from_settings(settings)


def _prepare(path: str, meta: SubmissionMetadata, facts: SubmissionFacts, store: bool) -> tuple[Any, ...]:
    """In the worker: parse, validate and (``store``) write the graphs; a refusal comes back as data."""
    settings: Settings = _WORKER["settings"]
    try:
        parsed = submission_input.read_submission(Path(path), max_bytes=settings.max_upload_bytes)
        facts = replace(facts, file_name=parsed.name, sha256=parsed.sha256, size=parsed.size)
        prepared = submission_prep.prepare(_WORKER["validator"], parsed, meta, facts, settings.base_iri,
                                           Path(path).parent if store else None)
        return ("ok", prepared)
    except RegistryError as exc:  # re-raised in the server with its class, message and details
        return ("refused", type(exc).__name__, exc.message, exc.details)


def _refusal(name: str, message: str, details: dict[str, object]) -> RegistryError:
    found = getattr(errors, name, None)
    if isinstance(found, type) and issubclass(found, RegistryError) and found.__init__ is RegistryError.__init__:
        return found(message, details=details)
    return errors.InputFileError(message, details=details)


class UploadWorker:
    """The worker process of one app, started on the first large upload."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.min_bytes = settings.upload_worker_min_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def wanted(self, size: int) -> bool:
        """Whether an upload of ``size`` bytes is validated in the worker."""
        return size >= self.min_bytes

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start, initargs=(self.settings,))
            return self._pool

    def prepare(self, path: Path, meta: SubmissionMetadata, facts: SubmissionFacts, *, store: bool
                ) -> submission_prep.PreparedSubmission:
        """Parse and validate the file at ``path`` in the worker; with ``store``, its graphs are written beside it."""
        try:
            answer = self._executor().submit(_prepare, str(path), meta, facts, store).result()
        except BrokenProcessPool as exc:
            with self._lock:
                self._pool = None
            raise StoreError("the validation worker stopped while checking this upload (the machine may be short "
                             "of memory); nothing was stored: send it again.") from exc
        if answer[0] == "ok":
            prepared: submission_prep.PreparedSubmission = answer[1]
            return prepared
        raise _refusal(answer[1], answer[2], answer[3])

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
