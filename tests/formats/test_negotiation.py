"""The one Accept negotiator (RFC 9110 §12.5.1): q-values, wildcards, parameters, ties, 406 naming the offers,
``format=``, and the malformed headers that are the client's mistake (400)."""

from __future__ import annotations

import pytest

from api.errors import BadRequest, NotAcceptable
from api.formats.html import HTML
from api.formats.negotiation import by_name, choose, negotiate, parse_accept, same_version
from api.formats.rdf.writer import JSON_LD, N_TRIPLES, RDF_OFFERS, RDF_XML, TURTLE
from api.formats.spec import FormatSpec

LINKED = (*RDF_OFFERS, HTML)
V20 = FormatSpec(id="v20", media_type="application/vnd.x+json;version=2.0.0", title="x 2.0", names=("x",),
                 aliases=("application/json",))
V10 = FormatSpec(id="v10", media_type="application/vnd.x+json;version=1.0.0", title="x 1.0", names=("x",),
                 aliases=("application/json",))
CSV = FormatSpec(id="csv", media_type="application/vnd.x+csv;version=1.0.0", title="x CSV", names=("csv",),
                 aliases=("text/csv",))
VERSIONED = (V20, V10, CSV)


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, TURTLE),  # no header: the server's first offer
    ("", TURTLE),
    ("*/*", TURTLE),
    ("application/ld+json", JSON_LD),
    ("APPLICATION/LD+JSON", JSON_LD),  # media types are case-insensitive
    ("text/turtle;q=0.5, application/ld+json;q=0.9", JSON_LD),  # q decides
    ("application/n-triples;q=0.4, application/rdf+xml;q=0.4", N_TRIPLES),  # equal q: the server's order
    ("application/rdf+xml;q=0.4, application/n-triples;q=0.4", N_TRIPLES),
    ("application/*", JSON_LD),  # type/*: the first offer of that type
    ("text/*", TURTLE),
    ("image/*, text/html;q=0.1", HTML),
    ("text/turtle;q=0, */*", JSON_LD),  # a specific q=0 refuses it beside */*
    ("text/*;q=0, text/html", HTML),  # the most specific range decides: text/html is wanted
    ("text/*;q=0.5, text/turtle;q=0.2", HTML),  # ... and Turtle is worth 0.2 only
    ("application/rdf+xml, */*", RDF_XML),  # at equal q the named type beats the wildcard
    ("text/turtle;charset=utf-8", TURTLE),  # a parameter the offer does not declare is no obstacle
])
def test_quality_wildcards_and_ties(accept: str | None, chosen: FormatSpec) -> None:
    assert negotiate(accept, LINKED).format is chosen


@pytest.mark.parametrize(("accept", "chosen"), [
    ("application/vnd.x+json;version=1.0.0", V10),
    ("application/vnd.x+json;version=1.0", V10),  # 1.0 = 1.0.0
    ("application/vnd.x+json;version=2+.0.0", V20),  # a semantic-version range within the major
    ("application/vnd.x+json", V20),  # no version: the server's preference
    ("application/json", V20),  # an alias answers the first offer that declares it
    ("text/csv", CSV),
    ("text/*", CSV),  # a wildcard reaches an offer through its alias
    ("application/vnd.x+json;version=1.0.0, application/vnd.x+json;q=0.5", V10),  # more parameters, more specific
    ("application/vnd.x+json;version=1.0.0;q=0.3, */*;q=0.2", V10),
])
def test_parameters_versions_and_aliases(accept: str, chosen: FormatSpec) -> None:
    assert negotiate(accept, VERSIONED).format is chosen


def test_parameters_the_offer_does_not_declare_come_back_with_the_choice() -> None:
    choice = negotiate("application/vnd.x+csv;version=1.0.0;labels=both;timeFormat=normalized", VERSIONED)
    assert choice.format is CSV
    assert choice.params == {"version": "1.0.0", "labels": "both", "timeformat": "normalized"}


@pytest.mark.parametrize("accept", [
    "image/png",
    "application/vnd.x+json;version=3.0.0",  # a version that is not offered
    "application/vnd.x+json;version=2.0.0;q=0, application/vnd.x+json;version=1.0.0;q=0, text/csv;q=0",
    "*/*;q=0",
])
def test_nothing_acceptable_is_406_naming_every_offer(accept: str) -> None:
    with pytest.raises(NotAcceptable) as raised:
        negotiate(accept, VERSIONED, hint=" (or use ?format=)")
    assert raised.value.status == 406
    for offer in VERSIONED:
        assert offer.media_type in raised.value.message
    assert raised.value.message.endswith("(or use ?format=).")


@pytest.mark.parametrize("accept", ["turtle", "text/turtle;q=high", "text/turtle;q=2", "text/turtle;q=-1"])
def test_a_malformed_range_or_q_is_400(accept: str) -> None:
    with pytest.raises(BadRequest):
        negotiate(accept, LINKED)


def test_parse_accept_keeps_order_parameters_and_q() -> None:
    ranges = parse_accept('text/html, application/xml;q=0.9, application/vnd.x+csv;labels="both";q=0.5')
    assert [(r.base, r.q, r.order) for r in ranges] == [("text/html", 1.0, 0), ("application/xml", 0.9, 1),
                                                        ("application/vnd.x+csv", 0.5, 2)]
    assert ranges[2].params == {"labels": "both"} and ranges[2].specificity == 3
    assert [r.specificity for r in parse_accept("*/*, text/*, text/plain")] == [0, 1, 2]


def test_format_parameter_beats_the_header() -> None:
    assert choose("text/turtle", LINKED, "jsonld") is JSON_LD
    assert choose("text/turtle", LINKED, "NT") is N_TRIPLES  # names are case-insensitive
    assert choose(None, LINKED, "application/rdf+xml") is RDF_XML  # or the media type itself
    assert choose("application/ld+json", LINKED) is JSON_LD
    with pytest.raises(BadRequest) as raised:
        choose(None, LINKED, "xlsx")
    assert "ttl" in raised.value.message and "html" in raised.value.message


def test_by_name_keeps_the_given_order_and_the_version() -> None:
    assert by_name("x", VERSIONED) == [V20, V10]
    assert by_name("x", (V10, V20)) == [V10, V20]
    assert by_name("x", VERSIONED, version="1.0.0") == [V10]
    assert by_name("y", VERSIONED) == []


@pytest.mark.parametrize(("asked", "offered", "same"), [
    ("2.1", "2.1", True), ("2.1", "2.1.0", True), ("2.0", "2.0.0", True), ("2.0.0", "2.1.0", False),
    ("2+.0.0", "2.1.0", True), ("2+", "3.0.0", False), ("1.0.0", None, False),
])
def test_same_version(asked: str, offered: str | None, same: bool) -> None:
    assert same_version(asked, offered) is same
