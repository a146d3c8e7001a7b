"""The language of labels: ``lang=`` first, then ``Accept-Language`` (RFC 9110 §12.5.4), else English."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("en", "fr", "es")


def language(request: Request) -> str:
    """The first of en, fr, es the caller asks for (q-values in the order given), English otherwise."""
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "en")
    weighted: list[tuple[float, int, str]] = []
    for order, item in enumerate(asked.split(",")):
        code, _, params = item.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weighted.append((-q, order, code.strip().lower()[:2]))
    for _q, _order, code in sorted(weighted):
        if code in LANGUAGES:
            return code
    return "en"
