"""JSON bodies of the read API: dataclasses to UTF-8 JSON (RFC 8259), datetimes as ISO 8601."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from fastapi.responses import Response

from api.formats.spec import FormatSpec

JSON = FormatSpec(id="json", media_type="application/json", title="JSON", names=("json",), suffixes=(".json",))


def plain(value: Any) -> Any:
    """Dataclasses, lists and dicts as JSON-ready values (dataclasses.asdict without deep copies)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def json_bytes(value: Any) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(value: Any, *, media_type: str = JSON.media_type, headers: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    """A response holding ``value`` as JSON."""
    return Response(json_bytes(value), status_code=status_code, media_type=media_type, headers=headers)
