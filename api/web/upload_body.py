"""The body of an upload, streamed to the private file it is parsed from and counted as it arrives.

No header is trusted for the size: ``Content-Length`` above the limit is refused before anything is read (RFC 9110
§15.5.14, 413), and every byte of the body — raw or ``multipart/form-data``, with any ``Content-Length`` or
``Transfer-Encoding: chunked`` (which beats Content-Length, RFC 9112 §6.3) — is counted as the server receives
it; reading stops at the first byte past the limit with 413. Nothing holds more than one chunk of the body in
memory: a raw body goes to the file chunk by chunk, a multipart file part to the form parser's spooled file (in
memory up to 1 MB, then on disk) and then to the file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect

from api.errors import BadRequest, TooLarge

_LENGTH = re.compile(r"[0-9]{1,19}")
MAX_FIELDS = 50


@dataclass(frozen=True)
class ReceivedBody:
    """The uploaded file on disk, the name and media type it came with, and the form's other fields."""

    path: Path
    file_name: str
    media_type: str
    fields: dict[str, list[str]]


def _too_large(limit: int, what: str) -> TooLarge:
    return TooLarge(f"the upload is {what}, above the limit of {limit:,}: split the dataset into several, or ask the "
                    "registry operator to raise MPR_MAX_UPLOAD_BYTES.", details={"limit": limit})


def check_declared_length(request: Request, limit: int) -> None:
    """413 at once for a ``Content-Length`` above the limit (a smaller one is not believed: see ``_counted``)."""
    declared = request.headers.get("content-length", "").strip()
    if _LENGTH.fullmatch(declared) and int(declared) > limit:
        raise _too_large(limit, f"{int(declared):,} bytes")


async def _counted(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The body's chunks as they arrive; TooLarge as soon as more than ``limit`` bytes came."""
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise _too_large(limit, f"more than {limit:,} bytes (counted as it arrived)")
            yield chunk
    except ClientDisconnect:
        raise BadRequest("the upload was interrupted before its end: send it again.") from None


def _media(text: str | None) -> str:
    return (text or "").split(";")[0].strip().lower()


async def receive(request: Request, folder: Path, limit: int, field_names: tuple[str, ...]) -> ReceivedBody:
    """Write the uploaded file to ``folder`` (raw body, or the ``file`` part of a multipart form) and collect the
    form fields named ``field_names``; TooLarge past ``limit`` bytes of body, BadRequest for a broken form."""
    check_declared_length(request, limit)
    target = folder / "body"
    content_type = _media(request.headers.get("content-type"))
    if content_type != "multipart/form-data":
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in _counted(request, limit):
                await out.write(chunk)
        return ReceivedBody(target, "", content_type, {})
    parser = MultiPartParser(request.headers, _counted(request, limit), max_files=1, max_fields=MAX_FIELDS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"the multipart form cannot be read ({exc.message}): send the file in a part named 'file' "
                         f"and at most {MAX_FIELDS} metadata fields of up to 1 MB each.") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("the form has no file: send the data file in a part named 'file'.")
        await upload.seek(0)

        def copy() -> None:
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out, 1024 * 1024)

        await anyio.to_thread.run_sync(copy)
        fields = {name: [str(v) for v in form.getlist(name)] for name in field_names}
        return ReceivedBody(target, upload.filename or "", _media(upload.content_type), fields)
    finally:
        await form.close()
