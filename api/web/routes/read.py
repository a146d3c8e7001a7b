"""``/api``: the read API in plain JSON (indicators, areas, observations, datasets), documented at /docs.

Every route reads the public view through one service call; errors are the app's one JSON error shape.
With an agency's token, observations and datasets (with their versions) also show that agency's embargoed
and confidential data (admins: everyone's), in answers no cache keeps; the RDF download stays public.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from api.errors import TooLarge
from api.formats.negotiation import choose
from api.formats.rdf.writer import JSON_LD, N_TRIPLES, RDF_OFFERS, serialize_graph
from api.formats.tabular import csv_writer as api_csv
from api.formats.tabular.csv_writer import CSV
from api.formats.tabular.json_writer import JSON, json_response
from api.model.read_api import AreaOut, DatasetOut, IndicatorOut, ObservationPage, VersionOut
from api.services.read import areas, indicators, observation_frames, observations
from api.services.read import datasets as catalogue_dcat
from api.services.readmodel import downloads
from api.services.registry import Registry
from api.web.auth import OptionalPrincipal
from api.web.cached import is_current, kept_answer, private, vary
from api.web.dependencies import RegistryDep
from api.web.language import language
from api.web.routes import examples as ex

MAX_RDF_TRIPLES = 500_000

Lang = Annotated[str | None, Query(description="Language of labels: en, fr or es (else Accept-Language).",
                                   examples=["fr"])]
Codes = Annotated[list[str], Query(description="One or more codes, repeated or comma-separated.")]


# The parameters of /api/observations that a page link repeats (any other is not echoed back).
_LINKED = frozenset({"indicator", "area", "region", "group", "counterpart_area", "sex", "age", "migration_status",
                     "dataset", "from", "to", "latest", "asOf", "all_sources", "per_page", "format", "lang"})


def _links(request: Request, page: int, pages: int) -> str:
    """RFC 8288 Link header: first, prev, next and last pages with the same filters (the route's own parameters,
    checked before this is built; nothing else of the query string is echoed)."""
    params = [(k, language(request) if k == "lang" else v) for k, v in request.query_params.multi_items()
              if k in _LINKED]
    url = str(request.url.replace(query=""))

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode([*params, ("page", str(number))])}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, pages), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    links.append(link(pages, "last"))
    return ", ".join(links)


router = APIRouter(prefix="/api", tags=["Read API"])


def view_tag(registry: Registry) -> str:
    return registry.public_view().tag


@router.get("/indicators", response_model=list[IndicatorOut], summary="The indicator catalogue",
            responses=ex.response(ex.INDICATORS))
def list_indicators(
    registry: RegistryDep,
    request: Request,
    section: Annotated[str | None, Query(description="A profile section, e.g. STK, REM, CTX.",
                                         examples=["STK"])] = None,
    sdg: Annotated[str | None, Query(description="An SDG target or indicator (prefix), e.g. 10.7.",
                                     examples=["10.7"])] = None,
    q: Annotated[str | None, Query(description="Words to find in ids, labels and definitions (any language).",
                                   examples=["remittance cost"])] = None,
    lang: Lang = None,
) -> Response:
    """Indicators in profile order; filter by section, SDG target and text."""
    return kept_answer(request, "read", registry.vocabulary_tag, lambda: json_response(indicators.list_indicators(
        registry, section=section, sdg=sdg, q=q, lang=language(request)), headers={"Vary": "Accept-Language"}))


@router.get("/indicators/{indicator_id}", response_model=IndicatorOut, summary="One indicator",
            responses=ex.response(ex.INDICATOR))
def get_indicator(registry: RegistryDep, request: Request, indicator_id: str, lang: Lang = None) -> Response:
    """Full metadata, the areas with public data, time coverage and the publishers' series codes."""
    return kept_answer(request, "read", view_tag(registry, ), lambda: json_response(indicators.get_indicator(
        registry, indicator_id, lang=language(request)), headers={"Vary": "Accept-Language"}))


@router.get("/areas", response_model=list[AreaOut], summary="Areas", responses=ex.response(ex.AREAS))
def list_areas(
    registry: RegistryDep,
    request: Request,
    kind: Annotated[str | None, Query(description="country, region or special.", examples=["region"])] = None,
    lang: Lang = None,
) -> Response:
    """Countries and territories (ISO 3166-1), M49 regions and groupings, and the special codes."""
    return kept_answer(request, "read", registry.vocabulary_tag, lambda: json_response(areas.list_areas(
        registry, kind=kind, lang=language(request)), headers={"Vary": "Accept-Language"}))


