"""Stored script never runs in a reader's browser (issue: close the holes an outside review found, class 5).

Link-valued metadata accepts only absolute http(s) IRIs; pages link only to http(s) IRIs and to this server,
whatever the store holds; every answer carries a strict Content-Security-Policy; pages load their styles and
scripts from this host only, with no inline script or style.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Triple

from api import vocab
from api.config import Settings
from api.errors import BadRequest
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.security_headers import CONTENT_SECURITY_POLICY
from tests.services.samples import valid_rows, write
from tests.submissions.test_lifecycle import FIRST, World, make_world


@pytest.fixture
def world(settings: Settings, registry: Registry) -> World:
    return make_world(settings, registry)

HOSTILE = ("javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
           "file:///etc/passwd", "//evil.example/x", "https://ok.example/a b", "vbscript:msgbox(1)",
           "https://ok.example/\"onmouseover=\"alert(1)")


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["licence", "original_url"])
def test_link_metadata_must_be_a_web_address(world: World, field: str, value: str) -> None:
    answer = world.upload("DESTATIS", FIRST, **{field: value})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["details"]["field"] == field and "http" in error["message"]
    assert world.client.get("/api/datasets/DEU_STOCK/versions").status_code == 404  # nothing stored
    dry = world.upload("DESTATIS", FIRST, dry_run="true", **{field: value})
    assert dry.status_code == 400


@pytest.mark.parametrize("value", HOSTILE[:4])
def test_the_command_line_refuses_them_too(world: World, tmp_path: Path, value: str) -> None:
    parsed = ingest.read_file(world.registry, write(tmp_path / "s.csv", *valid_rows()))
    with pytest.raises(BadRequest, match="not a web address"):
        ingest.submit(world.registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",),
                                                                 licence=value))


def _hrefs(html: str) -> list[str]:
    return re.findall(r'\b(?:href|src|action)="([^"]*)"', html)


def test_a_source_that_is_not_a_web_address_stays_text(world: World) -> None:
    assert world.upload("DESTATIS", FIRST, source="javascript:alert(1)").status_code == 201
    for path in ("/id/submission/DEU_STOCK-v1", "/api/submissions/DEU_STOCK-v1"):
        page = world.client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "javascript:alert(1)" in page.text  # shown, as text
        assert not [h for h in _hrefs(page.text) if not h.startswith(("/", "http://", "https://", "#", "?"))]


def test_pages_link_only_to_web_addresses_whatever_the_store_holds(world: World) -> None:
    """Defence in depth: an IRI with another scheme put straight into a public graph is shown, never linked."""
    assert world.upload("DESTATIS", FIRST).status_code == 201
    sub = world.registry.iris.submission("DEU_STOCK-v1")
    for predicate in (vocab.DCT + "license", vocab.PROV + "hadPrimarySource", vocab.DCT + "source"):
        world.registry.store.add_to_graph(sub, [Triple(NamedNode(sub), NamedNode(predicate),
                                                       NamedNode("javascript:alert(1)"))])
    for path in ("/id/submission/DEU_STOCK-v1", "/id/dataset/DEU_STOCK"):
        page = world.client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert not [h for h in _hrefs(page.text) if h.lower().startswith("javascript")]
        assert '"license": "javascript' not in page.text and '"isBasedOn": "javascript' not in page.text


def test_every_answer_sends_a_strict_content_security_policy(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    html = {"/": "text/html", "/docs": "text/html", "/sparql": "text/html", "/def": "text/html",
            "/id/submission/DEU_STOCK-v1": "text/html", "/api/submissions/DEU_STOCK-v1": "text/html",
            "/.well-known/void": "text/html", "/nothing-here": "text/html", "/api/indicators": "application/json",
            "/sdmx/v1/dataflow": "*/*"}
    for path, accept in html.items():
        answer = world.client.get(path, headers={"Accept": accept})
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        if not answer.headers["content-type"].startswith("text/html"):
            continue
        text = answer.text
        assert "<style" not in text and " style=" not in text, path
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/ld+json"' in script, (path, script)
        loaded = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="([^"]*)"', text) + re.findall(
            r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]*)"', text)
        assert all(u.startswith("/") and not u.startswith("//") for u in loaded), (path, loaded)


def test_the_page_assets_are_served_from_this_host(world: World) -> None:
    client: TestClient = world.client
    for path, kind in (("/static/registry.css", "text/css"), ("/static/docs.js", "javascript"),
                       ("/static/vendor/swagger-ui-bundle.js", "javascript"),
                       ("/static/vendor/swagger-ui.css", "text/css")):
        answer = client.get(path)
        assert answer.status_code == 200 and kind in answer.headers["content-type"], path
    assert "cdn" not in client.get("/docs").text.lower()
