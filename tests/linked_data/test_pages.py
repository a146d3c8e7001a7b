"""Pages for people: labels in the reader's language, links that stay on this server, the vocabulary's
anchors, listings instead of inlined observations, and schema.org Dataset markup (what Google Dataset
Search reads)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser

import httpx
import pytest
from pyoxigraph import Literal, NamedNode

from tests.linked_data.conftest import KEY, PUBLIC_DATASET, WDI_DATASET, LinkedWorld

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
W3ID = "https://w3id.org/migration-profile/"
SKOS_PREF = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


class _Page(HTMLParser):
    """The title, links, element ids and JSON-LD scripts of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h1 = ""
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "h1" or (tag == "script" and values.get("type") == "application/ld+json"):
            self._in = tag
            if tag == "script":
                self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1 += data
        elif self._in == "script":
            self.scripts[-1] += data


def _label(world: LinkedWorld, iri: str, lang: str) -> str:
    graph = NamedNode(W3ID + "graph/vocabulary")
    for quad in world.snapshot.quads_for_pattern(NamedNode(iri), SKOS_PREF, None, graph):
        if isinstance(quad.object, Literal) and quad.object.language == lang:
            return quad.object.value
    raise AssertionError(f"{iri} has no {lang} label in the store")


@pytest.mark.parametrize("iri", [W3ID + "indicator/STK_IMM", W3ID + "code/sex/F", W3ID + "code/area/DEU"])
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_title_in_the_language_asked_for(linked: LinkedWorld, http: httpx.Client, iri: str, lang: str) -> None:
    path = linked.path(iri)[len(linked.url):]
    wanted = _label(linked, iri, lang)
    by_parameter = _Page(http.get(path, params={"lang": lang}, headers={"Accept": BROWSER}).text)
    by_header = _Page(http.get(path, headers={"Accept": BROWSER, "Accept-Language": f"{lang}-XX,{lang};q=0.9"}).text)
    assert by_parameter.h1.strip() == by_header.h1.strip() == wanted


def test_french_labels_of_linked_codes_and_rdf_keeps_every_language(linked: LinkedWorld, http: httpx.Client) -> None:
    path = f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='DEU')}/2020"
    french = http.get(path, headers={"Accept": BROWSER, "Accept-Language": "fr"}).text
    assert _label(linked, W3ID + "code/area/DEU", "fr") in french
    assert _label(linked, W3ID + "indicator/STK_IMM", "fr") in french
    turtle = http.get("/indicator/STK_IMM", headers={"Accept": "text/turtle"}).text
    for lang in ("en", "fr", "es"):
        assert f"@{lang}" in turtle


def test_links_stay_on_this_server(linked: LinkedWorld, http: httpx.Client) -> None:
    path = f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='DEU')}/2020"
    page = _Page(http.get(path, headers={"Accept": BROWSER}).text)
    for local in ("/code/area/DEU", "/indicator/STK_IMM", f"/id/submission/{PUBLIC_DATASET}-v1", "/def#refArea"):
        assert local in page.links
    assert not [link for link in page.links if link.startswith((W3ID, linked.url))]
    for link in {link.split("#")[0] for link in page.links if link.startswith(("/id/", "/code/", "/indicator/"))}:
        assert http.get(link, headers={"Accept": BROWSER}).status_code == 200, link


def test_vocabulary_page_has_an_anchor_per_term(http: httpx.Client) -> None:
    page = _Page(http.get("/def", headers={"Accept": BROWSER}).text)
    assert {"Indicator", "refArea", "IndicatorScheme", "obsValue"} <= page.ids
    assert page.h1.strip() == "Migration Profile Registry vocabulary"


def test_datasets_link_to_their_observations_instead_of_inlining_them(http: httpx.Client) -> None:
    for path in (f"/id/dataset/{WDI_DATASET}", f"/id/submission/{WDI_DATASET}-v1"):
        response = http.get(path, headers={"Accept": BROWSER})
        page = _Page(response.text)
        assert f"/api/observations?dataset={WDI_DATASET}" in page.links
        assert any(link.startswith("/sdmx/") for link in page.links)
        assert "/id/observation/" not in response.text
        assert len(response.content) < 60_000


def test_schema_org_dataset_markup(linked: LinkedWorld, http: httpx.Client) -> None:
    page = _Page(http.get(f"/id/dataset/{WDI_DATASET}", headers={"Accept": BROWSER}).text)
    (script,) = page.scripts
    data = json.loads(script)
    submission = f"{linked.url}/id/submission/{WDI_DATASET}-v1"
    facts = {q.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: q.object.value
             for q in linked.snapshot.quads_for_pattern(NamedNode(submission), None, None, NamedNode(submission))}
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["name"] == facts["title"] == "Net migration (World Bank WDI, SM.POP.NETM)"
    assert data["identifier"] == WDI_DATASET
    assert data["url"] == data["@id"] == f"{linked.url}/id/dataset/{WDI_DATASET}"
    assert data["license"] == facts["license"]
    assert data["creator"]["name"] == data["publisher"]["name"] == "WB"
    # the same instant (an xsd:dateTime drops trailing zeros of its fraction: .17727 is .177270)
    assert datetime.fromisoformat(data["dateModified"]) == datetime.fromisoformat(facts["generatedAtTime"])
    assert 50 <= len(data["description"]) <= 5000 and "Net migration" in data["description"]
    years = sorted({q.object.value for q in linked.snapshot.quads_for_pattern(
        None, NamedNode(W3ID + "def#timePeriod"), None, NamedNode(submission))})
    assert data["temporalCoverage"] == f"{years[0]}/{years[-1]}"
    places = {p["identifier"]: p["name"] for p in data["spatialCoverage"]}
    assert places["DEU"] == "Germany" and all(p["@type"] == "Place" for p in data["spatialCoverage"])
    assert [v["identifier"] for v in data["variableMeasured"]] == ["FLW_NET"]
    formats = {d["encodingFormat"]: d["contentUrl"] for d in data["distribution"]}
    assert any("sdmx" in f for f in formats) and "text/csv" in formats
    for url in formats.values():
        assert url.startswith(linked.url + "/")
    assert http.get(formats["text/csv"][len(linked.url):]).status_code == 200


def test_markup_cannot_close_its_script_element() -> None:
    from api.formats.html.linked_data import script_json

    assert "</script>" not in script_json({"name": "</script><script>alert(1)</script>"})
    assert json.loads(script_json({"name": "</script>&"}))["name"] == "</script>&"


def test_pages_work_offline(http: httpx.Client) -> None:
    text = http.get("/def", headers={"Accept": BROWSER}).text
    assert not re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", text)
