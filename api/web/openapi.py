"""The OpenAPI document (OpenAPI 3.1) with the registry's one error shape on every operation.

FastAPI documents a 422 ``HTTPValidationError`` that this app never sends (a bad parameter is a 400 in the
error shape); this replaces it, and documents 400, 404 and 406 with the ``Error`` schema everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "code", "message", "details"],
        "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}},
    }},
}
_DESCRIPTIONS = {"400": "A parameter is malformed or names nothing known; the message says which and how to fix it.",
                 "404": "Nothing has this id or path.", "406": "None of the accepted media types is offered here.",
                 "413": "The answer is above a limit; the message says how to narrow it."}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` build (once) the document with the error shape."""
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
            for schemas in (schema["components"]["schemas"],):
                schemas.pop("HTTPValidationError", None)
                schemas.pop("ValidationError", None)
            error_ref = {"$ref": "#/components/schemas/Error"}
            for path, operations in schema.get("paths", {}).items():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    if "HTTPValidationError" in str(responses.get("422", "")):  # FastAPI's, not an upload's
                        responses.pop("422")
                    if not path.startswith("/api/"):
                        continue
                    for status in ("400", "404", "406", "413"):
                        entry = responses.setdefault(status, {})
                        entry["description"] = entry.get("description") or _DESCRIPTIONS[status]
                        content = entry.setdefault("content", {}).setdefault("application/json", {})
                        content["schema"] = error_ref
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
