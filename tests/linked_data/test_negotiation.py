"""Representations by Accept (q-values, wildcards) or format=, Vary: Accept, 406 naming what is offered,
HEAD, and revalidation with ETag / Last-Modified (RFC 9110 §12.5.1, §13; W3C Cool URIs §4.2)."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph

from api.web.routes.linked_data import offers_for
from tests.linked_data.conftest import KEY, PUBLIC_DATASET, LinkedWorld

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
OBSERVATION = f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='DEU')}/2020"
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}


@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    (BROWSER, "text/html"),
    ("text/html", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
    ("application/*", "application/ld+json"),
    ("text/*", "text/turtle"),
    ("text/html;q=0.5, text/turtle", "text/turtle"),
    ("text/html, text/turtle;q=0.9", "text/html"),
    ("text/turtle;q=0, */*", "application/ld+json"),
    ("application/json, */*;q=0.1", "text/turtle"),
])
def test_accept_table(http: httpx.Client, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = http.get(OBSERVATION, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]


@pytest.mark.parametrize("accept", ["application/json", "image/png", "text/turtle;q=0, application/*;q=0"])
def test_nothing_acceptable_is_406_naming_the_offers(http: httpx.Client, accept: str) -> None:
    response = http.get(OBSERVATION, headers={"Accept": accept})
    assert response.status_code == 406
    message = response.json()["error"]["message"]
    for offered in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
                    "text/html"):
        assert offered in message


def test_each_format_parses_to_the_same_graph(http: httpx.Client) -> None:
    graphs = {}
    for media_type, parser in PARSERS.items():
        by_accept = http.get(OBSERVATION, headers={"Accept": media_type})
        by_format = http.get(OBSERVATION, params={"format": {"text/turtle": "ttl", "application/ld+json": "jsonld",
                                                             "application/n-triples": "nt",
                                                             "application/rdf+xml": "rdf"}[media_type]},
                             headers={"Accept": BROWSER})
        assert by_accept.status_code == by_format.status_code == 200
        assert by_accept.headers["content-type"].split(";")[0] == media_type
        assert by_format.headers["content-type"].split(";")[0] == media_type
        graphs[media_type] = Graph().parse(data=by_accept.content, format=parser)
        assert set(Graph().parse(data=by_format.content, format=parser)) == set(graphs[media_type])
    reference = set(graphs["text/turtle"])
    assert len(reference) > 10
    assert all(set(g) == reference for g in graphs.values())


def test_format_html_and_bad_parameters(http: httpx.Client) -> None:
    assert http.get(OBSERVATION, params={"format": "html"}).headers["content-type"].startswith("text/html")
    bad = http.get(OBSERVATION, params={"format": "xlsx"})
    assert bad.status_code == 400 and "ttl" in bad.json()["error"]["message"]
    wrong_language = http.get(OBSERVATION, params={"lang": "de"}, headers={"Accept": BROWSER})
    # a browser gets the error as a page (issue: pages for people), with the same message
    assert wrong_language.status_code == 400 and wrong_language.headers["content-type"].startswith("text/html")
    assert "en, fr, es" in wrong_language.text
    as_data = http.get(OBSERVATION, params={"lang": "de"}, headers={"Accept": "text/turtle"})
    assert as_data.status_code == 400 and "en, fr, es" in as_data.json()["error"]["message"]
    malformed = http.get(OBSERVATION, headers={"Accept": "turtle"})
    assert malformed.status_code == 400 and "media range" in malformed.json()["error"]["message"]


def test_head_validators_and_304(http: httpx.Client) -> None:
    first = http.get(OBSERVATION)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    head = http.head(OBSERVATION)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    assert http.get(OBSERVATION, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(OBSERVATION, headers={"If-Modified-Since": modified}).status_code == 304
    other = http.get(OBSERVATION, headers={"Accept": "application/ld+json"})
    assert other.headers["etag"] != etag
    assert http.get(OBSERVATION, headers={"If-None-Match": etag, "Accept": "application/ld+json"}).status_code == 200
    assert "rel=\"alternate\"" in first.headers["link"]


def test_vocabulary_answers_are_validated_too(http: httpx.Client) -> None:
    first = http.get("/indicator/STK_IMM")
    assert http.get("/indicator/STK_IMM", headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_html_comes_first_only_for_clients_that_prefer_it() -> None:
    assert offers_for(BROWSER)[0].media_type == "text/html"
    for accept in (None, "", "*/*", "text/turtle, text/html", "text/html;q=0.9, application/ld+json"):
        assert offers_for(accept)[0].media_type == "text/turtle"


def test_routes_of_others_are_not_shadowed(linked: LinkedWorld, http: httpx.Client) -> None:
    for path in ("/", "/health", "/docs", "/openapi.json", "/api/indicators",
                 "/sdmx/v1/dataflow/MPR/MIGRATION_PROFILE/1.0"):
        assert http.get(path).status_code == 200, path
    documented = http.get("/openapi.json").json()["paths"]
    for path in ("/def", "/indicator/{indicator_id}", "/code/{code_path}", "/id/{instance_path}", "/.well-known/void"):
        assert set(documented[path]) == {"get"}, path
