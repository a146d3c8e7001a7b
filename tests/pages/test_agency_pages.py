"""The upload pages through the app: sessions (cookie attributes, expiry, revocation), CSRF, the report view."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.formats.html import report_view
from api.formats.tabular.xlsx_input import XLSX_MEDIA_TYPE
from api.model.agency import AgencyKind, Principal
from api.model.submission import SubmissionMetadata
from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from api.web.pages.pending import LIFETIME as PENDING_LIFETIME
from api.web.pages.pending import PER_SESSION, PendingUploads
from api.web.pages.sessions import LIFETIME, PageSessions
from tests.services.samples import HEADER, stock_row, valid_rows

PRINCIPAL = Principal("DESTATIS", AgencyKind.NSO, frozenset({"DEU"}), False, "t1")


@pytest.fixture
def signed(registry: Registry) -> Iterator[tuple[TestClient, str]]:
    agencies.add_agency(registry, agencies.AgencyRequest(
        agency_id="DESTATIS", names=("Federal Statistical Office@en",), kind=AgencyKind.NSO, country="DEU"))
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    # base_url https: the TestClient keeps Secure cookies only for a secure origin
    with TestClient(create_app(registry), base_url="https://testserver") as client:
        yield client, token


def _csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_sign_in_opens_a_session_and_the_token_never_shows(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    assert 'type="password"' in client.get("/upload").text
    answer = client.post("/upload/sign-in", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303 and token not in answer.headers["location"]
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie and token not in cookie
    page = client.get("/upload")
    assert "DESTATIS" in page.text and token not in page.text and page.headers["cache-control"].startswith("private")


def test_a_revoked_token_ends_its_sessions(signed: tuple[TestClient, str], registry: Registry) -> None:
    client, token = signed
    client.post("/upload/sign-in", data={"token": token})
    assert "Download a template" in client.get("/upload").text
    agencies.revoke_token(agencies.credentials_for(registry), token)
    assert 'type="password"' in client.get("/upload").text


def test_forms_need_the_session_csrf_token(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    client.post("/upload/sign-in", data={"token": token})
    csrf = _csrf(client.get("/upload").text)
    body = ("\n".join([HEADER, stock_row("DEU", "2021", "1x")]) + "\n").encode()
    refused = client.post("/upload", data={"dataset": "DEU_X", "csrf": "wrong"},
                          files={"file": ("f.csv", body, "text/csv")})
    assert refused.status_code == 403
    checked = client.post("/upload", data={"dataset": "DEU_X", "csrf": csrf, "action": "check"},
                          files={"file": ("f.csv", body, "text/csv")})
    assert checked.status_code == 422 and 'data-row="2"' in checked.text
    assert 'class="bad" data-column="OBS_VALUE"' in checked.text
    assert client.post("/upload/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert 'type="password"' in client.get("/upload").text


def test_sessions_expire() -> None:
    sessions = PageSessions()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session_id, session = sessions.open(PRINCIPAL, now)
    assert sessions.get(session_id, now + LIFETIME - timedelta(seconds=1)) == session
    assert sessions.get(session_id, now + LIFETIME) is None
    assert sessions.get(session_id, now) is None  # gone once expired
    assert sessions.get("not-a-session", now) is None and sessions.get(None) is None


def test_the_report_groups_findings_and_marks_the_bad_cells() -> None:
    results = [{"severity": "Warning", "rule": "w", "message": "note", "row": 2, "column": "A", "value": "1"},
               {"severity": "Violation", "rule": "v", "message": "fix B", "row": 3, "column": "B", "value": "x"},
               {"severity": "Violation", "rule": "v", "message": "fix B", "row": 4, "column": "B", "value": "y"}]
    groups = report_view.findings_by_rule(results)
    assert [(g.rule, len(g.findings), g.fix) for g in groups] == [("v", 2, "fix B"), ("w", 1, "note")]
    rows = report_view.read_rows("A,B\n1,2\n3,x\n5,y\n", {3, 4})
    assert report_view.failing_rows(groups[0], rows) == [(3, [("3", False), ("x", True)]),
                                                         (4, [("5", False), ("y", True)])]
    assert report_view.failing_rows(groups[0], None) == []


def _sign_in(client: TestClient, token: str) -> str:
    client.post("/upload/sign-in", data={"token": token})
    return _csrf(client.get("/upload").text)


def test_a_stored_submission_shows_its_failing_rows_to_its_agency_only(signed: tuple[TestClient, str],
                                                                      registry: Registry) -> None:
    client, token = signed
    csrf = _sign_in(client, token)
    # The total (a confidential cell) is not women + men: a Warning on line 2; the file is stored all the same.
    body = ("\n".join([HEADER, stock_row("DEU", "2020", "31337", conf="C"), stock_row("DEU", "2020", "400", "F"),
                       stock_row("DEU", "2020", "500", "M")]) + "\n").encode()
    stored = client.post("/upload", data={"dataset": "DEU_ROWS", "title": "Rows", "source": "Destatis",
                                          "csrf": csrf, "action": "publish"},
                         files={"file": ("f.csv", body, "text/csv")}, follow_redirects=False)
    assert stored.status_code == 303, stored.text
    page = client.get(stored.headers["location"]).text
    row = page.split('<table class="rows">', 1)[1].split("</table>", 1)[0]
    assert 'tr data-row="2"' in row and '<td class="bad" data-column="OBS_VALUE"' in row and "31337" in row

    agencies.add_agency(registry, agencies.AgencyRequest(
        agency_id="INSEE", names=("Institut national de la statistique@fr",), kind=AgencyKind.NSO, country="FRA"))
    other = agencies.create_token(agencies.credentials_for(registry), "INSEE").secret
    with TestClient(create_app(registry), base_url="https://testserver") as anonymous:
        for who in (None, other):
            if who is not None:
                _sign_in(anonymous, who)
            seen = anonymous.get("/submissions/DEU_ROWS-v1")
            assert seen.status_code == 200 and "DEU_ROWS" in seen.text
            assert 'class="rows"' not in seen.text and "31337" not in seen.text and "sex-total" not in seen.text
            assert 'id="counts"' not in seen.text and "Warning" not in seen.text


def _workbook(lines: list[str]) -> bytes:
    """The CSV template's lines as the Excel template's Data sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    for cells in csv.reader(lines):
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbooks_failing_rows_are_shown_at_their_worksheet_row(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    csrf = _sign_in(client, token)
    body = _workbook([HEADER, stock_row("DEU", "2020", "31337", conf="C"), stock_row("DEU", "2020", "400", "F"),
                      stock_row("DEU", "2020", "500", "M")])
    form = {"dataset": "DEU_BOOK", "title": "Book", "source": "Destatis", "csrf": csrf}
    upload = ("f.xlsx", body, XLSX_MEDIA_TYPE)
    checked = client.post("/upload", data={**form, "action": "check"}, files={"file": upload})
    assert checked.status_code == 200, checked.text
    stored = client.post("/upload", data={**form, "action": "publish"}, files={"file": upload},
                         follow_redirects=False)
    assert stored.status_code == 303, stored.text
    for page in (checked.text, client.get(stored.headers["location"]).text):
        row = page.split('<table class="rows">', 1)[1].split("</table>", 1)[0]
        assert 'tr data-row="2"' in row and '<td class="bad" data-column="OBS_VALUE"' in row and "31337" in row


def _pending(page: str) -> str:
    return page.split('name="pending" value="', 1)[1].split('"', 1)[0]


def test_a_checked_file_is_published_without_sending_it_again(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    csrf = _sign_in(client, token)
    body = ("\n".join([HEADER, *valid_rows()[:2]]) + "\n").encode()
    checked = client.post("/upload", data={"dataset": "DEU_LATER", "title": "Later", "source": "Destatis",
                                           "csrf": csrf, "action": "check"},
                          files={"file": ("f.csv", body, "text/csv")})
    assert checked.status_code == 200 and 'id="publish-checked"' in checked.text
    pending_id = _pending(checked.text)
    pendings: PendingUploads = client.app.state.pending_uploads  # type: ignore[attr-defined]
    assert pendings.count() == 1
    other = TestClient(client.app, base_url="https://testserver")  # another session of the same agency, same app
    other_csrf = _sign_in(other, token)
    assert other.post("/upload/publish", data={"csrf": other_csrf, "pending": pending_id}).status_code == 404
    assert other.post("/upload/publish", data={"csrf": other_csrf, "pending": pending_id}).status_code == 404
    assert pendings.count() == 1  # still there for its own session
    assert client.post("/upload/publish", data={"csrf": "wrong", "pending": pending_id}).status_code == 403
    published = client.post("/upload/publish", data={"csrf": csrf, "pending": pending_id}, follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"].startswith("/submissions/DEU_LATER-v1")
    assert pendings.count() == 0
    assert client.get("/api/submissions/DEU_LATER-v1").status_code == 200
    again = client.post("/upload/publish", data={"csrf": csrf, "pending": pending_id})
    assert again.status_code == 404 and "upload it again" in again.text


def test_a_checked_file_goes_at_sign_out_and_a_rejected_one_is_not_kept(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    csrf = _sign_in(client, token)
    bad = ("\n".join([HEADER, stock_row("DEU", "2021", "1x")]) + "\n").encode()
    rejected = client.post("/upload", data={"dataset": "DEU_X", "csrf": csrf, "action": "check"},
                           files={"file": ("f.csv", bad, "text/csv")})
    assert rejected.status_code == 422 and 'id="publish-checked"' not in rejected.text
    pendings: PendingUploads = client.app.state.pending_uploads  # type: ignore[attr-defined]
    assert pendings.count() == 0
    good = ("\n".join([HEADER, *valid_rows()[:1]]) + "\n").encode()
    for _ in range(PER_SESSION + 1):
        client.post("/upload", data={"dataset": "DEU_X", "title": "X", "source": "Destatis", "csrf": csrf,
                                     "action": "check"}, files={"file": ("f.csv", good, "text/csv")})
    assert pendings.count() == PER_SESSION
    files = [e.path for e in pendings._entries.values()]
    assert all(f.exists() for f in files)
    client.post("/upload/sign-out", data={"csrf": csrf})
    assert pendings.count() == 0 and not any(f.exists() for f in files)


def test_checked_files_expire(tmp_path: Path) -> None:
    pendings = PendingUploads()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    file = tmp_path / "f.csv"
    file.write_text("a\n")
    kept = pendings.keep("session", "csrf", file, "f.csv", ".csv", SubmissionMetadata("D", "A"), now)
    assert kept is not None and not file.exists()
    assert pendings.take(kept, "session", "other-csrf", now) is None
    assert pendings.take(kept, "session", "csrf", now + PENDING_LIFETIME) is None
    assert pendings.count() == 0
    pendings.close()


@pytest.mark.parametrize(("lang", "words"), [
    ("fr", ("Télécharger un modèle", "Vérifier seulement (essai)", "Rapport de validation", "Non valide",
            "Comment corriger", "Les lignes en défaut du fichier", "Ligne", "Colonne")),
    ("es", ("Descargar una plantilla", "Solo verificar (prueba)", "Informe de validación", "No válido",
            "Cómo corregir", "Las filas con errores del archivo", "Fila", "Columna")),
])
def test_the_upload_and_report_pages_speak_french_and_spanish(signed: tuple[TestClient, str], lang: str,
                                                              words: tuple[str, ...]) -> None:
    client, token = signed
    csrf = _sign_in(client, token)
    assert 'lang="fr"' in client.get("/upload?lang=fr").text  # the sign-in page too
    body = ("\n".join([HEADER, stock_row("DEU", "2021", "1x")]) + "\n").encode()
    page = client.post(f"/upload?lang={lang}", data={"dataset": "DEU_X", "csrf": csrf, "action": "check"},
                       files={"file": ("f.csv", body, "text/csv")}).text
    assert f'<html lang="{lang}">' in page
    for word in words:
        assert word in page, word
    for english in ("Download a template", "Check only", "Validation report", "Not valid", "How to fix",
                    "The failing rows"):
        assert english not in page, english
    client.post("/upload/sign-out", data={"csrf": csrf})
    signin = client.get(f"/upload?lang={lang}").text
    assert ("Jeton" if lang == "fr" else "Token") in signin and "Sign in once" not in signin