@router.get("/areas/{code}", response_model=AreaOut, summary="One area", responses=ex.response(ex.AREA))
def get_area(registry: RegistryDep, request: Request, code: str, lang: Lang = None) -> Response:
    """By alpha-3, alpha-2 or M49 code (DEU, DE, 276): the canonical area with its regions."""
    return kept_answer(request, "read", registry.vocabulary_tag, lambda: json_response(areas.get_area(
        registry, code, lang=language(request)), headers={"Vary": "Accept-Language"}))


@router.get("/observations", response_model=ObservationPage, summary="Observations",
            responses={**ex.response(ex.OBSERVATIONS, token=True),
                       200: {"content": {JSON.media_type: {"example": ex.OBSERVATIONS},
                                         CSV.media_type: {"example": ex.OBSERVATIONS_CSV}}}})
def list_observations(
    registry: RegistryDep,
    request: Request,
    indicator: Annotated[Codes, Query(examples=["STK_IMM"])] = [],  # noqa: B006 (FastAPI copies defaults)
    area: Annotated[Codes, Query(description="Areas by any code (DEU, DE, 276).", examples=["DEU"])] = [],  # noqa: B006
    region: Annotated[str | None, Query(description="A region or grouping, expanded to its countries.",
                                        examples=["150"])] = None,
    group: Annotated[str | None, Query(description="An area group (EU27, WB_HIC, WB_ECS, SDG_947, UNDESA_LDC), "
                                       "expanded to its members of the from/to window.",
                                       examples=["EU27"])] = None,
    counterpart_area: Codes = [],  # noqa: B006
    sex: Annotated[Codes, Query(examples=["_T"])] = [],  # noqa: B006
    age: Codes = [],  # noqa: B006
    migration_status: Codes = [],  # noqa: B006
    dataset: Annotated[Codes, Query(description="Dataset ids, as /api/datasets lists them.")] = [],  # noqa: B006
    start: Annotated[str | None, Query(alias="from", description="First period (inclusive).",
                                       examples=["2015"])] = None,
    end: Annotated[str | None, Query(alias="to", description="Last period (inclusive).",
                                     examples=["2020"])] = None,
    latest: Annotated[bool, Query(description="Only each series' latest observation.")] = False,
    as_of: Annotated[str | None, Query(alias="asOf", description="The data as it was public at this "
                                       "date-time (earlier versions of revised datasets).",
                                       examples=["2024-06-30T00:00:00Z"])] = None,
    all_sources: Annotated[bool, Query(description="Every dataset's value of a key and period (default: the "
                                       "reconciled view's one value, chosen by precedence; see the README).")
                           ] = False,
    page: Annotated[int, Query(description="Page number, from 1.")] = 1,
    per_page: Annotated[int, Query(description=f"Observations per page, at most {observations.MAX_PER_PAGE}.")
                        ] = 100,
    format: Annotated[str | None, Query(description="json or csv (beats the Accept header).")] = None,
    lang: Lang = None,
    principal: OptionalPrincipal = None,
) -> Response | ObservationPage:
    """Public observations with unit, status and provenance; paginated (Link header, X-Total-Count),
    or CSV (every match, or one page when page or per_page is given). With an agency's token, also that
    agency's embargoed and confidential observations (private, no-store)."""
    offer = choose(request.headers.get("accept"), (JSON, CSV), format)
    query = observations.parse_query(
        registry, indicator=indicator, area=area, region=region, counterpart_area=counterpart_area, sex=sex,
        age=age, migration_status=migration_status, dataset=dataset, start=start, end=end, latest=latest,
        page=page, per_page=per_page, as_of=as_of, group=group, all_sources=all_sources)
    lang_code = language(request)
    response: Response
    if offer is CSV:
        selection = observations.select(registry, query, principal)
        paged = "page" in request.query_params or "per_page" in request.query_params
        offset = (query.page - 1) * query.per_page if paged else 0
        rows: Iterator[bytes] = api_csv.write_csv(observations.read(
            registry, selection, offset, query.per_page, lang_code)) if paged else \
            api_csv.write_frames(observation_frames.frames(registry, selection, lang_code))
        response = StreamingResponse(rows, media_type=CSV.content_type, headers={
            "X-Total-Count": str(selection.total), "Vary": vary("Accept", "Accept-Language"),
            "Content-Disposition": 'attachment; filename="observations.csv"'})
    else:
        result = observations.observation_page(registry, query, lang_code, principal)
        response = json_response(result, headers={
            "X-Total-Count": str(result.total), "Link": _links(request, result.page, result.pages),
            "Vary": vary("Accept", "Accept-Language")})
    return response if principal is None else private(response)


