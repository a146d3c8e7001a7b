"""``/sparql``: the SPARQL 1.1 Protocol (§2.1 query operation) over the public view, read-only.

GET ``query=``, POST ``application/x-www-form-urlencoded`` and POST ``application/sparql-query``; the
``default-graph-uri`` and ``named-graph-uri`` parameters; results by ``Accept`` or ``format=``; a SPARQL 1.1
Service Description on GET without a query (HTML with a form for browsers). Updates are refused (400).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.errors import BadRequest, TooLarge
from api.formats.html import HTML
from api.formats.negotiation import choose
from api.formats.rdf.sparql_results import RESULT_OFFERS
from api.formats.rdf.writer import RDF_OFFERS, serialize_graph
from api.formats.spec import FormatSpec
from api.services.registry import Registry
from api.services.sparql import check as sparql_check
from api.services.sparql.endpoint import SparqlEndpoint
from api.services.sparql.worker import SparqlJob
from api.store.queries import load_query
from api.web.dependencies import RegistryDep
from api.web.templating import TEMPLATES

MAX_QUERY_BYTES = 256 * 1024
SD = "http://www.w3.org/ns/sparql-service-description#"
EXAMPLES = (("stock-over-time", "A country's stock over time"), ("compare-countries", "Compare a region"),
            ("nationals-abroad", "Nationals abroad"))  # queries/examples/{id}.rq, shown in the SPARQL page


def examples() -> list[dict[str, str]]:
    return [{"id": name, "title": title, "text": load_query(f"examples/{name}")} for name, title in EXAMPLES]


DESCRIPTION = ("SPARQL 1.1 Protocol, read-only, over the public view. GET with query=, POST a form or "
               "application/sparql-query. SELECT/ASK as " + ", ".join(o.media_type for o in RESULT_OFFERS)
               + f" ({RESULT_OFFERS[0].title} by default); CONSTRUCT/DESCRIBE as "
               + ", ".join(o.media_type for o in RDF_OFFERS) + f" ({RDF_OFFERS[0].title} by default), by Accept "
               "or format=. Without a query: the service description.")


def _description(endpoint: str) -> list[Triple]:
    """SPARQL 1.1 Service Description §3: the endpoint, its language, formats and default dataset."""
    service, dataset, graph = NamedNode(endpoint + "#service"), NamedNode(endpoint + "#dataset"), NamedNode(
        endpoint + "#default-graph")

    def sd(local: str) -> NamedNode:
        return NamedNode(SD + local)

    a = NamedNode(vocab.RDF + "type")
    triples = [Triple(service, a, sd("Service")), Triple(service, sd("endpoint"), NamedNode(endpoint)),
               Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               Triple(service, sd("feature"), sd("UnionDefaultGraph")),
               Triple(service, sd("defaultDataset"), dataset), Triple(dataset, a, sd("Dataset")),
               Triple(dataset, sd("defaultGraph"), graph), Triple(graph, a, sd("Graph")),
               Triple(graph, NamedNode(vocab.DCT + "description"),
                      Literal("The union of the public graphs: the vocabulary and the current, released, "
                              "non-confidential data of every dataset.", language="en"))]
    triples += [Triple(service, sd("resultFormat"), NamedNode(f.uri)) for f in (*RESULT_OFFERS, *RDF_OFFERS) if f.uri]
    return triples


router = APIRouter(tags=["SPARQL"])


def prepare(endpoint: SparqlEndpoint, accept: str | None, text: str, default_graphs: list[str],
            named_graphs: list[str], format_param: str | None) -> tuple[SparqlJob, FormatSpec]:
    checked = sparql_check.check(text, endpoint.registry.settings.sparql_peers)
    offers = RDF_OFFERS if checked.returns_graph else RESULT_OFFERS
    offer = choose(accept, offers, format_param)
    return endpoint.job(checked, offer, default_graphs, named_graphs), offer


async def run(request: Request, text: str, default_graphs: list[str], named_graphs: list[str],
              format_param: str | None) -> Response:
    """Check and plan in a thread (short), then wait for the worker on the event loop (no thread held)."""
    endpoint: SparqlEndpoint = request.app.state.sparql
    job, offer = await anyio.to_thread.run_sync(prepare, endpoint, request.headers.get("accept"), text,
                                                default_graphs, named_graphs, format_param)
    client = request.client.host if request.client is not None else "unknown"
    found = await endpoint.answer(client, job, offer)
    return Response(found.body, media_type=found.offer.content_type, headers={"Vary": "Accept"})


def description(registry: Registry, request: Request, format_param: str | None) -> Response:
    offer = choose(request.headers.get("accept"), (*RDF_OFFERS, HTML) if format_param or HTML.base not in
                   request.headers.get("accept", "") else (HTML, *RDF_OFFERS), format_param)
    if offer is HTML:
        view = registry.public_view()
        shown = examples()
        chosen = next((e for e in shown if e["id"] == request.query_params.get("example")), shown[0])
        return TEMPLATES.TemplateResponse(request, "sparql.html", {
            "graphs": len(view.graphs), "timeout": registry.settings.sparql_timeout_s,
            "max_rows": registry.settings.sparql_max_rows, "example": chosen["text"], "examples": shown,
            "chosen": chosen["id"]}, headers={"Vary": "Accept"})
    service = str(request.url.replace(query="")).rstrip("/")
    return Response(serialize_graph(_description(service), offer), media_type=offer.content_type,
                    headers={"Vary": "Accept"})


@router.get("/sparql", summary="SPARQL query (GET)", description=DESCRIPTION)
@router.get("/sparql/", include_in_schema=False)
async def sparql_get(registry: RegistryDep, request: Request) -> Response:
    params = request.query_params
    if "update" in params:
        raise BadRequest("this endpoint is read-only: SPARQL Update (update=) is refused.")
    query = params.get("query")
    if query is None:
        return await anyio.to_thread.run_sync(description, registry, request, params.get("format"))
    return await run(request, query, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"),
                     params.get("format"))


@router.post("/sparql", summary="SPARQL query (POST)", description=DESCRIPTION)
@router.post("/sparql/", include_in_schema=False)
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES:
        raise TooLarge(f"the request body is over {MAX_QUERY_BYTES // 1024} KB: send a shorter query.")
    params = request.query_params
    default_graphs, named_graphs = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    if content_type == "application/sparql-update":
        raise BadRequest("this endpoint is read-only: SPARQL Update (application/sparql-update) is refused.")
    if content_type == "application/sparql-query":
        text = _decode(body)
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs(_decode(body), keep_blank_values=True)
        if "update" in form:
            raise BadRequest("this endpoint is read-only: SPARQL Update (update=) is refused.")
        if "query" not in form:
            raise BadRequest("the form has no query= field: send the SPARQL query in it.")
        text = form["query"][0]
        default_graphs += form.get("default-graph-uri", [])
        named_graphs += form.get("named-graph-uri", [])
    else:
        raise BadRequest(f"Content-Type {content_type or '(none)'} is not a SPARQL request: POST "
                         "application/sparql-query or application/x-www-form-urlencoded with query=.")
    return await run(request, text, default_graphs, named_graphs, params.get("format"))


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8: SPARQL requests are UTF-8 text.") from None
