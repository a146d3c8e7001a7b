"""Bounds checked before a parser sees a client's file (``InputLimits``), so that no upload can crash or exhaust
the process that parses it.

JSON (RFC 8259) is pre-scanned as a stream of tokens — strings, brackets, scalars — without building anything:
the nesting depth, the length of each string and the number of values are counted and the file is refused at
the first bound it passes. pyoxigraph's JSON-LD parser recurses once per nesting level (10,000 levels overflow
its stack and kill the process), and ``json.loads`` builds every value in memory, so both run only on files that
passed this scan. The Turtle / N-Triples and XML readers count triples, elements and value lengths while they
stream (``rdf_input``, ``sdmx_ml_input``); the CSV reader counts rows and field lengths.
"""

from __future__ import annotations

import re

from api.errors import InputFileError
from api.model.submission import InputLimits

# One JSON token: a whole string (escapes included; an unterminated one runs to the end, so that no attempt fails
# and the scan stays linear), an opening or closing bracket, or a run of scalar text.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[{]|[\]}]|[^\s\[\]{}",:]+', re.S)
_OPENING = frozenset(b"[{")
_CLOSING = frozenset(b"]}")


def line_of(data: bytes, position: int) -> int:
    """The 1-based line of a byte offset."""
    return data.count(b"\n", 0, position) + 1


def too_deep(name: str, line: int, limit: int, what: str) -> InputFileError:
    return InputFileError(
        f"{name}: line {line}: {what} are nested more than {limit:,} levels deep; a submission never needs that "
        "(a data cube is a few levels deep): flatten the document and upload it again (the limit is "
        "MPR_UPLOAD_MAX_DEPTH).", details={"line": line, "limit": limit})


def too_long(name: str, line: int | None, size: int, limit: int, what: str = "a value") -> InputFileError:
    where = f"line {line}: " if line else ""
    return InputFileError(
        f"{name}: {where}{what} of {size:,} bytes is longer than the limit of {limit:,} bytes for one value; a "
        "cell of a submission is a code, a number or a short note: shorten it and upload the file again (the "
        "limit is MPR_UPLOAD_MAX_LITERAL_BYTES).", details={"line": line, "limit": limit} if line else
        {"limit": limit})


def too_many(name: str, line: int | None, limit: int, what: str) -> InputFileError:
    where = f"line {line}: " if line else ""
    return InputFileError(
        f"{name}: {where}the file has more than {limit:,} {what}; split the dataset into several submissions (by "
        "indicator or period) and upload each (the limit is MPR_UPLOAD_MAX_ITEMS).",
        details={"line": line, "limit": limit} if line else {"limit": limit})


def utf8_over(text: str, limit: int) -> int | None:
    """The UTF-8 length of ``text`` when it is above ``limit`` bytes, else None (encoded only when it could be)."""
    if len(text) * 4 <= limit:
        return None
    size = len(text.encode("utf-8", errors="surrogatepass"))
    return size if size > limit else None


def check_size(name: str, size: int, limits: InputLimits) -> None:
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise InputFileError(f"{name}: {size:,} bytes is above the upload limit of {limits.max_bytes:,} bytes; "
                             "split the file by indicator or period.")


def scan_json(data: bytes, name: str, limits: InputLimits) -> None:
    """Refuse a JSON document nested deeper than ``max_depth``, with a string longer than ``max_literal_bytes``
    or with more than ``max_items`` values, before any JSON parser sees it. A document that is not JSON is
    left to the parser (which reports the syntax error) unless it breaks a bound on the way."""
    depth = 0
    items = 0
    for match in _JSON_TOKEN.finditer(data):
        first = data[match.start()]
        if first in _CLOSING:
            depth = max(depth - 1, 0)  # more closings than openings: a syntax error the parser reports
            continue
        items += 1
        if items > limits.max_items:
            raise too_many(name, line_of(data, match.start()), limits.max_items, "JSON values")
        if first in _OPENING:
            depth += 1
            if depth > limits.max_depth:
                raise too_deep(name, line_of(data, match.start()), limits.max_depth, "JSON objects and arrays")
        elif match.end() - match.start() > limits.max_literal_bytes + 2:
            raise too_long(name, line_of(data, match.start()), match.end() - match.start() - 2,
                           limits.max_literal_bytes, "a JSON string" if first == ord('"') else "a JSON value")
