"""Dereferenceable IRIs over HTTP (W3C Cool URIs for the Semantic Web §4.2 "content negotiation"; VoID §7).

``/def``, ``/indicator/...``, ``/code/...`` and ``/graph/vocabulary`` answer the shared vocabulary namespace
(w3id.org redirects there); ``/id/...`` answers the deployment's instance IRIs; ``/.well-known/void``
describes the whole registry. Each answers HTML for browsers and Turtle (the default), JSON-LD, N-Triples or
RDF/XML by ``Accept`` or ``format=``, with ``Vary: Accept``, validators and 304; unknown, confidential and
embargoed IRIs all get the same 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response

from api.errors import BadRequest
from api.formats.html import HTML
from api.formats.html import linked_data as ld_html
from api.formats.negotiation import choose, parse_accept
from api.formats.rdf.writer import RDF_OFFERS, serialize_graph
from api.formats.spec import FormatSpec
from api.services.linked_data import resolve as linked_data
from api.services.linked_data.resolve import Description
from api.services.linked_data.void import void_description
from api.services.registry import Registry
from api.web.cached import answer, entity_tag, validators
from api.web.dependencies import RegistryDep
from api.web.language import LANGUAGES, language
from api.web.templating import TEMPLATES

_LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
_HTML_TYPES = (HTML.base, "application/xhtml+xml")

FormatParam = Annotated[str | None, Query(description="ttl, jsonld, nt, rdf or html: overrides Accept")]
LangParam = Annotated[str | None, Query(description="en, fr or es: the language of an HTML page's labels")]


def offers_for(accept: str | None) -> tuple[FormatSpec, ...]:
    """RDF serialisations first (Turtle for ``*/*`` or no Accept); HTML first only when the client ranks
    text/html above every RDF type it names, as browsers do."""
    try:
        ranges = parse_accept(accept or "")
    except BadRequest:
        return (*RDF_OFFERS, HTML)  # ``choose`` reports the malformed header
    html = max((r.q for r in ranges if r.base in _HTML_TYPES), default=0.0)
    rdf_types = {o.base for o in RDF_OFFERS}
    rdf = max((r.q for r in ranges if r.base in rdf_types), default=0.0)
    return (HTML, *RDF_OFFERS) if html > 0 and html > rdf else (*RDF_OFFERS, HTML)


def _raw_path(request: Request) -> str:
    """The path as sent, still percent-encoded (an encoded '/' inside an id stays inside it)."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.split(b"?", 1)[0].decode("utf-8", errors="replace")
    return quote(request.url.path)


def _validators(request: Request, described: Description, offer: FormatSpec, lang: str) -> dict[str, str]:
    """ETag over (what the view shows, the request, the representation), Last-Modified, Vary (RFC 9110 §8.8)."""
    etag = entity_tag(described.tag, _raw_path(request), str(sorted(request.query_params.multi_items())),
                      offer.media_type, lang if offer is HTML else "")
    return validators(etag, vary="Accept, Accept-Language", last_modified=described.modified)


def _alternates(path: str, lang: str) -> tuple[ld_html.Link, ...]:
    links = []
    for offer in (*RDF_OFFERS, HTML):
        query = {"format": offer.names[0], **({"lang": lang} if offer is HTML else {})}
        links.append(ld_html.Link(offer.title, f"{path}?{urlencode(query)}", offer.media_type))
    return tuple(links)


def _answer(request: Request, registry: Registry, format_param: str | None,
            describe: Callable[[], Description]) -> Response:
    """Negotiate, describe, revalidate, render: one path for every linked-data resource."""
    offer = choose(request.headers.get("accept"), offers_for(request.headers.get("accept")), format_param)
    lang = language(request)
    if request.query_params.get("lang", "en")[:2].lower() not in LANGUAGES:
        raise BadRequest(f"lang={request.query_params['lang']} is not offered: use one of {', '.join(LANGUAGES)}.")
    described = describe()
    return answer(request, _validators(request, described, offer, lang),
                  lambda: _render(request, registry, described, offer, lang))


def _render(request: Request, registry: Registry, described: Description, offer: FormatSpec, lang: str) -> Response:
    """The description in the negotiated representation, with links to the others (RFC 8288 ``alternate``)."""
    path = _raw_path(request)
    alternates = _alternates(path, lang)
    headers = {"Link": ", ".join(f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in alternates)}
    if offer is not HTML:
        body = serialize_graph(described.triples, offer, prefixes=ld_html.LD_PREFIXES)
        return Response(body, media_type=offer.content_type, headers=headers)
    record = linked_data.public_dataset(registry, described.dataset_id) if described.dataset_id else None
    human = _human_page(path, lang)
    json_ld = linked_data.dataset_markup(registry, record) if record and record.iri == described.iri else None
    page = ld_html.build_page(
        described.iri, described.subjects, described.triples, described.labels, lang,
        lambda iri: linked_data.local_path(registry, iri),
        formats=alternates,
        links=[*human, *([ld_html.Link(d.title, d.access_url, d.media_type) for d in record.distributions]
                         if record else [])],
        languages=[ld_html.Link(_LANGUAGE_NAMES[code], f"{path}?{urlencode({'lang': code})}", code)
                   for code in LANGUAGES],
        json_ld=json_ld,
    )
    return TEMPLATES.TemplateResponse(request, "resource.html", {"page": page}, headers=headers,
                                      media_type=HTML.content_type)


def _human_page(path: str, lang: str) -> list[ld_html.Link]:
    """The page for people about the same thing: an indicator's page, an area's profile, a dataset's page."""
    for prefix, page in (("/indicator/", "/indicators/"), ("/code/area/", "/areas/")):
        name = path.removeprefix(prefix)
        if path.startswith(prefix) and name and "/" not in name:
            return [ld_html.Link("Page for people", f"{page}{name}?{urlencode({'lang': lang})}", HTML.media_type)]
    return []


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The resource's description: Turtle by default, HTML for browsers.",
          "content": {o.media_type: {} for o in (*RDF_OFFERS, HTML)}},
    304: {"description": "The copy named by If-None-Match / If-Modified-Since is current."},
    404: {"description": "Nothing public is known by this IRI (unknown, confidential and embargoed alike)."},
    406: {"description": "None of the accepted media types is offered; the message lists them."},
}


# The routes that make every IRI the registry mints resolve here (GET, and HEAD outside the schema).
router = APIRouter(tags=["Linked data"])


def route(path: str, summary: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    def register(endpoint: Callable[..., Response]) -> Callable[..., Response]:
        router.add_api_route(path, endpoint, methods=["GET"], summary=summary, responses=_RESPONSES,
                             response_class=Response)
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False, response_class=Response)
        return endpoint
    return register


def resource(registry: Registry, request: Request, format_param: str | None) -> Response:
    raw = _raw_path(request)
    return _answer(request, registry, format_param, lambda: linked_data.describe(registry, raw))


@route("/def", "The vocabulary (every def# class and property)")
def vocabulary(registry: RegistryDep, request: Request, format: FormatParam = None, lang: LangParam = None) -> Response:
    return resource(registry, request, format)


@route("/indicator/{indicator_id:path}", "An indicator of the catalogue")
def indicator(registry: RegistryDep, request: Request, indicator_id: str, format: FormatParam = None,
              lang: LangParam = None) -> Response:
    return resource(registry, request, format)


@route("/code/{code_path:path}", "A code list or one of its codes")
def code(registry: RegistryDep, request: Request, code_path: str, format: FormatParam = None,
         lang: LangParam = None) -> Response:
    return resource(registry, request, format)


@route("/graph/{graph_path:path}", "A public named graph")
def graph(registry: RegistryDep, request: Request, graph_path: str, format: FormatParam = None,
          lang: LangParam = None) -> Response:
    return resource(registry, request, format)


@route("/id/{instance_path:path}", "A dataset, submission, observation, agency, file or activity")
def instance(registry: RegistryDep, request: Request, instance_path: str, format: FormatParam = None,
             lang: LangParam = None) -> Response:
    return resource(registry, request, format)


@route("/.well-known/void", "VoID description of the registry")
def void(registry: RegistryDep, request: Request, format: FormatParam = None, lang: LangParam = None) -> Response:
    return _answer(request, registry, format, lambda: void_description(registry))
