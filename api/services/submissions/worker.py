"""Every upload is parsed and validated in a worker process, so that no file can crash, stall or exhaust the server.

The parsers are bounded (``InputLimits``: size, depth, value length, item count), but they are native code reading
a stranger's bytes; a parser that still crashed or ran out of memory would take the server with it. In the worker
it costs only that request: the worker's death is a 503 (``WorkerStopped``) for the upload it was checking, and the
next upload starts a new worker. Parsing and validation are also Python work that holds the GIL for tens of
seconds on a large file; in the server every read would wait behind it.

The worker (``spawn``, never ``fork``: the server's store runs threads) is started once — by ``start()`` when the
server starts, else on the first upload — and reused: it keeps its own validator, reads each uploaded file from
its private temporary folder and writes the submission's graphs there as N-Triples (``submission_prep``); the
server then bulk-loads them (in Rust, without the GIL) and commits. One upload at a time: validation is CPU-bound
and the machine has few cores. The server talks to it over a pipe (the worker's progress comes back on it); a job
that takes longer than ``upload_timeout_s`` stops the worker, and after a file of ``upload_retire_rows`` rows or
more the worker exits, so that the store's bulk load does not run beside the memory the validation grew to.
``mpr load`` uses the same worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from api import errors
from api.config import Settings
from api.errors import RegistryError, TooLarge, WorkerStopped
from api.formats import submission_input
from api.formats.rdf.provenance import SubmissionFacts
from api.model.submission import InputLimits, SubmissionMetadata
from api.services.submissions import prepare as submission_prep
from api.services.submissions.progress import READING, Progress, quiet
from api.validation.validator import Validator

log = logging.getLogger("mpr")
WORKER_NICENESS = 10  # how much less CPU priority the worker has than the server that answers readers
_STOPPED = ("the validation worker stopped while checking this upload (it was stopped, or the machine is short of "
            "memory); nothing was stored: send it again (a new worker takes it).")


def _serve(connection: Connection, settings: Settings) -> None:
    """The worker's loop: one job at a time, until the server closes its end of the pipe or a large job is done.
    Progress goes back as ``("progress", phase, done, total)`` messages before each job's answer. The worker runs
    at a lower CPU priority than the server (``WORKER_NICENESS``), so readers keep the cores while it validates."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
    validator = Validator.from_settings(settings)

    def progress(phase: str, done: int, total: int | None) -> None:
        connection.send(("progress", phase, done, total))

    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        path, meta, facts, out, limits = job
        answer = _prepare(validator, settings, path, meta, facts, out, limits, progress)
        connection.send(answer)
        if _retires(answer, settings):
            return


def _retires(answer: tuple[Any, ...], settings: Settings) -> bool:
    """Whether the worker exits after this answer (both ends decide alike): after a large file, so that the memory
    it grew to (the parsed table and its terms: about 1.4 GB at 1M rows) is free before the store's bulk load."""
    return answer[0] == "ok" and int(answer[1].observations) >= settings.upload_retire_rows


def _prepare(validator: Validator, settings: Settings, path: str, meta: SubmissionMetadata,
             facts: SubmissionFacts, out: str | None, limits: InputLimits,
             progress: Progress = quiet) -> tuple[Any, ...]:
    """In the worker: parse, validate and (given the folder ``out``) write the graphs there; a refusal comes back
    as data."""
    try:
        progress(READING, 0, None)
        parsed = submission_input.read_submission(Path(path), limits)
        progress(READING, len(parsed.records), len(parsed.records))
        facts = replace(facts, file_name=parsed.name, sha256=parsed.sha256, size=parsed.size)
        prepared = submission_prep.prepare(validator, parsed, meta, facts, settings.base_iri,
                                           Path(out) if out is not None else None, progress)
        return ("ok", prepared)
    except RegistryError as exc:  # re-raised in the server with its class, message and details
        return ("refused", type(exc).__name__, exc.message, exc.details)
    except MemoryError:
        return ("memory",)


def _refusal(name: str, message: str, details: dict[str, object]) -> RegistryError:
    found = getattr(errors, name, None)
    if isinstance(found, type) and issubclass(found, RegistryError) and found.__init__ is RegistryError.__init__:
        return found(message, details=details)
    return errors.InputFileError(message, details=details)


class UploadWorker:
    """The upload worker process of one registry: started once, reused, replaced when it dies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()  # one job at a time; held while a job runs
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> None:
        """Start the worker now (the server does at start-up), so that the first upload does not wait for it."""
        with self._lock:
            self._running()

    def _running(self) -> Connection:
        if self._process is None or self._connection is None or not self._process.is_alive():
            self._stop()
            context = multiprocessing.get_context("spawn")
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, self.settings), name="mpr-upload-worker",
                                      daemon=True)
            process.start()
            theirs.close()
            self._process, self._connection = process, ours
        return self._connection

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=10)

    def prepare(self, path: Path, meta: SubmissionMetadata, facts: SubmissionFacts, *, out: Path | None,
                limits: InputLimits, progress: Progress = quiet) -> submission_prep.PreparedSubmission:
        """Parse and validate the file at ``path`` in the worker; given the folder ``out``, its graphs are written
        there. The worker's progress is passed to ``progress``. WorkerStopped (503) when the worker dies or runs out
        of time, TooLarge when it runs out of memory."""
        timeout = self.settings.upload_timeout_s
        with self._lock:
            connection = self._running()
            deadline = time.monotonic() + timeout
            try:
                connection.send((str(path), meta, facts, str(out) if out is not None else None, limits))
                while True:
                    if not connection.poll(max(0.0, deadline - time.monotonic())):
                        self._stop()
                        raise WorkerStopped(f"checking this upload took longer than {timeout:g} s, so the "
                                            "validation worker was stopped; nothing was stored: split the file into "
                                            "smaller ones (by indicator or period) and send them one by one.")
                    answer = connection.recv()
                    if answer[0] != "progress":
                        break
                    progress(*answer[1:])
            except (EOFError, OSError) as exc:
                process = self._process
                self._stop()
                log.warning("the upload worker stopped while checking %s (exit code %s)", path.name,
                            process.exitcode if process is not None else None)
                raise WorkerStopped(_STOPPED) from exc
            if answer[0] == "memory":
                self._stop()
            elif _retires(answer, self.settings):
                self._retire()
        if answer[0] == "ok":
            prepared: submission_prep.PreparedSubmission = answer[1]
            return prepared
        if answer[0] == "memory":
            raise TooLarge("checking this file needs more memory than the validation worker could get; nothing was "
                           "stored: split it into smaller files (by indicator or period) and send them one by one.")
        raise _refusal(answer[1], answer[2], answer[3])

    def _retire(self) -> None:
        """Wait for a worker that exits after a large job (its memory is free once this returns); a new one takes
        the next upload."""
        process = self._process
        if process is not None:
            process.join(timeout=30)
        self._stop()

    def close(self) -> None:
        """Stop the worker (the server's shutdown; the registry's close)."""
        self._stop()
