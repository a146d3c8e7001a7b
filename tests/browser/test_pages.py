"""Every page for people in Chromium: it loads with no console error and no request to another host, its
charts are drawn, axe-core finds no serious or critical violation, and a screenshot is kept (tests/artifacts/)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import Live, Watched

pytestmark = pytest.mark.server

EU27 = ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA",
        "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE")

PAGES = {
    "home": "/",
    "profile-DEU": "/areas/DEU",
    "profile-region-150": "/areas/150",
    "compare-EU": "/compare?indicator=STK_IMM&areas=" + ",".join(EU27),
    "indicators": "/indicators",
    "indicator-STK_IMM": "/indicators/STK_IMM",
    "datasets": "/datasets",
    "dataset-WDI": "/datasets/WB_WDI_SM_POP_NETM",
    "profile-DEU-fr": "/areas/DEU?lang=fr",
    "crisis-DEU": "/areas/DEU/crisis",
    "origins-DEU": "/areas/DEU/origins",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_loads_clean_and_accessible(watched: Watched, name: str) -> None:
    watched.open(PAGES[name])
    charts = watched.page.locator(".vega[data-spec]")
    for index in range(charts.count()):
        charts.nth(index).locator("svg").first.wait_for(timeout=15000)
    watched.screenshot(name)
    watched.clean()
    assert watched.axe() == []


def test_the_profile_of_germany_shows_a_chart_and_the_api_values(watched: Watched, live: Live) -> None:
    watched.open("/areas/DEU")
    api = httpx.get(f"{live.url}/api/areas/DEU/profile", timeout=30).json()
    shown = {row.get_attribute("data-indicator"): row.locator("td.num").get_attribute("data-value")
             for row in watched.page.locator("tr[data-indicator]").all()}
    expected = {i["id"]: str(i["latest"]["value"]) for s in api["sections"] for i in s["indicators"]}
    assert expected and shown == expected
    chart = watched.page.locator("#c-STK_IMM-chart")
    chart.locator("svg").first.wait_for(timeout=15000)
    assert chart.get_attribute("data-drawn") == "true"
    assert chart.locator("svg path, svg .mark-symbol path").count() > 0
    watched.clean()


def test_the_eu_comparison_ranks_as_the_api(watched: Watched, live: Live) -> None:
    watched.open(PAGES["compare-EU"])
    api = httpx.get(f"{live.url}/api/compare", params={"indicator": "STK_IMM", "areas": ",".join(EU27)},
                    timeout=30).json()
    shown = [row.get_attribute("data-area") for row in watched.page.locator("#ranking tbody tr").all()]
    assert len(shown) > 10 and shown == [r["area"] for r in api["rows"]]
    watched.page.locator("#ranking-chart svg").first.wait_for(timeout=15000)
    watched.clean()


def test_the_chart_exports_svg_and_png(watched: Watched) -> None:
    watched.open("/areas/DEU")
    chart = watched.page.locator("#c-STK_IMM-chart")
    chart.locator("svg").first.wait_for(timeout=15000)
    for kind in ("svg", "png"):
        with watched.page.expect_download() as download:
            chart.locator(f".vega-actions a[download$='.{kind}']").click()
        assert download.value.suggested_filename == f"c-STK_IMM.{kind}"
        assert download.value.path().stat().st_size > 1000
    watched.clean()


def test_the_language_switch_formats_numbers(watched: Watched, live: Live) -> None:
    watched.open("/areas/DEU")
    watched.page.locator("nav.languages a[hreflang=fr]").click()
    watched.page.wait_for_load_state("networkidle")
    assert watched.page.locator("html").get_attribute("lang") == "fr"
    cell = watched.page.locator("tr[data-indicator=STK_IMM] td.num")
    value = float(cell.get_attribute("data-value") or "0")
    assert value >= 1000 and "\u202f" in cell.inner_text() and "," not in cell.inner_text().split("\u202f")[0]
    assert "Complétude" in watched.page.locator("main").inner_text()
    watched.clean()


def _page_without_script(live: Live, path: str) -> Any:
    return httpx.get(live.url + path, timeout=30)


@pytest.mark.parametrize("path", ["/areas/DEU", "/compare?indicator=STK_IMM&areas=DEU,FRA", "/indicators",
                                  "/datasets"])
def test_pages_send_a_strict_csp_and_their_table_without_script(live: Live, path: str) -> None:
    page = _page_without_script(live, path)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<table" in page.text and "<tbody>" in page.text
    assert "http://" not in page.text.replace(live.url, "").split("<body", 1)[0]  # nothing loaded from elsewhere


def test_an_error_reaches_the_browser_as_a_page(watched: Watched) -> None:
    """A browser asking for an unknown area gets the error as a page (the same 404 and sentence), accessible."""
    page = watched.page
    response = page.goto(watched.base + "/areas/NOWHERE?lang=es", wait_until="networkidle")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "NOWHERE" in page.locator("#error-message").inner_text()
    assert page.locator("#error-code").inner_text() == "not_found"
    assert [e for e in watched.errors if "404" not in e] == [] and watched.foreign == []
    watched.errors.clear()
    watched.screenshot("error-page")
    assert watched.axe() == []
