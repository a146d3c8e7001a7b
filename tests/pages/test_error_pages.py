"""Errors in a browser: the one error handler answers a client that prefers text/html with an HTML page (same
status, the sentence, the strict CSP, the reader's language); API clients keep the JSON error unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.services.registry import Registry
from api.web.app import create_app
from api.web.security_headers import CONTENT_SECURITY_POLICY

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry)) as found:
        yield found


@pytest.mark.parametrize(("path", "status"), [
    ("/areas/NOWHERE", 404),
    ("/api/compare?indicator=NOPE&areas=DEU", 404),
    ("/no/such/page", 404),
    ("/areas/DEU?lang=xx", 400),
])
def test_a_browser_gets_an_error_page_and_an_api_client_json(client: TestClient, path: str, status: int) -> None:
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == status and as_json.headers["content-type"].startswith("application/json")
    error = as_json.json()["error"]
    for accept in (None, "*/*"):  # no preference: JSON as before
        plain = client.get(path, headers={"Accept": accept} if accept else {})
        assert plain.status_code == status and plain.json() == as_json.json()
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '<html lang="en">' in page.text and f"({status})" in page.text
    assert f'<code id="error-code">{error["code"]}</code>' in page.text
    message = page.text.split('<p id="error-message" role="alert">', 1)[1].split("</p>", 1)[0]
    assert message.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&").replace(
        "&lt;", "<").replace("&gt;", ">") == error["message"]


def test_the_error_page_speaks_the_readers_language(client: TestClient) -> None:
    french = client.get("/areas/NOWHERE?lang=fr", headers={"Accept": BROWSER})
    assert french.status_code == 404 and '<html lang="fr">' in french.text and "pas pu aboutir" in french.text
    spanish = client.get("/areas/NOWHERE", headers={"Accept": BROWSER, "Accept-Language": "es"})
    assert '<html lang="es">' in spanish.text and "no pudo atenderse" in spanish.text
    unknown = client.get("/areas/DEU?lang=xx", headers={"Accept": BROWSER})  # the bad lang= itself: a page in English
    assert unknown.status_code == 400 and '<html lang="en">' in unknown.text and "lang=xx" in unknown.text


def test_a_browser_posting_without_a_session_gets_a_page_with_the_challenge(client: TestClient) -> None:
    answer = client.post("/upload/publish", data={"csrf": "x", "pending": "y"}, headers={"Accept": BROWSER})
    assert answer.status_code == 401 and answer.headers["content-type"].startswith("text/html")
    assert "www-authenticate" in answer.headers and "sign in at /upload" in answer.text
