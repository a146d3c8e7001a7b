"""The whole life of a country's data through the real server and the real CLI, as the README's curl session
shows it: agency and token, an upload with a violation (422 and its report), the fix (201), the submission and
its HTML report, the data in the read API and SDMX, a revision that builds on it, a stale one refused (409),
the history as of before the revision, an admin's withdrawal and the audit trail — and no token in the log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, sources_dir
from tests.live_server import serving
from tests.read.conftest import row
from tests.services.samples import HEADER

pytestmark = pytest.mark.server


def _mpr(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], env={**os.environ, **env}, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_token_to_published_data_and_its_history(tmp_path: Path) -> None:
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_BASE_IRI": "http://registry.test",
           "MPR_SOURCES": str(sources_dir())}
    _mpr(env, "agency", "add", "DESTATIS", "--name", "Federal Statistical Office", "--kind", "nso",
         "--country", "DEU")
    _mpr(env, "agency", "add", "OPS", "--name", "Registry operator", "--kind", "admin")
    log = tmp_path / "server.log"
    with serving(env, log=log) as url:
        token = _mpr(env, "token", "create", "DESTATIS", "--label", "upload robot")  # beside the running server
        admin = _mpr(env, "token", "create", "OPS")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=60) as http:
            assert http.get("/api/whoami", headers=auth).json()["agency"] == "DESTATIS"
            fields = {"dataset": "DEU_STOCK", "title": "Immigrant stock", "source": "Census 2022",
                      "definition_basis": "foreign-born"}
            bad = http.post("/api/submissions", headers=auth, data=fields,
                            files={"file": ("stock.csv", _csv(row("DEU", "2021", "14000000"),
                                                              row("DEU", "2022", "1x")), "text/csv")})
            assert bad.status_code == 422
            problems = [r for r in bad.json()["error"]["details"]["report"]["results"] if r["severity"] == "Violation"]
            assert [(p["row"], p["column"]) for p in problems] == [(3, "OBS_VALUE")]
            fixed = _csv(row("DEU", "2021", "14000000"), row("DEU", "2022", "15000000"))
            dry = http.post("/api/submissions", headers=auth, data=fields, params={"dry_run": "true"},
                            files={"file": ("stock.csv", fixed, "text/csv")})
            assert dry.status_code == 200 and dry.json()["conforms"] is True
            created = http.post("/api/submissions", headers=auth, data=fields,
                                files={"file": ("stock.csv", fixed, "text/csv")})
            assert created.status_code == 201 and created.headers["location"] == "/api/submissions/DEU_STOCK-v1"
            before_revision = datetime.now(UTC)
            time.sleep(0.01)  # the revision comes strictly later
            resource = http.get("/api/submissions/DEU_STOCK-v1", headers=auth).json()
            assert resource["status"] == "published" and resource["provenance"]["file"]["name"] == "stock.csv"
            public = http.get("/api/submissions/DEU_STOCK-v1").json()  # the file is the agency's to see
            assert public["status"] == "published" and public["provenance"]["file"] is None
            page = http.get("/api/submissions/DEU_STOCK-v1/report", headers={**auth, "Accept": "text/html"})
            assert page.status_code == 200 and "Validation report" in page.text
            data = http.get("/api/observations", params={"area": "DEU", "indicator": "STK_IMM"}).json()
            assert sorted(o["value"] for o in data["observations"]) == [14000000.0, 15000000.0]
            sdmx = http.get("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.STK_IMM....",
                            headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
            assert sdmx.status_code == 200 and "15000000" in sdmx.text
            revision = http.post("/api/submissions", headers={**auth, "If-Match": created.headers["etag"]},
                                 data=fields, files={"file": ("stock.csv", _csv(row("DEU", "2022", "15100000")),
                                                              "text/csv")})
            assert revision.status_code == 201 and revision.json()["version"] == 2
            stale = http.post("/api/submissions", headers=auth, data={**fields, "base_version": "1"},
                              files={"file": ("stock.csv", _csv(row("DEU", "2022", "15200000")), "text/csv")})
            assert stale.status_code == 409 and stale.json()["error"]["details"]["current_version"] == 2
            versions = http.get("/api/datasets/DEU_STOCK/versions").json()
            assert sorted(v["version"] for v in versions) == [1, 2]
            as_of = http.get("/api/observations", params={"area": "DEU", "asOf": before_revision.isoformat()}).json()
            assert sorted(o["value"] for o in as_of["observations"]) == [14000000.0, 15000000.0]
            now = http.get("/api/observations", params={"area": "DEU"}).json()
            assert [o["value"] for o in now["observations"]] == [15100000.0]
            withdrawn = http.post("/api/submissions/DEU_STOCK-v2/withdraw", json={"reason": "wrong census base"},
                                  headers={"Authorization": f"Bearer {admin}"})
            assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
            back = http.get("/api/observations", params={"area": "DEU"}).json()
            assert sorted(o["value"] for o in back["observations"]) == [14000000.0, 15000000.0]
            trail = http.get("/api/audit", headers={"Authorization": f"Bearer {admin}"}).json()
            assert [(e["kind"], e["submission"]) for e in trail["entries"] if e["submission"]] == [
                ("withdrawal", "DEU_STOCK-v2"), ("upload", "DEU_STOCK-v2"), ("upload", "DEU_STOCK-v1")]
    text = log.read_text(errors="replace")
    assert "POST /api/submissions" in text
    for secret in (token, admin):
        assert secret.split("_", 2)[2] not in text
