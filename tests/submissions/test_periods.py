"""An upload with a period no reader can render is refused whole, the report naming the row, the column and
why (issue 12, class 4): through ingest, the HTTP route (template CSV and SDMX-ML) and the dry run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.errors import SubmissionRejected
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.formats.sdmx.test_ml_input import GENERIC
from tests.read.conftest import row
from tests.services.samples import write
from tests.submissions.test_upload import _auth, _csv, world

__all__ = ["world"]

EDGES = {
    "0000": "row 3, TIME_PERIOD: 0000 is outside the years the registry accepts (1800-2200)",
    "9999": "row 3, TIME_PERIOD: 9999 is outside the years the registry accepts (1800-2200)",
    "-0001": "row 3, TIME_PERIOD: '-0001' is not an SDMX time period: write 2020, 2020-01",
    "2020-Q5": "row 3, TIME_PERIOD: '2020-Q5' is not an SDMX time period",
    "2020-W54": "row 3, TIME_PERIOD: '2020-W54' is not an SDMX time period",
    "2020-13": "row 3, TIME_PERIOD: '2020-13' is not an SDMX time period",
    "2020-02-30": "row 3, TIME_PERIOD: 2020-02-30 is not a calendar date",
    "2021-W53": "row 3, TIME_PERIOD: 2021-W53 is not a week of 2021",
}


def _period_violations(report: dict) -> list[tuple[int | None, str | None, str]]:  # type: ignore[type-arg]
    return [(r["row"], r["column"], r["message"]) for r in report["results"]
            if r["severity"] == "Violation" and r["column"] == "TIME_PERIOD"]


@pytest.mark.parametrize("period", sorted(EDGES))
def test_ingest_refuses_the_period_and_stores_nothing(registry: Registry, tmp_path: Path, period: str) -> None:
    path = write(tmp_path / "stock.csv", row("DEU", "2019", "100"), row("DEU", period, "200"))
    meta = SubmissionMetadata(dataset_id="DEU_STOCK", agency_id="DESTATIS", title="Stock", sources=("Census",))
    with pytest.raises(SubmissionRejected) as refused:
        ingest.submit(registry, ingest.read_file(registry, path), meta)
    violations = [(p.row, p.column, p.message) for p in refused.value.report.results  # type: ignore[attr-defined]
                  if p.severity == "Violation"]
    assert len(violations) == 1 and violations[0][:2] == (3, "TIME_PERIOD")
    assert violations[0][2].startswith(EDGES[period])
    assert not registry.public_view().data_graphs  # nothing stored


@pytest.mark.parametrize("period", sorted(EDGES))
def test_the_upload_route_answers_422_with_the_row_and_column(world: tuple[TestClient, dict[str, str]],
                                                               period: str) -> None:
    client, tokens = world
    body = _csv(row("DEU", "2019", "100"), row("DEU", period, "200"))
    for dry_run in ("true", "false"):
        answer = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census",
                                                         "dry_run": dry_run},
                             content=body, headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
        report = answer.json()["report"] if dry_run == "true" else answer.json()["error"]["details"]["report"]
        assert answer.status_code == (200 if dry_run == "true" else 422), answer.text
        assert report["conforms"] is False
        (found,) = _period_violations(report)
        assert found[:2] == (3, "TIME_PERIOD") and found[2].startswith(EDGES[period])
    assert client.get("/api/observations").json()["total"] == 0
    assert client.get("/sdmx/v1/data/MIGRATION_PROFILE").status_code == 404  # nothing was published


def test_an_sdmx_ml_upload_names_the_line_of_the_observation(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    document = GENERIC.replace('<gen:ObsDimension id="TIME_PERIOD" value="2020"/>',
                               '<gen:ObsDimension id="TIME_PERIOD" value="0000"/>')
    answer = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"},
                         content=document.encode(),
                         headers={**_auth(tokens["DESTATIS"]), "Content-Type": "application/xml"})
    assert answer.status_code == 422, answer.text
    (found,) = _period_violations(answer.json()["error"]["details"]["report"])
    assert found == (28, "TIME_PERIOD",
                     "row 28, TIME_PERIOD: 0000 is outside the years the registry accepts (1800-2200)")
    assert client.get("/api/observations").json()["total"] == 0
