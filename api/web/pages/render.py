"""What every page shares: its language, the switch to the others, HTML or the page's data as JSON.

A page answers ``text/html`` (the default, what browsers ask) or, for ``Accept: application/json`` (or
``format=json``), exactly the JSON of the API route it shows (RFC 9110 §12.5.1), with ``Vary: Accept``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from api.errors import BadRequest, RegistryError
from api.formats.html import HTML
from api.formats.html.numbers import number, share
from api.formats.negotiation import choose, negotiate
from api.formats.tabular.json_writer import JSON, json_response
from api.web.language import LANGUAGES, language
from api.web.pages.texts import text
from api.web.templating import TEMPLATES

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
PAGE_OFFERS = (HTML, JSON)


def page_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked is not None and asked[:2].lower() not in LANGUAGES:
        raise BadRequest(f"lang={asked[:20]} is not offered: use one of {', '.join(LANGUAGES)}.")
    return language(request)


def wants_json(request: Request) -> bool:
    """Whether the caller asks for the page's data (JSON) rather than the page."""
    return choose(request.headers.get("accept"), PAGE_OFFERS, request.query_params.get("format")) is JSON


def prefers_html(request: Request) -> bool:
    """Whether the caller (a browser) prefers ``text/html`` to JSON (RFC 9110 §12.5.1; ``*/*`` alone: JSON)."""
    try:
        return negotiate(request.headers.get("accept"), (JSON, HTML)).format is HTML
    except RegistryError:
        return False


def switch_links(request: Request, *, relative: bool = False) -> list[tuple[str, str, str]]:
    """(code, name, href) of the same page in each language (the other parameters kept; ``relative``: without
    the path, so that an error page never repeats it)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    path = "" if relative else request.url.path
    return [(code, LANGUAGE_NAMES[code], f"{path}?{urlencode([*kept, ('lang', code)])}") for code in LANGUAGES]


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """The page ``template`` (under templates/pages/) in the request's language."""
    lang = page_language(request)

    def t(key: str, **values: object) -> str:
        words = text(key, lang)
        return words.format(**values) if values else words

    def num(value: float | int | None, decimals: int | None = None) -> str:
        return number(value, lang, decimals=decimals)

    return TEMPLATES.TemplateResponse(
        request, f"pages/{template}",
        {"lang": lang, "t": t, "num": num, "pct": lambda v: share(v, lang), "languages": switch_links(request),
         **context},
        status_code=status_code, headers={"Vary": "Accept, Accept-Language", **(headers or {})},
        media_type=HTML.content_type)


def page_or_data(request: Request, data: Callable[[], Any], page: Callable[[Any], Response]) -> Response:
    """The page's data as the API gives it for JSON callers, else the page built from the same data."""
    found = data()
    if wants_json(request):
        return json_response(found, headers={"Vary": "Accept, Accept-Language"})
    return page(found)


def error_page(request: Request, status: int, code: str, message: str, headers: dict[str, str]) -> HTMLResponse:
    """The error as a page for browsers: the same status and sentence as the JSON error, in the caller's language
    (an unknown ``lang=`` falls back to the Accept-Language one, so the error page itself never fails)."""
    lang = language(request)

    def t(key: str, **values: object) -> str:
        words = text(key, lang)
        return words.format(**values) if values else words

    return TEMPLATES.TemplateResponse(
        request, "pages/error.html",
        {"lang": lang, "t": t, "languages": switch_links(request, relative=True), "status": status, "code": code,
         "message": message},
        status_code=status, headers={"Vary": "Accept, Accept-Language", **headers}, media_type=HTML.content_type)
