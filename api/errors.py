"""Domain errors. One handler (web) and one exit-code map (CLI) turn them into answers."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: ``message`` says what went wrong, where, why and how to fix it."""

    status = 500
    code = "internal_error"
    sdmx_code = 500  # SDMX REST error code (REST v1.5 §4.7): 100 no results, 140 syntax, 510 size ...

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
        to_dict = getattr(report, "to_dict", None)
        super().__init__(message, details={"report": to_dict()} if callable(to_dict) else {})
        self.report = report


class Unauthorized(RegistryError):
    """No valid credentials (RFC 9110 §15.5.2): missing, malformed, unknown or revoked bearer token.

    ``challenge`` is the ``WWW-Authenticate`` value the handler sends (RFC 6750 §3): ``error="invalid_token"``
    only when a token was presented.
    """

    status = 401
    code = "unauthorized"
    sdmx_code = 110

    def __init__(self, message: str, *, token_presented: bool = False) -> None:
        super().__init__(message)
        self.challenge = 'Bearer realm="mpr", error="invalid_token"' if token_presented else 'Bearer realm="mpr"'


class Forbidden(RegistryError):
    """Authenticated, but the request is outside the agency's scope (RFC 9110 §15.5.4; RFC 6750 §3.1)."""

    status = 403
    code = "forbidden"
    sdmx_code = 110


class Conflict(RegistryError):
    """The request does not fit the current state (RFC 9110 §15.5.10): another version was stored first, or
    the resource is already in the state asked for. ``details`` says what the state is."""

    status = 409
    code = "conflict"


class PreconditionFailed(Conflict):
    """An ``If-Match`` precondition is false (RFC 9110 §13.1.1, §15.5.13)."""

    status = 412
    code = "precondition_failed"


class NotFound(RegistryError):
    status = 404
    code = "not_found"
    sdmx_code = 100


class BadRequest(RegistryError):
    status = 400
    code = "bad_request"
    sdmx_code = 140


class NotAcceptable(RegistryError):
    """No representation the client accepts; the message lists what is offered."""

    status = 406
    code = "not_acceptable"
    sdmx_code = 140


class TooLarge(RegistryError):
    """The answer or the upload is above a limit; the message says how to narrow it."""

    status = 413
    code = "too_large"
    sdmx_code = 510


class NotImplementedYet(RegistryError):
    """A valid request for a feature the registry does not offer (SDMX code 501)."""

    status = 501
    code = "not_implemented"
    sdmx_code = 501


class StoreError(RegistryError):
    """The triple store failed; the caller's data is untouched."""

    status = 503
    code = "store_unavailable"
    sdmx_code = 503


class WorkerStopped(RegistryError):
    """The worker process doing this request's work stopped (killed, out of memory, out of time): 503, nothing was
    changed, and the next request gets a new worker."""

    status = 503
    code = "worker_stopped"
    sdmx_code = 503


class LengthRequired(RegistryError):
    """The request needs a declared ``Content-Length`` and has none (RFC 9110 §15.5.12)."""

    status = 411
    code = "length_required"
    sdmx_code = 140


class UnsupportedMediaType(RegistryError):
    """The body's media type or content coding is not one the resource accepts (RFC 9110 §15.5.16); the message
    says what is accepted."""

    status = 415
    code = "unsupported_media_type"
    sdmx_code = 140


class BadSetting(RegistryError):
    """An MPR_* variable holds a value that is not allowed: the registry does not start (``mpr`` exits 2). The
    message names the variable, the value and what is allowed."""

    code = "bad_setting"


class HttpError(RegistryError):
    """A refusal at the HTTP level (no such path, method not allowed) in the registry's error shape."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
        self.code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        self.sdmx_code = 100 if status == 404 else 140 if status < 500 else 500


class QueryTimeout(RegistryError):
    """A query ran past the endpoint's time limit and was stopped; the message says how to make it cheaper."""

    status = 503
    code = "query_timeout"
    sdmx_code = 503


class QueryMemoryLimit(RegistryError):
    """A query needed more memory than the endpoint's limit and was stopped; the message says how to make it
    cheaper. Sending it again gives the same answer, so no ``Retry-After``."""

    status = 503
    code = "query_memory_limit"
    sdmx_code = 503


class Busy(RegistryError):
    """Too many requests at once (RFC 9110 §15.6.4): the handler sends ``Retry-After`` (§10.2.3) in seconds."""

    status = 503
    code = "busy"
    sdmx_code = 503

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
