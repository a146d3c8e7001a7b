"""``/api/observations?format=csv`` written from whole columns is byte for byte what the record writer writes."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.formats.tabular.csv_writer import COLUMNS, write_csv, write_frames
from api.model.read_api import ObservationOut, Provenance
from api.services.read import observation_frames, observations
from tests.read.conftest import COMMENT, SECRET_VALUE, ApiWorld

VALUES = ["15762457", "-5", "8.5", "0.00001", "1e5", "007", "+3", "-0", "12345678901234567", "0.1", "123.4560",
          "1234567890.123456", "abc", "", None, "-inf", "nan", "3.0"]
TEXTS = ['=HYPERLINK("x")', "+1", "-2.5", "@me", "\tTab", "\rCR", "-5\n", 'say "hi", ok', "two\nlines", "Zürich ✓",
         "", None, "-", "plain", "12", "-abc", "1e3x", "+.5"]
INTS = ["0", "-0", "6", "-3", "+2", "07", " 5", "x", "", None, "12", "99999999999999999999", "3", "1", "2", "-1",
        "4", "5"]


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def test_column_writer_matches_record_writer_on_tricky_cells() -> None:
    """Formulas, numbers that look risky, quotes, separators, line breaks, unicode, empty and absent cells, and
    numbers that the record path renders through float and int."""
    rows, records = [], []
    for i, (value, text, number) in enumerate(zip(VALUES, TEXTS, INTS, strict=True)):
        provenance = Provenance(dataset=f"DS{i % 3}", dataset_title="t", agency=text or "AG", submission="s",
                                version=1 + i, submitted=datetime(2024, 1, 1 + i, tzinfo=UTC),
                                sources=(("a, b", 'c "d"') if i % 2 else ()), primary_source=text)
        records.append(ObservationOut(
            indicator="STK_IMM", indicator_label=text or "", area="DEU", area_label="Deutschland, \"DE\"",
            period="2020", value=_float(value), unit=text, unit_multiplier=_int(number), status=text, freq="A",
            counterpart_area="_T", sex="_T", age="_T", migration_status="_Z", decimals=_int(INTS[-1 - i]),
            comment=text, source_detail=TEXTS[-1 - i], iri=f"http://x/{i}", provenance=provenance))
        rows.append({"indicator": "STK_IMM", "indicator_label": text or "", "area": "DEU",
                     "area_label": "Deutschland, \"DE\"", "period": "2020", "value": value, "unit": text,
                     "unit_multiplier": number, "status": text, "freq": "A", "counterpart_area": "_T", "sex": "_T",
                     "age": "_T", "migration_status": "_Z", "decimals": INTS[-1 - i], "comment": text,
                     "source_detail": TEXTS[-1 - i], "dataset": f"DS{i % 3}", "agency": text or "AG",
                     "sources": "; ".join(provenance.sources), "primary_source": text,
                     "submitted": provenance.submitted.isoformat(), "version": str(1 + i), "iri": f"http://x/{i}"})
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))
    old = b"".join(write_csv(records))
    assert b"".join(write_frames([frame.slice(0, 7), frame.slice(7, 0), frame.slice(7)])) == old
    assert b"".join(write_frames([])) == b"".join(write_csv([]))


QUERIES = [{}, {"all_sources": True}, {"area": ["DEU"]}, {"indicator": ["STK_IMM"], "start": "2020"},
           {"latest": True}, {"dataset": ["NSO_DEU_STOCK"]}]


@pytest.mark.parametrize("params", QUERIES, ids=range(len(QUERIES)))
def test_frames_give_the_records_bytes(api_world: ApiWorld, params: dict[str, object],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The frames of a selection (real WDI files and national submissions, read in chunks of a few series) give
    the same CSV as the observations read one by one; the confidential value stays out."""
    monkeypatch.setattr(observation_frames, "FIRST_CHUNK_ROWS", 2)
    monkeypatch.setattr(observation_frames, "CHUNK_ROWS", 50)
    registry = api_world.registry
    base: dict[str, object] = {"indicator": [], "area": [], "region": None, "counterpart_area": [], "sex": [],
                               "age": [], "migration_status": [], "dataset": [], "start": None, "end": None,
                               "latest": False, "page": 1, "per_page": 100}
    query = observations.parse_query(registry, **{**base, **params})  # type: ignore[arg-type]
    selection = observations.select(registry, query)
    old = b"".join(write_csv(observations.read(registry, selection, 0, None, "en")))
    new = b"".join(write_frames(observation_frames.frames(registry, selection, "en")))
    assert new == old
    assert old.count(b"\r\n") == selection.total + 1 and SECRET_VALUE.encode() not in old


def test_route_streams_every_match_from_columns(client: TestClient) -> None:
    answer = client.get("/api/observations", params={"format": "csv", "area": "DEU"})
    assert answer.status_code == 200 and answer.text.count("\r\n") == int(answer.headers["x-total-count"]) + 1
    assert '"Census, ""register-based""; revised"' in answer.text and COMMENT
