"""Domain errors. One handler (web) and one exit-code map (CLI) turn them into answers."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: ``message`` says what went wrong, where, why and how to fix it."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InputFileError(RegistryError):
    """The file cannot be read at all (encoding, format, size): nothing was validated or stored."""

    status = 400
    code = "unreadable_input"


class SubmissionRejected(RegistryError):
    """Validation found violations; nothing was stored."""

    status = 422
    code = "validation_failed"

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class NotFound(RegistryError):
    status = 404
    code = "not_found"


class BadRequest(RegistryError):
    status = 400
    code = "bad_request"


class StoreError(RegistryError):
    """The triple store failed; the caller's data is untouched."""

    status = 503
    code = "store_unavailable"
