"""SDMX error messages, one per format family (SDMX REST v1.5 ``4_7_errors.md``; REST v2 ``status.md``).

- ``ml21``/``ml30``: ``<mes:Error><mes:ErrorMessage code="…"><com:Text xml:lang="en">…</com:Text>…`` in the
  SDMX-ML 2.1 / 3.0 message namespace (``SDMXMessage.xsd`` ErrorType, ``common:CodedStatusMessageType``);
  the first Text is the standard title of the code, the second the detail;
- ``json10``/``json20``: ``{"meta": {…}, "errors": [{"code", "title", "detail"}]}`` (SDMX-JSON 1.0 ``error``
  and 2.0 ``statusMessage``; ``data`` and ``errors`` must not coexist);
- ``csv``: plain text, one line ``Error {code} ({title}): {message}``, as ``text/plain``.

Every SDMX format names its family (``SdmxFormat.error``); an error answers in the negotiated format's own media
type, or the family's (:func:`error_message`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from api.formats.sdmx.data_json import SCHEMA_10, SCHEMA_20
from api.formats.sdmx.data_ml21 import NS21, xml_attr, xml_datetime, xml_text
from api.formats.sdmx.data_ml30 import NS30
from api.formats.sdmx.spec import SdmxFormat
from api.model.structure import AGENCY

# Standard titles (REST v1.5 4_7_errors.md); 1000 and above are the service's own.
TITLES = {
    100: "No results found",
    110: "Unauthorized",
    130: "Response too large due to client request",
    140: "Syntax error",
    150: "Semantic error",
    500: "Internal Server error",
    501: "Not implemented",
    503: "Service unavailable",
    510: "Response size exceeds service limit",
}


def error_title(code: int) -> str:
    """The standard title of an SDMX error code ("Error" for codes the standard does not name)."""
    return TITLES.get(code, "Custom error" if code >= 1000 else "Error")


def _xml(namespaces: dict[str, str], code: int, message: str) -> bytes:
    texts = [error_title(code)] + ([message] if message else [])
    body = "".join(f'<com:Text xml:lang="en">{xml_text(t)}</com:Text>' for t in texts)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:Error xmlns:mes="{namespaces["mes"]}" xmlns:com="{namespaces["com"]}">'
        f'<mes:ErrorMessage code="{xml_attr(str(code))}">{body}</mes:ErrorMessage>'
        "</mes:Error>"
    ).encode()


def _json(schema: str, code: int, message: str, prepared: datetime) -> bytes:
    meta = {
        "schema": schema,
        "id": f"ERR-{code}-{prepared.strftime('%Y%m%d%H%M%S')}",
        "test": False,
        "prepared": xml_datetime(prepared),
        "contentLanguages": ["en"],
        "sender": {"id": AGENCY},
    }
    error = {"code": code, "title": error_title(code), "detail": message}
    return json.dumps({"meta": meta, "errors": [error]}, ensure_ascii=False).encode()


def _csv(code: int, message: str, _prepared: datetime) -> bytes:
    return f"Error {code} ({error_title(code)}): {message}\n".encode()


@dataclass(frozen=True)
class ErrorFamily:
    """How the errors of a family of formats are written, and their media type (None: the format's own)."""

    render: Callable[[int, str, datetime], bytes]
    media_type: str | None = None


FAMILIES: dict[str, ErrorFamily] = {
    "ml21": ErrorFamily(lambda code, message, _prepared: _xml(NS21, code, message)),
    "ml30": ErrorFamily(lambda code, message, _prepared: _xml(NS30, code, message)),
    "json10": ErrorFamily(lambda code, message, prepared: _json(SCHEMA_10, code, message, prepared)),
    "json20": ErrorFamily(lambda code, message, prepared: _json(SCHEMA_20, code, message, prepared)),
    "csv": ErrorFamily(_csv, "text/plain; charset=utf-8"),
}
KINDS = tuple(FAMILIES)


def render_error(kind: str, code: int, message: str, prepared: datetime) -> bytes:
    """The SDMX error message of ``kind`` (one of :data:`KINDS`) for SDMX error ``code``."""
    family = FAMILIES.get(kind)
    if family is None:
        raise ValueError(f"unknown SDMX error kind {kind!r}: use one of {', '.join(KINDS)}")
    return family.render(code, message, prepared)


def error_message(fmt: SdmxFormat, code: int, message: str, prepared: datetime) -> tuple[bytes, str]:
    """The error message for a client that negotiated ``fmt``, and its media type."""
    family = FAMILIES[fmt.error]
    return family.render(code, message, prepared), family.media_type or fmt.media_type
