"""SDMX-CSV and SDMX-JSON written from whole columns are byte for byte what the record writers write (issue 14)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from api.formats.sdmx.data_csv import CSV10, CSV20, write_csv10, write_csv20
from api.formats.sdmx.data_json import JSON10, JSON20, write_json10, write_json20
from api.formats.sdmx.negotiation import FORMATS
from api.model.sdmx import DataMessage, Observation, Series
from api.model.sdmx_data_query import DataQuery
from api.model.structure import DIMENSIONS, MEASURE, PUBLISHED_ATTRIBUTES, SERIES_DIMENSIONS
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.sdmx import data as sdmx_data
from api.services.sdmx import data_frames
from api.services.sdmx.data_params import parse_data_v1, parse_data_v2
from api.services.submissions import ingest
from tests.services.samples import HEADER

TRICKY = ['say "hi"', "a,b", "two\nlines", "cr\rhere", "crlf\r\nend", "Zürich \u2013 東京 ✓", "", " padded ", '"', ",",
          "=1+1", "plain"]


def _message(frames: bool, attributes: tuple[str, ...] = PUBLISHED_ATTRIBUTES) -> DataMessage:
    """Two series with every tricky text in some cell, as series and (when ``frames``) as frames."""
    rows: list[dict[str, str | None]] = []
    for s, area in enumerate(("DEU", "F,R")):
        for i, text in enumerate(TRICKY):
            row: dict[str, str | None] = dict(zip(SERIES_DIMENSIONS, ("A", area, "STK_IMM", "_T", "_T", "_T", "_Z"),
                                                  strict=True))
            row["TIME_PERIOD"] = ("2015-Q1", "2016", "2017-03", "2018-S2")[i % 4] if i < 4 else str(2000 + i)
            row[MEASURE] = None if i == 3 else f"{s}{i}.5"
            for a in attributes:
                row[a] = None if (i + len(a)) % 5 == 0 else (text if a in ("COMMENT", "SOURCE_DETAIL", "DATASET")
                                                             else ("F" if a == "CONF_STATUS" else "A"))
            rows.append(row)

    def series() -> list[Series]:
        found = []
        for area in ("DEU", "F,R"):
            mine = [r for r in rows if r["REF_AREA"] == area]
            found.append(Series(tuple(mine[0][d] or "" for d in SERIES_DIMENSIONS), tuple(
                Observation((r["TIME_PERIOD"] or "",), r[MEASURE],
                            {a: v for a in attributes if (v := r[a]) is not None}) for r in mine)))
        return found

    frame = pl.DataFrame(rows, schema=dict.fromkeys([*DIMENSIONS, MEASURE, *attributes], pl.String))
    names = {"REF_AREA": {"DEU": 'Germany, "Federal"', "F,R": "Fr\nance"}, "INDICATOR": {"STK_IMM": "Stock ✓"},
             "OBS_STATUS": {"A": "Normal, value"}, "CONF_STATUS": {"F": "Free"}}
    return DataMessage(id="X", prepared=datetime(2026, 1, 1, tzinfo=UTC), series=lambda: iter(series()),
                       attributes=attributes, names=names, component_names={"REF_AREA": 'Area "ref", x'},
                       frames=(lambda: iter([frame.slice(0, len(TRICKY)), frame.slice(5, 0),
                                             frame.slice(len(TRICKY))])) if frames else None)


@pytest.mark.parametrize("attributes", [PUBLISHED_ATTRIBUTES, ()])
@pytest.mark.parametrize(("writer", "labels"), [(write_csv10, "id"), (write_csv10, "both"), (write_csv20, "id"),
                                                (write_csv20, "both"), (write_csv20, "name")])
@pytest.mark.parametrize("time_format", ["original", "normalized"])
def test_column_writer_matches_record_writer(writer: object, labels: str, time_format: str,
                                             attributes: tuple[str, ...]) -> None:
    """Quotes, separators, CR/LF, unicode, empty and absent values, labels and normalised periods."""
    def written(frames: bool) -> bytes:
        return b"".join(writer(_message(frames, attributes), labels=labels, time_format=time_format,  # type: ignore[operator]
                               dataflow_name='Migration, "profile"'))

    old, new = written(False), written(True)
    assert new == old
    assert len(list(csv.reader(io.StringIO(old.decode())))) == 1 + 2 * len(TRICKY)


@pytest.mark.parametrize("attributes", [PUBLISHED_ATTRIBUTES, ("COMMENT", "OBS_STATUS"), ()])
def test_json_column_writer_matches_record_writer(attributes: tuple[str, ...]) -> None:
    """Value texts json_number rewrites, attribute indexes with trailing gaps, unicode and quotes in values."""
    for write in (lambda m: write_json10(m), lambda m: write_json10(m, layout="legacy"), write_json20):
        old = b"".join(write(_message(False, attributes)))
        assert b"".join(write(_message(True, attributes))) == old


def test_csv_and_json_formats_declare_that_they_write_columns() -> None:
    assert CSV10.columns and CSV20.columns and JSON10.columns and JSON20.columns
    assert not any(getattr(f, "columns", False) for f in FORMATS if f not in (CSV10, CSV20, JSON10, JSON20))


def _submit(registry: Registry, path: Path, dataset: str, agency: str, release: datetime) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=dataset, sources=("Census",),
                              licence="https://creativecommons.org/licenses/by/4.0/", release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


def _rows(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    path.write_text(HEADER + "\n" + out.getvalue(), encoding="utf-8")
    return path


def _row(area: str, year: str, value: str, *, sex: str = "_T", conf: str = "F", comment: str = "") -> list[str]:
    return ["dataflow", "MPR:MIGRATION_PROFILE(1.0)", "I", "A", area, "STK_IMM", "_T", sex, "_T", "_Z", year, value,
            "PS", "0", "A", conf, "", comment, ""]


@pytest.fixture
def overlapping(registry: Registry, tmp_path: Path) -> Registry:
    """Two datasets giving some of the same keys and periods (precedence chooses), tricky comments, a
    confidential value."""
    comments = [t for t in TRICKY if "\n" not in t and "\r" not in t]  # validation refuses line breaks
    first = [_row(a, y, f"{1000 + 10 * i + j}", comment=comments[(i + j) % len(comments)])
             for i, a in enumerate(("DEU", "FRA", "ITA")) for j, y in enumerate(("2015", "2016", "2017"))]
    first += [_row("DEU", "2017", "700", sex="F"), _row("ESP", "2016", "3", conf="C")]
    _submit(registry, _rows(tmp_path / "a.csv", first), "FIRST_SET", "DESTATIS", datetime(2024, 1, 1, tzinfo=UTC))
    second = [_row(a, y, f"{9000 + j}", comment="second, \"newer\"") for a in ("DEU", "ESP")
              for j, y in enumerate(("2016", "2017", "2018"))]
    _submit(registry, _rows(tmp_path / "b.csv", second), "SECOND_SET", "DESTATIS", datetime(2025, 1, 1, tzinfo=UTC))
    return registry


QUERIES = [
    parse_data_v1("MIGRATION_PROFILE", None, None, {}),
    parse_data_v1("MIGRATION_PROFILE", "A.DEU+ESP.....", None, {"startPeriod": "2016", "endPeriod": "2017"}),
    parse_data_v1("MIGRATION_PROFILE", None, None, {"detail": "dataonly", "firstNObservations": "1"}),
    parse_data_v1("MIGRATION_PROFILE", None, None, {"lastNObservations": "2"}),
    parse_data_v1("MIGRATION_PROFILE", None, "DESTATIS", {}),
    parse_data_v2("*", "*", "*", "*", "*", {"c[DATASET]": "FIRST_SET", "offset": "2", "limit": "5"}),
    parse_data_v2("*", "*", "*", "*", "*", {"attributes": "OBS_STATUS,DATASET", "measures": "none"}),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
@pytest.mark.parametrize("labels", ["id", "both"])
def test_frames_answer_as_records_do(overlapping: Registry, query: DataQuery, labels: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame path of the data service (precedence, periods, first/last, offset/limit, providers, datasets,
    attributes; read in chunks of a few keys) gives the record path's bytes in both SDMX-CSV versions."""
    monkeypatch.setattr(data_frames, "FIRST_CHUNK_ROWS", 1)
    monkeypatch.setattr(data_frames, "CHUNK_ROWS", 3)
    plain = sdmx_data.data_message(overlapping, query)
    framed = sdmx_data.data_message(overlapping, query, columns=True)
    assert plain.frames is None and framed.frames is not None
    for writer in (write_csv10, write_csv20):
        old = b"".join(writer(plain, labels=labels))
        assert b"".join(writer(framed, labels=labels)) == old
        assert b",3," not in old  # the confidential value
    same = replace(framed, id=plain.id, prepared=plain.prepared)
    for json_writer in (write_json10, write_json20):
        assert b"".join(json_writer(same)) == b"".join(json_writer(plain))
    assert list(framed.series()) == list(plain.series())
