"""/api/indicators and /api/areas: filters, languages, coverage from the store, codes in every form."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.services.catalogue import load_catalogue
from tests.conftest import REPO
from tests.read.conftest import ApiWorld


def test_indicators_filter_by_section_sdg_and_text_in_any_language(client: TestClient) -> None:
    everything = client.get("/api/indicators").json()
    assert len(everything) == len(load_catalogue(REPO / "ontology").indicators)
    assert everything[0]["section"] == "CTX"  # profile order: context first
    stocks = client.get("/api/indicators", params={"section": "stk"}).json()
    assert stocks and {i["section"] for i in stocks} == {"STK"} and "STK_IMM" in {i["id"] for i in stocks}
    sdg = client.get("/api/indicators", params={"sdg": "10.c"}).json()
    assert {i["id"] for i in sdg} == {"REM_CST_CORR", "REM_CST_IB", "REM_CST_OB"}
    assert {i["id"] for i in client.get("/api/indicators", params={"sdg": "10.7.2"}).json()} == {"GOV_POL"}
    french = client.get("/api/indicators", params={"q": "stock migrants internationaux", "lang": "fr"}).json()
    assert french[0]["id"] == "STK_IMM" and french[0]["label"] == "Stock de migrants internationaux"
    spanish = client.get("/api/indicators/STK_IMM", headers={"Accept-Language": "es-ES,es;q=0.9"}).json()
    assert spanish["label"] == "Población de migrantes internacionales"


def test_indicator_detail_has_coverage_from_the_public_data(client: TestClient) -> None:
    detail = client.get("/api/indicators/stk_imm").json()
    # DEU and AND are in the DEU submission, but AND's only figure is confidential; PRT is embargoed.
    assert detail["areas_with_data"] == ["DEU", "FRA", "ITA"]
    assert (detail["first_period"], detail["last_period"], detail["observations"]) == ("2016", "2020", 6)
    assert {"organisation": "UNDESA", "code": "IMS.T1", "match": "exact"} in detail["source_series"]
    assert detail["iri"] == "https://w3id.org/migration-profile/indicator/STK_IMM"
    missing = client.get("/api/indicators/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/indicators", params={"section": "XYZ"})
    assert bad.status_code == 400 and "XYZ" in bad.json()["error"]["message"]


def test_areas_answer_to_alpha3_alpha2_and_m49(client: TestClient) -> None:
    by_code = [client.get(f"/api/areas/{code}").json() for code in ("DEU", "de", "276")]
    assert by_code[0] == by_code[1] == by_code[2]
    germany = by_code[0]
    assert (germany["code"], germany["iso3166_alpha2"], germany["m49"], germany["kind"]) == ("DEU", "DE", "276",
                                                                                             "country")
    assert germany["regions"] == ["155", "150", "001"]  # Western Europe, Europe, World
    assert client.get("/api/areas/276", params={"lang": "fr"}).json()["name"] == "Allemagne"
    ldc = client.get("/api/areas/AFG").json()
    assert "199" in ldc["groupings"]  # Least Developed Countries
    regions = client.get("/api/areas", params={"kind": "region"}).json()
    assert regions and all(a["kind"] == "region" for a in regions) and "150" in {a["code"] for a in regions}
    unknown = client.get("/api/areas/QQQ")
    assert unknown.status_code == 404 and "DEU, DE or 276" in unknown.json()["error"]["message"]
    assert client.get("/api/areas", params={"kind": "planet"}).status_code == 400


def test_errors_share_one_shape(api_world: ApiWorld) -> None:
    client = api_world.client
    for path, status in (("/api/observations?page=abc", 400), ("/api/nowhere", 404),
                         ("/api/observations?per_page=5000", 400), ("/api/compare", 400)):
        response = client.get(path)
        assert response.status_code == status, path
        error = response.json()["error"]
        assert set(error) == {"status", "code", "message", "details"} and error["status"] == status
    assert client.get("/api/observations", headers={"Accept": "image/png"}).status_code == 406
