"""/api/observations: the figures of the imported files, filters, pagination, CSV and provenance."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from api.formats.tabular.csv_writer import safe_cell
from tests.read.conftest import COMMENT, FORMULA, wdi_cells

NETM = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"


def test_values_equal_the_source_cells_with_provenance(client: TestClient, shared_data: Path) -> None:
    cells = wdi_cells(shared_data, NETM, "DEU")
    body = client.get("/api/observations", params={"indicator": "FLW_NET", "area": "DE", "per_page": 1000}).json()
    got = {o["period"]: o["value"] for o in body["observations"]}
    assert body["total"] == len(got) == len(cells) > 50
    assert {p: Decimal(str(v)) for p, v in got.items()} == {p: Decimal(c) for p, c in cells.items()}
    first = body["observations"][0]
    assert first["period"] == "1960" and first["area_label"] == "Germany" and first["unit"]
    provenance = first["provenance"]
    assert (provenance["dataset"], provenance["agency"], provenance["version"]) == ("WB_WDI_SM_POP_NETM", "WB", 1)
    assert provenance["primary_source"].startswith("https://api.worldbank.org/") and provenance["submitted"]
    assert first["iri"].endswith("/WB_WDI_SM_POP_NETM-v1/A.DEU.FLW_NET._Z._T._Z._Z/1960")


def test_filters_periods_latest_region_and_datasets(client: TestClient) -> None:
    def get(**params: object) -> dict:
        response = client.get("/api/observations", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    window = get(indicator="FLW_NET", area="FRA,DEU", **{"from": "2015", "to": "2017"})
    assert sorted((o["area"], o["period"]) for o in window["observations"]) == [
        ("DEU", "2015"), ("DEU", "2016"), ("DEU", "2017"), ("FRA", "2015"), ("FRA", "2016"), ("FRA", "2017")]
    latest = get(indicator="STK_IMM", area="DEU", latest="true")
    assert sorted((o["sex"], o["period"]) for o in latest["observations"]) == [("F", "2020"), ("M", "2020"),
                                                                              ("_T", "2020")]
    assert [o["sex"] for o in get(indicator="STK_IMM", area="DEU", sex="F")["observations"]] == ["F"]
    europe = get(indicator="CTX_POP", region="150", latest="true", per_page=1000)
    areas = {o["area"] for o in europe["observations"]}
    assert {"DEU", "FRA", "ITA"} <= areas and "USA" not in areas and "150" not in areas
    only = get(dataset="NSO_FRA_STOCK")
    assert {o["provenance"]["dataset"] for o in only["observations"]} == {"NSO_FRA_STOCK"} and only["total"] == 2
    for params, fragment in (({"indicator": "NOPE"}, "indicator=NOPE"), ({"area": "QQQ"}, "area=QQQ"),
                             ({"sex": "X"}, "sex=X"), ({"from": "20x5"}, "from=20x5"),
                             ({"from": "2020", "to": "2010"}, "after"), ({"region": "DEU"}, "not a region"),
                             ({"page": "0"}, "page=0")):
        response = client.get("/api/observations", params=params)
        assert response.status_code == 400 and fragment in response.json()["error"]["message"], params


def test_pagination_total_and_link_headers(client: TestClient) -> None:
    params = {"indicator": "FLW_NET", "area": "DEU", "per_page": 10}
    first = client.get("/api/observations", params=params)
    body = first.json()
    assert body["pages"] == (body["total"] + 9) // 10 and first.headers["x-total-count"] == str(body["total"])
    links = {part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
             for part in first.headers["link"].split(", ")}
    assert set(links) == {"first", "next", "last"} and "page=2" in links["next"]
    second = client.get(links["next"]).json()
    assert second["page"] == 2 and second["observations"][0]["period"] == "1970"
    last = client.get(links["last"])
    assert 'rel="prev"' in last.headers["link"] and 'rel="next"' not in last.headers["link"]
    beyond = client.get("/api/observations", params={**params, "page": body["pages"] + 5}).json()
    assert beyond["observations"] == [] and beyond["total"] == body["total"]


def test_csv_by_accept_or_format_escapes_formulas_not_numbers(client: TestClient) -> None:
    response = client.get("/api/observations", params={"indicator": "STK_IMM", "area": "DEU", "sex": "_T"},
                          headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["period"], r["value"]) for r in rows] == [("2019", "15000000"), ("2020", "15762457")]
    assert rows[1]["comment"] == COMMENT and rows[1]["dataset"] == "NSO_DEU_STOCK"
    assert safe_cell(FORMULA) == "'" + FORMULA and safe_cell("-12.5") == "-12.5"  # stored text is defused too
    net = list(csv.DictReader(io.StringIO(client.get("/api/observations", params={
        "indicator": "FLW_NET", "area": "DEU", "format": "csv"}).text)))
    negative = [r["value"] for r in net if r["value"].startswith("-")]
    assert negative and all(Decimal(v) < 0 for v in negative)  # numbers are not escaped
    total = client.get("/api/observations", params={"indicator": "FLW_NET", "area": "DEU"}).json()["total"]
    assert len(net) == total > 50  # every match, not one page
    paged = client.get("/api/observations", params={"indicator": "FLW_NET", "area": "DEU", "format": "csv",
                                                    "per_page": 5, "page": 2}).text
    assert len(list(csv.DictReader(io.StringIO(paged)))) == 5
