"""The SPARQL editor and the API references in Chromium: no console error, no other host, accessible."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import Live, Watched

pytestmark = pytest.mark.server


def test_the_sparql_editor_runs_an_example_into_a_table(watched: Watched, live: Live) -> None:
    watched.open("/sparql")
    page = watched.page
    page.select_option("#examples", "compare-countries")
    assert "VALUES ?area" in page.input_value("#query")
    page.click("#run")
    page.locator("#results tbody tr").first.wait_for(timeout=30000)
    assert page.locator("#results thead th").all_inner_texts() == ["area", "period", "value"]
    assert page.locator("#results tbody a[href^='/code/area/']").count() > 0
    href = page.locator("#csv").get_attribute("href") or ""
    csv = httpx.get(live.url + href, timeout=30)
    assert csv.status_code == 200 and csv.text.splitlines()[0].strip() == "area,period,value"
    assert len(csv.text.splitlines()) - 1 == page.locator("#results tbody tr").count()
    watched.screenshot("sparql")
    watched.clean()
    assert watched.axe() == []


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "h1")])
def test_the_api_reference_works_offline(watched: Watched, path: str, ready: str) -> None:
    watched.open(path)
    watched.page.locator(ready).first.wait_for(timeout=30000)
    assert "Migration Profile Registry" in watched.page.locator("body").inner_text()
    watched.screenshot(path.strip("/"))
    # ReDoc's bundle names its vendor's logo on another host: the page's CSP refuses it (no request leaves).
    watched.errors[:] = [e for e in watched.errors if not (path == "/redoc" and "cdn.redoc.ly" in e
                                                          and "Content Security Policy" in e)]
    watched.clean()
