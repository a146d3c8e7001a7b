"""Which metadata values may become links (issue: stored script in public pages; RFC 3986 §3, RFC 3987 §2.2).

A licence, an original URL or a source that is a link is rendered as ``<a href>`` in public pages and as an
IRI in RDF; only absolute http(s) IRIs qualify: ``javascript:``, ``data:``, ``file:`` and relative references
never do, and nor does text with characters an IRI cannot hold.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_LINK_LENGTH = 2000
# Characters RFC 3987 does not allow anywhere in an IRI (controls, space, <>"{}|\^`).
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')


def is_web_link(text: str) -> bool:
    """True for an absolute http or https IRI with a host, of at most ``MAX_LINK_LENGTH`` characters."""
    if not text or len(text) > MAX_LINK_LENGTH or _NOT_IN_IRI.search(text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_local_path(text: str) -> bool:
    """True for a path on this server (``/...``, never ``//host``), which a page may link to as it is."""
    return text.startswith("/") and not text.startswith("//") and not _NOT_IN_IRI.search(text)
