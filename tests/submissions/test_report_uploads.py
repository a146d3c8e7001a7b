"""Reports of uploads as a statistician meets them: the Excel template round trip (template -> filled with
openpyxl -> validated -> loaded -> read through /api/observations), areas outside the token's scope as findings,
the report as a page with suggestions, and the report's JSON Schema served."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.config import Settings
from api.model.report import report_schema
from api.services.admin import agencies
from api.services.registry import Registry, open_registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.conftest import make_settings, sources_dir
from tests.read.conftest import row
from tests.services.samples import HEADER

runner = CliRunner()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filled_template(folder: Path, env: dict[str, str], values: dict[str, object]) -> Path:
    """`mpr template STK_IMM --area DEU --years 2019-2020 --xlsx`, its OBS_VALUE cells filled by year."""
    path = folder / "stock.xlsx"
    made = runner.invoke(app, ["template", "STK_IMM", "--area", "DEU", "--years", "2019-2020", "--xlsx", "-o",
                               str(path)], env=env)
    assert made.exit_code == 0, made.output
    book = load_workbook(path)
    data = book["Data"]
    header = [c.value for c in data[1]]
    for line in range(2, data.max_row + 1):
        year = str(data.cell(row=line, column=header.index("TIME_PERIOD") + 1).value)
        data.cell(row=line, column=header.index("OBS_VALUE") + 1, value=values[year])
    book.save(path)
    return path


def test_excel_round_trip_through_the_command_line(tmp_path: Path) -> None:
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir()),
           "MPR_BASE_IRI": "http://registry.test"}
    path = _filled_template(tmp_path, env, {"2019": 15000000, "2020": 15762457.0})
    book = load_workbook(path)
    book["Data"].insert_rows(3)  # an empty row: the second figure is now on worksheet row 4
    book["Data"]["E4"] = "GER"  # REF_AREA
    book.save(tmp_path / "wrong.xlsx")
    wrong = runner.invoke(app, ["validate", str(tmp_path / "wrong.xlsx"), "--json"], env=env)
    assert wrong.exit_code == 1, wrong.output
    assert [(r["row"], r["column"], r["suggestions"]) for r in json.loads(wrong.stdout)["results"]] == [
        (4, "REF_AREA", ["DEU"])]
    checked = runner.invoke(app, ["validate", str(path)], env=env)
    assert checked.exit_code == 0, checked.output
    loaded = runner.invoke(app, ["load", str(path), "--agency", "DESTATIS", "--dataset", "DEU_STOCK"], env=env)
    assert loaded.exit_code == 0, loaded.output
    registry = open_registry(make_settings(tmp_path / "data"))
    try:
        served = TestClient(create_app(registry)).get("/api/observations", params={"area": "DEU"}).json()
    finally:
        registry.close()
    assert sorted((o["period"], o["value"]) for o in served["observations"]) == [
        ("2019", 15000000.0), ("2020", 15762457.0)]


@pytest.fixture
def world(settings: Settings, registry: Registry) -> tuple[TestClient, dict[str, str]]:
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {agency: agencies.create_token(credentials, agency).secret for agency in ("DESTATIS", "UNHCR")}
    return TestClient(create_app(registry)), tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_uploaded_workbook_is_stored_and_served(world: tuple[TestClient, dict[str, str]], tmp_path: Path) -> None:
    client, tokens = world
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir())}
    path = _filled_template(tmp_path, env, {"2019": 100, "2020": 200})
    stored = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                         files={"file": ("stock.xlsx", path.read_bytes(), XLSX)},
                         data={"dataset": "DEU_STOCK", "source": "Census"})
    assert stored.status_code == 201, stored.text
    served = client.get("/api/observations", params={"area": "DEU"}).json()["observations"]
    assert sorted((o["period"], o["value"]) for o in served) == [("2019", 100.0), ("2020", 200.0)]


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_areas_outside_the_scope_are_findings_of_the_report(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    mixed = _csv(row("DEU", "2020", "100"), row("FRA", "2020", "100"), row("FRA", "2021", "100"))
    files = {"file": ("mixed.csv", mixed, "text/csv")}
    dry = client.post("/api/submissions", files=files, params={"dry_run": "true"},
                      data={"dataset": "MIXED", "source": "Census"}, headers=_auth(tokens["DESTATIS"]))
    assert dry.status_code == 200, dry.text
    report = dry.json()["report"]
    assert report["conforms"] is False
    assert [(r["rule"], r["row"], r["column"], r["value"]) for r in report["results"]] == [
        ("area-scope", 3, "REF_AREA", "FRA"), ("area-scope", 4, "REF_AREA", "FRA")]
    assert "may write data only for DEU, not for FRA" in report["results"][0]["message"]
    refused = client.post("/api/submissions", files=files, data={"dataset": "MIXED", "source": "Census"},
                          headers=_auth(tokens["DESTATIS"]))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert "not for FRA (2 row(s), named in the report); nothing was stored" in error["message"]
    assert [r["row"] for r in error["details"]["report"]["results"]] == [3, 4]
    # With other violations too, the refusal is the report's (422), the scope findings in it.
    broken = _csv(row("DEU", "2020", "-5"), row("FRA", "2020", "100"))
    both = client.post("/api/submissions", files={"file": ("b.csv", broken, "text/csv")},
                       data={"dataset": "MIXED", "source": "Census"}, headers=_auth(tokens["DESTATIS"]))
    assert both.status_code == 422
    assert {r["rule"] for r in both.json()["error"]["details"]["report"]["results"]} == {"range", "area-scope"}
    assert client.get("/api/observations").json()["total"] == 0


def test_the_report_as_a_page_shows_summary_groups_and_suggestions(world: tuple[TestClient, dict[str, str]]
                                                                   ) -> None:
    client, tokens = world
    body = _csv(*(row("GER", str(2000 + n), "100") for n in range(7)))
    page = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census", "format": "html"},
                       content=body, headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<h3>Summary</h3>" in html and "unknown code" in html
    assert "rows 2, 3, 4, 5, 6 and 2 more" in html and "… and 2 more" in html
    assert '<code class="suggestion">DEU</code>' in html and "did you mean DEU (Germany)?" in html
    assert html.index("<h3>Summary</h3>") < html.index("Findings by rule and column") < html.index("Every finding")
    as_json = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"},
                          content=body, headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
    report = as_json.json()["error"]["details"]["report"]
    jsonschema.validate(report, report_schema())
    assert report["results"][0]["suggestions"] == ["DEU"]


def test_the_report_schema_is_served_and_is_a_valid_schema(world: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = world
    served = client.get("/api/schemas/validation-report")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/schema+json")
    assert served.json() == report_schema()
    jsonschema.Draft202012Validator.check_schema(served.json())