@router.get("/download", summary="Bulk download: the public dataflow or one dataset, as a file",
            response_class=Response, responses={
                200: {"content": {
                    "text/csv": {"example": "DATAFLOW,FREQ,REF_AREA,INDICATOR,COUNTERPART_AREA,SEX,AGE,"
                                            "MIGRATION_STATUS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,"
                                            "CONF_STATUS,DECIMALS,COMMENT,SOURCE_DETAIL,DATASET\nMPR:MIGRATION_PROFILE"
                                            "(1.0),A,DEU,STK_IMM,_T,_T,_T,_Z,2020,15762457,PS,0,A,F,,,,NSO_DEU\n"},
                    "application/gzip": {"schema": {"type": "string", "format": "binary"}},
                    "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}}}},
                304: {"description": "Not modified (If-None-Match names the file's ETag)"},
                400: {"description": "An unknown format, provenance or malformed dataset id"},
                404: {"description": "No public dataset has that id"}})
def bulk_download(
    registry: RegistryDep, request: Request,
    format: Annotated[str, Query(description="sdmx-csv (SDMX-CSV 1.0), csv or parquet.")] = "sdmx-csv",
    dataset: Annotated[str | None, Query(description="One dataset's observations (default: the whole dataflow, "
                                         "one value per key and period).")] = None,
    gzip: Annotated[bool, Query(description="The file gzipped.")] = False,
    provenance: Annotated[str, Query(description="compact (a DATASET column) or full (provenance in every "
                                     "row).")] = "compact",
) -> Response:
    """The public dataflow (the reconciled view) or one public dataset as a file written once per view and then
    sent as it is, with an ETag (304 on If-None-Match)."""
    # A client that takes gzip (RFC 9110 §8.4.1) gets the gzipped file as it is, with Content-Encoding: gzip,
    # instead of the plain file compressed again on every request.
    encoded = not gzip and format != "parquet" and accepts_gzip(request.headers.get("accept-encoding"))
    if encoded:  # the plain file first (every client may ask for it), then its gzipped copy
        downloads.download(registry, registry.public_view(), format, dataset=dataset, provenance=provenance)
    found = downloads.download(registry, registry.public_view(), format, dataset=dataset,
                               compressed=gzip or encoded, provenance=provenance)
    etag = found.etag.removesuffix('"') + '-gzip"' if encoded else found.etag  # another representation
    filename = found.filename.removesuffix(".gz") if encoded else found.filename
    headers = {"ETag": etag, "Cache-Control": "public, max-age=0, must-revalidate", "Vary": "Accept-Encoding",
               "Content-Disposition": f'attachment; filename="{filename}"'}
    if encoded:
        headers["Content-Encoding"] = "gzip"
    media_type = downloads.FORMATS[format][0] if encoded else found.media_type
    if is_current(request, {"etag": etag}):
        return Response(status_code=304, headers=headers)
    if found.path is not None:
        return FileResponse(found.path, media_type=media_type, headers=headers)
    return Response(found.body, media_type=media_type, headers=headers)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header takes gzip (a ``gzip`` or ``*`` coding without ``q=0``)."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower().removeprefix("q=").strip() if params.strip().lower().startswith(
                "q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


@router.get("/datasets", response_model=list[DatasetOut], summary="The DCAT catalogue",
            responses={**ex.response(ex.DATASETS, token=True),
                       200: {"content": {JSON.media_type: {"example": ex.DATASETS},
                                         JSON_LD.media_type: {"example": {"@type": "dcat:Catalog"}}}}})
def list_datasets(registry: RegistryDep, request: Request, principal: OptionalPrincipal,
                  format: Annotated[str | None, Query(description="json or jsonld (beats the Accept header).")] = None,
                  ) -> Response:
    """The public datasets (current, released versions) with coverage and distributions; JSON-LD
    (DCAT 3) by Accept: application/ld+json or format=jsonld. With an agency's token the JSON also lists its
    datasets under embargo and counts its confidential observations (private, no-store); the DCAT catalogue
    (JSON-LD), which portals harvest, is always the public one."""
    offer = choose(request.headers.get("accept"), (JSON, JSON_LD), format)
    if offer is JSON_LD:
        principal = None

    def build() -> Response:
        found = catalogue_dcat.list_datasets(registry, principal)
        if offer is JSON_LD:
            return json_response(catalogue_dcat.json_ld(found, registry.settings.base_iri),
                                 media_type=JSON_LD.media_type, headers={"Vary": vary("Accept")})
        return json_response(found, headers={"Vary": vary("Accept")})

    return kept_answer(request, "read", view_tag(registry, ), build) if principal is None else private(build())


@router.get("/datasets/{dataset_id}", response_model=DatasetOut, summary="One dataset",
            responses=ex.response(ex.DATASETS[0], token=True))
def get_dataset(registry: RegistryDep, request: Request, dataset_id: str, principal: OptionalPrincipal,
                format: Annotated[str | None, Query(description="json or jsonld.")] = None) -> Response:
    """One public dataset as a DCAT record (JSON, or JSON-LD by Accept or format=jsonld); with an agency's
    token, the JSON shows it as that agency sees it (private, no-store), the JSON-LD stays public."""
    offer = choose(request.headers.get("accept"), (JSON, JSON_LD), format)
    if offer is JSON_LD:
        principal = None
    found = catalogue_dcat.get_dataset(registry, dataset_id, principal)
    if offer is JSON_LD:
        document = catalogue_dcat.json_ld([found], registry.settings.base_iri)
        response = json_response({"@context": document["@context"], **document["dcat:dataset"][0]},  # type: ignore[index]
                                 media_type=JSON_LD.media_type, headers={"Vary": vary("Accept")})
    else:
        response = json_response(found, headers={"Vary": vary("Accept")})
    return response if principal is None else private(response)


@router.get("/datasets/{dataset_id}/versions", response_model=list[VersionOut], summary="A dataset's versions",
            responses=ex.response(ex.VERSIONS, token=True))
def dataset_versions(registry: RegistryDep, request: Request, dataset_id: str,
                     principal: OptionalPrincipal) -> Response:
    """Every version that has been public, oldest first: when it was generated, from when to when it was
    the public one (``asOf`` on /api/observations and on SDMX v2 data reads these). With the owner's
    token, also its versions under embargo, valid from their release time (private, no-store)."""
    def build() -> Response:
        return json_response(catalogue_dcat.dataset_versions(registry, dataset_id, principal=principal),
                             headers={"Vary": vary()})

    return kept_answer(request, "read", view_tag(registry, ), build) if principal is None else private(build())


@router.get("/datasets/{dataset_id}/rdf", summary="One dataset as RDF",
            responses={200: {"content": {o.media_type: {} for o in (N_TRIPLES, *RDF_OFFERS)}}, 404: {}})
def dataset_rdf(registry: RegistryDep, request: Request, dataset_id: str, format: Annotated[str | None, Query(
        description="nt, ttl, jsonld or rdf.")] = None) -> Response:
    """The public graph of the dataset's current version: its PROV/DCAT description and its RDF Data Cube
    observations. N-Triples streams; Turtle, JSON-LD and RDF/XML are built whole, up to a limit. Always the
    public data, even with a token (like SPARQL and the linked-data pages)."""
    offer = choose(request.headers.get("accept"), (N_TRIPLES, *[o for o in RDF_OFFERS if o is not N_TRIPLES]),
                   format)
    graph = catalogue_dcat.dataset_graph(registry, dataset_id)
    if offer is N_TRIPLES:
        def lines() -> Iterator[bytes]:
            chunk: list[str] = []
            for quad in registry.store.quads([graph]):
                chunk.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
                if len(chunk) >= 5000:
                    yield "".join(chunk).encode("utf-8")
                    chunk = []
            yield "".join(chunk).encode("utf-8")
        return StreamingResponse(lines(), media_type=N_TRIPLES.content_type, headers={"Vary": "Accept"})
    triples = registry.store.graph_triples(graph)
    if len(triples) > MAX_RDF_TRIPLES:
        raise TooLarge(f"the dataset has {len(triples):,} triples, more than the {MAX_RDF_TRIPLES:,} written "
                       f"whole as {offer.media_type}: ask for application/n-triples (format=nt), which streams.")
    return Response(serialize_graph(triples, offer), media_type=offer.content_type, headers={"Vary": "Accept"})
