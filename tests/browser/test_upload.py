"""A statistician's whole path in Chromium: sign in with the agency's token, download a template, upload it with
planted errors, see each finding at its row and column (the bad cell marked), fix it, publish, and see the figure
on the country's profile page — with the session cookie as it should be and the token nowhere in a page."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Live, Watched

pytestmark = pytest.mark.server


def _gap(live: Live) -> str:
    """An indicator with no figure for Germany yet (so the published one is the profile's)."""
    profile = httpx.get(f"{live.url}/api/areas/DEU/profile", timeout=30).json()
    return next(g["id"] for s in profile["sections"] for g in s["gaps"])


def _csv(rows: list[dict[str, str]], header: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(watched: Watched, content: bytes, action: str) -> Any:
    page = watched.page
    page.fill("#dataset", "DEU_PAGES")
    page.fill("#title", "Figures entered in the browser")
    page.fill("#source", "Federal Statistical Office")
    page.set_input_files("#file", {"name": "filled.csv", "mimeType": "text/csv", "buffer": content})
    with page.expect_navigation():
        page.click(f"#{action}")
    return page


def test_template_to_published_figure_in_the_browser(watched: Watched, live: Live) -> None:
    page = watched.page
    indicator = _gap(live)
    watched.open("/upload")
    assert page.locator("#token").get_attribute("type") == "password"
    page.fill("#token", live.token)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/upload?lang=en") and "DESTATIS" in page.locator("h1").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "mpr_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert live.token not in page.content() and live.token not in page.url

    page.select_option("#template-indicators", [indicator])
    page.fill("#template-years", "2022,2023")
    with page.expect_download() as download:
        page.click("#download-template")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    header = list(rows[0])
    assert [(r["REF_AREA"], r["INDICATOR"], r["TIME_PERIOD"]) for r in rows] == [
        ("DEU", indicator, "2022"), ("DEU", indicator, "2023")]
    watched.screenshot("upload-signed-in")

    planted = [dict(rows[0], OBS_VALUE="4x2"), dict(rows[1], OBS_VALUE="43", TIME_PERIOD="20x3")]
    _upload(watched, _csv(planted, header), "check")
    assert "Not valid" in page.locator("#verdict").inner_text()
    assert [e for e in watched.errors if "422" not in e] == []  # the rejected file's page is a 422, as the API's
    watched.errors.clear()
    for line, column in ((2, "OBS_VALUE"), (3, "TIME_PERIOD")):
        assert page.locator(f"tr.finding[data-row='{line}'][data-column='{column}']").count() >= 1, (line, column)
        bad = page.locator(f"table.rows tr[data-row='{line}'] td.bad")
        assert column in bad.evaluate_all("cells => cells.map(c => c.dataset.column)"), (line, column)
    assert page.locator("#counts tbody tr").count() >= 1 and "How to fix" in page.locator("#report").inner_text()
    watched.screenshot("upload-report")
    assert watched.axe() == []

    fixed = [dict(rows[0], OBS_VALUE="42"), dict(rows[1], OBS_VALUE="43")]
    _upload(watched, _csv(fixed, header), "check")  # a dry run again, then publish the checked file as it is
    assert "Valid" in page.locator("#verdict").inner_text() and page.locator("#status").count() == 0
    with page.expect_navigation():
        page.click("#publish-checked")
    assert page.url.split("?")[0].endswith("/submissions/DEU_PAGES-v1")
    assert page.locator("#status").inner_text() == "published"
    assert "Valid" in page.locator("#verdict").inner_text()
    watched.screenshot("submission-page")

    watched.open("/upload")
    assert page.locator("tr[data-submission='DEU_PAGES-v1'] .status").inner_text() == "published"
    watched.open("/areas/DEU")
    cell = page.locator(f"tr[data-indicator='{indicator}'] td.num")
    assert cell.get_attribute("data-value") == "43.0" and cell.inner_text() == "43"
    watched.clean()


def test_forms_refuse_a_missing_csrf_token_and_a_bad_token(live: Live) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        refused = client.post("/upload/sign-in", data={"token": "mpr_nope_nope"})
        assert refused.status_code == 401 and "mpr_nope_nope" not in refused.text
        signed = client.post("/upload/sign-in", data={"token": live.token})
        assert signed.status_code == 303 and "mpr_session" in signed.headers["set-cookie"]
        assert "HttpOnly" in signed.headers["set-cookie"] and "SameSite=strict" in signed.headers["set-cookie"]
        cookie = {"mpr_session": signed.cookies["mpr_session"]}
        no_csrf = client.post("/upload", cookies=cookie, data={"dataset": "X"},
                              files={"file": ("a.csv", b"x", "text/csv")})
        assert no_csrf.status_code == 403
        foreign = client.post("/upload/sign-in", data={"token": live.token}, headers={"Origin": "http://evil.test"})
        assert foreign.status_code == 403
        assert client.post("/upload", data={"dataset": "X"}, files={"file": ("a.csv", b"x", "text/csv")}
                           ).status_code == 401
