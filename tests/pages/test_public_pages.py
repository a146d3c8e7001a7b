"""The pages for people through the app (no browser): the same data as the API for JSON callers, links between
the linked-data pages and the pages for people, numbers in the reader's language, nothing from another host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.formats.html import charts
from api.formats.html.numbers import number
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.services.samples import valid_rows, write


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    parsed = ingest.read_file(registry, write(tmp_path / "s.csv", *valid_rows()))
    ingest.submit(registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    with TestClient(create_app(registry)) as found:
        yield found


@pytest.mark.parametrize(("page", "api"), [
    ("/areas/DEU", "/api/areas/DEU/profile"),
    ("/areas/276?lang=fr", "/api/areas/276/profile?lang=fr"),
    ("/compare?indicator=STK_IMM&areas=DEU,FRA", "/api/compare?indicator=STK_IMM&areas=DEU,FRA"),
    ("/indicators", "/api/indicators"),
    ("/indicators/STK_IMM", "/api/indicators/STK_IMM"),
    ("/datasets", "/api/datasets"),
    ("/datasets/DEU_STOCK", "/api/datasets/DEU_STOCK"),
])
def test_a_page_gives_its_api_answer_to_json_callers(client: TestClient, page: str, api: str) -> None:
    as_data = client.get(page, headers={"Accept": "application/json"})
    assert as_data.status_code == 200 and as_data.headers["content-type"].startswith("application/json")
    assert as_data.json() == client.get(api).json()
    as_page = client.get(page, headers={"Accept": "text/html"})
    assert as_page.headers["content-type"].startswith("text/html") and "<table" in as_page.text
    assert "Accept" in as_page.headers["vary"]


def test_pages_load_nothing_from_another_host(client: TestClient) -> None:
    for path in ("/", "/areas/DEU", "/compare?indicator=STK_IMM", "/indicators", "/indicators/STK_IMM", "/datasets"):
        page = client.get(path)
        loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
        assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded), (path, loaded)
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert not re.search(r"<script(?![^>]*(?:src=|type=\"application/json\"))", page.text), path  # no inline


def test_the_profile_shows_the_latest_figure_in_the_readers_language(client: TestClient) -> None:
    english = client.get("/areas/DEU").text
    french = client.get("/areas/DE?lang=fr").text
    spanish = client.get("/areas/276", headers={"Accept-Language": "es"}).text
    assert "15,762,457" in english and "15\u202f762\u202f457" in french and "15.762.457" in spanish
    assert '<html lang="fr">' in french and "Complétude" in french


def test_the_comparison_page_ranks_and_says_what_it_queried(client: TestClient) -> None:
    page = client.get("/compare?indicator=STK_IMM&areas=FRA,DEU").text
    assert page.index('data-area="DEU"') < page.index('data-area="FRA"')
    assert "/api/compare?indicator=STK_IMM&amp;areas=FRA,DEU" in page and "/sdmx/v2/data/" in page
    spec = client.get("/compare.vl.json?indicator=STK_IMM&areas=FRA,DEU").json()
    assert [v["area"] for v in spec["data"]["values"]] == ["Germany", "France"]
    assert spec["mark"]["type"] == "bar" and "Germany" in spec["description"]


def test_a_profile_chart_spec_is_served_beside_the_page(client: TestClient) -> None:
    spec = client.get("/areas/DEU/charts/STK_IMM.vl.json?lang=fr").json()
    assert [v["period"] for v in spec["data"]["values"]] == ["2019", "2020"]
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["title"]["subtitle"] and spec["encoding"]["y"]["title"]


def test_linked_data_pages_link_to_the_pages_for_people(client: TestClient) -> None:
    indicator = client.get("/indicator/STK_IMM", headers={"Accept": "text/html"}).text
    area = client.get("/code/area/DEU", headers={"Accept": "text/html"}).text
    assert 'href="/indicators/STK_IMM?lang=en"' in indicator and 'href="/areas/DEU?lang=en"' in area


def test_an_unknown_area_or_language_is_a_clear_client_error(client: TestClient) -> None:
    assert client.get("/areas/QQZ").status_code == 404
    bad = client.get("/areas/DEU?lang=de")
    assert bad.status_code == 400 and "lang=de" in bad.text


def test_numbers_and_text_alternatives_per_language() -> None:
    assert number(1234.5, "fr") == "1\u202f234,5" and number(1234.5, "en") == "1,234.5"
    assert number(None, "fr") == "" and number(3, "es") == "3"
    spec = charts.time_series("Stock", "PS", "UN", [charts.Point("2019", 1500.0), charts.Point("2020", 1600.0)],
                              "fr")
    assert spec["description"] == "Stock, 2 periods from 2019 to 2020: 1\u202f500 PS in 2019, 1\u202f600 PS in 2020."


def test_the_home_page_finds_areas_and_indicators_and_links_everywhere(client: TestClient) -> None:
    page = client.get("/?q=germ").text
    assert 'href="/areas/DEU?lang=en"' in page
    found = client.get("/?q=migrant stock").text
    assert 'href="/indicators/STK_IMM?lang=en"' in found
    for link in ("/compare", "/indicators", "/datasets", "/upload", "/sparql", "/docs", "/datasets/DEU_STOCK"):
        assert f'href="{link}' in page, link


def test_the_comparison_takes_a_region_and_a_period(client: TestClient) -> None:
    europe = client.get("/compare?indicator=STK_IMM&region=150&period=2020")
    assert europe.status_code == 200 and 'data-area="DEU"' in europe.text and 'data-area="FRA"' in europe.text
    assert client.get("/compare?indicator=STK_IMM&region=150&period=2019").text.count("<tr data-area=") == 1


def test_the_indicator_page_lists_where_it_has_data_by_region(client: TestClient) -> None:
    page = client.get("/indicators/STK_IMM").text
    where = page.split('<h2 id="where">', 1)[1].split("</section>\n</section>", 1)[0]
    regions = re.findall(r'data-region="([^"]+)"', where)
    assert len(regions) == 1, regions  # Germany and France: one SDG region
    section = where.split(f'data-region="{regions[0]}"', 1)[1]
    assert "Europe and Northern America" in section.split("</h3>", 1)[0] and "(2)" in section.split("</h3>", 1)[0]
    assert section.index('href="/areas/FRA') < section.index('href="/areas/DEU')  # by name: France, Germany
    link = re.search(r'href="(/compare\?indicator=STK_IMM&amp;areas=[^"]+)"', section)
    assert link is not None
    compared = client.get(link.group(1).replace("&amp;", "&"), headers={"Accept": "application/json"})
    assert compared.status_code == 200 and {r["area"] for r in compared.json()["rows"]} >= {"DEU", "FRA"}
    french = client.get("/indicators/STK_IMM?lang=fr").text
    assert 'data-region="' in french


def test_the_warm_up_builds_the_home_pages_coverage(registry: Registry, tmp_path: Path) -> None:
    """The areas with data are kept per public view and built by the warm-up, not by the first home request."""
    from api.services import warmup
    from api.services.read import profile

    ingest.submit(registry, ingest.read_file(registry, write(tmp_path / "s.csv", *valid_rows())),
                  SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    warmup.warm(registry)
    have, _ = profile.covered(registry)
    assert set(have) == {"DEU", "FRA"} and profile.covered(registry)[0] is have  # kept, not rebuilt
    with TestClient(create_app(registry)) as client:
        home = client.get("/").text
    assert 'href="/areas/DEU?lang=en"' in home and 'href="/areas/FRA?lang=en"' in home
